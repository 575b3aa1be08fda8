//! The thread builtins pthread.h is written over (`sched` has the model):
//! creation, exit, join, detach, thread-specific data and the futex that
//! every blocking primitive (mutex, condition variable, once) waits on.

use pivm_ir::builtins::THREAD_TLS_SIZE;
use pivm_ir::{contract, TrapKind, Type};

use super::Result;
use crate::alloc::TY_NONE;
use crate::runtime::{Halt, Runtime};
use crate::sched::{self, State, DEFAULT_STACK, MAX_STACK, MIN_STACK};

const ESRCH: u64 = 3;
const EAGAIN: u64 = 11;
const EINVAL: u64 = 22;
const EDEADLK: u64 = 35;

/// -errno as the i64 `__pivm_thread_create` returns.
fn neg(e: u64) -> u64 {
    e.wrapping_neg()
}

/// Asks for a switch at the next safepoint.
fn yield_now(rt: &mut Runtime) {
    rt.threads.switch_now = true;
    rt.poll.kick();
}

/// `(trampoline, start, arg, stack size)`: a new runnable thread that will
/// call `trampoline(start, arg)` on a fresh shadow stack. Its id, or
/// -EAGAIN (too many threads, no memory) or -EINVAL (a trampoline that is
/// not a function of two pointers).
pub fn create(rt: &mut Runtime, a: &[u64], _: Option<&pivm_ir::MemType>) -> Result<u64> {
    let (tramp, start, arg, size) = (a[0], a[1], a[2], a[3]);
    let m = &rt.prog.module;
    let Some(root) = m
        .func_from_ptr(tramp)
        .filter(|f| rt.prog.reach.taken[f.0 as usize])
    else {
        return Ok(neg(EINVAL));
    };
    if !contract::indirect_call_ok(&[Type::Ptr, Type::Ptr], None, &m.funcs[root].signature()) {
        return Ok(neg(EINVAL));
    }
    let size = match size {
        0 => DEFAULT_STACK,
        s if (MIN_STACK..=MAX_STACK).contains(&s) => s.next_multiple_of(16),
        _ => return Ok(neg(EINVAL)),
    };
    Ok(match sched::spawn(rt, root, vec![start, arg], size) {
        Ok(id) => id,
        Err(e) => neg(e),
    })
}

/// Ends the calling thread with `a[0]`.
pub fn exit(_: &mut Runtime, a: &[u64], _: Option<&pivm_ir::MemType>) -> Result<u64> {
    Err(Halt::ThreadExit(a[0]))
}

pub fn self_id(rt: &mut Runtime, _: &[u64], _: Option<&pivm_ir::MemType>) -> Result<u64> {
    Ok(rt.threads.current().id)
}

/// `(thread, out)`: see `Builtin::ThreadJoin`.
pub fn join(rt: &mut Runtime, a: &[u64], _: Option<&pivm_ir::MemType>) -> Result<u64> {
    let (id, out) = (a[0], a[1]);
    let Some(i) = rt.threads.find(id) else {
        return Ok(ESRCH);
    };
    if i == rt.threads.current {
        return Ok(EDEADLK);
    }
    let t = &rt.threads.list[i];
    if t.detached {
        return Ok(EINVAL);
    }
    match t.state {
        State::Done(v) => {
            if out != 0 {
                rt.mem.store(Type::Ptr, out, v)?;
            }
            sched::remove(&mut rt.threads, id);
            Ok(0)
        }
        _ => {
            rt.threads.block(State::Join(id));
            yield_now(rt);
            Ok(EAGAIN)
        }
    }
}

pub fn detach(rt: &mut Runtime, a: &[u64], _: Option<&pivm_ir::MemType>) -> Result<u64> {
    let id = a[0];
    let Some(i) = rt.threads.find(id) else {
        return Ok(ESRCH);
    };
    let t = &mut rt.threads.list[i];
    if t.detached {
        return Ok(EINVAL);
    }
    if matches!(t.state, State::Done(_)) {
        sched::remove(&mut rt.threads, id);
    } else {
        t.detached = true;
    }
    Ok(0)
}

/// The calling thread's thread-specific data block (the first thread's is
/// allocated on first use).
pub fn tls(rt: &mut Runtime, _: &[u64], _: Option<&pivm_ir::MemType>) -> Result<u64> {
    let t = rt.threads.current().tls;
    if t != 0 {
        return Ok(t);
    }
    let Some(block) = rt.heap.malloc(THREAD_TLS_SIZE, TY_NONE) else {
        return Err(Halt::Trap(TrapKind::BadBuiltinCall));
    };
    if !rt.sync_heap() {
        return Err(Halt::Trap(TrapKind::BadBuiltinCall));
    }
    rt.mem.fill(block, 0, THREAD_TLS_SIZE)?;
    rt.threads.current_mut().tls = block;
    Ok(block)
}

/// `(addr, expected)`: see `Builtin::FutexWait`.
pub fn futex_wait(rt: &mut Runtime, a: &[u64], _: Option<&pivm_ir::MemType>) -> Result<u64> {
    let (addr, expected) = (a[0], a[1] as u32);
    if rt.mem.load(Type::I32, addr)? as u32 != expected {
        return Ok(EAGAIN);
    }
    rt.threads.block(State::Futex(addr));
    yield_now(rt);
    Ok(0)
}

/// `(addr, count)`: see `Builtin::FutexWake`.
pub fn futex_wake(rt: &mut Runtime, a: &[u64], _: Option<&pivm_ir::MemType>) -> Result<u64> {
    let n = a[1] as u32 as i32;
    if n <= 0 {
        return Ok(0);
    }
    Ok(rt.threads.wake(a[0], n as u64))
}

pub fn sched_yield(rt: &mut Runtime, _: &[u64], _: Option<&pivm_ir::MemType>) -> Result<u64> {
    if rt.prog.threaded {
        yield_now(rt);
    }
    Ok(0)
}
