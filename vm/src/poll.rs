//! The poll word and the snapshot requests behind it. Anyone who wants a
//! snapshot (the timer, the signal watcher, the control socket) queues a
//! `Request` and sets the word; the next safepoint sees the word, and the
//! runtime takes every queued request at once. The interpreter reads the
//! word itself; while the JIT runs, its `VmCtx::poll` is attached as a
//! mirror, so a request from another thread reaches compiled code too.
//!
//! The word is only cleared under the same lock that queues requests, so a
//! request is never lost between a safepoint's check and its clearing.

use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU32, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// Nanoseconds since the first call, never 0.
fn now_ns() -> u64 {
    static BASE: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    BASE.get_or_init(Instant::now).elapsed().as_nanos() as u64 + 1
}

/// The time of CPU-time clock `clock`, nanoseconds (0 if it cannot be
/// read, e.g. its thread has ended).
fn cpu_ns(clock: libc::clockid_t) -> u64 {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `t` is a valid out-pointer.
    if unsafe { libc::clock_gettime(clock, &mut t) } != 0 {
        return 0;
    }
    (t.tv_sec as u64)
        .wrapping_mul(1_000_000_000)
        .wrapping_add(t.tv_nsec as u64)
}

/// One asynchronous snapshot request.
#[derive(Debug)]
pub struct Request {
    /// When it was made (for the latency statistic).
    pub at: Instant,
    /// Exit with status 85 once the snapshot is written.
    pub exit: bool,
    /// Write to this path instead of the run's snapshot path.
    pub path: Option<PathBuf>,
    /// The control-socket client waiting for the result, if any.
    pub reply: Option<UnixStream>,
    /// A migration or copy to start, or the next step of the one running;
    /// such a request asks for no snapshot file.
    pub peer: Option<PeerRequest>,
}

/// What a request asks of the migration machinery (`migrate`).
#[derive(Debug)]
pub enum PeerRequest {
    /// Start sending the program to this receiver.
    Start(Box<crate::migrate::Peer>),
    /// A round of the running migration is done: take the next step.
    Tick,
}

impl Request {
    pub fn new(exit: bool) -> Request {
        Request {
            at: Instant::now(),
            exit,
            path: None,
            reply: None,
            peer: None,
        }
    }

    /// The request a finished migration round makes for the next step.
    pub fn tick() -> Request {
        Request {
            peer: Some(PeerRequest::Tick),
            ..Request::new(false)
        }
    }
}

/// The poll word, its JIT mirror and the queue of requests.
#[derive(Default)]
pub struct Poll {
    word: AtomicU32,
    /// Whether `queue` is non-empty (read at safepoints without the lock).
    pending: AtomicBool,
    /// A kick not yet seen by a safepoint (`kick`).
    kicked: AtomicBool,
    /// Whether every safepoint must reach the runtime (counting).
    keep: AtomicBool,
    /// Snapshots finished (written or failed), for `--snapshot-every`'s
    /// timer (`control::start_timer`).
    finished: AtomicU64,
    /// When the pending latency probe was made (`now_ns`), 0 if none.
    probe_at: AtomicU64,
    /// The CPU time the thread that last served a probe had used when the
    /// pending probe was made, nanoseconds (0: unknown).
    probe_cpu_at: AtomicU64,
    /// That thread's CPU-time clock (`clockid_t`; 0, which is
    /// `CLOCK_REALTIME` and never a thread's clock, if none yet).
    probe_clock: AtomicI64,
    /// Request-to-safepoint latencies of the probes served, nanoseconds:
    /// wall clock, and CPU time of the program's thread when known.
    probes: Mutex<Vec<(u64, Option<u64>)>>,
    inner: Mutex<Inner>,
}

struct Inner {
    /// The running JIT's `VmCtx::poll`, or null.
    mirror: *const AtomicU32,
    /// The running JIT's `VmCtx::max_depth`, or null: 0 while the word is
    /// set or a rewind runs, else `depth_limit`.
    depth: *const AtomicU32,
    depth_limit: u32,
    rewinding: bool,
    queue: Vec<Request>,
}

impl Default for Inner {
    fn default() -> Inner {
        Inner {
            mirror: std::ptr::null(),
            depth: std::ptr::null(),
            depth_limit: 0,
            rewinding: false,
            queue: Vec::new(),
        }
    }
}

// SAFETY: `mirror` and `depth` are only dereferenced under the lock,
// between `attach` and `detach`, whose caller guarantees the pointees live
// that long; an `AtomicU32` may be stored to from any thread.
unsafe impl Send for Inner {}

impl Poll {
    pub fn new() -> Poll {
        Poll::default()
    }

    /// Whether the next safepoint must call the runtime.
    #[inline(always)]
    pub fn is_set(&self) -> bool {
        self.word.load(Ordering::Relaxed) != 0
    }

    /// The word's value, for a JIT context being set up.
    pub fn word(&self) -> u32 {
        self.word.load(Ordering::SeqCst)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn store(&self, inner: &Inner, v: u32) {
        self.word.store(v, Ordering::SeqCst);
        // SAFETY: `attach` registered a live `AtomicU32` that stays valid
        // until `detach`, which takes the same lock.
        if let Some(mirror) = unsafe { inner.mirror.as_ref() } {
            mirror.store(v, Ordering::SeqCst);
        }
        // SAFETY: as above.
        if let Some(depth) = unsafe { inner.depth.as_ref() } {
            let limit = if v != 0 || inner.rewinding {
                0
            } else {
                inner.depth_limit
            };
            depth.store(limit, Ordering::SeqCst);
        }
    }

    /// Keeps the word set for every safepoint (`true`: counting them), or
    /// lets it clear when no request is pending.
    pub fn set_keep(&self, keep: bool) {
        self.keep.store(keep, Ordering::SeqCst);
        let inner = self.lock();
        let v = keep || !inner.queue.is_empty() || self.kick_pending();
        self.store(&inner, v as u32);
    }

    /// Whether a kick waits for a safepoint to begin (`kick`).
    fn kick_pending(&self) -> bool {
        self.kicked.load(Ordering::SeqCst)
    }

    pub fn keep(&self) -> bool {
        self.keep.load(Ordering::Relaxed)
    }

    /// Queues a snapshot request and sets the word.
    pub fn request(&self, r: Request) {
        let mut inner = self.lock();
        inner.queue.push(r);
        self.pending.store(true, Ordering::SeqCst);
        self.store(&inner, 1);
    }

    /// Sets the word without a request: the next safepoint calls the
    /// runtime (a thread that blocked or yielded, `sched`; a timer that
    /// expired). The word stays set until a safepoint that began after
    /// the kick (`safepoint_begins`) has run: a kick that lands while a
    /// safepoint is being served, after it looked at the reason for it and
    /// before it cleared the word, is not lost (a one-shot `alarm` whose
    /// handler a busy loop waits for would never run).
    pub fn kick(&self) {
        let inner = self.lock();
        self.kicked.store(true, Ordering::SeqCst);
        self.store(&inner, 1);
    }

    /// A safepoint reached the runtime and is about to look at every
    /// reason for it: the kicks so far are served.
    #[inline]
    pub fn safepoint_begins(&self) {
        if self.kicked.load(Ordering::Relaxed) {
            self.kicked.store(false, Ordering::SeqCst);
        }
    }

    /// A latency probe (`--probe-latency`, one prober thread): asks for a
    /// safepoint, without a snapshot, and records when it was asked, by the
    /// wall clock and by the CPU-time clock of the thread that served the
    /// last probe (the time the program itself ran until it polled, without
    /// the time the host did not run it); the safepoint that sees it records
    /// how long it took (`probe_reached`). A probe still pending is not
    /// replaced, so a probe's time is its first request.
    pub fn probe(&self) {
        if self.probe_at.load(Ordering::SeqCst) != 0 {
            return;
        }
        let cpu = match self.probe_clock.load(Ordering::SeqCst) {
            0 => 0,
            c => cpu_ns(c as libc::clockid_t),
        };
        self.probe_cpu_at.store(cpu, Ordering::SeqCst);
        self.probe_at.store(now_ns(), Ordering::SeqCst);
        self.kick();
    }

    /// At a safepoint that reached the runtime: serves a pending probe.
    #[inline]
    pub fn probe_reached(&self) {
        if self.probe_at.load(Ordering::Relaxed) == 0 {
            return;
        }
        self.serve_probe();
    }

    #[cold]
    fn serve_probe(&self) {
        // Read before the probe is taken: the prober makes no new probe
        // (and writes no new time) until then.
        let cpu_at = self.probe_cpu_at.load(Ordering::SeqCst);
        let at = self.probe_at.swap(0, Ordering::SeqCst);
        if at == 0 {
            return;
        }
        let took = now_ns().saturating_sub(at);
        let mut own: libc::clockid_t = 0;
        // SAFETY: `own` is a valid out-pointer; the thread is this one.
        let ok = unsafe { libc::pthread_getcpuclockid(libc::pthread_self(), &mut own) } == 0;
        let same = ok && self.probe_clock.load(Ordering::SeqCst) == i64::from(own);
        let cpu = (same && cpu_at != 0).then(|| cpu_ns(own).saturating_sub(cpu_at));
        if ok {
            self.probe_clock.store(i64::from(own), Ordering::SeqCst);
        }
        self.probes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((took, cpu));
    }

    /// The latencies of the probes served so far (wall, CPU time when
    /// known), nanoseconds, in order.
    pub fn probe_latencies(&self) -> Vec<(u64, Option<u64>)> {
        self.probes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// A snapshot's file is finished (written or failed).
    pub fn snapshot_done(&self) {
        self.finished.fetch_add(1, Ordering::SeqCst);
    }

    /// How many snapshots are finished (`snapshot_done`).
    pub fn snapshots_done(&self) -> u64 {
        self.finished.load(Ordering::SeqCst)
    }

    /// Whether a request is queued.
    #[inline]
    pub fn has_requests(&self) -> bool {
        self.pending.load(Ordering::SeqCst)
    }

    /// Takes every queued request and clears the word unless counting.
    pub fn take(&self) -> Vec<Request> {
        let mut inner = self.lock();
        self.pending.store(false, Ordering::SeqCst);
        let v = self.keep.load(Ordering::SeqCst) || self.kick_pending();
        self.store(&inner, v as u32);
        std::mem::take(&mut inner.queue)
    }

    /// Mirrors the word into `word` (a running JIT's `VmCtx::poll`) until
    /// `detach`, and sets it to the current value; with `depth` (its
    /// `VmCtx::max_depth`, the call-depth limit, and whether the run
    /// starts with a rewind), the depth limit too: 0 while the word is set
    /// or until `rewound`, the limit otherwise.
    ///
    /// # Safety
    ///
    /// `word` and `depth`'s word must stay valid until `detach` is called.
    pub unsafe fn attach(
        &self,
        word: *const AtomicU32,
        depth: Option<(*const AtomicU32, u32, bool)>,
    ) {
        let mut inner = self.lock();
        inner.mirror = word;
        (inner.depth, inner.depth_limit, inner.rewinding) =
            depth.unwrap_or((std::ptr::null(), 0, false));
        let v = self.word.load(Ordering::SeqCst);
        self.store(&inner, v);
    }

    /// The rewind the run started with is over: the depth limit mirrors
    /// the word again. Whether a depth limit is mirrored (`attach`).
    pub fn rewound(&self) -> bool {
        let mut inner = self.lock();
        inner.rewinding = false;
        if inner.depth.is_null() {
            return false;
        }
        let v = self.word.load(Ordering::SeqCst);
        self.store(&inner, v);
        true
    }

    /// Stops mirroring.
    pub fn detach(&self) {
        let mut inner = self.lock();
        inner.mirror = std::ptr::null();
        inner.depth = std::ptr::null();
        inner.rewinding = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A kick made while a safepoint is served (after it began) keeps the
    /// word set for the next one; the kicks before it are served by it.
    #[test]
    fn a_kick_during_a_safepoint_is_not_lost() {
        let p = Poll::new();
        p.kick();
        p.safepoint_begins();
        assert!(p.take().is_empty());
        assert!(!p.is_set());
        p.kick();
        p.safepoint_begins();
        p.kick(); // e.g. the timer expires here
        assert!(p.take().is_empty());
        p.set_keep(false);
        assert!(p.is_set(), "the kick was lost");
        p.safepoint_begins();
        assert!(p.take().is_empty());
        assert!(!p.is_set());
    }

    /// A probe keeps the word set until a safepoint serves it, whatever
    /// clears the word for requests in between, and is recorded once.
    #[test]
    fn a_probe_keeps_the_word_set_until_served() {
        let p = Poll::new();
        p.probe();
        assert!(p.is_set());
        assert!(p.take().is_empty());
        p.set_keep(false);
        assert!(p.is_set(), "the pending probe lost its wake-up");
        p.probe(); // still pending: not a second probe
        p.safepoint_begins();
        p.probe_reached();
        assert_eq!(p.probe_latencies().len(), 1);
        assert!(p.take().is_empty());
        assert!(!p.is_set());
        p.safepoint_begins();
        p.probe_reached();
        assert_eq!(p.probe_latencies().len(), 1);
        // A real request is still served with a probe pending.
        p.probe();
        p.request(Request::new(false));
        assert_eq!(p.take().len(), 1);
        assert!(p.is_set());
        p.safepoint_begins();
        p.probe_reached();
        assert!(p.take().is_empty());
        assert!(!p.is_set());
        assert_eq!(p.probe_latencies().len(), 2);
    }
}
