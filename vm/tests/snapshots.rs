//! Snapshots end to end through the `pivm` binary: every example and C
//! test program stopped at many safepoints, written, and resumed on both
//! engines with the same output as an uninterrupted run; resume chains
//! across engines; identical bodies from both engines; snapshots on a
//! signal and from `pivm snapshot --pid`; hostile snapshot files refused
//! with specific errors; and `kill -9` during writes never damaging the
//! previous snapshot.

use pivm_snapshot::Snapshot;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const PIVM: &str = env!("CARGO_BIN_EXE_pivm");

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A fresh scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pivm-snaptest-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn pivm(dir: &Path, args: &[&str]) -> Output {
    Command::new(PIVM)
        .current_dir(dir)
        .args(args)
        .env_remove("PIVM_SNAPSHOT_NOFORK")
        .output()
        .expect("cannot run pivm")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
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

/// `/* args: ... */` (C) or `; args:` (.pir) of a program, else `default`.
fn program_args(path: &Path, default: &[&str]) -> Vec<String> {
    let src = std::fs::read_to_string(path).unwrap_or_default();
    for l in src.lines() {
        let l = l.trim();
        if let Some(a) = l
            .strip_prefix("/* args:")
            .or_else(|| l.strip_prefix("; args:"))
        {
            return a
                .trim_end_matches("*/")
                .split_whitespace()
                .map(String::from)
                .collect();
        }
    }
    default.iter().map(|s| s.to_string()).collect()
}

/// Small arguments for the example programs, so the test stays fast.
fn example_args(name: &str) -> &'static [&'static str] {
    match name {
        "allocchurn.c" => &["3000"],
        "binarytrees.c" => &["4"],
        "fannkuch.c" => &["5"],
        "hashtable.c" => &["300"],
        "mallocwrite.c" => &["2"],
        "mandelbrot.c" => &["16"],
        "matmul.c" => &["8"],
        "mgs.c" => &["8"],
        "nbody.c" => &["20"],
        "quicksort.c" => &["8"],
        "sor.c" => &["8"],
        "spectralnorm.c" => &["10"],
        "sum.pir" => &["2000"],
        _ => &[],
    }
}

fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    v.retain(|p| p.extension().is_some_and(|e| e == ext));
    v.sort();
    v
}

/// `n` safepoint counts spread geometrically over `[1, total]`.
fn points(total: u64, n: u32) -> Vec<u64> {
    let mut v: Vec<u64> = (0..n)
        .map(|i| {
            let f = i as f64 / (n - 1).max(1) as f64;
            ((total as f64).powf(f) as u64).clamp(1, total)
        })
        .collect();
    v.dedup();
    v
}

/// Snapshots `prog` at several points on alternating engines and resumes
/// each on both; the output before plus after equals the whole output.
fn roundtrip(prog: &Path, args: &[String], npoints: u32, dir: &Path) -> Result<usize, String> {
    roundtrip_at(prog, args, |total| points(total, npoints), dir)
}

/// `roundtrip` at the safepoint counts `at(total)`.
fn roundtrip_at(
    prog: &Path,
    args: &[String],
    at: impl Fn(u64) -> Vec<u64>,
    dir: &Path,
) -> Result<usize, String> {
    let p = prog.to_str().unwrap();
    let with_args = |mut v: Vec<String>| {
        v.push("--".into());
        v.extend(args.iter().cloned());
        v
    };
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let full = pivm(
        dir,
        &with_args(s(&["run", p, "--stats"]))
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    let Some(total) = stat(&full, "safepoints") else {
        // A program that does not compile or load is skipped.
        return Ok(0);
    };
    let total = total as u64;
    if total == 0 {
        return Ok(0);
    }
    // A program that removes or renames its own files cannot resume twice
    // from one snapshot (the first resume changes what the second finds):
    // it says `/* resume: once */`, and each snapshot resumes on the other
    // engine only, after a fresh run has rebuilt its files.
    let once = std::fs::read_to_string(prog).is_ok_and(|src| src.contains("/* resume: once */"));
    let mut checked = 0;
    for (i, n) in at(total).into_iter().enumerate() {
        let engine = ["interp", "jit"][i % 2];
        let other = ["jit", "interp"][i % 2];
        let snap = dir.join(format!(
            "{}-{n}.msgpack",
            prog.file_stem().unwrap().to_string_lossy()
        ));
        let snap_s = snap.to_str().unwrap();
        let ns = n.to_string();
        let cmd = with_args(s(&[
            "run",
            p,
            "--engine",
            engine,
            "--snapshot-after",
            &ns,
            "--snapshot-path",
            snap_s,
            "--exit-after-snapshot",
        ]));
        let a = pivm(dir, &cmd.iter().map(String::as_str).collect::<Vec<_>>());
        let what = format!("{} at {n} of {total} on {engine}", prog.display());
        if n < total && a.status.code() != Some(85) {
            return Err(format!(
                "{what}: exit {:?}: {}",
                a.status.code(),
                text(&a.stderr)
            ));
        }
        if a.status.code() != Some(85) {
            continue;
        }
        let resume_engines: &[&str] = if once { &[other] } else { &["interp", "jit"] };
        for &resume_engine in resume_engines {
            let b = pivm(dir, &["resume", snap_s, "--engine", resume_engine]);
            let mut out = a.stdout.clone();
            out.extend_from_slice(&b.stdout);
            if out != full.stdout || b.status.code() != full.status.code() {
                return Err(format!(
                    "{what}, resumed on {resume_engine}: exit {:?} (want {:?}), output differs: {}",
                    b.status.code(),
                    full.status.code(),
                    text(&b.stderr)
                ));
            }
            checked += 1;
        }
    }
    Ok(checked)
}

/// `check` of every item, the items split over two threads (each runs
/// the pivm binary, which is most of the time); the sum of what they
/// return. Panics with the first error.
fn on_two_threads<T: Sync>(
    items: &[T],
    check: impl Fn(&T) -> Result<usize, String> + Sync,
) -> usize {
    let check = &check;
    std::thread::scope(|s| {
        let hs: Vec<_> = (0..2)
            .map(|half| {
                s.spawn(move || {
                    items
                        .iter()
                        .skip(half)
                        .step_by(2)
                        .map(check)
                        .sum::<Result<usize, String>>()
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap().unwrap()).sum()
    })
}

#[test]
fn every_program_resumes_on_both_engines() {
    let root = repo();
    let mut progs: Vec<(PathBuf, Vec<String>, u32)> = Vec::new();
    for ext in ["pir", "c"] {
        for f in files(&root.join("examples"), ext) {
            let name = f.file_name().unwrap().to_string_lossy().into_owned();
            let args = program_args(&f, example_args(&name));
            let args = if example_args(&name).is_empty() {
                args
            } else {
                example_args(&name).iter().map(|s| s.to_string()).collect()
            };
            progs.push((f, args, 5));
        }
    }
    for f in files(&root.join("tests/c"), "c") {
        let args = program_args(&f, &[]);
        progs.push((f, args, 3));
    }
    let dir = scratch("every");
    let total = on_two_threads(&progs, |(p, args, k)| roundtrip(p, args, *k, &dir));
    assert!(total >= 20, "only {total} resumes checked");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Variadic functions keep their arguments and `va_list`s in VM memory: a
/// snapshot at every safepoint of the stdarg program (many between
/// `va_start` and `va_end`, some inside a function handed a `va_list`),
/// taken on alternating engines, resumes on both with the output of the
/// uninterrupted run.
#[test]
fn variadic_functions_resume_at_every_safepoint() {
    let dir = scratch("stdarg");
    let prog = repo().join("tests/c/stdarg.c");
    let n = roundtrip_at(&prog, &[], |total| (1..=total).collect(), &dir).unwrap();
    assert!(n >= 40, "only {n} resumes checked");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A jmp_buf holds no host address (`pivm_ir::jmp`): a program throwing
/// errors to a chain of handlers, Lua's way, snapshotted at safepoints
/// spread evenly over its run (many between a setjmp and its longjmp,
/// with handlers pending in frames below), on alternating engines, resumes
/// on both with the output of the uninterrupted run; so do the program
/// of nested, recursive and callback jumps and a loop through longjmp.
#[test]
fn setjmp_buffers_resume_between_setjmp_and_longjmp() {
    let dir = scratch("setjmp");
    let prog = repo().join("tests/c/setjmp_errors.c");
    let n = roundtrip_at(&prog, &[], |total| (1..=total).step_by(37).collect(), &dir).unwrap();
    assert!(n >= 80, "only {n} resumes checked");
    let prog = repo().join("tests/c/setjmp_frames.c");
    let n = roundtrip_at(&prog, &[], |total| (1..=total).step_by(11).collect(), &dir).unwrap();
    assert!(n >= 40, "only {n} resumes checked");
    // A loop that turns only through longjmp polls where it lands: 40
    // points spread over its turns (a placement without that safepoint
    // had one, at main's entry).
    let prog = repo().join("tests/c/setjmp_cycle.c");
    let n = roundtrip_at(&prog, &[], |total| points(total, 40), &dir).unwrap();
    assert!(n >= 40, "only {n} resumes checked");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A variable-length array's storage is a heap block and its address and
/// lengths are IR locals: a program with VLAs live at nearly every
/// safepoint (one through the whole run, others declared and freed each
/// iteration, some left by `continue`) and a struct of bit-fields,
/// snapshotted at 40 points on alternating engines, resumes on both with
/// the output of the uninterrupted run.
#[test]
fn variable_length_arrays_resume_at_many_safepoints() {
    let dir = scratch("vla");
    let prog = repo().join("tests/cross/vla.c");
    let n = roundtrip_at(&prog, &["60".into()], |total| points(total, 40), &dir).unwrap();
    assert!(n >= 40, "only {n} resumes checked");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A file's place is its offset, in the snapshot: a program reading with
/// one byte of lookahead (`ungetc` of the byte just read), seeking,
/// appending and patching files resumes at 40 points spread over its run
/// (snapshots on alternating engines, each resumed on the other) with the
/// output of the uninterrupted run.
#[test]
fn file_positions_and_lookahead_resume_at_many_safepoints() {
    let dir = scratch("stdio-files");
    let prog = repo().join("tests/c/stdio_files.c");
    let n = roundtrip_at(&prog, &[], |total| points(total, 40), &dir).unwrap();
    assert!(n >= 20, "only {n} resumes checked");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Inlined leaves (`pivm_ir::inline`), promoted slots
/// (`pivm_ir::promote`), self tail calls made loops (`pivm_ir::tailrec`)
/// functions copied for their callbacks (`pivm_ir::specialize`) and
/// small recursions inlined into themselves (`inline_recursive`), small
/// loops that test data to stop unrolled twice (`pivm_ir::unroll`),
/// branches made selects (`pivm_ir::ifconv`), mutual recursions made
/// one function (`inline_cycles`), functions copied for the constants
/// every call passes them (`pivm_ir::constargs`), leaves with loops
/// inlined at their one call (`inline_loop_leaves`): a
/// struct passed by value between inlined leaves lives in the caller's
/// locals, or in its frame where its address escapes; a recursion in tail
/// position is one frame with an accumulator; a sort runs in a copy with
/// its comparator inlined; a tree is built, walked and freed with half
/// the calls; programs of each, snapshotted at 40 points over their run
/// on alternating engines, resume on both with the output of the
/// uninterrupted run.
#[test]
fn optimized_programs_resume_at_many_safepoints() {
    let dir = scratch("inlined");
    let progs = [
        "tests/c/inlined_leaves.c",
        "tests/c/promoted_slots.c",
        "tests/c/tail_calls.c",
        "tests/c/callbacks.c",
        "tests/c/self_recursion.c",
        "tests/c/scan_loops.c",
        "tests/c/if_converted.c",
        "tests/c/mutual_recursion.c",
        "tests/c/constant_args.c",
        "tests/c/loop_leaves.c",
    ];
    // Two at a time: the longest test of this file, one pivm after another.
    on_two_threads(&progs, |prog| {
        resumes_at_points(prog, 40, 30, &dir);
        Ok(0)
    });
    let _ = std::fs::remove_dir_all(&dir);
}

/// Program `prog` (of the repository), snapshotted at `at` points over
/// its run, resumes with the uninterrupted output at least `min` times.
fn resumes_at_points(prog: &str, at: u32, min: usize, dir: &Path) {
    let prog = repo().join(prog);
    let n = roundtrip_at(&prog, &[], |total| points(total, at), dir).unwrap();
    assert!(n >= min, "{}: only {n} resumes checked", prog.display());
}

/// GNU C the frontend reads: statement expressions, labels as values (a
/// threaded-code interpreter), constructors and destructors, `alloca`
/// blocks chained in the frame that made them; each program, snapshotted
/// at 30 points over its run on alternating engines, resumes on both with
/// the output (and exit status) of the uninterrupted run.
#[test]
fn gnu_c_programs_resume_at_many_safepoints() {
    let dir = scratch("gnu-c");
    for prog in [
        "tests/c/gnu_extensions.c",
        "tests/c/computed_goto.c",
        "tests/c/constructors.c",
        "tests/c/alloca.c",
    ] {
        resumes_at_points(prog, 30, 20, &dir);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// `errno` as the math functions set it (in VM memory, so a snapshot
/// carries it): the program, snapshotted at 20 points over its run (in
/// the loops whose inline `sqrt` sets it too) on alternating engines,
/// resumes on both with the uninterrupted run's output.
#[test]
fn math_errno_resumes_at_many_safepoints() {
    let dir = scratch("math-errno");
    resumes_at_points("tests/c/math_errno.c", 20, 15, &dir);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A tmpfile is on no host: a snapshot carries its bytes. A program
/// writing, reading, seeking and patching two of them, snapshotted at 30
/// points over its run on alternating engines, resumes on both with the
/// output of the uninterrupted run, and `pivm inspect` shows the files.
#[test]
fn tmpfiles_resume_with_their_bytes() {
    let dir = scratch("tmpfile");
    let prog = repo().join("tests/c/tmpfile_aligned.c");
    let n = roundtrip_at(&prog, &[], |total| points(total, 30), &dir).unwrap();
    assert!(n >= 30, "only {n} resumes checked");
    let p = prog.to_str().unwrap();
    let snap = dir.join("mid.msgpack");
    let s = snap.to_str().unwrap();
    let a = pivm(
        &dir,
        &[
            "run",
            p,
            "--snapshot-after",
            "1100",
            "--snapshot-path",
            s,
            "--exit-after-snapshot",
        ],
    );
    assert_eq!(a.status.code(), Some(85), "{}", text(&a.stderr));
    let i = pivm(&dir, &["inspect", s]);
    assert!(
        text(&i.stdout).contains("tmpfile (249 bytes) mode w+b"),
        "{}",
        text(&i.stdout)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Heap addresses reach the output (`%p`, a hash of every live address) of
/// a program churning the heap with mixed sizes, scattered frees, realloc,
/// calloc and strdup: both engines print the same, and a run snapshotted in
/// the middle of the churn (on either engine) and resumed (on either)
/// prints exactly what the uninterrupted run prints. So do the churn
/// example, a churn of typed blocks sharing slabs, the edges of the JIT's
/// inline malloc and free, and large frees whose memory is zeroed, at
/// many points.
#[test]
fn resumes_during_allocation_churn_allocate_the_same_addresses() {
    let dir = scratch("churn");
    // Runs `prog` on both engines: the same output, with at least `min`
    // pointers in it.
    let same_pointers = |prog: &Path, min: usize| {
        let p = prog.to_str().unwrap();
        let a = pivm(&dir, &["run", p, "--engine", "interp"]);
        let b = pivm(&dir, &["run", p, "--engine", "jit"]);
        assert!(a.status.success(), "{}", text(&a.stderr));
        assert_eq!(
            text(&a.stdout),
            text(&b.stdout),
            "{}: engines allocate differently",
            prog.display()
        );
        assert!(text(&a.stdout).matches("0x").count() > min);
    };
    let prog = repo().join("tests/alloc/ptr_churn.c");
    same_pointers(&prog, 50);
    // Evenly spread points: every one is in the middle of the churn.
    let even = |total: u64| (1..=10).map(|k| total * k / 11).collect::<Vec<u64>>();
    let n = roundtrip_at(&prog, &[], even, &dir).unwrap();
    assert!(n >= 20, "only {n} resumes checked");
    let churn = repo().join("examples/allocchurn.c");
    let n = roundtrip_at(&churn, &["20000".to_string()], even, &dir).unwrap();
    assert!(n >= 20, "only {n} resumes checked");
    // Typed blocks sharing slabs: the per-slot types and sizes are rebuilt
    // from the snapshot's table.
    let typed = repo().join("tests/alloc/typed_churn.c");
    same_pointers(&typed, 10);
    let n = roundtrip_at(&typed, &[], even, &dir).unwrap();
    assert!(n >= 20, "only {n} resumes checked");
    // The edges of the JIT's inline malloc and free (`jit/src/lower/heap.rs`).
    let edges = repo().join("tests/alloc/slab_edges.c");
    same_pointers(&edges, 10);
    let n = roundtrip_at(&edges, &[], even, &dir).unwrap();
    assert!(n >= 20, "only {n} resumes checked");
    // Large frees zeroed in whole frames (`alloc::DISCARD_MIN`, the pages
    // given back to the host): what a block holds when handed out again is
    // the same on both engines and after any resume, zero or stale.
    let discard = repo().join("tests/alloc/discard.c");
    same_pointers(&discard, 40);
    let o = pivm(&dir, &["run", discard.to_str().unwrap()]);
    let out = text(&o.stdout);
    // After round 0 (a fresh heap), some rounds read zeroed memory and
    // some stale bytes.
    let last = out.lines().last().unwrap_or_default();
    let count = |key: &str| {
        let mut w = last.split_whitespace();
        w.position(|x| x == key)
            .and_then(|_| w.next())
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or(0)
    };
    assert!(count("zero") >= 2 && count("stale") >= 2, "{last}");
    let n = roundtrip_at(&discard, &[], even, &dir).unwrap();
    assert!(n >= 20, "only {n} resumes checked");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn resume_chains_alternate_engines() {
    let dir = scratch("chain");
    let prog = repo().join("examples/fib.pir");
    let p = prog.to_str().unwrap();
    let full = pivm(&dir, &["run", p, "--stats"]);
    let total = stat(&full, "safepoints").unwrap() as u64;
    let step = (total / 6).to_string();
    let mut out = Vec::new();
    let mut prev: Option<PathBuf> = None;
    let hops = 5;
    for i in 0..hops {
        let eng = ["jit", "interp"][i % 2];
        let next = dir.join(format!("hop{i}.msgpack"));
        let n = next.to_str().unwrap();
        let o = match &prev {
            None => pivm(
                &dir,
                &[
                    "run",
                    p,
                    "--engine",
                    eng,
                    "--snapshot-after",
                    &step,
                    "--snapshot-path",
                    n,
                    "--exit-after-snapshot",
                ],
            ),
            Some(s) => pivm(
                &dir,
                &[
                    "resume",
                    s.to_str().unwrap(),
                    "--engine",
                    eng,
                    "--snapshot-after",
                    &step,
                    "--snapshot-path",
                    n,
                    "--exit-after-snapshot",
                ],
            ),
        };
        assert_eq!(o.status.code(), Some(85), "hop {i}: {}", text(&o.stderr));
        out.extend_from_slice(&o.stdout);
        prev = Some(next);
    }
    let last = prev.unwrap();
    let j = pivm(&dir, &["inspect", last.to_str().unwrap(), "--json"]);
    assert!(j.status.success(), "{}", text(&j.stderr));
    let js = text(&j.stdout);
    let engines: Vec<&str> = js
        .split("\"history\":[")
        .nth(1)
        .unwrap()
        .split("],\"program\"")
        .next()
        .unwrap()
        .match_indices("\"engine\":\"")
        .map(|(k, _)| &js.split("\"history\":[").nth(1).unwrap()[k + 10..k + 13])
        .collect();
    assert_eq!(engines, ["jit", "int", "jit", "int", "jit"], "{js}");
    let snap = pivm_snapshot::read(&last).unwrap();
    assert_eq!(snap.body.counters.safepoints, 5 * (total / 6));
    assert_eq!(snap.body.counters.snapshots, 4);
    let o = pivm(
        &dir,
        &["resume", last.to_str().unwrap(), "--engine", "interp"],
    );
    out.extend_from_slice(&o.stdout);
    assert_eq!(text(&out), text(&full.stdout));
    assert_eq!(o.status.code(), full.status.code());
    let _ = std::fs::remove_dir_all(&dir);
}

/// A body without the fields that name the host, engine and time.
fn neutral(mut s: Snapshot) -> Snapshot {
    s.body.engine = pivm_snapshot::EngineKind::Interp;
    s.body.history.clear();
    s.body.source = pivm_snapshot::Host::current();
    s
}

#[test]
fn both_engines_write_identical_bodies() {
    let dir = scratch("identical");
    let early = ["1", "77", "1000"];
    // Slabs holding blocks of several types and sizes (per-slot tables).
    let typed = ["1000", "9000", "16500"];
    for (prog, args, at) in [
        ("examples/fib.pir", vec![], early),
        ("examples/binarytrees.c", vec!["4"], early),
        ("tests/alloc/typed_churn.c", vec![], typed),
        // Blocks of several sizes placed by the JIT's inline malloc.
        ("tests/alloc/slab_edges.c", vec![], ["1500", "1600", "1660"]),
        // ... and of sizes known only at run time.
        (
            "tests/alloc/slab_edges.c",
            vec![],
            ["8600", "9100", "11000"],
        ),
    ] {
        let p = repo().join(prog);
        for n in at {
            let mut bodies = Vec::new();
            for eng in ["interp", "jit"] {
                let path = dir.join(format!("{eng}.msgpack"));
                let mut cmd = vec![
                    "run",
                    p.to_str().unwrap(),
                    "--engine",
                    eng,
                    "--snapshot-after",
                    n,
                    "--snapshot-path",
                    path.to_str().unwrap(),
                    "--exit-after-snapshot",
                    "--",
                ];
                cmd.extend(args.iter().copied());
                let o = pivm(&dir, &cmd);
                assert_eq!(
                    o.status.code(),
                    Some(85),
                    "{prog} {eng}: {}",
                    text(&o.stderr)
                );
                bodies.push(neutral(pivm_snapshot::read(&path).unwrap()));
            }
            assert!(
                bodies[0] == bodies[1],
                "{prog} at {n}: bodies differ between engines"
            );
        }
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
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "no socket {}",
            sock.display()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The control socket serves clients concurrently: an idle client does
/// not delay a snapshot request, and a request line cut at the length
/// limit (or not terminated) is refused, never acted on in part.
#[test]
fn control_socket_idle_clients_and_long_lines() {
    use std::io::{Read, Write};
    use std::os::unix::net::UnixStream;
    let dir = scratch("ctlserve");
    let prog = repo().join("examples/sum.pir");
    let mut child = spawn(
        &dir,
        &[
            "run",
            prog.to_str().unwrap(),
            "--engine",
            "jit",
            "--",
            "2000000000",
        ],
    );
    let pid = child.id();
    wait_for_socket(pid);
    let sock = pivm::control::socket_path(&pivm::control::socket_dir(false).unwrap(), pid);
    // Idle: connects and says nothing.
    let _idle = UnixStream::connect(&sock).unwrap();
    // Too long: a valid request padded past the limit, no newline seen.
    let mut long = UnixStream::connect(&sock).unwrap();
    let mut req = b"snapshot exit=1 path=/".to_vec();
    req.extend(std::iter::repeat_n(b'a', 5000));
    req.push(b'\n');
    long.write_all(&req).unwrap();
    let mut buf = [0u8; 256];
    let n = long.read(&mut buf).unwrap();
    let answer = String::from_utf8_lossy(&buf[..n]);
    assert!(answer.starts_with("error "), "{answer}");
    assert!(answer.contains("longer than"), "{answer}");
    // A real request is answered at once despite the idle client.
    let t = Instant::now();
    let out = dir.join("ok.msgpack");
    let o = pivm(
        &dir,
        &[
            "snapshot",
            "--at-next-safepoint",
            "--pid",
            &pid.to_string(),
            "-o",
            out.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(t.elapsed() < Duration::from_secs(4), "{:?}", t.elapsed());
    assert!(out.exists());
    // The long request was not acted on: the run did not exit.
    assert!(child.try_wait().unwrap().is_none());
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
}

fn spawn(dir: &Path, args: &[&str]) -> Child {
    Command::new(PIVM)
        .current_dir(dir)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn snapshot_on_usr1_continues() {
    let dir = scratch("usr1");
    let prog = repo().join("examples/sum.pir");
    let snap = dir.join("usr1.msgpack");
    // --stats counts every safepoint (slow under the JIT): ~1-3 s.
    let n = "20000000";
    let child = spawn(
        &dir,
        &[
            "run",
            prog.to_str().unwrap(),
            "--engine",
            "jit",
            "--snapshot-on",
            "USR1",
            "--snapshot-path",
            snap.to_str().unwrap(),
            "--stats",
            "--",
            n,
        ],
    );
    wait_for_socket(child.id());
    // SAFETY: kill has no memory preconditions; the pid is our child's.
    unsafe { libc::kill(child.id() as i32, libc::SIGUSR1) };
    let o = child.wait_with_output().unwrap();
    let want = "sum(1..20000000) = 200000010000000\n";
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout), want);
    assert!(stat(&o, "pause_ms").is_some(), "{}", text(&o.stderr));
    // The run may have ended before its safepoint served the signal.
    if snap.exists() {
        let r = pivm(
            &dir,
            &["resume", snap.to_str().unwrap(), "--engine", "interp"],
        );
        assert_eq!(text(&r.stdout), want, "{}", text(&r.stderr));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn snapshot_by_pid() {
    let dir = scratch("pid");
    let prog = repo().join("examples/sum.pir");
    let n = "2000000000";
    let mut child = spawn(
        &dir,
        &["run", prog.to_str().unwrap(), "--engine", "jit", "--", n],
    );
    let pid = child.id().to_string();
    wait_for_socket(child.id());
    let a = pivm(
        &dir,
        &[
            "snapshot",
            "--at-next-safepoint",
            "--pid",
            &pid,
            "-o",
            "a.msgpack",
        ],
    );
    assert!(a.status.success(), "{}", text(&a.stderr));
    assert!(text(&a.stdout).contains("a.msgpack"), "{}", text(&a.stdout));
    assert!(pivm(&dir, &["inspect", "a.msgpack"]).status.success());
    let b = pivm(
        &dir,
        &[
            "snapshot",
            "--at-next-safepoint",
            "--pid",
            &pid,
            "-o",
            "b.msgpack",
            "--exit",
        ],
    );
    assert!(b.status.success(), "{}", text(&b.stderr));
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(85));
    let mut out = String::new();
    std::io::Read::read_to_string(child.stdout.as_mut().unwrap(), &mut out).unwrap();
    let r = pivm(&dir, &["resume", "b.msgpack", "--engine", "jit"]);
    out.push_str(&text(&r.stdout));
    assert_eq!(
        out,
        "sum(1..2000000000) = 2000000001000000000\n",
        "{}",
        text(&r.stderr)
    );
    // Errors: no such process, not a pivm.
    let mut gone = Command::new("true").spawn().unwrap();
    let gone_pid = gone.id().to_string();
    gone.wait().unwrap();
    let e = pivm(
        &dir,
        &["snapshot", "--at-next-safepoint", "--pid", &gone_pid],
    );
    assert_eq!(e.status.code(), Some(3), "{}", text(&e.stderr));
    assert!(
        text(&e.stderr).contains("no process"),
        "{}",
        text(&e.stderr)
    );
    let mut sleeper = Command::new("sleep").arg("5").spawn().unwrap();
    let e = pivm(
        &dir,
        &[
            "snapshot",
            "--at-next-safepoint",
            "--pid",
            &sleeper.id().to_string(),
        ],
    );
    let _ = sleeper.kill();
    let _ = sleeper.wait();
    assert_eq!(e.status.code(), Some(4), "{}", text(&e.stderr));
    assert!(
        text(&e.stderr).contains("not a running pivm"),
        "{}",
        text(&e.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The JIT unrolls the fast copy of a counted loop and polls only in its
/// last iteration, and a small plain loop's copies likewise
/// (`jit/src/lower/hoist.rs`, `unroll_factor`): snapshots asked from
/// outside while `tests/unroll/stop_file.c` (counted) and
/// `tests/unroll/stop_plain.c` (plain) run land at that poll, with the
/// loop's counter at a multiple of the unroll factor (four or eight; four
/// copies polling would break it), and resume on both engines to gcc's
/// output for the same number of passes. The programs run until a file
/// appears, so the resumed runs end soon.
#[test]
fn unrolled_loops_snapshot_at_their_polls() {
    let inner = Landing::Polls("i32 i.1 = ");
    snapshots_land_at_unrolled_polls("stop_file", &["stop_file.c:22 (safepoint"], inner);
    snapshots_land_at_unrolled_polls("stop_plain", &["stop_plain.c:26 (safepoint"], inner);
}

/// A counted loop of fewer than 8 iterations, or the fewer than 8 left
/// after a round of 8, runs in a short copy that does not poll
/// (`jit/src/lower/hoist.rs`): snapshots asked from outside while
/// `tests/unroll/stop_short.c` runs never land in its loop of 1 to 7
/// iterations (line 22), and in its loop of 9 to 15 (line 23) only at
/// the end of its round of 8, never in the rest (where they would with a
/// poll at each iteration: most of the time is theirs), and resume on
/// both engines to gcc's output.
#[test]
fn short_loops_do_not_poll() {
    snapshots_land_at_unrolled_polls(
        "stop_short",
        &["stop_short.c:22 (safepoint", "stop_short.c:23 (safepoint"],
        Landing::Short {
            round: "stop_short.c:23 (safepoint",
            counter: "i32 i.2 = ",
        },
    );
}

/// Where `snapshots_land_at_unrolled_polls` expects snapshots.
#[derive(Clone, Copy)]
enum Landing {
    /// In the inner loop, some of them, its counter (shown after this)
    /// a multiple of 4.
    Polls(&'static str),
    /// In the inner loops only at `round`'s poll, its counter 8.
    Short {
        round: &'static str,
        counter: &'static str,
    },
}

/// The value of the local shown after `prefix` in `inspect`'s output.
fn shown_counter(shown: &str, prefix: &str) -> u64 {
    shown
        .lines()
        .find_map(|l| l.trim().strip_prefix(prefix))
        .unwrap_or_else(|| panic!("{shown}"))
        .parse()
        .unwrap()
}

/// `unrolled_loops_snapshot_at_their_polls` for `tests/unroll/NAME.c`,
/// whose inner loops poll where `inspect` shows one of `polls`.
fn snapshots_land_at_unrolled_polls(name: &str, polls: &[&str], landing: Landing) {
    use std::io::{BufRead, Read};
    let dir = scratch(name);
    let src = repo().join(format!("tests/unroll/{name}.c"));
    let src = src.to_str().unwrap();
    let oracle = dir.join("oracle");
    let built = Command::new("gcc")
        .args(["-O2", "-o"])
        .arg(&oracle)
        .arg(src)
        .status()
        .expect("gcc");
    assert!(built.success());
    // gcc's output after "looping" for `passes` passes.
    let gcc = |passes: &str| {
        let o = Command::new(&oracle).arg(passes).output().unwrap();
        text(&o.stdout).replacen("looping\n", "", 1)
    };
    let passes = |out: &str| {
        out.split_whitespace()
            .find_map(|w| w.strip_prefix("passes="))
            .unwrap_or_else(|| panic!("no pass count in {out:?}"))
            .to_string()
    };
    // It runs until the file appears: killed if an assertion fails first.
    struct KillOnDrop(Child);
    impl Drop for KillOnDrop {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut child = KillOnDrop(spawn(&dir, &["run", src, "--engine", "jit", "--", "stop"]));
    let mut out = std::io::BufReader::new(child.0.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line, "looping\n");
    wait_for_socket(child.0.id());
    let pid = child.0.id().to_string();
    let mut in_loop = Vec::new();
    for k in 0..60 {
        if in_loop.len() == 3 {
            break;
        }
        if matches!(landing, Landing::Short { .. }) && k == 12 {
            break;
        }
        let name = format!("s{k}.msgpack");
        let o = pivm(
            &dir,
            &[
                "snapshot",
                "--at-next-safepoint",
                "--pid",
                &pid,
                "-o",
                &name,
            ],
        );
        assert!(o.status.success(), "{}", text(&o.stderr));
        let shown = text(&pivm(&dir, &["inspect", &name]).stdout);
        // The inner loop's poll, or elsewhere (the outer loop, the file
        // check): only the former says where unrolled code polls.
        let inside = polls.iter().any(|p| shown.contains(p));
        if let Landing::Short { round, counter } = landing {
            let at_round = shown.contains(round) && shown_counter(&shown, counter) == 8;
            assert!(!inside || at_round, "a short loop polled:\n{shown}");
            if k < 3 {
                in_loop.push(name);
            }
        } else if let (true, Landing::Polls(counter)) = (inside, landing) {
            let i = shown_counter(&shown, counter);
            assert_eq!(i % 4, 0, "polled after iteration {i}:\n{shown}");
            in_loop.push(name);
        }
    }
    assert!(!in_loop.is_empty(), "no snapshot landed in the inner loop");
    // (With `Landing::Short`, the first three are resumed.)
    std::fs::write(dir.join("stop"), b"").unwrap();
    let status = child.0.wait().unwrap();
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    assert_eq!(status.code(), Some(0));
    assert_eq!(rest, gcc(&passes(&rest)));
    for name in &in_loop {
        for engine in ["interp", "jit"] {
            let r = pivm(&dir, &["resume", name, "--engine", engine]);
            let got = text(&r.stdout);
            assert!(
                r.status.success(),
                "{name} on {engine}: {}",
                text(&r.stderr)
            );
            assert_eq!(got, gcc(&passes(&got)), "{name} resumed on {engine}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Writes `snap` (checksums recomputed) to `dir/name`.
/// `--snapshot-every` shorter than a snapshot takes to write: the timer
/// counts each interval from the end of the previous snapshot, so the
/// program runs between two of them and ends. It used to ask for the next
/// snapshot while the last one was being written, and the program, which
/// waits for the previous writer at a snapshot, then made no progress
/// (mallocwrite 16: 10,447 snapshots in a minute without ending; now a
/// handful in 0.06 s). Killed after two minutes if it hangs.
#[test]
fn snapshot_every_shorter_than_a_write_lets_the_program_run() {
    use std::io::Read;
    let dir = scratch("timer");
    let src = repo().join("examples/mallocwrite.c");
    let src = src.to_str().unwrap();
    let plain = pivm(&dir, &["run", src, "--", "16"]);
    assert!(plain.status.success(), "{}", text(&plain.stderr));
    let mut child = Command::new(PIVM)
        .current_dir(&dir)
        .args([
            "run",
            src,
            "--snapshot-every",
            "1ms",
            "--stats=nocount",
            "--",
            "16",
        ])
        .env("PIVM_SNAPSHOT_FSYNC", "0")
        .env_remove("PIVM_SNAPSHOT_NOFORK")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let t = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if t.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("still running after two minutes of snapshots");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let (mut out, mut err) = (String::new(), String::new());
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert_eq!(out, text(&plain.stdout), "{err}");
    let snapshots = err
        .lines()
        .filter(|l| l.contains("stats: snapshot="))
        .count();
    assert!(snapshots >= 1, "no snapshot taken:\n{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

fn write(dir: &Path, name: &str, snap: &Snapshot) -> PathBuf {
    let p = dir.join(name);
    pivm_snapshot::write_atomic(&p, snap).unwrap();
    p
}

#[test]
fn hostile_snapshots_are_refused() {
    let dir = scratch("hostile");
    let prog = repo().join("examples/fib.pir");
    let good = dir.join("good.msgpack");
    let o = pivm(
        &dir,
        &[
            "run",
            prog.to_str().unwrap(),
            "--snapshot-after",
            "100",
            "--snapshot-path",
            good.to_str().unwrap(),
            "--exit-after-snapshot",
        ],
    );
    assert_eq!(o.status.code(), Some(85));
    let bytes = std::fs::read(&good).unwrap();
    let snap = pivm_snapshot::read(&good).unwrap();
    let mut cases: Vec<(PathBuf, &str)> = Vec::new();
    let raw = |name: &str, b: Vec<u8>| {
        let p = dir.join(name);
        std::fs::write(&p, b).unwrap();
        p
    };
    cases.push((
        raw("trunc.msgpack", bytes[..bytes.len() / 2].to_vec()),
        "truncated",
    ));
    cases.push((raw("short.msgpack", bytes[..40].to_vec()), "truncated"));
    let mut flip = bytes.clone();
    let k = flip.len() - 100;
    flip[k] ^= 0x10;
    cases.push((raw("flip.msgpack", flip), "checksum mismatch"));
    let mut hflip = bytes.clone();
    hflip[20] ^= 1;
    cases.push((raw("hflip.msgpack", hflip), "header checksum"));
    let mut magic = bytes.clone();
    magic[0] = b'X';
    cases.push((raw("magic.msgpack", magic), "bad magic"));
    let mut newer = bytes.clone();
    newer[8] = 9;
    cases.push((raw("newer.msgpack", newer), "newer than this pivm"));
    cases.push((raw("empty.msgpack", Vec::new()), "truncated"));

    let mut s = snap.clone();
    s.program_hash = [7; 32];
    cases.push((write(&dir, "hash.msgpack", &s), "program hash mismatch"));
    let mut s = snap.clone();
    s.body.program =
        pivm_snapshot::SavedProgram::from_text(s.body.program.text.replace("fib(", "fob("));
    s.program_hash = s.body.program.hash;
    cases.push((write(&dir, "prog.msgpack", &s), "@fob"));
    let mut s = snap.clone();
    s.body.frames[0].func = 99;
    cases.push((write(&dir, "func.msgpack", &s), "frame 0"));
    let mut s = snap.clone();
    s.body.frames[0].resume = 999;
    cases.push((write(&dir, "resume.msgpack", &s), "resume point"));
    let mut s = snap.clone();
    s.body.frames[0].stack_base = 1 << 50;
    cases.push((write(&dir, "base.msgpack", &s), "frame 0"));
    let mut s = snap.clone();
    s.body.memory.layout.heap_top = 1 << 62;
    cases.push((write(&dir, "heap.msgpack", &s), "layout"));
    let mut s = snap.clone();
    s.body.memory.regions.push(pivm_snapshot::Region {
        start: 1 << 45,
        bytes: vec![1],
    });
    cases.push((write(&dir, "region.msgpack", &s), "region"));
    let mut s = snap.clone();
    s.body.frames.clear();
    cases.push((write(&dir, "noframes.msgpack", &s), "no frames"));
    let mut s = snap.clone();
    s.body.frames[0].locals[0].bits = 1 << 40;
    cases.push((write(&dir, "local.msgpack", &s), "frame 0"));

    for (p, want) in cases {
        for cmd in ["resume", "inspect"] {
            let o = pivm(&dir, &[cmd, p.to_str().unwrap()]);
            let err = text(&o.stderr);
            assert_eq!(o.status.code(), Some(66), "{cmd} {}: {err}", p.display());
            assert!(
                err.to_lowercase().contains(&want.to_lowercase()),
                "{cmd} {}: want '{want}' in: {err}",
                p.display()
            );
            assert!(!err.contains("panic") && !err.contains("internal"), "{err}");
            assert!(o.stdout.is_empty(), "{cmd} {}: ran something", p.display());
        }
    }
    let missing = pivm(&dir, &["resume", "nonexistent.msgpack"]);
    assert_eq!(missing.status.code(), Some(66));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn kill_9_during_writes_keeps_the_previous_snapshot() {
    let dir = scratch("kill9");
    let prog = repo().join("examples/sum.pir");
    let p = prog.to_str().unwrap();
    let snap = dir.join("s.msgpack");
    let s = snap.to_str().unwrap();
    let o = pivm(
        &dir,
        &[
            "run",
            p,
            "--snapshot-after",
            "1000",
            "--snapshot-path",
            s,
            "--exit-after-snapshot",
            "--",
            "2000000000",
        ],
    );
    assert_eq!(o.status.code(), Some(85));
    let mut seed = std::process::id() as u64;
    for _ in 0..6 {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let ms = 30 + (seed >> 33) % 200;
        let mut child = spawn(
            &dir,
            &[
                "run",
                p,
                "--engine",
                "jit",
                "--snapshot-every",
                "5ms",
                "--snapshot-path",
                s,
                "--",
                "2000000000",
            ],
        );
        std::thread::sleep(Duration::from_millis(ms));
        // SAFETY: kill has no memory preconditions; the pid is our child's.
        unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
        let _ = child.wait();
        let i = pivm(&dir, &["inspect", s]);
        assert!(i.status.success(), "after kill -9: {}", text(&i.stderr));
    }
    // Writers die with their program (PR_SET_PDEATHSIG): nothing renames
    // over the file after the kill.
    std::thread::sleep(Duration::from_millis(100));
    let r = pivm(
        &dir,
        &[
            "resume",
            s,
            "--engine",
            "interp",
            "--snapshot-after",
            "10",
            "--exit-after-snapshot",
            "--snapshot-path",
            "again.msgpack",
        ],
    );
    assert_eq!(r.status.code(), Some(85), "{}", text(&r.stderr));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn open_files_are_reopened_at_their_offsets() {
    let dir = scratch("files");
    std::fs::write(dir.join("files.c"), FILES_C).unwrap();
    let full = pivm(&dir, &["run", "files.c", "--stats"]);
    assert!(full.status.success(), "{}", text(&full.stderr));
    let want_file = std::fs::read(dir.join("out.txt")).unwrap();
    let total = stat(&full, "safepoints").unwrap() as u64;
    for (i, n) in points(total - 1, 6).into_iter().enumerate() {
        std::fs::remove_file(dir.join("out.txt")).unwrap();
        let ns = n.to_string();
        let a = pivm(
            &dir,
            &[
                "run",
                "files.c",
                "--snapshot-after",
                &ns,
                "--exit-after-snapshot",
            ],
        );
        assert_eq!(a.status.code(), Some(85), "{}", text(&a.stderr));
        let b = pivm(
            &dir,
            &[
                "resume",
                "files.msgpack",
                "--engine",
                ["jit", "interp"][i % 2],
            ],
        );
        let mut out = a.stdout.clone();
        out.extend_from_slice(&b.stdout);
        assert_eq!(
            text(&out),
            text(&full.stdout),
            "at {n}: {}",
            text(&b.stderr)
        );
        assert_eq!(
            std::fs::read(dir.join("out.txt")).unwrap(),
            want_file,
            "at {n}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

const FILES_C: &str = r#"#include <stdio.h>
int main(void) {
    FILE *f = fopen("out.txt", "w");
    for (int i = 0; i < 50; i++) fprintf(f, "line %d\n", i);
    fclose(f);
    f = fopen("out.txt", "r");
    char buf[64];
    int n = 0;
    while (fgets(buf, sizeof buf, f)) { n++; if (n % 10 == 0) printf("%s", buf); }
    fclose(f);
    f = fopen("out.txt", "a");
    fprintf(f, "%d lines\n", n);
    fclose(f);
    printf("%d lines\n", n);
    return 0;
}
"#;

/// Fork safety: forked snapshot writers start while pivm's other threads
/// are busy (the timer every 20 ms, the control socket answering many
/// concurrent clients, each connection allocating and taking the request
/// queue's lock). Every request is answered, no writer hangs or dies, the
/// program's output is an uninterrupted run's, and the last snapshot
/// resumes to the same end.
#[test]
fn forked_writers_while_every_thread_is_busy() {
    let dir = scratch("forkstress");
    let prog = repo().join("examples/sum.pir");
    let n = "300000000";
    let want = "sum(1..300000000) = 45000000150000000\n";
    let child = spawn(
        &dir,
        &[
            "run",
            prog.to_str().unwrap(),
            "--engine",
            "jit",
            "--snapshot-every",
            "20ms",
            "--snapshot-path",
            "tick.msgpack",
            "--",
            n,
        ],
    );
    let pid = child.id().to_string();
    wait_for_socket(child.id());
    let clients: Vec<_> = (0..16)
        .map(|i| {
            let (dir, pid) = (dir.clone(), pid.clone());
            std::thread::spawn(move || {
                let out = format!("c{i}.msgpack");
                pivm(
                    &dir,
                    &["snapshot", "--at-next-safepoint", "--pid", &pid, "-o", &out],
                )
            })
        })
        .collect();
    let mut answered = 0;
    for c in clients {
        let o = c.join().unwrap();
        // The run may end before a late client connects (exit 3 or 4).
        if o.status.success() {
            answered += 1;
        } else {
            assert!(
                matches!(o.status.code(), Some(3 | 4)),
                "{:?}: {}",
                o.status,
                text(&o.stderr)
            );
        }
    }
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout), want);
    assert!(answered > 0, "no client was answered");
    for i in 0..16 {
        let p = dir.join(format!("c{i}.msgpack"));
        if p.exists() {
            let r = pivm(&dir, &["resume", p.to_str().unwrap(), "--engine", "jit"]);
            assert_eq!(text(&r.stdout), want, "{}", text(&r.stderr));
            break;
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Four snapshots of `prog` run with `prog_args` at safepoint `after`,
/// two with `var` set to each of `values`, each both written in-process
/// (`--exit-after-snapshot`) and by the forked writer: each resumes to
/// the output of the run without snapshots. Returns their memory
/// regions.
fn snapshots_with_env(
    dir: &Path,
    prog: &str,
    prog_args: &[&str],
    after: &str,
    var: &str,
    values: [&str; 2],
) -> Vec<Vec<pivm_snapshot::Region>> {
    let mut run = vec!["run", prog, "--"];
    run.extend(prog_args);
    let full = pivm(dir, &run);
    assert!(full.status.success(), "{}", text(&full.stderr));
    let mut regions = Vec::new();
    for (n, (value, exit)) in [
        (values[0], true),
        (values[1], true),
        (values[0], false),
        (values[1], false),
    ]
    .into_iter()
    .enumerate()
    {
        let name = format!("{n}.msgpack");
        let mut args = vec![
            "run",
            prog,
            "--snapshot-after",
            after,
            "--snapshot-path",
            &name,
        ];
        if exit {
            args.push("--exit-after-snapshot");
        }
        args.push("--");
        args.extend(prog_args);
        let o = Command::new(PIVM)
            .current_dir(dir)
            .args(&args)
            .env_remove("PIVM_SNAPSHOT_NOFORK")
            .env_remove("PIVM_SNAPSHOT_FSYNC")
            .env(var, value)
            .output()
            .unwrap();
        assert!(
            o.status.code() == Some(if exit { 85 } else { 0 }),
            "{var}={value}: {}",
            text(&o.stderr)
        );
        let s = pivm_snapshot::read(&dir.join(&name)).unwrap();
        regions.push(s.body.memory.regions);
        let r = pivm(dir, &["resume", &name]);
        assert!(r.status.success(), "{}", text(&r.stderr));
        assert_eq!(text(&r.stdout), text(&full.stdout), "{var}={value}");
    }
    regions
}

/// Untouched memory is skipped through pagemap when it works here, and by
/// reading every page when it does not (`PIVM_PAGEMAP=0` forces the
/// fallback): both give the same memory sections, forked or not, and the
/// snapshots resume to the same output.
#[test]
fn pagemap_and_its_fallback_capture_the_same_memory() {
    let dir = scratch("pagemap");
    let prog = repo().join("examples/mallocwrite.c");
    let p = prog.to_str().unwrap();
    let regions = snapshots_with_env(&dir, p, &["24"], "3000000", "PIVM_PAGEMAP", ["1", "0"]);
    assert!(regions.iter().all(|r| *r == regions[0]));
    // The heap is partly written (about one byte per safepoint): only
    // that part of its 24 MiB is stored.
    let stored: usize = regions[0].iter().map(|r| r.bytes.len()).sum();
    assert!(
        stored > 1 << 20 && stored < 8 << 20,
        "{stored} bytes stored"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Memory written with direct I/O (`PIVM_SNAPSHOT_DIRECT=always`: at any
/// size), from the program's own pages in-process and through the
/// writer's buffer when forked, is the memory the page cache path writes,
/// and the snapshots resume to the uninterrupted output.
#[test]
fn direct_io_and_the_page_cache_write_the_same_memory() {
    let dir = scratch("direct-io");
    // 48 MiB written just before the snapshot: checksummed on a second
    // thread when written in-process and when resumed.
    let prog = repo().join("benches/snapshot-io/heap.c");
    let p = prog.to_str().unwrap();
    let regions = snapshots_with_env(
        &dir,
        p,
        &["48", "1", "1000"],
        "68",
        "PIVM_SNAPSHOT_DIRECT",
        ["always", "0"],
    );
    assert!(regions.iter().all(|r| *r == regions[0]));
    let stored: usize = regions[0].iter().map(|r| r.bytes.len()).sum();
    assert!(stored >= 48 << 20, "{stored} bytes stored");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--stats` counts every safepoint (the JIT in its polls, without a call
/// at each): both engines reach the same count, with or without a
/// `--snapshot-after` firing on the way, and print the same output.
#[test]
fn stats_count_every_safepoint_alike_on_both_engines() {
    let dir = scratch("stats-count");
    let prog = repo().join("examples/sum.pir");
    let p = prog.to_str().unwrap();
    let full = pivm(&dir, &["run", p, "--", "1000"]);
    let after: &[&str] = &["--snapshot-after", "7", "--snapshot-path", "b.msgpack"];
    for extra in [&[][..], after] {
        let mut counts = Vec::new();
        for engine in ["jit", "interp"] {
            let mut args = vec!["run", p, "--engine", engine, "--stats"];
            args.extend_from_slice(extra);
            args.extend_from_slice(&["--", "1000"]);
            let o = pivm(&dir, &args);
            let err = text(&o.stderr);
            assert!(o.status.success(), "{err}");
            assert_eq!(o.stdout, full.stdout, "{engine}");
            let n: u64 = err
                .lines()
                .find_map(|l| l.strip_prefix("pivm: stats: safepoints="))
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("{engine}: no count in {err}"));
            counts.push(n);
        }
        assert!(counts[0] > 1000, "{counts:?}");
        assert_eq!(counts[0], counts[1], "{extra:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--snapshot-after N` counts safepoints only until it fires: the rest of
/// the run polls on the fast path, so with `--stats=nocount` the count at
/// exit is N (counting every safepoint would give the whole run's), and
/// the run still ends as an uninterrupted one.
#[test]
fn snapshot_after_stops_counting_once_it_fires() {
    let dir = scratch("after-count");
    let prog = repo().join("examples/sum.pir");
    let p = prog.to_str().unwrap();
    let full = pivm(&dir, &["run", p, "--", "100000"]);
    for engine in ["jit", "interp"] {
        let o = pivm(
            &dir,
            &[
                "run",
                p,
                "--engine",
                engine,
                "--snapshot-after",
                "5",
                "--snapshot-path",
                "a.msgpack",
                "--stats=nocount",
                "--",
                "100000",
            ],
        );
        let err = text(&o.stderr);
        assert!(o.status.success(), "{err}");
        assert_eq!(o.stdout, full.stdout, "{engine}");
        assert!(
            err.contains("pivm: stats: safepoints=5\n"),
            "{engine}: {err}"
        );
        assert!(dir.join("a.msgpack").exists());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs `cmd` with `input` on its stdin; its stdout.
fn run_with_stdin(cmd: &mut Command, input: &[u8]) -> Output {
    use std::io::Write;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot run");
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

/// The C program `src` (of the repository) compiled by gcc -O0 into
/// `dir`: the oracle.
fn gcc_binary(dir: &Path, src: &str) -> PathBuf {
    let src = repo().join(src);
    let exe = dir.join(src.file_stem().unwrap());
    let gcc = Command::new("gcc")
        .args(["-O0", "-w", "-o"])
        .arg(&exe)
        .arg(&src)
        .status()
        .expect("gcc runs");
    assert!(gcc.success());
    exe
}

/// A snapshot written by the pivm of 2026-12-07, which polled in every
/// loop (`tests/snapshots/every_loop_polls.msgpack`, taken in
/// `bounded_loop.c`'s inner loop of 8 iterations, where pivm no longer
/// polls: `pivm_ir::safepoints::BOUNDED_WORK`), resumes on both engines
/// with its program placed as it was, and a snapshot of the resumed run
/// (which embeds that program) resumes again, with gcc's output.
#[test]
fn snapshots_placed_before_bounded_loops_stopped_polling_resume() {
    let dir = scratch("every-loop");
    let exe = gcc_binary(&dir, "tests/snapshots/bounded_loop.c");
    let want = text(&Command::new(&exe).output().unwrap().stdout);
    let old = repo().join("tests/snapshots/every_loop_polls.msgpack");
    let old = old.to_str().unwrap();
    for engine in ["jit", "interp"] {
        let o = pivm(&dir, &["resume", old, "--engine", engine]);
        assert!(o.status.success(), "{engine}: {}", text(&o.stderr));
        assert_eq!(text(&o.stdout), want, "{engine}");
        let again = dir.join("again.msgpack");
        let a = pivm(
            &dir,
            &[
                "resume",
                old,
                "--engine",
                engine,
                "--snapshot-after",
                "3",
                "--exit-after-snapshot",
                "--snapshot-path",
                again.to_str().unwrap(),
            ],
        );
        assert_eq!(a.status.code(), Some(85), "{engine}: {}", text(&a.stderr));
        let other = if engine == "jit" { "interp" } else { "jit" };
        let b = pivm(
            &dir,
            &["resume", again.to_str().unwrap(), "--engine", other],
        );
        assert!(b.status.success(), "{other}: {}", text(&b.stderr));
        assert_eq!(
            text(&a.stdout) + &text(&b.stdout),
            want,
            "{engine} then {other}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// scanf on stdin leaves the byte after each field pushed back (`ungetc`,
/// which stdin keeps in the runtime): pivm prints what gcc does on both
/// engines, and a run snapshotted between scanf calls and resumed, on the
/// other engine, with the rest of its input (from the snapshot's
/// `stdin_consumed`) prints the same, so the pushed-back byte is in the
/// snapshot (the program prints the byte after each word).
#[test]
fn scanf_lookahead_survives_a_snapshot() {
    let dir = scratch("scanf");
    let src = repo().join("tests/stdin/scanf_sum.c");
    let input: &[u8] =
        b"12\n3.5 -2 0x10 1e3 .25\n7 8 9\n10 11 12 13e-1\nalpha beta\tgamma\n  delta\n";
    let exe = gcc_binary(&dir, "tests/stdin/scanf_sum.c");
    let want = text(&run_with_stdin(&mut Command::new(&exe), input).stdout);
    assert!(want.contains("word beta (4) next 9"), "{want}");
    let pir = dir.join("scanf_sum.pir");
    let c = pivm(
        &dir,
        &[
            "compile",
            src.to_str().unwrap(),
            "-o",
            pir.to_str().unwrap(),
        ],
    );
    assert!(c.status.success(), "{}", text(&c.stderr));
    let p = pir.to_str().unwrap();
    let run = |args: &[&str], input: &[u8]| {
        run_with_stdin(Command::new(PIVM).current_dir(&dir).args(args), input)
    };
    for engine in ["jit", "interp"] {
        let o = run(&["run", p, "--engine", engine], input);
        assert_eq!(text(&o.stdout), want, "{engine}: {}", text(&o.stderr));
    }
    let full = run(&["run", p, "--stats"], input);
    let total = stat(&full, "safepoints").unwrap() as u64;
    let snap = dir.join("scanf.msgpack");
    let s = snap.to_str().unwrap();
    let mut pushed_back = 0;
    for (i, k) in (1..=9).map(|j| total * j / 10).enumerate() {
        let (engine, other) = [("jit", "interp"), ("interp", "jit")][i % 2];
        let k = k.to_string();
        let a = run(
            &[
                "run",
                p,
                "--engine",
                engine,
                "--snapshot-after",
                &k,
                "--snapshot-path",
                s,
                "--exit-after-snapshot",
            ],
            input,
        );
        assert_eq!(a.status.code(), Some(85), "{}", text(&a.stderr));
        let info = pivm(&dir, &["inspect", "--json", s]);
        let json: serde_json::Value = serde_json::from_slice(&info.stdout).unwrap();
        let consumed = json["io"]["stdin_consumed"].as_u64().unwrap() as usize;
        pushed_back += usize::from(!json["io"]["stdin_unread"].as_array().unwrap().is_empty());
        let b = run(&["resume", s, "--engine", other], &input[consumed..]);
        assert!(b.status.success(), "{}", text(&b.stderr));
        assert_eq!(
            text(&a.stdout) + &text(&b.stdout),
            want,
            "snapshot at {k} on {engine}"
        );
    }
    assert!(
        pushed_back >= 5,
        "only {pushed_back} snapshots with a byte pushed back"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
