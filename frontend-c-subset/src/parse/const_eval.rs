//! Constant evaluation: integer and arithmetic constant expressions of the
//! typed AST (array sizes, enumerators, case labels, static initializers).

use crate::ast::*;
use crate::ctype::Ty;

/// Sign- or zero-extends `v` from the width of integer type `ty`.
pub fn norm_int(v: i64, ty: &Ty) -> i64 {
    let bits = ty.ir().bits();
    if *ty == Ty::Bool {
        return (v != 0) as i64;
    }
    if bits >= 64 {
        return v;
    }
    let sh = 64 - bits;
    if ty.is_unsigned() {
        ((v as u64) << sh >> sh) as i64
    } else {
        (v << sh) >> sh
    }
}

/// Evaluates an integer constant expression (also `offsetof`-style
/// addresses of members of a null pointer).
pub fn const_int(e: &Expr) -> Option<i64> {
    let ty = &e.ty;
    Some(match &e.kind {
        ExprKind::Int(v) => norm_int(*v as i64, ty),
        ExprKind::Cast(x) => {
            if ty.is_float() {
                return None;
            }
            let v = if x.ty.is_float() {
                let f = const_float(x)?;
                if ty.is_unsigned() {
                    f as u64 as i64
                } else {
                    f as i64
                }
            } else {
                const_int(x)?
            };
            if ty.is_ptr() {
                v
            } else {
                norm_int(v, ty)
            }
        }
        ExprKind::Addr(x) => const_abs_addr(x)?,
        ExprKind::Unary(op, x) => {
            if x.ty.is_float() {
                return match op {
                    UnOp::LogNot => Some((const_float(x)? == 0.0) as i64),
                    _ => None,
                };
            }
            let v = const_int(x)?;
            match op {
                UnOp::Neg => norm_int(v.wrapping_neg(), ty),
                UnOp::BitNot => norm_int(!v, ty),
                UnOp::LogNot => (v == 0) as i64,
            }
        }
        ExprKind::Binary(op, a, b) => {
            if a.ty.is_float() {
                let (x, y) = (const_float(a)?, const_float(b)?);
                return Some(match op {
                    BinOp::Eq => (x == y) as i64,
                    BinOp::Ne => (x != y) as i64,
                    BinOp::Lt => (x < y) as i64,
                    BinOp::Le => (x <= y) as i64,
                    BinOp::Gt => (x > y) as i64,
                    BinOp::Ge => (x >= y) as i64,
                    _ => return None,
                });
            }
            let (x, y) = (const_int(a)?, const_int(b)?);
            let uns = a.ty.is_unsigned();
            let r = match op {
                BinOp::Add if a.ty.is_ptr() => {
                    x.wrapping_add(y.wrapping_mul(elem_size_hint(&a.ty)? as i64))
                }
                BinOp::Sub if a.ty.is_ptr() => {
                    x.wrapping_sub(y.wrapping_mul(elem_size_hint(&a.ty)? as i64))
                }
                BinOp::Add => x.wrapping_add(y),
                BinOp::Sub => x.wrapping_sub(y),
                BinOp::Mul => x.wrapping_mul(y),
                BinOp::Div | BinOp::Rem if y == 0 => return None,
                BinOp::Div if uns => ((x as u64) / (y as u64)) as i64,
                BinOp::Rem if uns => ((x as u64) % (y as u64)) as i64,
                BinOp::Div => x.wrapping_div(y),
                BinOp::Rem => x.wrapping_rem(y),
                BinOp::Shl => x.wrapping_shl(y as u32 & (a.ty.ir().bits() - 1)),
                BinOp::Shr if uns => {
                    ((x as u64).wrapping_shr(y as u32 & (a.ty.ir().bits() - 1))) as i64
                }
                BinOp::Shr => x.wrapping_shr(y as u32 & (a.ty.ir().bits() - 1)),
                BinOp::BitAnd => x & y,
                BinOp::BitOr => x | y,
                BinOp::BitXor => x ^ y,
                BinOp::Eq => (x == y) as i64,
                BinOp::Ne => (x != y) as i64,
                BinOp::Lt if uns => ((x as u64) < (y as u64)) as i64,
                BinOp::Le if uns => ((x as u64) <= (y as u64)) as i64,
                BinOp::Gt if uns => ((x as u64) > (y as u64)) as i64,
                BinOp::Ge if uns => ((x as u64) >= (y as u64)) as i64,
                BinOp::Lt => (x < y) as i64,
                BinOp::Le => (x <= y) as i64,
                BinOp::Gt => (x > y) as i64,
                BinOp::Ge => (x >= y) as i64,
                BinOp::PtrDiff => return None,
            };
            norm_int(r, ty)
        }
        ExprKind::LogAnd(a, b) => (truth(a)? && truth(b)?) as i64,
        ExprKind::LogOr(a, b) => (truth(a)? || truth(b)?) as i64,
        ExprKind::Cond(c, a, b) => {
            if truth(c)? {
                const_int(a)?
            } else {
                const_int(b)?
            }
        }
        ExprKind::Comma(_, _) => return None,
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

fn const_abs_addr(lv: &Expr) -> Option<i64> {
    match &lv.kind {
        ExprKind::Member(x, off) => Some(const_abs_addr(x)?.wrapping_add(*off as i64)),
        ExprKind::Deref(p) => const_int(p),
        _ => None,
    }
}

fn truth(e: &Expr) -> Option<bool> {
    if e.ty.is_float() {
        Some(const_float(e)? != 0.0)
    } else {
        Some(const_int(e)? != 0)
    }
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
    if !e.ty.is_float() {
        return None;
    }
    let r = match &e.kind {
        ExprKind::Float(f) => *f,
        ExprKind::Cast(x) => {
            if x.ty.is_integer() {
                let v = const_int(x)?;
                if x.ty.is_unsigned() {
                    if e.ty == Ty::Float {
                        v as u64 as f32 as f64
                    } else {
                        v as u64 as f64
                    }
                } else if e.ty == Ty::Float {
                    v as f32 as f64
                } else {
                    v as f64
                }
            } else {
                const_float(x)?
            }
        }
        ExprKind::Unary(UnOp::Neg, x) => -const_float(x)?,
        ExprKind::Binary(op, a, b) => {
            let (x, y) = (const_float(a)?, const_float(b)?);
            match op {
                BinOp::Add => x + y,
                BinOp::Sub => x - y,
                BinOp::Mul => x * y,
                BinOp::Div => x / y,
                _ => return None,
            }
        }
        ExprKind::Cond(c, a, b) => {
            if truth(c)? {
                const_float(a)?
            } else {
                const_float(b)?
            }
        }
        _ => return None,
    };
    Some(if e.ty == Ty::Float {
        r as f32 as f64
    } else {
        r
    })
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
            let init = prog.globals[0].init.clone().unwrap();
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
}
