//! string.h builtins at the host's speed: each checks its ranges once, then
//! runs over host slices with `ptr::copy`/`fill` (the host's memmove and
//! memset), the `memchr` crate (SIMD searches) and word-at-a-time compares.
//! A range is checked as a whole before it is written, so a bad pointer
//! traps like a load or store would; a string that runs past the end of
//! valid memory traps too.

use pivm_ir::contract::NULL_PAGE;
use pivm_ir::{MemType, TrapKind, Type};

use super::Result;
use crate::memory::{find_byte, Memory};
use crate::runtime::Runtime;

/// The bytes from `addr` to the end of valid memory (at least one), checked
/// like a load at `addr`.
#[inline]
fn tail(mem: &Memory, addr: u64) -> std::result::Result<&[u8], TrapKind> {
    if addr < NULL_PAGE {
        return Err(TrapKind::NullAccess);
    }
    if addr >= mem.limit() {
        return Err(TrapKind::OutOfBounds);
    }
    mem.slice(addr, mem.limit() - addr)
}

/// The length of the string at `addr`.
#[inline]
fn c_len(mem: &Memory, addr: u64) -> std::result::Result<u64, TrapKind> {
    let s = tail(mem, addr)?;
    find_byte(s, 0)
        .map(|n| n as u64)
        .ok_or(TrapKind::OutOfBounds)
}

/// The string at `addr`, without its NUL.
#[inline]
fn c_str(mem: &Memory, addr: u64) -> std::result::Result<&[u8], TrapKind> {
    let s = tail(mem, addr)?;
    let n = find_byte(s, 0).ok_or(TrapKind::OutOfBounds)?;
    Ok(&s[..n])
}

/// At most `max` bytes of the string at `addr` (stops at a NUL; only the
/// bytes read are checked).
fn c_str_max(mem: &Memory, addr: u64, max: u64) -> std::result::Result<&[u8], TrapKind> {
    if max == 0 {
        return Ok(&[]);
    }
    let s = tail(mem, addr)?;
    let avail = &s[..(s.len() as u64).min(max) as usize];
    match find_byte(avail, 0) {
        Some(n) => Ok(&avail[..n]),
        None if avail.len() as u64 == max => Ok(avail),
        None => Err(TrapKind::OutOfBounds),
    }
}

pub fn memcpy(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    rt.mem.copy_within(a[0], a[1], a[2])?;
    Ok(a[0])
}

pub fn memmove(rt: &mut Runtime, a: &[u64], t: Option<&MemType>) -> Result<u64> {
    memcpy(rt, a, t)
}

pub fn memset(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    rt.mem.fill(a[0], a[1] as u8, a[2])?;
    Ok(a[0])
}

use pivm_ir::builtins::{compare_bytes, compare_strings};

/// `compare_strings`, trapping where it runs off the end of memory.
#[inline]
fn cmp_str(x: &[u8], y: &[u8], max: u64) -> std::result::Result<u64, TrapKind> {
    compare_strings(x, y, max).ok_or(TrapKind::OutOfBounds)
}

pub fn memcmp(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    let x = rt.mem.slice(a[0], a[2])?;
    let y = rt.mem.slice(a[1], a[2])?;
    Ok(compare_bytes(x, y))
}

pub fn strlen(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    Ok(c_len(&rt.mem, a[0])?)
}

pub fn strcmp(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    Ok(cmp_str(
        tail(&rt.mem, a[0])?,
        tail(&rt.mem, a[1])?,
        u64::MAX,
    )?)
}

pub fn strncmp(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    if a[2] == 0 {
        return Ok(0);
    }
    Ok(cmp_str(tail(&rt.mem, a[0])?, tail(&rt.mem, a[1])?, a[2])?)
}

pub fn strcpy(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    let n = c_len(&rt.mem, a[1])?;
    rt.mem.copy_within(a[0], a[1], n + 1)?;
    Ok(a[0])
}

pub fn strncpy(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    let n = c_str_max(&rt.mem, a[1], a[2])?.len() as u64;
    rt.mem.check_range(a[0], a[2])?;
    rt.mem.copy_within(a[0], a[1], n)?;
    rt.mem.fill(a[0] + n, 0, a[2] - n)?;
    Ok(a[0])
}

pub fn strcat(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    let d = c_len(&rt.mem, a[0])?;
    let n = c_len(&rt.mem, a[1])?;
    rt.mem.copy_within(a[0] + d, a[1], n + 1)?;
    Ok(a[0])
}

pub fn strncat(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    let d = c_len(&rt.mem, a[0])?;
    let n = c_str_max(&rt.mem, a[1], a[2])?.len() as u64;
    rt.mem.check_range(a[0] + d, n + 1)?;
    rt.mem.copy_within(a[0] + d, a[1], n)?;
    rt.mem.fill(a[0] + d + n, 0, 1)?;
    Ok(a[0])
}

pub fn strchr(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    let c = a[1] as u8;
    let s = c_str(&rt.mem, a[0])?;
    if c == 0 {
        return Ok(a[0] + s.len() as u64);
    }
    Ok(memchr::memchr(c, s).map_or(0, |i| a[0] + i as u64))
}

pub fn strrchr(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    let c = a[1] as u8;
    let s = c_str(&rt.mem, a[0])?;
    if c == 0 {
        return Ok(a[0] + s.len() as u64);
    }
    Ok(memchr::memrchr(c, s).map_or(0, |i| a[0] + i as u64))
}

pub fn strstr(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    let h = c_str(&rt.mem, a[0])?;
    let n = c_str(&rt.mem, a[1])?;
    Ok(memchr::memmem::find(h, n).map_or(0, |i| a[0] + i as u64))
}

/// The length of the run of bytes at the start of `s` that are (`inside`)
/// or are not in `set`.
fn span(s: &[u8], set: &[u8], inside: bool) -> usize {
    s.iter()
        .position(|b| set.contains(b) != inside)
        .unwrap_or(s.len())
}

/// POSIX `strtok_r(s, delim, save)`: strtok with its place in `*save`
/// (read when `s` is null).
pub fn strtok_r(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    let save = a[2];
    let s = match a[0] {
        0 => rt.mem.load(Type::Ptr, save)?,
        s => s,
    };
    if s == 0 {
        return Ok(0);
    }
    let delim = c_str(&rt.mem, a[1])?.to_vec();
    let text = c_str(&rt.mem, s)?;
    let start = span(text, &delim, true);
    if start == text.len() {
        rt.mem.store(Type::Ptr, save, s + start as u64)?;
        return Ok(0);
    }
    let len = span(&text[start..], &delim, false);
    let tok = s + start as u64;
    let end = tok + len as u64;
    if start + len == text.len() {
        rt.mem.store(Type::Ptr, save, end)?;
    } else {
        rt.mem.store(Type::I8, end, 0)?;
        rt.mem.store(Type::Ptr, save, end + 1)?;
    }
    Ok(tok)
}

/// BSD `strsep(sp, delim)`: the token at `*sp`, ended by the first byte of
/// `delim` (overwritten with a NUL, `*sp` then after it) or by the
/// string's end (`*sp` then null); null if `*sp` is.
pub fn strsep(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    let sp = a[0];
    let s = rt.mem.load(Type::Ptr, sp)?;
    if s == 0 {
        return Ok(0);
    }
    let delim = c_str(&rt.mem, a[1])?.to_vec();
    let text = c_str(&rt.mem, s)?;
    let len = span(text, &delim, false);
    if len == text.len() {
        rt.mem.store(Type::Ptr, sp, 0)?;
    } else {
        let end = s + len as u64;
        rt.mem.store(Type::I8, end, 0)?;
        rt.mem.store(Type::Ptr, sp, end + 1)?;
    }
    Ok(s)
}

pub fn strdup(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    let n = c_len(&rt.mem, a[0])?;
    let p = super::stdlib::allocate_id(rt, n + 1, crate::alloc::TY_BYTES);
    if p != 0 {
        rt.mem.copy_within(p, a[0], n + 1)?;
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pivm_ir::builtins::byte_diff;

    #[test]
    fn compares_like_glibc() {
        assert_eq!(compare_bytes(b"abc", b"abd"), byte_diff(b'c', b'd'));
        assert_eq!(
            compare_bytes(b"0123456789abcdefX", b"0123456789abcdefY"),
            byte_diff(b'X', b'Y')
        );
        assert_eq!(compare_bytes(b"0123456789", b"0123456789"), 0);
        assert_eq!(
            compare_bytes(b"01234567z9", b"01234567y9"),
            byte_diff(b'z', b'y')
        );
        assert_eq!(cmp_str(b"abc\0zz", b"abc\0yy", u64::MAX), Ok(0));
        assert_eq!(
            cmp_str(b"abcdefghij\0", b"abcdefghik\0", u64::MAX),
            Ok(byte_diff(b'j', b'k'))
        );
        assert_eq!(
            cmp_str(b"abcdefgh\0", b"abcdefgh", u64::MAX),
            Err(TrapKind::OutOfBounds)
        );
        assert_eq!(cmp_str(b"abcdefgh\0", b"abcdefgh", 8), Ok(0));
        assert_eq!(
            cmp_str(b"abcdefgh\0", b"abcdefgx", 8),
            Ok(byte_diff(b'h', b'x'))
        );
        assert_eq!(cmp_str(b"ab\0", b"abc\0", u64::MAX), Ok(byte_diff(0, b'c')));
        assert_eq!(cmp_str(b"\xff\0", b"a\0", 5), Ok(byte_diff(0xff, b'a')));
        let z = pivm_ir::builtins::zero_bytes;
        assert!(z(0x1100_0000_0000_0000) != 0 && z(0x0101_0101_8080_ffff) == 0);
        assert_eq!(z(0x0100_0041_0000_6162).trailing_zeros(), 23);
        // A word with a zero byte in it, equal in both: stops at the NUL.
        assert_eq!(cmp_str(b"ab\0defgh12", b"ab\0xxxxx34", u64::MAX), Ok(0));
    }
}
