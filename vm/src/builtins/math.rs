//! Math builtins. The exact ones are Rust's f64 operations; every other
//! one is the `libm` crate's, identical on every host. A NaN result is
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

// Exact operations (correctly rounded or exact by IEEE 754, the same on
// every host; the JIT inlines sqrt, fabs, floor, ceil and trunc).
unary! {
    sqrt => f64::sqrt;
    fabs => f64::abs;
    floor => f64::floor;
    ceil => f64::ceil;
    round => f64::round;
    trunc => f64::trunc;
}

// The rest: the `libm` crate (a Rust port of musl's libm), pure Rust
// without host calls, so every host gives the same bits (a host's libm,
// glibc's among them, may differ by architecture and CPU features).
unary! {
    sin => libm::sin;
    cos => libm::cos;
    tan => libm::tan;
    asin => libm::asin;
    acos => libm::acos;
    atan => libm::atan;
    sinh => libm::sinh;
    cosh => libm::cosh;
    tanh => libm::tanh;
    exp => libm::exp;
    log => libm::log;
    log10 => libm::log10;
    log2 => libm::log2;
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
    atan2 => libm::atan2;
    pow => libm::pow;
    hypot => libm::hypot;
}

binary! {
    fmod => |x, y| x % y;
    fmin => f64::min;
    fmax => f64::max;
}
