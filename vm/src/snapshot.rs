//! Snapshot files from and to a runtime: `body_of` turns a runtime and the
//! frames an engine captured into a `pivm_snapshot::Body`, `restore` turns
//! a validated snapshot back into a runtime and frames to rewind, and
//! `write_forked` / `write_sync` write bodies either in a forked child (the
//! program's pause does not grow with its heap) or in the process.
//!
//! Fork safety. pivm is multi-threaded when it forks (control socket,
//! timer, signal watcher, reaper threads), so the child may only use what
//! cannot be held by a thread that does not exist in it:
//! - it builds the body from its copy-on-write image of memory (reading
//!   `/proc/self/pagemap` to skip untouched pages) and writes the file
//!   (`write_atomic_sections`: temporary file, memory straight from its
//!   image, fsync, rename) with plain system calls; it allocates, which is
//!   safe because glibc's `fork`
//!   takes every malloc arena lock before forking and resets them in the
//!   child (pivm targets glibc on every host);
//! - it never touches a Rust lock: not stdout/stderr (its result goes to
//!   the parent through a pipe), not the poll queue, and not the panic
//!   machinery's output, because `install_panic_hook` (run by `main`
//!   before any thread starts) silences the hook in a forked writer;
//! - it ends with `_exit`, running no exit handler and flushing nothing.
//!
//! `vm/tests/snapshots.rs` takes forked snapshots while the control-socket,
//! timer and signal threads are live.
use pivm_ir::contract::{MAX_ACCESS, NULL_PAGE};
use pivm_ir::frame::Frame;
use pivm_ir::write::MemTypeDisplay;
use pivm_ir::Module;
use pivm_snapshot::{
    capture_extents, Body, Counters, EngineKind, Hop, Host, IoState, MemSection, MemoryLayout,
    SavedFile, SavedMemory, Snapshot, SnapshotFile,
};
use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::alloc::Allocation;
use crate::error::VmError;
use crate::interp::check_frames;
use crate::io::{FileState, Io};
use crate::poll::Request;
use crate::program::Program;
use crate::rand::RandState;
use crate::runtime::{Config, Runtime, RuntimeState};

/// What a run inherits from the snapshot it resumed (empty for a fresh
/// run): the hops so far and the counters over them.
#[derive(Clone, Debug, Default)]
pub struct Lineage {
    pub history: Vec<Hop>,
    /// Safepoints reached before this run, over every hop.
    pub safepoints: u64,
    /// Snapshots taken before this run.
    pub snapshots: u64,
}

/// A snapshot ready to write: its body (without memory) and the memory
/// sections to write, borrowed straight from VM memory.
pub struct Capture<'a> {
    pub body: Body,
    pub sections: Vec<MemSection<'a>>,
}

/// The extents of `rt`'s memory a snapshot with `layout` saves: the
/// non-zero pages of its areas (`capture_extents`). Pages the host never
/// backed are skipped without being read (`Memory::touched`, when pagemap
/// works here), so untouched memory is neither scanned nor faulted in.
pub fn memory_extents(rt: &Runtime, layout: &MemoryLayout, use_pagemap: bool) -> Vec<(u64, u64)> {
    let mem = rt.mem.bytes();
    let touched = if use_pagemap {
        rt.mem.touched(NULL_PAGE, mem.len() as u64)
    } else {
        None
    };
    capture_extents(mem, layout, touched.as_deref())
}

/// The snapshot of `rt` stopped with `frames` (innermost first) on
/// `engine`; `taken` snapshots were taken earlier in this run.
pub fn body_of<'a>(
    rt: &'a Runtime,
    frames: &[Frame],
    engine: EngineKind,
    lineage: &Lineage,
    program: &pivm_snapshot::SavedProgram,
    taken: u64,
) -> Result<Capture<'a>, VmError> {
    let prog = &rt.prog;
    let m = &prog.module;
    let err = |e: pivm_snapshot::SnapshotError| VmError::new(e.to_string());
    let inner = frames
        .first()
        .ok_or_else(|| VmError::new("no frames to snapshot"))?;
    let sp = inner.stack_base + prog.frame_size(inner.func);
    let layout = MemoryLayout {
        data_start: NULL_PAGE,
        data_end: prog.mem.data_end.max(NULL_PAGE),
        stack_start: prog.mem.stack_start,
        stack_end: prog.mem.stack_end,
        sp,
        stack_limit: prog.mem.stack_end,
        heap_start: prog.mem.heap_start,
        heap_end: rt.mem.max_top().max(rt.heap.heap_top()),
        heap_top: rt.heap.heap_top(),
    };
    let allocations = rt
        .heap
        .table()
        .map(|a| pivm_snapshot::SavedAllocation {
            addr: a.addr,
            size: a.size,
            ty: a.ty.as_ref().map(|ty| {
                MemTypeDisplay {
                    ty,
                    types: &m.types,
                }
                .to_string()
            }),
        })
        .collect();
    let frames = frames
        .iter()
        .map(|f| pivm_snapshot::SavedFrame::from_ir(f, m))
        .collect::<Result<Vec<_>, _>>()
        .map_err(err)?;
    let io = IoState {
        stdout_written: rt.io.stdout_written,
        stderr_written: rt.io.stderr_written,
        stdin_consumed: rt.io.stdin_read,
        stdout_pending: Vec::new(),
        stderr_pending: Vec::new(),
        stdin_eof: rt.io.stdin_eof,
        files: rt
            .io
            .files()
            .into_iter()
            .map(|f| SavedFile {
                handle: f.handle,
                path: f.path,
                mode: f.mode,
                offset: f.offset,
                eof: f.eof,
            })
            .collect(),
        next_handle: rt.io.next_handle(),
    };
    let counters = Counters {
        safepoints: lineage.safepoints + rt.safepoints_reached,
        snapshots: lineage.snapshots + taken,
        call_depth_limit: rt.config.max_depth,
        rand: Some(pivm_snapshot::SavedRand {
            table: rt.rand.table.clone(),
            front: rt.rand.front as u32,
            rear: rt.rand.rear as u32,
        }),
    };
    let mut history = lineage.history.clone();
    history.push(Hop::now(engine, rt.safepoints_reached));
    let mem = rt.mem.bytes();
    let sections = memory_extents(rt, &layout, true)
        .into_iter()
        .map(|(s, e)| MemSection {
            start: s,
            bytes: &mem[s as usize..e as usize],
        })
        .collect();
    let body = Body {
        source: Host::current(),
        engine,
        history,
        program: program.clone(),
        memory: SavedMemory {
            layout,
            regions: Vec::new(),
            allocations,
        },
        frames,
        io,
        counters,
        extra: Default::default(),
    };
    Ok(Capture { body, sections })
}

/// A runtime rebuilt from a snapshot, ready to rewind `frames`.
pub struct Restored {
    pub runtime: Runtime,
    pub frames: Vec<Frame>,
    pub lineage: Lineage,
}

/// Rebuilds the runtime of the snapshot `file`, already
/// `pivm_snapshot::validate_file`d into `module`: lays the program out with
/// the snapshot's stack, checks that the layout is the snapshot's, reads
/// memory straight from the file into VM memory (every section's checksum
/// checked), restores heap, streams, files and rand, and checks the frames
/// against the program (`check_frames`).
pub fn restore(
    file: &SnapshotFile,
    module: Module,
    mut config: Config,
    io: Io,
) -> Result<Restored, VmError> {
    let b = &file.snapshot.body;
    let l = &b.memory.layout;
    let stack_size = l.stack_end - l.stack_start;
    let prog = Program::new(module, stack_size)?;
    let want = (
        prog.mem.data_end.max(NULL_PAGE),
        prog.mem.stack_start,
        prog.mem.stack_end,
        prog.mem.heap_start,
    );
    let got = (l.data_end, l.stack_start, l.stack_end, l.heap_start);
    if want != got || l.data_start != NULL_PAGE {
        return Err(VmError::new(format!(
            "the snapshot's memory layout (data end {:#x}, stack {:#x}..{:#x}, heap start {:#x}) \
             is not its program's ({:#x}, {:#x}..{:#x}, {:#x})",
            got.0, got.1, got.2, got.3, want.0, want.1, want.2, want.3
        )));
    }
    // The snapshot's limit applies, within what the resuming host allows
    // (its --max-depth): an untrusted file cannot lift the host's bound.
    if b.counters.call_depth_limit != 0 {
        config.max_depth = config.max_depth.min(b.counters.call_depth_limit);
    }
    // The image: every byte up to the last section or the heap top.
    let end = file
        .sections
        .iter()
        .map(|s| s.end())
        .chain([l.heap_top.saturating_add(MAX_ACCESS), l.heap_start])
        .max()
        .unwrap_or(0);
    if end > config.reserve {
        return Err(VmError::new(format!(
            "the snapshot's memory ({end} bytes) does not fit the reservation of {} bytes",
            config.reserve
        )));
    }
    let types = pivm_ir::MemTypeParser::new(&prog.module);
    let allocations = b
        .memory
        .allocations
        .iter()
        .map(|a| {
            let ty = match &a.ty {
                Some(t) => Some(types.parse(t).map_err(|e| {
                    VmError::new(format!("allocation at {:#x}: bad type: {e}", a.addr))
                })?),
                None => None,
            };
            Ok(Allocation {
                addr: a.addr,
                size: a.size,
                ty,
            })
        })
        .collect::<Result<Vec<_>, VmError>>()?;
    let rand = match &b.counters.rand {
        Some(r) => RandState {
            table: r.table.clone(),
            front: r.front as usize,
            rear: r.rear as usize,
        },
        None => RandState::new(1),
    };
    let mut next_handle = b.io.next_handle;
    if next_handle == 0 {
        next_handle =
            b.io.files
                .iter()
                .map(|f| f.handle + 1)
                .max()
                .unwrap_or(crate::io::FIRST_FILE)
                .max(crate::io::FIRST_FILE);
    }
    let state = RuntimeState {
        stack_size,
        memory: Vec::new(),
        heap_top: l.heap_top,
        allocations,
        rand,
        stdout_written: b.io.stdout_written,
        stderr_written: b.io.stderr_written,
        stdin_read: b.io.stdin_consumed,
        stdin_eof: b.io.stdin_eof,
        files: b
            .io
            .files
            .iter()
            .map(|f| FileState {
                handle: f.handle,
                path: f.path.clone(),
                mode: f.mode.clone(),
                offset: f.offset,
                eof: f.eof,
            })
            .collect(),
        next_handle,
        safepoints_reached: b.counters.safepoints,
    };
    let frames: Vec<Frame> = b.frames.iter().map(|f| f.to_ir()).collect();
    let load = |mem: &mut crate::memory::Memory| {
        mem.load_image(end, |image| file.load_into(image))?
            .map_err(|e| VmError::new(e.to_string()))
    };
    let mut runtime = Runtime::restore_with(Arc::new(prog), config, io, &state, load)?;
    check_frames(&runtime.prog, &frames, runtime.config.max_depth)?;
    // Output the snapshot had not delivered is written first.
    if !b.io.stdout_pending.is_empty() || !b.io.stderr_pending.is_empty() {
        let io = &mut runtime.io;
        io.stdout_written = io
            .stdout_written
            .saturating_sub(b.io.stdout_pending.len() as u64);
        io.stderr_written = io
            .stderr_written
            .saturating_sub(b.io.stderr_pending.len() as u64);
        let _ = runtime
            .io
            .write(pivm_ir::builtins::STDOUT, &b.io.stdout_pending);
        let _ = runtime
            .io
            .write(pivm_ir::builtins::STDERR, &b.io.stderr_pending);
    }
    Ok(Restored {
        runtime,
        frames,
        lineage: Lineage {
            history: b.history.clone(),
            safepoints: b.counters.safepoints,
            snapshots: b.counters.snapshots + 1,
        },
    })
}

/// Writes the captured snapshot to every path in `paths`, memory straight
/// from VM memory; the size of each file.
pub fn write_all(capture: Capture, paths: &[PathBuf], durable: bool) -> Result<Vec<u64>, VmError> {
    let snap = Snapshot::new(capture.body);
    paths
        .iter()
        .map(|p| {
            pivm_snapshot::write_atomic_sections(p, &snap, &capture.sections, durable)
                .map_err(|e| VmError::new(e.to_string()))
        })
        .collect()
}

/// One snapshot being written, and who waits for it.
pub struct Job {
    /// Where to write, each with the requests that asked for that path.
    pub targets: Vec<(PathBuf, Vec<Request>)>,
    /// When the safepoint that took it was reached.
    pub at: Instant,
    /// From the oldest request to the safepoint.
    pub latency: Duration,
    /// The sequence number of the snapshot in this run (1-based).
    pub seq: u64,
    /// Whether the file is fsynced (always, except to measure writes into
    /// the page cache: `PIVM_SNAPSHOT_FSYNC=0`).
    pub durable: bool,
}

/// How a snapshot write ended.
#[derive(Debug)]
pub struct Written {
    pub seq: u64,
    pub paths: Vec<PathBuf>,
    /// The size of each file, or why writing failed.
    pub result: Result<Vec<u64>, String>,
    /// From the safepoint until the file was complete.
    pub total: Duration,
    pub latency: Duration,
    /// From the safepoint until the program ran again (set by the caller).
    pub pause: Duration,
}

impl Written {
    /// The `pivm: stats:` line of this snapshot.
    pub fn stats_line(&self) -> String {
        let bytes: u64 = self.result.as_ref().map_or(0, |b| b.iter().sum());
        format!(
            "pivm: stats: snapshot={} pause_ms={:.3} total_ms={:.3} bytes={bytes} latency_ms={:.3}",
            self.seq,
            ms(self.pause),
            ms(self.total),
            ms(self.latency)
        )
    }
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Answers the control-socket clients of a finished job.
fn reply_all(targets: Vec<(PathBuf, Vec<Request>)>, result: &Result<Vec<u64>, String>) {
    for (i, (path, reqs)) in targets.into_iter().enumerate() {
        for r in reqs {
            if let Some(mut s) = r.reply {
                let line = match result {
                    Ok(sizes) => format!(
                        "ok {} {} {:.3}\n",
                        path.display(),
                        sizes.get(i).copied().unwrap_or(0),
                        ms(r.at.elapsed())
                    ),
                    Err(e) => format!("error {}\n", e.replace('\n', " ")),
                };
                let _ = s.write_all(line.as_bytes());
            }
        }
    }
}

/// Answers queued requests that no snapshot will serve.
pub fn refuse(reqs: Vec<Request>, why: &str) {
    for r in reqs {
        if let Some(mut s) = r.reply {
            let _ = s.write_all(format!("error {why}\n").as_bytes());
        }
    }
}

/// Writes `build()` synchronously for `job`, answering its clients.
pub fn write_sync<'a>(job: Job, build: impl FnOnce() -> Result<Capture<'a>, VmError>) -> Written {
    let paths: Vec<PathBuf> = job.targets.iter().map(|t| t.0.clone()).collect();
    let result = build()
        .and_then(|body| write_all(body, &paths, job.durable))
        .map_err(|e| e.message);
    let total = job.at.elapsed();
    reply_all(job.targets, &result);
    Written {
        seq: job.seq,
        paths,
        result,
        total,
        latency: job.latency,
        pause: total,
    }
}

/// A snapshot written by a forked child; `finish` waits for it.
pub enum Background {
    Reaper(JoinHandle<Option<Written>>),
    Done(Box<Written>),
}

impl Background {
    /// Waits for the child and returns how the write ended.
    pub fn finish(self) -> Written {
        match self {
            Background::Reaper(t) => t.join().ok().flatten().unwrap_or_else(|| Written {
                seq: 0,
                paths: Vec::new(),
                result: Err("the snapshot reaper panicked".into()),
                total: Duration::ZERO,
                latency: Duration::ZERO,
                pause: Duration::ZERO,
            }),
            Background::Done(w) => *w,
        }
    }
}

/// Set in a forked writer child: the panic hook then prints nothing.
static IN_FORKED_WRITER: AtomicBool = AtomicBool::new(false);

/// Wraps the process's panic hook so that it does nothing in a forked
/// snapshot writer, where the stderr lock may be held by a thread that does
/// not exist in the child (a panic there is reported through the pipe).
/// Call once at startup, after setting the hook and before any thread is
/// started.
pub fn install_panic_hook() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !IN_FORKED_WRITER.load(Ordering::Relaxed) {
            default(info)
        }
    }));
}

/// Forks a child that builds the body with `build` and writes it, and a
/// thread that reaps the child and answers the job's clients. Gives the
/// job back when the fork fails, so the caller can write synchronously.
pub fn write_forked<'a>(
    job: Job,
    build: impl FnOnce() -> Result<Capture<'a>, VmError>,
) -> Result<Background, (Job, String)> {
    let paths: Vec<PathBuf> = job.targets.iter().map(|t| t.0.clone()).collect();
    let durable = job.durable;
    let mut fds = [0i32; 2];
    // SAFETY: `fds` has room for the two descriptors pipe returns.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err((job, std::io::Error::last_os_error().to_string()));
    }
    // SAFETY: pipe2 returned two fresh descriptors that we own.
    let (rd, wr) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    // SAFETY: the child only builds the body, writes the files and reports
    // through the pipe, then `_exit`s (see "Fork safety" above).
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err((job, std::io::Error::last_os_error().to_string()));
    }
    if pid == 0 {
        IN_FORKED_WRITER.store(true, Ordering::Relaxed);
        drop(rd);
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            build().and_then(|body| write_all(body, &paths, durable))
        }));
        let msg = match result {
            Ok(Ok(sizes)) => {
                let v: Vec<String> = sizes.iter().map(u64::to_string).collect();
                format!("ok {}", v.join(" "))
            }
            Ok(Err(e)) => format!("error {}", e.message),
            Err(_) => "error the snapshot writer panicked".to_string(),
        };
        let mut f = std::fs::File::from(wr);
        let _ = f.write_all(msg.as_bytes());
        drop(f);
        // SAFETY: ends the child without running the parent's exit
        // handlers or flushing its stdio buffers.
        unsafe { libc::_exit(0) };
    }
    drop(wr);
    let reap = move || {
        let mut msg = String::new();
        let _ = std::fs::File::from(rd).read_to_string(&mut msg);
        let mut status = 0;
        // SAFETY: `pid` is our child, reaped only here.
        unsafe { libc::waitpid(pid, &mut status, 0) };
        let total = job.at.elapsed();
        let result = if let Some(sizes) = msg.strip_prefix("ok") {
            Ok(sizes
                .split_whitespace()
                .filter_map(|s| s.parse().ok())
                .collect())
        } else if let Some(e) = msg.strip_prefix("error ") {
            Err(e.to_string())
        } else {
            Err(format!(
                "the snapshot writer died (wait status {status:#x})"
            ))
        };
        reply_all(job.targets, &result);
        Written {
            seq: job.seq,
            paths,
            result,
            total,
            latency: job.latency,
            pause: Duration::ZERO,
        }
    };
    // The reaper runs on its own thread so that control-socket clients get
    // their answer as soon as the file is complete; if no thread can be
    // started, reap here.
    let reap = std::sync::Arc::new(std::sync::Mutex::new(Some(reap)));
    let r2 = reap.clone();
    let spawned = std::thread::Builder::new()
        .name("pivm-reaper".into())
        .spawn(move || {
            let f = r2.lock().ok().and_then(|mut g| g.take());
            f.map(|f| f())
        });
    match spawned {
        Ok(t) => Ok(Background::Reaper(t)),
        Err(_) => {
            let f = reap.lock().ok().and_then(|mut g| g.take());
            match f {
                Some(f) => Ok(Background::Done(Box::new(f()))),
                None => Err((empty_job(), "the snapshot reaper failed".into())),
            }
        }
    }
}

fn empty_job() -> Job {
    Job {
        targets: Vec::new(),
        at: Instant::now(),
        latency: Duration::ZERO,
        seq: 0,
        durable: true,
    }
}

/// The default snapshot path of a program: `<stem>.msgpack` in the
/// current directory.
pub fn default_path(source: &Path) -> PathBuf {
    let stem = source
        .file_stem()
        .map_or_else(|| "pivm".into(), |s| s.to_string_lossy().into_owned());
    PathBuf::from(format!("{stem}.msgpack"))
}
