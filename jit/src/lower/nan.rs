//! Where generated code canonicalizes NaNs.
//!
//! The IR says float arithmetic gives the canonical NaN
//! (`pivm_ir::opcodes::CANONICAL_NAN_*`) whenever its result is a NaN;
//! hardware gives NaNs whose sign and payload differ by architecture. The
//! interpreter canonicalizes after every operation. Generated code
//! canonicalizes only where the difference could be seen, which gives the
//! same observable bits at a fraction of the cost (Cranelift's own
//! `enable_nan_canonicalization` wraps every float operation in a
//! vector sequence).
//!
//! A float result is *loose* when it came out of an operation whose NaNs
//! are the hardware's: `fadd`, `fsub`, `fmul`, `fdiv`, `fext`, `ftrunc` and
//! the inline math builtins (sqrt, fabs, floor, ceil, trunc). While a loose
//! value only flows into operations that cannot tell one NaN from another
//! (arithmetic, whose result is again a NaN; comparisons; conversions to
//! integers, which saturate a NaN to 0), which NaN it is does not matter.
//! It is canonicalized where its bits can be seen: stored to memory, cast
//! to an integer, negated (`fneg` flips the sign of the canonical NaN), passed
//! to or returned from a call, and saved in a frame at a resume point.
//!
//! A local is *loose* when every definition of it is loose, a copy of a
//! loose local, or a value that can never be a NaN (a non-NaN constant, an
//! integer conversion, the zero every local starts with): such a local is
//! canonicalized where it is used in one of those ways. A local that also
//! has an exact definition (a load, a call result, a parameter, a NaN
//! constant with a payload, a bitcast) must keep those bits, so its loose
//! definitions are canonicalized where they are made instead, as the
//! interpreter does.

use pivm_ir::{BuiltinId, Callee, EntityRef, Function, InstKind, Opcode, Operand, Type};

/// What a definition of a float local puts in it.
#[derive(Copy, Clone, PartialEq, Eq)]
enum Def {
    /// A hardware NaN is possible.
    Loose,
    /// Never a NaN: canonicalizing it changes nothing.
    NotNan,
    /// Bits that must be kept as they are.
    Exact,
    /// A copy of another local.
    Copy(usize),
}

/// Whether an operation's NaN results are the hardware's.
pub(super) fn is_loose_op(op: Opcode) -> bool {
    matches!(
        op,
        Opcode::FAdd | Opcode::FSub | Opcode::FMul | Opcode::FDiv | Opcode::FExt | Opcode::FTrunc
    )
}

/// The loose locals of `f` (see the module docs). `inline_math` tells the
/// builtins whose calls are lowered to hardware instructions.
pub(super) fn loose_locals(
    f: &Function,
    inline_math: impl Fn(BuiltinId, &[(Type, Operand)]) -> bool,
) -> Vec<bool> {
    let n = f.locals.len();
    let is_float = |i: usize| f.locals[pivm_ir::Local::new(i)].ty.is_float();
    let mut defs: Vec<Vec<Def>> = vec![Vec::new(); n];
    for d in defs.iter_mut().take(f.num_params) {
        d.push(Def::Exact);
    }
    for inst in f.blocks.values().flat_map(|b| &b.insts) {
        let Some(dst) = inst.kind.dst() else {
            continue;
        };
        let d = dst.index();
        if !is_float(d) {
            continue;
        }
        // A select defines its local with a copy of either operand.
        if let InstKind::Select { ty, a, b, .. } = &inst.kind {
            defs[d].extend([copy_def(*ty, *a), copy_def(*ty, *b)]);
            continue;
        }
        let def = match &inst.kind {
            InstKind::Binary { op, .. } if is_loose_op(*op) => Def::Loose,
            InstKind::Convert { op, .. } if is_loose_op(*op) => Def::Loose,
            InstKind::Convert {
                op: Opcode::SIToF | Opcode::UIToF,
                ..
            } => Def::NotNan,
            InstKind::Unary {
                op: Opcode::Copy,
                a,
                ty,
                ..
            } => copy_def(*ty, *a),
            InstKind::Call {
                callee: Callee::Builtin(bi),
                args,
                ..
            } if inline_math(*bi, args) => Def::Loose,
            _ => Def::Exact,
        };
        defs[d].push(def);
    }
    // Greatest fixpoint: start from every float local without an exact
    // definition, drop those that copy a local that is not loose.
    let mut loose: Vec<bool> = (0..n)
        .map(|i| is_float(i) && defs[i].iter().all(|d| *d != Def::Exact))
        .collect();
    loop {
        let mut changed = false;
        for i in 0..n {
            if loose[i]
                && defs[i]
                    .iter()
                    .any(|d| matches!(d, Def::Copy(s) if !loose[*s]))
            {
                loose[i] = false;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    // A local only ever holding values that are never NaNs need not be
    // canonicalized anywhere.
    for i in 0..n {
        if loose[i] && defs[i].iter().all(|d| *d == Def::NotNan) {
            loose[i] = false;
        }
    }
    loose
}

/// The float locals of `f` whose bits are never seen: every use is an
/// operand of arithmetic, a comparison, a conversion to an integer or a
/// width, or an inline math builtin (`inline_math`), none of which can
/// tell one NaN from another, and none is live at a resume point
/// (`saved`: its frame would hold the bits). Such a local may be given a
/// loose value where an exact one is due (a load answered by a loose
/// value the path stored, `forward`) without canonicalizing it.
pub(super) fn blind_locals(
    f: &Function,
    inline_math: impl Fn(BuiltinId, &[(Type, Operand)]) -> bool,
    saved: impl Fn(usize) -> bool,
) -> Vec<bool> {
    let n = f.locals.len();
    let mut blind: Vec<bool> = (0..n)
        .map(|i| f.locals[pivm_ir::Local::new(i)].ty.is_float() && !saved(i))
        .collect();
    for inst in f.blocks.values().flat_map(|b| &b.insts) {
        let insensitive = match &inst.kind {
            InstKind::Binary { op, .. } => {
                is_loose_op(*op)
                    || matches!(
                        op,
                        Opcode::FEq
                            | Opcode::FNe
                            | Opcode::FLt
                            | Opcode::FLe
                            | Opcode::FGt
                            | Opcode::FGe
                    )
            }
            InstKind::Convert { op, .. } => {
                is_loose_op(*op) || matches!(op, Opcode::FToSI | Opcode::FToUI)
            }
            InstKind::Call {
                callee: Callee::Builtin(bi),
                args,
                ..
            } => inline_math(*bi, args),
            _ => false,
        };
        if insensitive {
            continue;
        }
        for (_, o) in inst.kind.operands() {
            if let Operand::Local(l) = o {
                blind[l.index()] = false;
            }
        }
    }
    blind
}

/// What a copy of `a` puts in its destination.
fn copy_def(ty: Type, a: Operand) -> Def {
    match a {
        Operand::Local(l) => Def::Copy(l.index()),
        Operand::Const(c) if const_is_nan(ty, c) => Def::Exact,
        Operand::Const(_) => Def::NotNan,
    }
}

fn const_is_nan(ty: Type, bits: u64) -> bool {
    match ty {
        Type::F32 => f32::from_bits(bits as u32).is_nan(),
        Type::F64 => f64::from_bits(bits).is_nan(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loose_of(src: &str) -> Vec<bool> {
        let m = pivm_ir::parse(src, "t.pir").unwrap();
        let f = m.funcs.values().next().unwrap();
        loose_locals(f, |_, _| false)
    }

    #[test]
    fn arithmetic_copies_and_zero_start_are_loose() {
        // %0 param (exact); %1 = 0.0 then fadd (loose); %2 copies %1 (loose);
        // %3 loads (exact); %4 = fadd, and also a copy of %3 (exact).
        let l = loose_of(
            "func @f(%x: f64) -> f64 {
                local %s: f64
                local %t: f64
                local %u: f64
                local %v: f64
                local %p: ptr
            entry:
                %s = copy.f64 0
                %s = fadd.f64 %s, %x
                %t = copy.f64 %s
                %p = copy.ptr 4096
                %u = load.f64 %p
                %v = fmul.f64 %t, %u
                %v = copy.f64 %u
                ret.f64 %v
            }",
        );
        assert_eq!(l, vec![false, true, true, false, false, false]);
    }

    #[test]
    fn blind_locals_are_only_computed_with_and_not_saved() {
        // %a: only added and compared (blind); %b: also stored (seen);
        // %c: also copied (seen); %d: only multiplied, but saved (live at
        // a resume point); %e: only added (blind).
        let m = pivm_ir::parse(
            "func @f(%p: ptr) -> i32 {
                local %a: f64
                local %b: f64
                local %c: f64
                local %d: f64
                local %e: f64
                local %i: i32
            entry:
                %a = load.f64 %p
                %b = load.f64 %p
                %c = load.f64 %p
                %d = load.f64 %p
                %a = fadd.f64 %a, %b
                %i = flt.f64 %a, %c
                store.f64 %p, %b
                %e = copy.f64 %c
                %d = fmul.f64 %d, %d
                %e = fadd.f64 %e, %e
                ret.i32 %i
            }",
            "t.pir",
        )
        .unwrap();
        let f = m.funcs.values().next().unwrap();
        let b = blind_locals(f, |_, _| false, |i| i == 4);
        assert_eq!(b, vec![false, true, false, false, false, true, false]);
    }
}
