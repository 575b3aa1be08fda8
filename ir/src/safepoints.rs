//! Safepoint placement and resume-point numbering.
//!
//! `place` puts a `safepoint` before the terminator of every block with a
//! retreating edge (an edge to a block at or before it in layout order),
//! and at the entry of every function that calls a module function
//! (directly or through a pointer). Every cycle of the control-flow graph
//! has a retreating edge, so every loop, reducible or not, polls once per
//! iteration; every cycle of the call graph goes through a function that
//! calls, so recursion polls once per call; a `longjmp` lands right after
//! its `setjmp`, where a safepoint follows every `setjmp` call, so a
//! cycle through a landing polls once per turn. A function that calls no
//! module function (a leaf such as `a(i, j)` in a numeric kernel, or a
//! string hash with its loop) is in no cycle of the call graph and does
//! not poll at its entry: from there to its first back edge or its return
//! it runs a bounded number of instructions, its loops poll, and its
//! caller polls on either side of the call. `main` always polls at its
//! entry, so every program can be snapshotted before it does anything.
//!
//! Resume points are the safepoints and the calls that can unwind (to
//! functions of the module, direct or indirect), numbered 0, 1, ... in
//! layout order. Placement and numbering depend only on the module, so
//! every engine on every host agrees on what "resume point 7 of `sort`"
//! means. `place` is idempotent: it first removes existing safepoints.

use crate::entities::{Block, EntityRef};
use crate::module::{Callee, Function, Inst, InstKind, Module};
use crate::Builtin;

/// Places the safepoints of every function of `module`.
pub fn place(module: &mut Module) {
    let setjmp: Vec<bool> = module
        .builtins
        .keys()
        .map(|b| module.builtin(b) == Some(Builtin::Setjmp))
        .collect();
    for f in module.funcs.values_mut() {
        place_in_function(f, &setjmp);
    }
}

/// Removes every safepoint (`place` puts them back).
pub fn remove(module: &mut Module) {
    for d in module
        .funcs
        .values_mut()
        .flat_map(|f| f.blocks.values_mut())
    {
        d.insts.retain(|i| i.kind != InstKind::Safepoint);
    }
}

/// `setjmp[b]`: whether builtin `b` is `setjmp`.
fn place_in_function(f: &mut Function, setjmp: &[bool]) {
    for (b, data) in f.blocks.iter_mut() {
        data.insts.retain(|i| i.kind != InstKind::Safepoint);
        // A longjmp lands right after its setjmp: a cycle through a
        // landing need have no retreating edge nor call the function
        // again, so the landing polls.
        for i in (0..data.insts.len()).rev() {
            if let InstKind::Call {
                callee: Callee::Builtin(bi),
                ..
            } = data.insts[i].kind
            {
                if setjmp.get(bi.index()).copied().unwrap_or(false) {
                    let at = safepoint_at(&data.insts[i]);
                    data.insts.insert(i + 1, at);
                }
            }
        }
        let Some(term) = data.insts.last() else {
            continue;
        };
        let retreating = term
            .kind
            .successors()
            .iter()
            .any(|s| s.index() <= b.index());
        if retreating {
            let sp = safepoint_at(term);
            let at = data.insts.len() - 1;
            data.insts.insert(at, sp);
        }
    }
    // Calls of module functions, not the safepoints placed above: a leaf
    // with loops is in no cycle of the call graph, and runs a bounded
    // number of instructions from its entry to its first back edge.
    let calls = f
        .blocks
        .values()
        .flat_map(|b| &b.insts)
        .any(|i| i.kind.is_resume_point() && i.kind != InstKind::Safepoint);
    if !calls && f.name != "main" {
        return;
    }
    if let Some(entry) = f.blocks.values_mut().next() {
        let sp = entry
            .insts
            .first()
            .map_or_else(|| Inst::new(InstKind::Safepoint, 0), safepoint_at);
        entry.insts.insert(0, sp);
    }
}

/// A safepoint placed beside `inst`: its line, in the function it was
/// written in (`Inst::origin`: a loop the optimizer inlined polls in the
/// inlined function's source, which is where a snapshot taken there
/// stands).
fn safepoint_at(inst: &Inst) -> Inst {
    Inst {
        origin: inst.origin,
        ..Inst::new(InstKind::Safepoint, inst.line)
    }
}

pub use crate::entities::ResumeId;

/// Where a resume point is.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct ResumePoint {
    pub block: Block,
    /// Index of the safepoint or call in the block.
    pub inst: usize,
    pub is_call: bool,
}

/// The resume points of `f`, indexed by `ResumeId`.
pub fn resume_points(f: &Function) -> Vec<ResumePoint> {
    let mut v = Vec::new();
    for (block, data) in f.blocks.iter() {
        for (inst, i) in data.insts.iter().enumerate() {
            if i.kind.is_resume_point() {
                v.push(ResumePoint {
                    block,
                    inst,
                    is_call: i.kind != InstKind::Safepoint,
                });
            }
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;

    const LOOP: &str = "func @f(%n: i32) -> i32 {
    local %i: i32
    local %c: i32
entry:
    %i = copy.i32 0
    jump head
head:
    %c = slt.i32 %i, %n
    br.i32 %c, body, done
body:
    %i = add.i32 %i, 1
    call @f(i32 0)
    jump head
done:
    ret.i32 %i
}
";

    /// `src` parsed and placed, checking that placing again changes
    /// nothing.
    fn placed(src: &str) -> Module {
        let mut m = parse(src, "t").unwrap();
        place(&mut m);
        let once = m.to_string();
        place(&mut m);
        assert_eq!(m.to_string(), once);
        m
    }

    #[test]
    fn places_at_entry_and_back_edges_idempotently() {
        let m = placed(LOOP);
        let f = &m.funcs[crate::FuncId(0)];
        let rps = resume_points(f);
        // entry safepoint, the call in body, the back-edge safepoint in body
        assert_eq!(rps.len(), 3);
        assert_eq!((rps[0].block.0, rps[0].inst, rps[0].is_call), (0, 0, false));
        assert_eq!((rps[1].block.0, rps[1].is_call), (2, true));
        assert_eq!((rps[2].block.0, rps[2].inst, rps[2].is_call), (2, 2, false));
    }

    #[test]
    fn a_setjmp_landing_polls() {
        // main -> setjmp, then a call of jump, whose longjmp lands after
        // the setjmp again: a cycle with no retreating edge and no second
        // entry of main.
        let src = "global @b: [32 x i8]
declare @setjmp(ptr) -> i32
declare @longjmp(ptr, i32)
func @jump(%to: ptr) {
entry:
    call @longjmp(ptr %to, i32 1)
    ret
}
func @main() -> i32 {
    local %p: ptr
    local %r: i32
entry:
    %p = addr @b
    %r = call @setjmp(ptr %p)
    call @jump(ptr %p)
    ret.i32 0
}
";
        let m = placed(src);
        let main = &m.funcs[crate::FuncId(1)];
        let kinds: Vec<&InstKind> = main.blocks[Block::new(0)]
            .insts
            .iter()
            .map(|i| &i.kind)
            .collect();
        // main's entry poll, then the landing's right after the setjmp.
        assert_eq!(*kinds[0], InstKind::Safepoint);
        let at = kinds
            .iter()
            .position(|k| matches!(k, InstKind::Call { dst: Some(_), .. }))
            .unwrap();
        assert_eq!(*kinds[at + 1], InstKind::Safepoint);
        assert_eq!(
            kinds.iter().filter(|k| ***k == InstKind::Safepoint).count(),
            2
        );
    }

    /// A leaf with a loop polls at its back edge only.
    #[test]
    fn leaves_with_loops_poll_in_their_loops_only() {
        let src = "func @count(%n: i32) -> i32 {
    local %i: i32
    local %c: i32
entry:
    %i = copy.i32 0
    jump head
head:
    %c = slt.i32 %i, %n
    br.i32 %c, body, done
body:
    %i = add.i32 %i, 1
    jump head
done:
    ret.i32 %i
}
func @main() -> i32 {
    local %r: i32
entry:
    %r = call @count(i32 5)
    ret.i32 %r
}
";
        let m = placed(src);
        let count = &m.funcs[crate::FuncId(0)];
        let rps = resume_points(count);
        assert_eq!(rps.len(), 1, "{m}");
        assert_eq!((rps[0].block.0, rps[0].inst, rps[0].is_call), (2, 1, false));
        let main = resume_points(&m.funcs[crate::FuncId(1)]);
        assert_eq!(main.len(), 2);
        assert_eq!((main[0].inst, main[0].is_call), (0, false));
    }

    #[test]
    fn leaves_without_loops_do_not_poll() {
        let src = "func @leaf(%a: i32) -> i32 {
    local %c: i32
entry:
    %c = slt.i32 %a, 3
    br.i32 %c, small, big
small:
    ret.i32 1
big:
    ret.i32 %a
}
func @caller(%a: i32) -> i32 {
entry:
    %a = call @leaf(i32 %a)
    ret.i32 %a
}
";
        let mut m = parse(src, "t").unwrap();
        place(&mut m);
        let leaf = &m.funcs[crate::FuncId(0)];
        assert!(resume_points(leaf).is_empty(), "{m}");
        let caller = &m.funcs[crate::FuncId(1)];
        let rps = resume_points(caller);
        assert_eq!(rps.len(), 2);
        assert_eq!((rps[0].inst, rps[0].is_call), (0, false));
    }
}
