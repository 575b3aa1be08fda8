//! Instructions whose result nothing reads, taken out.
//!
//! Promotion (`promote`) leaves the address arithmetic of the slots it
//! promoted behind (`%p = add.ptr %base, 8` where nothing loads through
//! `%p` any more), and inlining copies arguments into parameters the body
//! never reads. Cranelift drops such code when it compiles, so it costs no
//! time at run time; but the inliner weighs a function by its
//! instructions (`inline`), and a struct-passing leaf would weigh twice
//! what it does. An instruction is dead when it writes a local that no
//! instruction of the function reads and it can neither trap nor do
//! anything else: arithmetic other than division and remainder, compares,
//! conversions (they saturate), copies and addresses. Loads (which may
//! trap), stores, calls, safepoints and terminators stay.
//!
//! A dead instruction's operands may become dead in turn; `MAX_PASSES`
//! passes take out chains that deep, which is what the passes before
//! leave (a copy of 0 feeding an address computation). Locals that are
//! never read are in no frame (`liveness`), so snapshots and resume
//! points are unchanged.

use crate::entities::EntityRef;
use crate::module::{Function, InstKind, Module, Operand};
use crate::opcodes::OpClass;

/// The most passes over a function.
const MAX_PASSES: usize = 4;

/// Takes the dead instructions out of every function of `m`; each pass
/// over a function costs its size from `budget`.
pub fn remove_dead_within(m: &mut Module, budget: &mut crate::Budget) {
    for f in m.funcs.values_mut() {
        for _ in 0..MAX_PASSES {
            if !budget.spend(crate::inline::function_size(f)) || !remove_dead_pass(f) {
                break;
            }
        }
    }
}

/// One pass over `f`: whether it took anything out.
fn remove_dead_pass(f: &mut Function) -> bool {
    let mut read = vec![false; f.locals.len()];
    for inst in f.blocks.values().flat_map(|b| &b.insts) {
        for (_, o) in inst.kind.operands() {
            if let Operand::Local(l) = o {
                read[l.index()] = true;
            }
        }
    }
    let mut removed = false;
    for b in f.blocks.values_mut() {
        b.insts.retain(|i| {
            let dead = pure(&i.kind) && i.kind.dst().is_some_and(|d| !read[d.index()]);
            removed |= dead;
            !dead
        });
    }
    removed
}

/// Whether `k` only writes its destination and cannot trap.
fn pure(k: &InstKind) -> bool {
    match k {
        InstKind::Unary { .. }
        | InstKind::Convert { .. }
        | InstKind::Select { .. }
        | InstKind::Addr { .. } => true,
        InstKind::Binary { op, .. } => op.class() != OpClass::IntDivRem,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unread_results_go_and_their_operands_after_them() {
        let src = "func @f(%p: ptr, %n: i32) -> i32 {
    local %a: ptr
    local %b: ptr
    local %q: i32
    local %r: i32
    local %x: i32
entry:
    %a = copy.ptr 0
    %b = add.ptr %a, 8
    %q = sdiv.i32 %n, 0
    %x = load.i32 %p
    %r = add.i32 %n, 1
    ret.i32 %r
}
";
        let mut m = crate::parse(src, "t.pir").unwrap();
        remove_dead_within(&mut m, &mut crate::Budget::default());
        crate::verify(&m).unwrap();
        let text = m.to_string();
        // The address chain goes in two passes; the division (may trap)
        // and the load (may trap) stay.
        assert!(
            !text.contains("%a = copy") && !text.contains("%b = add"),
            "{text}"
        );
        assert!(text.contains("%q = sdiv.i32 %n, 0"), "{text}");
        assert!(text.contains("%x = load.i32 %p"), "{text}");
        assert!(text.contains("%r = add.i32 %n, 1"), "{text}");
    }
}
