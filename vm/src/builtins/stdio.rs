//! stdio builtins over the runtime's streams (`io::Io`). An unknown stream
//! handle traps (`BadBuiltinCall`); an I/O failure returns what C returns.

use pivm_ir::builtins::{STDIN, STDOUT};
use pivm_ir::{MemType, TrapKind, Type};

use super::{printf, Result};
use crate::io::StreamError;
use crate::memory::Memory;
use crate::runtime::{Halt, Runtime};

const EOF: u64 = (-1i32) as u32 as u64;

fn bad() -> Halt {
    Halt::Trap(TrapKind::BadBuiltinCall)
}

/// Maps a stream error: a bad handle traps, a failure gives `fail`.
fn check<T>(r: std::result::Result<T, StreamError>, fail: T) -> Result<T> {
    match r {
        Ok(v) => Ok(v),
        Err(StreamError::BadHandle) => Err(bad()),
        Err(StreamError::Failed) => Ok(fail),
    }
}

fn write(rt: &mut Runtime, h: u64, bytes: &[u8]) -> Result<bool> {
    check(rt.io.write(h, bytes).map(|_| true), false)
}

/// printf output to a stream, handed to it in pieces of `STREAM_PIECE`
/// bytes: a call that prints less reaches the stream at once (a trap in
/// its middle prints nothing of it), one that prints more is streamed.
struct StreamOut<'r> {
    rt: &'r mut Runtime,
    h: u64,
    buf: Vec<u8>,
    failed: bool,
}

const STREAM_PIECE: usize = 1 << 16;

impl StreamOut<'_> {
    fn flush(&mut self) -> std::result::Result<(), TrapKind> {
        if !self.buf.is_empty() && !self.failed {
            match self.rt.io.write(self.h, &self.buf) {
                Ok(()) => {}
                Err(StreamError::BadHandle) => return Err(TrapKind::BadBuiltinCall),
                Err(StreamError::Failed) => self.failed = true,
            }
        }
        self.buf.clear();
        Ok(())
    }
}

impl printf::Out for StreamOut<'_> {
    fn mem(&self) -> &Memory {
        &self.rt.mem
    }
    fn store(&mut self, ty: Type, addr: u64, v: u64) -> std::result::Result<(), TrapKind> {
        self.rt.mem.store(ty, addr, v)
    }
    fn put(&mut self, bytes: &[u8]) -> std::result::Result<(), TrapKind> {
        self.buf.extend_from_slice(bytes);
        if self.buf.len() >= STREAM_PIECE {
            self.flush()?;
        }
        Ok(())
    }
}

/// Formats with the format at `fmt` to stream `h`: printf's count, or
/// `None` if writing failed.
fn print_to(rt: &mut Runtime, h: u64, fmt: u64, args: &[u64]) -> Result<Option<i32>> {
    let mut out = StreamOut {
        rt,
        h,
        buf: Vec::new(),
        failed: false,
    };
    let n = printf::format(&mut out, fmt, args);
    out.flush()?;
    let n = n?;
    Ok((!out.failed).then_some(n))
}

/// printf output into VM memory at `dst`: the first `cap` bytes are
/// stored, the rest only counted (snprintf).
struct MemOut<'m> {
    mem: &'m mut Memory,
    dst: u64,
    pos: u64,
    cap: u64,
}

impl MemOut<'_> {
    /// Where the next byte goes and how many of `n` are stored.
    fn next(&self, n: u64) -> std::result::Result<(u64, u64), TrapKind> {
        let at = self
            .dst
            .checked_add(self.pos)
            .ok_or(TrapKind::OutOfBounds)?;
        Ok((at, n.min(self.cap.saturating_sub(self.pos))))
    }
}

impl printf::Out for MemOut<'_> {
    fn mem(&self) -> &Memory {
        self.mem
    }
    fn store(&mut self, ty: Type, addr: u64, v: u64) -> std::result::Result<(), TrapKind> {
        self.mem.store(ty, addr, v)
    }
    fn put(&mut self, bytes: &[u8]) -> std::result::Result<(), TrapKind> {
        let (at, keep) = self.next(bytes.len() as u64)?;
        self.mem.write(at, &bytes[..keep as usize])?;
        self.pos += bytes.len() as u64;
        Ok(())
    }
    fn fill(&mut self, byte: u8, n: u64) -> std::result::Result<(), TrapKind> {
        let (at, keep) = self.next(n)?;
        self.mem.fill(at, byte, keep)?;
        self.pos += n;
        Ok(())
    }
    fn copy(&mut self, addr: u64, len: u64) -> std::result::Result<(), TrapKind> {
        let (at, keep) = self.next(len)?;
        self.mem.copy_within(at, addr, keep)?;
        self.pos += len;
        Ok(())
    }
}

/// Formats into memory at `dst`, storing at most `cap` bytes and then a
/// NUL (none if `cap` is `None`, snprintf's size 0); printf's count.
fn print_into(rt: &mut Runtime, dst: u64, cap: Option<u64>, fmt: u64, args: &[u64]) -> Result<u64> {
    let mut out = MemOut {
        mem: &mut rt.mem,
        dst,
        pos: 0,
        cap: cap.unwrap_or(0),
    };
    let n = printf::format(&mut out, fmt, args)?;
    if let Some(cap) = cap {
        let end = dst
            .checked_add(out.pos.min(cap))
            .ok_or(TrapKind::OutOfBounds)?;
        rt.mem.store(Type::I8, end, 0)?;
    }
    Ok(n as u32 as u64)
}

pub fn printf(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    let n = print_to(rt, STDOUT, a[0], &a[1..])?;
    Ok(n.unwrap_or(-1) as u32 as u64)
}

pub fn fprintf(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    if !rt.io.is_stream(a[0]) {
        return Err(bad());
    }
    let n = print_to(rt, a[0], a[1], &a[2..])?;
    Ok(n.map_or(EOF, |n| n as u32 as u64))
}

pub fn sprintf(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    print_into(rt, a[0], Some(u64::MAX), a[1], &a[2..])
}

pub fn snprintf(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    let cap = a[1].checked_sub(1);
    print_into(rt, a[0], cap, a[2], &a[3..])
}

/// The arguments a `va_list` at `ap` holds for the format at `fmt`, as
/// many as the format consumes (a conversion and its `*`s): one 8-byte
/// cell each, but a `long double` (`%Lf`) is two, its size in a
/// program's variadic call (`printf::va_arg_cells`); fewer where VM
/// memory ends (a conversion past them traps as a missing argument does).
fn va_cells(rt: &Runtime, fmt: u64, ap: u64) -> Result<Vec<u64>> {
    let len = rt.mem.strlen(fmt)?;
    let f = rt.mem.slice(fmt, len)?;
    let mut cells = Vec::new();
    let mut at = ap;
    for n in super::printf::va_arg_cells(f) {
        match rt.mem.load(Type::I64, at) {
            Ok(v) => cells.push(v),
            Err(_) => break,
        }
        at = at
            .checked_add(8 * u64::from(n))
            .ok_or(TrapKind::OutOfBounds)?;
    }
    Ok(cells)
}

/// A `v*printf`: calls `f`, its `*printf`, with the first `fixed`
/// arguments (the format last of them) and then the cells of the
/// `va_list` that follows them.
fn with_va_list(
    rt: &mut Runtime,
    a: &[u64],
    fixed: usize,
    f: fn(&mut Runtime, &[u64], Option<&MemType>) -> Result<u64>,
) -> Result<u64> {
    let cells = va_cells(rt, a[fixed - 1], a[fixed])?;
    f(rt, &[&a[..fixed], &cells].concat(), None)
}

pub fn vprintf(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    with_va_list(rt, a, 1, printf)
}

pub fn vfprintf(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    with_va_list(rt, a, 2, fprintf)
}

pub fn vsprintf(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    with_va_list(rt, a, 2, sprintf)
}

pub fn vsnprintf(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    with_va_list(rt, a, 3, snprintf)
}

pub fn putchar(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    let c = a[0] as u8;
    Ok(if write(rt, STDOUT, &[c])? {
        c as u64
    } else {
        EOF
    })
}

pub fn puts(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    let s = rt.mem.c_str(a[0])?;
    let n = s.len() as u64 + 1;
    let r = rt
        .io
        .write(STDOUT, s)
        .and_then(|()| rt.io.write(STDOUT, b"\n"));
    Ok(if check(r.map(|()| true), false)? {
        n.min(i32::MAX as u64)
    } else {
        EOF
    })
}

pub fn fputc(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    let c = a[0] as u8;
    Ok(if write(rt, a[1], &[c])? {
        c as u64
    } else {
        EOF
    })
}

pub fn fputs(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    let s = rt.mem.c_str(a[0])?.to_vec();
    Ok(if write(rt, a[1], &s)? { 1 } else { EOF })
}

pub fn fwrite(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    let (size, n) = (a[1], a[2]);
    let total = size
        .checked_mul(n)
        .ok_or(Halt::Trap(TrapKind::OutOfBounds))?;
    if total == 0 {
        return Ok(0);
    }
    let bytes = rt.mem.slice(a[0], total)?;
    Ok(if check(rt.io.write(a[3], bytes).map(|()| true), false)? {
        n
    } else {
        0
    })
}

pub fn fread(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    let (size, n) = (a[1], a[2]);
    let total = size
        .checked_mul(n)
        .ok_or(Halt::Trap(TrapKind::OutOfBounds))?;
    if total == 0 {
        return Ok(0);
    }
    // Straight into VM memory: no host buffer of the size asked for.
    let buf = rt.mem.slice_mut(a[0], total)?;
    let mut got = 0;
    while got < buf.len() {
        let k = check(rt.io.read(a[3], &mut buf[got..]), 0)?;
        if k == 0 {
            break;
        }
        got += k;
    }
    Ok(got as u64 / size)
}

pub fn fflush(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    if a[0] != 0 && !rt.io.is_stream(a[0]) {
        return Err(bad());
    }
    rt.io.flush();
    Ok(0)
}

fn getc(rt: &mut Runtime, h: u64) -> Result<u64> {
    Ok(match check(rt.io.getc(h), None)? {
        Some(b) => b as u64,
        None => EOF,
    })
}

pub fn getchar(rt: &mut Runtime, _a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    getc(rt, STDIN)
}

pub fn fgetc(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    getc(rt, a[0])
}

/// `ungetc(c, f)`: `c`, or EOF when it cannot be pushed back
/// (`Io::unread`: only the byte just read from a file).
pub fn ungetc(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    let c = a[0] as u32 as i32;
    if c == -1 {
        return Ok(EOF);
    }
    let back = check(rt.io.unread(a[1], c as u8), false)?;
    Ok(if back { (c as u8) as u64 } else { EOF })
}

pub fn clearerr(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    check(rt.io.clear_eof(a[0]), ())?;
    Ok(0)
}

pub fn fgets(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    let (buf, n, h) = (a[0], a[1] as u32 as i32, a[2]);
    if n <= 0 {
        return Ok(0);
    }
    rt.mem.check_range(buf, n as u64)?;
    let mut line = Vec::new();
    while line.len() + 1 < n as usize {
        match check(rt.io.getc(h), None)? {
            Some(b) => {
                line.push(b);
                if b == b'\n' {
                    break;
                }
            }
            None => break,
        }
    }
    if line.is_empty() && n > 1 {
        return Ok(0);
    }
    line.push(0);
    rt.mem.write(buf, &line)?;
    Ok(buf)
}

pub fn fopen(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    let path = String::from_utf8_lossy(rt.mem.c_str(a[0])?).into_owned();
    let mode = String::from_utf8_lossy(rt.mem.c_str(a[1])?).into_owned();
    match rt.io.open(&path, &mode) {
        Ok(h) => Ok(h),
        Err(e) => super::set_errno(rt, e).map(|_| 0),
    }
}

/// `freopen(path, mode, stream)`: the stream, now on `path` (its own path
/// when `path` is NULL) opened with `mode`; NULL with errno set when the
/// open fails, the old file closed either way, as C has it.
pub fn freopen(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    let path = match a[0] {
        0 => None,
        p => Some(String::from_utf8_lossy(rt.mem.c_str(p)?).into_owned()),
    };
    let mode = String::from_utf8_lossy(rt.mem.c_str(a[1])?).into_owned();
    match rt.io.reopen_stream(a[2], path.as_deref(), &mode) {
        Ok(Ok(())) => Ok(a[2]),
        Ok(Err(e)) => super::set_errno(rt, e).map(|_| 0),
        Err(_) => Err(bad()),
    }
}

/// `tmpfile()`: a new anonymous file open for update (`io::Io::open_temp`).
pub fn tmpfile(rt: &mut Runtime, _a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    Ok(rt.io.open_temp())
}

/// `remove(path)`: 0, or -1 with errno set.
pub fn remove(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    let path = String::from_utf8_lossy(rt.mem.c_str(a[0])?).into_owned();
    match rt.io.remove(&path) {
        Ok(()) => Ok(0),
        Err(e) => super::set_errno(rt, e).map(|_| EOF),
    }
}

/// `rename(from, to)`: 0, or -1 with errno set.
pub fn rename(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    let from = String::from_utf8_lossy(rt.mem.c_str(a[0])?).into_owned();
    let to = String::from_utf8_lossy(rt.mem.c_str(a[1])?).into_owned();
    match rt.io.rename(&from, &to) {
        Ok(()) => Ok(0),
        Err(e) => super::set_errno(rt, e).map(|_| EOF),
    }
}

pub fn fclose(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    check(rt.io.close(a[0]).map(|_| 0), EOF)
}

pub fn fseek(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    let r = rt.io.seek(a[0], a[1] as i64, a[2] as u32 as i32);
    check(r.map(|_| 0), EOF)
}

pub fn ftell(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    check(rt.io.tell(a[0]), u64::MAX)
}

pub fn feof(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    check(rt.io.eof(a[0]).map(|e| e as u64), 0)
}

/// Stores a pointer (used by strtol & co. for `endptr`).
pub(crate) fn store_ptr(rt: &mut Runtime, at: u64, v: u64) -> Result<()> {
    if at != 0 {
        rt.mem.store(Type::Ptr, at, v)?;
    }
    Ok(())
}
