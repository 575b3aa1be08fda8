//! C's arithmetic operators and scalar conversions as IR opcodes, chosen in
//! one place: the lowering emits them and the constant evaluator runs them
//! with `pivm_ir::opcodes::eval_*`, so a folded constant expression has the
//! value the engines would compute for it at run time.

use crate::ast::{BinOp, UnOp};
use crate::ctype::Ty;
use pivm_ir::opcodes::{eval_binary, eval_convert};
use pivm_ir::{Opcode, Type};

/// The opcode of the arithmetic, bitwise or comparison operator `op` on
/// operands of their common type `ty` (not pointer `+`/`-`, and
/// `PtrDiff` is only its subtraction).
pub(crate) fn binop_opcode(op: BinOp, ty: &Ty) -> Opcode {
    let fl = ty.is_float();
    let uns = ty.is_unsigned();
    match op {
        BinOp::Add if fl => Opcode::FAdd,
        BinOp::Sub if fl => Opcode::FSub,
        BinOp::Mul if fl => Opcode::FMul,
        BinOp::Div if fl => Opcode::FDiv,
        BinOp::Add => Opcode::Add,
        BinOp::Sub => Opcode::Sub,
        BinOp::Mul => Opcode::Mul,
        BinOp::Div if uns => Opcode::UDiv,
        BinOp::Div => Opcode::SDiv,
        BinOp::Rem if uns => Opcode::URem,
        BinOp::Rem => Opcode::SRem,
        BinOp::Shl => Opcode::Shl,
        BinOp::Shr if uns => Opcode::LShr,
        BinOp::Shr => Opcode::AShr,
        BinOp::BitAnd => Opcode::And,
        BinOp::BitOr => Opcode::Or,
        BinOp::BitXor => Opcode::Xor,
        BinOp::Eq if fl => Opcode::FEq,
        BinOp::Ne if fl => Opcode::FNe,
        BinOp::Lt if fl => Opcode::FLt,
        BinOp::Le if fl => Opcode::FLe,
        BinOp::Gt if fl => Opcode::FGt,
        BinOp::Ge if fl => Opcode::FGe,
        BinOp::Eq => Opcode::Eq,
        BinOp::Ne => Opcode::Ne,
        BinOp::Lt if uns => Opcode::ULt,
        BinOp::Le if uns => Opcode::ULe,
        BinOp::Gt if uns => Opcode::UGt,
        BinOp::Ge if uns => Opcode::UGe,
        BinOp::Lt => Opcode::SLt,
        BinOp::Le => Opcode::SLe,
        BinOp::Gt => Opcode::SGt,
        BinOp::Ge => Opcode::SGe,
        BinOp::PtrDiff => Opcode::Sub,
    }
}

/// The opcode of unary operator `op` on an operand of type `ty`: a unary
/// opcode for `-` and `~`; for `!`, the comparison with 0 (a binary opcode).
pub(crate) fn unop_opcode(op: UnOp, ty: &Ty) -> Opcode {
    let fl = ty.is_float();
    match op {
        UnOp::Neg if fl => Opcode::FNeg,
        UnOp::Neg => Opcode::Neg,
        UnOp::BitNot => Opcode::Not,
        UnOp::LogNot if fl => Opcode::FEq,
        UnOp::LogNot => Opcode::Eq,
    }
}

/// `v != 0` for a value of scalar type `ty`: the opcode and its operand
/// type (the result is an `i32` 0 or 1).
pub(crate) fn truth_opcode(ty: &Ty) -> (Opcode, Type) {
    if ty.is_float() {
        (Opcode::FNe, ty.ir())
    } else {
        (Opcode::Ne, ty.ir())
    }
}

/// One conversion instruction: opcode, from, to.
pub(crate) type ConvStep = (Opcode, Type, Type);

/// How a scalar value converts from one C type to another.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Conversion {
    /// The bits stay as they are.
    Same,
    /// To `_Bool`: the truth of the value (`truth_opcode`), an `i32`
    /// truncated to `i8`.
    Truth,
    One(ConvStep),
    /// Through an intermediate type.
    Two(ConvStep, ConvStep),
}

/// The conversion of a scalar from C type `from` to C type `to` (both
/// scalar, neither `void`).
pub(crate) fn conversion(from: &Ty, to: &Ty) -> Conversion {
    let (ft, tt) = (from.ir(), to.ir());
    if *to == Ty::Bool {
        if *from == Ty::Bool {
            return Conversion::Same;
        }
        return Conversion::Truth;
    }
    if from.is_float() && to.is_float() {
        return match (ft, tt) {
            (Type::F32, Type::F64) => Conversion::One((Opcode::FExt, ft, tt)),
            (Type::F64, Type::F32) => Conversion::One((Opcode::FTrunc, ft, tt)),
            _ => Conversion::Same,
        };
    }
    if from.is_float() {
        // Like gcc on x86_64: narrow types and `unsigned int` convert
        // through a wider signed integer, then truncate (this only
        // matters for out-of-range values, which C leaves undefined).
        return match (tt, to.is_unsigned()) {
            (Type::I8 | Type::I16, _) => Conversion::Two(
                (Opcode::FToSI, ft, Type::I32),
                (Opcode::Trunc, Type::I32, tt),
            ),
            (Type::I32, true) => Conversion::Two(
                (Opcode::FToSI, ft, Type::I64),
                (Opcode::Trunc, Type::I64, tt),
            ),
            (_, true) => Conversion::One((Opcode::FToUI, ft, tt)),
            _ => Conversion::One((Opcode::FToSI, ft, tt)),
        };
    }
    if to.is_float() {
        let op = if from.is_unsigned() && !from.is_ptr() {
            Opcode::UIToF
        } else {
            Opcode::SIToF
        };
        return Conversion::One((op, ft, tt));
    }
    // Integer or pointer to integer or pointer.
    let (fb, tb) = (ft.bits(), tt.bits());
    if fb == tb {
        return Conversion::Same;
    }
    if fb > tb {
        return Conversion::One((Opcode::Trunc, ft, tt));
    }
    let op = if from.is_unsigned() {
        Opcode::ZExt
    } else {
        Opcode::SExt
    };
    Conversion::One((op, ft, tt))
}
/// Converts the bits `v` of a scalar of C type `from` to C type `to`, as
/// the instructions of `conversion` do.
pub(crate) fn convert_bits(v: u64, from: &Ty, to: &Ty) -> u64 {
    match conversion(from, to) {
        Conversion::Same => v,
        Conversion::Truth => {
            let (op, t) = truth_opcode(from);
            let b = eval_binary(op, t, v, 0).unwrap_or(0);
            eval_convert(Opcode::Trunc, Type::I32, Type::I8, b)
        }
        Conversion::One((op, f, t)) => eval_convert(op, f, t, v),
        Conversion::Two((op1, f1, t1), (op2, f2, t2)) => {
            eval_convert(op2, f2, t2, eval_convert(op1, f1, t1, v))
        }
    }
}
