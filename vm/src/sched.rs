//! Threads of one program (pthread.h): logical threads that run one at a
//! time on the engine, switched at safepoints by a deterministic schedule.
//!
//! A thread that is not running is only its logical frames (or, before it
//! first runs, its start function and arguments), its shadow stack (a
//! heap block) and its state; switching unwinds the running thread at a
//! safepoint exactly as a snapshot does and rewinds the next one. So a
//! snapshot of a threaded program is consistent by construction: every
//! thread but the running one is already frames, and the running one is
//! stopped at a safepoint.
//!
//! The schedule is a function of the program alone: a thread runs until it
//! blocks (`__pivm_futex_wait`, a join), yields, ends, or has reached
//! `SLICE` safepoints, and then the next runnable thread in creation
//! order runs. Both engines count the same safepoints, so a program gives
//! the same output on every engine and host, and a resumed run switches
//! where the uninterrupted run would (the slice left is in the snapshot).
//! The price: threads do not run in parallel.
//!
//! Blocking is built from one primitive: a builtin that blocks marks the
//! calling thread and asks for a switch, returns, and the caller's loop
//! reaches a safepoint (pthread.h's C always calls it in a loop that
//! re-checks its condition), where the switch happens. When every thread is
//! blocked and none can wake another, the program traps
//! (`TrapKind::Deadlock`).

use pivm_ir::frame::Frame;
use pivm_ir::{FuncId, TrapKind};

use crate::error::VmError;
use crate::runtime::{Engine, Entry, Outcome, Runtime};

/// Safepoints a thread runs before another runnable thread gets its turn.
pub const SLICE: u64 = 100_000;

/// A new thread's shadow stack when pthread_attr_setstacksize set none,
/// and the least one it may set.
pub const DEFAULT_STACK: u64 = 1 << 20;
pub const MIN_STACK: u64 = 16 << 10;
/// The largest shadow stack a thread may ask for.
pub const MAX_STACK: u64 = 1 << 30;

/// Threads that may exist at once (running, blocked, or ended and not
/// joined), as `pthread_create`'s EAGAIN.
pub const MAX_THREADS: usize = 4096;

/// The first thread's id (`pthread_self()` in `main`).
pub const MAIN_ID: u64 = 1;

/// What a thread is doing.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum State {
    /// Running, or ready to run.
    Runnable,
    /// Blocked on the i32 at this address (`__pivm_futex_wait`).
    Futex(u64),
    /// Blocked until the thread with this id ends.
    Join(u64),
    /// Ended with this value (kept until joined, unless detached).
    Done(u64),
}

/// One thread.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Thread {
    pub id: u64,
    pub state: State,
    /// When it blocked (`Threads::clock`): wakes go oldest first.
    pub since: u64,
    pub detached: bool,
    /// Its function: `main` for the first thread, the trampoline that
    /// `pthread_create` names for the others.
    pub root: FuncId,
    /// The arguments of `root` while the thread has never run.
    pub start: Option<Vec<u64>>,
    /// Its logical frames while another thread runs (innermost first).
    pub frames: Vec<Frame>,
    /// Its shadow stack, `[start, end)`.
    pub stack: (u64, u64),
    /// The heap block of its stack and thread-specific data (freed when it
    /// ends); `None` for the first thread, whose stack is the program's.
    pub block: Option<u64>,
    /// Its thread-specific data block (`Builtin::ThreadTls`), 0 until
    /// asked for.
    pub tls: u64,
}

/// Every thread of the program and the schedule's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Threads {
    /// In creation order (ids increase).
    pub list: Vec<Thread>,
    /// Index of the running thread in `list`.
    pub current: usize,
    pub next_id: u64,
    /// The running thread's turn ends when `Runtime::safepoints_reached`
    /// reaches this.
    pub slice_end: u64,
    /// The running thread blocked, yielded or ended its turn: switch at
    /// the next safepoint.
    pub switch_now: bool,
    /// A switch is due at the safepoint the running thread stopped at; it
    /// happens before that thread runs again (kept in a snapshot taken at
    /// the same safepoint, so a resume switches where the run would).
    pub switch_due: bool,
    /// The safepoint that stopped the engine also serves a snapshot.
    pub snapshot: bool,
    /// Increases at each block, for the order of wakes.
    pub clock: u64,
}

impl Threads {
    /// The first thread, running `main` on the program's stack.
    pub fn new(main: FuncId, stack: (u64, u64)) -> Threads {
        Threads {
            list: vec![Thread {
                id: MAIN_ID,
                state: State::Runnable,
                since: 0,
                detached: false,
                root: main,
                start: None,
                frames: Vec::new(),
                stack,
                block: None,
                tls: 0,
            }],
            current: 0,
            next_id: MAIN_ID + 1,
            slice_end: SLICE,
            switch_now: false,
            switch_due: false,
            snapshot: false,
            clock: 0,
        }
    }

    pub fn current(&self) -> &Thread {
        &self.list[self.current]
    }

    pub fn current_mut(&mut self) -> &mut Thread {
        &mut self.list[self.current]
    }

    /// The running thread's shadow stack.
    pub fn stack(&self) -> (u64, u64) {
        self.current().stack
    }

    /// The running thread's outermost function (`None`: `main`).
    pub fn root(&self) -> Option<FuncId> {
        (self.current().id != MAIN_ID).then(|| self.current().root)
    }

    pub fn find(&self, id: u64) -> Option<usize> {
        self.list.binary_search_by_key(&id, |t| t.id).ok()
    }

    fn others_runnable(&self) -> bool {
        self.list
            .iter()
            .enumerate()
            .any(|(i, t)| i != self.current && t.state == State::Runnable)
    }

    /// At a safepoint (`reached` counted so far this run): whether the
    /// running thread's turn ends here. Renews a turn nobody else wants.
    pub fn due(&mut self, reached: u64) -> bool {
        if self.current().state != State::Runnable {
            self.switch_due = true;
            return true;
        }
        if self.switch_now || reached >= self.slice_end {
            if self.others_runnable() {
                self.switch_due = true;
                return true;
            }
            self.switch_now = false;
            self.slice_end = reached.saturating_add(SLICE);
        }
        false
    }

    /// Blocks the running thread in `state` until a wake.
    pub fn block(&mut self, state: State) {
        self.clock += 1;
        let c = self.clock;
        let t = self.current_mut();
        t.state = state;
        t.since = c;
        self.switch_now = true;
    }

    /// Makes up to `n` threads blocked on `addr` runnable, oldest first;
    /// returns how many.
    pub fn wake(&mut self, addr: u64, n: u64) -> u64 {
        let mut woken = 0;
        while woken < n {
            let Some(t) = self
                .list
                .iter_mut()
                .filter(|t| t.state == State::Futex(addr))
                .min_by_key(|t| t.since)
            else {
                break;
            };
            t.state = State::Runnable;
            woken += 1;
        }
        woken
    }

    /// Whether a snapshot of this program must record its threads.
    pub fn several(&self) -> bool {
        self.list.len() > 1 || self.current().id != MAIN_ID
    }
}

/// The entry that continues the running thread: its first call, or its
/// frames.
fn entry_of(t: &mut Thread) -> Entry {
    match t.start.take() {
        Some(args) => Entry::Call { func: t.root, args },
        None => Entry::Rewind {
            frames: std::mem::take(&mut t.frames),
        },
    }
}

/// Parks the running thread (with `frames` if it has any left) and picks
/// the next runnable one after it in creation order, or ends the program:
/// `Ok(Err(outcome))` when every thread has ended (exit status 0) or all
/// that are left are blocked (a deadlock).
fn switch(rt: &mut Runtime, frames: Vec<Frame>) -> Result<Entry, Outcome> {
    let th = &mut rt.threads;
    th.current_mut().frames = frames;
    th.switch_now = false;
    th.switch_due = false;
    let n = th.list.len();
    let next = (1..=n)
        .map(|k| (th.current + k) % n)
        .find(|&i| th.list[i].state == State::Runnable);
    let Some(next) = next else {
        if th.list.iter().all(|t| matches!(t.state, State::Done(_))) {
            return Err(Outcome::Exit(0));
        }
        return Err(Outcome::Trap(rt.trap_at(TrapKind::Deadlock, None, 0)));
    };
    th.current = next;
    th.slice_end = rt.safepoints_reached.saturating_add(SLICE);
    Ok(entry_of(th.current_mut()))
}

/// Ends the running thread with `value`: its stack freed and its joiners
/// woken. Returns whether it was detached (its record is then dropped
/// once another thread runs).
fn finish(rt: &mut Runtime, value: u64) -> bool {
    let th = &mut rt.threads;
    let id = th.current().id;
    let t = th.current_mut();
    t.state = State::Done(value);
    t.frames.clear();
    let block = t.block.take();
    let detached = t.detached;
    for t in th.list.iter_mut() {
        if t.state == State::Join(id) {
            t.state = State::Runnable;
        }
    }
    if let Some(b) = block {
        // The block is the thread's own: freeing it cannot fail.
        let _ = rt.heap.free(b);
    }
    detached
}

/// Drops the record of thread `id`, which is not the running one.
pub fn remove(th: &mut Threads, id: u64) {
    if let Some(i) = th.find(id) {
        if i != th.current {
            th.list.remove(i);
            if th.current > i {
                th.current -= 1;
            }
        }
    }
}

/// Runs the program from `entry` on `engine` until it ends or a snapshot is
/// taken, switching threads as the schedule says. `Outcome::Snapshot`
/// holds the running thread's frames; the others are in `rt.threads`.
pub fn run(engine: &mut dyn Engine, rt: &mut Runtime, entry: Entry) -> Result<Outcome, VmError> {
    let mut entry = entry;
    loop {
        if rt.threads.switch_due {
            if let Entry::Rewind { frames } = entry {
                entry = match switch(rt, frames) {
                    Ok(e) => e,
                    Err(out) => return Ok(out),
                };
            }
        }
        entry = match engine.run(rt, entry)? {
            Outcome::Snapshot(frames) if !std::mem::take(&mut rt.threads.snapshot) => {
                Entry::Rewind { frames }
            }
            Outcome::ThreadExit(v) => {
                let ended = rt.threads.current().id;
                let detached = finish(rt, v);
                let next = switch(rt, Vec::new());
                if detached {
                    remove(&mut rt.threads, ended);
                }
                match next {
                    Ok(e) => e,
                    Err(out) => return Ok(out),
                }
            }
            out => return Ok(out),
        };
    }
}
