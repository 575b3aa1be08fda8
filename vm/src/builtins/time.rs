//! The time builtins time.h, unistd.h and sys/time.h are written over
//! (`timer` has the model): clocks, sleeps, timed waits and the real-time
//! timer behind `alarm` and `setitimer`.

use pivm_ir::builtins::BLOCKED;
use pivm_ir::Type;

use super::Result;
use crate::runtime::Runtime;
use crate::sched::State;
use crate::timer::{self, NEVER};

const EAGAIN: u64 = 11;
const ETIMEDOUT: u64 = 110;

/// `(clock)`: see `Builtin::ClockNs`.
pub fn clock_ns(rt: &mut Runtime, a: &[u64], _: Option<&pivm_ir::MemType>) -> Result<u64> {
    Ok(match a[0] as u32 {
        0 => {
            let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
            since.map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(NEVER))
        }
        1 => rt.timer.now(),
        2 => super::stdlib::clock(rt, &[], None)?.saturating_mul(1000),
        _ => u64::MAX,
    })
}

/// Blocks the running thread in `state` until `deadline` (or a wake) and
/// has the host thread watch the deadline.
fn block_until(rt: &mut Runtime, state: State, deadline: u64) {
    rt.threads.block(state);
    // The longest deadline C can write is no deadline (`pause`).
    rt.threads.current_mut().until = if deadline >= i64::MAX as u64 {
        NEVER
    } else {
        deadline
    };
    rt.poll.kick();
    timer::rearm(rt);
}

/// `(deadline)`: see `Builtin::SleepUntil`.
pub fn sleep_until(rt: &mut Runtime, a: &[u64], _: Option<&pivm_ir::MemType>) -> Result<u64> {
    let deadline = a[0] as i64;
    let t = rt.threads.current_mut();
    if std::mem::take(&mut t.interrupted) {
        return Ok(1);
    }
    if deadline <= 0 || rt.timer.now() >= deadline as u64 {
        return Ok(0);
    }
    block_until(rt, State::Sleep, deadline as u64);
    Ok(BLOCKED as u32 as u64)
}

/// `(addr, expected, deadline)`: see `Builtin::FutexWaitUntil`.
pub fn futex_wait_until(rt: &mut Runtime, a: &[u64], _: Option<&pivm_ir::MemType>) -> Result<u64> {
    let (addr, expected, deadline) = (a[0], a[1] as u32, a[2] as i64);
    if rt.mem.load(Type::I32, addr)? as u32 != expected {
        return Ok(EAGAIN);
    }
    if deadline <= 0 || rt.timer.now() >= deadline as u64 {
        return Ok(ETIMEDOUT);
    }
    block_until(rt, State::Futex(addr), deadline as u64);
    Ok(0)
}

/// `(value, interval, old)`: see `Builtin::Alarm`.
pub fn alarm(rt: &mut Runtime, a: &[u64], _: Option<&pivm_ir::MemType>) -> Result<u64> {
    let (value, interval, old) = (a[0] as i64, a[1] as i64, a[2]);
    let now = rt.timer.now();
    if old != 0 {
        let (left, every) = rt
            .proc
            .alarm
            .map_or((0, 0), |(at, every)| (at.saturating_sub(now).max(1), every));
        rt.mem.store(Type::I64, old, left)?;
        rt.mem.store(Type::I64, old.wrapping_add(8), every)?;
    }
    if value >= 0 {
        rt.proc.alarm =
            (value > 0).then(|| (now.saturating_add(value as u64), interval.max(0) as u64));
        timer::rearm(rt);
    }
    Ok(0)
}

/// See `Builtin::SigInterrupt`.
pub fn sig_interrupt(rt: &mut Runtime, _: &[u64], _: Option<&pivm_ir::MemType>) -> Result<u64> {
    let live = rt
        .threads
        .list
        .iter_mut()
        .find(|t| !matches!(t.state, State::Done(_)));
    if let Some(t) = live.filter(|t| t.state == State::Sleep) {
        t.state = State::Runnable;
        t.until = NEVER;
        t.interrupted = true;
    }
    Ok(0)
}
