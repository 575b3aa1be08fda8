//! Safepoint placement and resume-point numbering.
//!
//! `place` puts a `safepoint` before the terminator of every block with a
//! retreating edge (an edge to a block at or before it in layout order),
//! and at the entry of every function that calls a module function
//! (directly or through a pointer). Every cycle of the control-flow graph
//! has a retreating edge, so every loop, reducible or not, polls once per
//! iteration, except an innermost loop that surely does bounded work each
//! time it is entered (`bounded_latches`: a count bounded by constants
//! and the loops around it, no call but to math builtins),
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
//! Placement is part of the snapshot contract (a snapshot embeds its
//! program placed): the rules earlier pivms used stay (`Placement`).

use crate::entities::{Block, EntityRef, Local};
use crate::module::{Callee, Function, Inst, InstKind, Module, Operand};
use crate::opcodes::{sext, Opcode};
use crate::types::Type;
use crate::Builtin;

/// A rule of placement. Snapshots embed their program placed (the resume
/// points are numbered on it), so a rule that a pivm once used stays
/// here: a snapshot written then resumes with its program as it is.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Placement {
    /// Every loop polls (pivm until loops of bounded work stopped
    /// polling, on 2026-12-07).
    EveryLoop,
    /// A loop of bounded work does not poll; its signed counter starts at
    /// a constant (2026-12-07, the thirty-third session).
    ConstantStarts,
    /// A loop of bounded work does not poll; its signed counter starts
    /// at a value the loops around it bound (`for (j = i + 1; j < 5;
    /// j++)` inside `for (i = 0; i < 5; i++)`), or at a constant
    /// (`start_range`).
    BoundedStarts,
}

/// How pivm places safepoints now.
pub const PLACEMENT: Placement = Placement::BoundedStarts;

/// How earlier pivms placed them, newest first: a program placed so is
/// accepted in a snapshot and resumed with its own safepoints.
pub const EARLIER_PLACEMENTS: [Placement; 2] = [Placement::ConstantStarts, Placement::EveryLoop];

/// Places the safepoints of every function of `module`.
pub fn place(module: &mut Module) {
    place_as(module, PLACEMENT);
}

/// Places the safepoints of every function of `module` by `rule`.
pub fn place_as(module: &mut Module, rule: Placement) {
    let kinds: Vec<Option<Builtin>> = module.builtins.keys().map(|b| module.builtin(b)).collect();
    for f in module.funcs.values_mut() {
        place_in_function(f, &kinds, rule);
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

/// `builtins[b]`: what builtin `b` is.
fn place_in_function(f: &mut Function, builtins: &[Option<Builtin>], rule: Placement) {
    for data in f.blocks.values_mut() {
        data.insts.retain(|i| i.kind != InstKind::Safepoint);
    }
    let bounded = match rule {
        Placement::EveryLoop => vec![false; f.blocks.len()],
        _ => bounded_latches(f, builtins, rule),
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
                if builtins.get(bi.index()) == Some(&Some(Builtin::Setjmp)) {
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
/// its blocks), calls nothing (builtins included: a copy can be long;
/// with `Placement::BoundedStarts` but the math builtins, each weighed as
/// `MATH_WORK` instructions), is a natural loop of one latch (`natural_loop`), and its header leaves
/// it unless a counter compares below a constant (above, counting down;
/// `counter`); the counter is written in the loop once, in the latch,
/// stepped by a constant, and starts in the block before the loop at a
/// value whose least (greatest, counting down) is known: a constant, or
/// with `Placement::BoundedStarts` a value the loops around it bound
/// (`start_range`). An unsigned compare needs no start: the count is below
/// the constant whatever the start. `for (k = 0; k < 8; k++)`, a SHA
/// round's `for (i = 16; i < 64; i++)`, nbody's `for (j = i + 1; j < 5;
/// j++)`. The loops around it poll as before, so the time between two
/// polls stays bounded.
fn bounded_latches(f: &Function, builtins: &[Option<Builtin>], rule: Placement) -> Vec<bool> {
    let cfg = Cfg::new(f);
    let mut out = vec![false; cfg.succs.len()];
    for &(latch, head) in &cfg.back {
        out[latch] = loop_is_bounded(&cfg, builtins, head, latch, rule);
    }
    out
}

/// The work of a math builtin's call in a loop of bounded work, in
/// instructions: a few tens of nanoseconds (`pow`, `fmod` of far apart
/// operands take the longest).
const MATH_WORK: usize = 64;

/// A function's control-flow graph, as block indices.
struct Cfg<'a> {
    f: &'a Function,
    succs: Vec<Vec<usize>>,
    preds: Vec<Vec<usize>>,
    /// `(latch, header)` of every block with one retreating edge.
    back: Vec<(usize, usize)>,
}

impl<'a> Cfg<'a> {
    fn new(f: &'a Function) -> Cfg<'a> {
        let succs = f.successor_lists();
        let preds = crate::module::predecessors(&succs);
        let back = (0..succs.len())
            .filter_map(|latch| {
                let mut back = succs[latch].iter().copied().filter(|&s| s <= latch);
                match (back.next(), back.next()) {
                    (Some(head), None) => Some((latch, head)),
                    _ => None,
                }
            })
            .collect();
        Cfg {
            f,
            succs,
            preds,
            back,
        }
    }

    fn insts(&self, b: usize) -> &'a [Inst] {
        &self.f.blocks[Block::new(b)].insts
    }
}

/// A loop of one header and one latch, entered only at its header, from
/// one block outside.
struct NaturalLoop {
    /// Per block: whether it is in the loop.
    body: Vec<bool>,
    blocks: Vec<usize>,
    /// The block that enters it.
    outside: usize,
}

/// The natural loop of `head` and `latch`, if it is one (`NaturalLoop`).
fn natural_loop(cfg: &Cfg, head: usize, latch: usize) -> Option<NaturalLoop> {
    // The blocks that reach the latch without passing the header.
    let mut body = vec![false; cfg.succs.len()];
    body[head] = true;
    let mut work = vec![latch];
    while let Some(b) = work.pop() {
        if !body[b] {
            body[b] = true;
            work.extend(cfg.preds[b].iter().copied());
        }
    }
    let blocks: Vec<usize> = (0..body.len()).filter(|&b| body[b]).collect();
    let preds = &cfg.preds[head];
    let outside: Vec<usize> = preds.iter().copied().filter(|&p| !body[p]).collect();
    let inside = preds.iter().filter(|&&p| body[p]).count();
    let [outside] = outside[..] else {
        return None;
    };
    // Entered only at the header: not from outside, and not the
    // function's entry (a loop entered past its header, where the
    // counter may start anywhere).
    let entered_past = blocks
        .iter()
        .any(|&b| b != head && (b == 0 || cfg.preds[b].iter().any(|&p| !body[p])));
    (inside == 1 && !entered_past).then_some(NaturalLoop {
        body,
        blocks,
        outside,
    })
}

/// A loop's counter: its header leaves the loop unless `i op limit`
/// holds, `i` written in the loop once, in the latch, where it steps by
/// the constant `step`.
struct Counter {
    i: Local,
    ty: Type,
    op: Opcode,
    limit: Operand,
    step: i128,
}

/// The counter of loop `lp` (`Counter`), where its header's exit test
/// compares a local with a constant or with another local.
fn counter(cfg: &Cfg, lp: &NaturalLoop, head: usize, latch: usize) -> Option<Counter> {
    // The header's exit test: `br %c, in, out`, `%c` a compare made in
    // the header.
    let Some(InstKind::Branch {
        cond: Operand::Local(c),
        then_dest,
        else_dest,
        ..
    }) = cfg.insts(head).last().map(|i| &i.kind)
    else {
        return None;
    };
    if !lp.body[then_dest.index()] || lp.body[else_dest.index()] {
        return None;
    }
    let Some(InstKind::Binary { op, ty, a, b, .. }) = cfg
        .insts(head)
        .iter()
        .rev()
        .find(|i| i.kind.dst() == Some(*c))
        .map(|i| &i.kind)
    else {
        return None;
    };
    let (op, ty) = (*op, *ty);
    // The counter's one write in the loop: in the latch, a step by a
    // constant.
    let stepped = |i: Local| -> Option<i128> {
        let mut writes = lp.blocks.iter().flat_map(|&b| {
            let insts = cfg.insts(b);
            (0..insts.len())
                .filter(move |&k| insts[k].kind.dst() == Some(i))
                .map(move |k| (b, k))
        });
        let (Some((wb, wk)), None) = (writes.next(), writes.next()) else {
            return None;
        };
        (wb == latch).then(|| step_of(&cfg.insts(wb)[..=wk], i, ty))?
    };
    let found = |i: Local, limit: Operand, op: Opcode| {
        stepped(i).map(|step| Counter {
            i,
            ty,
            op,
            limit,
            step,
        })
    };
    match (*a, *b) {
        (Operand::Local(i), limit @ Operand::Const(_)) => found(i, limit, op),
        (limit @ Operand::Const(_), Operand::Local(i)) => found(i, limit, swapped(op)),
        (Operand::Local(x), Operand::Local(y)) => {
            found(x, Operand::Local(y), op).or_else(|| found(y, Operand::Local(x), swapped(op)))
        }
        _ => None,
    }
}

/// Whether the loop of `head` and its one `latch` is bounded
/// (`bounded_latches`).
fn loop_is_bounded(
    cfg: &Cfg,
    builtins: &[Option<Builtin>],
    head: usize,
    latch: usize,
    rule: Placement,
) -> bool {
    let Some(lp) = natural_loop(cfg, head, latch) else {
        return false;
    };
    // No other loop inside, no call.
    for &b in &lp.blocks {
        if b != latch && cfg.succs[b].iter().any(|&s| lp.body[s] && s <= b) {
            return false;
        }
    }
    let mut size = 0usize;
    for i in lp.blocks.iter().flat_map(|&b| cfg.insts(b)) {
        size += match i.kind {
            InstKind::Call {
                callee: Callee::Builtin(bi),
                ..
            } if rule == Placement::BoundedStarts
                && builtins
                    .get(bi.index())
                    .is_some_and(|k| k.is_some_and(Builtin::is_math)) =>
            {
                MATH_WORK
            }
            InstKind::Call { .. } => return false,
            _ => 1,
        };
    }
    let Some(Counter {
        i,
        ty,
        op,
        limit: Operand::Const(limit),
        step,
    }) = counter(cfg, &lp, head, latch)
    else {
        return false;
    };
    // The start, where it matters: its range at the end of the block
    // before.
    let end = cfg.insts(lp.outside).len();
    let start = match rule {
        Placement::BoundedStarts => start_range(cfg, lp.outside, end, i, ty, &mut { RANGE_FUEL }),
        _ => constant_start(cfg, lp.outside, end, i, ty),
    };
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
        (Opcode::SLt, Some((lo, _))) if step > 0 && sl + step <= smax => up(lo, sl),
        (Opcode::SLe, Some((lo, _))) if step > 0 && sl + step < smax => up(lo, sl + 1),
        (Opcode::ULt, _) if step > 0 && ul + step <= umax => up(0, ul),
        (Opcode::ULe, _) if step > 0 && ul + step < umax => up(0, ul + 1),
        (Opcode::SGt, Some((_, hi))) if step < 0 && sl + step >= smin => down(hi, sl),
        (Opcode::SGe, Some((_, hi))) if step < 0 && sl + step > smin => down(hi, sl - 1),
        _ => return false,
    };
    // One more where the latch is the header and steps before the test.
    (trips + 1).saturating_mul(size as i128) <= BOUNDED_WORK as i128
}

/// The start of `Placement::ConstantStarts`: `i`'s last write in block
/// `b` before instruction `at`, where it is a copy of a constant.
fn constant_start(cfg: &Cfg, b: usize, at: usize, i: Local, ty: Type) -> Option<(i128, i128)> {
    match cfg.insts(b)[..at]
        .iter()
        .rev()
        .find(|x| x.kind.dst() == Some(i))?
        .kind
    {
        InstKind::Unary {
            op: Opcode::Copy,
            a: Operand::Const(k),
            ..
        } => Some((sext(ty, k) as i128, sext(ty, k) as i128)),
        _ => None,
    }
}

/// How many steps `start_range` takes for one loop's start (following a
/// copy, an addition, a predecessor or a loop around): each may walk the
/// function's blocks once.
const RANGE_FUEL: u32 = 16;

/// The least and greatest signed values the `ty` local `x` may hold just
/// before instruction `at` of block `b`, when its last write there is a
/// copy of a constant or of a local, or a local plus or minus a constant
/// that cannot wrap, all of type `ty`; or, not written in `b` before `at`,
/// when `x` has one predecessor (its range at that one's end) or is the
/// counter (`counter`) of a loop around `b` whose latch jumps to its
/// header and whose header is not `b`: there it has passed the header's
/// test, and between its start and that test it only moved towards the
/// limit without wrapping (`i < limit` with `limit - 1 + step` within
/// the type, or `step` 1 whatever the limit; counting down alike), so it
/// lies between the start's least and the limit. Each step burns one
/// unit of `fuel` (none left: unknown).
fn start_range(
    cfg: &Cfg,
    b: usize,
    at: usize,
    x: Local,
    ty: Type,
    fuel: &mut u32,
) -> Option<(i128, i128)> {
    *fuel = fuel.checked_sub(1)?;
    let bits = ty.bits();
    let (smin, smax) = (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1);
    let insts = &cfg.insts(b)[..at];
    let Some(w) = insts.iter().rposition(|i| i.kind.dst() == Some(x)) else {
        // Not at the function's entry, where it also starts.
        if let ([p], true) = (&cfg.preds[b][..], b != 0) {
            if let r @ Some(_) = start_range(cfg, *p, cfg.insts(*p).len(), x, ty, fuel) {
                return r;
            }
        }
        return cfg
            .back
            .iter()
            .find_map(|&(latch, head)| counter_range(cfg, b, latch, head, x, ty, fuel));
    };
    let mut shifted = |y: Local, k: i128| {
        let (lo, hi) = start_range(cfg, b, w, y, ty, fuel)?;
        (lo + k >= smin && hi + k <= smax).then_some((lo + k, hi + k))
    };
    match insts[w].kind {
        InstKind::Unary {
            op: Opcode::Copy,
            ty: t,
            a,
            ..
        } if t == ty => match a {
            Operand::Const(k) => Some((sext(ty, k) as i128, sext(ty, k) as i128)),
            Operand::Local(y) => shifted(y, 0),
        },
        InstKind::Binary {
            op, ty: t, a, b, ..
        } if t == ty => match (op, a, b) {
            (Opcode::Add, Operand::Local(y), Operand::Const(k))
            | (Opcode::Add, Operand::Const(k), Operand::Local(y)) => {
                shifted(y, sext(ty, k) as i128)
            }
            (Opcode::Sub, Operand::Local(y), Operand::Const(k)) => {
                shifted(y, -(sext(ty, k) as i128))
            }
            _ => None,
        },
        _ => None,
    }
}

/// The range of `x` in block `b` where it is the counter of the loop of
/// `latch` and `head` (`start_range`).
fn counter_range(
    cfg: &Cfg,
    b: usize,
    latch: usize,
    head: usize,
    x: Local,
    ty: Type,
    fuel: &mut u32,
) -> Option<(i128, i128)> {
    // Only loops laid out around `b` whose header tests `x`, before the
    // walk over the blocks.
    if !(head < b && b <= latch) || cfg.succs[latch][..] != [head] {
        return None;
    }
    let tests = |i: &Inst| match i.kind {
        InstKind::Binary { a, b, .. } => a == Operand::Local(x) || b == Operand::Local(x),
        _ => false,
    };
    if !cfg.insts(head).iter().any(tests) {
        return None;
    }
    *fuel = fuel.checked_sub(1)?;
    let lp = natural_loop(cfg, head, latch)?;
    if !lp.body[b] {
        return None;
    }
    let c = counter(cfg, &lp, head, latch)?;
    if c.i != x || c.ty != ty {
        return None;
    }
    let bits = ty.bits();
    let (smin, smax) = (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1);
    let end = cfg.insts(lp.outside).len();
    let (lo, hi) = start_range(cfg, lp.outside, end, x, ty, fuel)?;
    let limit = match c.limit {
        Operand::Const(k) => Some(sext(ty, k) as i128),
        Operand::Local(_) => None,
    };
    let step = c.step;
    match (c.op, limit) {
        (Opcode::SLt, Some(l)) if step > 0 && l - 1 + step <= smax => Some((lo, (l - 1).max(lo))),
        (Opcode::SLe, Some(l)) if step > 0 && l + step <= smax => Some((lo, l.max(lo))),
        (Opcode::SLt, None) if step == 1 => Some((lo, smax - 1)),
        (Opcode::SGt, Some(l)) if step < 0 && l + 1 + step >= smin => Some(((l + 1).min(hi), hi)),
        (Opcode::SGe, Some(l)) if step < 0 && l + step >= smin => Some((l.min(hi), hi)),
        (Opcode::SGt, None) if step == -1 => Some((smin + 1, hi)),
        _ => None,
    }
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

    /// `@f(%n)`: an outer loop whose counter `%i` starts at `START`,
    /// goes on while `%i OCMP OLIMIT` and steps by `OSTEP` in `next`,
    /// around an inner loop whose counter `%j` starts at `%i JSTEP`
    /// (`add.i32 %i, 1` for "add 1") in `pre` and goes on while `%j <
    /// 5`, stepping by one. `BODY` is more of the inner loop's body.
    #[allow(clippy::too_many_arguments)]
    fn nested(
        start: &str,
        ocmp: &str,
        olimit: &str,
        ostep: &str,
        jstart: &str,
        body: &str,
    ) -> String {
        format!(
            "declare @sqrt(f64) -> f64
declare @memset(ptr, i32, i64) -> ptr
func @f(%n: i32, %p: ptr) -> i32 {{
    local %i: i32
    local %j: i32
    local %c: i32
    local %s: i32
    local %t: i32
    local %x: f64
entry:
    %s = copy.i32 0
    %i = copy.i32 {start}
    jump outer
outer:
    %c = {ocmp}.i32 %i, {olimit}
    br.i32 %c, pre, done
pre:
    %t = {jstart}
    %j = copy.i32 %t
    jump inner
inner:
    %c = slt.i32 %j, 5
    br.i32 %c, body, next
body:
    %s = add.i32 %s, %j
{body}    %j = add.i32 %j, 1
    jump inner
next:
    %i = add.i32 %i, {ostep}
    jump outer
done:
    ret.i32 %s
}}
"
        )
    }

    /// The blocks of `@f` whose safepoints `rule` places.
    fn polling(src: &str, rule: Placement) -> Vec<String> {
        let mut m = parse(src, "t").unwrap();
        place_as(&mut m, rule);
        let f = m.funcs.values().find(|f| f.name == "f").unwrap();
        resume_points(f)
            .iter()
            .filter(|r| !r.is_call)
            .map(|r| f.blocks[r.block].name.clone())
            .collect()
    }

    #[test]
    fn a_loop_started_from_the_counter_around_it_is_bounded() {
        let outer = ["next"];
        let both = ["body", "next"];
        // nbody's `for (i = 0; i < 5; i++) for (j = i + 1; j < 5; j++)`:
        // `j` starts at 1 or more, so at most 4 iterations.
        let nbody = nested("0", "slt", "5", "1", "add.i32 %i, 1", "");
        assert_eq!(polling(&nbody, PLACEMENT), outer);
        // The earlier rule knew constant starts only.
        assert_eq!(polling(&nbody, Placement::ConstantStarts), both);
        assert_eq!(polling(&nbody, Placement::EveryLoop), both);
        // Whatever the outer limit: `i < n` stepping by 1 never wraps.
        let m = nested("0", "slt", "%n", "1", "add.i32 %i, 1", "");
        assert_eq!(polling(&m, PLACEMENT), outer);
        // Counting down to 0 from 4; `j = i - 3` starts at -3 or more.
        let m = nested("4", "sge", "0", "-1", "sub.i32 %i, 3", "");
        assert_eq!(polling(&m, PLACEMENT), outer);
        // `j = i` copied through another local.
        let m = nested("2", "sle", "9", "2", "copy.i32 %i", "");
        assert_eq!(polling(&m, PLACEMENT), outer);
        // A math builtin is bounded work; `memset` is not.
        let sqrt = "    %x = call @sqrt(f64 2.0)\n";
        let m = nested("0", "slt", "5", "1", "add.i32 %i, 1", sqrt);
        assert_eq!(polling(&m, PLACEMENT), outer);
        assert_eq!(polling(&m, Placement::ConstantStarts), both);
        let memset = "    %p = call @memset(ptr %p, i32 0, i64 1)\n";
        let m = nested("0", "slt", "5", "1", "add.i32 %i, 1", memset);
        assert_eq!(polling(&m, PLACEMENT), both);
    }

    #[test]
    fn a_loop_started_from_an_unbounded_value_polls() {
        let both = ["body", "next"];
        let cases = [
            // The outer counter starts at a parameter, or far below.
            nested("%n", "slt", "5", "1", "add.i32 %i, 1", ""),
            nested("-100000", "slt", "5", "1", "add.i32 %i, 1", ""),
            // Counting down without a lower limit, or by 2 below `n`.
            nested("4", "sgt", "%n", "-1", "add.i32 %i, 1", ""),
            nested("0", "slt", "%n", "2", "add.i32 %i, 1", ""),
            // An outer limit the counter would wrap to pass.
            nested("0", "slt", "2147483647", "2", "add.i32 %i, 1", ""),
            // Unsigned outer test: `i` may be negative as a signed value.
            nested("0", "ult", "5", "1", "add.i32 %i, 1", ""),
            // `j` from a parameter, or from `i` times something.
            nested("0", "slt", "5", "1", "copy.i32 %n", ""),
            nested("0", "slt", "5", "1", "mul.i32 %i, 2", ""),
            // `j = i + 2^31 - 1` wraps to far below 5 where `i` is 1.
            nested("0", "slt", "5", "1", "add.i32 %i, 2147483647", ""),
            // `j = i - 2^31 + 1` starts far below 5.
            nested("0", "slt", "5", "1", "add.i32 %i, 2147483649", ""),
        ];
        for src in &cases {
            assert_eq!(polling(src, PLACEMENT), both, "{src}");
        }
        // The outer counter written in the inner loop too.
        let twice = "    %i = add.i32 %i, 1\n";
        let m = nested("0", "slt", "5", "1", "add.i32 %i, 1", twice);
        assert_eq!(polling(&m, PLACEMENT), both);
    }
}
