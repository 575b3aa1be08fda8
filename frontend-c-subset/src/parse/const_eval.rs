//! Constant evaluation: integer and arithmetic constant expressions of the
//! typed AST (array sizes, enumerators, case labels, designators, static
//! initializers).
//!
//! Values are computed as the bits of their type, with the opcodes the
//! lowering would emit for the expression (`crate::arith`) evaluated by
//! `pivm_ir::opcodes::eval_*`: a constant expression folds to the value
//! the engines compute at run time. Division by zero is not a constant
//! (`None`): the caller reports it where the constant is required.

use crate::arith::{binop_opcode, convert_bits, truth_opcode, unop_opcode};
use crate::ast::*;
use crate::ctype::Ty;
use pivm_ir::opcodes::{eval_binary, eval_convert, eval_unary};
use pivm_ir::{Opcode, Type};

/// Sign- or zero-extends `v` from the width of integer type `ty`.
pub fn norm_int(v: i64, ty: &Ty) -> i64 {
    if *ty == Ty::Bool {
        return (v != 0) as i64;
    }
    let t = ty.ir();
    if t.bits() >= 64 {
        return v;
    }
    let op = if ty.is_unsigned() {
        Opcode::ZExt
    } else {
        Opcode::SExt
    };
    eval_convert(op, t, Type::I64, v as u64) as i64
}

/// Evaluates an integer constant expression (also `offsetof`-style
/// addresses of members of a null pointer), sign- or zero-extended from
/// the width of its type.
pub fn const_int(e: &Expr) -> Option<i64> {
    if e.ty.is_float() {
        return None;
    }
    let v = const_bits(e)? as i64;
    Some(if e.ty.is_ptr() { v } else { norm_int(v, &e.ty) })
}

/// Evaluates an arithmetic constant expression as a double.
pub fn const_float(e: &Expr) -> Option<f64> {
    if e.ty.is_integer() {
        let v = const_int(e)?;
        return Some(if e.ty.is_unsigned() {
            v as u64 as f64
        } else {
            v as f64
        });
    }
    match e.ty {
        Ty::Float => Some(f32::from_bits(const_bits(e)? as u32) as f64),
        Ty::Double | Ty::LongDouble => Some(f64::from_bits(const_bits(e)?)),
        _ => None,
    }
}

/// Evaluates a scalar constant expression to the bits of its value,
/// zero-extended from the width of its type (floats as their IEEE bits).
pub fn const_bits(e: &Expr) -> Option<u64> {
    let ty = &e.ty;
    let t = ty.ir();
    Some(match &e.kind {
        ExprKind::Int(v) if *ty == Ty::Bool => (*v & t.mask() != 0) as u64,
        ExprKind::Int(v) => *v & t.mask(),
        ExprKind::Float(f) if *ty == Ty::Float => (*f as f32).to_bits() as u64,
        ExprKind::Float(f) => f.to_bits(),
        ExprKind::Cast(x) => {
            if ty.is_void() {
                // Not a value; kept as the operand's, widened to 64 bits.
                let v = if x.ty.is_float() {
                    const_float(x)? as i64
                } else {
                    const_int(x)?
                };
                return Some(v as u64);
            }
            if !ty.is_scalar() || !x.ty.is_scalar() {
                return None;
            }
            convert_bits(const_bits(x)?, &x.ty, ty)
        }
        ExprKind::Addr(x) => const_abs_addr(x)?,
        ExprKind::LabelAddr(_, n) => *n,
        ExprKind::Unary(op, x) => {
            let (o, xt) = (unop_opcode(*op, &x.ty), x.ty.ir());
            let v = const_bits(x)?;
            match op {
                UnOp::LogNot => eval_binary(o, xt, v, 0).ok()?,
                UnOp::Neg | UnOp::BitNot => eval_unary(o, xt, v),
            }
        }
        ExprKind::Binary(op, a, b) => {
            let (x, y) = (const_bits(a)?, const_bits(b)?);
            match op {
                BinOp::Add | BinOp::Sub if a.ty.is_ptr() => {
                    let es = elem_size_hint(&a.ty)?;
                    let d = eval_binary(Opcode::Mul, Type::I64, y, es).ok()?;
                    let o = if *op == BinOp::Add {
                        Opcode::Add
                    } else {
                        Opcode::Sub
                    };
                    eval_binary(o, Type::Ptr, x, d).ok()?
                }
                // `&&b - &&a`, the threaded-code table's offsets: the
                // labels' numbers are their addresses (`LabelAddr`).
                BinOp::PtrDiff => match (&a.kind, &b.kind) {
                    (ExprKind::LabelAddr(..), ExprKind::LabelAddr(..)) => x.wrapping_sub(y),
                    _ => return None,
                },
                _ => eval_binary(binop_opcode(*op, &a.ty), a.ty.ir(), x, y).ok()?,
            }
        }
        ExprKind::LogAnd(a, b) => (const_truth(a)? && const_truth(b)?) as u64,
        ExprKind::LogOr(a, b) => (const_truth(a)? || const_truth(b)?) as u64,
        ExprKind::Cond(c, a, b) => {
            if const_truth(c)? {
                const_bits(a)?
            } else {
                const_bits(b)?
            }
        }
        _ => return None,
    })
}

fn elem_size_hint(t: &Ty) -> Option<u64> {
    // Only used for constant pointer arithmetic on null-based addresses,
    // where the element is a scalar or pointer.
    match t.base()? {
        b if b.is_scalar() => Some(b.ir().bytes() as u64),
        Ty::Void => Some(1),
        _ => None,
    }
}

fn const_abs_addr(lv: &Expr) -> Option<u64> {
    match &lv.kind {
        ExprKind::Member(x, off) => {
            eval_binary(Opcode::Add, Type::Ptr, const_abs_addr(x)?, *off).ok()
        }
        ExprKind::Deref(p) => Some(const_int(p)? as u64),
        _ => None,
    }
}

/// Whether a scalar constant is nonzero.
pub fn const_truth(e: &Expr) -> Option<bool> {
    let (op, t) = truth_opcode(&e.ty);
    Some(eval_binary(op, t, const_bits(e)?, 0).ok()? != 0)
}

pub(super) fn is_null_const(e: &Expr) -> bool {
    let inner = match &e.kind {
        ExprKind::Cast(x) if e.ty.is_ptr() && matches!(e.ty.base(), Some(Ty::Void)) => x,
        _ => e,
    };
    inner.ty.is_integer() && const_int(inner) == Some(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usual_arithmetic_conversions() {
        use crate::ctype::usual_arith;
        assert_eq!(usual_arith(&Ty::Char, &Ty::Short), Ty::Int);
        assert_eq!(usual_arith(&Ty::Int, &Ty::UInt), Ty::UInt);
        assert_eq!(usual_arith(&Ty::Long, &Ty::UInt), Ty::Long);
        assert_eq!(usual_arith(&Ty::ULong, &Ty::LLong), Ty::ULLong);
        assert_eq!(usual_arith(&Ty::LLong, &Ty::ULong), Ty::ULLong);
        assert_eq!(usual_arith(&Ty::Int, &Ty::Float), Ty::Float);
        assert_eq!(usual_arith(&Ty::Float, &Ty::Double), Ty::Double);
        assert_eq!(norm_int(0x1ff, &Ty::Char), -1);
        assert_eq!(norm_int(-1, &Ty::UChar), 255);
        assert_eq!(norm_int(7, &Ty::Bool), 1);
    }

    #[test]
    fn constant_expressions_fold_with_c_semantics() {
        let fold = |src: &str| {
            let text = format!("int v = {src};");
            let mut sm = crate::diag::SourceMap::default();
            let f = sm.add("t.c", text);
            let toks = crate::preprocess::preprocess(&mut sm, f).unwrap();
            let prog = super::super::parse(toks).unwrap();
            let init = prog.globals[GlobalVarId(0)].init.clone().unwrap();
            const_int(&init[0].expr)
        };
        assert_eq!(fold("-7 / 2"), Some(-3));
        assert_eq!(fold("-7 % 2"), Some(-1));
        assert_eq!(fold("(unsigned)-1 > 0"), Some(1));
        assert_eq!(fold("-1 < 0u"), Some(0));
        assert_eq!(fold("(char)300"), Some(44));
        assert_eq!(fold("1 << 31 >> 31"), Some(-1));
        assert_eq!(fold("sizeof(long) * 2"), Some(16));
        assert_eq!(fold("(int)2.9"), Some(2));
        assert_eq!(fold("3 > 2 ? 10 : 20"), Some(10));
        assert_eq!(fold("1 / 0"), None);
    }

    #[test]
    fn constants_fold_to_what_the_engines_compute() {
        let bits = |decl: &str| {
            let mut sm = crate::diag::SourceMap::default();
            let f = sm.add("t.c", format!("{decl};"));
            let toks = crate::preprocess::preprocess(&mut sm, f).unwrap();
            let prog = super::super::parse(toks).unwrap();
            let init = prog.globals[GlobalVarId(0)].init.clone().unwrap();
            const_bits(&init[0].expr)
        };
        // Out-of-range float conversions saturate as the lowering's do.
        assert_eq!(bits("int v = 3e9"), Some(0x7fff_ffff));
        assert_eq!(bits("unsigned v = -1.0"), Some(0xffff_ffff));
        assert_eq!(bits("_Bool v = 0.5"), Some(1));
        // NaNs are canonical.
        assert_eq!(bits("double v = 0.0 / 0.0"), Some(0x7ff8_0000_0000_0000));
        assert_eq!(bits("float v = 0.0f / 0.0f"), Some(0x7fc0_0000));
        assert_eq!(bits("int v = (-2147483647 - 1) / -1"), Some(0x8000_0000));
        assert_eq!(bits("int v = 5 % 0"), None);
    }
}
