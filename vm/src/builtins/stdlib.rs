//! stdlib builtins: the heap (over `alloc::Allocator`), exit and abort,
//! number parsing like glibc's strto*, and glibc's rand.

use pivm_ir::builtins::STDERR;
use pivm_ir::{MemType, TrapKind};

use super::stdio::store_ptr;
use super::{set_errno, Result};
use crate::alloc::{base_ty_id, TyId, TY_NONE};
use crate::fs::errno;
use crate::rand::RandState;
use crate::runtime::{Halt, Runtime};

fn bad() -> Halt {
    Halt::Trap(TrapKind::BadBuiltinCall)
}

/// The allocator's id of a call's allocation type. JIT code passes a
/// reference into `Program::alloc_types`, whose ids are fixed: found by
/// address, no hashing. Any other type (the interpreter's, strdup's) is
/// interned.
#[inline]
fn type_id(rt: &mut Runtime, ty: Option<&MemType>) -> TyId {
    let Some(t) = ty else {
        return TY_NONE;
    };
    let base = rt.prog.alloc_types.as_slice();
    let off = (t as *const MemType as usize).wrapping_sub(base.as_ptr() as usize);
    let i = off / std::mem::size_of::<MemType>();
    if off.is_multiple_of(std::mem::size_of::<MemType>()) && i < base.len() {
        return base_ty_id(i as u64 + 1);
    }
    rt.heap.type_id(Some(t))
}

/// Allocates `size` bytes of type id `ty`; 0 when the heap is exhausted.
#[inline(always)]
pub fn allocate_id(rt: &mut Runtime, size: u64, ty: TyId) -> u64 {
    let top = rt.heap.heap_top();
    let r = rt.heap.malloc(size, ty);
    placed(rt, top, r)
}

/// The block the allocator placed (`r`; the heap top was `top` before)
/// once memory covers it; 0 if there is none or memory cannot grow.
#[inline(always)]
fn placed(rt: &mut Runtime, top: u64, r: Option<u64>) -> u64 {
    match r {
        Some(p) if rt.heap.heap_top() == top || rt.sync_heap() => p,
        Some(p) => {
            rt.heap.free(p);
            0
        }
        None => 0,
    }
}

/// Allocates `size` bytes; 0 when the heap is exhausted.
#[inline]
pub fn allocate(rt: &mut Runtime, size: u64, ty: Option<&MemType>) -> u64 {
    let id = type_id(rt, ty);
    allocate_id(rt, size, id)
}

pub fn malloc(rt: &mut Runtime, a: &[u64], t: Option<&MemType>) -> Result<u64> {
    Ok(allocate(rt, a[0], t))
}

/// `__pivm_vla_alloc(size)`: a variable-length array's storage, a heap
/// block like malloc's; a size that is not positive (as a signed
/// number), or that the heap cannot hold, traps.
pub fn vla_alloc(rt: &mut Runtime, a: &[u64], t: Option<&MemType>) -> Result<u64> {
    if (a[0] as i64) <= 0 {
        return Err(Halt::Trap(TrapKind::VlaSize));
    }
    match allocate(rt, a[0], t) {
        0 => Err(Halt::Trap(TrapKind::VlaSize)),
        p => Ok(p),
    }
}

/// malloc called from JIT code: `a` is `(size)`, or `(size, key)` with the
/// key of the call's allocation type in `Program::alloc_types`, whose
/// allocator id is `base_ty_id(key)`.
#[inline(always)]
pub fn malloc_keyed(rt: &mut Runtime, a: &[u64]) -> Result<u64> {
    let ty = match *a {
        [_] => TY_NONE,
        [_, key] if key >= 1 && key <= rt.prog.alloc_types.as_slice().len() as u64 => {
            base_ty_id(key)
        }
        _ => return Err(bad()),
    };
    Ok(allocate_id(rt, a[0], ty))
}

/// `aligned_alloc(alignment, size)`: NULL with EINVAL unless the
/// alignment is a power of two (as glibc); NULL when the heap is exhausted.
pub fn aligned_alloc(rt: &mut Runtime, a: &[u64], t: Option<&MemType>) -> Result<u64> {
    let (align, size) = (a[0], a[1]);
    if !align.is_power_of_two() {
        set_errno(rt, errno::EINVAL)?;
        return Ok(0);
    }
    let ty = type_id(rt, t);
    let top = rt.heap.heap_top();
    let r = rt.heap.malloc_aligned(size, align, ty);
    Ok(placed(rt, top, r))
}

pub fn calloc(rt: &mut Runtime, a: &[u64], t: Option<&MemType>) -> Result<u64> {
    let Some(n) = a[0].checked_mul(a[1]) else {
        return Ok(0);
    };
    let p = allocate(rt, n, t);
    if p != 0 {
        zero(rt, p, n)?;
    }
    Ok(p)
}

/// Zeroes the block `[p, p + n)` for calloc. A large block writes only
/// the pages the host holds data for (`Memory::touched`): the others were
/// never written and read as zero, so they stay unbacked, as with glibc's
/// calloc of fresh memory (no page faults now, no resident memory until
/// the program writes them, and no long builtin call that a snapshot
/// request waits for).
fn zero(rt: &mut Runtime, p: u64, n: u64) -> Result<()> {
    /// Below this, filling costs less than asking the kernel.
    const SPARSE: u64 = 256 << 10;
    if n >= SPARSE {
        if let Some(backed) = rt.mem.touched(p, p + n) {
            for (s, e) in backed {
                rt.mem.fill(s, 0, e - s)?;
            }
            return Ok(());
        }
    }
    rt.mem.fill(p, 0, n)?;
    Ok(())
}

pub fn realloc(rt: &mut Runtime, a: &[u64], t: Option<&MemType>) -> Result<u64> {
    let (p, n) = (a[0], a[1]);
    if p == 0 {
        return Ok(allocate(rt, n, t));
    }
    if n == 0 {
        return free(rt, &[p], None);
    }
    let top = rt.heap.heap_top();
    let r = rt.heap.resize(p, n).ok_or_else(bad)?;
    if r.in_place {
        if rt.heap.heap_top() == top || rt.sync_heap() {
            return Ok(p);
        }
        rt.heap.resize_in_place(p, r.old);
        return Ok(0);
    }
    let old = r.old;
    let ty = match t {
        Some(t) => type_id(rt, Some(t)),
        None => r.ty,
    };
    let q = allocate_id(rt, n, ty);
    if q == 0 {
        return Ok(0);
    }
    rt.mem.copy_within(q, p, old.min(n))?;
    rt.heap.free(p);
    Ok(q)
}

#[inline]
pub fn free(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    if a[0] != 0 && !rt.heap.free(a[0]) {
        return Err(bad());
    }
    Ok(0)
}

pub fn exit(_rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    Err(Halt::Exit(a[0] as u32 as i32))
}

pub fn abort(_rt: &mut Runtime, _a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    Err(Halt::Trap(TrapKind::Abort))
}

pub fn abs(_rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    Ok((a[0] as u32 as i32).wrapping_abs() as u32 as u64)
}

pub fn labs(_rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    Ok((a[0] as i64).wrapping_abs() as u64)
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

/// Parses an integer like glibc `strtoul`/`strtol`: returns (negative,
/// magnitude saturated to u64, overflowed, bytes consumed; 0 if no digits).
fn parse_int(s: &[u8], base: u32) -> (bool, u64, bool, usize) {
    let mut i = 0;
    while i < s.len() && is_space(s[i]) {
        i += 1;
    }
    let mut neg = false;
    if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
        neg = s[i] == b'-';
        i += 1;
    }
    let mut base = base;
    let hex_prefix = i + 1 < s.len()
        && s[i] == b'0'
        && (s[i + 1] | 0x20) == b'x'
        && s.get(i + 2).is_some_and(|c| c.is_ascii_hexdigit());
    if (base == 0 || base == 16) && hex_prefix {
        i += 2;
        base = 16;
    } else if base == 0 {
        base = if s.get(i) == Some(&b'0') { 8 } else { 10 };
    }
    let start = i;
    let mut v: u64 = 0;
    let mut over = false;
    while i < s.len() {
        let Some(d) = (s[i] as char).to_digit(36).filter(|&d| d < base) else {
            break;
        };
        match v
            .checked_mul(base as u64)
            .and_then(|x| x.checked_add(d as u64))
        {
            Some(x) => v = x,
            None => over = true,
        }
        i += 1;
    }
    if i == start {
        return (false, 0, false, 0);
    }
    (neg, if over { u64::MAX } else { v }, over, i)
}

fn strtol_value(s: &[u8], base: u32) -> (i64, usize) {
    let (neg, v, over, n) = parse_int(s, base);
    let r = if neg {
        if over || v > i64::MIN.unsigned_abs() {
            i64::MIN
        } else {
            (v as i64).wrapping_neg()
        }
    } else if over || v > i64::MAX as u64 {
        i64::MAX
    } else {
        v as i64
    };
    (r, n)
}

fn valid_base(b: u32) -> bool {
    b == 0 || (2..=36).contains(&b)
}

pub fn atoi(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    let (v, _) = strtol_value(rt.mem.c_str(a[0])?, 10);
    Ok(v as i32 as u32 as u64)
}

pub fn atol(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    Ok(strtol_value(rt.mem.c_str(a[0])?, 10).0 as u64)
}

pub fn strtol(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    let base = a[2] as u32;
    if !valid_base(base) {
        // glibc leaves `*end` alone.
        set_errno(rt, errno::EINVAL)?;
        return Ok(0);
    }
    let (neg, v, over, n) = parse_int(rt.mem.c_str(a[0])?, base);
    let (r, _) = strtol_value(rt.mem.c_str(a[0])?, base);
    if over
        || v > if neg {
            i64::MIN.unsigned_abs()
        } else {
            i64::MAX as u64
        }
    {
        set_errno(rt, errno::ERANGE)?;
    }
    store_ptr(rt, a[1], a[0] + n as u64)?;
    Ok(r as u64)
}

pub fn strtoul(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    let base = a[2] as u32;
    if !valid_base(base) {
        // glibc leaves `*end` alone.
        set_errno(rt, errno::EINVAL)?;
        return Ok(0);
    }
    let (neg, v, over, n) = parse_int(rt.mem.c_str(a[0])?, base);
    if over {
        set_errno(rt, errno::ERANGE)?;
    }
    let r = if over {
        u64::MAX
    } else if neg {
        v.wrapping_neg()
    } else {
        v
    };
    store_ptr(rt, a[1], a[0] + n as u64)?;
    Ok(r)
}

/// Parses the longest prefix of `s` that is a decimal float (or inf/nan)
/// like glibc `strtod`; returns the value and the bytes consumed.
pub fn parse_float(s: &[u8]) -> (f64, usize) {
    let mut i = 0;
    while i < s.len() && is_space(s[i]) {
        i += 1;
    }
    let start = i;
    if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
        i += 1;
    }
    let rest = &s[i..];
    let lower: Vec<u8> = rest
        .iter()
        .take(8)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    for word in [&b"infinity"[..], b"inf", b"nan"] {
        if lower.starts_with(word) {
            let mut end = i + word.len();
            let text = std::str::from_utf8(&s[start..end]).unwrap_or("0");
            let v = text.parse().unwrap_or(0.0);
            // `nan(chars)`: glibc reads the parenthesized tag too.
            if word == b"nan" && s.get(end) == Some(&b'(') {
                let tag = s[end + 1..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
                    .count();
                if s.get(end + 1 + tag) == Some(&b')') {
                    end += tag + 2;
                }
            }
            return (v, end);
        }
    }
    let negative = s.get(start) == Some(&b'-');
    if lower.len() > 1 && lower[0] == b'0' && lower[1] == b'x' {
        if let Some((v, end, _)) = pivm_ir::hexfloat::parse(s, i + 2) {
            return (if negative { -v } else { v }, end);
        }
    }
    let digits_from = |i: &mut usize| {
        let b = *i;
        while *i < s.len() && s[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - b
    };
    let mut nd = digits_from(&mut i);
    if i < s.len() && s[i] == b'.' {
        let mut j = i + 1;
        let frac = digits_from(&mut j);
        if nd + frac > 0 {
            nd += frac;
            i = j;
        }
    }
    if nd == 0 {
        return (0.0, 0);
    }
    if i < s.len() && (s[i] | 0x20) == b'e' {
        let mut j = i + 1;
        if j < s.len() && (s[j] == b'+' || s[j] == b'-') {
            j += 1;
        }
        if digits_from(&mut j) > 0 {
            i = j;
        }
    }
    let text = std::str::from_utf8(&s[start..i]).unwrap_or("0");
    (text.parse().unwrap_or(0.0), i)
}

pub fn atof(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    Ok(parse_float(rt.mem.c_str(a[0])?).0.to_bits())
}

/// `strtod`; errno is ERANGE, as glibc sets it, when a finite number
/// overflows to infinity or a nonzero one comes out zero or subnormal and
/// inexact (a decimal one always is).
pub fn strtod(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    let s = rt.mem.c_str(a[0])?;
    let (v, n) = parse_float(s);
    if out_of_range(&s[..n], v) {
        set_errno(rt, errno::ERANGE)?;
    }
    store_ptr(rt, a[1], a[0] + n as u64)?;
    Ok(v.to_bits())
}

/// Whether `text`, a number `parse_float` read as `v`, is out of range.
fn out_of_range(text: &[u8], v: f64) -> bool {
    let t: Vec<u8> = text
        .iter()
        .copied()
        .skip_while(|&c| is_space(c) || c == b'+' || c == b'-')
        .collect();
    if t.first().is_some_and(|c| c.is_ascii_alphabetic()) {
        return false; // inf, infinity, nan
    }
    if v.is_infinite() {
        return true;
    }
    let hex = t.len() > 1 && t[0] == b'0' && (t[1] | 0x20) == b'x';
    let mantissa = if hex { &t[2..] } else { &t[..] };
    let exp_mark = if hex { b'p' } else { b'e' };
    let nonzero = mantissa
        .iter()
        .take_while(|&&c| c | 0x20 != exp_mark)
        .any(|&c| c.is_ascii_hexdigit() && c != b'0');
    let exact = hex && pivm_ir::hexfloat::parse(&t, 2).is_some_and(|(_, _, exact)| exact);
    nonzero && (v == 0.0 || (v.is_subnormal() && !exact))
}

pub fn rand(rt: &mut Runtime, _a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    Ok(rt.rand.random() as u32 as u64)
}

pub fn srand(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    rt.rand = RandState::new(a[0] as u32);
    Ok(0)
}

/// `assert` failure: `file:line: Assertion `expr' failed.` then abort.
pub fn assert_fail(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    let expr = rt.mem.c_str(a[0]).unwrap_or(b"?").to_vec();
    let file = rt.mem.c_str(a[1]).unwrap_or(b"?").to_vec();
    let mut msg = file;
    msg.extend_from_slice(format!(":{}: Assertion `", a[2] as u32 as i32).as_bytes());
    msg.extend_from_slice(&expr);
    msg.extend_from_slice(b"' failed.\n");
    rt.io.flush();
    let _ = rt.io.write(STDERR, &msg);
    Err(Halt::Trap(TrapKind::Abort))
}

/// Processor time in microseconds (CLOCKS_PER_SEC is 1000000).
pub fn clock(_rt: &mut Runtime, _a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid timespec to write.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    #[allow(
        clippy::useless_conversion,
        reason = "time_t and c_long are 32 bits on some hosts"
    )]
    let (secs, nanos): (i64, i64) = (ts.tv_sec.into(), ts.tv_nsec.into());
    Ok((secs * 1_000_000 + nanos / 1000) as u64)
}

/// `time(t)`: whole seconds since the Epoch (UTC) from the host's clock,
/// also stored at `t` when it is not null. Not state: a resumed program
/// reads the clock of the host it resumes on, as a native one would.
pub fn time(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    if a[0] != 0 {
        rt.mem.store(pivm_ir::Type::I64, a[0], now as u64)?;
    }
    Ok(now as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strto() {
        assert_eq!(strtol_value(b"  -42xyz", 10), (-42, 5));
        assert_eq!(strtol_value(b"0x1fg", 0), (31, 4));
        assert_eq!(strtol_value(b"0x", 16), (0, 1));
        assert_eq!(strtol_value(b"017", 0), (15, 3));
        assert_eq!(strtol_value(b"99999999999999999999", 10).0, i64::MAX);
        assert_eq!(strtol_value(b"-9223372036854775808", 10).0, i64::MIN);
        assert_eq!(strtol_value(b"abc", 10), (0, 0));
        assert_eq!(parse_float(b" 1.5e3x"), (1500.0, 6));
        assert_eq!(parse_float(b"-.5"), (-0.5, 3));
        assert_eq!(parse_float(b"1e"), (1.0, 1));
        assert_eq!(parse_float(b"."), (0.0, 0));
        assert!(parse_float(b"-Infinity").0.is_infinite());
        assert_eq!(parse_float(b"nanx").1, 3);
    }
}
