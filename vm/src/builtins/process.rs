//! The process builtins unistd.h and sys/wait.h are written over (`proc`
//! has the model): getpid, fork, waitpid, pipes and their descriptors,
//! kill. A call that would block marks the calling thread blocked, asks
//! for a switch and returns `BLOCKED`; the C caller calls again after its
//! next safepoint.

use pivm_ir::builtins::{BLOCKED, STDERR, STDIN, STDOUT};
use pivm_ir::Type;

use super::Result;
use crate::proc::{self, End, Fork, Pipe, MAX_FDS, MAX_PROCESSES, PIPE_CAPACITY};
use crate::runtime::Runtime;
use crate::sched::State;

const EBADF: i64 = 9;
const ECHILD: i64 = 10;
const EAGAIN: i64 = 11;
const EINVAL: i64 = 22;
const EMFILE: i64 = 24;
const EPIPE: i64 = 32;
const ESRCH: i64 = 3;
const SIGPIPE: i32 = 13;

/// `WNOHANG`.
const WNOHANG: u64 = 1;

fn neg(e: i64) -> u64 {
    (-e) as u64
}

/// Blocks the calling thread in `state` and says so.
fn block(rt: &mut Runtime, state: State) -> Result<u64> {
    rt.threads.block(state);
    rt.poll.kick();
    Ok(BLOCKED as u64)
}

pub fn getpid(rt: &mut Runtime, _: &[u64], _: Option<&pivm_ir::MemType>) -> Result<u64> {
    Ok(rt.proc.pid as u32 as u64)
}

pub fn getppid(rt: &mut Runtime, _: &[u64], _: Option<&pivm_ir::MemType>) -> Result<u64> {
    Ok(rt.proc.ppid as u32 as u64)
}

pub fn fork(rt: &mut Runtime, _: &[u64], _: Option<&pivm_ir::MemType>) -> Result<u64> {
    if rt
        .world
        .as_ref()
        .is_some_and(|w| w.processes() >= MAX_PROCESSES)
    {
        return Ok(neg(EAGAIN) as u32 as u64);
    }
    rt.proc.fork = Fork::Requested;
    rt.threads.switch_now = true;
    rt.poll.kick();
    Ok(0)
}

pub fn fork_result(rt: &mut Runtime, _: &[u64], _: Option<&pivm_ir::MemType>) -> Result<u64> {
    match rt.proc.fork {
        Fork::Done(v) => {
            rt.proc.fork = Fork::None;
            Ok(v as u32 as u64)
        }
        Fork::Requested => Ok(BLOCKED as i32 as u32 as u64),
        Fork::None => Ok(neg(EINVAL) as u32 as u64),
    }
}

/// `(pid, status, options)`: as waitpid(2) for pid > 0 (that child) and
/// -1 (any child); 0 and < -1 (process groups) as -1.
pub fn waitpid(rt: &mut Runtime, a: &[u64], _: Option<&pivm_ir::MemType>) -> Result<u64> {
    let (pid, status, options) = (a[0] as u32 as i32, a[1], a[2]);
    let me = rt.proc.pid;
    let Some(w) = rt.world.as_mut() else {
        return Ok(neg(ECHILD) as u32 as u64);
    };
    let matches = |p: i32| pid <= 0 || p == pid;
    if let Some(i) = w
        .zombies
        .iter()
        .position(|z| z.ppid == me && matches(z.pid))
    {
        let z = w.zombies.remove(i);
        if status != 0 {
            rt.mem.store(Type::I32, status, z.status as u32 as u64)?;
        }
        return Ok(z.pid as u32 as u64);
    }
    if !w
        .others
        .iter()
        .any(|o| o.proc.ppid == me && matches(o.proc.pid))
    {
        return Ok(neg(ECHILD) as u32 as u64);
    }
    if options & WNOHANG != 0 {
        return Ok(0);
    }
    block(rt, State::Child(pid)).map(|v| v as u32 as u64)
}

pub fn pipe(rt: &mut Runtime, a: &[u64], _: Option<&pivm_ir::MemType>) -> Result<u64> {
    let out = a[0];
    rt.mem.check_range(out, 8)?;
    let Some(r) = free_fd(rt, 3) else {
        return Ok(neg(EMFILE) as u32 as u64);
    };
    let Some(wfd) = free_fd(rt, r + 1) else {
        return Ok(neg(EMFILE) as u32 as u64);
    };
    let w = proc::world(rt);
    let id = w.next_pipe;
    w.next_pipe += 1;
    w.pipes.insert(
        id,
        Pipe {
            readers: 1,
            writers: 1,
            ..Pipe::default()
        },
    );
    rt.proc.fds.insert(r, (id, End::Read));
    rt.proc.fds.insert(wfd, (id, End::Write));
    rt.mem.store(Type::I32, out, r as u64)?;
    rt.mem.store(Type::I32, out + 4, wfd as u64)?;
    Ok(0)
}

/// The lowest descriptor at or above `from` that is not open.
fn free_fd(rt: &Runtime, from: i32) -> Option<i32> {
    (from..MAX_FDS).find(|fd| !rt.proc.fds.contains_key(fd))
}

/// `(fd, buf, n)`: the standard input, or a pipe's read end.
pub fn read(rt: &mut Runtime, a: &[u64], _: Option<&pivm_ir::MemType>) -> Result<u64> {
    let (fd, buf, n) = (a[0] as u32 as i32, a[1], a[2]);
    let n = n.min(1 << 30);
    if fd == 0 && !rt.proc.fds.contains_key(&0) {
        let dst = rt.mem.slice_mut(buf, n)?;
        let mut tmp = vec![0u8; dst.len()];
        let got = rt.io.read(STDIN, &mut tmp).unwrap_or(0);
        rt.mem.write(buf, &tmp[..got])?;
        return Ok(got as u64);
    }
    let Some(&(id, End::Read)) = rt.proc.fds.get(&fd) else {
        return Ok(neg(EBADF));
    };
    rt.mem.check_range(buf, n)?;
    let w = proc::world(rt);
    let Some(p) = w.pipes.get_mut(&id) else {
        return Ok(neg(EBADF));
    };
    if p.buf.is_empty() {
        if p.writers == 0 || n == 0 {
            return Ok(0);
        }
        return block(rt, State::Pipe(id));
    }
    let k = (n as usize).min(p.buf.len());
    let bytes: Vec<u8> = p.buf.drain(..k).collect();
    rt.mem.write(buf, &bytes)?;
    proc::wake_pipe(rt, id);
    Ok(k as u64)
}

/// `(fd, buf, n)`: the standard output or error, or a pipe's write end
/// (a full pipe blocks the writer; one without readers is EPIPE).
pub fn write(rt: &mut Runtime, a: &[u64], _: Option<&pivm_ir::MemType>) -> Result<u64> {
    let (fd, buf, n) = (a[0] as u32 as i32, a[1], a[2]);
    let n = n.min(1 << 30);
    if (fd == 1 || fd == 2) && !rt.proc.fds.contains_key(&fd) {
        let bytes = rt.mem.slice(buf, n)?.to_vec();
        let h = if fd == 1 { STDOUT } else { STDERR };
        return Ok(match rt.io.write(h, &bytes) {
            Ok(()) => n,
            Err(_) => neg(EBADF),
        });
    }
    let Some(&(id, End::Write)) = rt.proc.fds.get(&fd) else {
        return Ok(neg(EBADF));
    };
    rt.mem.check_range(buf, n)?;
    let w = proc::world(rt);
    let Some(p) = w.pipes.get_mut(&id) else {
        return Ok(neg(EBADF));
    };
    if p.readers == 0 {
        // SIGPIPE first (its default action ends the writer at the
        // safepoint of the retry loop), then EPIPE when called again.
        if std::mem::take(&mut rt.proc.epipe) {
            return Ok(neg(EPIPE));
        }
        rt.proc.epipe = true;
        proc::post_signal(rt, SIGPIPE);
        rt.threads.switch_now = true;
        rt.poll.kick();
        return Ok(BLOCKED as u64);
    }
    let room = PIPE_CAPACITY - p.buf.len().min(PIPE_CAPACITY);
    if room == 0 {
        return block(rt, State::Pipe(id));
    }
    let k = (n as usize).min(room);
    let bytes = rt.mem.slice(buf, k as u64)?.to_vec();
    let w = proc::world(rt);
    if let Some(p) = w.pipes.get_mut(&id) {
        p.buf.extend(bytes);
    }
    proc::wake_pipe(rt, id);
    Ok(k as u64)
}

pub fn close(rt: &mut Runtime, a: &[u64], _: Option<&pivm_ir::MemType>) -> Result<u64> {
    let fd = a[0] as u32 as i32;
    match proc::close_fd(rt, fd) {
        true => Ok(0),
        false if (0..=2).contains(&fd) => Ok(0),
        false => Ok(neg(EBADF) as u32 as u64),
    }
}

/// `(pid, sig)`: marks `sig` pending in process `pid` (delivered when it
/// next runs); signal 0 only checks that the process exists.
pub fn kill(rt: &mut Runtime, a: &[u64], _: Option<&pivm_ir::MemType>) -> Result<u64> {
    let (pid, sig) = (a[0] as u32 as i32, a[1] as u32 as i32);
    if !(0..=64).contains(&sig) {
        return Ok(neg(EINVAL) as u32 as u64);
    }
    if pid == rt.proc.pid {
        if sig != 0 {
            proc::post_signal(rt, sig);
            rt.threads.switch_now = true;
            rt.poll.kick();
        }
        return Ok(0);
    }
    let Some(w) = rt.world.as_mut() else {
        return Ok(neg(ESRCH) as u32 as u64);
    };
    let Some(target) = w.others.iter_mut().find(|o| o.proc.pid == pid) else {
        return Ok(neg(ESRCH) as u32 as u64);
    };
    if sig != 0 {
        proc::post_signal(target, sig);
    }
    Ok(0)
}

/// `(sig)`: see `Builtin::Die`.
pub fn die(rt: &mut Runtime, a: &[u64], _: Option<&pivm_ir::MemType>) -> Result<u64> {
    let sig = (a[0] as u32 as i32).clamp(1, 127);
    rt.proc.died_of = Some(sig);
    Err(crate::runtime::Halt::Exit(128 + sig))
}
