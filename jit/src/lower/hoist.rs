//! Memory checks hoisted out of counted loops (loop versioning).
//!
//! A *counted loop* here is an innermost natural loop of the IR as the
//! frontend emits `for` and `while` loops: a header `H` whose terminator
//! branches on `iv REL limit` (`REL` one of `<`, `<=`, `>`, `>=`, signed
//! or unsigned) into the loop or out of it, or on `off + iv REL limit`
//! with `off` invariant and a 32-bit `iv` (`for (k = 0; i + k < n;
//! k++)`: planned as `iv REL limit - off`, the same test where neither
//! `limit - off` nor `off + iv0` wraps, which the guard checks in 64-bit
//! arithmetic), one latch `L` (`... iv = iv +
//! step; safepoint; jump H`, the only definition of `iv` in the loop, the
//! step a constant whose sign agrees with `REL`), a `limit` that the loop
//! does not change, one entry (every block but `H` has its predecessors in
//! the loop), and no call but the math builtins lowered inline, so the
//! memory bound cannot change while it runs (the poll's hook never grows
//! memory).
//!
//! A *derived* counter (`Derived`: `a[k++]`, `*p++ = x`) is a local of
//! `iv`'s type (or a pointer under a 32-bit `iv`, with `iv`'s exact
//! value) that one block of the loop, run in every iteration that goes
//! on, steps by a constant `c` that `step` divides: where an
//! iteration starts it is `d0 - s * iv0 + s * iv` (`s = c / step`; `d0`
//! and `iv0` the values where the loop was entered, which the guard
//! reads), `c` more once stepped, exactly modulo 2^bits, so its accesses
//! are affine in `iv` like the others; in a block that runs before the
//! step on some paths and after it on others it is unknown.
//!
//! In the loop's blocks other than `H`, `iv` holds a value that passed the
//! test: one of `iv0, iv0 + step, ...`, within `[lo, hi]` (`[iv0, limit -
//! 1]` for `<`, and so on), and the sequence cannot wrap when the guard
//! below checked `limit` against the type's range. An access whose
//! address is an affine function of it, `inv + s * iv` with `inv` and `s`
//! loop-invariant (found by symbolic evaluation of its block, like
//! `window`'s numbering), takes every address between its values at `lo`
//! and `hi`, which are checked once:
//!
//! - at 64 bits, `inv + s * iv` is exact modulo 2^64 (add, sub, mul and
//!   shl are ring operations), so the addresses form an arc from the first
//!   to the last; the arc lies in `[NULL_PAGE, NULL_PAGE + bound]`
//!   (`ir::contract::access_ok`) if both ends do, the first is below the
//!   last, and `|s| * (hi - lo)` does not reach 2^64;
//! - an extension of a narrower affine value (C's `a[i * n + j]` with
//!   `int` indices: `sext(i * n + j)`) is affine at 64 bits only if the
//!   narrow value never wrapped: its exact value at `lo` and at `hi`,
//!   computed in 64 bits, must lie in the narrow type's range (a *cond*;
//!   the exact value is monotonic, so the ends suffice).
//!
//! The lowering emits two copies of such a loop: the checked copy, exactly
//! what it would emit without this module, and a fast copy whose hoisted
//! accesses are not checked, and whose addresses are strength-reduced:
//! each range's host address is a variable set by the guard for `iv0`
//! and advanced by `s * step` at the end of the latch (the IR's address
//! arithmetic is then dead in the fast copy and removed). Every entry into `H` from outside the loop
//! goes through a *guard* that checks all hoisted ranges and conds for the
//! current `iv0` and `limit` and enters the fast copy if they all hold,
//! the checked copy otherwise: an out-of-bounds access in the loop traps
//! at that very access, after the same side effects, as on the
//! interpreter. The fast copy is unrolled (`unroll_factor`): the latch of
//! its last iteration polls like the checked one's and stops through the
//! same stop block (same resume point, same frame), the others go on to
//! the next iteration's header without polling. A tiny body's loop
//! (unrolled eight times) also has a *short copy* (`Lower::short_blocks`),
//! lowered as the checked copy is but without a poll: the guard enters it
//! where the loop runs fewer than `MIN_TRIPS` iterations, and the rounds
//! end in it where fewer than a round are left (their range is checked,
//! but the short copy checks as the checked copy does), so at most seven
//! iterations run without a poll, as in the rounds; a
//! rewind lands in the checked copy (its resume block), which runs to the
//! end of that loop. The guard also finds, from the same bounds it
//! checks, the last value of the counter from which a whole round of
//! unrolled iterations runs (`stop`); the fast copy runs in such rounds,
//! none of which tests the counter, while the counter has not passed
//! `stop` (`round_start`, `round_end`: one compare per round, and no
//! count of its own to keep in a register), and the checked copy runs
//! the last iterations that do not make a round.
//! Within the fast copy, a load of what the path just stored or loaded
//! takes that value, also from one round to the next (`forward`). Nothing
//! of the IR, of resume-point numbering or of snapshot frames changes.
//! The plan depends only on the IR.
//!
//! A small loop of the same shape that is not counted is a *plain* loop
//! (`LoopPlan`): it is lowered in copies too, each with every test and
//! check of the checked copy, only the last polling, so that its poll
//! runs once every two or four iterations; its guard is a jump.

use super::{clif, iconst, vm_flags, Lower};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types, InstBuilder, Value};
use pivm_ir::contract::NULL_PAGE;
use pivm_ir::{
    AddrOf, Block, EntityRef, Function, GlobalId, InstKind, Local, OpClass, Opcode, Operand,
    SlotId, Type,
};
use std::collections::HashMap;

/// An interned invariant expression: equal ids are equal values in every
/// iteration of the loop.
pub(super) type NodeId = u32;

/// A loop-invariant value, computed again in the guard.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub(super) enum Node {
    /// Bits zero-extended, of a type that is never `Ptr` (`I64` instead).
    Const(Type, u64),
    /// A local the loop does not write: its value at the guard.
    Entry(Local),
    /// The frame's shadow-stack base (a slot's address is above it).
    StackBase,
    Global(GlobalId),
    /// A pure integer operation (`Add`, `Sub`, `Mul`, bitwise, shifts; a
    /// division or remainder by a nonzero constant).
    Op(Opcode, Type, NodeId, NodeId),
    /// `SExt`, `ZExt` or `Trunc` from the first type to the second.
    Conv(Opcode, Type, Type, NodeId),
}

/// How deep an invariant expression may nest (the guard materializes it
/// recursively).
const MAX_DEPTH: u32 = 48;
/// At most this many ranges and conds per loop: the guard stays small.
const MAX_CHECKS: usize = 24;
/// Steps further from 0 are not planned (the guard's constants stay in range).
const MAX_STEP: i64 = 1 << 16;

/// A fast copy of at most this many IR instructions that walks rows is
/// unrolled eight times (matmul's `c[i*n+j] += a*b[k*n+j]` is 22, most of
/// them address arithmetic that the fast copy drops: its poll and round
/// test were a tenth of the loop at four), of at most `UNROLL_SMALL` four
/// times, of at most twice as many twice.
const UNROLL_TINY: usize = 24;
const UNROLL_SMALL: usize = 40;
/// A plain loop (`LoopPlan`) of at most this many IR instructions is
/// unrolled four times, of at most twice as many twice.
const PLAIN_TINY: usize = 16;

/// How many iterations of `lp`'s fast copy are lowered one after the
/// other, in rounds that test the counter once (`round_end`), only the
/// last of them polling. A poll skipped in such a loop delays a request
/// by at most seven iterations of a small loop body without calls; a run that
/// counts safepoints (`counting`: `--snapshot-after`, `--stats`, threads
/// and processes) polls at every iteration and is not unrolled.
pub(super) fn unroll_factor(lp: &LoopPlan, f: &Function, counting: bool) -> usize {
    if counting {
        return 1;
    }
    let n: usize = f
        .blocks
        .iter()
        .filter(|(b, _)| lp.in_loop[b.index()])
        .map(|(_, d)| d.insts.len())
        .sum();
    if !lp.counted {
        // Its checks and tests stay: only a small body's poll is worth
        // copies that every run compiles (a module's libc has many such
        // loops that rarely run).
        return if n <= PLAIN_TINY {
            4
        } else if n <= 2 * PLAIN_TINY {
            2
        } else {
            1
        };
    }
    // Eight only where every range walks memory in small constant steps
    // (a row): a walk by a stride known at run time (a column of a
    // matrix) is bound by its cache misses, and more copies only made it
    // slower (mgs: 0.134 -> 0.155 s).
    let rows = lp
        .range_steps()
        .iter()
        .all(|d| d.is_some_and(|d| d.unsigned_abs() <= 64));
    if n <= UNROLL_TINY && rows {
        8
    } else if n <= UNROLL_SMALL {
        4
    } else if n <= 2 * UNROLL_SMALL {
        2
    } else {
        1
    }
}

/// The comparison under which the loop goes on: `iv REL limit`.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub(super) enum Rel {
    Lt,
    Le,
    Gt,
    Ge,
}

/// The exact value of a narrow affine value, `ext(inv) + sext(s) * iv`
/// (`ext` sign- or zero-extends to 64 bits), must stay in the range of
/// `from` (signed or unsigned) at both ends of the loop.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub(super) struct Cond {
    pub inv: NodeId,
    pub s: NodeId,
    pub from: Type,
    pub signed: bool,
}

/// A versioned loop: counted, or plain.
///
/// A *plain* loop (`counted` false) is an innermost loop of the same shape
/// (one entry, one back edge, no call but the inline math builtins) that
/// is not counted: its copies are lowered with every test and check of
/// the checked copy, and only the last of `unroll_factor` copies polls
/// (a rewind lands in the checked copy, as from a fast copy). A small
/// loop's poll (four instructions) is a large part of its instructions:
/// plain copies took 13-19% of the instructions of mandelbrot, collatz and
/// crc away. Its guard only enters the first copy. (Plain
/// copies for what a counted loop's guard sends to the checked copy
/// measured fewer instructions in that loop, fannkuch -12%, but 26-42%
/// more to compile every program with counted loops.) The fields from
/// `iv` on describe a counted loop's counter and hoisted checks; a plain
/// loop has none (`plain_plan`).
#[derive(Clone, Debug)]
pub(super) struct LoopPlan {
    pub header: Block,
    pub latch: Block,
    pub counted: bool,
    /// Per block of the function: whether it belongs to the loop.
    pub in_loop: Vec<bool>,
    pub iv: Local,
    /// `I32` or `I64` (a `ptr` induction variable is `I64`).
    pub iv_ty: Type,
    pub signed: bool,
    pub rel: Rel,
    pub step: i64,
    /// `iv REL limit` is the test.
    pub limit: NodeId,
    /// The test is `off + iv REL tested` (32-bit), and `limit` is `tested
    /// - off` (see the module's doc): `(off, tested)`.
    pub offset: Option<(NodeId, NodeId)>,
    pub nodes: Vec<Node>,
    pub conds: Vec<Cond>,
    pub ranges: Vec<Range>,
    /// Per block of the function: the accesses whose check is hoisted,
    /// with the index of their range and their offset in it.
    pub hoisted: Vec<Vec<(usize, usize, i64)>>,
}

/// The 64-bit addresses `base + k + s * iv` of hoisted accesses, for
/// offsets `k` in `[kmin, kmax]` (the fields of one struct, `a[i]` and
/// `a[i + 1]`): one check, one host pointer.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub(super) struct Range {
    pub base: NodeId,
    pub s: NodeId,
    pub kmin: i64,
    pub kmax: i64,
}

/// Loops that run fewer times than this (known at the guard) take the
/// checked copy, or the short copy (`Lower::short_blocks`): the guard
/// would cost more than the checks.
const MIN_TRIPS: i64 = 8;

/// The widest spread of offsets in one range.
const MAX_SPREAD: i64 = 4096;

impl LoopPlan {
    /// Whether a block of the loop branches to `b`, outside it: the fast
    /// copy's blocks do too.
    pub fn exits_to(&self, f: &Function, b: Block) -> bool {
        !self.in_loop[b.index()]
            && f.blocks.iter().any(|(x, d)| {
                self.in_loop[x.index()]
                    && d.insts
                        .last()
                        .is_some_and(|t| t.kind.successors().contains(&b))
            })
    }

    /// Per range: how far its address moves in one iteration, if that is
    /// a constant.
    pub fn range_steps(&self) -> Vec<Option<i64>> {
        self.ranges
            .iter()
            .map(|rg| match self.nodes[rg.s as usize] {
                Node::Const(_, c) => Some((c as i64).wrapping_mul(self.step)),
                _ => None,
            })
            .collect()
    }

    /// The range of instruction `inst` of block `b` and its offset in it,
    /// if its check is hoisted.
    pub fn range_of(&self, b: Block, inst: usize) -> Option<(usize, i64)> {
        self.hoisted[b.index()]
            .iter()
            .find(|h| h.0 == inst)
            .map(|h| (h.1, h.2))
    }
}

/// An affine value of the loop: `inv + s * iv` modulo 2^bits of `ty`,
/// valid where `conds` hold.
#[derive(Clone, Debug)]
struct Aff {
    ty: Type,
    inv: NodeId,
    s: NodeId,
    conds: Vec<Cond>,
}

/// The interned nodes of one loop.
#[derive(Default)]
struct Nodes {
    nodes: Vec<Node>,
    depth: Vec<u32>,
    ids: HashMap<Node, NodeId>,
}

/// `Ptr` and `I64` are one type to the guard.
fn norm(t: Type) -> Type {
    if t == Type::Ptr {
        Type::I64
    } else {
        t
    }
}

impl Nodes {
    fn intern(&mut self, n: Node) -> Option<NodeId> {
        if let Some(id) = self.ids.get(&n) {
            return Some(*id);
        }
        let d = match n {
            Node::Op(_, _, a, b) => 1 + self.depth[a as usize].max(self.depth[b as usize]),
            Node::Conv(_, _, _, a) => 1 + self.depth[a as usize],
            _ => 0,
        };
        if d > MAX_DEPTH {
            return None;
        }
        let id = self.nodes.len() as NodeId;
        self.nodes.push(n.clone());
        self.depth.push(d);
        self.ids.insert(n, id);
        Some(id)
    }

    fn konst(&mut self, ty: Type, v: u64) -> Option<NodeId> {
        let ty = norm(ty);
        self.intern(Node::Const(ty, v & ty.mask()))
    }

    /// `n` as `base + k` (64-bit adds of constants peeled off).
    fn split(&self, mut n: NodeId) -> (NodeId, i64) {
        let mut k: i64 = 0;
        while let Node::Op(Opcode::Add, Type::I64, a, b) = self.nodes[n as usize] {
            match (&self.nodes[a as usize], &self.nodes[b as usize]) {
                (_, Node::Const(_, c)) => (n, k) = (a, k.wrapping_add(*c as i64)),
                (Node::Const(_, c), _) => (n, k) = (b, k.wrapping_add(*c as i64)),
                _ => break,
            }
        }
        (n, k)
    }

    fn is_const(&self, n: NodeId, v: u64) -> bool {
        matches!(self.nodes[n as usize], Node::Const(_, c) if c == v)
    }

    /// `op(a, b)` at `ty`, with the identities that keep guards short.
    fn op(&mut self, op: Opcode, ty: Type, a: NodeId, b: NodeId) -> Option<NodeId> {
        let ty = norm(ty);
        match op {
            Opcode::Add if self.is_const(a, 0) => return Some(b),
            Opcode::Add | Opcode::Sub | Opcode::Shl if self.is_const(b, 0) => return Some(a),
            Opcode::Mul if self.is_const(a, 1) => return Some(b),
            Opcode::Mul if self.is_const(b, 1) => return Some(a),
            Opcode::Mul if self.is_const(a, 0) || self.is_const(b, 0) => return self.konst(ty, 0),
            _ => {}
        }
        if let (Node::Const(_, x), Node::Const(_, y)) =
            (&self.nodes[a as usize], &self.nodes[b as usize])
        {
            if let Ok(v) = pivm_ir::opcodes::eval_binary(op, ty, *x, *y) {
                return self.konst(ty, v);
            }
        }
        self.intern(Node::Op(op, ty, a, b))
    }

    fn conv(&mut self, op: Opcode, from: Type, to: Type, a: NodeId) -> Option<NodeId> {
        let (from, to) = (norm(from), norm(to));
        if let Node::Const(_, x) = self.nodes[a as usize] {
            return self.konst(to, pivm_ir::opcodes::eval_convert(op, from, to, x));
        }
        self.intern(Node::Conv(op, from, to, a))
    }
}

/// Symbolic evaluation of one block of a loop with induction variable `iv`.
struct Eval<'a> {
    f: &'a Function,
    /// Per local: whether a block of the loop writes it.
    written: &'a [bool],
    iv: Local,
    iv_signed: bool,
    nodes: &'a mut Nodes,
    vals: HashMap<Local, Option<Aff>>,
    slot_offset: &'a dyn Fn(SlotId) -> u64,
}

impl Eval<'_> {
    fn invariant(&mut self, ty: Type, inv: NodeId) -> Option<Aff> {
        let s = self.nodes.konst(ty, 0)?;
        Some(Aff {
            ty: norm(ty),
            inv,
            s,
            conds: Vec::new(),
        })
    }

    fn read(&mut self, ty: Type, o: Operand) -> Option<Aff> {
        match o {
            Operand::Const(c) => {
                let inv = self.nodes.konst(ty, c)?;
                self.invariant(ty, inv)
            }
            Operand::Local(l) => {
                if let Some(v) = self.vals.get(&l) {
                    return v.clone();
                }
                let lty = self.f.locals[l].ty;
                if l == self.iv {
                    let (inv, s) = (self.nodes.konst(lty, 0)?, self.nodes.konst(lty, 1)?);
                    return Some(Aff {
                        ty: norm(lty),
                        inv,
                        s,
                        conds: Vec::new(),
                    });
                }
                if self.written[l.index()] {
                    return None;
                }
                let inv = self.nodes.intern(Node::Entry(l))?;
                self.invariant(lty, inv)
            }
        }
    }

    fn is_zero(&self, n: NodeId) -> bool {
        self.nodes.is_const(n, 0)
    }

    fn binary(&mut self, op: Opcode, ty: Type, a: Operand, b: Operand) -> Option<Aff> {
        let (a, b) = (self.read(ty, a)?, self.read(ty, b)?);
        let ty = norm(ty);
        let n = &mut *self.nodes;
        let (inv, s) = match op {
            Opcode::Add | Opcode::Sub => (n.op(op, ty, a.inv, b.inv)?, n.op(op, ty, a.s, b.s)?),
            Opcode::Mul if n.is_const(a.s, 0) => {
                (n.op(op, ty, a.inv, b.inv)?, n.op(op, ty, a.inv, b.s)?)
            }
            Opcode::Mul if n.is_const(b.s, 0) => {
                (n.op(op, ty, a.inv, b.inv)?, n.op(op, ty, a.s, b.inv)?)
            }
            // a << k is a * 2^(k mod bits): linear in a.
            Opcode::Shl if n.is_const(b.s, 0) => {
                (n.op(op, ty, a.inv, b.inv)?, n.op(op, ty, a.s, b.inv)?)
            }
            Opcode::And | Opcode::Or | Opcode::Xor | Opcode::Shl | Opcode::LShr | Opcode::AShr
                if n.is_const(a.s, 0) && n.is_const(b.s, 0) =>
            {
                (n.op(op, ty, a.inv, b.inv)?, a.s)
            }
            // By a nonzero constant a division cannot trap (the IR's `MIN /
            // -1` wraps): an invariant one is pure (`j < len / 2`).
            Opcode::SDiv | Opcode::UDiv | Opcode::SRem | Opcode::URem
                if n.is_const(a.s, 0)
                    && n.is_const(b.s, 0)
                    && matches!(n.nodes[b.inv as usize], Node::Const(_, c) if c != 0) =>
            {
                (n.op(op, ty, a.inv, b.inv)?, a.s)
            }
            _ => return None,
        };
        let mut conds = a.conds;
        conds.extend(b.conds);
        Some(Aff { ty, inv, s, conds })
    }

    fn convert(&mut self, op: Opcode, from: Type, to: Type, a: Operand) -> Option<Aff> {
        let a = self.read(from, a)?;
        if self.is_zero(a.s) {
            let inv = self.nodes.conv(op, from, to, a.inv)?;
            return Some(Aff {
                inv,
                ..self.invariant(to, inv)?
            });
        }
        let signed = match op {
            Opcode::SExt => true,
            Opcode::ZExt => false,
            _ => return None,
        };
        let mut conds = a.conds;
        // The induction variable itself, extended as its compare reads it,
        // is always in range.
        let trivial = self.is_zero(a.inv)
            && self.nodes.is_const(a.s, 1)
            && norm(self.f.locals[self.iv].ty) == a.ty
            && signed == self.iv_signed;
        if !trivial {
            conds.push(Cond {
                inv: a.inv,
                s: a.s,
                from: a.ty,
                signed,
            });
        }
        let inv = self.nodes.conv(op, from, to, a.inv)?;
        let s = self.nodes.conv(Opcode::SExt, from, to, a.s)?;
        Some(Aff {
            ty: norm(to),
            inv,
            s,
            conds,
        })
    }

    /// The address of a slot or a global (invariant), or of a function.
    fn addr(&mut self, of: AddrOf) -> Option<Aff> {
        let inv = match of {
            AddrOf::Slot(s) => {
                let sb = self.nodes.intern(Node::StackBase)?;
                let off = self.nodes.konst(Type::I64, (self.slot_offset)(s))?;
                self.nodes.op(Opcode::Add, Type::I64, sb, off)?
            }
            AddrOf::Global(g) => self.nodes.intern(Node::Global(g))?,
            AddrOf::Func(_) => return None,
        };
        self.invariant(Type::I64, inv)
    }

    /// Evaluates `inst`, calling `access` with each load or store address.
    fn inst(&mut self, inst: &InstKind, mut access: impl FnMut(&mut Self, Option<Aff>)) {
        let val = match inst {
            InstKind::Unary {
                op: Opcode::Copy,
                ty,
                a,
                ..
            } => self.read(*ty, *a),
            InstKind::Binary { op, ty, a, b, .. } if !ty.is_float() => {
                self.binary(*op, *ty, *a, *b)
            }
            InstKind::Convert {
                op: op @ (Opcode::SExt | Opcode::ZExt | Opcode::Trunc),
                from,
                to,
                a,
                ..
            } => self.convert(*op, *from, *to, *a),
            InstKind::Addr { of, .. } => self.addr(*of),
            InstKind::Load { addr, .. } | InstKind::Store { addr, .. } => {
                let a = self.read(Type::Ptr, *addr);
                access(self, a);
                None
            }
            _ => None,
        };
        if let Some(d) = inst.dst() {
            self.vals.insert(d, val);
        }
    }
}

/// Per block of `f`: its predecessors, each once.
pub(super) fn preds(f: &Function) -> Vec<Vec<usize>> {
    let mut preds: Vec<Vec<usize>> = vec![Vec::new(); f.blocks.len()];
    for (b, d) in f.blocks.iter() {
        if let Some(t) = d.insts.last() {
            for s in t.kind.successors() {
                if !preds[s.index()].contains(&b.index()) {
                    preds[s.index()].push(b.index());
                }
            }
        }
    }
    preds
}

/// Per block of `f`: whether it is on a cycle of the blocks (it can run
/// again before the function returns): its strongly connected component
/// has another block, or it branches to itself. `preds` is `preds(f)`.
/// Kosaraju's two searches, iterative, O(blocks + edges).
pub(super) fn cyclic(f: &Function, preds: &[Vec<usize>]) -> Vec<bool> {
    let n = f.blocks.len();
    let succs: Vec<Vec<usize>> = f
        .blocks
        .values()
        .map(|d| {
            d.insts
                .last()
                .map(|t| t.kind.successors().iter().map(|b| b.index()).collect())
                .unwrap_or_default()
        })
        .collect();
    // Postorder of a search along the edges.
    let mut order = Vec::with_capacity(n);
    let mut seen = vec![false; n];
    for root in 0..n {
        if seen[root] {
            continue;
        }
        seen[root] = true;
        let mut stack = vec![(root, 0)];
        while let Some((b, i)) = stack.last_mut() {
            if let Some(&s) = succs[*b].get(*i) {
                *i += 1;
                if !seen[s] {
                    seen[s] = true;
                    stack.push((s, 0));
                }
            } else {
                order.push(*b);
                stack.pop();
            }
        }
    }
    // Components: searches against the edges, latest finished first.
    let mut comp = vec![usize::MAX; n];
    let mut size = Vec::new();
    for &root in order.iter().rev() {
        if comp[root] != usize::MAX {
            continue;
        }
        let c = size.len();
        size.push(0usize);
        comp[root] = c;
        let mut stack = vec![root];
        while let Some(b) = stack.pop() {
            size[c] += 1;
            for &p in &preds[b] {
                if comp[p] == usize::MAX {
                    comp[p] = c;
                    stack.push(p);
                }
            }
        }
    }
    (0..n)
        .map(|b| size[comp[b]] > 1 || succs[b].contains(&b))
        .collect()
}

/// The versioned loops of `f`. `inline_math` says which builtin calls are
/// lowered inline (they cannot change the bound); `slot_offset` gives a
/// stack slot's offset in the frame.
pub(super) fn plan(
    f: &Function,
    preds: &[Vec<usize>],
    inline_math: impl Fn(&InstKind) -> bool,
    slot_offset: &dyn Fn(SlotId) -> u64,
) -> Vec<LoopPlan> {
    let mut plans = Vec::new();
    let back_edges = back_edges(f);
    for (latch, d) in f.blocks.iter() {
        let Some(InstKind::Jump { target: header }) = d.insts.last().map(|i| &i.kind) else {
            continue;
        };
        if header.index() == 0 || header.index() >= latch.index() {
            continue;
        }
        let Some((in_loop, body, written)) = natural_loop(f, preds, *header, latch, &inline_math)
        else {
            continue;
        };
        match plan_loop(f, *header, latch, &in_loop, &body, &written, slot_offset) {
            Some(p) => plans.push(LoopPlan { in_loop, ..p }),
            // A header with another back edge (`continue` to a `while`)
            // would send every entry to the first plan of that header:
            // a plain one there could hide the other's fast copy.
            None if back_edges[header.index()] == 1 => {
                plans.push(plain_plan(f, *header, latch, in_loop));
            }
            None => {}
        }
    }
    plans
}

/// For each block, how many blocks after it end with a jump back to it.
fn back_edges(f: &Function) -> Vec<u32> {
    let mut n = vec![0u32; f.blocks.len()];
    for (b, d) in f.blocks.iter() {
        if let Some(InstKind::Jump { target }) = d.insts.last().map(|i| &i.kind) {
            if target.index() < b.index() {
                n[target.index()] += 1;
            }
        }
    }
    n
}

/// The plan of a plain loop (`LoopPlan`): its blocks only.
fn plain_plan(f: &Function, header: Block, latch: Block, in_loop: Vec<bool>) -> LoopPlan {
    LoopPlan {
        header,
        latch,
        counted: false,
        in_loop,
        iv: Local::new(0),
        iv_ty: Type::I64,
        signed: false,
        rel: Rel::Lt,
        step: 1,
        limit: 0,
        offset: None,
        nodes: Vec::new(),
        conds: Vec::new(),
        ranges: Vec::new(),
        hoisted: vec![Vec::new(); f.blocks.len()],
    }
}

/// The natural loop of the back edge `latch -> header`, if it has the
/// shape every versioned loop has: one entry, one back edge, no other
/// cycle, nothing that may change the bound, the latch's safepoint the
/// only resume point. Its blocks (per block of the function, and in
/// order) and the locals it writes.
fn natural_loop(
    f: &Function,
    preds: &[Vec<usize>],
    header: Block,
    latch: Block,
    inline_math: &impl Fn(&InstKind) -> bool,
) -> Option<(Vec<bool>, Vec<Block>, Vec<bool>)> {
    let (h, l) = (header.index(), latch.index());
    let mut in_loop = vec![false; f.blocks.len()];
    in_loop[h] = true;
    let mut work = vec![l];
    while let Some(b) = work.pop() {
        if !in_loop[b] {
            in_loop[b] = true;
            work.extend(&preds[b]);
        }
    }
    let body: Vec<Block> = f.blocks.keys().filter(|b| in_loop[b.index()]).collect();
    if preds[h].iter().filter(|p| in_loop[**p]).ne([l].iter()) {
        return None;
    }
    let mut written = vec![false; f.locals.len()];
    for &b in &body {
        if b != header && preds[b.index()].iter().any(|p| !in_loop[*p]) {
            return None;
        }
        let insts = &f.blocks[b].insts;
        // A loop inside (one that polls has a resume point as well, but
        // a loop of bounded work does not: `safepoints::BOUNDED_WORK`).
        let inner = insts.last().is_some_and(|t| {
            t.kind
                .successors()
                .iter()
                .any(|s| in_loop[s.index()] && s.index() <= b.index())
        });
        if b != latch && inner {
            return None;
        }
        for (ii, i) in insts.iter().enumerate() {
            let latch_poll = b == latch && ii + 2 == insts.len() && i.kind == InstKind::Safepoint;
            if (i.kind.is_resume_point() && !latch_poll)
                || matches!(i.kind, InstKind::Call { .. }) && !inline_math(&i.kind)
            {
                return None;
            }
            if let Some(d) = i.kind.dst() {
                written[d.index()] = true;
            }
        }
    }
    Some((in_loop, body, written))
}

fn plan_loop(
    f: &Function,
    header: Block,
    latch: Block,
    in_loop: &[bool],
    body: &[Block],
    written: &[bool],
    slot_offset: &dyn Fn(SlotId) -> u64,
) -> Option<LoopPlan> {
    // The test: `br %c` on a compare of the header.
    let hd = &f.blocks[header];
    let Some(InstKind::Branch {
        cond: Operand::Local(c),
        then_dest,
        else_dest,
        ..
    }) = hd.insts.last().map(|i| &i.kind)
    else {
        return None;
    };
    let on_true = match (in_loop[then_dest.index()], in_loop[else_dest.index()]) {
        (true, false) => true,
        (false, true) => false,
        _ => return None,
    };
    // The last definition of %c: a compare.
    let ci = hd.insts.iter().rposition(|i| i.kind.dst() == Some(*c))?;
    let InstKind::Binary { op, ty, a, b, .. } = hd.insts[ci].kind else {
        return None;
    };
    if op.class() != OpClass::IntCompare {
        return None;
    }
    let test = Test {
        op,
        ty,
        a,
        b,
        at: ci,
        on_true,
    };
    // The counter is an operand of the compare, or of the addition of
    // the header that makes one (`i + l < n`).
    let mut candidates = Vec::new();
    for o in [a, b] {
        let Operand::Local(l) = o else { continue };
        candidates.push(l);
        let def = hd.insts[..ci]
            .iter()
            .rev()
            .find(|i| i.kind.dst() == Some(l));
        if let Some(InstKind::Binary {
            op: Opcode::Add,
            a: x,
            b: y,
            ..
        }) = def.map(|i| &i.kind)
        {
            candidates.extend([x, y].into_iter().filter_map(|o| match o {
                Operand::Local(v) => Some(*v),
                Operand::Const(_) => None,
            }));
        }
    }
    candidates
        .into_iter()
        .find_map(|iv| plan_iv(f, body, written, header, latch, &test, iv, slot_offset))
}

/// The header's test: `%c = op.ty a, b` at instruction `at`, the loop
/// going on when `%c` is nonzero if `on_true`.
struct Test {
    op: Opcode,
    ty: Type,
    a: Operand,
    b: Operand,
    at: usize,
    on_true: bool,
}

/// The plan of a loop whose header compares `iv`, an operand of `test`,
/// with something invariant.
#[expect(
    clippy::too_many_arguments,
    reason = "the loop's parts found by `plan_loop`, each needed"
)]
fn plan_iv(
    f: &Function,
    body: &[Block],
    written: &[bool],
    header: Block,
    latch: Block,
    test: &Test,
    iv: Local,
    slot_offset: &dyn Fn(SlotId) -> u64,
) -> Option<LoopPlan> {
    let iv_ty = norm(f.locals[iv].ty);
    if !matches!(iv_ty, Type::I32 | Type::I64) || norm(test.ty) != iv_ty {
        return None;
    }
    let signed = matches!(
        test.op,
        Opcode::SLt | Opcode::SLe | Opcode::SGt | Opcode::SGe
    );
    let rel = match test.op {
        Opcode::SLt | Opcode::ULt => Rel::Lt,
        Opcode::SLe | Opcode::ULe => Rel::Le,
        Opcode::SGt | Opcode::UGt => Rel::Gt,
        Opcode::SGe | Opcode::UGe => Rel::Ge,
        _ => return None,
    };
    // `iv` is written by the latch only.
    let writes_iv = |bl: Block| f.blocks[bl].insts.iter().any(|i| i.kind.dst() == Some(iv));
    if body.iter().any(|&bl| bl != latch && writes_iv(bl)) {
        return None;
    }
    let mut nodes = Nodes::default();
    let mut ev = Eval {
        f,
        written,
        iv,
        iv_signed: signed,
        nodes: &mut nodes,
        vals: HashMap::new(),
        slot_offset,
    };
    // The header up to the test: the compare reads `iv` itself, or `off +
    // iv` (32-bit), and an invariant limit.
    for i in &f.blocks[header].insts[..test.at] {
        ev.inst(&i.kind, |_, _| {});
    }
    let (x, y) = (ev.read(test.ty, test.a)?, ev.read(test.ty, test.b)?);
    let iv_first = !ev.is_zero(x.s);
    let (ivv, lim) = if iv_first { (x, y) } else { (y, x) };
    // As `iv REL limit`, under which the loop goes on.
    let rel = if iv_first { rel } else { rel.swapped() };
    let rel = if test.on_true { rel } else { rel.negated() };
    let unit = ev.nodes.is_const(ivv.s, 1) && ivv.conds.is_empty();
    if !unit || !ev.is_zero(lim.s) || !lim.conds.is_empty() {
        return None;
    }
    let (limit, offset) = if ev.is_zero(ivv.inv) {
        (lim.inv, None)
    } else if iv_ty == Type::I32 {
        let l = ev.nodes.op(Opcode::Sub, iv_ty, lim.inv, ivv.inv)?;
        (l, Some((ivv.inv, lim.inv)))
    } else {
        return None;
    };
    // Upwards to a small constant (`j < NBODIES`): too short to pay for
    // a second copy (compile time) and its guard.
    if let (Node::Const(_, c), Rel::Lt | Rel::Le) = (&ev.nodes.nodes[limit as usize], rel) {
        let c = if iv_ty == Type::I32 {
            *c as u32 as i32 as i64
        } else {
            *c as i64
        };
        if c < MIN_TRIPS * 2 {
            return None;
        }
    }
    let derived = derived_ivs(f, body, written, header, latch, iv, iv_ty, slot_offset);
    let mut derived_at = Vec::with_capacity(derived.len());
    for d in &derived {
        // `d = inv + s * iv` with `inv = d0 - s * iv0` where the iteration
        // starts, `inv + c` once `d` has stepped; `iv0` extended as the
        // test reads it when `d` is wider (its exact value).
        let t = d.ty;
        let e = ev.nodes.intern(Node::Entry(d.local))?;
        let mut i0 = ev.nodes.intern(Node::Entry(iv))?;
        if t != iv_ty {
            let ext = if signed { Opcode::SExt } else { Opcode::ZExt };
            i0 = ev.nodes.conv(ext, iv_ty, t, i0)?;
        }
        let s = ev.nodes.konst(t, d.s as u64)?;
        let si0 = ev.nodes.op(Opcode::Mul, t, s, i0)?;
        let before = ev.nodes.op(Opcode::Sub, t, e, si0)?;
        let c = ev.nodes.konst(t, d.c as u64)?;
        let after = ev.nodes.op(Opcode::Add, t, before, c)?;
        derived_at.push((before, after, s));
    }
    let mut hoisted = vec![Vec::new(); f.blocks.len()];
    let mut ranges: Vec<Range> = Vec::new();
    let mut conds: Vec<Cond> = Vec::new();
    let mut after = None;
    for &bl in body {
        if bl == header {
            // Its accesses also run with the value that leaves the loop.
            continue;
        }
        ev.vals.clear();
        for (d, &(before, after, s)) in derived.iter().zip(&derived_at) {
            let inv = match d.order(bl) {
                Some(Order::Before) => before,
                Some(Order::After) => after,
                None => continue,
            };
            let conds = Vec::new();
            ev.vals.insert(
                d.local,
                Some(Aff {
                    ty: d.ty,
                    inv,
                    s,
                    conds,
                }),
            );
        }
        for (ii, i) in f.blocks[bl].insts.iter().enumerate() {
            ev.inst(&i.kind, |ev, addr| {
                let Some(addr) = addr else { return };
                // An unsigned 32-bit counter's exact values do not fit the
                // guard's 64-bit products with a narrow scale.
                let unsigned32 = !signed && iv_ty == Type::I32;
                if addr.ty != Type::I64 || (unsigned32 && !addr.conds.is_empty()) {
                    return;
                }
                let (base, k) = match ev.nodes.split(addr.inv) {
                    (b, k) if k.unsigned_abs() <= 1 << 31 => (b, k),
                    _ => (addr.inv, 0),
                };
                let fits = |r: &Range| {
                    r.base == base && r.s == addr.s && r.kmax.max(k) - r.kmin.min(k) <= MAX_SPREAD
                };
                let range = ranges.iter().position(fits);
                let new_conds: Vec<Cond> = addr
                    .conds
                    .iter()
                    .filter(|c| !conds.contains(c))
                    .copied()
                    .collect();
                let more = usize::from(range.is_none()) + new_conds.len();
                if ranges.len() + conds.len() + more > MAX_CHECKS {
                    return;
                }
                let r = match range {
                    Some(r) => {
                        let rg = &mut ranges[r];
                        (rg.kmin, rg.kmax) = (rg.kmin.min(k), rg.kmax.max(k));
                        r
                    }
                    None => {
                        ranges.push(Range {
                            base,
                            s: addr.s,
                            kmin: k,
                            kmax: k,
                        });
                        ranges.len() - 1
                    }
                };
                conds.extend(new_conds);
                hoisted[bl.index()].push((ii, r, k));
            });
        }
        if bl == latch {
            after = ev.vals.get(&iv).cloned().flatten();
        }
    }
    // The latch: iv = iv + step.
    let after = after?;
    if !nodes.is_const(after.s, 1) || !after.conds.is_empty() || ranges.is_empty() {
        return None;
    }
    let Node::Const(_, k) = nodes.nodes[after.inv as usize] else {
        return None;
    };
    let step = if iv_ty == Type::I32 {
        k as u32 as i32 as i64
    } else {
        k as i64
    };
    let up = matches!(rel, Rel::Lt | Rel::Le);
    if step == 0 || step.abs() > MAX_STEP || up != (step > 0) {
        return None;
    }
    Some(LoopPlan {
        header,
        latch,
        counted: true,
        in_loop: Vec::new(),
        iv,
        iv_ty,
        signed,
        rel,
        step,
        limit,
        offset,
        nodes: nodes.nodes,
        conds,
        ranges,
        hoisted,
    })
}

/// A derived induction variable of a counted loop: a local that one block
/// of the loop, run once in every iteration that goes on, steps by the
/// constant `c` (`k++`, `p += 4`), `c` a multiple `s` of the counter's
/// step. Where an iteration starts it is `d0 + s * (iv - iv0)` exactly,
/// modulo 2^bits of its type (both at their values where the loop was
/// entered; `iv`'s exact value under a narrower counter); once stepped,
/// `c` more.
struct Derived {
    local: Local,
    /// `I64` (a pointer) under a 32-bit counter, else the counter's type.
    ty: Type,
    c: i64,
    s: i64,
    /// Per block of the function: where its instructions run relative to
    /// the step in every iteration (`None`: on some paths before it, on
    /// others after it, or outside the loop).
    order: Vec<Option<Order>>,
}

#[derive(Copy, Clone, PartialEq, Eq, Debug)]
enum Order {
    /// The block runs before the step, or is the stepping block (whose
    /// instructions are evaluated in order from the value before it).
    Before,
    After,
}

impl Derived {
    fn order(&self, b: Block) -> Option<Order> {
        self.order[b.index()]
    }
}

/// Loops of more blocks than this get no derived induction variables
/// (finding the order of blocks is quadratic).
const MAX_DERIVED_BLOCKS: usize = 64;

/// The derived induction variables of the loop of `body` (see `Derived`).
#[expect(
    clippy::too_many_arguments,
    reason = "the loop's parts found by `plan_loop`, each needed"
)]
fn derived_ivs(
    f: &Function,
    body: &[Block],
    written: &[bool],
    header: Block,
    latch: Block,
    iv: Local,
    iv_ty: Type,
    slot_offset: &dyn Fn(SlotId) -> u64,
) -> Vec<Derived> {
    if body.len() > MAX_DERIVED_BLOCKS {
        return Vec::new();
    }
    let in_body = |b: Block| body.contains(&b);
    // The blocks reached from the header without entering `avoid`.
    let reach = |avoid: Block| -> Vec<bool> {
        let mut seen = vec![false; f.blocks.len()];
        let mut work = vec![header];
        while let Some(b) = work.pop() {
            if b == avoid || seen[b.index()] {
                continue;
            }
            seen[b.index()] = true;
            if let Some(t) = f.blocks[b].insts.last() {
                work.extend(t.kind.successors().into_iter().filter(|s| in_body(*s)));
            }
        }
        seen
    };
    // Without the back edge the loop is acyclic (every other cycle has a
    // resume point, which `plan_loop` refuses): checked again, as the
    // order of blocks below depends on it.
    if !acyclic(f, body, header) {
        return Vec::new();
    }
    // The step of the counter, from the latch alone.
    let mut nodes = Nodes::default();
    let vals = eval_block(f, written, iv, slot_offset, &mut nodes, latch, []);
    let step = match vals.get(&iv).cloned().flatten() {
        Some(a) if nodes.is_const(a.s, 1) => match nodes.nodes[a.inv as usize] {
            Node::Const(_, k) => narrow_signed(iv_ty, k),
            _ => return Vec::new(),
        },
        _ => return Vec::new(),
    };
    if step == 0 {
        return Vec::new();
    }
    // Every local written in the loop, by the one block that writes it.
    let mut writer: HashMap<Local, Option<Block>> = HashMap::new();
    for &b in body {
        for i in &f.blocks[b].insts {
            if let Some(d) = i.kind.dst() {
                let w = writer.entry(d).or_insert(Some(b));
                if *w != Some(b) {
                    *w = None;
                }
            }
        }
    }
    // The candidates by their stepping block: of the counter's type, or
    // 64 bits (a pointer) under a 32-bit counter, whose exact value the
    // guard knows (it cannot wrap).
    let mut by_block: Vec<Vec<(Local, Type)>> = vec![Vec::new(); f.blocks.len()];
    let mut locals: Vec<(Local, Block)> = writer
        .into_iter()
        .filter_map(|(l, b)| Some((l, b?)))
        .collect();
    locals.sort_by_key(|(l, _)| l.index());
    for (d, bd) in locals {
        let dty = norm(f.locals[d].ty);
        let fits = dty == iv_ty || (dty == Type::I64 && iv_ty == Type::I32);
        if d != iv && bd != header && fits {
            by_block[bd.index()].push((d, dty));
        }
    }
    // Per block of the loop: what the header reaches without it.
    let mut without: HashMap<Block, Vec<bool>> = HashMap::new();
    for &b in body {
        without.insert(b, reach(b));
    }
    let mut found = Vec::new();
    for &bd in body {
        let cands = &by_block[bd.index()];
        // The stepping block runs in every iteration that goes on: the
        // latch cannot be reached without it.
        if cands.is_empty() || without[&bd][latch.index()] {
            continue;
        }
        // Its net effect on each candidate `d`: `d + c`, evaluated once
        // from all of them.
        let mut nodes = Nodes::default();
        let mut starts = Vec::with_capacity(cands.len());
        for &(d, dty) in cands {
            let (Some(sym), Some(zero)) = (nodes.intern(Node::Entry(d)), nodes.konst(dty, 0))
            else {
                continue;
            };
            let entry = Aff {
                ty: dty,
                inv: sym,
                s: zero,
                conds: Vec::new(),
            };
            starts.push((d, dty, sym, entry));
        }
        let init = starts.iter().map(|(d, _, _, a)| (*d, a.clone()));
        let vals = eval_block(f, written, iv, slot_offset, &mut nodes, bd, init);
        for &(d, dty, sym, _) in &starts {
            let Some(end) = vals.get(&d).cloned().flatten() else {
                continue;
            };
            if !end.conds.is_empty() || !nodes.is_const(end.s, 0) {
                continue;
            }
            let konst = |n: NodeId| match nodes.nodes[n as usize] {
                Node::Const(_, c) => Some(narrow_signed(dty, c)),
                _ => None,
            };
            // Through any number of constant steps (`*p++ = a; *p++ =
            // b;`).
            let mut n = end.inv;
            let mut c: i64 = 0;
            let c = loop {
                if n == sym {
                    break Some(c);
                }
                match nodes.nodes[n as usize] {
                    Node::Op(Opcode::Add, _, a, b) => match (konst(a), konst(b)) {
                        (_, Some(k)) => (c, n) = (c.wrapping_add(k), a),
                        (Some(k), _) => (c, n) = (c.wrapping_add(k), b),
                        _ => break None,
                    },
                    Node::Op(Opcode::Sub, _, a, b) => match konst(b) {
                        Some(k) => (c, n) = (c.wrapping_sub(k), a),
                        None => break None,
                    },
                    _ => break None,
                }
            };
            let Some(c) = c else { continue };
            // As a step of its type (a 32-bit `-INT_MIN` is itself).
            let c = narrow_signed(dty, c as u64);
            if c == 0 || c.unsigned_abs() > MAX_STEP as u64 || c % step != 0 {
                continue;
            }
            let mut order = vec![None; f.blocks.len()];
            for &b in body {
                if b == header {
                    continue;
                }
                order[b.index()] = if b == bd || !without[&b][bd.index()] {
                    // The stepping block itself, or one it cannot be
                    // reached without: before the step.
                    Some(Order::Before)
                } else if !without[&bd][b.index()] {
                    Some(Order::After)
                } else {
                    None
                };
            }
            found.push(Derived {
                local: d,
                ty: dty,
                c,
                s: c / step,
                order,
            });
        }
    }
    found.sort_by_key(|d| d.local.index());
    found
}

/// The values block `b` leaves in the locals it writes, evaluated from
/// `start` (locals' values where it begins) and the loop's invariants.
fn eval_block(
    f: &Function,
    written: &[bool],
    iv: Local,
    slot_offset: &dyn Fn(SlotId) -> u64,
    nodes: &mut Nodes,
    b: Block,
    start: impl IntoIterator<Item = (Local, Aff)>,
) -> HashMap<Local, Option<Aff>> {
    let mut ev = Eval {
        f,
        written,
        iv,
        iv_signed: false,
        nodes,
        vals: HashMap::new(),
        slot_offset,
    };
    for (l, a) in start {
        ev.vals.insert(l, Some(a));
    }
    for i in &f.blocks[b].insts {
        ev.inst(&i.kind, |_, _| {});
    }
    ev.vals
}

/// Whether the blocks of `body` have no cycle but through `header`.
fn acyclic(f: &Function, body: &[Block], header: Block) -> bool {
    // 0: not seen, 1: on the path, 2: done.
    let mut state = vec![0u8; f.blocks.len()];
    let succs = |b: Block| -> Vec<Block> {
        f.blocks[b].insts.last().map_or(Vec::new(), |t| {
            t.kind
                .successors()
                .into_iter()
                .filter(|s| *s != header && body.contains(s))
                .collect()
        })
    };
    let mut stack = vec![(header, succs(header), 0usize)];
    state[header.index()] = 1;
    while let Some((b, ss, i)) = stack.last_mut() {
        if let Some(&s) = ss.get(*i) {
            *i += 1;
            match state[s.index()] {
                1 => return false,
                0 => {
                    state[s.index()] = 1;
                    let next = succs(s);
                    stack.push((s, next, 0));
                }
                _ => {}
            }
        } else {
            state[b.index()] = 2;
            stack.pop();
        }
    }
    true
}

/// `k`, a constant of `ty` (`I32` or `I64`), as a signed number.
fn narrow_signed(ty: Type, k: u64) -> i64 {
    if ty == Type::I32 {
        k as u32 as i32 as i64
    } else {
        k as i64
    }
}

impl Rel {
    /// `limit REL' iv` as `iv REL limit`.
    fn swapped(self) -> Rel {
        match self {
            Rel::Lt => Rel::Gt,
            Rel::Le => Rel::Ge,
            Rel::Gt => Rel::Lt,
            Rel::Ge => Rel::Le,
        }
    }

    fn negated(self) -> Rel {
        match self {
            Rel::Lt => Rel::Ge,
            Rel::Le => Rel::Gt,
            Rel::Gt => Rel::Le,
            Rel::Ge => Rel::Lt,
        }
    }
}

impl Lower<'_, '_> {
    /// The guard of loop `li`: checks every hoisted range and cond for the
    /// induction variable's current value and the limit, and enters the
    /// fast copy if all hold, the checked copy otherwise.
    pub(super) fn guard(&mut self, li: usize) -> Result<(), String> {
        use IntCC::*;
        let lp = self.loops[li].clone();
        self.b.switch_to_block(self.guards[li]);
        // Nothing is known to be tested on the way in.
        self.nonzero.clear();
        self.pure.clear();
        if !lp.counted {
            let first = self.fast_blocks[li][0][&lp.header.index()];
            self.b.ins().jump(first, &[]);
            return Ok(());
        }
        let mut memo = HashMap::new();
        let t = clif(lp.iv_ty);
        let i0 = self.b.use_var(self.vars[lp.iv.index()]);
        let lim = self.node(&lp.nodes, lp.limit, &mut memo)?;
        let (lt, le, gt, ge) = if lp.signed {
            (
                SignedLessThan,
                SignedLessThanOrEqual,
                SignedGreaterThan,
                SignedGreaterThanOrEqual,
            )
        } else {
            (
                UnsignedLessThan,
                UnsignedLessThanOrEqual,
                UnsignedGreaterThan,
                UnsignedGreaterThanOrEqual,
            )
        };
        let bits = lp.iv_ty.bits();
        let (min, max): (i128, i128) = if lp.signed {
            (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
        } else {
            (0, (1i128 << bits) - 1)
        };
        let step = i128::from(lp.step);
        let one = iconst(&mut self.b, t, 1);
        // Whether the loop runs at all, how far `limit` may go for `iv +
        // step` not to wrap, and the least and greatest value of `iv` in
        // the loop's blocks.
        let (nonempty, wrap, lo, hi) = match lp.rel {
            Rel::Lt => {
                let hi = self.b.ins().isub(lim, one);
                (
                    self.b.ins().icmp(lt, i0, lim),
                    (step != 1).then_some((le, max + 1 - step)),
                    i0,
                    hi,
                )
            }
            Rel::Le => (
                self.b.ins().icmp(le, i0, lim),
                Some((le, max - step)),
                i0,
                lim,
            ),
            Rel::Gt => {
                let lo = self.b.ins().iadd(lim, one);
                (
                    self.b.ins().icmp(gt, i0, lim),
                    (step != -1).then_some((ge, min - 1 - step)),
                    lo,
                    i0,
                )
            }
            Rel::Ge => (
                self.b.ins().icmp(ge, i0, lim),
                Some((ge, min - step)),
                lim,
                i0,
            ),
        };
        let mut ok = nonempty;
        if let Some((cc, k)) = wrap {
            let k = iconst(&mut self.b, t, k as u64);
            let w = self.b.ins().icmp(cc, lim, k);
            ok = self.b.ins().band(ok, w);
        }
        if let Some((off, tested)) = lp.offset {
            // `off + iv REL tested` as `iv REL tested - off` (32-bit):
            // where `tested - off` does not wrap, every value of `iv`
            // between `iv0` and `lim` (those the fast copy runs) has `off
            // + iv` between `off + iv0` and `tested`, so no wrap either
            // if `off + iv0` is in range, and the test holds for it as
            // for `iv REL lim`. Where the loop goes on past the fast
            // copy's rounds, the checked copy tests as the program does.
            let off = self.node(&lp.nodes, off, &mut memo)?;
            let tested = self.node(&lp.nodes, tested, &mut memo)?;
            let ext = |b: &mut cranelift_frontend::FunctionBuilder, v| {
                if lp.signed {
                    b.ins().sextend(types::I64, v)
                } else {
                    b.ins().uextend(types::I64, v)
                }
            };
            let (off, tested, first) = (
                ext(&mut self.b, off),
                ext(&mut self.b, tested),
                ext(&mut self.b, i0),
            );
            let diff = self.b.ins().isub(tested, off);
            let sum = self.b.ins().iadd(off, first);
            for v in [diff, sum] {
                // In the 32-bit range: shifted to unsigned if signed.
                let v = if lp.signed {
                    self.b.ins().iadd_imm_s(v, 1 << 31)
                } else {
                    v
                };
                let top = iconst(&mut self.b, types::I64, u64::from(u32::MAX));
                let in_range = self.b.ins().icmp(UnsignedLessThanOrEqual, v, top);
                ok = self.b.ins().band(ok, in_range);
            }
        }
        // The exact values of `iv` at both ends, as 64-bit integers.
        let (lo, hi) = if t == types::I64 {
            (lo, hi)
        } else if lp.signed {
            (
                self.b.ins().sextend(types::I64, lo),
                self.b.ins().sextend(types::I64, hi),
            )
        } else {
            (
                self.b.ins().uextend(types::I64, lo),
                self.b.ins().uextend(types::I64, hi),
            )
        };
        // A loop of fewer than `MIN_TRIPS` iterations cannot pay for the
        // rest of the guard: it runs checked.
        let span = self.b.ins().isub(hi, lo);
        let long = self
            .b
            .ins()
            .icmp_imm_u(UnsignedGreaterThanOrEqual, span, MIN_TRIPS - 1);
        let more = self.b.create_block();
        let slow = self.blocks[lp.header.index()];
        match self.short_header(li) {
            // A loop that runs, without wrapping, fewer than `MIN_TRIPS`
            // times: its short copy.
            Some(short) => {
                let few = self.b.create_block();
                let both = self.b.ins().band(ok, long);
                self.b.ins().brif(both, more, &[], few, &[]);
                self.b.seal_block(few);
                self.b.switch_to_block(few);
                self.b.ins().brif(ok, short, &[], slow, &[]);
            }
            None => {
                ok = self.b.ins().band(ok, long);
                self.b.ins().brif(ok, more, &[], slow, &[]);
            }
        }
        self.b.seal_block(more);
        self.b.switch_to_block(more);
        ok = self.b.ins().iconst(types::I8, 1);
        for c in &lp.conds {
            let inv = self.node(&lp.nodes, c.inv, &mut memo)?;
            let s = self.node(&lp.nodes, c.s, &mut memo)?;
            let inv = if c.signed {
                self.b.ins().sextend(types::I64, inv)
            } else {
                self.b.ins().uextend(types::I64, inv)
            };
            let s = self.b.ins().sextend(types::I64, s);
            let w = c.from.bits();
            for x in [lo, hi] {
                let p = self.b.ins().imul(s, x);
                let v = self.b.ins().iadd(inv, p);
                let v = if c.signed {
                    let half = iconst(&mut self.b, types::I64, 1 << (w - 1));
                    self.b.ins().iadd(v, half)
                } else {
                    v
                };
                let top = iconst(&mut self.b, types::I64, (1u64 << w) - 1);
                let in_range = self.b.ins().icmp(UnsignedLessThanOrEqual, v, top);
                ok = self.b.ins().band(ok, in_range);
            }
        }
        // Where the first iteration starts: the host address of each range
        // there, and what a step adds to it.
        let start = if t == types::I64 {
            i0
        } else if lp.signed {
            self.b.ins().sextend(types::I64, i0)
        } else {
            self.b.ins().uextend(types::I64, i0)
        };
        let mb = self.b.use_var(self.mem_base);
        for (r, rg) in lp.ranges.iter().enumerate() {
            let a = self.node(&lp.nodes, rg.base, &mut memo)?;
            let sv = self.node(&lp.nodes, rg.s, &mut memo)?;
            let p = self.b.ins().imul(sv, start);
            let h = self.b.ins().iadd(a, p);
            let h = self.b.ins().iadd(mb, h);
            let step = iconst(&mut self.b, types::I64, lp.step as u64);
            let inc = self.b.ins().imul(sv, step);
            let (hv, incv) = self.range_vars[li][r];
            self.b.def_var(hv, h);
            self.b.def_var(incv, inc);
        }
        let bound = self.b.use_var(self.bound);
        let zero = iconst(&mut self.b, types::I64, 0);
        for rg in &lp.ranges {
            let a = self.node(&lp.nodes, rg.base, &mut memo)?;
            let sv = self.node(&lp.nodes, rg.s, &mut memo)?;
            let p = self.b.ins().imul(sv, lo);
            let a_lo = self.b.ins().iadd(a, p);
            let p = self.b.ins().imul(sv, hi);
            let a_hi = self.b.ins().iadd(a, p);
            // The lowest and the highest address, less the null page.
            let konst = match lp.nodes[rg.s as usize] {
                Node::Const(_, c) => Some(c as i64),
                _ => None,
            };
            let (first, last, neg) = match konst {
                Some(c) if c >= 0 => (a_lo, a_hi, None),
                Some(_) => (a_hi, a_lo, None),
                None => {
                    let neg = self.b.ins().icmp(SignedLessThan, sv, zero);
                    let first = self.b.ins().select(neg, a_hi, a_lo);
                    let last = self.b.ins().select(neg, a_lo, a_hi);
                    (first, last, Some(neg))
                }
            };
            let kf = iconst(
                &mut self.b,
                types::I64,
                rg.kmin.wrapping_sub(NULL_PAGE as i64) as u64,
            );
            let first = self.b.ins().iadd(first, kf);
            let kl = iconst(
                &mut self.b,
                types::I64,
                rg.kmax.wrapping_sub(NULL_PAGE as i64) as u64,
            );
            let last = self.b.ins().iadd(last, kl);
            let ordered = self.b.ins().icmp(UnsignedLessThanOrEqual, first, last);
            let inside = self.b.ins().icmp(UnsignedLessThanOrEqual, last, bound);
            let both = self.b.ins().band(ordered, inside);
            ok = self.b.ins().band(ok, both);
            // |s| * (hi - lo) + kmax - kmin < 2^64: the addresses do not go
            // round. Always so for a constant |s| < 2^31 and a 32-bit
            // counter (hi - lo < 2^32).
            let spread = (rg.kmax - rg.kmin) as u64;
            match (konst, neg) {
                (Some(c), _) if t == types::I32 && c.unsigned_abs() < 1 << 31 => {}
                (Some(0), _) => {}
                (Some(c), _) => {
                    let most = iconst(
                        &mut self.b,
                        types::I64,
                        (u64::MAX - spread) / c.unsigned_abs(),
                    );
                    let short = self.b.ins().icmp(UnsignedLessThanOrEqual, span, most);
                    ok = self.b.ins().band(ok, short);
                }
                (None, neg) => {
                    let minus = self.b.ins().ineg(sv);
                    let abs = match neg {
                        Some(neg) => self.b.ins().select(neg, minus, sv),
                        None => sv,
                    };
                    let high = self.b.ins().umulhi(span, abs);
                    let low = self.b.ins().imul(span, abs);
                    let no_high = self.b.ins().icmp(Equal, high, zero);
                    let most = iconst(&mut self.b, types::I64, u64::MAX - spread);
                    let low_ok = self.b.ins().icmp(UnsignedLessThanOrEqual, low, most);
                    let short = self.b.ins().band(no_high, low_ok);
                    ok = self.b.ins().band(ok, short);
                }
            }
        }
        let fast = self.fast_blocks[li][0][&lp.header.index()];
        let Some(stop) = self.round_stops[li] else {
            self.b.ins().brif(ok, fast, &[], slow, &[]);
            return Ok(());
        };
        // The iterations the loop runs unless it leaves early: a whole
        // round at least.
        let q = match lp.step.unsigned_abs() {
            1 => span,
            s => {
                let s = iconst(&mut self.b, types::I64, s);
                self.b.ins().udiv(span, s)
            }
        };
        let trips = self.b.ins().iadd_imm_s(q, 1);
        let u = self.fast_blocks[li].len() as i64;
        let round = self
            .b
            .ins()
            .icmp_imm_u(UnsignedGreaterThanOrEqual, trips, u);
        ok = self.b.ins().band(ok, round);
        // The last value of `iv` from which a whole round runs within
        // `[lo, hi]`: `hi - (u - 1) * step` counting up, `lo + (u - 1) *
        // |step|` counting down. With a round left it lies in `[lo, hi]`,
        // so in `iv`'s type, where `iv` never wraps (`wrap` above).
        let rest = (u - 1) * lp.step;
        let stop_v = if lp.step > 0 {
            self.b.ins().iadd_imm_s(hi, -rest)
        } else {
            self.b.ins().iadd_imm_s(lo, -rest)
        };
        let stop_v = if t == types::I64 {
            stop_v
        } else {
            self.b.ins().ireduce(t, stop_v)
        };
        self.b.def_var(stop, stop_v);
        let enter = self.b.create_block();
        self.b.ins().brif(ok, enter, &[], slow, &[]);
        self.seal(&[enter]);
        self.b.switch_to_block(enter);
        // Inside the checked ranges now: what the first round reads of
        // what a round before it would have stored.
        for (r, k, ty, var) in self.seeds[li].clone() {
            let v = self.load_hoisted(li, r, k, ty);
            self.b.def_var(var, v);
        }
        self.b.ins().jump(fast, &[]);
        Ok(())
    }

    /// At the top of the first unrolled iteration's header, entered only
    /// while a whole round of iterations is left (the guard checks the
    /// first, `round_end` the others), so the iterations of the round
    /// need not test: the round is counted, and what the round before
    /// stored for this one to read is known (`forward::carried`).
    pub(super) fn round_start(&mut self, bi: Block) {
        let Some(li) = self.fast else { return };
        let lp = &self.loops[li];
        if self.short || self.round_stops[li].is_none() || bi != lp.header || self.fast_copy != 0 {
            return;
        }
        for (r, k, ty, var) in self.seeds[li].clone() {
            let v = self.b.use_var(var);
            self.memory.carried(r, k, ty, v);
        }
    }

    /// Whether the branch of IR block `bi` is a fast copy's loop test that
    /// a round left (`round_start`) makes true: its target in the loop.
    pub(super) fn tested_by_round(
        &self,
        bi: usize,
        then_dest: Block,
        else_dest: Block,
    ) -> Option<Block> {
        let li = self.fast?;
        let lp = &self.loops[li];
        if self.short || bi != lp.header.index() || self.round_stops[li].is_none() {
            return None;
        }
        Some(if lp.in_loop[then_dest.index()] {
            then_dest
        } else {
            else_dest
        })
    }

    /// At the end of a fast copy's latch: each range's host address steps
    /// with the induction variable.
    pub(super) fn step_ranges(&mut self, bi: Block) {
        let Some(li) = self.fast else { return };
        if self.short || self.loops[li].latch != bi {
            return;
        }
        let by = self.loops[li].range_steps();
        for (r, (h, inc)) in self.range_vars[li].clone().into_iter().enumerate() {
            let hv = self.b.use_var(h);
            let iv = self.b.use_var(inc);
            let next = self.b.ins().iadd(hv, iv);
            self.b.def_var(h, next);
            self.memory.stepped(r, by[r]);
        }
        if self.fast_copy + 1 == self.fast_blocks[li].len() {
            self.round_end(li);
        }
    }

    /// The end of a round (`round_start`): another round if one is left,
    /// carrying what the next one reads of what this one stored
    /// (`forward::carried`), else the short copy (if the loop has one) or
    /// the checked copy runs the rest.
    fn round_end(&mut self, li: usize) {
        let Some(stop) = self.round_stops[li] else {
            return;
        };
        // Fewer iterations than a round are left.
        let slow = self
            .short_header(li)
            .unwrap_or(self.blocks[self.loops[li].header.index()]);
        let lp = &self.loops[li];
        // `iv` has stepped past the round: another starts from it if it
        // has not passed `stop` (`guard`).
        let cc = match (lp.step > 0, lp.signed) {
            (true, true) => IntCC::SignedLessThanOrEqual,
            (true, false) => IntCC::UnsignedLessThanOrEqual,
            (false, true) => IntCC::SignedGreaterThanOrEqual,
            (false, false) => IntCC::UnsignedGreaterThanOrEqual,
        };
        let ivar = self.vars[lp.iv.index()];
        let iv = self.b.use_var(ivar);
        let stop = self.b.use_var(stop);
        let enough = self.b.ins().icmp(cc, iv, stop);
        let round = self.b.create_block();
        self.b.ins().brif(enough, round, &[], slow, &[]);
        self.seal(&[round]);
        self.b.switch_to_block(round);
        // The next round runs: its accesses are inside the checked ranges.
        for (r, k, ty, var) in self.seeds[li].clone() {
            let v = match self.memory.get(r, k, ty) {
                Some((v, _)) => v,
                None => self.load_hoisted(li, r, k, ty),
            };
            self.b.def_var(var, v);
        }
    }

    /// The header of loop `li`'s short copy, if it has one
    /// (`Lower::short_blocks`).
    fn short_header(&self, li: usize) -> Option<cranelift_codegen::ir::Block> {
        let header = self.loops[li].header.index();
        self.short_blocks[li].as_ref().map(|s| s[&header])
    }

    /// A load of `ty` at offset `k` of range `r`'s current host address.
    pub(super) fn load_hoisted(&mut self, li: usize, r: usize, k: i64, ty: types::Type) -> Value {
        let h = self.b.use_var(self.range_vars[li][r].0);
        let a = self.b.ins().iadd_imm_s(h, k);
        self.b.ins().load(ty, vm_flags(), a, 0)
    }

    /// The value of invariant node `n` at the guard.
    fn node(
        &mut self,
        nodes: &[Node],
        n: NodeId,
        memo: &mut HashMap<NodeId, Value>,
    ) -> Result<Value, String> {
        if let Some(v) = memo.get(&n) {
            return Ok(*v);
        }
        let v = match &nodes[n as usize] {
            Node::Const(ty, c) => iconst(&mut self.b, clif(*ty), *c),
            Node::Entry(l) => self.b.use_var(self.vars[l.index()]),
            Node::StackBase => self.b.use_var(self.stack_base),
            Node::Global(g) => self.global_addr(*g)?,
            Node::Op(op, ty, a, b) => {
                let a = self.node(nodes, *a, memo)?;
                let b = self.node(nodes, *b, memo)?;
                self.binary(*op, *ty, a, b)?
            }
            Node::Conv(op, from, to, a) => {
                let a = self.node(nodes, *a, memo)?;
                self.convert(*op, *from, *to, a)?
            }
        };
        memo.insert(n, v);
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A loop over `a[j + 5]` for `j` below `n`, with `extra` added to its
    /// body and `test` as its header's compare and branch.
    fn loop_src(extra: &str, test: &str) -> String {
        format!(
            "declare @putchar(i32) -> i32
func @f(%a: ptr, %n: i32) -> i32 {{
    local %j: i32
    local %c: i32
    local %t: i32
    local %o: i64
    local %p: ptr
    local %x: i32
    local %r: i32
entry:
    %j = copy.i32 0
    jump head
head:
{test}
body:
    %t = add.i32 %j, 5
    %o = sext.i32.i64 %t
    %o = mul.i64 %o, 4
    %p = add.ptr %a, %o
    %x = load.i32 %p
    store.i32 %p, %x
{extra}
    jump step
step:
    %t = add.i32 %j, 1
    %j = copy.i32 %t
    safepoint
    jump head
done:
    ret.i32 0
}}
"
        )
    }

    const LT: &str = "    %c = slt.i32 %j, %n\n    br.i32 %c, body, done";

    fn plans(src: &str) -> Vec<LoopPlan> {
        let m = pivm_ir::parse(src, "t").unwrap_or_else(|e| panic!("{e}"));
        let f = m.funcs.values().next().unwrap();
        plan(f, &preds(f), |_| false, &|_| 0)
    }

    #[test]
    fn a_counted_loop_is_planned_with_its_accesses_and_conds() {
        let p = plans(&loop_src("", LT));
        assert_eq!(p.len(), 1);
        let p = &p[0];
        assert!(p.counted);
        assert_eq!(p.header.index(), 1);
        assert_eq!(p.in_loop, [false, true, true, true, false]);
        assert_eq!(
            (p.rel, p.signed, p.step, p.iv_ty),
            (Rel::Lt, true, 1, Type::I32)
        );
        // a + 4 * (j + 5): range 0, offset 20.
        assert_eq!(p.hoisted[2], [(4, 0, 20), (5, 0, 20)]);
        // One range (load and store share it), one cond: j + 5 must not
        // wrap as an i32.
        assert_eq!(p.ranges.len(), 1);
        assert_eq!(p.conds.len(), 1);
        assert_eq!((p.conds[0].from, p.conds[0].signed), (Type::I32, true));
        // `!(j >= n)` goes on like `j < n`; `n > j` too.
        let ge = "    %c = sge.i32 %j, %n\n    br.i32 %c, done, body";
        assert_eq!(plans(&loop_src("", ge))[0].rel, Rel::Lt);
        let gt = "    %c = sgt.i32 %n, %j\n    br.i32 %c, body, done";
        assert_eq!(plans(&loop_src("", gt))[0].rel, Rel::Lt);
    }

    #[test]
    fn an_invariant_added_to_the_counter_is_planned_against_the_limit_less_it() {
        // `o + j < n` with `o` a parameter: `j < n - o`, the test kept.
        let src = loop_src("", LT)
            .replace(
                "local %r: i32",
                "local %r: i32\n    local %s: i32\n    local %o2: i32",
            )
            .replace(
                "    %c = slt.i32 %j, %n",
                "    %s = add.i32 %o2, %j\n    %c = slt.i32 %s, %n",
            );
        let p = plans(&src);
        assert!(p[0].counted);
        assert_eq!((p[0].rel, p[0].iv, p[0].step), (Rel::Lt, Local::new(2), 1));
        let (off, tested) = p[0].offset.expect("planned with its offset");
        assert_eq!(p[0].nodes[off as usize], Node::Entry(Local::new(10)));
        assert_eq!(p[0].nodes[tested as usize], Node::Entry(Local::new(1)));
        assert_eq!(
            p[0].nodes[p[0].limit as usize],
            Node::Op(Opcode::Sub, Type::I32, tested, off)
        );
        // The same on the other side of the compare (`n > o + j`).
        let gt = src.replace(
            "%c = slt.i32 %s, %n\n    br.i32 %c, body, done",
            "%c = sgt.i32 %n, %s\n    br.i32 %c, body, done",
        );
        let p = plans(&gt);
        assert!(p[0].counted && p[0].offset.is_some());
        assert_eq!(p[0].rel, Rel::Lt);
        // An offset the loop writes: not counted.
        let written = src.replace(
            "store.i32 %p, %x",
            "store.i32 %p, %x\n    %o2 = copy.i32 %x",
        );
        assert!(!plans(&written)[0].counted);
        // A 64-bit sum: not planned with an offset (its exact values do
        // not fit the guard's arithmetic).
        let wide = loop_src("", LT)
            .replace(
                "local %r: i32",
                "local %r: i32\n    local %s: i64\n    local %o2: i64\n    local %j2: i64",
            )
            .replace(
                "    %c = slt.i32 %j, %n",
                "    %j2 = sext.i32.i64 %j\n    %s = add.i64 %o2, %j2\n    %c = slt.i64 %s, %o\n",
            );
        assert!(plans(&wide).iter().all(|p| p.offset.is_none()));
    }

    #[test]
    fn an_invariant_divided_by_a_nonzero_constant_is_invariant() {
        // `j < n / 2` computed in the header, as C's `for` emits it: a
        // counted loop whose limit is the quotient.
        let half = |op: &str, k: i64| {
            loop_src("", LT)
                .replace("local %r: i32", "local %r: i32\n    local %h: i32")
                .replace(
                    "    %c = slt.i32 %j, %n",
                    &format!("    %h = {op}.i32 %n, {k}\n    %c = slt.i32 %j, %h"),
                )
        };
        for op in ["sdiv", "udiv", "srem", "urem"] {
            let p = plans(&half(op, 2));
            assert!(p[0].counted, "{op}");
            let Node::Op(o, Type::I32, n, k) = p[0].nodes[p[0].limit as usize] else {
                panic!("{op}: limit {:?}", p[0].nodes[p[0].limit as usize]);
            };
            assert_eq!(o.name(), op);
            assert_eq!(p[0].nodes[n as usize], Node::Entry(Local::new(1)));
            assert_eq!(p[0].nodes[k as usize], Node::Const(Type::I32, 2));
        }
        // By -1 it wraps without trapping: still invariant. By 0 it traps
        // where the loop computes it: not planned.
        assert!(plans(&half("sdiv", -1))[0].counted);
        assert!(!plans(&half("sdiv", 0))[0].counted);
        // By a local: its value may be 0, not planned either.
        let by_local = half("sdiv", 2).replace("%n, 2", "%n, %x");
        assert!(!plans(&by_local)[0].counted);
    }

    #[test]
    fn loops_that_may_grow_memory_or_are_not_counted_are_left_alone() {
        // A call (the bound may grow, and it is no small loop's poll that
        // costs): not planned.
        let call = loop_src("    %r = call @putchar(i32 1)", LT);
        assert!(plans(&call).is_empty());
        // A second write of the counter, a limit the loop changes, a test
        // that is not a compare of the counter, a step against the test's
        // direction: planned as a plain loop, nothing hoisted.
        for (extra, test) in [
            ("    %j = add.i32 %j, 1", LT),
            ("    %n = add.i32 %n, 1", LT),
            ("", "    %c = slt.i32 %x, %n\n    br.i32 %c, body, done"),
            ("", "    %c = sgt.i32 %j, %n\n    br.i32 %c, body, done"),
            ("", "    %c = ne.i32 %j, %n\n    br.i32 %c, body, done"),
        ] {
            let p = plans(&loop_src(extra, test));
            assert_eq!(p.len(), 1, "{extra} {test}");
            assert!(!p[0].counted, "{extra} {test}");
            assert!(p[0].ranges.is_empty() && p[0].hoisted.iter().all(Vec::is_empty));
            assert_eq!(p[0].in_loop, [false, true, true, true, false]);
        }
    }

    #[test]
    fn a_loop_around_a_loop_without_a_poll_is_not_planned() {
        // The inner loop does bounded work and has no safepoint
        // (`safepoints::BOUNDED_WORK`): the outer one is still no loop of
        // one cycle, and only the inner one is planned.
        let src = "func @f(%a: ptr, %n: i32) -> i32 {
    local %i: i32
    local %k: i32
    local %c: i32
    local %o: i64
    local %p: ptr
entry:
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
    %o = sext.i32.i64 %k
    %o = mul.i64 %o, 4
    %p = add.ptr %a, %o
    store.i32 %p, %i
    %k = add.i32 %k, 1
    jump inner
next:
    %i = add.i32 %i, 1
    safepoint
    jump outer
done:
    ret.i32 0
}
";
        let p = plans(src);
        assert_eq!(p.len(), 1);
        assert_eq!((p[0].header.index(), p[0].latch.index()), (3, 4));
    }

    /// A loop of `j` below `n` storing through `%k` (an i32 index) and
    /// `%q` (a pointer), `body` stepping them: `%k` is read before and
    /// after its step, `%q` after its.
    fn derived_src(body: &str) -> String {
        format!(
            "func @f(%a: ptr, %n: i32) -> i32 {{
    local %j: i32
    local %k: i32
    local %c: i32
    local %o: i64
    local %p: ptr
    local %q: ptr
entry:
    %j = copy.i32 0
    %k = copy.i32 7
    %q = copy.ptr %a
    jump head
head:
    %c = slt.i32 %j, %n
    br.i32 %c, body, done
body:
    %o = sext.i32.i64 %k
    %o = mul.i64 %o, 4
    %p = add.ptr %a, %o
    store.i32 %p, 1
{body}
    jump tail
tail:
    %o = sext.i32.i64 %k
    %o = mul.i64 %o, 4
    %p = add.ptr %a, %o
    store.i32 %p, 2
    store.i32 %q, 3
    jump step
step:
    %j = add.i32 %j, 1
    safepoint
    jump head
done:
    ret.i32 0
}}
"
        )
    }

    #[test]
    fn derived_counters_are_affine_in_the_counter() {
        let m = |src: &str| pivm_ir::parse(src, "t").unwrap_or_else(|e| panic!("{e}"));
        let derived_of = |src: &str| {
            let m = m(src);
            let f = m.funcs.values().next().unwrap();
            let block = |name: &str| f.blocks.iter().find(|(_, d)| d.name == name).unwrap().0;
            let (header, latch) = (block("head"), block("step"));
            let body: Vec<Block> = f
                .blocks
                .iter()
                .filter(|(_, d)| !["entry", "done"].contains(&d.name.as_str()))
                .map(|(b, _)| b)
                .collect();
            let mut written = vec![false; f.locals.len()];
            for b in &body {
                for i in &f.blocks[*b].insts {
                    if let Some(d) = i.kind.dst() {
                        written[d.index()] = true;
                    }
                }
            }
            let j = f.locals.iter().find(|(_, d)| d.name == "j").unwrap().0;
            let found = derived_ivs(f, &body, &written, header, latch, j, Type::I32, &|_| 0);
            let (b, t) = (block("body"), block("tail"));
            found
                .iter()
                .map(|d| (f.locals[d.local].name.clone(), d.c, d.order(b), d.order(t)))
                .collect::<Vec<_>>()
        };
        // `%k` stepped by 1 and `%q` by 8 in the body: both derived (`%q`
        // a pointer under the i32 counter), the body reading them from
        // before their step, `tail` after it.
        let both = "    %k = add.i32 %k, 1\n    %q = add.ptr %q, 8";
        let (before, after) = (Some(Order::Before), Some(Order::After));
        assert_eq!(
            derived_of(&derived_src(both)),
            [
                ("k".into(), 1, before, after),
                ("q".into(), 8, before, after)
            ]
        );
        // Stepped twice in one block: one step of 3.
        let twice = "    %k = add.i32 %k, 1\n    %o = copy.i64 0\n    %k = add.i32 %k, 2";
        assert_eq!(
            derived_of(&derived_src(twice)),
            [("k".into(), 3, Some(Order::Before), Some(Order::After))]
        );
        // Stepped on one path only, by a value the loop changes, not at
        // all: none derived.
        for body in [
            "    br.i32 %c, inc, tail\ninc:\n    %k = add.i32 %k, 1",
            "    %k = add.i32 %k, %j",
            "    %k = add.i32 %k, 0",
        ] {
            let src = derived_src(body);
            assert!(derived_of(&src).iter().all(|d| d.0 != "k"), "{body}");
        }
        // The whole plan: every store is hoisted (three ranges: `%k`
        // before and after its step, `%q` after its).
        let p = plans(&derived_src(both));
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].ranges.len(), 3);
        assert_eq!(p[0].hoisted[2].len(), 1);
        assert_eq!(p[0].hoisted[3].len(), 2);
    }
}
