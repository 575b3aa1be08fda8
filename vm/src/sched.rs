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

use pivm_ir::builtins::THREAD_TLS_SIZE;

use crate::alloc::TY_NONE;
use crate::error::VmError;
use crate::proc;
use crate::runtime::{Engine, Entry, Outcome, Runtime};
use crate::timer;

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
    /// Blocked in waitpid for this pid (-1: any child).
    Child(i32),
    /// Blocked reading or writing this pipe.
    Pipe(u32),
    /// Asleep until its deadline (`Thread::until`) or a signal handler
    /// interrupts it (`timer`).
    Sleep,
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
    /// While it sleeps or waits with a timeout: the deadline on the
    /// monotonic clock (`timer`), else `timer::NEVER`.
    pub until: u64,
    /// A signal handler interrupted its sleep: the sleep returns EINTR.
    pub interrupted: bool,
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
                until: crate::timer::NEVER,
                interrupted: false,
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
    /// running thread's turn ends here, `elsewhere` saying whether a thread
    /// of another process could run. Renews a turn nobody else wants.
    pub fn due(&mut self, reached: u64, elsewhere: impl FnOnce() -> bool) -> bool {
        if self.current().state != State::Runnable {
            self.switch_due = true;
            return true;
        }
        if self.switch_now || reached >= self.slice_end {
            if self.others_runnable() || elsewhere() {
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
        t.until = crate::timer::NEVER;
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
            t.until = crate::timer::NEVER;
            woken += 1;
        }
        woken
    }

    /// Whether a snapshot of this program must record its threads (also
    /// a lone thread whose sleep a handler interrupted: it returns EINTR).
    pub fn several(&self) -> bool {
        self.list.len() > 1
            || self.current().id != MAIN_ID
            || self.list.iter().any(|t| t.interrupted)
    }
}

impl Thread {
    /// The deadline of its sleep or timed wait (`timer::NEVER`: none).
    pub fn deadline(&self) -> u64 {
        match self.state {
            State::Futex(_) | State::Sleep => self.until,
            _ => crate::timer::NEVER,
        }
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

/// A new runnable thread of `rt`'s process that will call `root(args)` on
/// a shadow stack of `size` bytes (after the thread-specific data) in a
/// heap block of its own. Its id, or the errno why not.
pub fn spawn(rt: &mut Runtime, root: FuncId, args: Vec<u64>, size: u64) -> Result<u64, u64> {
    const EAGAIN: u64 = 11;
    if rt.threads.list.len() >= MAX_THREADS {
        return Err(EAGAIN);
    }
    let Some(block) = rt.heap.malloc(THREAD_TLS_SIZE + size, TY_NONE) else {
        return Err(EAGAIN);
    };
    if !rt.sync_heap() || rt.mem.fill(block, 0, THREAD_TLS_SIZE).is_err() {
        rt.heap.free(block);
        return Err(EAGAIN);
    }
    let th = &mut rt.threads;
    let id = th.next_id;
    th.next_id += 1;
    let stack = block + THREAD_TLS_SIZE;
    th.list.push(Thread {
        id,
        state: State::Runnable,
        since: 0,
        detached: false,
        root,
        start: Some(args),
        frames: Vec::new(),
        stack: (stack, stack + size),
        block: Some(block),
        tls: block,
        until: crate::timer::NEVER,
        interrupted: false,
    });
    Ok(id)
}

/// Where the next thread to run is: in the running process (`None`) or in
/// the world's other process at this index, and its index there.
type Target = (Option<usize>, usize);

/// The next runnable thread after the running one, in the order of
/// processes by pid and threads by creation; the running one last.
fn pick(rt: &Runtime) -> Option<Target> {
    let runnable = |t: &Thread| t.state == State::Runnable;
    let th = &rt.threads;
    if let Some(i) = (th.current + 1..th.list.len()).find(|&i| runnable(&th.list[i])) {
        return Some((None, i));
    }
    if let Some(w) = &rt.world {
        let me = rt.proc.pid;
        let later = w.others.iter().enumerate().filter(|(_, o)| o.proc.pid > me);
        let earlier = w.others.iter().enumerate().filter(|(_, o)| o.proc.pid < me);
        for (oi, o) in later.chain(earlier) {
            // A signal makes a process schedulable whatever its threads
            // wait for: its handlers (or its end) come first (`enter`).
            if o.proc.signalled || o.proc.killed.is_some() {
                return Some((Some(oi), o.threads.current));
            }
            if let Some(j) = o.threads.list.iter().position(runnable) {
                return Some((Some(oi), j));
            }
        }
    }
    if rt.proc.signalled || rt.proc.killed.is_some() {
        return Some((None, th.current));
    }
    (0..=th.current.min(th.list.len().saturating_sub(1)))
        .find(|&i| th.list.get(i).is_some_and(runnable))
        .map(|i| (None, i))
}

/// Makes `target` the running thread (swapping processes if it is in
/// another one) with a fresh turn.
fn go_to(rt: &mut Runtime, target: Target) {
    if let (Some(oi), _) = target {
        // No process is parked with output in its buffer.
        rt.io.flush();
        let mut w = rt.world.take().expect("other processes live in the world");
        let mut other = w.others.remove(oi);
        std::mem::swap(rt, &mut other);
        hand_over(rt, &mut other);
        w.insert(other);
        rt.world = Some(w);
    }
    let th = &mut rt.threads;
    th.current = target.1;
    th.switch_now = false;
    th.switch_due = false;
    th.slice_end = rt.safepoints_reached.saturating_add(SLICE);
}

/// Gives the process that runs next (`to`) the run's counters from the
/// one that ran (`from`): safepoints (`--stats`, `--snapshot-after`) and
/// the standard streams' positions are the whole program's, not a
/// process's (a resume cuts the output back to what the snapshot counted).
fn hand_over(to: &mut Runtime, from: &mut Runtime) {
    std::mem::swap(&mut to.safepoints_reached, &mut from.safepoints_reached);
    std::mem::swap(
        &mut to.config.snapshot_after,
        &mut from.config.snapshot_after,
    );
    let (a, b) = (&mut to.io, &mut from.io);
    std::mem::swap(&mut a.stdout_written, &mut b.stdout_written);
    std::mem::swap(&mut a.stderr_written, &mut b.stderr_written);
    std::mem::swap(&mut a.stdin_read, &mut b.stdin_read);
    std::mem::swap(&mut a.stdin_eof, &mut b.stdin_eof);
    std::mem::swap(&mut a.stdin_unread, &mut b.stdin_unread);
}

/// How the running process goes on once it is chosen: killed by a
/// signal's default action, into a signal handler, or its thread.
fn enter(rt: &mut Runtime) -> Result<Entry, Outcome> {
    if let Some(sig) = rt.proc.killed.take() {
        return end_process(rt, sig, 128 + sig);
    }
    if std::mem::take(&mut rt.proc.signalled) {
        if let Some(f) = rt.prog.sig_deliver {
            // The handlers run on a thread of their own, before the
            // process's others go on (Linux delivers a signal sent to a
            // process on any of its threads).
            if spawn(rt, f, Vec::new(), HANDLER_STACK).is_ok() {
                let th = &mut rt.threads;
                let i = th.list.len() - 1;
                th.list[i].detached = true;
                th.current = i;
            }
        }
    }
    Ok(entry_of(rt.threads.current_mut()))
}

/// The shadow stack of the thread that runs a process's signal handlers.
const HANDLER_STACK: u64 = 64 << 10;

/// Parks the running thread (with `frames` if it has any left) and goes
/// to the next runnable thread of any process; or ends the program:
/// `Err(outcome)` when every thread is blocked (a deadlock).
fn switch(rt: &mut Runtime, frames: Vec<Frame>) -> Result<Entry, Outcome> {
    let th = &mut rt.threads;
    th.current_mut().frames = frames;
    th.switch_now = false;
    th.switch_due = false;
    let cur = th.current;
    if th.list[cur].detached && matches!(th.list[cur].state, State::Done(_)) {
        th.list.remove(cur);
        th.current = cur
            .checked_sub(1)
            .unwrap_or(th.list.len().saturating_sub(1));
    }
    let target = pick_or_wait(rt)?;
    go_to(rt, target);
    enter(rt)
}

/// The next runnable thread of any process, once the deadlines that
/// passed have fired; when every thread is blocked, waits on the host for
/// the next deadline (`timer::wait`). `Err` when there is none to wait
/// for: a deadlock.
fn pick_or_wait(rt: &mut Runtime) -> Result<Target, Outcome> {
    if rt.prog.timed {
        timer::fire(rt);
    }
    loop {
        if let Some(target) = pick(rt) {
            return Ok(target);
        }
        if !timer::wait(rt) {
            return Err(Outcome::Trap(rt.trap_at(TrapKind::Deadlock, None, 0)));
        }
    }
}

/// Ends the running thread with `value`: its stack freed and its joiners
/// woken.
fn finish(rt: &mut Runtime, value: u64) {
    let th = &mut rt.threads;
    let id = th.current().id;
    let t = th.current_mut();
    t.state = State::Done(value);
    t.until = crate::timer::NEVER;
    t.frames.clear();
    let block = t.block.take();
    for t in th.list.iter_mut() {
        if t.state == State::Join(id) {
            t.state = State::Runnable;
        }
    }
    if let Some(b) = block {
        // The block is the thread's own: freeing it cannot fail.
        let _ = rt.heap.free(b);
    }
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

/// Ends the running process with wait status `status` (exit code `code`
/// for the first process): its descriptors closed, its parent's waits
/// woken, its children given to the first process; then another process
/// runs. `Err` when it was the last: the program's exit (the first
/// process's code), or a deadlock.
fn end_process(rt: &mut Runtime, status: i32, code: i32) -> Result<Entry, Outcome> {
    rt.io.flush();
    let fds: Vec<i32> = rt.proc.fds.keys().copied().collect();
    for fd in fds {
        proc::close_fd(rt, fd);
    }
    let (pid, ppid) = (rt.proc.pid, rt.proc.ppid);
    let Some(mut w) = rt.world.take() else {
        return Err(Outcome::Exit(code));
    };
    if pid == proc::ROOT_PID {
        w.root_status = Some(code);
    } else {
        w.zombies.push(proc::Zombie { pid, ppid, status });
    }
    let exit = w.root_status.unwrap_or(code);
    if w.others.is_empty() {
        return Err(Outcome::Exit(exit));
    }
    for o in w.others.iter_mut() {
        if o.proc.ppid == pid {
            o.proc.ppid = proc::ROOT_PID;
        }
    }
    // Children of an ended process are reaped by nobody: drop them.
    w.zombies.retain(|z| z.ppid != pid);
    w.wake_others(|o, s| o.proc.pid == ppid && matches!(s, State::Child(p) if p <= 0 || p == pid));
    // The parent learns it as on Linux: SIGCHLD (ignored unless it has a
    // handler).
    if let Some(parent) = w.others.iter_mut().find(|o| o.proc.pid == ppid) {
        proc::post_signal(parent, proc::SIGCHLD);
    }
    let runnable = |o: &Runtime| {
        if o.proc.signalled || o.proc.killed.is_some() {
            return Some(o.threads.current);
        }
        o.threads
            .list
            .iter()
            .position(|t| t.state == State::Runnable)
    };
    let later = w
        .others
        .iter()
        .enumerate()
        .filter(|(_, o)| o.proc.pid > pid);
    let earlier = w
        .others
        .iter()
        .enumerate()
        .filter(|(_, o)| o.proc.pid < pid);
    let order: Vec<usize> = later.chain(earlier).map(|(i, _)| i).collect();
    let next = order
        .iter()
        .find_map(|&i| runnable(&w.others[i]).map(|j| (i, Some(j))));
    // None runnable: the next process in order runs once a deadline
    // passes, or the program is deadlocked.
    let (i, j) = next.unwrap_or((order[0], None));
    let mut other = w.others.remove(i);
    std::mem::swap(rt, &mut other);
    hand_over(rt, &mut other);
    // `other` is the ended process: its memory goes with it.
    drop(other);
    rt.world = Some(w);
    let target = match j {
        Some(j) => (None, j),
        None => pick_or_wait(rt)?,
    };
    go_to(rt, target);
    enter(rt)
}

/// What happens at the safepoint the running thread stopped at before it
/// goes on: a fork, a signal, a switch.
fn events(rt: &mut Runtime, frames: Vec<Frame>) -> Result<Entry, Outcome> {
    if rt.proc.fork == proc::Fork::Requested {
        let w = proc::world(rt);
        let pid = w.next_pid;
        let result = match proc::fork_child(rt, &frames, pid) {
            Ok(child) => {
                let w = proc::world(rt);
                w.next_pid += 1;
                w.insert(child);
                pid
            }
            Err(_) => -11,
        };
        rt.proc.fork = proc::Fork::Done(result);
    }
    if rt.proc.killed.is_some() || rt.proc.signalled {
        rt.threads.current_mut().frames = frames;
        return enter(rt);
    }
    if rt.threads.switch_due {
        return switch(rt, frames);
    }
    Ok(Entry::Rewind { frames })
}

/// Runs the program from `entry` on `engine` until it ends or a snapshot is
/// taken, switching threads and processes as the schedule says.
/// `Outcome::Snapshot` holds the running thread's frames; the others are
/// in `rt.threads` and `rt.world`.
pub fn run(engine: &mut dyn Engine, rt: &mut Runtime, entry: Entry) -> Result<Outcome, VmError> {
    let mut entry = Some(entry);
    engine.hosted(rt, &mut |engine, rt| {
        let entry = entry.take().expect("a hosted loop runs once");
        run_here(engine, rt, entry)
    })
}

/// `run`, on the engine's own host thread.
fn run_here(engine: &mut dyn Engine, rt: &mut Runtime, entry: Entry) -> Result<Outcome, VmError> {
    rt.timer.start();
    if rt.prog.timed {
        // A resumed program's deadlines, now that its clock runs.
        timer::rearm(rt);
    }
    let mut entry = entry;
    loop {
        if let Entry::Rewind { frames } = entry {
            entry = match events(rt, frames) {
                Ok(e) => e,
                Err(out) => return Ok(out),
            };
        }
        let next = match engine.run(rt, entry)? {
            Outcome::Snapshot(frames) if !std::mem::take(&mut rt.threads.snapshot) => {
                Ok(Entry::Rewind { frames })
            }
            Outcome::ThreadExit(v) => {
                finish(rt, v);
                if rt
                    .threads
                    .list
                    .iter()
                    .all(|t| matches!(t.state, State::Done(_)))
                {
                    end_process(rt, 0, 0)
                } else {
                    switch(rt, Vec::new())
                }
            }
            Outcome::Exit(code) if rt.world.is_some() => match rt.proc.died_of.take() {
                Some(sig) => end_process(rt, sig, code),
                None => end_process(rt, (code & 0xff) << 8, code),
            },
            Outcome::Trap(t) if rt.proc.pid != proc::ROOT_PID => {
                crate::eprintln_ok!("pivm: trap: {t} (process {})", rt.proc.pid);
                let sig = t.kind.exit_code() - 128;
                end_process(rt, sig, t.kind.exit_code())
            }
            out => return Ok(out),
        };
        entry = match next {
            Ok(e) => e,
            Err(out) => return Ok(out),
        };
    }
}
