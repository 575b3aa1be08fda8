//! Memory and time bombs through the `pivm` binary: inputs whose cost to
//! the host could grow out of proportion to what they hold, each run
//! under a measure of the child's peak resident memory (`wait4`) and its
//! wall time, and bounded:
//! - a snapshot whose heap top is at the end of VM memory, with nothing
//!   in its heap, resumes (and snapshots again) in a few MiB;
//! - a snapshot of a program with thousands of named types and an
//!   allocation table of tens of thousands of typed blocks validates and
//!   resumes in time linear in the table (the type names were looked up
//!   by rebuilding a table of every name for each allocation);
//! - `malloc(1)` in a loop costs the host a few bytes per block beyond
//!   VM memory, on both engines;
//! - thousands of `case` labels, goto labels and `else if` in a row
//!   compile and run as gcc's build runs them.

use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

const PIVM: &str = env!("CARGO_BIN_EXE_pivm");

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A fresh scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pivm-bombs-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// How a measured run of pivm ended.
struct Measured {
    status: ExitStatus,
    stdout: Vec<u8>,
    stderr: String,
    /// Peak resident memory of the child, KiB.
    peak_kib: u64,
    elapsed: Duration,
}

impl Measured {
    fn code(&self) -> Option<i32> {
        self.status.code()
    }
}

/// Runs pivm with `args` in `dir` and measures its peak resident memory
/// (`ru_maxrss` from `wait4`, which covers the process and the snapshot
/// writers it forked and reaped) and its wall time.
#[expect(
    clippy::zombie_processes,
    reason = "the child is reaped by wait4, which also gives its rusage"
)]
fn measured(dir: &Path, args: &[&str]) -> Measured {
    let t = Instant::now();
    let mut child = Command::new(PIVM)
        .current_dir(dir)
        .args(args)
        .env_remove("PIVM_SNAPSHOT_NOFORK")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot run pivm");
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = r.read_to_end(&mut v);
            v
        })
    };
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to overwrite.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `child` is our child, not yet reaped (std never waits for
    // it: we reap it here).
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as i32, "wait4 failed");
    Measured {
        status: ExitStatus::from_raw(status),
        stdout: out.join().unwrap(),
        stderr: String::from_utf8_lossy(&err.join().unwrap()).into_owned(),
        peak_kib: usage.ru_maxrss as u64,
        elapsed: t.elapsed(),
    }
}

/// Takes a snapshot of `prog` at its `at`-th safepoint.
fn snapshot_of(dir: &Path, prog: &Path, at: u64) -> pivm_snapshot::Snapshot {
    let path = dir.join("taken.msgpack");
    let at = at.to_string();
    let o = measured(
        dir,
        &[
            "run",
            prog.to_str().unwrap(),
            "--snapshot-after",
            &at,
            "--snapshot-path",
            path.to_str().unwrap(),
            "--exit-after-snapshot",
        ],
    );
    assert_eq!(o.code(), Some(85), "{}", o.stderr);
    pivm_snapshot::read(&path).unwrap()
}

/// Writes `snap` (checksums recomputed) to `dir/name`.
fn write(dir: &Path, name: &str, snap: &pivm_snapshot::Snapshot) -> PathBuf {
    let p = dir.join(name);
    pivm_snapshot::write_atomic(&p, snap).unwrap();
    p
}

/// A heap declared to reach the end of VM memory (4 GiB) but holding
/// nothing costs nothing: no page of it is zeroed, read or allocated for,
/// on either engine, when resuming or when snapshotting again.
#[test]
fn an_empty_heap_declared_full_resumes_in_a_few_mib() {
    let dir = scratch("fullheap");
    let mut s = snapshot_of(&dir, &repo().join("examples/fib.pir"), 100);
    let l = &mut s.body.memory.layout;
    assert!(l.heap_end > 1 << 31, "{l:?}");
    l.heap_top = l.heap_end;
    let p = write(&dir, "full.msgpack", &s);
    let size = std::fs::metadata(&p).unwrap().len();
    assert!(size < 64 << 10, "{size} bytes");
    let again = dir.join("again.msgpack");
    for engine in ["interp", "jit"] {
        for extra in [
            &[][..],
            &[
                "--snapshot-after",
                "50",
                "--snapshot-path",
                again.to_str().unwrap(),
            ],
        ] {
            let mut args = vec!["resume", "--engine", engine, p.to_str().unwrap()];
            args.extend_from_slice(extra);
            let o = measured(&dir, &args);
            assert_eq!(o.code(), Some(0), "{engine} {extra:?}: {}", o.stderr);
            assert_eq!(String::from_utf8_lossy(&o.stdout), "fib(25) = 75025\n");
            assert!(
                o.peak_kib < 64 << 10,
                "{engine} {extra:?}: peak {} KiB",
                o.peak_kib
            );
            assert!(o.elapsed < Duration::from_secs(20), "{:?}", o.elapsed);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A program with `types` named types that allocates one block of the
/// first and then loops through safepoints.
fn many_types(types: usize) -> String {
    let mut src = String::from("source \"types.pir\"\n\n");
    for i in 0..types {
        src += &format!("type :t{i} = {{ i64, i64 }}\n");
    }
    src += "\ndeclare @malloc(i64) -> ptr\n\n\
            func @main() -> i32 {\n    local %p: ptr\n    local %i: i32\n    local %c: i32\n\
            entry:\n    %p = call @malloc(i64 16) as :t0\n    %i = copy.i32 0\n    jump head\n\
            head:\n    %c = slt.i32 %i, 100000\n    br.i32 %c, body, done\n\
            body:\n    %i = add.i32 %i, 1\n    jump head\n\
            done:\n    ret.i32 0\n}\n";
    src
}

/// 4000 named types and 50,000 typed blocks: validating and rebuilding the
/// table takes time linear in it (it built a table of the 4000 names for
/// every block: about a minute here, 2 s for 2000 blocks).
#[test]
fn a_large_typed_allocation_table_resumes_in_linear_time() {
    let dir = scratch("types");
    const TYPES: usize = 4000;
    const BLOCKS: u64 = 50_000;
    let prog = dir.join("types.pir");
    std::fs::write(&prog, many_types(TYPES)).unwrap();
    let mut s = snapshot_of(&dir, &prog, 10);
    let first = s
        .body
        .memory
        .allocations
        .iter()
        .next()
        .expect("an allocation");
    s.body.memory.allocations = (0..BLOCKS)
        .map(|i| pivm_snapshot::SavedAllocation {
            addr: first.addr + 16 * i,
            size: 16,
            ty: Some(format!(":t{}", i as usize % TYPES).into()),
        })
        .collect();
    s.body.memory.layout.heap_top = first.addr + (16 * BLOCKS).next_multiple_of(4096);
    let p = write(&dir, "table.msgpack", &s);
    for args in [
        &["resume", "--engine", "interp", p.to_str().unwrap()][..],
        &["resume", "--engine", "jit", p.to_str().unwrap()],
        &["inspect", p.to_str().unwrap()],
    ] {
        let o = measured(&dir, args);
        assert_eq!(o.code(), Some(0), "{args:?}: {}", o.stderr);
        assert!(
            o.elapsed < Duration::from_secs(10),
            "{args:?} took {:?}",
            o.elapsed
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// `malloc(1)` four million times: the host's memory beyond that of an
/// empty loop grows by a few bytes per block (the blocks are never
/// written, so VM memory stays untouched); it was about 100 bytes.
#[test]
fn a_small_block_costs_the_host_a_few_bytes() {
    let dir = scratch("malloc1");
    let prog = dir.join("m.c");
    std::fs::write(
        &prog,
        "#include <stdio.h>\n#include <stdlib.h>\n\
         int main(int argc, char **argv) {\n\
             long n = atol(argv[1]), live = 0;\n\
             for (long i = 0; i < n; i++) live += malloc(1) != 0;\n\
             printf(\"%ld\\n\", live);\n\
             return 0;\n\
         }\n",
    )
    .unwrap();
    const N: u64 = 4_000_000;
    for engine in ["interp", "jit"] {
        let run = |n: u64| {
            let n = n.to_string();
            let o = measured(
                &dir,
                &["run", "--engine", engine, prog.to_str().unwrap(), &n],
            );
            assert_eq!(o.code(), Some(0), "{}", o.stderr);
            assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), n);
            o.peak_kib
        };
        let (empty, full) = (run(1), run(N));
        let per_block = full.saturating_sub(empty) as f64 * 1024.0 / N as f64;
        eprintln!("{engine}: {empty} KiB, then {full} KiB: {per_block:.2} bytes per block");
        assert!(
            per_block < 4.0,
            "{engine}: {per_block:.2} host bytes per block"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs of `case` labels, goto labels and `else if` are chains, not
/// nesting (about 400 were refused as nested too deeply): 2000 of each
/// run as gcc's build runs them, on both engines.
#[test]
fn long_label_and_else_if_chains_run_as_gcc_runs_them() {
    if Command::new("gcc").arg("--version").output().is_err() {
        eprintln!(
            "SKIPPED long_label_and_else_if_chains_run_as_gcc_runs_them: gcc is not installed"
        );
        return;
    }
    let dir = scratch("chains");
    const N: usize = 2000;
    let mut src = String::from(
        "#include <stdio.h>\n#include <stdlib.h>\n\
         int main(int argc, char **argv) {\n    int a = atoi(argv[1]), b = 0;\n    ",
    );
    for i in 0..N {
        src += &format!("if (a == {i}) b = {};\n    else ", 3 * i);
    }
    src += "b = -1;\n    switch (a % 7) {\n    ";
    for i in 0..N {
        src += &format!("case {}: ", 7 * i + 1);
    }
    src += "b += 1000; break;\n    default: ";
    for i in 0..N {
        src += &format!("l{i}: ");
    }
    src += "b += 2000;\n    }\n    printf(\"%d\\n\", b);\n    return 0;\n}\n";
    let prog = dir.join("chains.c");
    std::fs::write(&prog, &src).unwrap();
    let exe = dir.join("chains");
    let st = Command::new("gcc")
        .args(["-w", "-o"])
        .arg(&exe)
        .arg(&prog)
        .status()
        .unwrap();
    assert!(st.success());
    for a in ["0", "1", "8", "1234", "1999", "2000", "9999"] {
        let theirs = Command::new(&exe).arg(a).output().unwrap().stdout;
        for engine in ["interp", "jit"] {
            let o = measured(
                &dir,
                &["run", "--engine", engine, prog.to_str().unwrap(), a],
            );
            assert_eq!(o.code(), Some(0), "{engine} {a}: {}", o.stderr);
            assert_eq!(o.stdout, theirs, "{engine} {a}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
