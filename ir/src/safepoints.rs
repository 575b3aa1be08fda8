//! Safepoint placement and resume-point numbering.
//!
//! `place` puts a `safepoint` before the terminator of every block with a
//! retreating edge (an edge to a block at or before it in layout order),
//! and at the entry of every function that calls a module function
//! (directly or through a pointer). Every cycle of the control-flow graph
//! has a retreating edge, so every loop, reducible or not, polls once per
//! iteration, except an innermost loop that surely does bounded work each
//! time it is entered (`bounded_latches`: a constant count, no call),
//! which runs between the polls around it as straight-line code does;
//! every cycle of the call graph goes through a function that calls, so
//! recursion polls once per call; a `longjmp` lands right after
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

use crate::entities::{Block, EntityRef, Local};
use crate::module::{Callee, Function, Inst, InstKind, Module, Operand};
use crate::opcodes::{sext, Opcode};
use crate::types::Type;
use crate::Builtin;

/// Places the safepoints of every function of `module`.
pub fn place(module: &mut Module) {
    let setjmp = setjmp_builtins(module);
    for f in module.funcs.values_mut() {
        place_in_function(f, &setjmp, true);
    }
}

/// Places safepoints as pivm did before loops of bounded work stopped
/// polling (2026-12-07): on every retreating edge. A snapshot written then
/// embeds its program placed so, and resumes with it as it is.
pub fn place_every_loop(module: &mut Module) {
    let setjmp = setjmp_builtins(module);
    for f in module.funcs.values_mut() {
        place_in_function(f, &setjmp, false);
    }
}

/// Per builtin: whether it is `setjmp`.
fn setjmp_builtins(module: &Module) -> Vec<bool> {
    module
        .builtins
        .keys()
        .map(|b| module.builtin(b) == Some(Builtin::Setjmp))
        .collect()
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

/// `setjmp[b]`: whether builtin `b` is `setjmp`; `exempt`: whether loops
/// of bounded work go without a safepoint.
fn place_in_function(f: &mut Function, setjmp: &[bool], exempt: bool) {
    for data in f.blocks.values_mut() {
        data.insts.retain(|i| i.kind != InstKind::Safepoint);
    }
    let bounded = match exempt {
        true => bounded_latches(f),
        false => vec![false; f.blocks.len()],
    };
    for (b, data) in f.blocks.iter_mut() {
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
        let retreating = retreating && !bounded[b.index()];
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

/// How much work a loop may do without polling: iterations times the
/// instructions of its blocks (a SHA-256 block's 64 rounds are about
/// 4200). 8192 instructions take a few microseconds, and a request waits
/// for them at most once between two polls.
pub const BOUNDED_WORK: u64 = 8192;

/// Per block: whether it is the latch of a loop that needs no safepoint,
/// because the loop runs at most `BOUNDED_WORK` instructions each time it
/// is entered. Such a loop is innermost (no other retreating edge among
/// its blocks), calls nothing (builtins included: a copy can be long),
/// has one entry (its header, entered from one block outside) and one
/// latch, and its header leaves it unless a counter compares below a
/// constant (above, counting down); the counter is written in the loop
/// once, in the latch, stepped by a constant (directly, or through a
/// local set from it just before), and starts at a constant set in the
/// block before the loop (not needed for an unsigned compare: the count
/// is below the constant whatever the start). `for (k = 0; k < 8; k++)`,
/// a SHA round's `for (i = 16; i < 64; i++)`. The loops around it poll
/// as before, so the time between two polls stays bounded.
fn bounded_latches(f: &Function) -> Vec<bool> {
    let succs = f.successor_lists();
    let preds = crate::module::predecessors(&succs);
    let n = succs.len();
    let mut out = vec![false; n];
    for latch in 0..n {
        let back: Vec<usize> = succs[latch]
            .iter()
            .copied()
            .filter(|&s| s <= latch)
            .collect();
        if let [head] = back[..] {
            out[latch] = loop_is_bounded(f, &succs, &preds, head, latch);
        }
    }
    out
}

/// Whether the loop of `head` and its one `latch` is bounded
/// (`bounded_latches`).
fn loop_is_bounded(
    f: &Function,
    succs: &[Vec<usize>],
    preds: &[Vec<usize>],
    head: usize,
    latch: usize,
) -> bool {
    // The blocks that reach the latch without passing the header.
    let mut body = vec![false; succs.len()];
    body[head] = true;
    let mut work = vec![latch];
    while let Some(b) = work.pop() {
        if !body[b] {
            body[b] = true;
            work.extend(preds[b].iter().copied());
        }
    }
    let blocks: Vec<usize> = (0..succs.len()).filter(|&b| body[b]).collect();
    // One entry, one latch, no other loop inside.
    let outside: Vec<usize> = preds[head].iter().copied().filter(|&p| !body[p]).collect();
    let inside = preds[head].iter().filter(|&&p| body[p]).count();
    if outside.len() != 1 || inside != 1 {
        return false;
    }
    for &b in &blocks {
        // Entered only at the header: not from outside, and not the
        // function's entry (a loop entered past its header, where the
        // counter may start anywhere).
        if b != head && (b == 0 || preds[b].iter().any(|&p| !body[p])) {
            return false;
        }
        if b != latch && succs[b].iter().any(|&s| body[s] && s <= b) {
            return false;
        }
    }
    let insts = |b: usize| &f.blocks[Block::new(b)].insts;
    let size: usize = blocks.iter().map(|&b| insts(b).len()).sum();
    if blocks
        .iter()
        .flat_map(|&b| insts(b))
        .any(|i| matches!(i.kind, InstKind::Call { .. }))
    {
        return false;
    }
    // The header's exit test: `br %c, in, out`, `%c` a compare of the
    // counter with a constant made in the header.
    let Some(InstKind::Branch {
        cond: Operand::Local(c),
        then_dest,
        else_dest,
        ..
    }) = insts(head).last().map(|i| &i.kind)
    else {
        return false;
    };
    if !body[then_dest.index()] || body[else_dest.index()] {
        return false;
    }
    let Some(InstKind::Binary { op, ty, a, b, .. }) = insts(head)
        .iter()
        .rev()
        .find(|i| i.kind.dst() == Some(*c))
        .map(|i| &i.kind)
    else {
        return false;
    };
    let (op, ty) = (*op, *ty);
    let (i, limit, op) = match (a, b) {
        (Operand::Local(i), Operand::Const(k)) => (*i, *k, op),
        (Operand::Const(k), Operand::Local(i)) => (*i, *k, swapped(op)),
        _ => return false,
    };
    // The counter's one write in the loop: in the latch, a step by a
    // constant.
    let writes: Vec<(usize, usize)> = blocks
        .iter()
        .flat_map(|&b| (0..insts(b).len()).map(move |k| (b, k)))
        .filter(|&(b, k)| insts(b)[k].kind.dst() == Some(i))
        .collect();
    let [(wb, wk)] = writes[..] else {
        return false;
    };
    if wb != latch {
        return false;
    }
    let Some(step) = step_of(&insts(wb)[..=wk], i, ty) else {
        return false;
    };
    // The start, where it matters: the last write in the block before.
    let start = insts(outside[0])
        .iter()
        .rev()
        .find(|x| x.kind.dst() == Some(i))
        .and_then(|x| match x.kind {
            InstKind::Unary {
                op: Opcode::Copy,
                a: Operand::Const(k),
                ..
            } => Some(sext(ty, k) as i128),
            _ => None,
        });
    let bits = ty.bits();
    let (smin, smax) = (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1);
    let umax = (1i128 << bits) - 1;
    let (sl, ul) = (sext(ty, limit) as i128, (limit & ty.mask()) as i128);
    let up = |from: i128, to: i128| {
        if to <= from {
            0
        } else {
            (to - from + step - 1) / step
        }
    };
    let down = |from: i128, to: i128| {
        if to >= from {
            0
        } else {
            (from - to - step - 1) / -step
        }
    };
    // Iterations at most, where the counter cannot wrap on the way.
    let trips = match (op, start) {
        (Opcode::SLt, Some(s0)) if step > 0 && sl + step <= smax => up(s0, sl),
        (Opcode::SLe, Some(s0)) if step > 0 && sl + step < smax => up(s0, sl + 1),
        (Opcode::ULt, _) if step > 0 && ul + step <= umax => up(0, ul),
        (Opcode::ULe, _) if step > 0 && ul + step < umax => up(0, ul + 1),
        (Opcode::SGt, Some(s0)) if step < 0 && sl + step >= smin => down(s0, sl),
        (Opcode::SGe, Some(s0)) if step < 0 && sl + step > smin => down(s0, sl - 1),
        _ => return false,
    };
    // One more where the latch is the header and steps before the test.
    (trips + 1).saturating_mul(size as i128) <= BOUNDED_WORK as i128
}

/// `a op b` as `b op' a`.
fn swapped(op: Opcode) -> Opcode {
    match op {
        Opcode::SLt => Opcode::SGt,
        Opcode::SLe => Opcode::SGe,
        Opcode::SGt => Opcode::SLt,
        Opcode::SGe => Opcode::SLe,
        Opcode::ULt => Opcode::UGt,
        Opcode::ULe => Opcode::UGe,
        Opcode::UGt => Opcode::ULt,
        Opcode::UGe => Opcode::ULe,
        o => o,
    }
}

/// The constant the last instruction of `insts`, a write of the counter
/// `i`, steps it by: `%i = add %i, k` (`sub`: `-k`), or `%i = copy %t`
/// where `%t` was so made from `%i` earlier in `insts` and not written
/// since. In `ty`, nonzero.
fn step_of(insts: &[Inst], i: Local, ty: Type) -> Option<i128> {
    let (w, before) = insts.split_last()?;
    let from = |kind: &InstKind| -> Option<i128> {
        let InstKind::Binary {
            op, ty: t, a, b, ..
        } = kind
        else {
            return None;
        };
        if *t != ty {
            return None;
        }
        let k = match (op, a, b) {
            (Opcode::Add, Operand::Local(x), Operand::Const(k))
            | (Opcode::Add, Operand::Const(k), Operand::Local(x))
                if *x == i =>
            {
                sext(ty, *k) as i128
            }
            (Opcode::Sub, Operand::Local(x), Operand::Const(k)) if *x == i => {
                -(sext(ty, *k) as i128)
            }
            _ => return None,
        };
        (k != 0).then_some(k)
    };
    match &w.kind {
        InstKind::Unary {
            op: Opcode::Copy,
            a: Operand::Local(t),
            ty: t_ty,
            ..
        } if *t_ty == ty => {
            let at = before.iter().rposition(|x| x.kind.dst() == Some(*t))?;
            from(&before[at].kind)
        }
        kind => from(kind),
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

    /// A leaf `@f(%n)` with a loop: `%k` starts at `START` in `pre`, the
    /// header `head` goes on while `%k CMP LIMIT`, the latch steps it by
    /// `STEP` through `%t` (`add`, or `sub` where STEP is `-k`); `BODY`
    /// is more of the loop's body.
    fn counted(start: &str, cmp: &str, limit: &str, step: &str, body: &str) -> Module {
        let (op, k) = match step.strip_prefix('-') {
            Some(k) => ("sub", k),
            None => ("add", step),
        };
        let src = format!(
            "declare @g()
func @f(%n: i32) -> i32 {{
    local %k: i32
    local %c: i32
    local %t: i32
    local %s: i32
entry:
    %s = copy.i32 0
    jump pre
pre:
    %k = copy.i32 {start}
    jump head
head:
    %c = {cmp}.i32 %k, {limit}
    br.i32 %c, body, done
body:
    %s = add.i32 %s, %k
{body}    jump latch
latch:
    %t = {op}.i32 %k, {k}
    %k = copy.i32 %t
    jump head
done:
    ret.i32 %s
}}
"
        );
        placed(&src)
    }

    /// How many safepoints `m`'s function `@f` has.
    fn polls(m: &Module) -> usize {
        let f = m.funcs.values().find(|f| f.name == "f").unwrap();
        resume_points(f).iter().filter(|r| !r.is_call).count()
    }

    #[test]
    fn loops_of_bounded_work_do_not_poll() {
        // `for (k = 0; k < 8; k++)`, and counting down from 7 while > 0.
        assert_eq!(polls(&counted("0", "slt", "8", "1", "")), 0);
        assert_eq!(polls(&counted("7", "sgt", "0", "-1", "")), 0);
        assert_eq!(polls(&counted("7", "sge", "0", "-2", "")), 0);
        assert_eq!(polls(&counted("-5", "sle", "100", "3", "")), 0);
        // Unsigned: below the limit whatever the start.
        assert_eq!(polls(&counted("%n", "ult", "64", "1", "")), 0);
        // A constant on the left: `8 > k`.
        let m = counted("0", "slt", "8", "1", "");
        let swapped = m.to_string().replace("slt.i32 %k, 8", "sgt.i32 8, %k");
        assert_eq!(polls(&placed(&swapped)), 0);
    }

    #[test]
    fn loops_not_surely_bounded_poll() {
        // A limit, or a signed start, known only at run time.
        assert_eq!(polls(&counted("0", "slt", "%n", "1", "")), 1);
        assert_eq!(polls(&counted("%n", "slt", "8", "1", "")), 1);
        // Stepping away from the limit, or not at all.
        assert_eq!(polls(&counted("0", "slt", "8", "-1", "")), 1);
        assert_eq!(polls(&counted("0", "sgt", "-8", "1", "")), 1);
        assert_eq!(polls(&counted("0", "slt", "8", "0", "")), 1);
        // More work than `BOUNDED_WORK`: 2000 iterations of 5.
        assert_eq!(polls(&counted("0", "slt", "2000", "1", "")), 1);
        // A limit the counter would wrap to pass.
        assert_eq!(polls(&counted("0", "slt", "2147483647", "1", "")), 1);
        // A call, a builtin's too.
        assert_eq!(polls(&counted("0", "slt", "8", "1", "    call @g()\n")), 1);
        // The counter written in the body as well.
        let twice = "    %k = add.i32 %k, 1\n";
        assert_eq!(polls(&counted("0", "slt", "8", "1", twice)), 1);
        // `!=` may never hold.
        assert_eq!(polls(&counted("0", "ne", "8", "3", "")), 1);
    }

    #[test]
    fn a_loop_entered_past_its_header_polls() {
        // The entry jumps into the latch with the counter the parameter
        // `%k`: from a negative one, `k < 8` holds for 2^31 iterations.
        let src = "func @f(%k: i32) -> i32 {
    local %c: i32
entry:
    %c = slt.i32 %k, 0
    br.i32 %c, latch, pre
pre:
    %k = copy.i32 0
    jump head
head:
    %c = slt.i32 %k, 8
    br.i32 %c, latch, done
latch:
    %k = add.i32 %k, 1
    jump head
done:
    ret.i32 %k
}
";
        let m = placed(src);
        assert_eq!(polls(&m), 1, "{m}");
    }

    #[test]
    fn a_bounded_loop_inside_another_leaves_the_outer_polling() {
        let src = "func @f(%n: i32) -> i32 {
    local %i: i32
    local %k: i32
    local %c: i32
    local %s: i32
entry:
    %s = copy.i32 0
    %i = copy.i32 0
    jump outer
outer:
    %c = slt.i32 %i, %n
    br.i32 %c, pre, done
pre:
    %k = copy.i32 0
    jump inner
inner:
    %c = slt.i32 %k, 4
    br.i32 %c, body, next
body:
    %s = add.i32 %s, %k
    %k = add.i32 %k, 1
    jump inner
next:
    %i = add.i32 %i, 1
    jump outer
done:
    ret.i32 %s
}
";
        let m = placed(src);
        let f = &m.funcs[crate::FuncId(0)];
        let rps = resume_points(f);
        assert_eq!(rps.len(), 1, "{m}");
        assert_eq!(f.blocks[rps[0].block].name, "next");
    }
}
