#!/usr/bin/env python3
"""Incremental-snapshot benchmark (issue 14): a program with a heap of MB
megabytes rewrites 5% of it between snapshots. The program runs in stages
(`--snapshot-after N --exit-after-snapshot`, each stage resuming the last
with `--incremental` at the same path): the first snapshot, after the heap
is filled, is full; each later one, one round (5% of the heap) later, is a
delta. Reports the size and write time (the `total_ms` of pivm's stats:
pages hashed, file written and fsynced) of a plain full snapshot (no
`--incremental`) at the same point, of the chain's full snapshot (which
also hashes every page) and of the deltas, their ratios to the plain full
snapshot, and checks that resuming the chain prints what an uninterrupted
run prints.

usage: benches/snapshot-delta/run.py [--pivm PATH] [--dir DIR] [--deltas N] [MB ...]
(default sizes 64 256 1024; 4 deltas). Prints a markdown table.
"""
import argparse, os, re, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
DELTA_C = os.path.join(HERE, "delta.c")


def pivm(P, args, cwd):
    e = dict(os.environ)
    e.pop("PIVM_SNAPSHOT_NOFORK", None)
    p = subprocess.run([P] + args, cwd=cwd, env=e, capture_output=True, text=True)
    return p


def stat(out, key):
    v = re.findall(r"\b" + key + r"=([0-9.]+)", out)
    return float(v[-1]) if v else float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pivm", default=os.path.join(HERE, "../../target/release/pivm"))
    ap.add_argument("--dir", default=".")
    ap.add_argument("--deltas", type=int, default=4)
    ap.add_argument("sizes", nargs="*", type=int, default=[64, 256, 1024])
    a = ap.parse_args()
    P, D = os.path.abspath(a.pivm), os.path.abspath(a.dir)
    rounds = a.deltas + 2
    print("| heap MB | full: bytes | full: ms | chain's full: ms | delta: bytes (mean) | delta: ms (mean) | delta/full size | delta/full time | chain resumes right |")
    print("|---|---|---|---|---|---|---|---|---|")
    for mb in a.sizes:
        n = mb * 131072
        snap = "delta-bench.msgpack"
        for f in os.listdir(D):
            if f.startswith(snap):
                os.remove(os.path.join(D, f))
        want = pivm(P, ["run", DELTA_C, "--", str(mb), str(rounds)], D).stdout
        plain = pivm(P, ["run", DELTA_C, "--snapshot-after", str(n + 8), "--exit-after-snapshot",
                         "--snapshot-path", "plain-" + snap, "--stats=nocount", "--", str(mb), str(rounds)], D)
        os.remove(os.path.join(D, "plain-" + snap))
        full_bytes, full_ms = stat(plain.stderr, "bytes"), stat(plain.stderr, "total_ms")
        sizes, times = [], []
        for stage in range(a.deltas + 1):
            after = str(n + 8) if stage == 0 else str(n // 20 + 2)
            cmd = (["run", DELTA_C] if stage == 0 else ["resume", snap])
            cmd += ["--snapshot-after", after, "--exit-after-snapshot", "--snapshot-path", snap,
                    "--incremental=%d" % (a.deltas + 1), "--stats=nocount"]
            if stage == 0:
                cmd += ["--", str(mb), str(rounds)]
            p = pivm(P, cmd, D)
            if p.returncode != 85:
                sys.exit("stage %d failed: %s" % (stage, p.stderr))
            sizes.append(stat(p.stderr, "bytes"))
            times.append(stat(p.stderr, "total_ms"))
        got = pivm(P, ["resume", snap], D).stdout
        ok = "yes" if got == want else "NO"
        ds, dt = sum(sizes[1:]) / a.deltas, sum(times[1:]) / a.deltas
        print("| %d | %d | %.1f | %.1f | %d | %.1f | %.3f | %.3f | %s |" % (
            mb, full_bytes, full_ms, times[0], ds, dt, ds / full_bytes, dt / full_ms, ok), flush=True)
        for f in os.listdir(D):
            if f.startswith(snap):
                os.remove(os.path.join(D, f))


if __name__ == "__main__":
    main()
