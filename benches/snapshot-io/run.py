#!/usr/bin/env python3
"""Snapshot I/O benchmark (issue 13): write throughput against `dd
conv=fsync` of the same size on the same disk and into the page cache
(fsync off, against dd without fsync); the same write through the page
cache (`PIVM_SNAPSHOT_DIRECT=0`) and dd with direct I/O beside it, and the
forked writer's throughput; peak RSS while snapshotting and resuming against the
program's own, resume load time (warm), the forked writer's pause with and
without transparent huge pages, and the pause of a huge untouched heap.

usage: benches/snapshot-io/run.py [--pivm PATH] [--dir DIR] [MB ...]
(default sizes 16 64 256 1024 4000; the default 4 GiB reservation holds a
heap of at most about 4000 MiB). Prints a markdown table; one run each.
"""
import argparse, os, re, resource, subprocess, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
HEAP_C = os.path.join(HERE, "heap.c")


def run(cmd, env=None, cwd=None):
    """Runs cmd; returns (stdout+stderr, peak RSS in KiB of that child)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    e = dict(os.environ)
    e.pop("PIVM_SNAPSHOT_NOFORK", None)
    e.update(env or {})
    p = subprocess.run(cmd, env=e, cwd=cwd, capture_output=True, text=True)
    # ru_maxrss of children is the max over all waited children: run each
    # measured command through /usr/bin/time instead.
    return p.stdout + p.stderr, p.returncode


def timed(cmd, env=None, cwd=None):
    out, rc = run(["/usr/bin/time", "-f", "maxrss_kb=%M"] + cmd, env, cwd)
    m = re.findall(r"maxrss_kb=(\d+)", out)
    return out, rc, int(m[-1]) if m else 0


def stat(out, key):
    v = re.findall(r"\b" + key + r"=([0-9.]+)", out)
    return float(v[-1]) if v else float("nan")


def dd(path, mb, fsync=True, direct=False):
    t = time.time()
    conv = ["conv=fsync"] if fsync else []
    if direct:
        conv.append("oflag=direct")
    subprocess.run(["dd", "if=/dev/zero", "of=" + path, "bs=1M", "count=%d" % mb] + conv,
                   capture_output=True, check=True)
    dt = time.time() - t
    os.remove(path)
    return mb * 1048576 / dt


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pivm", default=os.path.join(HERE, "../../target/release/pivm"))
    ap.add_argument("--dir", default=".")
    ap.add_argument("sizes", nargs="*", type=int, default=[16, 64, 256, 1024, 4000])
    a = ap.parse_args()
    P, D = a.pivm, a.dir
    snap = os.path.join(D, "bench.msgpack")
    rows = []
    for mb in a.sizes:
        after = str(mb + 20)  # in the read loop, just after the fill
        prog = [P, "run", HEAP_C, "--engine", "jit"]
        args = ["--", str(mb), "1", "1000"]
        # The program alone: its own peak RSS.
        out, rc, own = timed(prog + args)
        # Synchronous snapshot, fsynced, then the same into the page cache.
        ddbw = dd(os.path.join(D, "dd.tmp"), mb)
        def in_process(path, env=None):
            """An in-process snapshot to path (`--exit-after-snapshot`)."""
            out, rc, rss = timed(prog + ["--stats=nocount", "--snapshot-after", after,
                                         "--exit-after-snapshot", "--snapshot-path", path] + args,
                                 env=env)
            assert rc == 85, out
            return out, rss

        out, rss_w = in_process(snap)
        nbytes, total = stat(out, "bytes"), stat(out, "total_ms")
        # The same through the page cache, then fsynced (the writer before
        # direct I/O), and dd with direct I/O.
        total_cached = stat(in_process(snap + ".pc", {"PIVM_SNAPSHOT_DIRECT": "0"})[0], "total_ms")
        os.remove(snap + ".pc")
        dddirect = dd(os.path.join(D, "dd.tmp"), mb, direct=True)
        total_nosync = stat(in_process(snap + ".nosync", {"PIVM_SNAPSHOT_FSYNC": "0"})[0],
                            "total_ms")
        os.remove(snap + ".nosync")
        # dd into the page cache (no fsync): the ceiling of the column above.
        ddpc = dd(os.path.join(D, "dd.tmp"), mb, fsync=False)
        # Resume, the file read once first so that it is in the page cache
        # (warm; a direct write leaves it out).
        with open(snap, "rb") as f:
            while f.read(1 << 24):
                pass
        out, rc, rss_r = timed([P, "resume", snap, "--stats=nocount"])
        assert rc == 0, out
        load = stat(out, "load_ms")
        # Forked writer pause, THP on and off.
        spin = ["--", str(mb), "1", "20000000"]
        out, rc, _ = timed(prog + ["--huge-pages", "--stats=nocount", "--snapshot-after", after,
                                   "--snapshot-path", snap + ".f"] + spin)
        pause_thp, total_fork = stat(out, "pause_ms"), stat(out, "total_ms")
        out, rc, _ = timed(prog + ["--stats=nocount", "--snapshot-after", after,
                                   "--snapshot-path", snap + ".f"] + spin)
        pause_4k = stat(out, "pause_ms")
        # Untouched heap: snapshot right after malloc, synchronous and forked.
        un = ["--", str(mb), "0", "1000"]
        out, rc, _ = timed(prog + ["--stats=nocount", "--snapshot-after", "3",
                                   "--exit-after-snapshot", "--snapshot-path", snap + ".u"] + un)
        pause_untouched_sync, ubytes = stat(out, "pause_ms"), stat(out, "bytes")
        out, rc, _ = timed(prog + ["--stats=nocount", "--snapshot-after", "3",
                                   "--snapshot-path", snap + ".u"] + un)
        pause_untouched_fork = stat(out, "pause_ms")
        out, rc, _ = timed(prog + ["--stats=nocount", "--snapshot-after", "3",
                                   "--exit-after-snapshot", "--snapshot-path", snap + ".u"] + un,
                           env={"PIVM_PAGEMAP": "0"})
        pause_untouched_nopm = stat(out, "pause_ms")
        for f in (snap, snap + ".f", snap + ".u"):
            if os.path.exists(f):
                os.remove(f)
        mbs = lambda b, ms: b / 1048576 / (ms / 1000)
        rows.append([
            "%d MiB" % mb,
            "%.0f" % (nbytes / 1048576),
            "%.0f" % (ddbw / 1048576),
            "%.0f (%.0f%%)" % (mbs(nbytes, total), 100 * nbytes / (total / 1000) / ddbw),
            "%.0f" % mbs(nbytes, total_cached),
            "%.0f" % (dddirect / 1048576),
            "%.0f" % mbs(nbytes, total_fork),
            "%.0f" % mbs(nbytes, total_nosync),
            "%.0f" % (ddpc / 1048576),
            "%.2f" % (rss_w / own),
            "%.0f" % load,
            "%.2f" % (rss_r / own),
            "%.1f / %.1f" % (pause_thp, pause_4k),
            "%.1f / %.1f / %.1f (%d B)" % (pause_untouched_sync, pause_untouched_fork,
                                          pause_untouched_nopm, ubytes),
        ])
        print(" | ".join(rows[-1]), file=sys.stderr)
    head = ["heap", "file MiB", "dd fsync MiB/s", "write fsync MiB/s (% of dd)",
            "write fsync, page cache MiB/s", "dd direct fsync MiB/s", "forked write MiB/s",
            "write no-fsync MiB/s", "dd no-fsync MiB/s", "RSS write / own", "resume load ms",
            "RSS resume / own", "forked pause ms THP / 4K",
            "untouched pause ms sync / forked / no pagemap (file)"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows:
        print("| " + " | ".join(r) + " |")


if __name__ == "__main__":
    main()
