//! Hexadecimal floating-point text (`0x1.8p3`), correctly rounded: C's
//! hex float literals (pivm-cc) and `strtod` (the VM) read it with this
//! one function, so a constant and the same text parsed at run time are
//! the same bits.

/// The magnitude of a hexadecimal float whose digits start at `i` (after
/// `0x`), correctly rounded (to nearest, ties to even, subnormals
/// included), where it ends, and whether it is exact; `None` without a
/// hex digit.
pub fn parse(s: &[u8], mut i: usize) -> Option<(f64, usize, bool)> {
    let (mut mant, mut exp, mut sticky, mut nd, mut dot) = (0u64, 0i64, false, 0, false);
    while i < s.len() {
        let c = s[i];
        if let Some(d) = (c as char).to_digit(16) {
            nd += 1;
            if mant >> 60 == 0 {
                mant = mant << 4 | d as u64;
                exp -= if dot { 4 } else { 0 };
            } else {
                sticky |= d != 0;
                exp += if dot { 0 } else { 4 };
            }
        } else if c == b'.' && !dot {
            dot = true;
        } else {
            break;
        }
        i += 1;
    }
    if nd == 0 {
        return None;
    }
    if i < s.len() && (s[i] | 0x20) == b'p' {
        let mut j = i + 1;
        let neg = s.get(j) == Some(&b'-');
        if matches!(s.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        let (mut e, from) = (0i64, j);
        while j < s.len() && s[j].is_ascii_digit() {
            e = (e * 10 + (s[j] - b'0') as i64).min(1 << 40);
            j += 1;
        }
        if j > from {
            exp += if neg { -e } else { e };
            i = j;
        }
    }
    if mant == 0 {
        return Some((0.0, i, true));
    }
    let lz = mant.leading_zeros() as i64;
    let m = (mant as u128) << lz;
    let e2 = exp - lz + 63; // value = 1.f * 2^e2
    if e2 > 1023 {
        return Some((f64::INFINITY, i, false));
    }
    let shift = 11 + (-1022 - e2).max(0);
    if shift >= 128 {
        return Some((0.0, i, false));
    }
    let mut kept = (m >> shift) as u64;
    let rem = m & ((1u128 << shift) - 1);
    let half = 1u128 << (shift - 1);
    let exact = rem == 0 && !sticky;
    if rem > half || (rem == half && (sticky || kept & 1 == 1)) {
        kept += 1;
    }
    let bits = if e2 < -1022 {
        kept // subnormal; a carry into bit 52 is the smallest normal
    } else if kept == 1 << 53 {
        if e2 + 1 > 1023 {
            return Some((f64::INFINITY, i, false));
        }
        ((e2 + 1 + 1023) as u64) << 52
    } else {
        ((e2 + 1023) as u64) << 52 | (kept & ((1 << 52) - 1))
    };
    Some((f64::from_bits(bits), i, exact))
}
