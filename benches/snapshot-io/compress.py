#!/usr/bin/env python3
"""Snapshot compression benchmark (issue 13, `--compress`): for programs
whose memory holds real data (dense doubles, strings and pointers, tree
nodes, mixed blocks), one snapshot of the same state written raw, with
lz4 and with zstd: file size, write time (in-process, fsynced:
`total_ms`), and resume load time (`load_ms`, the file in the page cache).
The state is the same for every codec: `--snapshot-after N` with N at
about 80% of the run's safepoints.

usage: benches/snapshot-io/compress.py [--pivm PATH] [--dir DIR]
Prints a markdown table; one run each, codecs side by side per program.
"""
import argparse, os, re, subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "../.."))

PROGRAMS = [
    ("examples/matmul.c", ["1400"], "dense doubles"),
    ("examples/hashtable.c", ["1500000"], "strings and pointers"),
    ("examples/binarytrees.c", ["20"], "tree nodes"),
    ("examples/allocchurn.c", ["3000000"], "mixed blocks"),
]
CODECS = ["none", "lz4", "zstd"]


def pivm(P, args, cwd):
    e = dict(os.environ)
    e.pop("PIVM_SNAPSHOT_NOFORK", None)
    p = subprocess.run([P] + args, cwd=cwd, env=e, capture_output=True, text=True)
    return p.stdout + p.stderr, p.returncode


def stat(out, key):
    v = re.findall(r"\b" + key + r"=([0-9.]+)", out)
    return float(v[-1]) if v else float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pivm", default=os.path.join(ROOT, "target/release/pivm"))
    ap.add_argument("--dir", default=".")
    a = ap.parse_args()
    P, D = os.path.abspath(a.pivm), os.path.abspath(a.dir)
    print("| program | memory | codec | file MB | ratio | write ms (fsync) | write MB/s of memory | resume load ms |")
    print("|---|---|---|---|---|---|---|---|")
    for prog, args, what in PROGRAMS:
        src = os.path.join(ROOT, prog)
        out, rc = pivm(P, ["run", src, "--stats", "--"] + args, D)
        total = stat(out, "safepoints")
        n = str(int(total * 0.8))
        raw = None
        for codec in CODECS:
            snap = os.path.join(D, "compress-bench.msgpack")
            out, rc = pivm(P, ["run", src, "--snapshot-after", n, "--exit-after-snapshot",
                               "--snapshot-path", snap, "--compress", codec, "--stats=nocount",
                               "--"] + args, D)
            if rc != 85:
                raise SystemExit("%s %s: exit %d\n%s" % (prog, codec, rc, out))
            size = os.path.getsize(snap)
            total_ms = stat(out, "total_ms")
            raw = raw or size
            out, rc = pivm(P, ["resume", snap, "--stats=nocount"], D)
            load = stat(out, "load_ms")
            os.remove(snap)
            print("| %s %s | %s | %s | %.1f | %.2f | %.0f | %.0f | %.0f |" % (
                os.path.basename(prog)[:-2], " ".join(args), what, codec, size / 1e6,
                raw / size, total_ms, raw / 1048576 / (total_ms / 1000), load))


if __name__ == "__main__":
    main()
