//! The printf formatter shared by printf, fprintf, sprintf and snprintf.
//! Its output matches glibc byte for byte (checked against gcc by
//! `vm/tests/printf_gcc.rs`). Variadic arguments arrive as `u64`s: integers
//! zero-extended from their IR type, doubles as their IEEE bits.
//!
//! Conversion spec: `%[flags][width][.precision][length]conv` with flags
//! `- + space # 0`, width and precision as digits or `*`, length
//! `hh h l ll z j t L q`, conv `d i u o x X c s p f F e E g G a A %`, and
//! `%lc`/`%C` and `%ls`/`%S` for wide characters (ASCII in the C
//! locale: any other fails the call with -1, as glibc does).
//!
//! Widths and precisions go up to `INT_MAX`, as in C: the output is
//! streamed to an `Out` piece by piece (padding and long runs of zeros as
//! counts, strings copied from VM memory in chunks), so formatting takes
//! a few KiB of host memory whatever it prints. As in glibc, a width or
//! precision written with more digits than `INT_MAX` holds, or output
//! past `INT_MAX` bytes, ends the call with -1 (`EOVERFLOW`), what was
//! written before staying written.

use pivm_ir::{TrapKind, Type};

use crate::memory::Memory;

/// Where formatted output goes. The format and `%s` strings are read from
/// `mem()` between writes, never borrowed across one, so an `Out` may
/// write into that same memory (`sprintf`).
pub trait Out {
    /// The VM memory the format and its strings are in.
    fn mem(&self) -> &Memory;

    /// Appends `bytes`.
    fn put(&mut self, bytes: &[u8]) -> Result<(), TrapKind>;

    /// Stores the low bytes of `v` as a `ty` at VM address `addr` (`%n`);
    /// an `Out` that cannot write memory refuses.
    fn store(&mut self, ty: Type, addr: u64, v: u64) -> Result<(), TrapKind> {
        let _ = (ty, addr, v);
        Err(TrapKind::BadBuiltinCall)
    }

    /// Appends `n` copies of `byte`.
    fn fill(&mut self, byte: u8, n: u64) -> Result<(), TrapKind> {
        let chunk = [byte; CHUNK];
        let mut left = n;
        while left > 0 {
            let k = left.min(CHUNK as u64) as usize;
            self.put(&chunk[..k])?;
            left -= k as u64;
        }
        Ok(())
    }

    /// Appends the `len` bytes of VM memory at `addr`.
    fn copy(&mut self, addr: u64, len: u64) -> Result<(), TrapKind> {
        let mut buf = [0u8; CHUNK];
        let mut done = 0;
        while done < len {
            let k = (len - done).min(CHUNK as u64) as usize;
            buf[..k].copy_from_slice(self.mem().slice(addr + done, k as u64)?);
            self.put(&buf[..k])?;
            done += k as u64;
        }
        Ok(())
    }
}

/// The pieces `Out::fill` and `Out::copy` write at a time.
const CHUNK: usize = 4096;

/// An `Out` that keeps everything in a vector: for tests, and for output
/// known to be small.
pub struct Collect<'m> {
    pub mem: &'m Memory,
    pub bytes: Vec<u8>,
}

impl Out for Collect<'_> {
    fn mem(&self) -> &Memory {
        self.mem
    }
    fn put(&mut self, bytes: &[u8]) -> Result<(), TrapKind> {
        self.bytes.extend_from_slice(bytes);
        Ok(())
    }
}

#[derive(Default, Clone, Copy)]
struct Spec {
    minus: bool,
    plus: bool,
    space: bool,
    alt: bool,
    zero: bool,
    /// At most 2^31 (`INT_MIN` as a `*` width).
    width: u64,
    /// At most `INT_MAX`.
    prec: Option<u64>,
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

/// Why formatting stopped early.
enum Stop {
    Trap(TrapKind),
    /// More than `INT_MAX` bytes, or a width or precision past it; or
    /// a wide character the C locale cannot write (`EILSEQ`).
    Overflow,
}

impl From<TrapKind> for Stop {
    fn from(k: TrapKind) -> Stop {
        Stop::Trap(k)
    }
}

/// The largest count printf can return.
const INT_MAX: u64 = i32::MAX as u64;

/// An `Out` with glibc's count: after each piece, more than `INT_MAX`
/// bytes in all stops the call.
struct Counted<'o, O: Out> {
    out: &'o mut O,
    done: u64,
}

impl<O: Out> Counted<'_, O> {
    fn add(&mut self, n: u64) -> Result<(), Stop> {
        self.done += n;
        if self.done > INT_MAX {
            return Err(Stop::Overflow);
        }
        Ok(())
    }
    fn put(&mut self, b: &[u8]) -> Result<(), Stop> {
        if b.is_empty() {
            return Ok(());
        }
        self.out.put(b)?;
        self.add(b.len() as u64)
    }
    fn fill(&mut self, byte: u8, n: u64) -> Result<(), Stop> {
        if n == 0 {
            return Ok(());
        }
        self.out.fill(byte, n)?;
        self.add(n)
    }
    fn copy(&mut self, addr: u64, len: u64) -> Result<(), Stop> {
        if len == 0 {
            return Ok(());
        }
        self.out.copy(addr, len)?;
        self.add(len)
    }
}

/// The text of a field: bytes, or bytes of VM memory.
#[derive(Clone, Copy)]
enum Text<'a> {
    Bytes(&'a [u8]),
    Mem(u64, u64),
}

impl Text<'_> {
    fn len(&self) -> u64 {
        match *self {
            Text::Bytes(b) => b.len() as u64,
            Text::Mem(_, n) => n,
        }
    }
}

/// One conversion's output before padding: `prefix`, `zeros` zeros (an
/// integer's precision), `text`, `trail` zeros (digits of a float's
/// precision past its exact ones), `suffix` (an exponent).
#[derive(Clone, Copy)]
struct Field<'a> {
    prefix: &'a [u8],
    zeros: u64,
    text: Text<'a>,
    trail: u64,
    suffix: &'a [u8],
}

impl<'a> Field<'a> {
    fn text(text: Text<'a>) -> Field<'a> {
        Field {
            prefix: b"",
            zeros: 0,
            text,
            trail: 0,
            suffix: b"",
        }
    }
}

/// Formats the NUL-terminated format at VM address `fmt` with `args` into
/// `out`. Returns the count printf returns: the bytes written, or -1 when
/// that would pass `INT_MAX` or a width or precision does (what was
/// written stays written, as in glibc).
pub fn format(out: &mut impl Out, fmt: u64, args: &[u64]) -> Result<i32, TrapKind> {
    let len = out.mem().strlen(fmt)?;
    let mut c = Counted { out, done: 0 };
    match run(&mut c, fmt, len, args) {
        Ok(()) => Ok(c.done as i32),
        Err(Stop::Overflow) => Ok(-1),
        Err(Stop::Trap(k)) => Err(k),
    }
}

fn run<O: Out>(out: &mut Counted<O>, fmt: u64, len: u64, args: &[u64]) -> Result<(), Stop> {
    let mut args = Args {
        vals: args,
        next: 0,
    };
    let mut i = 0u64;
    while i < len {
        // A run of plain text, copied straight from the format.
        let f = out.out.mem().slice(fmt + i, len - i)?;
        let plain = crate::memory::find_byte(f, b'%').unwrap_or(f.len()) as u64;
        if plain > 0 {
            out.copy(fmt + i, plain)?;
            i += plain;
            continue;
        }
        let start = i;
        let f = out.out.mem().slice(fmt, len)?;
        let Some((s, conv, next)) = spec(f, i as usize + 1, &mut args)? else {
            // An incomplete spec at the end is printed as it is.
            out.copy(fmt + start, len - start)?;
            break;
        };
        i = next as u64;
        if !convert(out, &s, conv, &mut args)? {
            out.copy(fmt + start, i - start)?;
        }
    }
    Ok(())
}

/// Parses the spec after the `%` at `i`: the spec, its conversion byte
/// and the index after it; `None` if the format ends inside it.
// Inlined into `run`: returned through memory, the result was read back
// in wider pieces than it was written (a store-forwarding stall per
// conversion; 2 million sprintf calls 0.17 -> 0.155 s).
#[inline(always)]
fn spec(f: &[u8], mut i: usize, args: &mut Args) -> Result<Option<(Spec, u8, usize)>, Stop> {
    let mut s = Spec::default();
    while i < f.len() {
        match f[i] {
            b'-' => s.minus = true,
            b'+' => s.plus = true,
            b' ' => s.space = true,
            b'#' => s.alt = true,
            b'0' => s.zero = true,
            _ => break,
        }
        i += 1;
    }
    if f.get(i) == Some(&b'*') {
        i += 1;
        let w = args.take()? as u32 as i32;
        if w < 0 {
            s.minus = true;
        }
        s.width = u64::from(w.unsigned_abs());
    } else {
        s.width = digits(f, &mut i)?;
    }
    if f.get(i) == Some(&b'.') {
        i += 1;
        if f.get(i) == Some(&b'*') {
            i += 1;
            let p = args.take()? as u32 as i32;
            s.prec = u64::try_from(p).ok();
        } else {
            s.prec = Some(digits(f, &mut i)?);
        }
    }
    loop {
        match f.get(i) {
            Some(b'h') => s.bits = if s.bits == 16 { 8 } else { 16 },
            Some(b'l' | b'z' | b'j' | b't' | b'q' | b'L') => s.bits = 64,
            _ => break,
        }
        i += 1;
    }
    Ok(f.get(i).map(|&conv| (s, conv, i + 1)))
}

/// How many 8-byte cells of a `va_list` each argument the format `f`
/// consumes takes, in order: 2 for a `long double` (`%Lf`, `%Lg`, ...:
/// 16 bytes in a program's variadic call), 1 for any other (a `*` width
/// or precision, a conversion).
pub fn va_arg_cells(f: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    let star_or_digits = |i: &mut usize, out: &mut Vec<u8>| {
        if f.get(*i) == Some(&b'*') {
            out.push(1);
            *i += 1;
        }
        while f.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
    };
    while i < f.len() {
        if f[i] != b'%' {
            i += 1;
            continue;
        }
        i += 1;
        while f.get(i).is_some_and(|c| b"-+ #0".contains(c)) {
            i += 1;
        }
        star_or_digits(&mut i, &mut out);
        if f.get(i) == Some(&b'.') {
            i += 1;
            star_or_digits(&mut i, &mut out);
        }
        let mut long_double = false;
        while let Some(&c) = f.get(i).filter(|c| b"hlzjtqL".contains(c)) {
            long_double |= c == b'L';
            i += 1;
        }
        match f.get(i) {
            Some(c) if b"aAeEfFgG".contains(c) => out.push(if long_double { 2 } else { 1 }),
            Some(c) if b"diouxXcspnCS".contains(c) => out.push(1),
            _ => {}
        }
        i += 1;
    }
    out
}

/// A decimal width or precision; more than `INT_MAX` is glibc's
/// `EOVERFLOW`.
fn digits(f: &[u8], i: &mut usize) -> Result<u64, Stop> {
    let mut n: u64 = 0;
    while let Some(&d) = f.get(*i).filter(|d| d.is_ascii_digit()) {
        n = n * 10 + u64::from(d - b'0');
        if n > INT_MAX {
            return Err(Stop::Overflow);
        }
        *i += 1;
    }
    Ok(n)
}

/// The most digits of a u64 in base 8, 10 or 16 (22 in octal).
const DIGITS_MAX: usize = 22;

/// The digits of `x` in base `radix` (8, 10 or 16; letters upper case if
/// `upper`), written at the end of `buf`, without allocating.
fn digits_in(mut x: u64, radix: u64, upper: bool, buf: &mut [u8; DIGITS_MAX]) -> &[u8] {
    let table: &[u8; 16] = if upper {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = table[(x % radix) as usize];
        x /= radix;
        if x == 0 {
            return &buf[i..];
        }
    }
}

/// Writes one conversion; `false` if `conv` is not one (the caller then
/// prints the spec as it is).
fn convert<O: Out>(
    out: &mut Counted<O>,
    s: &Spec,
    conv: u8,
    args: &mut Args,
) -> Result<bool, Stop> {
    match conv {
        b'd' | b'i' => {
            let v = args.take()?;
            let x: i64 = match s.bits {
                8 => v as i8 as i64,
                16 => v as i16 as i64,
                64 => v as i64,
                _ => v as i32 as i64,
            };
            let sign: &[u8] = if x < 0 {
                b"-"
            } else if s.plus {
                b"+"
            } else if s.space {
                b" "
            } else {
                b""
            };
            let mut buf = [0; DIGITS_MAX];
            let text = digits_in(x.unsigned_abs(), 10, false, &mut buf);
            let field = int_field(sign, text, x == 0, s);
            pad_num(out, s, field, s.prec.is_none())?;
        }
        b'u' | b'x' | b'X' | b'o' => {
            let v = args.take()?;
            let x: u64 = match s.bits {
                8 => v as u8 as u64,
                16 => v as u16 as u64,
                64 => v,
                _ => v as u32 as u64,
            };
            let mut buf = [0; DIGITS_MAX];
            let text = match conv {
                b'u' => digits_in(x, 10, false, &mut buf),
                b'x' => digits_in(x, 16, false, &mut buf),
                b'X' => digits_in(x, 16, true, &mut buf),
                _ => digits_in(x, 8, false, &mut buf),
            };
            let prefix: &[u8] = match conv {
                b'x' if s.alt && x != 0 => b"0x",
                b'X' if s.alt && x != 0 => b"0X",
                _ => b"",
            };
            let mut field = int_field(prefix, text, x == 0, s);
            if conv == b'o' && s.alt && field.zeros == 0 && !text_starts_with_zero(&field) {
                field.zeros = 1;
            }
            pad_num(out, s, field, s.prec.is_none())?;
        }
        b'p' => {
            let v = args.take()?;
            if v == 0 {
                pad(out, s, Field::text(Text::Bytes(b"(nil)")))?;
            } else {
                let prefix: &[u8] = if s.plus {
                    b"+0x"
                } else if s.space {
                    b" 0x"
                } else {
                    b"0x"
                };
                let mut buf = [0; DIGITS_MAX];
                let text = digits_in(v, 16, false, &mut buf);
                let field = int_field(prefix, text, false, s);
                pad_num(out, s, field, s.prec.is_none())?;
            }
        }
        b'c' if s.bits == 64 => {
            let v = args.take()? as u32;
            let b = wide_to_byte(v)?;
            pad(out, s, Field::text(Text::Bytes(&[b])))?;
        }
        b'C' => return convert(out, &Spec { bits: 64, ..*s }, b'c', args),
        b'S' => return convert(out, &Spec { bits: 64, ..*s }, b's', args),
        b's' if s.bits == 64 => {
            let p = args.take()?;
            if p == 0 {
                return convert(
                    out,
                    &Spec { bits: 0, ..*s },
                    b's',
                    &mut Args {
                        vals: &[0],
                        next: 0,
                    },
                );
            }
            let bytes = wide_string(out.out.mem(), p, s.prec)?;
            pad(out, s, Field::text(Text::Bytes(&bytes)))?;
        }
        b'c' => {
            let v = args.take()? as u8;
            pad(out, s, Field::text(Text::Bytes(&[v])))?;
        }
        b's' => {
            let p = args.take()?;
            let text = if p == 0 {
                Text::Bytes(match s.prec {
                    Some(n) if n < 6 => b"",
                    _ => b"(null)",
                })
            } else {
                let n = match s.prec {
                    Some(n) => out.out.mem().c_str_max(p, n)?.len(),
                    None => out.out.mem().c_str(p)?.len(),
                };
                Text::Mem(p, n as u64)
            };
            pad(out, s, Field::text(text))?;
        }
        b'f' | b'F' | b'e' | b'E' | b'g' | b'G' => {
            let x = f64::from_bits(args.take()?);
            format_float(out, s, conv, x)?;
        }
        b'a' | b'A' => {
            let x = f64::from_bits(args.take()?);
            if x.is_finite() {
                format_hex_float(out, s, conv == b'A', x)?;
            } else {
                format_float(out, s, conv + 4, x)?; // inf and nan as %e
            }
        }
        b'%' => out.put(b"%")?,
        b'n' => {
            // The count so far, as the length modifier's integer.
            let p = args.take()?;
            let ty = match s.bits {
                8 => Type::I8,
                16 => Type::I16,
                64 => Type::I64,
                _ => Type::I32,
            };
            let done = out.done;
            out.out.store(ty, p, done)?;
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// A wide character (`%lc`) as the C locale's one byte: ASCII, or
/// glibc's `EILSEQ` failure (-1, what was written staying written).
fn wide_to_byte(c: u32) -> Result<u8, Stop> {
    u8::try_from(c)
        .ok()
        .filter(u8::is_ascii)
        .ok_or(Stop::Overflow)
}

/// The bytes of the wide string (`%ls`, 4-byte `wchar_t`s) at `p`: up to
/// its NUL, or `prec` bytes of output.
fn wide_string(mem: &Memory, p: u64, prec: Option<u64>) -> Result<Vec<u8>, Stop> {
    let mut bytes = Vec::new();
    let mut at = p;
    while prec.is_none_or(|n| (bytes.len() as u64) < n) {
        let c = mem.load(pivm_ir::Type::I32, at)? as u32;
        if c == 0 {
            break;
        }
        bytes.push(wide_to_byte(c)?);
        at = at.checked_add(4).ok_or(TrapKind::OutOfBounds)?;
    }
    Ok(bytes)
}

/// An integer's field: at least `prec` digits; precision 0 and value 0
/// print no digits.
fn int_field<'a>(prefix: &'a [u8], text: &'a [u8], zero: bool, s: &Spec) -> Field<'a> {
    let (text, zeros): (&[u8], u64) = match s.prec {
        Some(0) if zero => (b"", 0),
        Some(p) => (text, p.saturating_sub(text.len() as u64)),
        None => (text, 0),
    };
    Field {
        prefix,
        zeros,
        ..Field::text(Text::Bytes(text))
    }
}

fn text_starts_with_zero(f: &Field) -> bool {
    matches!(f.text, Text::Bytes([b'0', ..]))
}

/// Writes the field, without padding.
fn write_field<O: Out>(out: &mut Counted<O>, f: &Field, zeros: u64) -> Result<(), Stop> {
    out.put(f.prefix)?;
    out.fill(b'0', zeros)?;
    match f.text {
        Text::Bytes(b) => out.put(b)?,
        Text::Mem(a, n) => out.copy(a, n)?,
    }
    out.fill(b'0', f.trail)?;
    out.put(f.suffix)
}

/// Pads a number to the width: zeros go between its prefix and digits
/// when the `0` flag applies (`zero_ok`), else spaces on the left (or
/// right with `-`).
fn pad_num<O: Out>(out: &mut Counted<O>, s: &Spec, f: Field, zero_ok: bool) -> Result<(), Stop> {
    let len = f.prefix.len() as u64 + f.zeros + f.text.len() + f.trail + f.suffix.len() as u64;
    let fill = s.width.saturating_sub(len);
    if s.minus {
        write_field(out, &f, f.zeros)?;
        out.fill(b' ', fill)
    } else if s.zero && zero_ok {
        write_field(out, &f, f.zeros + fill)
    } else {
        out.fill(b' ', fill)?;
        write_field(out, &f, f.zeros)
    }
}

/// Pads text (`%s`, `%c`, `(nil)`) with spaces.
fn pad<O: Out>(out: &mut Counted<O>, s: &Spec, f: Field) -> Result<(), Stop> {
    pad_num(out, s, f, false)
}

/// The most fraction digits a double has (5e-324 has 1074): `%f` with
/// more prints zeros after them.
const EXACT_FRACTION: u64 = 1100;
/// The most significant digits a double has (767): `%e` with more prints
/// zeros after them.
const EXACT_DIGITS: u64 = 800;

/// `%e` text of a non-negative finite `x`: mantissa digits with `prec`
/// decimals (at most `EXACT_DIGITS`), and the decimal exponent.
fn exp_parts(x: f64, prec: u64) -> (String, i32) {
    let prec = prec.min(EXACT_DIGITS) as usize;
    let t = format!("{x:.prec$e}");
    let (m, e) = t.split_once('e').unwrap_or((&t, "0"));
    (m.to_string(), e.parse().unwrap_or(0))
}

/// `x` with `prec` decimals (at most `EXACT_FRACTION`).
fn fixed(x: f64, prec: u64) -> String {
    let prec = prec.min(EXACT_FRACTION) as usize;
    format!("{x:.prec$}")
}

fn exp_suffix(e: i32, upper: bool) -> String {
    format!(
        "{}{}{:02}",
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

fn format_float<O: Out>(out: &mut Counted<O>, s: &Spec, conv: u8, x: f64) -> Result<(), Stop> {
    let upper = conv.is_ascii_uppercase();
    let sign: &[u8] = if x.is_sign_negative() {
        b"-"
    } else if s.plus {
        b"+"
    } else if s.space {
        b" "
    } else {
        b""
    };
    if !x.is_finite() {
        let t: &[u8] = match (x.is_nan(), upper) {
            (true, false) => b"nan",
            (true, true) => b"NAN",
            (false, false) => b"inf",
            (false, true) => b"INF",
        };
        let f = Field {
            prefix: sign,
            ..Field::text(Text::Bytes(t))
        };
        return pad_num(out, s, f, false);
    }
    let a = x.abs();
    let prec = s.prec.unwrap_or(6);
    // The digits, the zeros past the exact ones, and the exponent.
    let (body, trail, suffix) = match conv {
        b'f' | b'F' => {
            let mut t = fixed(a, prec);
            if s.alt && prec == 0 {
                t.push('.');
            }
            (t, prec.saturating_sub(EXACT_FRACTION), String::new())
        }
        b'e' | b'E' => {
            let (mut m, e) = exp_parts(a, prec);
            if s.alt && prec == 0 {
                m.push('.');
            }
            let trail = prec.saturating_sub(EXACT_DIGITS);
            (m, trail, exp_suffix(e, upper))
        }
        _ => {
            let p = prec.max(1);
            let (m, e) = exp_parts(a, p - 1);
            let (mut t, past, suffix) = if (e as i64) < p as i64 && e >= -4 {
                let fp = (p as i64 - 1 - e as i64) as u64;
                (
                    fixed(a, fp),
                    fp.saturating_sub(EXACT_FRACTION),
                    String::new(),
                )
            } else {
                let past = (p - 1).saturating_sub(EXACT_DIGITS);
                (m, past, exp_suffix(e, upper))
            };
            let trail = if s.alt {
                if !t.contains('.') {
                    t.push('.');
                }
                past
            } else {
                strip_zeros(&mut t);
                0
            };
            (t, trail, suffix)
        }
    };
    let f = Field {
        prefix: sign,
        zeros: 0,
        text: Text::Bytes(body.as_bytes()),
        trail,
        suffix: suffix.as_bytes(),
    };
    pad_num(out, s, f, true)
}

/// `%a`: a finite `x` in hexadecimal as glibc writes it: `0x1.8p+1`,
/// subnormals as `0x0.…p-1022`, zero as `0x0p+0`; with a precision the
/// fraction is rounded to nearest, ties to even (a carry makes `0x2`).
fn format_hex_float<O: Out>(
    out: &mut Counted<O>,
    s: &Spec,
    upper: bool,
    x: f64,
) -> Result<(), Stop> {
    let bits = x.to_bits();
    let sign = if x.is_sign_negative() {
        "-"
    } else if s.plus {
        "+"
    } else if s.space {
        " "
    } else {
        ""
    };
    let biased = ((bits >> 52) & 0x7ff) as i64;
    let (mut lead, mut frac, exp) = match (biased, bits & ((1 << 52) - 1)) {
        (0, 0) => (0u64, 0u64, 0i64),
        (0, f) => (0, f, -1022),
        (e, f) => (1, f, e - 1023),
    };
    // Hex digits of the fraction: 13 exact ones, or `prec` rounded.
    let digits = match s.prec {
        Some(p) if p < 13 => {
            let drop = 4 * (13 - p as u32);
            let whole = lead << 52 | frac;
            let kept = whole >> drop;
            let rem = whole & ((1 << drop) - 1);
            let half = 1 << (drop - 1);
            let kept = if rem > half || (rem == half && kept & 1 == 1) {
                kept + 1
            } else {
                kept
            };
            lead = kept >> (52 - drop);
            frac = (kept & ((1 << (52 - drop)) - 1)) << drop;
            p as usize
        }
        Some(_) => 13,
        None => {
            let mut n = 13;
            while n > 0 && (frac >> (4 * (13 - n))) & 0xf == 0 {
                n -= 1;
            }
            n
        }
    };
    let mut body = String::new();
    body.push(char::from_digit(lead as u32, 16).unwrap_or('1'));
    if digits > 0 || s.alt {
        body.push('.');
    }
    for i in 0..digits.min(13) {
        let d = (frac >> (48 - 4 * i)) & 0xf;
        body.push(char::from_digit(d as u32, 16).unwrap_or('0'));
    }
    let trail = s.prec.map_or(0, |p| p.saturating_sub(13));
    let mut suffix = format!("p{}{}", if exp < 0 { '-' } else { '+' }, exp.unsigned_abs());
    let mut prefix = format!("{sign}0x");
    if upper {
        body.make_ascii_uppercase();
        suffix.make_ascii_uppercase();
        prefix.make_ascii_uppercase();
    }
    // Zeros past the 13 exact digits go before the exponent.
    let f = Field {
        prefix: prefix.as_bytes(),
        zeros: 0,
        text: Text::Bytes(body.as_bytes()),
        trail,
        suffix: suffix.as_bytes(),
    };
    pad_num(out, s, f, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_match_rust_formatting() {
        let mut buf = [0; DIGITS_MAX];
        for x in [
            0,
            1,
            9,
            10,
            255,
            4096,
            u32::MAX as u64,
            u64::MAX - 1,
            u64::MAX,
        ] {
            assert_eq!(digits_in(x, 10, false, &mut buf), x.to_string().as_bytes());
            assert_eq!(
                digits_in(x, 16, false, &mut buf),
                format!("{x:x}").as_bytes()
            );
            assert_eq!(
                digits_in(x, 16, true, &mut buf),
                format!("{x:X}").as_bytes()
            );
            assert_eq!(
                digits_in(x, 8, false, &mut buf),
                format!("{x:o}").as_bytes()
            );
        }
    }

    /// `fmt` formatted with `args`, through memory as the builtins do.
    fn fmt(fmt: &str, args: &[u64]) -> (i32, Vec<u8>) {
        let mut mem = Memory::new(1 << 20, 1 << 16).unwrap();
        mem.write(0x2000, fmt.as_bytes()).unwrap();
        mem.write(0x2000 + fmt.len() as u64, &[0]).unwrap();
        mem.write(0x3000, b"hello\0").unwrap();
        let mut out = Collect {
            mem: &mem,
            bytes: Vec::new(),
        };
        let n = format(&mut out, 0x2000, args).unwrap();
        (n, out.bytes)
    }

    /// Counts only: what `snprintf(NULL, 0, ...)` does.
    struct Count<'m>(&'m Memory, u64);
    impl Out for Count<'_> {
        fn mem(&self) -> &Memory {
            self.0
        }
        fn put(&mut self, b: &[u8]) -> Result<(), TrapKind> {
            self.1 += b.len() as u64;
            Ok(())
        }
        fn fill(&mut self, _: u8, n: u64) -> Result<(), TrapKind> {
            self.1 += n;
            Ok(())
        }
    }

    #[test]
    fn huge_widths_and_precisions_are_printed_in_full() {
        let (n, b) = fmt("%.70000d|", &[7]);
        assert_eq!((n, b.len()), (70001, 70001));
        assert!(b[..69999].iter().all(|&c| c == b'0') && &b[69999..] == b"7|");
        let (n, b) = fmt("%-70000s|", &[0x3000]);
        assert_eq!(n, 70001);
        assert!(b.starts_with(b"hello  ") && b.ends_with(b" |"));
        let (n, b) = fmt("%.65536f", &[1.5f64.to_bits()]);
        assert_eq!(n, 65538);
        assert!(b.starts_with(b"1.5000") && b.iter().skip(3).all(|&c| c == b'0'));
        let (n, b) = fmt("%#.3000g", &[0.1f64.to_bits()]);
        assert_eq!(n as usize, b.len());
        assert!(b.starts_with(b"0.1000000000000000055511151231257827"));
        let (n, b) = fmt("%.3000e", &[2.0f64.to_bits()]);
        assert_eq!(n, 3006);
        assert!(b.ends_with(b"000e+00"));
        let (_, b) = fmt("%.3000g", &[0.1f64.to_bits()]);
        assert_eq!(
            b,
            format!("{:.55}", 0.1f64).trim_end_matches('0').as_bytes()
        );
    }

    #[test]
    fn long_doubles_take_two_va_list_cells() {
        assert_eq!(
            va_arg_cells(b"%d %Lf %*.*Lg %% %s %5.2La %lf %q %"),
            [1, 2, 1, 1, 2, 1, 2, 1]
        );
        assert_eq!(va_arg_cells(b"plain"), [] as [u8; 0]);
    }

    #[test]
    fn past_int_max_is_minus_one() {
        let mut mem = Memory::new(1 << 20, 1 << 16).unwrap();
        let fmts: [(&str, i32); 6] = [
            ("%2147483647d", 2147483647),
            ("x%2147483647d", -1),
            ("%2147483648d", -1),
            ("%.99999999999f", -1),
            ("%1073741824d%1073741824d", -1),
            ("%*d", -1),
        ];
        for (f, want) in fmts {
            mem.write(0x2000, f.as_bytes()).unwrap();
            mem.write(0x2000 + f.len() as u64, &[0]).unwrap();
            let mut out = Count(&mem, 0);
            let got = format(&mut out, 0x2000, &[i32::MIN as u32 as u64, 1]).unwrap();
            assert_eq!(got, want, "{f}");
        }
    }
}
