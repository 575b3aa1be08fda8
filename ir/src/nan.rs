//! Which float locals can only ever hold the canonical NaN.
//!
//! Every float operation gives the canonical NaN (`opcodes::canonicalize_nan`),
//! and so does every math builtin; a load, a parameter, a call of a
//! module function, a bitcast or a NaN constant with a payload may give
//! any NaN. A local whose every definition is of the first kind (or a
//! copy of such a local, or a value that is never a NaN) holds the
//! canonical NaN whenever it holds a NaN, in every run of the module on
//! every engine: the JIT relies on that to canonicalize such a local only
//! where its bits are seen (`pivm_jit`'s `lower::nan`), a frame saved in
//! a snapshot included. A snapshot from elsewhere may still put another
//! NaN there; `canonical_frame` gives it the canonical one, so that every
//! engine resumes it alike.

use crate::builtins::Builtin;
use crate::frame::Frame;
use crate::opcodes::canonicalize_nan;
use crate::{Callee, EntityRef, Function, InstKind, Module, Opcode, Operand, Type};

#[derive(Copy, Clone, PartialEq, Eq)]
enum Def {
    /// The canonical NaN if a NaN.
    Canonical,
    /// Bits that may be any NaN.
    Exact,
    /// A copy of another local.
    Copy(usize),
}

/// Per local of `f`: whether it is a float local that only ever holds
/// the canonical NaN when it holds a NaN.
pub fn canonical_locals(m: &Module, f: &Function) -> Vec<bool> {
    let n = f.locals.len();
    let is_float = |i: usize| f.locals[crate::Local::new(i)].ty.is_float();
    let mut defs: Vec<Vec<Def>> = vec![Vec::new(); n];
    for d in defs.iter_mut().take(f.num_params) {
        d.push(Def::Exact);
    }
    let copy = |ty: Type, a: Operand| match a {
        Operand::Local(l) => Def::Copy(l.index()),
        Operand::Const(c) => {
            let nan = match ty {
                Type::F32 => f32::from_bits(c as u32).is_nan(),
                _ => f64::from_bits(c).is_nan(),
            };
            if nan && canonicalize_nan(ty, c) != c {
                Def::Exact
            } else {
                Def::Canonical
            }
        }
    };
    for inst in f.blocks.values().flat_map(|b| &b.insts) {
        let Some(dst) = inst.kind.dst() else {
            continue;
        };
        let d = dst.index();
        if !is_float(d) {
            continue;
        }
        if let InstKind::Select { ty, a, b, .. } = &inst.kind {
            defs[d].extend([copy(*ty, *a), copy(*ty, *b)]);
            continue;
        }
        let def = match &inst.kind {
            InstKind::Binary {
                op: Opcode::FAdd | Opcode::FSub | Opcode::FMul | Opcode::FDiv,
                ..
            } => Def::Canonical,
            InstKind::Convert {
                op: Opcode::FExt | Opcode::FTrunc | Opcode::SIToF | Opcode::UIToF,
                ..
            } => Def::Canonical,
            InstKind::Unary {
                op: Opcode::Copy,
                a,
                ty,
                ..
            } => copy(*ty, *a),
            InstKind::Call {
                callee: Callee::Builtin(bi),
                ..
            } if m.builtin(*bi).is_some_and(Builtin::is_math) => Def::Canonical,
            _ => Def::Exact,
        };
        defs[d].push(def);
    }
    // Greatest fixpoint: every float local without an exact definition,
    // less those that copy a local that is not canonical.
    let mut canonical: Vec<bool> = (0..n)
        .map(|i| is_float(i) && defs[i].iter().all(|d| *d != Def::Exact))
        .collect();
    loop {
        let mut changed = false;
        for i in 0..n {
            if canonical[i]
                && defs[i]
                    .iter()
                    .any(|d| matches!(d, Def::Copy(s) if !canonical[*s]))
            {
                canonical[i] = false;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    canonical
}

/// `frame` with the canonical NaN in each of its function's
/// `canonical_locals` that holds a NaN (a frame of a valid run has it
/// there already).
pub fn canonical_frame(m: &Module, mut frame: Frame) -> Frame {
    let Some(f) = m.funcs.get(frame.func) else {
        return frame;
    };
    let canonical = canonical_locals(m, f);
    for (i, bits) in frame.locals.iter_mut().enumerate() {
        if canonical.get(i).copied().unwrap_or(false) {
            let ty = f.locals[crate::Local::new(i)].ty;
            *bits = canonicalize_nan(ty, *bits);
        }
    }
    frame
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_locals_of_operations_hold_the_canonical_nan() {
        let src = "declare @sqrt(f64) -> f64
func @f(%p: f64, %q: ptr) -> f64 {
    local %a: f64
    local %b: f64
    local %c: f64
    local %d: f64
    local %e: f64
entry:
    %a = fadd.f64 %p, 1.0
    %b = call @sqrt(f64 %a)
    %b = copy.f64 %a
    %c = load.f64 %q
    %d = copy.f64 %c
    %e = copy.f64 %a
    %e = fmul.f64 %e, %p
    ret.f64 %e
}
";
        let m = crate::parse(src, "t.pir").unwrap();
        let f = m.funcs.values().next().unwrap();
        // p (a parameter), q (not a float), a, b, c (a load), d (its
        // copy), e.
        assert_eq!(
            canonical_locals(&m, f),
            [false, false, true, true, false, false, true]
        );
        let frame = Frame {
            func: crate::FuncId(0),
            resume: crate::ResumeId(0),
            stack_base: 0,
            locals: vec![0x7ff8_0000_0000_0001; 7],
        };
        let got = canonical_frame(&m, frame).locals;
        let canon = canonicalize_nan(Type::F64, 0x7ff8_0000_0000_0001);
        assert_ne!(canon, 0x7ff8_0000_0000_0001);
        assert_eq!(got[2], canon);
        assert_eq!(got[4], 0x7ff8_0000_0000_0001, "a load keeps its payload");
    }
}
