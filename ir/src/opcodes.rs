//! The scalar opcodes, defined once: name, class, and semantics. The
//! printer, parser and verifier key off `Opcode::class`; the interpreter and
//! the differential tests evaluate with `eval_*`; the JIT lowers each opcode to
//! the Cranelift instruction with the same meaning.
//!
//! Values are `u64`s holding the bits of the value zero-extended from its
//! type's width (floats as their IEEE bits).

use crate::trap::TrapKind;
use crate::types::Type;

/// What operands an opcode takes and what it produces.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum OpClass {
    /// `%d = op.T %a, %b`, T integer, result T.
    IntBinary,
    /// Like `IntBinary`, but traps on a zero divisor.
    IntDivRem,
    /// `%d = op.T %a, %b`, T float, result T.
    FloatBinary,
    /// `%d = op.T %a, %b`, T integer, result i32 (0 or 1).
    IntCompare,
    /// `%d = op.T %a, %b`, T float, result i32 (0 or 1).
    FloatCompare,
    /// `%d = op.T %a`, T integer.
    IntUnary,
    /// `%d = op.T %a`, T float.
    FloatUnary,
    /// `%d = copy.T %a`, any T.
    Copy,
    /// `%d = op.F.T %a`: a conversion from F to T.
    Convert,
}

macro_rules! opcodes {
    ($($variant:ident $name:literal $class:ident,)*) => {
        /// A scalar opcode.
        #[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
        pub enum Opcode { $($variant,)* }

        impl Opcode {
            pub const ALL: &'static [Opcode] = &[$(Opcode::$variant,)*];

            /// The opcode's name in `.pir` text.
            pub fn name(self) -> &'static str {
                match self { $(Opcode::$variant => $name,)* }
            }

            pub fn class(self) -> OpClass {
                match self { $(Opcode::$variant => OpClass::$class,)* }
            }
        }
    };
}

opcodes! {
    Add "add" IntBinary,
    Sub "sub" IntBinary,
    Mul "mul" IntBinary,
    SDiv "sdiv" IntDivRem,
    UDiv "udiv" IntDivRem,
    SRem "srem" IntDivRem,
    URem "urem" IntDivRem,
    And "and" IntBinary,
    Or "or" IntBinary,
    Xor "xor" IntBinary,
    Shl "shl" IntBinary,
    LShr "lshr" IntBinary,
    AShr "ashr" IntBinary,
    FAdd "fadd" FloatBinary,
    FSub "fsub" FloatBinary,
    FMul "fmul" FloatBinary,
    FDiv "fdiv" FloatBinary,
    Eq "eq" IntCompare,
    Ne "ne" IntCompare,
    SLt "slt" IntCompare,
    SLe "sle" IntCompare,
    SGt "sgt" IntCompare,
    SGe "sge" IntCompare,
    ULt "ult" IntCompare,
    ULe "ule" IntCompare,
    UGt "ugt" IntCompare,
    UGe "uge" IntCompare,
    FEq "feq" FloatCompare,
    FNe "fne" FloatCompare,
    FLt "flt" FloatCompare,
    FLe "fle" FloatCompare,
    FGt "fgt" FloatCompare,
    FGe "fge" FloatCompare,
    Neg "neg" IntUnary,
    Not "not" IntUnary,
    FNeg "fneg" FloatUnary,
    Copy "copy" Copy,
    SExt "sext" Convert,
    ZExt "zext" Convert,
    Trunc "trunc" Convert,
    FExt "fext" Convert,
    FTrunc "ftrunc" Convert,
    SIToF "sitof" Convert,
    UIToF "uitof" Convert,
    FToSI "ftosi" Convert,
    FToUI "ftoui" Convert,
    Bitcast "bitcast" Convert,
}

impl Opcode {
    pub fn from_name(s: &str) -> Option<Opcode> {
        Opcode::ALL.iter().copied().find(|o| o.name() == s)
    }

    /// The type of the result of a non-conversion opcode on operands of
    /// type `ty`.
    pub fn result_type(self, ty: Type) -> Type {
        match self.class() {
            OpClass::IntCompare | OpClass::FloatCompare => Type::I32,
            _ => ty,
        }
    }

    /// Whether `self.ty` is a valid operand type of this non-conversion opcode.
    pub fn accepts(self, ty: Type) -> bool {
        match self.class() {
            OpClass::IntBinary | OpClass::IntDivRem | OpClass::IntCompare | OpClass::IntUnary => {
                ty.is_int()
            }
            OpClass::FloatBinary | OpClass::FloatCompare | OpClass::FloatUnary => ty.is_float(),
            OpClass::Copy => true,
            OpClass::Convert => false,
        }
    }

    /// Whether the conversion `self` from `from` to `to` is valid.
    pub fn accepts_conversion(self, from: Type, to: Type) -> bool {
        match self {
            Opcode::SExt | Opcode::ZExt => from.is_int() && to.is_int() && from.bits() < to.bits(),
            Opcode::Trunc => from.is_int() && to.is_int() && from.bits() > to.bits(),
            Opcode::FExt => from == Type::F32 && to == Type::F64,
            Opcode::FTrunc => from == Type::F64 && to == Type::F32,
            Opcode::SIToF | Opcode::UIToF => from.is_int() && to.is_float(),
            Opcode::FToSI | Opcode::FToUI => from.is_float() && to.is_int(),
            Opcode::Bitcast => from != to && from.bits() == to.bits(),
            _ => false,
        }
    }
}

/// Sign-extend the low `ty.bits()` bits of `v` to an `i64`.
pub fn sext(ty: Type, v: u64) -> i64 {
    let sh = 64 - ty.bits();
    ((v << sh) as i64) >> sh
}

fn f32v(v: u64) -> f32 {
    f32::from_bits(v as u32)
}
fn f64v(v: u64) -> f64 {
    f64::from_bits(v)
}

/// Evaluate a binary opcode (`IntBinary`, `IntDivRem`, `FloatBinary`,
/// `IntCompare`, `FloatCompare`). Division and remainder by zero trap;
/// `MIN / -1` wraps to `MIN` (and its remainder is 0), as on every engine.
pub fn eval_binary(op: Opcode, ty: Type, a: u64, b: u64) -> Result<u64, TrapKind> {
    let m = ty.mask();
    let (a, b) = (a & m, b & m);
    let sh = (b as u32) & (ty.bits() - 1);
    let r = match op {
        Opcode::Add => a.wrapping_add(b),
        Opcode::Sub => a.wrapping_sub(b),
        Opcode::Mul => a.wrapping_mul(b),
        Opcode::SDiv | Opcode::SRem => {
            if b == 0 {
                return Err(TrapKind::DivisionByZero);
            }
            let (x, y) = (sext(ty, a), sext(ty, b));
            // In `ty`'s width, MIN / -1 wraps; computing in i64 and masking gives that.
            if op == Opcode::SDiv {
                x.wrapping_div(y) as u64
            } else {
                x.wrapping_rem(y) as u64
            }
        }
        Opcode::UDiv | Opcode::URem => {
            if b == 0 {
                return Err(TrapKind::DivisionByZero);
            }
            if op == Opcode::UDiv {
                a / b
            } else {
                a % b
            }
        }
        Opcode::And => a & b,
        Opcode::Or => a | b,
        Opcode::Xor => a ^ b,
        Opcode::Shl => a << sh,
        Opcode::LShr => a >> sh,
        Opcode::AShr => (sext(ty, a) >> sh) as u64,
        Opcode::FAdd | Opcode::FSub | Opcode::FMul | Opcode::FDiv => {
            return Ok(float_binary(op, ty, a, b));
        }
        Opcode::Eq => (a == b) as u64,
        Opcode::Ne => (a != b) as u64,
        Opcode::SLt => (sext(ty, a) < sext(ty, b)) as u64,
        Opcode::SLe => (sext(ty, a) <= sext(ty, b)) as u64,
        Opcode::SGt => (sext(ty, a) > sext(ty, b)) as u64,
        Opcode::SGe => (sext(ty, a) >= sext(ty, b)) as u64,
        Opcode::ULt => (a < b) as u64,
        Opcode::ULe => (a <= b) as u64,
        Opcode::UGt => (a > b) as u64,
        Opcode::UGe => (a >= b) as u64,
        Opcode::FEq | Opcode::FNe | Opcode::FLt | Opcode::FLe | Opcode::FGt | Opcode::FGe => {
            let (x, y) = if ty == Type::F32 {
                (f32v(a) as f64, f32v(b) as f64)
            } else {
                (f64v(a), f64v(b))
            };
            return Ok(match op {
                Opcode::FEq => x == y,
                Opcode::FNe => x != y,
                Opcode::FLt => x < y,
                Opcode::FLe => x <= y,
                Opcode::FGt => x > y,
                _ => x >= y,
            } as u64);
        }
        _ => unreachable!("{} is not a binary opcode", op.name()),
    };
    Ok(r & m)
}

/// The NaN every float operation produces: positive, quiet, no payload
/// (Cranelift's `enable_nan_canonicalization` uses the same). Hardware
/// differs (x86 makes negative NaNs, aarch64 positive ones), so without
/// this `printf("%f", 0.0 / 0.0)` would print `-nan` on one host and `nan`
/// on another.
pub const CANONICAL_NAN_F32: u32 = 0x7fc0_0000;
pub const CANONICAL_NAN_F64: u64 = 0x7ff8_0000_0000_0000;

/// `bits` of type `ty`, with any NaN replaced by the canonical NaN. Applied
/// to the results of float arithmetic, float conversions between widths,
/// and math builtins.
pub fn canonicalize_nan(ty: Type, bits: u64) -> u64 {
    match ty {
        Type::F32 if f32v(bits).is_nan() => CANONICAL_NAN_F32 as u64,
        Type::F64 if f64v(bits).is_nan() => CANONICAL_NAN_F64,
        _ => bits,
    }
}

fn float_binary(op: Opcode, ty: Type, a: u64, b: u64) -> u64 {
    canonicalize_nan(ty, float_binary_raw(op, ty, a, b))
}

fn float_binary_raw(op: Opcode, ty: Type, a: u64, b: u64) -> u64 {
    if ty == Type::F32 {
        // Each f32 operation rounds once, in f32, exactly as native code does.
        let (x, y) = (f32v(a), f32v(b));
        let r = match op {
            Opcode::FAdd => x + y,
            Opcode::FSub => x - y,
            Opcode::FMul => x * y,
            _ => x / y,
        };
        r.to_bits() as u64
    } else {
        let (x, y) = (f64v(a), f64v(b));
        let r = match op {
            Opcode::FAdd => x + y,
            Opcode::FSub => x - y,
            Opcode::FMul => x * y,
            _ => x / y,
        };
        r.to_bits()
    }
}

/// Evaluate a unary opcode (`IntUnary`, `FloatUnary`, `Copy`).
pub fn eval_unary(op: Opcode, ty: Type, a: u64) -> u64 {
    let m = ty.mask();
    match op {
        Opcode::Neg => a.wrapping_neg() & m,
        Opcode::Not => !a & m,
        Opcode::FNeg => a ^ (1u64 << (ty.bits() - 1)),
        Opcode::Copy => a & m,
        _ => unreachable!("{} is not a unary opcode", op.name()),
    }
}

/// Evaluate a conversion. Float-to-integer conversions saturate (NaN gives
/// 0), like Cranelift's `fcvt_to_*_sat`: out-of-range conversions are
/// undefined in C, and every engine gives this same answer.
pub fn eval_convert(op: Opcode, from: Type, to: Type, a: u64) -> u64 {
    let a = a & from.mask();
    let fv = |a: u64| {
        if from == Type::F32 {
            f32v(a) as f64
        } else {
            f64v(a)
        }
    };
    let r = match op {
        Opcode::SExt => sext(from, a) as u64,
        Opcode::ZExt | Opcode::Trunc | Opcode::Bitcast => a,
        Opcode::FExt => canonicalize_nan(to, (f32v(a) as f64).to_bits()),
        Opcode::FTrunc => canonicalize_nan(to, (f64v(a) as f32).to_bits() as u64),
        Opcode::SIToF => {
            let x = sext(from, a);
            if to == Type::F32 {
                (x as f32).to_bits() as u64
            } else {
                (x as f64).to_bits()
            }
        }
        Opcode::UIToF => {
            if to == Type::F32 {
                (a as f32).to_bits() as u64
            } else {
                (a as f64).to_bits()
            }
        }
        Opcode::FToSI => {
            let x = fv(a);
            match to.bits() {
                8 => x as i8 as u64,
                16 => x as i16 as u64,
                32 => x as i32 as u64,
                _ => x as i64 as u64,
            }
        }
        Opcode::FToUI => {
            let x = fv(a);
            match to.bits() {
                8 => x as u8 as u64,
                16 => x as u16 as u64,
                32 => x as u32 as u64,
                _ => x as u64,
            }
        }
        _ => unreachable!("{} is not a conversion", op.name()),
    };
    r & to.mask()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nan_results_are_canonical() {
        let zero = 0f64.to_bits();
        let nan = eval_binary(Opcode::FDiv, Type::F64, zero, zero).unwrap();
        assert_eq!(nan, CANONICAL_NAN_F64);
        let neg_nan = (-f32::NAN).to_bits() as u64;
        let r = eval_binary(Opcode::FAdd, Type::F32, neg_nan, 0f32.to_bits() as u64).unwrap();
        assert_eq!(r, CANONICAL_NAN_F32 as u64);
        assert_eq!(
            eval_convert(Opcode::FExt, Type::F32, Type::F64, neg_nan),
            CANONICAL_NAN_F64
        );
        // fneg only flips the sign, as in C and Cranelift.
        assert_eq!(
            eval_unary(Opcode::FNeg, Type::F64, CANONICAL_NAN_F64),
            CANONICAL_NAN_F64 | 1 << 63
        );
    }

    #[test]
    fn division_corners() {
        let min = 0x8000_0000u64;
        let m1 = 0xffff_ffffu64;
        assert_eq!(eval_binary(Opcode::SDiv, Type::I32, min, m1), Ok(min));
        assert_eq!(eval_binary(Opcode::SRem, Type::I32, min, m1), Ok(0));
        assert_eq!(
            eval_binary(Opcode::UDiv, Type::I32, 1, 0),
            Err(TrapKind::DivisionByZero)
        );
        assert_eq!(eval_binary(Opcode::SDiv, Type::I8, 0x80, 0xff), Ok(0x80));
    }
}
