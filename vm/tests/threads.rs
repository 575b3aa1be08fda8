//! Threads (pthread.h over `pivm::sched`) end to end through the `pivm`
//! binary: a program whose output depends on the schedule gives the same
//! output on both engines and after a snapshot at any safepoint resumed
//! on either; a deadlock traps instead of hanging; a snapshot requested
//! from outside while every thread but one is blocked is served promptly
//! and resumes; `pivm inspect` shows every thread; hostile thread tables
//! are refused before anything runs; the same for processes (fork,
//! pipes, waitpid).

use pivm_snapshot::Snapshot;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const PIVM: &str = env!("CARGO_BIN_EXE_pivm");

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pivm-threads-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn pivm(dir: &Path, args: &[&str]) -> Output {
    Command::new(PIVM)
        .current_dir(dir)
        .args(args)
        .output()
        .expect("cannot run pivm")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn prog(name: &str) -> String {
    repo()
        .join("tests/threads")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

/// The `key=value` of the last `pivm: stats:` line that has `key`.
fn stat(o: &Output, key: &str) -> Option<f64> {
    text(&o.stderr)
        .lines()
        .filter_map(|l| l.strip_prefix("pivm: stats:"))
        .flat_map(|l| l.split_whitespace())
        .filter_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
        .filter_map(|v| v.parse().ok())
        .next_back()
}

#[test]
fn schedule_dependent_programs_are_the_same_everywhere() {
    for name in ["race.c", "interleave.c", "sigblock.c"] {
        schedule_dependent(name);
    }
}

/// Runs program `p` on `engine` to a snapshot at its `n`-th safepoint,
/// written to `snap`, and exits.
fn stop_at(dir: &Path, p: &str, engine: &str, n: &str, snap: &str) -> Output {
    let o = pivm(
        dir,
        &[
            "run",
            p,
            "--engine",
            engine,
            "--snapshot-after",
            n,
            "--snapshot-path",
            snap,
            "--exit-after-snapshot",
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(85),
        "{p} on {engine} at {n}: {}",
        text(&o.stderr)
    );
    o
}

/// A program whose output depends on the schedule, uninterrupted on both
/// engines and snapshotted at points in every phase of it.
fn schedule_dependent(name: &str) {
    let dir = scratch(name);
    let p = prog(name);
    let full = pivm(&dir, &["run", &p, "--engine", "jit", "--stats"]);
    assert_eq!(full.status.code(), Some(0), "{}", text(&full.stderr));
    let interp = pivm(&dir, &["run", &p, "--engine", "interp"]);
    assert_eq!(interp.stdout, full.stdout, "the engines' schedules differ");
    let total = stat(&full, "safepoints").expect("safepoints counted") as u64;
    // Points in every phase: threads not started yet, all running, some
    // ended, main alone.
    for (i, k) in [1u64, 7, 150, 371, 520, 689, 840, 999].iter().enumerate() {
        let n = (total * k / 1000).max(1).to_string();
        let (a, b) = [("interp", "jit"), ("jit", "interp")][i % 2];
        let snap = dir.join(format!("s-{n}.msgpack"));
        let snap = snap.to_str().unwrap();
        let o = stop_at(&dir, &p, a, &n, snap);
        for e in [a, b] {
            let r = pivm(&dir, &["resume", snap, "--engine", e]);
            let mut out = o.stdout.clone();
            out.extend_from_slice(&r.stdout);
            assert_eq!(
                text(&out),
                text(&full.stdout),
                "snapshot at {n} of {total} on {a}, resumed on {e}: {}",
                text(&r.stderr)
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_deadlock_traps_on_both_engines() {
    let dir = scratch("deadlock");
    for e in ["interp", "jit"] {
        let o = pivm(&dir, &["run", &prog("deadlock.c"), "--engine", e]);
        assert_eq!(o.status.code(), Some(134), "{e}: {}", text(&o.stderr));
        assert!(
            text(&o.stderr).contains("deadlock: every thread is blocked"),
            "{e}: {}",
            text(&o.stderr)
        );
        assert!(o.stdout.is_empty());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Waits until pivm process `pid` has its control socket (it is running).
fn wait_for_socket(pid: u32) {
    let dir = match std::env::var_os("XDG_RUNTIME_DIR") {
        Some(d) if !d.is_empty() => Path::new(&d).join("pivm"),
        // SAFETY: getuid has no preconditions.
        _ => PathBuf::from(format!("/tmp/pivm-{}", unsafe { libc::getuid() })),
    };
    let sock = dir.join(format!("{pid}.sock"));
    let t = Instant::now();
    while !sock.exists() {
        assert!(t.elapsed() < Duration::from_secs(10), "no socket");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_snapshot_from_outside_while_threads_block_resumes_on_both_engines() {
    snapshot_from_outside(
        "blocked.c",
        &[
            "threads (5, in creation order)",
            "blocked on the futex",
            "joining thread 5",
            "computer",
        ],
    );
}

/// Starts pivm with `args` in `dir`, asks it from outside `ms`
/// milliseconds later for a snapshot to `out` and to exit; its output
/// (exit status 85 checked).
fn snapshot_after(dir: &Path, args: &[&str], ms: u64, out: &str) -> Output {
    let child = Command::new(PIVM)
        .current_dir(dir)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_socket(child.id());
    std::thread::sleep(Duration::from_millis(ms));
    let pid = child.id().to_string();
    let s = pivm(
        dir,
        &[
            "snapshot",
            "--at-next-safepoint",
            "--pid",
            &pid,
            "-o",
            out,
            "--exit",
        ],
    );
    assert!(s.status.success(), "{}", text(&s.stderr));
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(85), "{}", text(&o.stderr));
    o
}

/// Runs `name` (about two seconds of computing on each engine, the
/// interpreter's with a shorter loop, while everything else blocks), asks
/// for a snapshot from outside, checks its latency and that `pivm
/// inspect` shows each of `shown`, and resumes it on the JIT to the
/// uninterrupted output.
fn snapshot_from_outside(name: &str, shown: &[&str]) {
    let dir = scratch(name);
    let p = prog(name);
    for (engine, n) in [("jit", "600000000"), ("interp", "10000000")] {
        let want = pivm(&dir, &["run", &p, "--engine", "jit", "--", n]);
        assert_eq!(want.status.code(), Some(0), "{}", text(&want.stderr));
        let run = ["run", &p, "--engine", engine, "--stats", "--", n];
        let o = snapshot_after(&dir, &run, 200, "b.msgpack");
        let latency = stat(&o, "latency_ms").expect("the snapshot's latency");
        assert!(latency < 500.0, "{engine}: latency {latency} ms");
        let i = text(&pivm(&dir, &["inspect", "b.msgpack"]).stdout);
        for want in shown {
            assert!(i.contains(want), "{engine}: no '{want}' in:\n{i}");
        }
        let r = pivm(&dir, &["resume", "b.msgpack", "--engine", "jit"]);
        let mut out = o.stdout.clone();
        out.extend_from_slice(&r.stdout);
        assert_eq!(r.status.code(), Some(0), "{}", text(&r.stderr));
        assert_eq!(text(&out), text(&want.stdout), "snapshot on {engine}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A snapshot of the thread program taken while several threads exist.
fn threaded_snapshot(dir: &Path) -> (PathBuf, Snapshot) {
    let p = repo().join("tests/cross/threads.c");
    let snap = dir.join("good.msgpack");
    let o = pivm(
        dir,
        &[
            "run",
            p.to_str().unwrap(),
            "--snapshot-after",
            "300000",
            "--snapshot-path",
            snap.to_str().unwrap(),
            "--exit-after-snapshot",
            "--",
            "300",
        ],
    );
    assert_eq!(o.status.code(), Some(85), "{}", text(&o.stderr));
    let s = pivm_snapshot::read(&snap).unwrap();
    assert!(s
        .body
        .threads
        .as_ref()
        .is_some_and(|t| t.threads.len() == 4));
    (snap, s)
}

/// A change to a good snapshot.
type Edit = fn(&mut Snapshot);

/// Each case (name, edit, what the error says) applied to `snap` is
/// refused on both engines before anything runs.
fn refused(dir: &Path, snap: &Snapshot, cases: Vec<(&str, Edit, &str)>) {
    for (name, edit, want) in cases {
        let mut s = snap.clone();
        edit(&mut s);
        let p = dir.join(format!("{name}.msgpack"));
        pivm_snapshot::write_atomic(&p, &s).unwrap();
        for e in ["interp", "jit"] {
            let o = pivm(dir, &["resume", p.to_str().unwrap(), "--engine", e]);
            let err = text(&o.stderr);
            assert!(
                o.status.code().is_some_and(|c| c != 0 && c < 128),
                "{name} on {e}: exit {:?}: {err}",
                o.status.code()
            );
            assert!(err.to_lowercase().contains(want), "{name} on {e}: {err}");
            assert!(o.stdout.is_empty(), "{name} on {e} ran");
        }
    }
}

#[test]
fn hostile_thread_tables_are_refused() {
    let dir = scratch("hostile");
    let (good, snap) = threaded_snapshot(&dir);
    let r = pivm(&dir, &["resume", good.to_str().unwrap()]);
    assert_eq!(r.status.code(), Some(0), "{}", text(&r.stderr));
    let cases: Vec<(&str, Edit, &str)> = vec![
        (
            "no-table",
            |s| s.body.threads = None,
            "main", // the running thread is a worker: not a chain from main
        ),
        (
            "order",
            |s| s.body.threads.as_mut().unwrap().threads.swap(1, 2),
            "ids must increase",
        ),
        (
            "current",
            |s| s.body.threads.as_mut().unwrap().current = 99,
            "thread",
        ),
        (
            "root",
            |s| {
                let t = &mut s.body.threads.as_mut().unwrap().threads[2];
                t.root_name = "main".into();
            },
            "is not @main",
        ),
        (
            // A thread that never ran, to start in a function of two
            // pointers whose address the program never takes.
            "root-not-a-start",
            |s| {
                let m = pivm_ir::parse(&s.body.program.text, "p.pir").unwrap();
                let f = m.func_by_name("pthread_cond_wait").unwrap();
                assert!(!pivm_ir::contract::address_taken(&m)[f.0 as usize]);
                let t = &mut s.body.threads.as_mut().unwrap().threads[2];
                t.root = f.0;
                t.root_name = "pthread_cond_wait".into();
                t.frames.clear();
                t.state = pivm_snapshot::body::THREAD_RUNNABLE.into();
                t.start = Some(vec![0, 0]);
            },
            "cannot start it",
        ),
        (
            "stack",
            |s| {
                let t = &mut s.body.threads.as_mut().unwrap().threads[2];
                t.stack_start = 8;
            },
            "within the heap",
        ),
        (
            "state",
            |s| s.body.threads.as_mut().unwrap().threads[2].state = "zombie".into(),
            "unknown",
        ),
        (
            "frames",
            |s| {
                let t = &mut s.body.threads.as_mut().unwrap().threads[2];
                let f = t.frames[0].clone();
                t.frames.insert(0, f);
            },
            "frame",
        ),
        (
            "start",
            |s| {
                let t = &mut s.body.threads.as_mut().unwrap().threads[2];
                t.start = Some(vec![1]);
            },
            "never ran",
        ),
        (
            "deadline",
            |s| {
                let th = &mut s.body.threads.as_mut().unwrap().threads;
                let t = th
                    .iter_mut()
                    .find(|t| t.state != "futex" && t.state != "sleep");
                t.unwrap().until = Some(5);
            },
            "deadline",
        ),
    ];
    refused(&dir, &snap, cases);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_snapshot_from_outside_while_processes_block_resumes() {
    snapshot_from_outside(
        "family.c",
        &["processes (4 running or blocked", "#0 waitpid", "#0 read"],
    );
}

#[test]
fn hostile_process_tables_are_refused() {
    let dir = scratch("hostile-family");
    let p = repo().join("tests/cross/procs.c");
    let good = dir.join("good.msgpack");
    let o = pivm(
        &dir,
        &[
            "run",
            p.to_str().unwrap(),
            "--snapshot-after",
            "87000",
            "--snapshot-path",
            good.to_str().unwrap(),
            "--exit-after-snapshot",
            "--",
            "2000",
        ],
    );
    assert_eq!(o.status.code(), Some(85), "{}", text(&o.stderr));
    let snap = pivm_snapshot::read(&good).unwrap();
    let others = snap.body.family.as_ref().map_or(0, |f| f.others.len());
    assert!(others >= 2, "{others} other processes");
    let r = pivm(&dir, &["resume", good.to_str().unwrap()]);
    assert_eq!(r.status.code(), Some(0), "{}", text(&r.stderr));
    let cases: Vec<(&str, Edit, &str)> = vec![
        (
            "pipe-count",
            |s| s.body.family.as_mut().unwrap().pipes[0].writers += 1,
            "writers recorded",
        ),
        (
            "pid-twice",
            |s| {
                let f = s.body.family.as_mut().unwrap();
                let pid = f.pid;
                f.others[0].family.as_mut().unwrap().pid = pid;
            },
            "twice",
        ),
        (
            "no-pipe",
            |s| s.body.family.as_mut().unwrap().pipes.clear(),
            "does not exist",
        ),
        (
            "nested",
            |s| {
                let f = s.body.family.as_mut().unwrap();
                let copy = f.others[1].clone();
                f.others[0].family.as_mut().unwrap().others.push(copy);
            },
            "of its own",
        ),
        (
            "memory",
            |s| {
                let f = s.body.family.as_mut().unwrap();
                let m = &mut f.others[0].family.as_mut().unwrap().memory;
                m.push(pivm_snapshot::Region {
                    start: 1 << 39,
                    bytes: vec![1; 16],
                });
            },
            "region",
        ),
        (
            "fork",
            |s| s.body.family.as_mut().unwrap().fork = "sideways".into(),
            "bad fork",
        ),
    ];
    refused(&dir, &snap, cases);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn threads_refuse_to_run_without_safepoints() {
    let dir = scratch("nosafepoints");
    let o = pivm(
        &dir,
        &["run", &prog("race.c"), "--engine", "jit", "--no-safepoints"],
    );
    assert_eq!(o.status.code(), Some(71), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("switches at safepoints"));
    assert!(o.stdout.is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn signals_reach_processes_whose_threads_all_block() {
    let dir = scratch("sigblock");
    for e in ["interp", "jit"] {
        let o = pivm(&dir, &["run", &prog("sigblock.c"), "--engine", e]);
        assert_eq!(o.status.code(), Some(0), "{e}: {}", text(&o.stderr));
        assert_eq!(
            text(&o.stdout),
            "child: got 10\nparent: child exit 3, second killed by 15\n",
            "{e}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A snapshot requested while every thread sleeps (and a timer is armed)
/// is served at once; `pivm inspect` shows the sleeps and the timer with
/// the time they had left; and the resume, however long after, goes on
/// from the clock the snapshot read: the program sees about 0.6 s of it
/// in all, and its events in the same order.
#[test]
fn a_snapshot_while_every_thread_sleeps_stops_the_clock() {
    let dir = scratch("sleepers");
    let p = prog("sleepers.c");
    let want = pivm(&dir, &["run", &p]);
    assert_eq!(want.status.code(), Some(0), "{}", text(&want.stderr));
    assert!(
        text(&want.stdout).contains("not more than 1 s: 1"),
        "{}",
        text(&want.stdout)
    );
    for (engine, other) in [("jit", "interp"), ("interp", "jit")] {
        let run = ["run", &p, "--engine", engine, "--stats"];
        let o = snapshot_after(&dir, &run, 150, "s.msgpack");
        let latency = stat(&o, "latency_ms").expect("the snapshot's latency");
        assert!(latency < 50.0, "{engine}: latency {latency} ms");
        let i = text(&pivm(&dir, &["inspect", "s.msgpack"]).stdout);
        for shown in [
            "asleep, ",
            "ms more",
            "SIGALRM in ",
            "then every 200.000 ms",
        ] {
            assert!(i.contains(shown), "{engine}: no '{shown}' in:\n{i}");
        }
        // Longer than the whole run: a clock that went on while the
        // program was a snapshot would fire every deadline at once.
        std::thread::sleep(Duration::from_millis(800));
        let r = pivm(&dir, &["resume", "s.msgpack", "--engine", other]);
        assert_eq!(r.status.code(), Some(0), "{}", text(&r.stderr));
        let mut out = o.stdout.clone();
        out.extend_from_slice(&r.stdout);
        assert_eq!(text(&out), text(&want.stdout), "{engine} then {other}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Timed waits that a wake ends (not their timeout) leave no deadline
/// behind: snapshots taken all along the run, while the waiters are
/// blocked, runnable or ended and not joined, are valid and resume on
/// the other engine to the uninterrupted output.
/// A snapshot at each of a program's first safepoints, the one that
/// serves its first fork among them (before it, the program has no family
/// yet), resumes with the child on the other engine.
#[test]
fn snapshots_around_the_first_fork_resume_with_the_child() {
    let dir = scratch("firstfork");
    let p = prog("interleave.c");
    let want = pivm(&dir, &["run", &p]);
    assert_eq!(want.status.code(), Some(0), "{}", text(&want.stderr));
    for n in 1..=6 {
        let (engine, other) = [("jit", "interp"), ("interp", "jit")][n % 2];
        let n = n.to_string();
        let o = stop_at(&dir, &p, engine, &n, "f.msgpack");
        for e in [engine, other] {
            let r = pivm(&dir, &["resume", "f.msgpack", "--engine", e]);
            let mut out = o.stdout.clone();
            out.extend_from_slice(&r.stdout);
            assert_eq!(
                text(&out),
                text(&want.stdout),
                "at {n} on {engine}, resumed on {e}: {}",
                text(&r.stderr)
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn timed_waits_ended_by_a_wake_snapshot_and_resume() {
    let dir = scratch("timedwake");
    let p = prog("timedwake.c");
    let want = pivm(&dir, &["run", &p]);
    assert_eq!(want.status.code(), Some(0), "{}", text(&want.stderr));
    assert!(
        text(&want.stdout).ends_with("done\n"),
        "{}",
        text(&want.stdout)
    );
    for (engine, other) in [("jit", "interp"), ("interp", "jit")] {
        for n in [50, 150_000, 320_000, 450_000, 590_000] {
            let n = n.to_string();
            let o = stop_at(&dir, &p, engine, &n, "t.msgpack");
            let r = pivm(&dir, &["resume", "t.msgpack", "--engine", other]);
            assert_eq!(
                r.status.code(),
                Some(0),
                "{engine} at {n}: {}",
                text(&r.stderr)
            );
            let mut out = o.stdout.clone();
            out.extend_from_slice(&r.stdout);
            assert_eq!(
                text(&out),
                text(&want.stdout),
                "{engine} at {n} then {other}"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A snapshot whose clock reads more than a program can have run is
/// refused; a timer due at once and every nanosecond after is no danger:
/// the program's handler takes it and the program ends, on both engines.
#[test]
fn extreme_timer_values_in_a_snapshot() {
    let dir = scratch("timers-hostile");
    let p = prog("sleepers.c");
    let o = pivm(
        &dir,
        &[
            "run",
            &p,
            "--snapshot-after",
            "30",
            "--snapshot-path",
            "s.msgpack",
            "--exit-after-snapshot",
        ],
    );
    assert_eq!(o.status.code(), Some(85), "{}", text(&o.stderr));
    let snap = pivm_snapshot::read(&dir.join("s.msgpack")).unwrap();
    let cases: Vec<(&str, Edit, &str)> = vec![(
        "clock",
        |s| s.body.timers.as_mut().unwrap().clock = u64::MAX,
        "monotonic clock reads",
    )];
    refused(&dir, &snap, cases);
    let mut s = snap.clone();
    let t = s.body.timers.as_mut().unwrap();
    t.alarm = Some(0);
    t.interval = 1;
    // Its handler counts every expiry: the program runs to its end.
    let p = dir.join("t.msgpack");
    pivm_snapshot::write_atomic(&p, &s).unwrap();
    for e in ["interp", "jit"] {
        let o = pivm(&dir, &["resume", p.to_str().unwrap(), "--engine", e]);
        assert!(
            !text(&o.stderr).contains("panicked"),
            "{e}: {}",
            text(&o.stderr)
        );
        assert_eq!(o.status.code(), Some(0), "{e}: {}", text(&o.stderr));
    }
    let _ = std::fs::remove_dir_all(&dir);
}
