//! string.h builtins. Every range is checked as a whole before it is
//! touched, so a bad pointer traps like a load or store would.

use pivm_ir::MemType;

use super::Result;
use crate::runtime::Runtime;

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

/// glibc returns the difference of the first differing bytes.
fn diff(x: &[u8], y: &[u8]) -> u64 {
    for (p, q) in x.iter().zip(y) {
        if p != q {
            return (*p as i32 - *q as i32) as u32 as u64;
        }
    }
    (x.len() as i64 - y.len() as i64).signum() as i32 as u32 as u64
}

pub fn memcmp(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    let x = rt.mem.slice(a[0], a[2])?;
    let y = rt.mem.slice(a[1], a[2])?;
    Ok(diff(x, y))
}

pub fn strlen(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    Ok(rt.mem.strlen(a[0])?)
}

/// Compares C strings including their terminators.
fn cmp_c(x: &[u8], y: &[u8]) -> u64 {
    let xi = x.iter().copied().chain(std::iter::once(0));
    let yi = y.iter().copied().chain(std::iter::once(0));
    for (p, q) in xi.zip(yi) {
        if p != q || p == 0 {
            return (p as i32 - q as i32) as u32 as u64;
        }
    }
    0
}

pub fn strcmp(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    Ok(cmp_c(rt.mem.c_str(a[0])?, rt.mem.c_str(a[1])?))
}

pub fn strncmp(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    let x = rt.mem.c_str_max(a[0], a[2])?;
    let y = rt.mem.c_str_max(a[1], a[2])?;
    if x.len() as u64 == a[2] && y.len() as u64 == a[2] {
        return Ok(diff(x, y));
    }
    Ok(cmp_c(x, y))
}

pub fn strcpy(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    let n = rt.mem.strlen(a[1])?;
    rt.mem.copy_within(a[0], a[1], n + 1)?;
    Ok(a[0])
}

pub fn strncpy(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    let mut s = rt.mem.c_str_max(a[1], a[2])?.to_vec();
    rt.mem.check_range(a[0], a[2])?;
    s.resize(a[2] as usize, 0);
    rt.mem.write(a[0], &s)?;
    Ok(a[0])
}

pub fn strcat(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    let d = rt.mem.strlen(a[0])?;
    let n = rt.mem.strlen(a[1])?;
    rt.mem.copy_within(a[0] + d, a[1], n + 1)?;
    Ok(a[0])
}

pub fn strncat(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    let d = rt.mem.strlen(a[0])?;
    let mut s = rt.mem.c_str_max(a[1], a[2])?.to_vec();
    s.push(0);
    rt.mem.write(a[0] + d, &s)?;
    Ok(a[0])
}

pub fn strchr(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    let c = a[1] as u8;
    let s = rt.mem.c_str(a[0])?;
    if c == 0 {
        return Ok(a[0] + s.len() as u64);
    }
    Ok(s.iter()
        .position(|&b| b == c)
        .map_or(0, |i| a[0] + i as u64))
}

pub fn strrchr(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    let c = a[1] as u8;
    let s = rt.mem.c_str(a[0])?;
    if c == 0 {
        return Ok(a[0] + s.len() as u64);
    }
    Ok(s.iter()
        .rposition(|&b| b == c)
        .map_or(0, |i| a[0] + i as u64))
}

pub fn strstr(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    let h = rt.mem.c_str(a[0])?;
    let n = rt.mem.c_str(a[1])?;
    if n.is_empty() {
        return Ok(a[0]);
    }
    Ok(h.windows(n.len())
        .position(|w| w == n)
        .map_or(0, |i| a[0] + i as u64))
}

pub fn strdup(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    let n = rt.mem.strlen(a[0])?;
    let ty = MemType::Array(Box::new(MemType::Scalar(pivm_ir::Type::I8)), n + 1);
    let p = super::stdlib::allocate(rt, n + 1, Some(&ty));
    if p != 0 {
        rt.mem.copy_within(p, a[0], n + 1)?;
    }
    Ok(p)
}
