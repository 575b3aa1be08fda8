#!/usr/bin/env python3
"""The cross-architecture matrix and relay, under qemu-user.

For each program: gcc's output is the oracle. On every (architecture,
engine) a snapshot is taken at a few safepoint counts (exit 85), and each
snapshot is resumed on every architecture; the output before the snapshot
plus the output after the resume must equal gcc's, byte for byte. The
engine a snapshot resumes on alternates over the target architectures and
flips from one program to the next (`resume_engines`), so every program is
resumed on every (architecture, engine) from all four architectures, and
every pair of (architecture, engine) on the two sides meets in every two
programs: half the resumes of the full square, which `--full` runs (every
snapshot on every architecture and engine).
The relay runs one program through x86_64 -> aarch64 -> s390x -> riscv64 ->
x86_64, a snapshot at each hop, and checks the history `pivm inspect`
records. The chain relay does the same with `--incremental` at one path,
so the chain holds a full snapshot from x86_64 and deltas from the other
three architectures and both engines, and resumes it on every
(architecture, engine). The migration relay moves a running program from
x86_64 to s390x and back over loopback (`pivm serve` on one side, `pivm
migrate` on the other), with its output split between the two equal to
gcc's. The batch relay runs one job with `pivm run --checkpoint-dir`
(README, "Running under a batch scheduler"), the same command on each
architecture in turn, as a scheduler would restart it on another node.
The probe relay runs a program whose loops end in calls on the JIT of
every architecture with latency probes, so that polls land where a
call's test of the state and the loop's poll are one load.
Run by scripts/cross.sh after the cross builds.
"""
import concurrent.futures as cf
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CROSS = os.path.join(ROOT, "target", "cross")

ARCHS = {
    "x86_64": [os.path.join(ROOT, "target", "release", "pivm")],
    "aarch64": ["qemu-aarch64", os.path.join(CROSS, "aarch64-unknown-linux-gnu", "release", "pivm")],
    "s390x": ["qemu-s390x", "-L", "/usr/s390x-linux-gnu",
              os.path.join(CROSS, "s390x-unknown-linux-gnu", "release", "pivm")],
    "riscv64": ["qemu-riscv64", "-L", "/usr/riscv64-linux-gnu",
                os.path.join(CROSS, "riscv64gc-unknown-linux-gnu", "release", "pivm")],
}
ENGINES = ["jit", "interp"]

# (program, args, snapshot points as fractions of its safepoint count,
# oracle). Chosen to cover integers of every width, floats and their
# printing, structs, pointers stored in the heap, recursion, a big heap,
# hardware NaNs, handlers pending between setjmp and longjmp,
# variable-length arrays and bit-fields live across the snapshot, wide
# strings and long doubles, loops whose memory checks the JIT hoists,
# threads blocked in condition variables and joins, small functions
# inlined into their callers (their slots in the callers' frames, read
# by the JIT from what it stored, or promoted to locals), signals pending
# while blocked, processes blocked in pipes and waitpid, and processes
# whose interleaved output is the schedule's (the oracle is then pivm's
# uninterrupted run), threads asleep with an interval timer armed (the
# monotonic clock and the deadlines move with the snapshot), copies and
# fills of lengths known only at run time (the JIT's direct calls of the
# host's memmove and memset), gcc's bit and overflow builtins, strtok_r
# and strsep, large frees whose frames the allocator zeroes (what a
# reused block holds is pivm's, the same on every host), globals aligned
# beyond their types (the IR's `align`), packed structs read and written
# at unaligned addresses, automatic variables in slots aligned beyond their
# types at every depth of a recursion, glibc's 48-bit generators, strcmp
# and strncmp at every offset of a difference or an end (the JIT's inline
# first word and direct host call), table lookups and local arrays at
# masked and remaindered indexes (which the JIT does not check), locals
# that only ever hold one constant (read as it by the optimizer) (every
# program at
# one point, to keep CI short; the
# points dropped passed in the run that added the thread, signal and
# process programs). The
# oracle is gcc, except for NaN bits, which C leaves to the hardware and
# pivm defines (docs/DESIGN.md): there it is pivm's interpreter on x86_64,
# uninterrupted, and for heap addresses printed with %p (the JIT's inline
# malloc and free at a slab's edges), which gcc's malloc does not share,
# and for what freed memory holds when it is handed out again.
PROGRAMS = [
    ("tests/cross/widths.c", [], [0.3], "gcc"),
    ("tests/cross/nans.c", ["2000"], [0.5], "pivm"),
    ("tests/cross/setjmp.c", ["40"], [0.37], "gcc"),
    ("tests/cross/vla.c", ["60"], [0.62], "gcc"),
    ("tests/cross/wide.c", ["3000"], [0.4], "gcc"),
    ("tests/cross/loops.c", ["40", "6"], [0.61], "gcc"),
    ("tests/cross/threads.c", ["300"], [0.55], "gcc"),
    ("tests/cross/signals.c", ["10"], [0.35], "gcc"),
    ("tests/cross/procs.c", ["2000"], [0.45], "gcc"),
    ("tests/threads/interleave.c", [], [0.62], "pivm"),
    ("tests/threads/sleepers.c", [], [0.5], "gcc"),
    ("examples/nbody.c", ["2000"], [0.5], "gcc"),
    ("examples/binarytrees.c", ["8"], [0.7], "gcc"),
    ("examples/quicksort.c", ["12"], [0.5], "gcc"),
    ("examples/hashtable.c", ["2000"], [0.6], "gcc"),
    ("examples/mallocwrite.c", ["8"], [0.9], "gcc"),
    ("tests/alloc/slab_edges.c", [], [0.21], "pivm"),
    ("tests/alloc/discard.c", [], [0.5], "pivm"),
    ("tests/c/inlined_leaves.c", [], [0.45], "gcc"),
    ("tests/c/promoted_slots.c", [], [0.55], "gcc"),
    ("tests/c/tail_calls.c", [], [0.4], "gcc"),
    ("tests/c/callbacks.c", [], [0.45], "gcc"),
    ("tests/c/self_recursion.c", [], [0.5], "gcc"),
    ("tests/c/aligned_small.c", [], [0.5], "gcc"),
    ("tests/c/scan_loops.c", [], [0.4], "gcc"),
    ("tests/c/if_converted.c", [], [0.45], "gcc"),
    ("tests/c/mutual_recursion.c", [], [0.55], "gcc"),
    ("tests/c/constant_args.c", ["3000"], [0.5], "gcc"),
    ("tests/c/constant_locals.c", ["3"], [0.5], "gcc"),
    ("tests/c/offset_loops.c", [], [0.5], "gcc"),
    ("tests/c/quotient_loops.c", [], [0.5], "gcc"),
    ("tests/c/partial_heads.c", [], [0.3, 0.7], "gcc"),
    ("tests/c/loop_leaves.c", [], [0.5], "gcc"),
    ("tests/c/variable_copies.c", [], [0.5], "gcc"),
    ("tests/c/gcc_builtins.c", ["300"], [0.5], "gcc"),
    ("tests/c/strtok_r_strsep.c", [], [0.5], "gcc"),
    ("tests/c/gnu_extensions.c", [], [0.5], "gcc"),
    ("tests/c/computed_goto.c", [], [0.5], "gcc"),
    ("tests/c/constructors.c", [], [0.5], "gcc"),
    ("tests/c/alloca.c", [], [0.5], "gcc"),
    ("tests/c/math_errno.c", [], [0.5], "gcc"),
    ("tests/c/aligned_globals.c", [], [0.5], "gcc"),
    ("tests/c/packed.c", [], [0.5], "gcc"),
    ("tests/c/aligned_locals.c", [], [0.5], "gcc"),
    ("tests/c/rand48.c", [], [0.5], "gcc"),
    ("tests/c/strcmp_words.c", [], [0.5], "gcc"),
    ("tests/c/load_reuse.c", [], [0.5], "gcc"),
    ("tests/c/narrow_stores.c", ["7"], [0.5], "gcc"),
    ("tests/c/bounded_indexes.c", ["3000"], [0.5], "gcc"),
]


def run(cmd, timeout=900):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    return p.returncode, p.stdout, p.stderr.decode(errors="replace")


def pivm(arch, *args):
    return run(ARCHS[arch] + list(args))


def safepoint_count(err):
    """The safepoint count of a `pivm run --stats` from its stderr; 0 if
    none is there."""
    return next((int(kv.split("=")[1]) for line in err.splitlines() if line.startswith("pivm: stats:")
                 for kv in line.split() if kv.startswith("safepoints=")), 0)


def safepoints(arch, prog, args):
    code, out, err = pivm(arch, "run", prog, "--engine", "jit", "--stats", "--", *args)
    if code != 0:
        raise SystemExit(f"{prog}: pivm run failed on {arch} ({code}): {err}")
    if not any(line.startswith("pivm: stats:") for line in err.splitlines()):
        raise SystemExit(f"{prog}: no safepoint count in --stats output: {err}")
    return safepoint_count(err)


def migration(tmp, src_arch, dst_arch):
    """Moves tests/cross/migrate.c, running on src_arch, to a `pivm serve
    --once` on dst_arch; returns why it failed, or None."""
    import threading
    prog = os.path.join(ROOT, "tests/cross/migrate.c")
    # Enough work that the program is still running when the last round
    # is sent: a native source is ~10 times faster than one under qemu.
    args = ["4", "2000" if src_arch == "x86_64" else "150"]
    exe = os.path.join(tmp, "migrate.gcc")
    subprocess.run(["gcc", "-O2", "-w", "-o", exe, prog], check=True)
    _, want, _ = run([exe] + args)
    tok = os.path.join(tmp, "token")
    with open(os.open(tok, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
        f.write("cross matrix migration token\n")
    env = dict(os.environ, PIVM_SERVE_EXEC=" ".join(ARCHS[dst_arch]))
    srv = subprocess.Popen(ARCHS[dst_arch] + ["serve", "--once", "--engine", "jit", "--listen", "127.0.0.1:0",
                                              "--token-file", tok], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    line = srv.stderr.readline().decode(errors="replace")
    if "listening on " not in line:
        srv.kill()
        return f"serve did not start: {line.strip()}"
    addr = line.split("listening on ")[1].strip()
    srv_err = []
    threading.Thread(target=lambda: srv_err.append(srv.stderr.read()), daemon=True).start()
    src = subprocess.Popen(ARCHS[src_arch] + ["run", prog, "--engine", "jit", "--", *args], stdout=subprocess.PIPE)
    here = src.stdout.readline()
    code, _, err = pivm("x86_64", "migrate", "--pid", str(src.pid), "--to", addr, "--token-file", tok, "--stats")
    here += src.stdout.read()
    src_code = src.wait()
    if code != 0:
        srv.kill()
        srv.wait()
        return f"pivm migrate exited {code}: {err.strip()[:300]}"
    try:
        there, _ = srv.communicate(timeout=600)
    except subprocess.TimeoutExpired:
        srv.kill()
        return "the receiver did not finish"
    if src_code != 0 or srv.returncode != 0:
        return f"exit statuses: source {src_code}, receiver {srv.returncode}: {b''.join(srv_err)[:300]!r}"
    if here + there != want:
        return "the output differs from gcc's"
    return None


def batch_relay(tmp, hops, failures):
    """One job, `pivm run --checkpoint-dir D`, started on each of `hops`
    in turn (both engines); each start but the last stops after a
    snapshot (85), and a line is appended to the output file after each
    stop (what a job prints between its last snapshot and being killed).
    The output file must end equal to gcc's output. True if it passed."""
    prog, args = "examples/binarytrees.c", ["8"]
    src = os.path.join(ROOT, prog)
    exe = os.path.join(tmp, "batch.gcc")
    subprocess.run(["gcc", "-O0", "-w", "-pthread", "-o", exe, src, "-lm"], check=True)
    _, want, _ = run([exe] + args)
    step = max(1, safepoints("x86_64", src, args) // 5)
    ckpt = os.path.join(tmp, "batch-ckpt")
    output = os.path.join(ckpt, "stdout")
    for i, arch in enumerate(hops):
        eng = ENGINES[i % 2]
        last = i == len(hops) - 1
        stop = [] if last else ["--snapshot-after", str(step), "--exit-after-snapshot"]
        c, o, err = pivm(arch, "run", "--checkpoint-dir", ckpt, "--engine", eng, *stop, src, "--", *args)
        if c != (0 if last else 85) or o or (i > 0 and "pivm: batch: resuming from" not in err):
            failures.append(f"batch relay start {i} on {arch}/{eng}: exit {c}: {err.strip()[:300]}")
            return False
        if not last:
            with open(output, "ab") as f:
                f.write(b"printed after the snapshot, before the job was killed\n")
    with open(output, "rb") as f:
        if f.read() != want:
            failures.append("batch relay: the output file differs from gcc's")
            return False
    return True


def stdin_relay(tmp, hops, failures):
    """tests/stdin/scanf_sum.c reading its input with scanf through every
    architecture, both engines in turn, a snapshot at each hop while
    scanf's lookahead byte is pushed back onto stdin; each hop is given
    the input from the byte its snapshot says the program had consumed
    (`pivm inspect --json`). The output must equal gcc's. True if it
    passed."""
    src = os.path.join(ROOT, "tests/stdin/scanf_sum.c")
    data = b"12\n3.5 -2 0x10 1e3 .25\n7 8 9\n10 11 12 13e-1\nalpha beta\tgamma\n  delta\n"
    exe = os.path.join(tmp, "scanf.gcc")
    subprocess.run(["gcc", "-O0", "-w", "-o", exe, src], check=True)
    want = subprocess.run([exe], input=data, stdout=subprocess.PIPE, check=True).stdout
    err = subprocess.run(ARCHS["x86_64"] + ["run", src, "--stats"], input=data, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE).stderr.decode(errors="replace")
    total = safepoint_count(err)
    step = max(1, total // len(hops))
    out, snap, consumed, pushed = b"", None, 0, 0
    for i, arch in enumerate(hops):
        nxt = os.path.join(tmp, f"scanf{i}.msgpack")
        eng = ENGINES[i % 2]
        last = i == len(hops) - 1
        stop = [] if last else ["--snapshot-after", str(step), "--snapshot-path", nxt, "--exit-after-snapshot"]
        what = ["run", src] if i == 0 else ["resume", snap]
        p = subprocess.run(ARCHS[arch] + what + ["--engine", eng] + stop, input=data[consumed:],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=900)
        out += p.stdout
        if p.returncode != (0 if last else 85):
            failures.append(f"stdin relay hop {i} on {arch}/{eng}: exit {p.returncode}: {p.stderr.decode(errors='replace').strip()[:300]}")
            return False
        if not last:
            code, shown, err = pivm("x86_64", "inspect", "--json", nxt)
            if code != 0:
                failures.append(f"stdin relay: inspect failed: {err.strip()[:300]}")
                return False
            io = json.loads(shown)["io"]
            consumed = io["stdin_consumed"]
            pushed += len(io["stdin_unread"]) > 0
        snap = nxt
    if out != want:
        failures.append("stdin relay: the output differs from gcc's")
        return False
    if pushed == 0:
        failures.append("stdin relay: no snapshot had a byte pushed back onto stdin")
        return False
    return True


def probe_relay(tmp, failures):
    """tests/cross/poll_after_call.c on the JIT of every architecture under
    `--probe-latency 1ms`: a poll at a loop's safepoint right after a call
    is made on a cold path that repeats the instructions between the two
    (the JIT's one test of both); with polls landing there, the output
    must still equal gcc's. True if it passed."""
    prog, args = "tests/cross/poll_after_call.c", ["20000"]
    src = os.path.join(ROOT, prog)
    exe = os.path.join(tmp, "probe.gcc")
    subprocess.run(["gcc", "-O0", "-w", "-o", exe, src], check=True)
    _, want, _ = run([exe] + args)
    ok = True
    for arch in ARCHS:
        c, out, err = pivm(arch, "run", "--engine", "jit", "--probe-latency", "1ms", src, "--", *args)
        probes = next((int(kv.split("=")[1]) for line in err.splitlines() if line.startswith("pivm: stats:")
                       for kv in line.split() if kv.startswith("probes=")), 0)
        if c != 0 or out != want or probes == 0:
            failures.append(f"probe relay on {arch}: exit {c}, {probes} probes, output "
                            f"{'differs' if out != want else 'ok'} {err.strip()[:300]}")
            ok = False
    return ok


def lua_sources():
    """Lua 5.4's sources in the lua-src package cargo unpacked (a
    dev-dependency of pivm: `cargo test` or `cargo fetch` brings it). Only
    the host's packages: a fresh machine has not downloaded the others
    (Windows-only ones), and `--offline` cannot."""
    _, vv, _ = run(["rustc", "-vV"])
    host = next(l.split(b" ", 1)[1].decode() for l in vv.splitlines() if l.startswith(b"host: "))
    code, out, err = run(["cargo", "metadata", "--format-version", "1", "--offline", "--locked",
                          "--filter-platform", host,
                          "--manifest-path", os.path.join(ROOT, "Cargo.toml")])
    if code != 0:
        raise SystemExit(f"cargo metadata failed: {err[:300]}")
    pkg = next(p for p in json.loads(out)["packages"] if p["name"] == "lua-src")
    root = os.path.dirname(pkg["manifest_path"])
    return os.path.join(root, sorted(d for d in os.listdir(root) if d.startswith("lua-5.4"))[-1])


def lua_relay(tmp, hops, failures):
    """Lua 5.4 (examples/lua, compiled once to a .pir on x86_64) running
    tests/lua/coroutines.lua through every architecture, both engines in
    turn, a snapshot at each hop in the middle of the Lua VM; the output
    must equal the gcc -O2 driver's. True if it passed."""
    lua = lua_sources()
    work = os.path.join(tmp, "lua")
    os.makedirs(work)
    script = "coroutines.lua"
    with open(os.path.join(ROOT, "tests/lua", script), "rb") as f, open(os.path.join(work, script), "wb") as g:
        g.write(f.read())
    exe = os.path.join(tmp, "lua.gcc")
    # (stderr kept quiet: the linker warns about Lua's use of tmpnam)
    subprocess.run(["gcc", "-O2", "-w", "-I", lua, "-o", exe, os.path.join(ROOT, "examples/lua/onelua.c"), "-lm"],
                   check=True, stderr=subprocess.DEVNULL)
    want = subprocess.run([exe, script], cwd=work, env={"TZ": "UTC"}, stdout=subprocess.PIPE, check=True).stdout
    pir = os.path.join(tmp, "lua.pir")
    code, _, err = pivm("x86_64", "compile", "-I", lua, os.path.join(ROOT, "examples/lua/onelua.c"), "-o", pir)
    if code != 0:
        failures.append(f"lua relay: pivm compile exited {code}: {err.strip()[:300]}")
        return False
    err = subprocess.run(ARCHS["x86_64"] + ["run", pir, "--dir", ".", "--stats", "--", script], cwd=work,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE).stderr.decode(errors="replace")
    total = safepoint_count(err)
    step = max(1, total // len(hops))
    out, snap = b"", None
    for i, arch in enumerate(hops):
        nxt = os.path.join(tmp, f"lua{i}.msgpack")
        eng = ENGINES[i % 2]
        last = i == len(hops) - 1
        stop = [] if last else ["--snapshot-after", str(step), "--snapshot-path", nxt, "--exit-after-snapshot"]
        what = ["run", pir] if i == 0 else ["resume", snap]
        cmd = ARCHS[arch] + what + ["--dir", ".", "--engine", eng] + stop + (["--", script] if i == 0 else [])
        p = subprocess.run(cmd, cwd=work, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=900)
        out += p.stdout
        if p.returncode != (0 if last else 85):
            failures.append(f"lua relay hop {i} on {arch}/{eng}: exit {p.returncode}: {p.stderr.decode(errors='replace').strip()[:300]}")
            return False
        snap = nxt
        if i == 0:
            code, shown, err = pivm("x86_64", "inspect", snap)
            if code != 0 or b" luaV_execute at " not in shown:
                failures.append(f"lua relay: the first snapshot's backtrace has no luaV_execute: {err.strip()[:300]}")
                return False
    if out != want:
        failures.append("lua relay: the output differs from gcc's")
        return False
    return True


def resume_engines(index, seng, tarch, full):
    """The engines a snapshot taken by engine `seng` resumes on, on
    architecture `tarch`, in the matrix's program number `index`: both with
    `full`; otherwise one, alternating over the target architectures and
    flipping with the source engine and from one program to the next."""
    if full:
        return ENGINES
    k = index + ENGINES.index(seng) + list(ARCHS).index(tarch)
    return [ENGINES[k % 2]]


def check_resume_engines():
    """What `resume_engines` promises, checked before the matrix runs: in
    each program every (architecture, engine) resumes snapshots from all
    four architectures, and over two programs in a row every (source,
    target) pair of (architecture, engine) meets."""
    sides = [(a, e) for a in ARCHS for e in ENGINES]
    for index in range(len(PROGRAMS)):
        pairs = [{(s, (t, te)) for s in sides for t in ARCHS for te in resume_engines(i, s[1], t, False)}
                 for i in (index, index + 1)]
        for t in sides:
            if {s[0] for s, tt in pairs[0] if tt == t} != set(ARCHS):
                raise SystemExit(f"resume_engines: program {index} resumes on {t} not from every architecture")
        if len(pairs[0] | pairs[1]) != len(sides) ** 2:
            raise SystemExit(f"resume_engines: programs {index} and {index + 1} miss a pair of sides")


def matrix_program(pool, tmp, index, full, prog, args, fracs, oracle, failures):
    """Program number `index` of the matrix: its snapshots on every
    (architecture, engine), each resumed on every architecture
    (`resume_engines`). Returns how many resumes matched the oracle and the
    line that reports it; failures go to `failures`."""
    src = os.path.join(ROOT, prog)
    if oracle == "gcc":
        exe = os.path.join(tmp, os.path.basename(prog) + ".gcc")
        subprocess.run(["gcc", "-O0", "-w", "-pthread", "-o", exe, src, "-lm"], check=True)
        code, want, _ = run([exe] + args)
    else:
        code, want, _ = pivm("x86_64", "run", src, "--engine", "interp", "--", *args)
    total = safepoints("x86_64", src, args)
    points = sorted({max(1, int(total * f)) for f in fracs})
    # Snapshots on every source, in parallel.
    snaps = {}
    jobs = {}
    for arch in ARCHS:
        for eng in ENGINES:
            for n in points:
                path = os.path.join(tmp, f"{os.path.basename(prog)}.{arch}.{eng}.{n}.msgpack")
                jobs[pool.submit(pivm, arch, "run", src, "--engine", eng, "--snapshot-after", str(n),
                                 "--snapshot-path", path, "--exit-after-snapshot", "--", *args)] = (arch, eng, n, path)
    for fut, (arch, eng, n, path) in jobs.items():
        c, out, err = fut.result()
        if c != 85:
            failures.append(f"{prog} snapshot on {arch}/{eng} at {n}: exit {c}: {err.strip()[:300]}")
            continue
        snaps[(arch, eng, n)] = (path, out)
    jobs = {}
    for (sarch, seng, n), (path, before) in snaps.items():
        for tarch in ARCHS:
            for teng in resume_engines(index, seng, tarch, full):
                jobs[pool.submit(pivm, tarch, "resume", path, "--engine", teng)] = (sarch, seng, n, tarch, teng, before)
    passes = 0
    for fut, (sarch, seng, n, tarch, teng, before) in jobs.items():
        c, after, err = fut.result()
        label = f"{prog} @{n}: {sarch}/{seng} -> {tarch}/{teng}"
        if c != code or before + after != want:
            failures.append(f"{label}: exit {c} (want {code}), output {'differs' if before + after != want else 'ok'} {err.strip()[:300]}")
        else:
            passes += 1
    for path, _ in snaps.values():
        os.remove(path)
    return passes, f"{prog}: {len(snaps)} snapshots, {len(jobs)} resumes"


def main():
    unknown = [a for a in sys.argv[1:] if a != "--full"]
    if unknown:
        raise SystemExit(f"cross-matrix.py: unknown argument {unknown[0]} (usage: cross-matrix.py [--full])")
    full = "--full" in sys.argv[1:]
    check_resume_engines()
    started = time.time()
    tmp = tempfile.mkdtemp(prefix="pivm-cross-")
    missing = [a for a, c in ARCHS.items() if not os.path.exists(c[-1])]
    if missing:
        raise SystemExit(f"pivm is not built for {', '.join(missing)}: run scripts/cross.sh")
    failures, passes = [], 0
    pool = cf.ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2))
    # A few programs at a time, each with its own driver thread, so that
    # one program's oracle, its safepoint count and the tail of its
    # resumes overlap the next ones' runs instead of leaving the workers
    # idle; the lines print in the table's order.
    drivers = cf.ThreadPoolExecutor(max_workers=3)
    runs = [drivers.submit(matrix_program, pool, tmp, i, full, *p, failures) for i, p in enumerate(PROGRAMS)]
    for fut in runs:
        n, line = fut.result()
        passes += n
        print(line, flush=True)
    drivers.shutdown()

    # The relay: one execution through all four architectures.
    prog, args = "examples/binarytrees.c", ["8"]
    src = os.path.join(ROOT, prog)
    exe = os.path.join(tmp, "relay.gcc")
    subprocess.run(["gcc", "-O0", "-w", "-pthread", "-o", exe, src, "-lm"], check=True)
    _, want, _ = run([exe] + args)
    step = max(1, safepoints("x86_64", src, args) // 5)
    hops = ["x86_64", "aarch64", "s390x", "riscv64", "x86_64"]
    out = b""
    snap = None
    relay_ok = True
    for i, arch in enumerate(hops):
        nxt = os.path.join(tmp, f"relay{i}.msgpack")
        eng = ENGINES[i % 2]
        if i == 0:
            cmd = ["run", src, "--engine", eng, "--snapshot-after", str(step), "--snapshot-path", nxt, "--exit-after-snapshot", "--", *args]
        elif i < len(hops) - 1:
            cmd = ["resume", snap, "--engine", eng, "--snapshot-after", str(step), "--snapshot-path", nxt, "--exit-after-snapshot"]
        else:
            cmd = ["resume", snap, "--engine", eng]
        c, o, err = pivm(arch, *cmd)
        out += o
        want_code = 0 if i == len(hops) - 1 else 85
        if c != want_code:
            failures.append(f"relay hop {i} on {arch}/{eng}: exit {c}: {err.strip()[:300]}")
            relay_ok = False
            break
        if i < len(hops) - 1:
            snap = nxt
    if relay_ok:
        if out != want:
            failures.append("relay: output differs from gcc's")
            relay_ok = False
        c, j, err = pivm("x86_64", "inspect", snap, "--json")
        history = [h.get("arch") for h in json.loads(j).get("history", [])] if c == 0 else []
        if history[:4] != hops[:4]:
            failures.append(f"relay: inspect history is {history}, expected {hops[:4]}")
            relay_ok = False
    print(f"relay {' -> '.join(hops)}: {'ok' if relay_ok else 'FAILED'}")

    # The chain relay: one chain, one member from each architecture.
    prog, args = "examples/mallocwrite.c", ["8"]
    src = os.path.join(ROOT, prog)
    exe = os.path.join(tmp, "chain.gcc")
    subprocess.run(["gcc", "-O0", "-w", "-pthread", "-o", exe, src, "-lm"], check=True)
    _, want, _ = run([exe] + args)
    # The full snapshot once the buffer is filled, then a delta every 2% of
    # the run (its rounds rewrite a few pages each): small deltas, so the
    # chain keeps them all.
    total = safepoints("x86_64", src, args)
    first, step = int(total * 0.86), max(1, total // 50)
    chain_path = os.path.join(tmp, "chain.msgpack")
    out = b""
    chain_ok = True
    for i, arch in enumerate(hops[:4]):
        eng = ENGINES[i % 2]
        what = ["run", src] if i == 0 else ["resume", chain_path]
        cmd = what + ["--engine", eng, "--snapshot-after", str(first if i == 0 else step), "--snapshot-path", chain_path,
                      "--exit-after-snapshot", "--incremental"]
        if i == 0:
            cmd += ["--", *args]
        c, o, err = pivm(arch, *cmd)
        out += o
        if c != 85:
            failures.append(f"chain hop {i} on {arch}/{eng}: exit {c}: {err.strip()[:300]}")
            chain_ok = False
            break
    if chain_ok:
        c, j, err = pivm("x86_64", "inspect", chain_path, "--json")
        kinds = [m.get("kind") for m in json.loads(j).get("chain", {}).get("members", [])] if c == 0 else []
        if kinds != ["delta", "delta", "delta", "full"]:
            failures.append(f"chain: members are {kinds}, expected three deltas and a full snapshot")
            chain_ok = False
        jobs = {pool.submit(pivm, a, "resume", chain_path, "--engine", e): (a, e) for a in ARCHS for e in ENGINES}
        for fut, (a, e) in jobs.items():
            c, after, err = fut.result()
            if c != 0 or out + after != want:
                failures.append(f"chain resumed on {a}/{e}: exit {c}, output {'differs' if out + after != want else 'ok'} {err.strip()[:300]}")
                chain_ok = False
    print(f"chain relay {' -> '.join(hops[:4])} (one member each), resumed on every arch and engine: {'ok' if chain_ok else 'FAILED'}")
    batch_ok = batch_relay(tmp, hops, failures)
    print(f"batch relay (pivm run --checkpoint-dir) {' -> '.join(hops)}: {'ok' if batch_ok else 'FAILED'}")

    stdin_ok = stdin_relay(tmp, hops, failures)
    print(f"stdin relay (scanf's lookahead in the snapshot) {' -> '.join(hops)}: {'ok' if stdin_ok else 'FAILED'}")

    probe_ok = probe_relay(tmp, failures)
    print(f"probe relay (polls after calls, --probe-latency) on every arch: {'ok' if probe_ok else 'FAILED'}")

    lua_ok = lua_relay(tmp, hops, failures)
    print(f"lua relay (Lua 5.4 in the middle of a script) {' -> '.join(hops)}: {'ok' if lua_ok else 'FAILED'}")

    # The migration relay: live migration between architectures.
    mig_ok = True
    for src_arch, dst_arch in [("x86_64", "s390x"), ("s390x", "x86_64")]:
        why = migration(tmp, src_arch, dst_arch)
        if why:
            failures.append(f"migration {src_arch} -> {dst_arch}: {why}")
            mig_ok = False
    print(f"migration relay x86_64 -> s390x -> x86_64 over loopback (pivm serve / pivm migrate): {'ok' if mig_ok else 'FAILED'}")
    print(f"matrix: {passes} of {passes + len([f for f in failures if not f.startswith(('relay', 'chain', 'batch', 'stdin', 'probe', 'lua', 'migration'))])} resumes identical to the oracle (gcc; for NaN bits pivm's x86_64 interpreter); "
          f"{len(ARCHS)} archs x {len(ENGINES)} engines each way, "
          f"{'every pair in every program' if full else 'every pair in every two programs'}; {time.time() - started:.0f} s")
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
