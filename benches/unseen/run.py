#!/usr/bin/env python3
"""Programs the optimizer was not tuned on, against gcc -O2.

    benches/unseen/run.py PIVM [OLD_PIVM] [--runs N] [--idioms] [--only NAME,...]

The C programs of this folder are of the kinds a user brings (a bytecode
interpreter, CRC tables, a sieve, a linked list, LU decomposition, a naive
matrix multiply, qsort with a comparator, sprintf and string functions,
structs passed by value, a small ray tracer, complex numbers as structs,
bit tricks, recursion; and, written later, word counts, SHA-256, N-queens,
Dijkstra with a heap, an FFT, big-number factorials, LZ77, k-means on
floats, the game of life, a recursive regex matcher). Each is compiled with gcc -O2 and with `PIVM
compile`, then run alternately (gcc, pivm, the old pivm if given) `--runs`
times; the medians and the ratios to gcc are printed, with their
geometric means. Outputs must be identical (checked). The programs were
written when this script was, before the changes they then measured; add
new ones rather than tune these.

`--idioms` runs the programs of `benches/idioms` instead: C idioms that
changes of the seventh session of 2026-12-01 were made for (a dynamic
array pushed to, a moving write pointer, data-dependent small loops;
later a window summed to the array's end, `i + k < n`), so not unseen;
they keep those changes measured.
"""

import argparse
import math
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))
from compare import timed  # noqa: E402  (benches/compare.py)

# name, arguments (sized for 0.05 to 0.5 s under gcc -O2 on a 2-core VM).
PROGRAMS = [
    ("bits", ["20000000"]),
    ("crc", ["50000000"]),
    ("fib", ["40"]),
    ("interp", ["30000000"]),
    ("list", ["1000000"]),
    ("lu", ["1000"]),
    ("matmulnaive", ["500"]),
    ("qs", ["1000000"]),
    ("sieve", ["150000000"]),
    ("strings", ["2000000"]),
    ("structs", ["20000000"]),
    ("ray", ["1500"]),
    ("cplx", ["1500"]),
    # Written on 2026-12-03 (fourteenth session), before any change they
    # then measured.
    ("wordfreq", ["4000000"]),
    ("sha", ["600"]),
    ("nqueens", ["12"]),
    ("dijkstra", ["100000"]),
    ("fft", ["18", "12"]),
    ("bigint", ["30000"]),
    ("lz", ["20000000"]),
    ("kmeans", ["300000", "20"]),
    ("life", ["500", "120"]),
    ("match", ["100000"]),
]

IDIOMS = [
    ("push", ["50000000"]),
    ("pack", ["4000000"]),
    ("collatz", ["1500000"]),
    ("search", ["20000", "40000"]),
    ("window", ["20000", "20000"]),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pivm")
    ap.add_argument("old", nargs="?")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--idioms", action="store_true", help="run benches/idioms instead")
    ap.add_argument("--only", help="these programs only (comma-separated names)")
    o = ap.parse_args()
    folder = os.path.join(os.path.dirname(HERE), "idioms") if o.idioms else HERE
    programs = IDIOMS if o.idioms else PROGRAMS
    if o.only:
        programs = [p for p in programs if p[0] in o.only.split(",")]
    tmp = os.path.join(ROOT, "target", "unseen")
    os.makedirs(tmp, exist_ok=True)
    variants = ["gcc", "pivm"] + (["old"] if o.old else [])
    head = f"{'program':<13}{'gcc s':>8}{'pivm s':>8}{'pivm/gcc':>10}"
    if o.old:
        head += f"{'old s':>8}{'old/gcc':>9}"
    print(head)
    logs = {v: [] for v in variants[1:]}
    for name, args in programs:
        src = os.path.join(folder, name + ".c")
        exe = os.path.join(tmp, name)
        pir = os.path.join(tmp, name + ".pir")
        subprocess.run(["gcc", "-O2", "-w", "-o", exe, src, "-lm"], check=True)
        subprocess.run([o.pivm, "compile", src, "-o", pir], check=True)
        cmds = {
            "gcc": [exe] + args,
            "pivm": [o.pivm, "run", pir, "--"] + args,
            "old": [o.old, "run", pir, "--"] + args if o.old else None,
        }
        times = {v: [] for v in variants}
        outs = {}
        for r in range(o.runs):
            order = variants if r % 2 == 0 else list(reversed(variants))
            for v in order:
                dt, out = timed(cmds[v])
                times[v].append(dt)
                outs[v] = out
        for v in variants[1:]:
            if outs[v] != outs["gcc"]:
                sys.exit(f"{name}: {v} prints other output than gcc")
        med = {v: statistics.median(times[v]) for v in variants}
        line = f"{name:<13}{med['gcc']:>8.3f}{med['pivm']:>8.3f}{med['pivm'] / med['gcc']:>9.2f}x"
        if o.old:
            line += f"{med['old']:>8.3f}{med['old'] / med['gcc']:>8.2f}x"
        for v in variants[1:]:
            logs[v].append(math.log(med[v] / med["gcc"]))
        print(line)
    geo = {v: math.exp(sum(logs[v]) / len(logs[v])) for v in logs}
    line = f"{'geomean':<13}{'':>16}{geo['pivm']:>9.2f}x"
    if o.old:
        line += f"{'':>8}{geo['old']:>8.2f}x"
    print(line)


if __name__ == "__main__":
    main()
