//! The printf formatter shared by printf, fprintf, sprintf and snprintf.
//! Its output matches glibc byte for byte (checked against gcc by
//! `vm/tests/printf_gcc.rs`). Variadic arguments arrive as `u64`s: integers
//! zero-extended from their IR type, doubles as their IEEE bits.
//!
//! Conversion spec: `%[flags][width][.precision][length]conv` with flags
//! `- + space # 0`, width and precision as digits or `*`, length
//! `hh h l ll z j t L q`, conv `d i u o x X c s p f F e E g G %`.

use pivm_ir::TrapKind;

use crate::memory::Memory;

#[derive(Default, Clone, Copy)]
struct Spec {
    minus: bool,
    plus: bool,
    space: bool,
    alt: bool,
    zero: bool,
    width: usize,
    prec: Option<usize>,
    /// Integer width in bits from the length modifier (0 = int).
    bits: u32,
}

/// Reads the variadic arguments in order.
struct Args<'a> {
    vals: &'a [u64],
    next: usize,
}

impl Args<'_> {
    fn take(&mut self) -> Result<u64, TrapKind> {
        let v = *self.vals.get(self.next).ok_or(TrapKind::BadBuiltinCall)?;
        self.next += 1;
        Ok(v)
    }
}

/// Formats `fmt` with `args`; `%s` strings are read from `mem`.
pub fn format(fmt: &[u8], args: &[u64], mem: &Memory) -> Result<Vec<u8>, TrapKind> {
    let mut out = Vec::with_capacity(fmt.len() + 16);
    let mut args = Args {
        vals: args,
        next: 0,
    };
    let mut i = 0;
    while i < fmt.len() {
        let c = fmt[i];
        if c != b'%' {
            let end = fmt[i..]
                .iter()
                .position(|&b| b == b'%')
                .map_or(fmt.len(), |p| i + p);
            out.extend_from_slice(&fmt[i..end]);
            i = end;
            continue;
        }
        let start = i;
        i += 1;
        let mut s = Spec::default();
        while i < fmt.len() {
            match fmt[i] {
                b'-' => s.minus = true,
                b'+' => s.plus = true,
                b' ' => s.space = true,
                b'#' => s.alt = true,
                b'0' => s.zero = true,
                _ => break,
            }
            i += 1;
        }
        if fmt.get(i) == Some(&b'*') {
            i += 1;
            let w = args.take()? as u32 as i32;
            if w < 0 {
                s.minus = true;
            }
            s.width = w.unsigned_abs() as usize;
        } else {
            s.width = digits(fmt, &mut i);
        }
        if fmt.get(i) == Some(&b'.') {
            i += 1;
            if fmt.get(i) == Some(&b'*') {
                i += 1;
                let p = args.take()? as u32 as i32;
                s.prec = (p >= 0).then_some(p as usize);
            } else {
                s.prec = Some(digits(fmt, &mut i));
            }
        }
        s.width = s.width.min(1 << 20);
        s.prec = s.prec.map(|p| p.min(1 << 20));
        loop {
            match fmt.get(i) {
                Some(b'h') => s.bits = if s.bits == 16 { 8 } else { 16 },
                Some(b'l' | b'z' | b'j' | b't' | b'q' | b'L') => s.bits = 64,
                _ => break,
            }
            i += 1;
        }
        let Some(&conv) = fmt.get(i) else {
            out.extend_from_slice(&fmt[start..]);
            break;
        };
        i += 1;
        match conv {
            b'd' | b'i' => {
                let v = args.take()?;
                let x: i64 = match s.bits {
                    8 => v as i8 as i64,
                    16 => v as i16 as i64,
                    64 => v as i64,
                    _ => v as i32 as i64,
                };
                let sign = if x < 0 {
                    "-"
                } else if s.plus {
                    "+"
                } else if s.space {
                    " "
                } else {
                    ""
                };
                let body = int_digits(x.unsigned_abs().to_string(), x == 0, &s);
                pad_num(&mut out, &s, sign, &body, s.prec.is_none());
            }
            b'u' | b'x' | b'X' | b'o' => {
                let v = args.take()?;
                let x: u64 = match s.bits {
                    8 => v as u8 as u64,
                    16 => v as u16 as u64,
                    64 => v,
                    _ => v as u32 as u64,
                };
                let text = match conv {
                    b'u' => x.to_string(),
                    b'x' => format!("{x:x}"),
                    b'X' => format!("{x:X}"),
                    _ => format!("{x:o}"),
                };
                let mut body = int_digits(text, x == 0, &s);
                if conv == b'o' && s.alt && !body.starts_with('0') {
                    body.insert(0, '0');
                }
                let prefix = match conv {
                    b'x' if s.alt && x != 0 => "0x",
                    b'X' if s.alt && x != 0 => "0X",
                    _ => "",
                };
                pad_num(&mut out, &s, prefix, &body, s.prec.is_none());
            }
            b'p' => {
                let v = args.take()?;
                if v == 0 {
                    pad(&mut out, &s, b"(nil)");
                } else {
                    let sign = if s.plus {
                        "+0x"
                    } else if s.space {
                        " 0x"
                    } else {
                        "0x"
                    };
                    let body = int_digits(format!("{v:x}"), false, &s);
                    pad_num(&mut out, &s, sign, &body, s.prec.is_none());
                }
            }
            b'c' => {
                let v = args.take()? as u8;
                pad(&mut out, &s, &[v]);
            }
            b's' => {
                let p = args.take()?;
                if p == 0 {
                    let text: &[u8] = match s.prec {
                        Some(n) if n < 6 => b"",
                        _ => b"(null)",
                    };
                    pad(&mut out, &s, text);
                } else {
                    let text = match s.prec {
                        Some(n) => mem.c_str_max(p, n as u64)?,
                        None => mem.c_str(p)?,
                    };
                    pad(&mut out, &s, text);
                }
            }
            b'f' | b'F' | b'e' | b'E' | b'g' | b'G' => {
                let x = f64::from_bits(args.take()?);
                format_float(&mut out, &s, conv, x);
            }
            b'%' => out.push(b'%'),
            b'n' => return Err(TrapKind::BadBuiltinCall),
            _ => out.extend_from_slice(&fmt[start..i]),
        }
    }
    Ok(out)
}

fn digits(fmt: &[u8], i: &mut usize) -> usize {
    let mut n: usize = 0;
    while let Some(&d) = fmt.get(*i).filter(|d| d.is_ascii_digit()) {
        n = n.saturating_mul(10).saturating_add((d - b'0') as usize);
        *i += 1;
    }
    n
}

/// Applies an integer precision: at least `prec` digits; precision 0 and
/// value 0 print no digits.
fn int_digits(text: String, zero: bool, s: &Spec) -> String {
    match s.prec {
        Some(0) if zero => String::new(),
        Some(p) if p > text.len() => "0".repeat(p - text.len()) + &text,
        _ => text,
    }
}

/// Pads `prefix + body` to the width: zeros go between them when the `0`
/// flag applies (`zero_ok`), else spaces on the left (or right with `-`).
fn pad_num(out: &mut Vec<u8>, s: &Spec, prefix: &str, body: &str, zero_ok: bool) {
    let len = prefix.len() + body.len();
    let fill = s.width.saturating_sub(len);
    if s.minus {
        out.extend_from_slice(prefix.as_bytes());
        out.extend_from_slice(body.as_bytes());
        out.resize(out.len() + fill, b' ');
    } else if s.zero && zero_ok {
        out.extend_from_slice(prefix.as_bytes());
        out.resize(out.len() + fill, b'0');
        out.extend_from_slice(body.as_bytes());
    } else {
        out.resize(out.len() + fill, b' ');
        out.extend_from_slice(prefix.as_bytes());
        out.extend_from_slice(body.as_bytes());
    }
}

/// Pads text (`%s`, `%c`) with spaces.
fn pad(out: &mut Vec<u8>, s: &Spec, text: &[u8]) {
    let fill = s.width.saturating_sub(text.len());
    if !s.minus {
        out.resize(out.len() + fill, b' ');
    }
    out.extend_from_slice(text);
    if s.minus {
        out.resize(out.len() + fill, b' ');
    }
}

/// `%e` text of a non-negative finite `x`: mantissa digits with `prec`
/// decimals, and the decimal exponent.
fn exp_parts(x: f64, prec: usize) -> (String, i32) {
    let t = format!("{x:.prec$e}");
    let (m, e) = t.split_once('e').unwrap_or((&t, "0"));
    (m.to_string(), e.parse().unwrap_or(0))
}

fn exp_text(m: &str, e: i32, upper: bool) -> String {
    format!(
        "{m}{}{}{:02}",
        if upper { 'E' } else { 'e' },
        if e < 0 { '-' } else { '+' },
        e.unsigned_abs()
    )
}

/// Strips trailing fraction zeros (and a bare '.') from a `%g` mantissa.
fn strip_zeros(m: &mut String) {
    if m.contains('.') {
        while m.ends_with('0') {
            m.pop();
        }
        if m.ends_with('.') {
            m.pop();
        }
    }
}

fn format_float(out: &mut Vec<u8>, s: &Spec, conv: u8, x: f64) {
    let upper = conv.is_ascii_uppercase();
    let sign = if x.is_sign_negative() {
        "-"
    } else if s.plus {
        "+"
    } else if s.space {
        " "
    } else {
        ""
    };
    if !x.is_finite() {
        let t = match (x.is_nan(), upper) {
            (true, false) => "nan",
            (true, true) => "NAN",
            (false, false) => "inf",
            (false, true) => "INF",
        };
        pad_num(out, s, sign, t, false);
        return;
    }
    let a = x.abs();
    let prec = s.prec.unwrap_or(6);
    let body = match conv {
        b'f' | b'F' => {
            let mut t = format!("{a:.prec$}");
            if s.alt && prec == 0 {
                t.push('.');
            }
            t
        }
        b'e' | b'E' => {
            let (mut m, e) = exp_parts(a, prec);
            if s.alt && prec == 0 {
                m.push('.');
            }
            exp_text(&m, e, upper)
        }
        _ => {
            let p = if prec == 0 { 1 } else { prec };
            let (m, e) = exp_parts(a, p - 1);
            if (e as i64) < p as i64 && e >= -4 {
                let fp = (p as i64 - 1 - e as i64) as usize;
                let mut t = format!("{a:.fp$}");
                if s.alt {
                    if !t.contains('.') {
                        t.push('.');
                    }
                } else {
                    strip_zeros(&mut t);
                }
                t
            } else {
                let mut m = m;
                if s.alt {
                    if !m.contains('.') {
                        m.push('.');
                    }
                } else {
                    strip_zeros(&mut m);
                }
                exp_text(&m, e, upper)
            }
        }
    };
    pad_num(out, s, sign, &body, true);
}
