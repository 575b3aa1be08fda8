//! Math builtins. The exact ones are Rust's f64 operations; every other
//! one is the `libm` crate's, identical on every host. A NaN result is
//! canonicalized (`pivm_ir::opcodes::canonicalize_nan`): libms differ in
//! the sign and payload of the NaNs they return, and printf shows the sign.
//!
//! They set `errno` as glibc's do (`math_errhandling` has `MATH_ERRNO`):
//! `EDOM` for a NaN from arguments that are not NaN (`sqrt(-1)`,
//! `log(-1)`, `acos(2)`, `fmod(1, 0)`), `ERANGE` for an infinity from
//! finite arguments (an overflow, or a pole such as `log(0)`) and, for
//! the functions that can underflow (`Errno::Underflow`), for a zero from
//! a finite nonzero argument; a subnormal result leaves errno alone, as
//! glibc does (but `nextafter`'s, whose own rule is glibc's). The exact
//! functions set nothing but `sqrt`, and neither does `fma` (glibc's does
//! not).

use pivm_ir::builtins::{EDOM, ERANGE};
use pivm_ir::opcodes::canonicalize_nan;
use pivm_ir::{MemType, Type};

use super::{set_errno, Result};
use crate::runtime::Runtime;

fn f(v: u64) -> f64 {
    f64::from_bits(v)
}

/// Which errors a math builtin reports in `errno`.
#[derive(Clone, Copy, PartialEq)]
enum Errno {
    /// None.
    Never,
    /// Domain errors and overflows (poles).
    Checked,
    /// Those and an underflow to zero.
    Underflow,
}

/// The `errno` a result `r` of arguments `args` sets (`Errno`), if any.
fn error_of(class: Errno, args: &[f64], r: f64) -> Option<i32> {
    if class == Errno::Never {
        return None;
    }
    if r.is_nan() && !args.iter().any(|x| x.is_nan()) {
        return Some(EDOM);
    }
    let finite = args.iter().all(|x| x.is_finite());
    if r.is_infinite() && finite {
        return Some(ERANGE);
    }
    if class == Errno::Underflow && r == 0.0 && finite && args.first().is_some_and(|x| *x != 0.0) {
        return Some(ERANGE);
    }
    None
}

/// Returns `r` (canonical if a NaN) after setting `errno` for it.
fn finish(rt: &mut Runtime, class: Errno, args: &[f64], r: f64) -> Result<u64> {
    if let Some(e) = error_of(class, args, r) {
        set_errno(rt, e)?;
    }
    Ok(canonicalize_nan(Type::F64, r.to_bits()))
}

macro_rules! unary {
    ($class:ident: $($name:ident => $e:expr;)*) => {$(
        pub fn $name(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
            let g: fn(f64) -> f64 = $e;
            let x = f(a[0]);
            finish(rt, Errno::$class, &[x], g(x))
        }
    )*};
}

macro_rules! binary {
    ($class:ident: $($name:ident => $e:expr;)*) => {$(
        pub fn $name(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
            let g: fn(f64, f64) -> f64 = $e;
            let (x, y) = (f(a[0]), f(a[1]));
            finish(rt, Errno::$class, &[x, y], g(x, y))
        }
    )*};
}

// Exact operations (correctly rounded or exact by IEEE 754, the same on
// every host; the JIT inlines sqrt, fabs, floor, ceil and trunc, and its
// sqrt sets errno as this one does).
unary! { Checked:
    sqrt => f64::sqrt;
}
unary! { Never:
    fabs => f64::abs;
    floor => f64::floor;
    ceil => f64::ceil;
    round => f64::round;
    trunc => f64::trunc;
}

// The rest: the `libm` crate (a Rust port of musl's libm), pure Rust
// without host calls, so every host gives the same bits (a host's libm,
// glibc's among them, may differ by architecture and CPU features).
unary! { Never:
    rint => libm::rint;
}
unary! { Checked:
    sin => libm::sin;
    cos => libm::cos;
    tan => libm::tan;
    asin => libm::asin;
    acos => libm::acos;
    atan => libm::atan;
    sinh => libm::sinh;
    cosh => libm::cosh;
    tanh => libm::tanh;
    log => libm::log;
    log10 => libm::log10;
    log2 => libm::log2;
    cbrt => libm::cbrt;
    expm1 => libm::expm1;
    log1p => libm::log1p;
    asinh => libm::asinh;
    acosh => libm::acosh;
    atanh => libm::atanh;
    erf => libm::erf;
    lgamma => libm::lgamma;
}
unary! { Underflow:
    exp => libm::exp;
    exp2 => libm::exp2;
    erfc => libm::erfc;
    tgamma => libm::tgamma;
}

binary! { Never:
    copysign => libm::copysign;
    fmin => f64::min;
    fmax => f64::max;
}
binary! { Checked:
    remainder => libm::remainder;
    atan2 => libm::atan2;
    hypot => libm::hypot;
    fmod => |x, y| x % y;
}
binary! { Underflow:
    pow => libm::pow;
}

pub fn fma(_rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    Ok(canonicalize_nan(
        Type::F64,
        libm::fma(f(a[0]), f(a[1]), f(a[2])).to_bits(),
    ))
}

/// `ldexp(x, n)`: `n` is a C int, passed zero-extended.
pub fn ldexp(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    let x = f(a[0]);
    let r = libm::scalbn(x, a[1] as u32 as i32);
    finish(rt, Errno::Underflow, &[x], r)
}

/// `nextafter(x, y)`: glibc's range errors: none when `x` is zero,
/// equals `y` or either is a NaN; else when the result is infinite, zero
/// or subnormal.
pub fn nextafter(rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    let (x, y) = (f(a[0]), f(a[1]));
    let r = libm::nextafter(x, y);
    let quiet = x == 0.0 || x == y || x.is_nan() || y.is_nan();
    if !quiet && (r.is_infinite() || r.abs() < f64::MIN_POSITIVE) {
        set_errno(rt, ERANGE)?;
    }
    Ok(canonicalize_nan(Type::F64, r.to_bits()))
}

#[cfg(test)]
mod tests {
    use super::{error_of, Errno};
    use pivm_ir::builtins::{EDOM, ERANGE};

    #[test]
    fn errors_are_glibcs() {
        let inf = f64::INFINITY;
        // Domain: a NaN from arguments that are not NaN.
        assert_eq!(error_of(Errno::Checked, &[-1.0], f64::NAN), Some(EDOM));
        assert_eq!(error_of(Errno::Checked, &[f64::NAN], f64::NAN), None);
        // Overflows and poles: an infinity from finite arguments.
        assert_eq!(error_of(Errno::Checked, &[0.0], -inf), Some(ERANGE));
        assert_eq!(error_of(Errno::Checked, &[inf], inf), None);
        // Underflow to zero, where the function can underflow.
        assert_eq!(error_of(Errno::Underflow, &[-1000.0], 0.0), Some(ERANGE));
        assert_eq!(error_of(Errno::Underflow, &[-inf], 0.0), None);
        assert_eq!(error_of(Errno::Underflow, &[0.0, 2.0], 0.0), None);
        assert_eq!(error_of(Errno::Underflow, &[-740.0], 4e-322), None);
        assert_eq!(error_of(Errno::Checked, &[1.0], 0.0), None);
        assert_eq!(error_of(Errno::Never, &[inf], f64::NAN), None);
    }
}
