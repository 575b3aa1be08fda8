#!/usr/bin/env python3
"""Downtime of live migration (`pivm migrate`) on loopback, beside the
same move by hand (snapshot to exit, copy the file, resume), for heaps of
64 MiB and 1 GiB (`--sizes` to change). One side-by-side run per size.

Downtime is from the moment the program stops at the source to the
moment it runs again at the receiver:
- migrate: its `downtime_ms` (the source's clock: from the safepoint to
  the receiver's word that the resumed program runs);
- by hand: from `pivm snapshot --exit` being asked to `pivm resume`
  saying it runs (the same `PIVM_NOTIFY_FD` word), the copy in between.

  benches/migrate/run.py [--pivm target/release/pivm] [--sizes 64,1024]
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def start_run(pivm, prog, mb, cwd):
    p = subprocess.Popen([pivm, "run", prog, "--", str(mb), "100000000"], stdout=subprocess.PIPE, cwd=cwd)
    assert p.stdout.readline() == b"ready\n"
    time.sleep(1.0)  # let it settle into its hot loop
    return p


def by_hand(pivm, prog, mb, tmp):
    src_dir, dst_dir = os.path.join(tmp, "src"), os.path.join(tmp, "dst")
    for d in (src_dir, dst_dir):
        os.makedirs(d, exist_ok=True)
    p = start_run(pivm, prog, mb, src_dir)
    snap = os.path.join(src_dir, "s.msgpack")
    t0 = time.time()
    subprocess.run([pivm, "snapshot", "--at-next-safepoint", "--pid", str(p.pid), "--exit", "-o", snap],
                   check=True, stdout=subprocess.DEVNULL)
    p.wait()
    t_snap = time.time()
    dst = os.path.join(dst_dir, "s.msgpack")
    shutil.copyfile(snap, dst)
    os.sync()
    t_copy = time.time()
    rd, wr = os.pipe()
    r = subprocess.Popen([pivm, "resume", dst], stdout=subprocess.DEVNULL, pass_fds=(wr,),
                         env=dict(os.environ, PIVM_NOTIFY_FD=str(wr)), cwd=dst_dir)
    os.close(wr)
    os.read(rd, 16)
    t_run = time.time()
    os.close(rd)
    r.kill()
    r.wait()
    size = os.path.getsize(snap)
    return (t_run - t0) * 1000, (t_snap - t0) * 1000, (t_copy - t_snap) * 1000, (t_run - t_copy) * 1000, size


def migrate(pivm, prog, mb, tmp):
    tok = os.path.join(tmp, "token")
    with open(os.open(tok, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
        f.write("benchmark token for migration\n")
    # In its own session, so the program it resumed goes with it.
    srv = subprocess.Popen([pivm, "serve", "--once", "--listen", "127.0.0.1:0", "--token-file", tok],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    addr = srv.stderr.readline().decode().split("listening on ")[1].strip()
    p = start_run(pivm, prog, mb, tmp)
    t0 = time.time()
    m = subprocess.run([pivm, "migrate", "--pid", str(p.pid), "--to", addr, "--token-file", tok, "--stats"],
                       capture_output=True, text=True)
    total = (time.time() - t0) * 1000
    p.wait()
    os.killpg(srv.pid, 9)
    srv.wait()
    if m.returncode != 0:
        raise SystemExit(f"migrate failed: {m.stderr}")
    last = [l for l in m.stderr.splitlines() if "stats: moved" in l][-1]
    stats = dict(kv.split("=") for kv in last.split() if "=" in kv)
    return float(stats["downtime_ms"]), total, int(stats["rounds"]), int(stats["bytes"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pivm", default=os.path.join(ROOT, "target", "release", "pivm"))
    ap.add_argument("--sizes", default="64,1024")
    a = ap.parse_args()
    prog = os.path.join(HERE, "hot.c")
    print("| heap | migrate downtime ms | migrate total ms | rounds | bytes sent | by hand downtime ms (snapshot + copy + resume) | snapshot bytes |")
    print("|---|---|---|---|---|---|---|")
    for mb in [int(s) for s in a.sizes.split(",")]:
        with tempfile.TemporaryDirectory(prefix="pivm-mig-") as tmp:
            down, total, rounds, sent = migrate(a.pivm, prog, mb, tmp)
            hand, s, c, r, size = by_hand(a.pivm, prog, mb, tmp)
        print(f"| {mb} MiB | {down:.0f} | {total:.0f} | {rounds} | {sent} | {hand:.0f} ({s:.0f} + {c:.0f} + {r:.0f}) | {size} |")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
