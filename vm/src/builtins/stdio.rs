//! stdio builtins over the runtime's streams (`io::Io`). An unknown stream
//! handle traps (`BadBuiltinCall`); an I/O failure returns what C returns.

use pivm_ir::builtins::{STDIN, STDOUT};
use pivm_ir::{MemType, TrapKind, Type};

use super::{printf, Result};
use crate::io::StreamError;
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

fn formatted(rt: &Runtime, fmt: u64, args: &[u64]) -> Result<Vec<u8>> {
    let f = rt.mem.c_str(fmt)?;
    Ok(printf::format(f, args, &rt.mem)?)
}

fn count(n: usize) -> u64 {
    n.min(i32::MAX as usize) as u32 as u64
}

pub fn printf(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    let out = formatted(rt, a[0], &a[1..])?;
    write(rt, STDOUT, &out)?;
    Ok(count(out.len()))
}

pub fn fprintf(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    if !rt.io.is_stream(a[0]) {
        return Err(bad());
    }
    let out = formatted(rt, a[1], &a[2..])?;
    Ok(if write(rt, a[0], &out)? {
        count(out.len())
    } else {
        EOF
    })
}

pub fn sprintf(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    let mut out = formatted(rt, a[1], &a[2..])?;
    let n = out.len();
    out.push(0);
    rt.mem.write(a[0], &out)?;
    Ok(count(n))
}

pub fn snprintf(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    let mut out = formatted(rt, a[2], &a[3..])?;
    let n = out.len();
    let cap = a[1];
    if cap > 0 {
        let keep = (cap - 1).min(n as u64) as usize;
        out.truncate(keep);
        out.push(0);
        rt.mem.write(a[0], &out)?;
    }
    Ok(count(n))
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
    let mut s = rt.mem.c_str(a[0])?.to_vec();
    s.push(b'\n');
    Ok(if write(rt, STDOUT, &s)? {
        count(s.len())
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
    let bytes = rt.mem.read(a[0], total)?;
    Ok(if write(rt, a[3], &bytes)? { n } else { 0 })
}

pub fn fread(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    let (size, n) = (a[1], a[2]);
    let total = size
        .checked_mul(n)
        .ok_or(Halt::Trap(TrapKind::OutOfBounds))?;
    if total == 0 {
        return Ok(0);
    }
    rt.mem.check_range(a[0], total)?;
    let mut buf = vec![0u8; total as usize];
    let mut got = 0;
    while got < buf.len() {
        let k = check(rt.io.read(a[3], &mut buf[got..]), 0)?;
        if k == 0 {
            break;
        }
        got += k;
    }
    rt.mem.write(a[0], &buf[..got])?;
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
    Ok(rt.io.open(&path, &mode).unwrap_or(0))
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
