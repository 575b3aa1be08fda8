//! What the `pir` and `snapshot` targets share: runs of a program on
//! either engine bounded in safepoints, memory and call depth; their
//! comparison; and snapshot files written and restored as `pivm run` and
//! `pivm resume` do (`body_of`, the file format, `Chain::open`,
//! `validate_file`, `restore`).

use pivm::io::{Io, Sink, Source};
use pivm::snapshot::{self as snap, Lineage, Restored};
use pivm::{Config, Engine, Entry, Outcome, Program, Runtime, RuntimeState};
use pivm_ir::frame::Frame;
use pivm_snapshot::{Chain, EngineKind, Limits, SavedProgram, Snapshot};
use std::path::PathBuf;
use std::sync::Arc;

/// Safepoints a run may reach: every loop and every call tree polls, so
/// this bounds the time of a run (a run that reaches it stops with a
/// snapshot, which is compared like any other outcome).
pub const FUEL: u64 = 2_000;
/// VM memory of a run.
pub const RESERVE: u64 = 16 << 20;
/// The shadow stack of a fresh run.
pub const STACK: u64 = 64 << 10;
/// The call-depth limit of a run.
pub const MAX_DEPTH: u32 = 200;

/// The configuration of a run that stops with a snapshot at its `after`-th
/// safepoint, counting every safepoint.
pub fn config(after: u64) -> Config {
    Config {
        reserve: RESERVE,
        stack_size: STACK,
        max_depth: MAX_DEPTH,
        snapshot_after: Some(after),
        count_safepoints: true,
        huge_pages: false,
    }
}

/// Streams held in memory; no stdin and no preopened directory.
pub fn io() -> Io {
    Io::new(
        Sink::capture(),
        Sink::capture(),
        Source::Bytes(Vec::new(), 0),
    )
}

/// A finished run: its runtime and how it ended (an engine error as its
/// message).
pub struct Ran {
    pub rt: Runtime,
    pub outcome: Result<Outcome, String>,
}

impl Ran {
    /// What the run wrote to stdout and stderr.
    pub fn output(&mut self) -> (Vec<u8>, Vec<u8>) {
        (self.rt.io.captured_stdout(), self.rt.io.captured_stderr())
    }

    /// The runtime's state, memory without its trailing zeros (the end of
    /// valid memory depends on how memory grew, not on its contents).
    pub fn state(&mut self) -> RuntimeState {
        let mut s = self.rt.save_state();
        let len = s.memory.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
        s.memory.truncate(len);
        s
    }

    /// The frames of a run that stopped with a snapshot.
    pub fn frames(&self) -> Option<&[Frame]> {
        match &self.outcome {
            Ok(Outcome::Snapshot(f)) => Some(f),
            _ => None,
        }
    }
}

/// Whether `m` reads the host's clocks (CPU time, the monotonic clock):
/// two runs of it may differ.
pub fn reads_time(m: &pivm_ir::Module) -> bool {
    m.builtins
        .values()
        .any(|b| matches!(b.name.as_str(), "clock" | "__pivm_clock_ns"))
}

/// Whether `m` can wait for time (sleeps, timed waits, a timer): a run may
/// block as long as it asks, so the targets do not run it.
pub fn waits_for_time(m: &pivm_ir::Module) -> bool {
    m.builtins.values().any(|b| {
        matches!(
            b.name.as_str(),
            "__pivm_sleep_until" | "__pivm_futex_wait_until" | "__pivm_alarm"
        )
    })
}

/// Runs `rt` on `engine` from `entry` (its threads and processes as
/// `pivm::sched` schedules them).
pub fn run(engine: &mut dyn Engine, mut rt: Runtime, entry: Entry) -> Ran {
    let outcome = pivm::sched::run(engine, &mut rt, entry).map_err(|e| e.to_string());
    Ran { rt, outcome }
}

/// Runs `prog` from the start on `engine` until it ends or reaches its
/// `after`-th safepoint.
pub fn start(engine: &mut dyn Engine, prog: &Arc<Program>, after: u64) -> Ran {
    let rt = Runtime::new(prog.clone(), config(after), io())
        .unwrap_or_else(|e| panic!("a runtime for a program that fits: {e}"));
    run(
        engine,
        rt,
        Entry::Start {
            args: vec!["fuzz".into()],
        },
    )
}

/// Asserts that two runs ended alike and left the same output and state.
pub fn assert_same(a: &mut Ran, b: &mut Ran, what: &str) {
    assert_eq!(a.outcome, b.outcome, "{what}: outcomes differ");
    let (ao, ae) = a.output();
    let (bo, be) = b.output();
    assert!(
        ao == bo,
        "{what}: stdout differs:\n{}\n----\n{}",
        String::from_utf8_lossy(&ao),
        String::from_utf8_lossy(&bo)
    );
    assert!(ae == be, "{what}: stderr differs");
    let (sa, sb) = (a.state(), b.state());
    let (ma, mb) = (&sa.memory, &sb.memory);
    if let Some(i) = (0..ma.len().max(mb.len())).find(|&i| ma.get(i) != mb.get(i)) {
        panic!(
            "{what}: memory differs first at {i:#x} ({:?} vs {:?})",
            ma.get(i),
            mb.get(i)
        );
    }
    assert_eq!(sa, sb, "{what}: runtime states differ");
}

/// A file of this thread's own for snapshots, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Scratch {
        use std::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let dir = if std::path::Path::new("/dev/shm").is_dir() {
            PathBuf::from("/dev/shm")
        } else {
            std::env::temp_dir()
        };
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        Scratch(dir.join(format!("pivm-fuzz-{}-{n}.snap", std::process::id())))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The bytes of the snapshot `pivm run` writes of `ran`, stopped with
/// `frames` on `engine`.
pub fn snapshot_bytes(ran: &Ran, frames: &[Frame], engine: EngineKind) -> Vec<u8> {
    let program = SavedProgram::from_placed(&ran.rt.prog.module);
    let capture = snap::body_of(
        &ran.rt,
        frames,
        engine,
        &Lineage::default(),
        &program,
        0,
        snap::MemPlan::Full,
    )
    .unwrap_or_else(|e| panic!("cannot capture a snapshot: {e}"));
    let snapshot = Snapshot::new(capture.body);
    let mut out = std::io::Cursor::new(Vec::new());
    pivm_snapshot::write_sections_to(&mut out, &snapshot, &capture.sections)
        .unwrap_or_else(|e| panic!("cannot encode a snapshot: {e}"));
    out.into_inner()
}

/// Restores the snapshot file `bytes` as `pivm resume` does, for a run
/// that stops at its `after`-th safepoint; a refusal as its message.
pub fn restore(bytes: &[u8], after: u64) -> Result<Restored, String> {
    let scratch = Scratch::new();
    std::fs::write(&scratch.0, bytes)
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", scratch.0.display()));
    let chain = Chain::open(&scratch.0).map_err(|e| e.to_string())?;
    let module = pivm_snapshot::validate_file(chain.newest(), &Limits::default())
        .map_err(|e| e.to_string())?;
    snap::restore(&chain, module, config(after), io(), None).map_err(|e| e.message)
}

/// Runs a restored snapshot on `engine`.
pub fn resume(engine: &mut dyn Engine, restored: Restored) -> Ran {
    run(
        engine,
        restored.runtime,
        Entry::Rewind {
            frames: restored.frames,
        },
    )
}
