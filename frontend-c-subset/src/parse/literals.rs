//! Integer, floating and character literals.

use crate::ctype::Ty;
use crate::lex::unescape;

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

/// The value of a character constant (`'a'`, `'\n'`), as an `int`.
pub fn char_value(text: &str) -> Result<i64, String> {
    let body = &text[1..text.len().saturating_sub(1).max(1)];
    let bytes = unescape(body)?;
    match bytes.len() {
        0 => Err("empty character constant".into()),
        1 => Ok(bytes[0] as i8 as i64),
        n if n <= 4 => Ok(bytes.iter().fold(0i64, |a, &b| (a << 8) | b as i64) as i32 as i64),
        _ => Err("character constant too long".into()),
    }
}

pub(super) fn parse_float(s: &str) -> Option<(f64, Ty)> {
    let lower = s.to_ascii_lowercase();
    let (body, ty) = if let Some(b) = lower.strip_suffix('f') {
        if b.starts_with("0x") || b.contains(['.', 'e']) {
            (b, Ty::Float)
        } else {
            return None;
        }
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
