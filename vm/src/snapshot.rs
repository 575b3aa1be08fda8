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
//!   (`write_atomic_sections_via`: the temporary file the parent named,
//!   memory from its image, through a 2 MiB buffer of its own when it
//!   goes with direct I/O, fsync, rename) with plain system calls; it
//!   allocates, which is safe because glibc's `fork` takes every malloc
//!   arena lock before forking and resets them in the child (pivm targets
//!   glibc on every host);
//! - it starts no thread: `pivm_snapshot::no_helper_threads` makes it
//!   checksum memory on its one thread (and leaves the other core to the
//!   program);
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
use pivm_ir::{FuncId, MemType, Module};
use pivm_snapshot::{
    capture_extents, AllocTable, Body, ByteString, Chain, Counters, Direct, EngineKind, FileInfo,
    Hop, Host, IoState, MemSection, MemoryLayout, Parent, SavedFamily, SavedFd, SavedFile,
    SavedMemory, SavedPipe, SavedThread, SavedThreads, SavedTimers, SavedZombie, Snapshot,
    WriteOptions, THREAD_CHILD, THREAD_DONE, THREAD_FUTEX, THREAD_JOIN, THREAD_PIPE,
    THREAD_RUNNABLE, THREAD_SLEEP,
};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::alloc::{Allocator, TY_BYTES, TY_NONE};
use crate::dirty::{self, PageHashes, SharedTable};
use crate::error::VmError;
use crate::interp::check_frames;
use crate::io::{FileState, Io};
use crate::poll::Request;
use crate::program::Program;
use crate::rand::RandState;
use crate::runtime::{Config, Runtime, RuntimeState};
use crate::sched;

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

/// The memory layout a snapshot of `rt` stopped with `frames` records.
/// Its `sp` is the first thread's (the others' stacks are heap blocks).
pub fn layout_of(rt: &Runtime, frames: &[Frame]) -> Result<MemoryLayout, VmError> {
    if frames.is_empty() {
        return Err(VmError::new("no frames to snapshot"));
    }
    let th = &rt.threads;
    let main_frames = if th.current().id == sched::MAIN_ID {
        frames
    } else {
        main_thread_frames(th)
    };
    Ok(layout_with(rt, main_frames))
}

/// The frames of thread 1 while it is parked (none if it has ended).
fn main_thread_frames(th: &sched::Threads) -> &[Frame] {
    match th.find(sched::MAIN_ID) {
        Some(i) => th.list[i].frames.as_slice(),
        None => &[],
    }
}

/// The layout of a process that is not running (every thread parked).
fn layout_of_parked(o: &Runtime) -> MemoryLayout {
    layout_with(o, main_thread_frames(&o.threads))
}

/// The layout of `rt`'s memory with thread 1 stopped at `main_frames`.
fn layout_with(rt: &Runtime, main_frames: &[Frame]) -> MemoryLayout {
    let prog = &rt.prog;
    let sp = match main_frames.first() {
        Some(inner) => inner.stack_base + prog.frame_size(inner.func),
        None => prog.mem.stack_start,
    };
    MemoryLayout {
        data_start: NULL_PAGE,
        data_end: prog.mem.data_end.max(NULL_PAGE),
        stack_start: prog.mem.stack_start,
        stack_end: prog.mem.stack_end,
        sp,
        stack_limit: prog.mem.stack_end,
        heap_start: prog.mem.heap_start,
        heap_end: rt.mem.max_top().max(rt.heap.heap_top()),
        heap_top: rt.heap.heap_top(),
    }
}

/// Which memory a snapshot holds.
pub enum MemPlan<'p> {
    /// A full snapshot: every non-zero page.
    Full,
    /// A full snapshot that starts a chain: every non-zero page, and every
    /// page's hash into `out` for the next delta.
    FullHashed { seed: u64, out: &'p mut SharedTable },
    /// A delta: the pages changed since `parent` was taken, the file
    /// `link` names; every page's hash into `out`.
    Delta {
        parent: &'p PageHashes,
        link: Parent,
        out: &'p mut SharedTable,
        /// The pages written since `parent` was taken, when tracked
        /// (`wp::WriteTracker`): the others keep `parent`'s hash.
        written: Option<&'p [(u64, u64)]>,
    },
}

/// The allocation table of `heap`, packed in address order, each distinct
/// type written out once (millions of allocations share a few types).
pub fn alloc_table(heap: &Allocator, m: &pivm_ir::Module) -> AllocTable {
    let mut t = AllocTable::new();
    // Type id -> the table's number for it (0: not seen yet); `[n x i8]`
    // blocks (`TY_BYTES`) by n.
    let mut by_id: Vec<u32> = Vec::new();
    let mut by_len: HashMap<u64, u32, foldhash::fast::FixedState> = HashMap::default();
    let add = |t: &mut AllocTable, ty: &MemType| {
        t.add_type(
            MemTypeDisplay {
                ty,
                types: &m.types,
            }
            .to_string()
            .into(),
        )
    };
    heap.for_each_block(|addr, size, id| {
        let k = match id {
            TY_NONE => 0,
            TY_BYTES => *by_len.entry(size).or_insert_with(|| {
                add(
                    &mut t,
                    &MemType::Array(Box::new(MemType::Scalar(pivm_ir::Type::I8)), size),
                )
            }),
            _ => {
                let i = id as usize;
                if by_id.len() <= i {
                    by_id.resize(i + 1, 0);
                }
                if by_id[i] == 0 {
                    by_id[i] = match heap.type_of_id(id) {
                        Some(ty) => add(&mut t, ty),
                        None => 0,
                    };
                }
                by_id[i]
            }
        };
        t.push(addr, size, k);
    });
    t
}

/// What a snapshot records of `rt`'s counters and generator state, with
/// these safepoint and snapshot counts.
fn counters_of(rt: &Runtime, safepoints: u64, snapshots: u64) -> Counters {
    Counters {
        safepoints,
        snapshots,
        call_depth_limit: rt.config.max_depth,
        rand: Some(pivm_snapshot::SavedRand {
            table: rt.rand.table.clone(),
            front: rt.rand.front as u32,
            rear: rt.rand.rear as u32,
        }),
        jmp_serial: rt.jmp_serial,
    }
}

/// What a snapshot records of `rt`'s streams.
fn io_state(rt: &Runtime) -> IoState {
    IoState {
        stdout_written: rt.io.stdout_written,
        stderr_written: rt.io.stderr_written,
        stdin_consumed: rt.io.stdin_read,
        stdout_pending: Vec::new(),
        stderr_pending: Vec::new(),
        stdin_eof: rt.io.stdin_eof,
        stdin_unread: rt.io.stdin_unread.clone(),
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
                temp: f.temp,
            })
            .collect(),
        next_handle: rt.io.next_handle(),
    }
}

/// The snapshot of `rt` stopped with `frames` (innermost first) on
/// `engine`, holding the memory `plan` says; `taken` snapshots were taken
/// earlier in this run.
pub fn body_of<'a>(
    rt: &'a Runtime,
    frames: &[Frame],
    engine: EngineKind,
    lineage: &Lineage,
    program: &pivm_snapshot::SavedProgram,
    taken: u64,
    plan: MemPlan,
) -> Result<Capture<'a>, VmError> {
    let prog = &rt.prog;
    let m = &prog.module;
    let err = |e: pivm_snapshot::SnapshotError| VmError::new(e.to_string());
    let layout = layout_of(rt, frames)?;
    let allocations = alloc_table(&rt.heap, m);
    let frames = frames
        .iter()
        .map(|f| pivm_snapshot::SavedFrame::from_ir(f, m))
        .collect::<Result<Vec<_>, _>>()
        .map_err(err)?;
    let io = io_state(rt);
    let counters = counters_of(
        rt,
        lineage.safepoints + rt.safepoints_reached,
        lineage.snapshots + taken,
    );
    let mut history = lineage.history.clone();
    history.push(Hop::now(engine, rt.safepoints_reached));
    let mem = rt.mem.bytes();
    let mut parent = None;
    let extents = match plan {
        MemPlan::Full => memory_extents(rt, &layout, true),
        MemPlan::FullHashed { seed, out } => {
            let touched = rt.mem.touched(NULL_PAGE, mem.len() as u64);
            dirty::hash_pages_shared(mem, touched.as_deref(), None, seed, out);
            capture_extents(mem, &layout, touched.as_deref())
        }
        MemPlan::Delta {
            parent: from,
            link,
            out,
            written,
        } => {
            let touched = rt.mem.touched(NULL_PAGE, mem.len() as u64);
            let reuse = written.map(|written| dirty::Reuse {
                hashes: &from.hashes,
                written,
            });
            dirty::hash_pages_shared(mem, touched.as_deref(), reuse, from.seed, out);
            parent = Some(link);
            dirty::delta_extents(mem, &layout, out.as_mut_slice(), from)
        }
    };
    let sections = extents
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
        extra: heap_extra(&rt.heap),
        parent,
        threads: saved_threads(rt, rt.world.is_some())?,
        family: saved_family(rt, engine, program)?,
        timers: saved_timers(rt),
    };
    Ok(Capture { body, sections })
}

/// The clock and the process's timer, for a program that keeps time.
fn saved_timers(rt: &Runtime) -> Option<SavedTimers> {
    rt.prog.timed.then(|| SavedTimers {
        clock: rt.timer.now(),
        alarm: rt.proc.alarm.map(|a| a.0),
        interval: rt.proc.alarm.map_or(0, |a| a.1),
    })
}

/// The thread table of a snapshot of `rt`: `None` for a program that has
/// only ever had its first thread, unless `always` (a program with
/// processes: the schedule's state and each thread's blocking matter).
fn saved_threads(rt: &Runtime, always: bool) -> Result<Option<SavedThreads>, VmError> {
    let th = &rt.threads;
    if !th.several() && !always {
        return Ok(None);
    }
    let m = &rt.prog.module;
    let threads = th
        .list
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let (state, arg) = match t.state {
                sched::State::Runnable => (THREAD_RUNNABLE, 0),
                sched::State::Futex(a) => (THREAD_FUTEX, a),
                sched::State::Join(id) => (THREAD_JOIN, id),
                sched::State::Done(v) => (THREAD_DONE, v),
                sched::State::Child(pid) => (THREAD_CHILD, pid as u32 as u64),
                sched::State::Pipe(id) => (THREAD_PIPE, id as u64),
                sched::State::Sleep => (THREAD_SLEEP, 0),
            };
            // The running (or, parked, the last) thread's frames are the
            // body's.
            let own: &[Frame] = if i == th.current { &[] } else { &t.frames };
            let frames = own
                .iter()
                .map(|f| pivm_snapshot::SavedFrame::from_ir(f, m))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| VmError::new(e.to_string()))?;
            Ok(SavedThread {
                id: t.id,
                state: state.to_string(),
                arg,
                since: t.since,
                detached: t.detached,
                root: t.root.0,
                root_name: rt.prog.func_name(t.root).to_string(),
                start: t.start.clone(),
                frames,
                stack_start: t.stack.0,
                stack_end: t.stack.1,
                block: t.block,
                tls: t.tls,
                until: Some(t.deadline()).filter(|&d| d != crate::timer::NEVER),
                interrupted: t.interrupted,
            })
        })
        .collect::<Result<Vec<_>, VmError>>()?;
    Ok(Some(SavedThreads {
        current: th.current().id,
        next_id: th.next_id,
        slice_left: th.slice_end.saturating_sub(rt.safepoints_reached),
        switch_now: th.switch_now,
        switch_due: th.switch_due,
        clock: th.clock,
        threads,
    }))
}

/// The process record of `rt` (`None` for a program that never forked or
/// made a pipe and has nothing pending at its safepoint); with `world`,
/// the other processes and the pipes too.
fn saved_family(
    rt: &Runtime,
    engine: EngineKind,
    program: &pivm_snapshot::SavedProgram,
) -> Result<Option<SavedFamily>, VmError> {
    let alone;
    let w = match &rt.world {
        Some(w) => w,
        // A lone process records what its safepoint has yet to serve: a
        // fork asked for, a signal from the timer.
        None if rt.proc.fork == crate::proc::Fork::None
            && !rt.proc.signalled
            && rt.proc.killed.is_none() =>
        {
            return Ok(None)
        }
        None => {
            alone = crate::proc::World::new();
            &alone
        }
    };
    let mut f = own_record(rt);
    f.others = w
        .others
        .iter()
        .map(|o| parked_body(o, engine, program))
        .collect::<Result<Vec<_>, _>>()?;
    f.zombies = w
        .zombies
        .iter()
        .map(|z| SavedZombie {
            pid: z.pid,
            ppid: z.ppid,
            status: z.status,
        })
        .collect();
    f.pipes = w
        .pipes
        .iter()
        .map(|(&id, p)| SavedPipe {
            id,
            bytes: pivm_snapshot::ByteString(p.buf.iter().copied().collect()),
            readers: p.readers,
            writers: p.writers,
        })
        .collect();
    f.next_pid = w.next_pid;
    f.next_pipe = w.next_pipe;
    f.root_status = w.root_status;
    Ok(Some(f))
}

/// A process's own part of its record.
fn own_record(rt: &Runtime) -> SavedFamily {
    let p = &rt.proc;
    let (fork, fork_value) = match p.fork {
        crate::proc::Fork::None => ("none", 0),
        crate::proc::Fork::Requested => ("requested", 0),
        crate::proc::Fork::Done(v) => ("done", v),
    };
    SavedFamily {
        pid: p.pid,
        ppid: p.ppid,
        fds: p
            .fds
            .iter()
            .map(|(&fd, &(pipe, end))| SavedFd {
                fd,
                pipe,
                end: match end {
                    crate::proc::End::Read => "read",
                    crate::proc::End::Write => "write",
                }
                .to_string(),
            })
            .collect(),
        fork: fork.to_string(),
        fork_value,
        signalled: p.signalled,
        killed: p.killed,
        epipe: p.epipe,
        ..SavedFamily::default()
    }
}

/// The body of a process that is not running: its memory as regions, its
/// current thread's frames as the body's, the program by hash only.
fn parked_body(
    o: &Runtime,
    engine: EngineKind,
    program: &pivm_snapshot::SavedProgram,
) -> Result<Body, VmError> {
    let m = &o.prog.module;
    let err = |e: pivm_snapshot::SnapshotError| VmError::new(e.to_string());
    let frames = &o.threads.current().frames;
    let layout = layout_of_parked(o);
    let mut family = own_record(o);
    family.memory = pivm_snapshot::capture_regions(o.mem.bytes(), &layout);
    Ok(Body {
        source: Host::current(),
        engine,
        history: Vec::new(),
        program: pivm_snapshot::SavedProgram {
            text: String::new(),
            hash: program.hash,
        },
        memory: SavedMemory {
            layout,
            regions: Vec::new(),
            allocations: alloc_table(&o.heap, m),
        },
        frames: frames
            .iter()
            .map(|f| pivm_snapshot::SavedFrame::from_ir(f, m))
            .collect::<Result<Vec<_>, _>>()
            .map_err(err)?,
        io: io_state(o),
        counters: counters_of(o, o.safepoints_reached, 0),
        extra: heap_extra(&o.heap),
        parent: None,
        threads: saved_threads(o, true)?,
        family: Some(family),
        timers: saved_timers(o),
    })
}

/// A process's own part of its record (validated).
fn proc_of(f: &SavedFamily) -> crate::proc::Proc {
    use crate::proc::{End, Fork};
    crate::proc::Proc {
        pid: f.pid,
        ppid: f.ppid,
        fds: f
            .fds
            .iter()
            .map(|d| {
                let end = if d.end == "read" {
                    End::Read
                } else {
                    End::Write
                };
                (d.fd, (d.pipe, end))
            })
            .collect(),
        fork: match f.fork.as_str() {
            "requested" => Fork::Requested,
            "done" => Fork::Done(f.fork_value),
            _ => Fork::None,
        },
        signalled: f.signalled,
        killed: f.killed,
        died_of: None,
        epipe: f.epipe,
        alarm: None,
    }
}

/// The processes and pipes a snapshot's top-level body records, around
/// the restored running process `rt`.
fn restore_family(rt: &mut Runtime, f: &SavedFamily) -> Result<(), VmError> {
    rt.proc = proc_of(f);
    let mut w = crate::proc::World::new();
    w.next_pid = f.next_pid;
    w.next_pipe = f.next_pipe;
    w.root_status = f.root_status;
    w.zombies = f
        .zombies
        .iter()
        .map(|z| crate::proc::Zombie {
            pid: z.pid,
            ppid: z.ppid,
            status: z.status,
        })
        .collect();
    w.pipes = f
        .pipes
        .iter()
        .map(|p| {
            let pipe = crate::proc::Pipe {
                buf: p.bytes.0.iter().copied().collect(),
                readers: p.readers,
                writers: p.writers,
            };
            (p.id, pipe)
        })
        .collect();
    for b in &f.others {
        let o = restore_parked(rt, b)?;
        w.insert(o);
    }
    rt.world = Some(Box::new(w));
    Ok(())
}

/// The `extra` entries that keep the allocator's history of zeroing
/// freed extents (`Allocator::discard_min`, `Allocator::discarded`):
/// eight bytes each, little-endian.
const DISCARD_MIN_KEY: &str = "alloc.discard_min";
const DISCARDED_KEY: &str = "alloc.discarded";
/// The `extra` entry of the allocator's current slabs that a rebuild from
/// the table would not pick (`Allocator::current_slabs`): their start
/// addresses, eight bytes each, little-endian.
const CURRENT_KEY: &str = "alloc.current";

/// The allocator's history a body keeps in `extra`.
fn heap_extra(heap: &crate::alloc::Allocator) -> std::collections::BTreeMap<String, ByteString> {
    let mut extra = std::collections::BTreeMap::new();
    if heap.discard_min() != crate::alloc::DISCARD_MIN {
        extra.insert(
            DISCARD_MIN_KEY.to_string(),
            ByteString(heap.discard_min().to_le_bytes().to_vec()),
        );
    }
    if heap.discarded() != 0 {
        extra.insert(
            DISCARDED_KEY.to_string(),
            ByteString(heap.discarded().to_le_bytes().to_vec()),
        );
    }
    let current = heap.current_slabs();
    if !current.is_empty() {
        let bytes = current.iter().flat_map(|a| a.to_le_bytes()).collect();
        extra.insert(CURRENT_KEY.to_string(), ByteString(bytes));
    }
    extra
}

/// The allocator's current slabs from `extra` (`heap_extra`); none if
/// absent.
fn extra_current(
    extra: &std::collections::BTreeMap<String, ByteString>,
) -> Result<Vec<u64>, VmError> {
    let Some(v) = extra.get(CURRENT_KEY) else {
        return Ok(Vec::new());
    };
    if !v.0.len().is_multiple_of(8) {
        return Err(VmError::new(format!(
            "bad snapshot: extra entry {CURRENT_KEY} has {} bytes, not a multiple of 8",
            v.0.len()
        )));
    }
    Ok(v.0
        .chunks_exact(8)
        .map(|c| u64::from_le_bytes(c.try_into().expect("eight bytes")))
        .collect())
}

/// The `extra` entry `key` as a u64 (`heap_extra`); `None` if absent.
fn extra_u64(
    extra: &std::collections::BTreeMap<String, ByteString>,
    key: &str,
) -> Result<Option<u64>, VmError> {
    let Some(v) = extra.get(key) else {
        return Ok(None);
    };
    let bytes: [u8; 8] = v.0.as_slice().try_into().map_err(|_| {
        VmError::new(format!(
            "bad snapshot: extra entry {key} has {} bytes, not 8",
            v.0.len()
        ))
    })?;
    Ok(Some(u64::from_le_bytes(bytes)))
}

/// A process that was not running, from its (validated) body: memory from
/// its regions, its threads parked.
fn restore_parked(rt: &Runtime, b: &Body) -> Result<Runtime, VmError> {
    let state = runtime_state(b)?;
    let reserve = rt.config.reserve;
    let regions = b.family.as_ref().map_or(&[][..], |f| &f.memory[..]);
    let load = |mem: &mut crate::memory::Memory| {
        for r in regions {
            let end = r.start.saturating_add(r.bytes.len() as u64);
            if end > reserve || !mem.grow_to(end) {
                return Err(VmError::new(format!(
                    "a process's memory ({end} bytes) does not fit the reservation of {reserve} bytes"
                )));
            }
            mem.write(r.start, &r.bytes)
                .map_err(|k| VmError::new(format!("cannot load a process's memory: {k}")))?;
        }
        Ok(())
    };
    let mut o = Runtime::restore_with(
        rt.prog.clone(),
        rt.config.clone(),
        rt.io.forked(),
        &state,
        &b.memory.allocations,
        load,
    )?;
    o.poll = rt.poll.clone();
    o.timer = rt.timer.clone();
    let frames = frames_of(&rt.prog.module, &b.frames);
    match &b.threads {
        Some(saved) => {
            o.threads = threads_of(&rt.prog.module, saved)?;
            o.threads.current_mut().frames = frames;
        }
        None => o.threads.current_mut().frames = frames,
    }
    if let Some(f) = &b.family {
        o.proc = proc_of(f);
    }
    restore_alarm(&mut o, b);
    Ok(o)
}

/// The process's timer as its body records it; the host thread is set to
/// the earliest deadline once the family is back (`timer::rearm`).
fn restore_alarm(rt: &mut Runtime, b: &Body) {
    if let Some(t) = &b.timers {
        rt.proc.alarm = t.alarm.map(|at| (at, t.interval));
    }
}

/// The schedule a snapshot recorded (validated), for a run whose safepoint
/// count starts at 0.
/// A snapshot's frames as the engines rewind them: each float local
/// that only ever holds the canonical NaN (`pivm_ir::nan`) given it if
/// the file holds another NaN there (no run writes one; a file from
/// elsewhere may, and the JIT, which canonicalizes such a local only where
/// its bits are seen, would resume it unlike the interpreter).
fn frames_of(m: &pivm_ir::Module, saved: &[pivm_snapshot::SavedFrame]) -> Vec<Frame> {
    saved
        .iter()
        .map(|f| pivm_ir::nan::canonical_frame(m, f.to_ir()))
        .collect()
}

fn threads_of(m: &pivm_ir::Module, saved: &SavedThreads) -> Result<sched::Threads, VmError> {
    let list = saved
        .threads
        .iter()
        .map(|t| {
            let state = match t.state.as_str() {
                THREAD_RUNNABLE => sched::State::Runnable,
                THREAD_FUTEX => sched::State::Futex(t.arg),
                THREAD_JOIN => sched::State::Join(t.arg),
                THREAD_DONE => sched::State::Done(t.arg),
                THREAD_CHILD => sched::State::Child(t.arg as u32 as i32),
                THREAD_PIPE => sched::State::Pipe(t.arg as u32),
                THREAD_SLEEP => sched::State::Sleep,
                other => return Err(VmError::new(format!("unknown thread state '{other}'"))),
            };
            Ok(sched::Thread {
                id: t.id,
                state,
                since: t.since,
                detached: t.detached,
                root: FuncId(t.root),
                start: t.start.clone(),
                frames: frames_of(m, &t.frames),
                stack: (t.stack_start, t.stack_end),
                block: t.block,
                tls: t.tls,
                until: t.until.unwrap_or(crate::timer::NEVER),
                interrupted: t.interrupted,
            })
        })
        .collect::<Result<Vec<_>, VmError>>()?;
    let current = list
        .iter()
        .position(|t| t.id == saved.current)
        .ok_or_else(|| VmError::new("the running thread is not in the thread table"))?;
    Ok(sched::Threads {
        list,
        current,
        next_id: saved.next_id,
        slice_end: saved.slice_left,
        switch_now: saved.switch_now,
        switch_due: saved.switch_due,
        snapshot: false,
        clock: saved.clock,
    })
}

/// The state a (validated) body records for `Runtime::restore_with`:
/// memory and allocations are passed to it apart, without a copy.
fn runtime_state(b: &Body) -> Result<RuntimeState, VmError> {
    let l = &b.memory.layout;
    let stack_size = l.stack_end - l.stack_start;
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
        allocations: AllocTable::new(),
        rand,
        stdout_written: b.io.stdout_written,
        stderr_written: b.io.stderr_written,
        stdin_read: b.io.stdin_consumed,
        stdin_eof: b.io.stdin_eof,
        stdin_unread: b.io.stdin_unread.clone(),
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
                temp: f.temp.clone(),
            })
            .collect(),
        next_handle,
        safepoints_reached: b.counters.safepoints,
        jmp_serial: b.counters.jmp_serial,
        discard_min: extra_u64(&b.extra, DISCARD_MIN_KEY)?.unwrap_or(crate::alloc::DISCARD_MIN),
        discarded: extra_u64(&b.extra, DISCARDED_KEY)?.unwrap_or(0),
        current_slabs: extra_current(&b.extra)?,
    };
    Ok(state)
}

/// A runtime rebuilt from a snapshot, ready to rewind `frames`.
pub struct Restored {
    pub runtime: Runtime,
    pub frames: Vec<Frame>,
    pub lineage: Lineage,
}

/// Rebuilds the runtime of the newest snapshot of `chain`, already
/// `pivm_snapshot::validate_file`d into `module`: lays the program out with
/// the snapshot's stack, checks that the layout is the snapshot's, reads
/// memory straight from the files into VM memory (the full snapshot's,
/// then each delta's, every section's checksum checked), restores heap,
/// streams, files and rand, and checks the frames against the program
/// (`check_frames`).
pub fn restore(
    chain: &Chain,
    module: Module,
    mut config: Config,
    io: Io,
    preloaded: Option<Preloaded>,
) -> Result<Restored, VmError> {
    let file = chain.newest();
    let b = &file.snapshot.body;
    let l = &b.memory.layout;
    let stack_size = l.stack_end - l.stack_start;
    // Placed as the snapshot's resume points are numbered.
    let prog = Program::placed(module, stack_size)?;
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
    let end = image_end(&file.sections, l);
    if end > config.reserve {
        return Err(VmError::new(format!(
            "the snapshot's memory ({end} bytes) does not fit the reservation of {} bytes",
            config.reserve
        )));
    }
    let state = runtime_state(b)?;
    let frames = frames_of(&prog.module, &b.frames);
    // A standby resume's memory holds the chain's oldest members already,
    // if they are this chain's (by id, in order).
    let n = chain.members.len();
    let preloaded = preloaded.filter(|p| {
        p.ids.len() <= n
            && p.ids
                .iter()
                .zip(chain.members.iter().rev())
                .all(|(id, m)| *id == m.id)
    });
    let load = |mem: &mut crate::memory::Memory| match preloaded {
        Some(p) => {
            *mem = p.mem;
            let image = mem.image_mut(end.max(p.len))?;
            chain
                .load_newer_into(image, p.ids.len())
                .map_err(|e| VmError::new(e.to_string()))
        }
        None => mem
            .load_image(end, |image| chain.load_into(image))?
            .map_err(|e| VmError::new(e.to_string())),
    };
    let mut runtime = Runtime::restore_with(
        Arc::new(prog),
        config,
        io,
        &state,
        &b.memory.allocations,
        load,
    )?;
    if let Some(saved) = &b.threads {
        runtime.threads = threads_of(&runtime.prog.module, saved)?;
        if runtime.threads.switch_now {
            runtime.poll.kick();
        }
    }
    if let Some(t) = &b.timers {
        let timer = crate::timer::Timer::new(runtime.poll.clone(), t.clock);
        runtime.timer = Arc::new(timer);
    }
    if let Some(f) = &b.family {
        restore_family(&mut runtime, f)?;
    }
    restore_alarm(&mut runtime, b);
    check_frames(&runtime, &frames)?;
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

/// VM memory that holds the oldest members of a chain, loaded as they
/// arrived (`pivm serve` starts `pivm resume` in standby while a migration
/// is still sending): `restore` then loads only the newer ones.
pub struct Preloaded {
    pub mem: crate::memory::Memory,
    /// The ids of the members loaded, oldest first.
    pub ids: Vec<[u8; 32]>,
    /// The length of the image loaded.
    pub len: u64,
}

impl Preloaded {
    /// Empty VM memory with the reservation of `config`.
    pub fn new(config: &Config) -> Result<Preloaded, VmError> {
        Ok(Preloaded {
            mem: crate::memory::Memory::for_run(config, NULL_PAGE)?,
            ids: Vec::new(),
            len: 0,
        })
    }

    /// Loads the next member of the chain: the full snapshot first, then
    /// each delta over the member before it. A member that does not follow
    /// (or any failure) ends preloading: `restore` then loads the whole
    /// chain itself.
    pub fn add(&mut self, file: &pivm_snapshot::SnapshotFile) -> Result<(), String> {
        let follows = match (&file.snapshot.body.parent, self.ids.last()) {
            (None, None) => true,
            (Some(p), Some(last)) => p.id == *last,
            _ => false,
        };
        if !follows {
            return Err("the member does not follow the one before".into());
        }
        let end = image_end(&file.sections, &file.snapshot.body.memory.layout).max(self.len);
        let image = self.mem.image_mut(end).map_err(|e| e.message)?;
        file.load_clipped(image).map_err(|e| e.to_string())?;
        self.len = end;
        self.ids.push(file.id);
        Ok(())
    }
}

/// A chain folded into a full snapshot (`compact`).
pub struct Compacted {
    pub snapshot: Snapshot,
    /// The memory image, indexed by VM address.
    pub image: Vec<u8>,
    /// The extents of `image` to write.
    pub extents: Vec<(u64, u64)>,
}

/// The full snapshot a chain folds into: the newest member's body without
/// a parent, the chain's memory image, and its extents to write (its
/// non-zero pages: exactly the sections a full snapshot of the same state
/// holds).
pub fn compact(chain: &Chain) -> Result<Compacted, VmError> {
    let newest = chain.newest();
    let l = &newest.snapshot.body.memory.layout;
    let end = image_end(&newest.sections, l);
    let len =
        usize::try_from(end).map_err(|_| VmError::new(format!("a memory image of {end} bytes")))?;
    let mut image = Vec::new();
    image
        .try_reserve_exact(len)
        .map_err(|_| VmError::new(format!("cannot allocate a memory image of {end} bytes")))?;
    image.resize(len, 0);
    chain
        .load_into(&mut image)
        .map_err(|e| VmError::new(e.to_string()))?;
    let extents = capture_extents(&image, l, None);
    let mut snapshot = newest.snapshot.clone();
    snapshot.body.parent = None;
    Ok(Compacted {
        snapshot,
        image,
        extents,
    })
}

/// The length of the memory image of a snapshot with `sections` and
/// layout `l`: every byte up to the last section or the heap top.
fn image_end(sections: &[pivm_snapshot::Section], l: &MemoryLayout) -> u64 {
    sections
        .iter()
        .map(|s| s.end())
        .chain([l.heap_top.saturating_add(MAX_ACCESS), l.heap_start])
        .max()
        .unwrap_or(0)
}

/// How snapshot files are written: fsynced, the memory of large ones with
/// direct I/O (`pivm_snapshot::direct`), unless the environment says
/// otherwise, for measurement and tests only: `PIVM_SNAPSHOT_FSYNC=0`
/// does not fsync, `PIVM_SNAPSHOT_DIRECT=0` writes through the page cache
/// whatever the size, `PIVM_SNAPSHOT_DIRECT=always` writes memory direct
/// whatever its size (any other value is the default).
pub fn write_options() -> WriteOptions {
    let var = |name| std::env::var_os(name).unwrap_or_default();
    let direct = var("PIVM_SNAPSHOT_DIRECT");
    WriteOptions {
        durable: var("PIVM_SNAPSHOT_FSYNC") != "0",
        direct: if direct == "0" {
            Direct::Off
        } else {
            Direct::Memory
        },
        direct_min: if direct == "always" {
            0
        } else {
            WriteOptions::DURABLE.direct_min
        },
    }
}

/// The outcome of writing one snapshot file: its size and id, or why it could
/// not be written (its temporary file is then gone).
pub type FileResult = Result<FileInfo, String>;

/// Writes the captured snapshot to each `(path, temporary file)` of
/// `targets`, memory straight from VM memory. One failure does not stop
/// the others.
pub fn write_all(
    capture: Capture,
    targets: &[(PathBuf, PathBuf)],
    opts: WriteOptions,
    codec: pivm_snapshot::Codec,
) -> Vec<FileResult> {
    let snap = Snapshot {
        codec,
        ..Snapshot::new(capture.body)
    };
    targets
        .iter()
        .map(|(path, tmp)| {
            pivm_snapshot::write_atomic_sections_via(path, tmp, &snap, &capture.sections, opts)
                .map_err(|e| e.to_string())
        })
        .collect()
}

/// One snapshot being written, and who waits for it.
pub struct Job {
    /// Where to write, each with the requests that asked for that path.
    pub targets: Vec<(PathBuf, Vec<Request>)>,
    /// Every target stops the program once written
    /// (`--exit-after-snapshot`); otherwise only those a request asked to
    /// exit for.
    pub exit: bool,
    /// When the safepoint that took it was reached.
    pub at: Instant,
    /// From the oldest request to the safepoint.
    pub latency: Duration,
    /// The sequence number of the snapshot in this run (1-based).
    pub seq: u64,
    /// Whether the file is fsynced and its memory written with direct I/O
    /// (see `write_options`).
    pub write: WriteOptions,
    /// How memory is stored (`--compress`).
    pub codec: pivm_snapshot::Codec,
}

impl Job {
    /// Each target's path and the temporary file it is written through,
    /// chosen here so that whoever waits for the writer can remove it.
    fn files(&self) -> Vec<(PathBuf, PathBuf)> {
        self.targets
            .iter()
            .map(|(p, _)| (p.clone(), pivm_snapshot::file::temp_path_for(p)))
            .collect()
    }

    /// Ends the job with one result per target: answers its clients.
    fn finish(self, results: Vec<FileResult>, pause: Option<Duration>) -> Written {
        let total = self.at.elapsed();
        // The program stops only if a snapshot asked to exit was written.
        let exits = self
            .targets
            .iter()
            .zip(&results)
            .any(|((_, reqs), r)| r.is_ok() && (self.exit || reqs.iter().any(|q| q.exit)));
        let mut done = Vec::with_capacity(results.len());
        for ((path, reqs), result) in self.targets.into_iter().zip(results) {
            for r in reqs {
                if let Some(mut s) = r.reply {
                    let line = match &result {
                        Ok(f) => format!(
                            "ok {} {} {:.3}\n",
                            path.display(),
                            f.len,
                            ms(r.at.elapsed())
                        ),
                        Err(e) => {
                            format!("error {}\n", failure(&path, e, exits).replace('\n', " "))
                        }
                    };
                    let _ = s.write_all(line.as_bytes());
                }
            }
            done.push((path, result));
        }
        Written {
            seq: self.seq,
            results: done,
            exits,
            total,
            latency: self.latency,
            pause: pause.unwrap_or(total),
        }
    }
}

/// Why a snapshot file was not written, and what the program does next.
fn failure(path: &Path, why: &str, exits: bool) -> String {
    let next = if exits { "" } else { "; the program continues" };
    format!(
        "cannot write the snapshot to {}: {why}{next}",
        path.display()
    )
}

/// How a snapshot write ended.
#[derive(Debug)]
pub struct Written {
    pub seq: u64,
    /// Each path, with the size of its file or why it was not written.
    pub results: Vec<(PathBuf, FileResult)>,
    /// Whether the program stops now: a snapshot that asked to exit was
    /// written. A failed one never stops it.
    pub exits: bool,
    /// From the safepoint until the file was complete.
    pub total: Duration,
    pub latency: Duration,
    /// From the safepoint until the program ran again (set by the caller).
    pub pause: Duration,
}

impl Written {
    /// Whether at least one file was written.
    pub fn written(&self) -> bool {
        self.results.iter().any(|(_, r)| r.is_ok())
    }

    /// One message per file that was not written.
    pub fn failures(&self) -> impl Iterator<Item = String> + '_ {
        self.results
            .iter()
            .filter_map(|(p, r)| r.as_ref().err().map(|e| failure(p, e, self.exits)))
    }

    /// The `pivm: stats:` line of this snapshot.
    pub fn stats_line(&self) -> String {
        let bytes: u64 = self
            .results
            .iter()
            .filter_map(|(_, r)| r.as_ref().ok().map(|f| f.len))
            .sum();
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
    let files = job.files();
    let results = match build() {
        Ok(capture) => write_all(capture, &files, job.write, job.codec),
        Err(e) => vec![Err(e.message); files.len()],
    };
    job.finish(results, None)
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
                results: Vec::new(),
                exits: false,
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

/// What a writer child that reported nothing for a file died of.
pub fn writer_death(status: i32) -> String {
    if libc::WIFSIGNALED(status) {
        format!(
            "the snapshot writer was killed by signal {}",
            libc::WTERMSIG(status)
        )
    } else if libc::WIFEXITED(status) {
        format!(
            "the snapshot writer exited with status {} before finishing",
            libc::WEXITSTATUS(status)
        )
    } else {
        format!("the snapshot writer died (wait status {status:#x})")
    }
}

/// Forks a child that runs `work` and reports its result text to the
/// parent through a pipe, then `_exit`s (see "Fork safety" above: `work`
/// must keep those rules). The child dies with its parent. Returns the
/// child's pid and the pipe's read end, for `reap_child`.
pub fn fork_child(work: impl FnOnce() -> String) -> std::io::Result<(libc::pid_t, OwnedFd)> {
    let mut fds = [0i32; 2];
    // SAFETY: `fds` has room for the two descriptors pipe returns.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: pipe2 returned two fresh descriptors that we own.
    let (rd, wr) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    // SAFETY: getpid has no preconditions.
    let parent = unsafe { libc::getpid() };
    // SAFETY: the child only runs `work`, reports through the pipe and
    // `_exit`s (see "Fork safety" above).
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(std::io::Error::last_os_error());
    }
    if pid == 0 {
        IN_FORKED_WRITER.store(true, Ordering::Relaxed);
        pivm_snapshot::no_helper_threads();
        // A writer does not outlive its program: an orphan finishing its
        // file after a `kill -9` could rename it over a newer run's
        // snapshot, or a delta over a chain whose ancestors that run has
        // removed. The previous snapshot stays; the temporary file is
        // left, and may be deleted.
        // SAFETY: plain system calls with no memory arguments.
        unsafe {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            if libc::getppid() != parent {
                libc::_exit(1);
            }
        }
        drop(rd);
        let msg = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work))
            .unwrap_or_else(|_| "error the snapshot writer panicked\n".into());
        let mut f = std::fs::File::from(wr);
        let _ = f.write_all(msg.as_bytes());
        drop(f);
        // SAFETY: ends the child without running the parent's exit
        // handlers or flushing its stdio buffers.
        unsafe { libc::_exit(0) };
    }
    drop(wr);
    Ok((pid, rd))
}

/// Waits for a `fork_child` child: its report (empty if it died first)
/// and its wait status.
pub fn reap_child(pid: libc::pid_t, rd: OwnedFd) -> (String, i32) {
    let mut msg = String::new();
    let _ = std::fs::File::from(rd).read_to_string(&mut msg);
    let mut status = 0;
    // SAFETY: `pid` is our child, reaped only here.
    while unsafe { libc::waitpid(pid, &mut status, 0) } < 0
        && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted
    {}
    (msg, status)
}

/// Forks a child that builds the body with `build` and writes it, and a
/// thread that reaps the child, removes the temporary file of every file
/// not written (the child may have been killed before it could), answers
/// the job's clients, and calls `done` with the outcome. Gives the job
/// back when the fork fails, so the caller can write synchronously.
pub fn write_forked<'a>(
    job: Job,
    build: impl FnOnce() -> Result<Capture<'a>, VmError>,
    done: impl FnOnce(&Written) + Send + 'static,
) -> Result<Background, (Job, String)> {
    let files = job.files();
    // The child's view of memory is shared copy-on-write with the
    // program: direct writes go through a buffer of the child's own.
    let opts = WriteOptions {
        direct: match job.write.direct {
            Direct::Off => Direct::Off,
            _ => Direct::Copied,
        },
        ..job.write
    };
    let codec = job.codec;
    let nfiles = files.len();
    let child_files = files.clone();
    let forked = fork_child(move || {
        let results = match build() {
            Ok(capture) => write_all(capture, &child_files, opts, codec),
            Err(e) => vec![Err(e.message); nfiles],
        };
        // One line per file, in order.
        results
            .iter()
            .map(|r| match r {
                Ok(f) => format!("ok {}:{}\n", f.len, pivm_snapshot::digest::hex(&f.id)),
                Err(e) => format!("error {}\n", e.replace('\n', " ")),
            })
            .collect()
    });
    let (pid, rd) = match forked {
        Ok(c) => c,
        Err(e) => return Err((job, e.to_string())),
    };
    let reap = move || {
        let (msg, status) = reap_child(pid, rd);
        let mut lines = msg.lines();
        let results = files
            .iter()
            .map(|(_, tmp)| {
                let line = lines.next().unwrap_or_default();
                let result = match (line.strip_prefix("ok "), line.strip_prefix("error ")) {
                    (Some(info), _) => parse_info(info).ok_or_else(|| writer_death(status)),
                    (_, Some(e)) => Err(e.to_string()),
                    _ => Err(writer_death(status)),
                };
                if result.is_err() {
                    let _ = std::fs::remove_file(tmp);
                }
                result
            })
            .collect();
        let w = job.finish(results, Some(Duration::ZERO));
        done(&w);
        w
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

/// A file's `LEN:IDHEX` as the forked writer reports it.
pub fn parse_info(s: &str) -> Option<FileInfo> {
    let (len, hex) = s.split_once(':')?;
    let mut id = [0u8; 32];
    if hex.len() != 64 {
        return None;
    }
    for (i, b) in id.iter_mut().enumerate() {
        *b = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(FileInfo {
        len: len.parse().ok()?,
        id,
    })
}

fn empty_job() -> Job {
    Job {
        targets: Vec::new(),
        exit: false,
        at: Instant::now(),
        latency: Duration::ZERO,
        seq: 0,
        write: WriteOptions::DURABLE,
        codec: pivm_snapshot::Codec::None,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::{Sink, Source};
    use crate::proc::Fork;
    use crate::runtime::Config;

    fn lone() -> Runtime {
        let text = include_str!("../../examples/sum.pir");
        let module = pivm_ir::parse(text, "sum.pir").expect("the example parses");
        let prog = Arc::new(Program::new(module, 1 << 16).expect("the example loads"));
        let io = Io::new(Sink::capture(), Sink::capture(), Source::Host);
        Runtime::new(prog, Config::default(), io).expect("a runtime")
    }

    /// A process that never forked is recorded only when its safepoint
    /// has something to serve (a fork asked for, a signal the timer
    /// posted), and the record restores it.
    #[test]
    fn a_lone_process_records_what_its_safepoint_has_yet_to_serve() {
        let mut rt = lone();
        let program = pivm_snapshot::SavedProgram::from_placed(&rt.prog.module);
        let family = |rt: &Runtime| saved_family(rt, EngineKind::Interp, &program).unwrap();
        assert!(family(&rt).is_none(), "nothing to record");
        rt.proc.signalled = true;
        let f = family(&rt).expect("a pending signal is recorded");
        let mut back = lone();
        restore_family(&mut back, &f).unwrap();
        assert!(back.proc.signalled);
        rt.proc.signalled = false;
        rt.proc.fork = Fork::Requested;
        let f = family(&rt).expect("a fork asked for is recorded");
        let mut back = lone();
        restore_family(&mut back, &f).unwrap();
        assert_eq!(back.proc.fork, Fork::Requested);
    }

    /// The allocator's history of zeroing freed extents goes into a
    /// body's `extra` once it moved and reads back from it (into
    /// `RuntimeState`, which `restore_with` applies), and a malformed entry
    /// is refused.
    #[test]
    fn the_discard_threshold_rides_in_extra() {
        let mut rt = lone();
        assert!(heap_extra(&rt.heap).is_empty());
        rt.heap.set_discard_min(1 << 20);
        rt.heap.set_discarded(12345 << 12);
        let mut extra = heap_extra(&rt.heap);
        assert_eq!(extra_u64(&extra, DISCARD_MIN_KEY).unwrap(), Some(1 << 20));
        assert_eq!(extra_u64(&extra, DISCARDED_KEY).unwrap(), Some(12345 << 12));
        extra.insert(DISCARD_MIN_KEY.to_string(), ByteString(vec![1, 2, 3]));
        let e = extra_u64(&extra, DISCARD_MIN_KEY).unwrap_err();
        assert!(e.message.contains("alloc.discard_min"), "{}", e.message);
    }

    /// A current slab that a rebuild would not pick (a full slab's free
    /// slot taken while a lower slab has room) rides in `extra`, and a
    /// malformed entry is refused.
    #[test]
    fn current_slabs_ride_in_extra() {
        let mut rt = lone();
        assert_eq!(
            extra_current(&heap_extra(&rt.heap)).unwrap(),
            Vec::<u64>::new()
        );
        // Three full slabs of 16-byte blocks (256 slots each); 64 frees in
        // the lowest make it current (listed at 32 free slots), then 40
        // mallocs leave it 24 free slots: a rebuild would list no slab.
        let ps: Vec<u64> = (0..768).map(|_| rt.heap.malloc(16, 0).unwrap()).collect();
        for &p in &ps[..64] {
            assert!(rt.heap.free(p));
        }
        for _ in 0..40 {
            rt.heap.malloc(16, 0).unwrap();
        }
        let current = rt.heap.current_slabs();
        assert_eq!(current, vec![ps[0]], "the lowest slab, with 24 free slots");
        let mut extra = heap_extra(&rt.heap);
        assert_eq!(extra_current(&extra).unwrap(), current);
        extra.insert(CURRENT_KEY.to_string(), ByteString(vec![0; 12]));
        let e = extra_current(&extra).unwrap_err();
        assert!(e.message.contains("alloc.current"), "{}", e.message);
    }
}
