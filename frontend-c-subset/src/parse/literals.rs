//! Integer, floating and character literals.

use crate::ctype::Ty;

/// Parses an integer literal: its value and C type.
pub fn parse_int_literal(s: &str) -> Option<(u64, Ty)> {
    let lower = s.to_ascii_lowercase();
    let body_end = lower.trim_end_matches(['u', 'l']).len();
    let (digits, suffix) = lower.split_at(body_end);
    let (radix, digits) = if let Some(h) = digits.strip_prefix("0x") {
        (16, h)
    } else if let Some(b) = digits.strip_prefix("0b") {
        (2, b)
    } else if digits.len() > 1 && digits.starts_with('0') {
        (8, &digits[1..])
    } else {
        (10, digits)
    };
    if digits.is_empty() {
        return None;
    }
    let v = u64::from_str_radix(digits, radix).ok()?;
    if !["", "u", "l", "ul", "lu", "ll", "ull", "llu"].contains(&suffix) {
        return None;
    }
    let unsigned = suffix.contains('u');
    let longs = suffix.matches('l').count();
    let fits_int = v <= i32::MAX as u64;
    let fits_uint = v <= u32::MAX as u64;
    let fits_long = v <= i64::MAX as u64;
    let ty = match (unsigned, longs > 0) {
        (false, false) if fits_int => Ty::Int,
        (false, false) if radix != 10 && fits_uint => Ty::UInt,
        (true, false) if fits_uint => Ty::UInt,
        (false, _) if fits_long => {
            if longs == 2 {
                Ty::LLong
            } else {
                Ty::Long
            }
        }
        (false, _) if radix != 10 => Ty::ULong,
        _ => {
            if longs == 2 {
                Ty::ULLong
            } else {
                Ty::ULong
            }
        }
    };
    Some((v, ty))
}

/// The encoding prefix of a character constant or string literal
/// (C11 6.4.4.4, 6.4.5): none or `u8` (chars, UTF-8), `L` (`wchar_t`,
/// `int` as on glibc x86_64), `u` (`char16_t`, UTF-16), `U` (`char32_t`).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Prefix {
    None,
    U8,
    L,
    U16,
    U32,
}

impl Prefix {
    /// The prefix of a literal's spelling and the rest (quotes included).
    pub fn split(text: &str) -> (Prefix, &str) {
        for (p, pre) in [
            (Prefix::U8, "u8"),
            (Prefix::L, "L"),
            (Prefix::U16, "u"),
            (Prefix::U32, "U"),
        ] {
            if let Some(rest) = text.strip_prefix(pre) {
                return (p, rest);
            }
        }
        (Prefix::None, text)
    }

    /// Whether the prefix makes wide elements (not `char`).
    pub fn is_wide(self) -> bool {
        matches!(self, Prefix::L | Prefix::U16 | Prefix::U32)
    }

    /// Bits of one code unit.
    pub fn unit_bits(self) -> u32 {
        match self {
            Prefix::None | Prefix::U8 => 8,
            Prefix::U16 => 16,
            Prefix::L | Prefix::U32 => 32,
        }
    }

    /// The type of a character constant, and of a string literal's
    /// elements.
    pub fn char_type(self) -> Ty {
        match self {
            Prefix::None | Prefix::U8 => Ty::Char,
            Prefix::L => Ty::Int,
            Prefix::U16 => Ty::UShort,
            Prefix::U32 => Ty::UInt,
        }
    }
}

/// Decodes the body of a literal (without prefix and quotes) into code
/// units of `bits` (8: UTF-8, 16: UTF-16, 32: UTF-32): the source text
/// (UTF-8) as the code points it spells, escapes as C says (`\x` and
/// octal give one unit, which must fit; `\u` and `\U` a character,
/// encoded). Errors carry no location; the caller has it.
pub fn literal_units(body: &str, bits: u32) -> Result<Vec<u32>, String> {
    let max = if bits == 32 {
        u32::MAX as u64
    } else {
        (1u64 << bits) - 1
    };
    let b = body.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            let c = body[i..].chars().next().unwrap_or('?');
            if bits == 8 {
                out.extend(body[i..i + c.len_utf8()].bytes().map(u32::from));
            } else {
                encode(c as u32, bits, &mut out);
            }
            i += c.len_utf8();
            continue;
        }
        i += 1;
        let Some(&c) = b.get(i) else {
            return Err("incomplete escape sequence".into());
        };
        i += 1;
        let v = match c {
            b'n' => 10,
            b't' => 9,
            b'r' => 13,
            b'a' => 7,
            b'b' => 8,
            b'f' => 12,
            b'v' => 11,
            b'e' => 27,
            b'\\' | b'\'' | b'"' | b'?' => c as u64,
            b'x' => {
                let mut v: u64 = 0;
                let mut n = 0;
                while i < b.len() && b[i].is_ascii_hexdigit() {
                    v = v.saturating_mul(16) + (b[i] as char).to_digit(16).unwrap_or(0) as u64;
                    v = v.min(u64::MAX >> 8);
                    i += 1;
                    n += 1;
                }
                if n == 0 {
                    return Err("\\x used with no following hex digits".into());
                }
                if v > max {
                    return Err("hex escape sequence out of range".into());
                }
                v
            }
            b'0'..=b'7' => {
                let mut v = (c - b'0') as u64;
                let mut n = 1;
                while n < 3 && i < b.len() && (b'0'..=b'7').contains(&b[i]) {
                    v = v * 8 + (b[i] - b'0') as u64;
                    i += 1;
                    n += 1;
                }
                if v > max {
                    return Err("octal escape sequence out of range".into());
                }
                v
            }
            b'u' | b'U' => {
                let want = if c == b'u' { 4 } else { 8 };
                let digits: String = body[i..]
                    .chars()
                    .take(want)
                    .take_while(char::is_ascii_hexdigit)
                    .collect();
                if digits.len() < want {
                    return Err(format!(
                        "incomplete universal character name \\{}{digits}",
                        c as char
                    ));
                }
                i += want;
                let cp = u32::from_str_radix(&digits, 16).unwrap_or(u32::MAX);
                // C11 6.4.3: not below U+00A0 except $ @ `, not a
                // surrogate; and within Unicode.
                let basic = cp < 0xa0 && !matches!(cp, 0x24 | 0x40 | 0x60);
                if basic || (0xd800..=0xdfff).contains(&cp) || cp > 0x10ffff {
                    return Err(format!(
                        "\\{}{digits} is not a valid universal character",
                        c as char
                    ));
                }
                encode(cp, bits, &mut out);
                continue;
            }
            _ => return Err(format!("unknown escape sequence '\\{}'", c as char)),
        };
        out.push(v as u32);
    }
    Ok(out)
}

/// Appends code point `cp` as code units of `bits`.
fn encode(cp: u32, bits: u32, out: &mut Vec<u32>) {
    match bits {
        8 => {
            let mut buf = [0u8; 4];
            match char::from_u32(cp) {
                Some(c) => out.extend(c.encode_utf8(&mut buf).bytes().map(u32::from)),
                None => out.push(cp & 0xff),
            }
        }
        16 if cp > 0xffff => {
            let c = cp - 0x10000;
            out.push(0xd800 | (c >> 10));
            out.push(0xdc00 | (c & 0x3ff));
        }
        _ => out.push(cp),
    }
}

/// The value of a character constant (`'a'`, `'\n'`, `L'x'`), as the
/// `int`-or-wider value of its type (`Prefix::char_type`). A plain
/// constant of several chars is gcc's multi-character value; a wide
/// one is its last code unit, as in gcc.
pub fn char_value(text: &str) -> Result<i64, String> {
    let (prefix, quoted) = Prefix::split(text);
    let body = quoted
        .get(1..quoted.len().saturating_sub(1).max(1))
        .unwrap_or("");
    let units = literal_units(body, prefix.unit_bits())?;
    if units.is_empty() {
        return Err("empty character constant".into());
    }
    if prefix.is_wide() {
        // Several units (`L'ab'`, `u'\U0001F600'`): gcc warns and takes
        // the last.
        let last = units[units.len() - 1];
        return Ok(match prefix {
            Prefix::L => last as i32 as i64,
            _ => last as i64,
        });
    }
    match units.len() {
        1 => Ok(units[0] as u8 as i8 as i64),
        n if n <= 4 => Ok(units
            .iter()
            .fold(0i64, |a, &b| (a << 8) | (b & 0xff) as i64) as i32
            as i64),
        _ => Err("character constant too long".into()),
    }
}

/// The type of a character constant: `int`, or its prefix's type.
pub fn char_type(text: &str) -> Ty {
    match Prefix::split(text).0 {
        Prefix::None | Prefix::U8 => Ty::Int,
        p => p.char_type(),
    }
}

/// A string literal's code units as bytes (little-endian units of
/// `bits`), the terminating zero unit not included.
pub fn units_to_bytes(units: &[u32], bits: u32) -> Vec<u8> {
    let k = (bits / 8) as usize;
    units
        .iter()
        .flat_map(|u| u.to_le_bytes().into_iter().take(k))
        .collect()
}

pub(super) fn parse_float(s: &str) -> Option<(f64, Ty)> {
    let lower = s.to_ascii_lowercase();
    let suffixed = |b: &'_ str, ty| (b.starts_with("0x") || b.contains(['.', 'e'])).then_some(ty);
    let (body, ty) = if let Some(b) = lower.strip_suffix('f') {
        (b, suffixed(b, Ty::Float)?)
    } else if let Some(b) = lower.strip_suffix('l') {
        (b, suffixed(b, Ty::LongDouble)?)
    } else {
        (lower.as_str(), Ty::Double)
    };
    if let Some(h) = body.strip_prefix("0x") {
        // C requires the exponent; the digits must be all of it.
        if !h.contains('p') {
            return None;
        }
        let (v, end, _) = pivm_ir::hexfloat::parse(h.as_bytes(), 0)?;
        let v = if ty == Ty::Float { v as f32 as f64 } else { v };
        return (end == h.len()).then_some((v, ty));
    }
    if !body
        .bytes()
        .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'+' | b'-'))
    {
        return None;
    }
    let v: f64 = body.parse().ok()?;
    Some((v, ty))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_literals_get_c_types() {
        assert_eq!(parse_int_literal("42"), Some((42, Ty::Int)));
        assert_eq!(
            parse_int_literal("2147483648"),
            Some((2147483648, Ty::Long))
        );
        assert_eq!(
            parse_int_literal("0xffffffff"),
            Some((0xffff_ffff, Ty::UInt))
        );
        assert_eq!(parse_int_literal("017"), Some((15, Ty::Int)));
        assert_eq!(parse_int_literal("10u"), Some((10, Ty::UInt)));
        assert_eq!(parse_int_literal("10UL"), Some((10, Ty::ULong)));
        assert_eq!(parse_int_literal("10ll"), Some((10, Ty::LLong)));
        assert_eq!(
            parse_int_literal("18446744073709551615ULL"),
            Some((u64::MAX, Ty::ULLong))
        );
        assert_eq!(parse_int_literal("0x"), None);
        assert_eq!(parse_int_literal("12lul"), None);
        assert_eq!(parse_int_literal("99999999999999999999"), None);
    }

    #[test]
    fn character_constants_are_signed_ints() {
        assert_eq!(char_value("'a'"), Ok(97));
        assert_eq!(char_value("'\\n'"), Ok(10));
        assert_eq!(char_value("'\\xff'"), Ok(-1));
        assert_eq!(char_value("'\\0'"), Ok(0));
        assert_eq!(char_value("'ab'"), Ok(0x6162));
        assert!(char_value("''").is_err());
        assert!(char_value("'\\q'").is_err());
    }

    #[test]
    fn float_literals() {
        assert_eq!(parse_float("1.5"), Some((1.5, Ty::Double)));
        assert_eq!(parse_float("1e3"), Some((1000.0, Ty::Double)));
        assert_eq!(parse_float(".5f"), Some((0.5, Ty::Float)));
        assert_eq!(parse_float("0x1p4"), Some((16.0, Ty::Double)));
        assert_eq!(parse_float("0x1.8p1"), Some((3.0, Ty::Double)));
        assert_eq!(parse_float("1.2.3"), None);
    }
}
