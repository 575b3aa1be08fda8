//! Math builtins. The older ones are Rust's f64 methods, which call the
//! host's libm (glibc on Linux), so results match a native build there;
//! the C99 additions are the `libm` crate's, identical on every host. A NaN result is
//! canonicalized (`pivm_ir::opcodes::canonicalize_nan`): libms differ in
//! the sign and payload of the NaNs they return, and printf shows the sign.

use pivm_ir::opcodes::canonicalize_nan;
use pivm_ir::{MemType, Type};

use super::Result;
use crate::runtime::Runtime;

fn f(v: u64) -> f64 {
    f64::from_bits(v)
}

macro_rules! unary {
    ($($name:ident => $e:expr;)*) => {$(
        pub fn $name(_rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
            let g: fn(f64) -> f64 = $e;
            Ok(canonicalize_nan(Type::F64, g(f(a[0])).to_bits()))
        }
    )*};
}

macro_rules! binary {
    ($($name:ident => $e:expr;)*) => {$(
        pub fn $name(_rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
            let g: fn(f64, f64) -> f64 = $e;
            Ok(canonicalize_nan(Type::F64, g(f(a[0]), f(a[1])).to_bits()))
        }
    )*};
}

unary! {
    sqrt => f64::sqrt;
    sin => f64::sin;
    cos => f64::cos;
    tan => f64::tan;
    asin => f64::asin;
    acos => f64::acos;
    atan => f64::atan;
    sinh => f64::sinh;
    cosh => f64::cosh;
    tanh => f64::tanh;
    exp => f64::exp;
    log => f64::ln;
    log10 => f64::log10;
    log2 => f64::log2;
    fabs => f64::abs;
    floor => f64::floor;
    ceil => f64::ceil;
    round => f64::round;
    trunc => f64::trunc;
}

// The rest of C99's math.h: the `libm` crate (a Rust port of musl's
// libm), pure Rust without host calls, so every host gives the same bits.
unary! {
    cbrt => libm::cbrt;
    expm1 => libm::expm1;
    log1p => libm::log1p;
    exp2 => libm::exp2;
    asinh => libm::asinh;
    acosh => libm::acosh;
    atanh => libm::atanh;
    erf => libm::erf;
    erfc => libm::erfc;
    tgamma => libm::tgamma;
    lgamma => libm::lgamma;
    rint => libm::rint;
}

binary! {
    copysign => libm::copysign;
    nextafter => libm::nextafter;
    remainder => libm::remainder;
}

pub fn fma(_rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    Ok(canonicalize_nan(
        Type::F64,
        libm::fma(f(a[0]), f(a[1]), f(a[2])).to_bits(),
    ))
}

/// `ldexp(x, n)`: `n` is a C int, passed zero-extended.
pub fn ldexp(_rt: &mut Runtime, a: &[u64], _t: Option<&MemType>) -> Result<u64> {
    let r = libm::scalbn(f(a[0]), a[1] as u32 as i32);
    Ok(canonicalize_nan(Type::F64, r.to_bits()))
}

binary! {
    atan2 => f64::atan2;
    pow => f64::powf;
    fmod => |x, y| x % y;
    hypot => f64::hypot;
    fmin => f64::min;
    fmax => f64::max;
}
