//! Processes (unistd.h, sys/wait.h): fork, exit and wait, pipes, getpid.
//!
//! A VM process is a `Runtime` of its own (memory, heap, streams, threads),
//! as a Unix process is; all of a program's processes live in one pivm and
//! are scheduled with the threads (`sched`): one thread of one process runs
//! at a time, switched at safepoints. The running process is the `Runtime`
//! the engine runs on; the others wait in its `World` (which moves to
//! whichever process runs), with the pipes and the statuses of ended
//! children not yet collected. So a snapshot holds the whole family at
//! once, every process stopped at a safepoint or blocked.
//!
//! `fork` is a request served at the next safepoint: there the forking
//! thread is unwound into frames, as for a snapshot, and the child is a
//! copy of the process whose only thread is those frames.

use std::collections::{BTreeMap, VecDeque};

use crate::error::VmError;
use crate::memory::Memory;
use crate::runtime::Runtime;
use crate::sched::{State, Thread, Threads};

/// Processes that may exist at once (running, blocked or ended and not
/// waited for): `fork` fails with EAGAIN past it.
pub const MAX_PROCESSES: usize = 256;

/// Bytes a pipe holds before a writer blocks (Linux's default).
pub const PIPE_CAPACITY: usize = 65536;

/// VM memory (valid bytes) all of a program's processes may have together:
/// a fork past it fails with EAGAIN.
pub const MAX_FAMILY_MEMORY: u64 = 8 << 30;

/// Descriptors a process may have open (pipe ends; 0-2 are the standard
/// streams).
pub const MAX_FDS: i32 = 1024;

/// The first process's pid.
pub const ROOT_PID: i32 = 1;

/// Which end of a pipe a descriptor is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum End {
    Read,
    Write,
}

/// A pipe: its unread bytes and how many descriptors, over every process,
/// have each end open.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pipe {
    pub buf: VecDeque<u8>,
    pub readers: u32,
    pub writers: u32,
}

/// Where a `fork` is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Fork {
    None,
    /// Asked for: served at the next safepoint.
    Requested,
    /// Served: `__pivm_fork_result` returns this once (the child's pid in
    /// the parent, 0 in the child, or -errno).
    Done(i32),
}

/// A process's own part of the family.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proc {
    pub pid: i32,
    pub ppid: i32,
    /// Open pipe ends by descriptor (3 and up).
    pub fds: BTreeMap<i32, (u32, End)>,
    pub fork: Fork,
    /// A signal was made pending (`post_signal`): deliver at the process's
    /// next safepoint.
    pub signalled: bool,
    /// Ended by this signal's default action, at its next safepoint.
    pub killed: Option<i32>,
    /// Ended itself by this signal's default action (`Builtin::Die`).
    pub died_of: Option<i32>,
    /// A write to a pipe without readers raised SIGPIPE: the retry
    /// returns EPIPE.
    pub epipe: bool,
    /// Its real-time timer (`alarm`, `setitimer`): when SIGALRM is due on
    /// the monotonic clock and the interval after which it is due again
    /// (0: once). Not inherited by a fork's child.
    pub alarm: Option<(u64, u64)>,
}

impl Default for Proc {
    fn default() -> Proc {
        Proc {
            pid: ROOT_PID,
            ppid: 0,
            fds: BTreeMap::new(),
            fork: Fork::None,
            signalled: false,
            killed: None,
            died_of: None,
            epipe: false,
            alarm: None,
        }
    }
}

/// A child that ended and has not been waited for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Zombie {
    pub pid: i32,
    pub ppid: i32,
    /// Its status as `waitpid` stores it (`(code & 0xff) << 8`, or the
    /// signal number that ended it).
    pub status: i32,
}

/// Every process but the running one, and what they share.
#[derive(Default)]
pub struct World {
    /// The other live processes, by pid.
    pub others: Vec<Runtime>,
    pub zombies: Vec<Zombie>,
    pub pipes: BTreeMap<u32, Pipe>,
    pub next_pid: i32,
    pub next_pipe: u32,
    /// The first process's exit status once it has ended (the others run
    /// to their end; pivm then exits with it).
    pub root_status: Option<i32>,
}

impl World {
    pub fn new() -> World {
        World {
            next_pid: ROOT_PID + 1,
            ..World::default()
        }
    }

    pub fn processes(&self) -> usize {
        1 + self.others.len() + self.zombies.len()
    }

    /// Adds a process, in pid order.
    pub fn insert(&mut self, rt: Runtime) {
        let at = self.others.partition_point(|o| o.proc.pid < rt.proc.pid);
        self.others.insert(at, rt);
    }

    /// Makes every thread blocked in a way `wakes` says runnable, in every
    /// process but the running one.
    pub fn wake_others(&mut self, wakes: impl Fn(&Runtime, State) -> bool) {
        for o in self.others.iter_mut() {
            let woken: Vec<usize> = o
                .threads
                .list
                .iter()
                .enumerate()
                .filter(|(_, t)| wakes(o, t.state))
                .map(|(i, _)| i)
                .collect();
            for i in woken {
                o.threads.list[i].state = State::Runnable;
            }
        }
    }
}

/// Whether a thread of a process other than the running one could run (or
/// a signal waits for it).
pub fn runnable_elsewhere(world: &Option<Box<World>>) -> bool {
    world.as_ref().is_some_and(|w| {
        w.others.iter().any(|o| {
            o.proc.signalled
                || o.proc.killed.is_some()
                || o.threads.list.iter().any(|t| t.state == State::Runnable)
        })
    })
}

/// Wakes the threads of every process that wait on `pipe`.
pub fn wake_pipe(rt: &mut Runtime, pipe: u32) {
    for t in rt.threads.list.iter_mut() {
        if t.state == State::Pipe(pipe) {
            t.state = State::Runnable;
        }
    }
    if let Some(w) = rt.world.as_mut() {
        w.wake_others(|_, s| s == State::Pipe(pipe));
    }
}

/// The world of `rt`, created on first use (a pipe or a fork).
pub fn world(rt: &mut Runtime) -> &mut World {
    rt.world.get_or_insert_with(|| Box::new(World::new()))
}

/// The child of `rt` a fork makes: a copy of its memory, heap and state
/// whose only thread is the forking one, stopped at `frames`.
pub fn fork_child(
    rt: &mut Runtime,
    frames: &[pivm_ir::frame::Frame],
    pid: i32,
) -> Result<Runtime, VmError> {
    rt.io.flush();
    let family: u64 = rt.mem.limit()
        + rt.world
            .as_ref()
            .map_or(0, |w| w.others.iter().map(|o| o.mem.limit()).sum());
    if family.saturating_add(rt.mem.limit()) > MAX_FAMILY_MEMORY {
        return Err(VmError::new(
            "the program's processes would need too much memory",
        ));
    }
    let mut mem = Memory::for_run(&rt.config, rt.mem.limit())?;
    // Only the pages the parent touched: the rest reads as zero in both.
    let bytes = rt.mem.bytes();
    let extents = rt
        .mem
        .touched(0, bytes.len() as u64)
        .unwrap_or_else(|| vec![(0, bytes.len() as u64)]);
    let image = mem.image_mut(bytes.len() as u64)?;
    for (s, e) in extents {
        let (s, e) = (s as usize, e as usize);
        image[s..e].copy_from_slice(&bytes[s..e]);
    }
    let cur = rt.threads.current();
    let thread = Thread {
        frames: frames.to_vec(),
        state: State::Runnable,
        until: crate::timer::NEVER,
        interrupted: false,
        start: None,
        ..cur.clone()
    };
    let threads = Threads {
        list: vec![thread],
        current: 0,
        next_id: rt.threads.next_id,
        slice_end: rt.threads.slice_end,
        switch_now: false,
        switch_due: false,
        snapshot: false,
        clock: rt.threads.clock,
    };
    let mut fds = rt.proc.fds.clone();
    let w = world(rt);
    for (pipe, end) in fds.values_mut() {
        if let Some(p) = w.pipes.get_mut(pipe) {
            match end {
                End::Read => p.readers += 1,
                End::Write => p.writers += 1,
            }
        }
    }
    let proc = Proc {
        pid,
        ppid: rt.proc.pid,
        fds,
        fork: Fork::Done(0),
        signalled: false,
        killed: None,
        died_of: None,
        epipe: false,
        alarm: None,
    };
    Ok(rt.duplicate(mem, threads, proc))
}

/// Closes descriptor `fd` of `rt`'s process; false if it is not open.
/// Closing a pipe's last end of one kind wakes the threads waiting on it
/// (readers see the end of the pipe, writers EPIPE).
pub fn close_fd(rt: &mut Runtime, fd: i32) -> bool {
    let Some((id, end)) = rt.proc.fds.remove(&fd) else {
        return false;
    };
    let w = world(rt);
    if let Some(p) = w.pipes.get_mut(&id) {
        match end {
            End::Read => p.readers = p.readers.saturating_sub(1),
            End::Write => p.writers = p.writers.saturating_sub(1),
        }
        if p.readers == 0 && p.writers == 0 {
            w.pipes.remove(&id);
        }
    }
    wake_pipe(rt, id);
    true
}

/// Signals that a process without handlers ignores (the others end it).
pub fn ignored_by_default(sig: i32) -> bool {
    matches!(sig, SIGCHLD | 18 | 23 | 28)
}

/// Sent to a process when one of its children ends.
pub const SIGCHLD: i32 = 17;

/// Makes `sig` pending in `rt`'s process: set in its `__pivm_sig_pending`
/// (signal.h's state, in VM memory) for its next safepoint to deliver; a
/// program without signal.h has only default actions. A signal already
/// pending is not sent again (standard signals merge): its delivery is
/// under way, or it is blocked.
pub fn post_signal(rt: &mut Runtime, sig: i32) {
    match rt.prog.sig_pending {
        Some(addr) => {
            let bit = 1u64 << (sig - 1);
            let bits = rt.mem.load(pivm_ir::Type::I64, addr).unwrap_or(0);
            if bits & bit == 0 {
                let _ = rt.mem.store(pivm_ir::Type::I64, addr, bits | bit);
                rt.proc.signalled = true;
            }
        }
        None if ignored_by_default(sig) => {}
        None => rt.proc.killed = Some(sig),
    }
}
