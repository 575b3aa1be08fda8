#!/usr/bin/env python3
"""Side-by-side speed of two pivm builds on the benchmark programs.

    benches/compare.py OLD_PIVM NEW_PIVM [--runs N] [--engine jit|interp] [--quick] [--cpu]

Runs every program of pivm-bench's speed table (the same sizes) with both
binaries, alternating old/new in each round so that machine noise hits
both alike, and prints the median wall time of each and the ratio
new/old, then the geometric mean of the ratios. Use it to quote a
before/after from one run when a change touches something hot: build the
old commit into its own target directory, e.g.

    git worktree add /tmp/old HEAD~1
    CARGO_TARGET_DIR=/tmp/old-target cargo build --release -p pivm --manifest-path /tmp/old/Cargo.toml
    benches/compare.py /tmp/old-target/release/pivm target/release/pivm

Each program's output must be identical under both builds (checked).
"""

import argparse
import re
import math
import os
import resource
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# name, file, full size, quick size: pivm-bench's table (benches/src/main.rs).
PROGRAMS = [
    ("matmul", "examples/matmul.c", ["500"], ["20"]),
    ("quicksort", "examples/quicksort.c", ["21"], ["10"]),
    ("sor", "examples/sor.c", ["1500"], ["20"]),
    ("mgs", "examples/mgs.c", ["400"], ["20"]),
    ("nbody", "examples/nbody.c", ["2000000"], ["1000"]),
    ("binarytrees", "examples/binarytrees.c", ["16"], ["6"]),
    ("fannkuch", "examples/fannkuch.c", ["10"], ["6"]),
    ("spectralnorm", "examples/spectralnorm.c", ["1500"], ["50"]),
    ("mandelbrot", "examples/mandelbrot.c", ["1500"], ["40"]),
    ("hashtable", "examples/hashtable.c", ["400000"], ["1000"]),
    ("mallocwrite", "examples/mallocwrite.c", ["256"], ["2"]),
    ("allocchurn", "examples/allocchurn.c", ["2000000"], ["2000"]),
]


def timed(cmd, cpu=False):
    """Runs `cmd`: (seconds, stdout); exits with its stderr if it fails.
    Seconds are wall time, or with `cpu` the process's user + system CPU
    time (less sensitive to other processes taking the cores, not to their
    use of the caches)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True)
    dt = time.perf_counter() - t
    if cpu:
        # The child has been waited for: its usage is in RUSAGE_CHILDREN.
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        dt = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if p.returncode != 0:
        sys.exit(f"{' '.join(cmd)}: exit {p.returncode}\n{p.stderr.decode(errors='replace')}")
    return dt, p.stdout


def run(pivm, pir, engine, args, cpu=False):
    """Runs pivm on `pir`: (seconds, stdout), as `timed`."""
    return timed([pivm, "run", pir, "--engine", engine, "--"] + args, cpu)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--engine", default="jit", choices=["jit", "interp"])
    ap.add_argument("--quick", action="store_true", help="tiny sizes, to check the script")
    ap.add_argument(
        "--cpu",
        action="store_true",
        help="compare user + system CPU time instead of wall time (on a loaded machine)",
    )
    o = ap.parse_args()
    tmp = os.path.join(ROOT, "target", "compare")
    os.makedirs(tmp, exist_ok=True)
    ratios = []
    what = "CPU s" if o.cpu else "s"
    print(f"{'program':<14}{'old ' + what:>11}{'new ' + what:>11}{'new/old':>9}")
    for name, src, full, quick in PROGRAMS:
        args = quick if o.quick else full
        # Both builds run the same .pir, compiled by the new one, so only
        # the engines are compared (the frontend may differ between them).
        pir = os.path.join(tmp, name + ".pir")
        subprocess.run([o.new, "compile", os.path.join(ROOT, src), "-o", pir], check=True)
        # Functions' own source files (`func @f(...) source "x.h" {`)
        # only name files for traps and inspect; a pivm older than them
        # cannot read them, so the old build gets the text without.
        with open(pir) as f:
            text = f.read()
        old_pir = os.path.join(tmp, name + ".old.pir")
        with open(old_pir, "w") as f:
            f.write(re.sub(r' source "[^"]*" \{$', " {", text, flags=re.M))
        times = {"old": [], "new": []}
        outs = {}
        for r in range(o.runs):
            order = ["old", "new"] if r % 2 == 0 else ["new", "old"]
            for which in order:
                dt, out = run(getattr(o, which), old_pir if which == "old" else pir, o.engine, args, o.cpu)
                times[which].append(dt)
                outs[which] = out
        if outs["old"] != outs["new"]:
            sys.exit(f"{name}: the two builds print different output")
        old, new = statistics.median(times["old"]), statistics.median(times["new"])
        ratios.append(new / old)
        print(f"{name:<14}{old:>11.3f}{new:>11.3f}{new / old:>9.3f}")
    geo = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
    print(f"{'geomean':<14}{'':>22}{geo:>9.3f}")


if __name__ == "__main__":
    main()
