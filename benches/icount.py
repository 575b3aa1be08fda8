#!/usr/bin/env python3
"""Instructions executed by two pivm builds, program by program.

    benches/icount.py OLD_PIVM NEW_PIVM [NAME...] [--jobs N]
        [--old-flags FLAGS] [--new-flags FLAGS]

Times on a shared machine move 10-30% run to run, more than most code
generator changes; the number of instructions a run executes does not.
This counts them with valgrind's cachegrind (`--cache-sim=no`; Debian's
`valgrind` package) for the benchmark programs (examples), the unseen
ones and the idioms, at sizes that take about a second under valgrind,
and prints OLD, NEW and NEW/OLD per program and their geometric mean.
Counts include the JIT's compile, and a rerun of the same binary counts
the same within 0.1% (the compile threads' scheduling). One build run
with and without `--no-safepoints` (`--old-flags --no-safepoints`)
counts what polls cost.

What counts cannot see: cache and TLB misses, store-forwarding stalls,
branch mispredictions, code alignment. Use it to see what a change does
to the generated code across programs (the register allocator reacts to
small changes of a function with moves and spills of a few percent either
way, program by program), and `benches/compare.py` for time.
"""

import argparse
import math
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# name, source (from the repository's root), arguments.
PROGRAMS = [
    ("matmul", "examples/matmul.c", ["200"]),
    ("quicksort", "examples/quicksort.c", ["17"]),
    ("sor", "examples/sor.c", ["400"]),
    ("mgs", "examples/mgs.c", ["150"]),
    ("nbody", "examples/nbody.c", ["100000"]),
    ("binarytrees", "examples/binarytrees.c", ["12"]),
    ("fannkuch", "examples/fannkuch.c", ["8"]),
    ("spectralnorm", "examples/spectralnorm.c", ["300"]),
    ("mandelbrot", "examples/mandelbrot.c", ["300"]),
    ("hashtable", "examples/hashtable.c", ["40000"]),
    ("mallocwrite", "examples/mallocwrite.c", ["16"]),
    ("allocchurn", "examples/allocchurn.c", ["200000"]),
    ("bits", "benches/unseen/bits.c", ["1000000"]),
    ("crc", "benches/unseen/crc.c", ["2500000"]),
    ("fib", "benches/unseen/fib.c", ["30"]),
    ("interp", "benches/unseen/interp.c", ["1500000"]),
    ("list", "benches/unseen/list.c", ["50000"]),
    ("lu", "benches/unseen/lu.c", ["200"]),
    ("matmulnaive", "benches/unseen/matmulnaive.c", ["150"]),
    ("qs", "benches/unseen/qs.c", ["50000"]),
    ("sieve", "benches/unseen/sieve.c", ["7500000"]),
    ("strings", "benches/unseen/strings.c", ["100000"]),
    ("structs", "benches/unseen/structs.c", ["1000000"]),
    ("ray", "benches/unseen/ray.c", ["300"]),
    ("cplx", "benches/unseen/cplx.c", ["300"]),
    ("wordfreq", "benches/unseen/wordfreq.c", ["200000"]),
    ("sha", "benches/unseen/sha.c", ["30"]),
    ("nqueens", "benches/unseen/nqueens.c", ["9"]),
    ("dijkstra", "benches/unseen/dijkstra.c", ["10000"]),
    ("fft", "benches/unseen/fft.c", ["14", "4"]),
    ("bigint", "benches/unseen/bigint.c", ["3000"]),
    ("lz", "benches/unseen/lz.c", ["1000000"]),
    ("kmeans", "benches/unseen/kmeans.c", ["20000", "10"]),
    ("life", "benches/unseen/life.c", ["150", "20"]),
    ("match", "benches/unseen/match.c", ["5000"]),
    ("push", "benches/idioms/push.c", ["2500000"]),
    ("pack", "benches/idioms/pack.c", ["200000"]),
    ("collatz", "benches/idioms/collatz.c", ["75000"]),
    ("search", "benches/idioms/search.c", ["2000", "4000"]),
    ("window", "benches/idioms/window.c", ["20000", "1000"]),
]


def count(pivm, flags, pir, args):
    """Instructions of `pivm run FLAGS pir args` and its output."""
    cmd = [
        "valgrind",
        "--tool=cachegrind",
        "--cache-sim=no",
        "--cachegrind-out-file=/dev/null",
        pivm,
        "run",
        *flags,
        pir,
        "--",
    ] + args
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"icount: {' '.join(cmd)} exited with {p.returncode}:\n{p.stderr[-2000:]}")
    for line in p.stderr.splitlines():
        if "I" in line and "refs:" in line:
            return int(line.split()[-1].replace(",", "")), p.stdout
    sys.exit(f"icount: no count from {' '.join(cmd)}:\n{p.stderr[-2000:]}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("names", nargs="*", help="programs to count (default: all)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--old-flags", default="", help="flags of OLD's run (`--no-safepoints`)")
    ap.add_argument("--new-flags", default="", help="flags of NEW's run")
    o = ap.parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("icount: valgrind is not installed (Debian: apt-get install valgrind)")
    known = {n for n, _, _ in PROGRAMS}
    for n in o.names:
        if n not in known:
            sys.exit(f"icount: unknown program {n} (known: {', '.join(sorted(known))})")
    progs = [p for p in PROGRAMS if not o.names or p[0] in o.names]
    out = os.path.join(ROOT, "target", "icount")
    os.makedirs(out, exist_ok=True)
    for name, src, _ in progs:
        pir = os.path.join(out, name + ".pir")
        # Both builds run the module the new one compiles.
        subprocess.run([o.new, "compile", os.path.join(ROOT, src), "-o", pir], check=True)
    print(f"{'program':<14}{'old':>15}{'new':>15}{'new/old':>9}")
    logs = []
    with ThreadPoolExecutor(max(1, o.jobs)) as ex:
        jobs = [
            (
                name,
                [
                    ex.submit(count, b, flags.split(), os.path.join(out, name + ".pir"), args)
                    for b, flags in ((o.old, o.old_flags), (o.new, o.new_flags))
                ],
            )
            for name, _, args in progs
        ]
        for name, (a, b) in jobs:
            (ca, oa), (cb, ob) = a.result(), b.result()
            if oa != ob:
                sys.exit(f"icount: {name}: the outputs differ")
            logs.append(math.log(cb / ca))
            print(f"{name:<14}{ca:>15,}{cb:>15,}{cb / ca:>9.4f}", flush=True)
    print(f"{'geomean':<14}{'':>30}{math.exp(sum(logs) / len(logs)):>9.4f}")


if __name__ == "__main__":
    main()
