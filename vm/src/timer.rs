//! Time in the VM: the monotonic clock, sleeps, timed waits and each
//! process's real-time timer (`alarm`, `setitimer`).
//!
//! The monotonic clock is the VM's own: nanoseconds the program has run,
//! stopped while it is a snapshot (a resume goes on from the snapshot's
//! reading, on any host), so every deadline is a plain number in VM memory
//! or in the snapshot. A thread that sleeps or waits with a timeout is
//! blocked with a deadline (`Thread::until`); a process's timer is a
//! deadline and an interval (`Proc::alarm`).
//!
//! Deadlines reach the program two ways. While a thread runs, a host
//! thread (`Timer`'s) sleeps until the earliest deadline and sets the poll
//! word, so the next safepoint calls the runtime, which `fire`s: sleepers
//! whose deadline passed become runnable, an expired timer makes SIGALRM
//! pending. When every thread of every process is blocked, the scheduler
//! waits on the host for the earliest deadline (`wait`) instead of
//! reporting a deadlock. Both are the only events in pivm that depend on
//! the host's time, as they do natively: a program that sleeps or takes
//! SIGALRM is scheduled by time, not only by its safepoints.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::poll::Poll;
use crate::runtime::Runtime;
use crate::sched::State;

/// No deadline.
pub const NEVER: u64 = u64::MAX;

/// SIGALRM.
const SIGALRM: i32 = 14;

/// The longest the scheduler sleeps on the host at once while every thread
/// waits for a deadline: how late a snapshot request made meanwhile is
/// served, at worst.
const WAIT_STEP: Duration = Duration::from_millis(1);

/// The VM's monotonic clock and the host thread that sets the poll word at
/// the earliest deadline; one for all the processes of a run.
pub struct Timer {
    /// The host instant from which the clock runs, reading `at_start`
    /// then: set when the program starts running (`start`), so neither
    /// loading nor compiling it counts.
    start: OnceLock<Instant>,
    at_start: u64,
    shared: Arc<Shared>,
}

struct Shared {
    poll: Arc<Poll>,
    state: Mutex<Alarm>,
    cv: Condvar,
    /// The host thread set the poll word for a deadline: the next
    /// safepoint fires (`fire_if_due`).
    due: AtomicBool,
}

struct Alarm {
    /// When the host thread wakes, on the host's clock.
    next: Option<Instant>,
    /// Whether the host thread was started.
    running: bool,
    /// The timer was dropped: the host thread ends.
    done: bool,
}

impl Timer {
    /// A clock that reads `at` until it `start`s.
    pub fn new(poll: Arc<Poll>, at: u64) -> Timer {
        Timer {
            start: OnceLock::new(),
            at_start: at,
            shared: Arc::new(Shared {
                poll,
                state: Mutex::new(Alarm {
                    next: None,
                    running: false,
                    done: false,
                }),
                cv: Condvar::new(),
                due: AtomicBool::new(false),
            }),
        }
    }

    /// Starts the clock, unless it runs already: the program starts or
    /// resumes running.
    pub fn start(&self) {
        self.start.get_or_init(Instant::now);
    }

    /// The monotonic clock, in nanoseconds.
    pub fn now(&self) -> u64 {
        let d = self.start.get().map_or(0, |s| s.elapsed().as_nanos());
        self.at_start
            .saturating_add(u64::try_from(d).unwrap_or(NEVER))
    }

    /// The host instant at which the clock reads `t`, once it runs.
    fn instant_of(&self, t: u64) -> Option<Instant> {
        let d = Duration::from_nanos(t.saturating_sub(self.at_start));
        self.start.get()?.checked_add(d)
    }

    /// Has the host thread set the poll word at `deadline` (`NEVER`: not
    /// at all), replacing what it was set to (nothing before the clock
    /// runs: `sched::run` arms it then).
    pub fn arm(&self, deadline: u64) {
        let sh = &self.shared;
        let mut st = sh.state.lock().unwrap_or_else(|e| e.into_inner());
        let next = if deadline == NEVER {
            None
        } else {
            self.instant_of(deadline)
        };
        // The host thread needs waking only for an earlier deadline: at a
        // later one or none it wakes, finds nothing due and waits again.
        let sooner = match (next, st.next) {
            (Some(n), Some(o)) => n < o,
            (n, _) => n.is_some(),
        };
        st.next = next;
        if st.next.is_some() && !st.running {
            let s = sh.clone();
            let spawned = std::thread::Builder::new()
                .name("pivm-timer".into())
                .spawn(move || s.run());
            // Without the thread, deadlines are still seen at the
            // scheduler's switches and waits.
            st.running = spawned.is_ok();
        }
        if sooner {
            sh.cv.notify_one();
        }
    }

    /// Whether the host thread set the poll word for a deadline since the
    /// last call.
    pub fn take_due(&self) -> bool {
        let due = &self.shared.due;
        due.load(Ordering::Relaxed) && due.swap(false, Ordering::SeqCst)
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        let sh = &self.shared;
        sh.state.lock().unwrap_or_else(|e| e.into_inner()).done = true;
        sh.cv.notify_one();
    }
}

impl Shared {
    /// The host thread: sleeps until the deadline, then sets the poll word.
    fn run(&self) {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if st.done {
                return;
            }
            st = match st.next {
                None => self.cv.wait(st).unwrap_or_else(|e| e.into_inner()),
                Some(at) => {
                    let now = Instant::now();
                    if now >= at {
                        st.next = None;
                        self.due.store(true, Ordering::SeqCst);
                        self.poll.kick();
                        continue;
                    }
                    let (g, _) = self
                        .cv
                        .wait_timeout(st, at - now)
                        .unwrap_or_else(|e| e.into_inner());
                    g
                }
            };
        }
    }
}

/// The earliest deadline of every process of the program (`NEVER`: none):
/// sleeps, timed waits, timers.
pub fn earliest(rt: &Runtime) -> u64 {
    let own = |r: &Runtime| {
        let t = r
            .threads
            .list
            .iter()
            .map(|t| t.deadline())
            .min()
            .unwrap_or(NEVER);
        t.min(r.proc.alarm.map_or(NEVER, |a| a.0))
    };
    let others = rt.world.iter().flat_map(|w| w.others.iter());
    others.map(own).fold(own(rt), u64::min)
}

/// Sets the host thread to the earliest deadline.
pub fn rearm(rt: &Runtime) {
    rt.timer.arm(earliest(rt));
}

/// What the deadlines that passed do, in every process: sleepers and timed
/// waiters become runnable, expired timers make SIGALRM pending (and start
/// again if they have an interval). Then the host thread is set to the
/// next deadline.
pub fn fire(rt: &mut Runtime) {
    let now = rt.timer.now();
    fire_own(rt, now);
    if let Some(w) = rt.world.as_mut() {
        for o in w.others.iter_mut() {
            fire_own(o, now);
        }
    }
    rearm(rt);
}

fn fire_own(rt: &mut Runtime, now: u64) {
    for t in rt.threads.list.iter_mut() {
        if t.until <= now && matches!(t.state, State::Futex(_) | State::Sleep) {
            t.state = State::Runnable;
            t.until = NEVER;
        }
    }
    if let Some((at, every)) = rt.proc.alarm {
        if at <= now {
            rt.proc.alarm = match every {
                0 => None,
                // The next expiry after now (missed ones merge, as a
                // pending signal does).
                _ => {
                    let periods = (now - at) / every + 1;
                    Some((at.saturating_add(periods.saturating_mul(every)), every))
                }
            };
            crate::proc::post_signal(rt, SIGALRM);
        }
    }
}

/// At a safepoint whose poll word the host thread set: fires.
pub fn fire_if_due(rt: &mut Runtime) {
    if rt.timer.take_due() {
        fire(rt);
    }
}

/// Every thread is blocked: waits on the host until a deadline passes (and
/// fires it) or a snapshot is asked for. `false` if there is no deadline
/// to wait for (a deadlock).
pub fn wait(rt: &mut Runtime) -> bool {
    let deadline = earliest(rt);
    if deadline == NEVER {
        return false;
    }
    loop {
        let now = rt.timer.now();
        if now >= deadline {
            fire(rt);
            return true;
        }
        if rt.poll.has_requests() {
            // A snapshot is taken at a safepoint: the thread that waits
            // goes on as if woken early, and blocks again at once (every
            // wait is a loop that re-checks what it waits for).
            spurious_wake(rt);
            return true;
        }
        std::thread::sleep(WAIT_STEP.min(Duration::from_nanos(deadline - now)));
    }
}

/// Makes the first blocked thread runnable: of the running process if it
/// has one, else of another.
fn spurious_wake(rt: &mut Runtime) {
    let blocked = |s: State| !matches!(s, State::Runnable | State::Done(_));
    let others = rt.world.iter_mut().flat_map(|w| w.others.iter_mut());
    let mut all = std::iter::once(&mut rt.threads).chain(others.map(|o| &mut o.threads));
    if let Some(t) = all.find_map(|th| th.list.iter_mut().find(|t| blocked(t.state))) {
        t.state = State::Runnable;
        t.until = NEVER;
    }
}
