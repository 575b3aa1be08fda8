//! One memory check for several accesses through the same base.
//!
//! A *run* is a stretch of a block that cannot change the memory bound:
//! no call (except the math builtins lowered inline) and no resume point.
//! In a run, accesses whose addresses are `base + k` for one base value and
//! at least three different constant offsets `k` spanning at most `WINDOW`
//! bytes form a *group* (nbody's `b[i].x`, `b[i].y`, `b[i].z`, or a
//! struct's fields). Two offsets are checked exactly, each once: the
//! window's compare against `bound - WINDOW + 1` (a subtract and a select
//! where `bound` is not hoisted) costs about as much as the two checks,
//! and its slow copy is more code (wordfreq -2.9% instructions, list
//! -1.9%; geomean 0.9986 over the 40 programs of `benches/icount.py`).
//! The first access of a group checks the window instead of its own
//! address:
//! `base + kmin` in `[NULL_PAGE, NULL_PAGE + bound - WINDOW]` (one compare
//! against `bound - WINDOW + 1`, which Cranelift hoists out of loops), which proves every
//! `base + k` of the group valid (`ir::contract::access_ok`), so the later
//! accesses of the group are not checked.
//!
//! A window is stricter than the accesses need (the last `WINDOW` bytes of
//! memory fail it): when it fails, the run continues in a *slow copy*
//! lowered with the exact check of every access, so a trap is the same
//! trap at the same access as without windows, and a valid access never
//! traps. The slow copy is one per run, entered at each group's first
//! access, and joins the fast path at the end of the run.
//!
//! An address checked exactly is not checked again until the next call
//! or resume point, in its block and in the blocks entered only from
//! blocks before them that all checked it (sealed when their lowering
//! starts, so a local read there is the value it had in all of them, or a
//! new parameter if they differ): a matcher's `re[0]`, read in each of a
//! chain of `if`s, is checked once, across the joins of the chain.
//! Addresses are compared as a value plus a constant (`Lower::addr_key`),
//! so `%p + 1` computed anew is the same address. What was loaded follows
//! the same paths until the next store or call (`ops`, `Lower::loaded`):
//! `re[0]` is also loaded once. Cranelift's own redundant-load
//! elimination misses these in a loop with a call (the cold poll on its
//! back edge): its last-store analysis gives every block of such a loop a
//! memory state of its own.
//!
//! An access inside the function's own shadow-stack frame (a slot's
//! address plus a constant, within the frame's size) is not checked at
//! all: the frame was checked to lie in the stack, inside memory, when it
//! was pushed, and the memory's limit never shrinks below the stack.
//!
//! An access inside a global (its address plus a constant, within the
//! global's size) is not checked either: globals lie below the stack,
//! and the limit never shrinks below the heap's start plus `MAX_ACCESS`
//! (`Env::global_sizes`). Nor is one at a global's or the frame's
//! address plus an offset whose every value keeps it inside
//! (`table[c & 255]`, `buf[i % 16]`, a byte's value times 4): the
//! offset's range follows from its expression in the run
//! (`Numbering::range`: masks, shifts right, remainders and quotients
//! by constants, zero-extensions, and sums, products and left shifts
//! that cannot wrap).
//!
//! Which locals hold such addresses is followed from run to run only
//! across an instruction after which every local keeps its value: not
//! across a resume point (a rewind continues there with the locals a
//! snapshot holds, which a hostile file may have changed) nor a setjmp
//! call (a longjmp lands there with the locals of its time).
//!
//! Bases are recognized on the IR by symbolic value numbering within the
//! run: two operands are the same base if they are the same pure integer
//! expression of the same definitions of the same locals (the frontend
//! recomputes `b + i * 56` for each field). The result depends only on
//! the IR, never on the host.

use pivm_ir::frame::FrameLayout;
use pivm_ir::{AddrOf, BlockData, Callee, InstKind, Local, Opcode, Operand, Type};
use std::cell::Cell;
use std::collections::HashMap;

/// The largest span of a group's offsets, and how far below the end of
/// memory its window ends.
pub(super) const WINDOW: u64 = 1024;

/// Whether `inst` ends a run: a call that may change the bound, or a
/// resume point (its block has other predecessors), or a terminator.
pub(super) fn ends_run(inst: &InstKind, inline_math: impl Fn(&InstKind) -> bool) -> bool {
    inst.is_terminator()
        || inst.is_resume_point()
        || matches!(inst, InstKind::Call { callee: Callee::Builtin(_), .. } if !inline_math(inst))
}

/// What a load or store of a run does about its check.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub(super) enum Check {
    /// The exact check of its own address.
    Exact,
    /// The first access of a group: checks the group's window, its
    /// address being `base + k` and the group's least offset `kmin`.
    Window { k: i64, kmin: i64 },
    /// A later access of a group whose window was checked, or whose
    /// address is the same value as the group's first, checked exactly:
    /// none.
    Covered,
    /// An access inside the function's frame, at this offset from its
    /// base: none.
    Frame(i64),
    /// An access inside a global, or inside a global or the frame at an
    /// offset whose whole range is (`Numbering::range`): none.
    Static,
    /// An access of a loop's fast copy whose whole range (this index of
    /// the loop's ranges, at this offset in it) the loop's guard checked
    /// (`hoist`): none.
    Hoisted(usize, i64),
}

/// How deep `Numbering::range` looks into an expression.
const RANGE_DEPTH: u32 = 12;

/// How many nodes `Numbering::range` visits for one access, at most: an
/// expression that shares its operands (`x ^ x`, nested) would otherwise
/// cost 2^`RANGE_DEPTH` visits per access. Past it, an operand has any
/// value (the access keeps its check), in the same order on every host.
const RANGE_NODES: u32 = 64;

/// A symbolic value: equal ids are equal values within a run.
type Sym = u32;

#[derive(Clone, PartialEq, Eq, Hash)]
enum Key {
    /// The value of a local at the start of the run, or the result of an
    /// instruction that is not a pure integer expression (a fresh id).
    Opaque(u32),
    Const(u64),
    /// The shadow-stack base of the frame.
    StackBase,
    /// The address of a global (by index).
    Global(u32),
    Op(Opcode, Type, Type, Sym, Sym),
}

/// Symbolic value numbering of one run.
#[derive(Default)]
struct Numbering {
    ids: HashMap<Key, Sym>,
    keys: Vec<Key>,
    /// The current symbol of each local defined or read in the run.
    locals: HashMap<Local, Sym>,
    fresh: u32,
}

impl Numbering {
    fn intern(&mut self, k: Key) -> Sym {
        if let Some(s) = self.ids.get(&k) {
            return *s;
        }
        let s = self.keys.len() as Sym;
        self.keys.push(k.clone());
        self.ids.insert(k, s);
        s
    }

    fn opaque(&mut self) -> Sym {
        self.fresh += 1;
        self.intern(Key::Opaque(self.fresh))
    }

    fn operand(&mut self, o: Operand) -> Sym {
        match o {
            Operand::Const(c) => self.intern(Key::Const(c)),
            Operand::Local(l) => match self.locals.get(&l) {
                Some(s) => *s,
                None => {
                    let s = self.opaque();
                    self.locals.insert(l, s);
                    s
                }
            },
        }
    }

    fn define(&mut self, l: Local, s: Sym) {
        self.locals.insert(l, s);
    }

    /// The unsigned range `[lo, hi]` of `s` as a `bits`-bit value, where
    /// its expression bounds it: a mask, a shift right, a remainder by a
    /// constant, a zero-extension (of any value), and sums, products and
    /// left shifts of bounded values that cannot wrap. `None`: any value.
    /// `fuel` counts the nodes it may still visit (`RANGE_NODES`).
    fn range(&self, s: Sym, bits: u32, depth: u32, fuel: &Cell<u32>) -> Option<(u64, u64)> {
        let mask = width_mask;
        if depth == 0 || fuel.get() == 0 {
            return None;
        }
        fuel.set(fuel.get() - 1);
        let r = |x: Sym, b: u32| self.range(x, b, depth - 1, fuel);
        let konst = |x: Sym, b: u32| match self.keys[x as usize] {
            Key::Const(c) => Some(c & mask(b)),
            _ => None,
        };
        match self.keys[s as usize] {
            Key::Const(c) => Some((c & mask(bits), c & mask(bits))),
            Key::Op(Opcode::ZExt, from, to, a, _) if to.bits() == bits => {
                Some(r(a, from.bits()).unwrap_or((0, mask(from.bits()))))
            }
            Key::Op(Opcode::SExt, from, to, a, _) if to.bits() == bits => {
                r(a, from.bits()).filter(|&(_, hi)| hi <= mask(from.bits()) >> 1)
            }
            Key::Op(Opcode::Trunc, from, to, a, _) if to.bits() == bits => Some(
                r(a, from.bits())
                    .filter(|&(_, hi)| hi <= mask(bits))
                    .unwrap_or((0, mask(bits))),
            ),
            Key::Op(op, ty, _, a, b) if ty.bits() == bits => {
                let all = (0, mask(bits));
                match op {
                    Opcode::And => {
                        // A constant side first: the fuel may not last for both.
                        let (x, y) = if konst(a, bits).is_some() {
                            (a, b)
                        } else {
                            (b, a)
                        };
                        let hx = r(x, bits).unwrap_or(all).1;
                        Some((0, hx.min(r(y, bits).unwrap_or(all).1)))
                    }
                    Opcode::LShr | Opcode::UDiv | Opcode::URem => {
                        let c = konst(b, bits)?;
                        let (lo, hi) = r(a, bits).unwrap_or(all);
                        match op {
                            Opcode::LShr => {
                                let k = (c as u32) & (bits - 1);
                                Some((lo >> k, hi >> k))
                            }
                            _ if c == 0 => None,
                            Opcode::UDiv => Some((lo / c, hi / c)),
                            _ => Some((0, hi.min(c - 1))),
                        }
                    }
                    Opcode::Add | Opcode::Mul | Opcode::Or | Opcode::Xor => {
                        let ((la, ha), (lb, hb)) = (r(a, bits)?, r(b, bits)?);
                        let (lo, hi) = match op {
                            Opcode::Add => (la + lb, ha.checked_add(hb)?),
                            Opcode::Mul => (la * lb, ha.checked_mul(hb)?),
                            // Below the next power of two of either.
                            _ => (0, mask(64 - ha.max(hb).leading_zeros())),
                        };
                        (hi <= mask(bits)).then_some((lo, hi))
                    }
                    Opcode::Shl => {
                        let k = (konst(b, bits)? as u32) & (bits - 1);
                        let (lo, hi) = r(a, bits)?;
                        let h = hi.checked_shl(k).filter(|h| h >> k == hi)?;
                        (h <= mask(bits)).then_some((lo << k, h))
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// `s` as `base + k` (64-bit wrapping adds of constants peeled off).
    fn split(&self, mut s: Sym) -> (Sym, i64) {
        let mut k: i64 = 0;
        for _ in 0..64 {
            match self.keys[s as usize] {
                Key::Op(Opcode::Add, t, _, a, b) if t.bits() == 64 => {
                    match (&self.keys[a as usize], &self.keys[b as usize]) {
                        (_, Key::Const(c)) => {
                            k = k.wrapping_add(*c as i64);
                            s = a;
                        }
                        (Key::Const(c), _) => {
                            k = k.wrapping_add(*c as i64);
                            s = b;
                        }
                        _ => break,
                    }
                }
                _ => break,
            }
        }
        (s, k)
    }
}

/// The runs of a block and the checks of their accesses.
pub(super) struct BlockPlan {
    /// Per instruction: whether it ends a run (`ends_run`).
    pub ends_run: Vec<bool>,
    /// Per instruction: the check of a load or store (`Exact` for
    /// everything else).
    pub checks: Vec<Check>,
    /// Per instruction: for a call whose third argument is a constant
    /// length `n` (memcpy, memmove, memset), whether its first and its
    /// second argument are the address of `n` bytes inside the frame, and
    /// their offsets from its base.
    pub frame_args: Vec<[Option<i64>; 2]>,
    /// The locals holding a frame address (stack base plus a constant) at
    /// the end of the block: what a block entered only from this one
    /// starts with (`seed` of `plan`).
    pub frame_locals: HashMap<Local, i64>,
}

/// The plan of `block`. `frame` is the function's frame layout (slot
/// offsets and its size); `inline_math` says which builtin calls are
/// lowered inline; `hoisted` which accesses need no check, and their range
/// (`Check::Hoisted`: they join no group); `seed` the locals holding a
/// frame address where the block starts; `globals` the size of each
/// global; `lands` which calls a longjmp may return from (setjmp's).
pub(super) fn plan(
    block: &BlockData,
    frame: &FrameLayout,
    globals: &[u64],
    inline_math: impl Fn(&InstKind) -> bool,
    lands: impl Fn(&InstKind) -> bool,
    hoisted: impl Fn(usize) -> Option<(usize, i64)>,
    seed: &HashMap<Local, i64>,
) -> BlockPlan {
    let ends: Vec<bool> = block
        .insts
        .iter()
        .map(|i| ends_run(&i.kind, &inline_math))
        .collect();
    let mut checks = vec![Check::Exact; block.insts.len()];
    let mut frame_args = vec![[None; 2]; block.insts.len()];
    // Locals holding a frame address (stack base plus a constant), carried
    // from run to run: the stack base never changes.
    let mut in_frame = seed.clone();
    // Locals holding a global's address plus a constant, carried from run
    // to run in the block: a global never moves.
    let mut in_global = HashMap::new();
    let mut start = 0;
    while start < block.insts.len() {
        let end = (start..block.insts.len())
            .find(|&i| ends[i])
            .unwrap_or(block.insts.len());
        let mut run = Run {
            checks: &mut checks,
            frame_args: &mut frame_args,
            in_frame: &mut in_frame,
            in_global: &mut in_global,
        };
        plan_run(block, start, end, frame, globals, &hoisted, &mut run);
        if let Some(i) = block.insts.get(end) {
            if i.kind.is_resume_point() || lands(&i.kind) {
                in_frame.clear();
                in_global.clear();
            }
        }
        start = end + 1;
    }
    BlockPlan {
        ends_run: ends,
        checks,
        frame_args,
        frame_locals: in_frame,
    }
}

/// What `plan_run` fills in (see `BlockPlan`), and the frame addresses
/// carried between runs.
struct Run<'a> {
    checks: &'a mut [Check],
    frame_args: &'a mut [[Option<i64>; 2]],
    in_frame: &'a mut HashMap<Local, i64>,
    in_global: &'a mut HashMap<Local, (u32, i64)>,
}

fn plan_run(
    block: &BlockData,
    start: usize,
    end: usize,
    frame: &FrameLayout,
    globals: &[u64],
    hoisted: &impl Fn(usize) -> Option<(usize, i64)>,
    run: &mut Run,
) {
    let checks = &mut *run.checks;
    let mut n = Numbering::default();
    let sb = n.intern(Key::StackBase);
    for (&l, &k) in run.in_frame.iter() {
        let c = n.intern(Key::Const(k as u64));
        let s = n.intern(Key::Op(Opcode::Add, Type::Ptr, Type::Ptr, sb, c));
        n.define(l, s);
    }
    for (&l, &(g, k)) in run.in_global.iter() {
        let base = n.intern(Key::Global(g));
        let c = n.intern(Key::Const(k as u64));
        let s = n.intern(Key::Op(Opcode::Add, Type::Ptr, Type::Ptr, base, c));
        n.define(l, s);
    }
    // The offset in the frame of `len` bytes at `s`, if they are inside.
    let fits = |n: &Numbering, s: Sym, len: u64| {
        let (base, k) = n.split(s);
        (n.keys[base as usize] == Key::StackBase
            && k >= 0
            && (k as u64).saturating_add(len) <= frame.size)
            .then_some(k)
    };
    // Whether `len` bytes at `s` are inside a global.
    let in_global = |n: &Numbering, s: Sym, len: u64| {
        let (base, k) = n.split(s);
        match n.keys[base as usize] {
            Key::Global(g) => {
                k >= 0
                    && globals
                        .get(g as usize)
                        .is_some_and(|&size| (k as u64).saturating_add(len) <= size)
            }
            _ => false,
        }
    };
    // Whether `len` bytes at `s` are inside a global or the frame at an
    // offset whose range is known (`table[c & 255]`, `buf[i % 16]`): `s`
    // is `base + y + k` with `y` bounded (`Numbering::range`), and the
    // whole range of addresses lies inside.
    let bounded = |n: &Numbering, s: Sym, len: u64| {
        let (sum, k) = n.split(s);
        let Key::Op(Opcode::Add, t, _, a, b) = n.keys[sum as usize] else {
            return false;
        };
        t.bits() == 64
            && [(a, b), (b, a)].into_iter().any(|(x, y)| {
                let (base, xk) = n.split(x);
                let size = match n.keys[base as usize] {
                    Key::Global(g) => globals.get(g as usize).copied(),
                    Key::StackBase => Some(frame.size),
                    _ => None,
                };
                let (Some(size), Some((lo, hi))) =
                    (size, n.range(y, 64, RANGE_DEPTH, &Cell::new(RANGE_NODES)))
                else {
                    return false;
                };
                let off = i128::from(k) + i128::from(xk);
                off + i128::from(lo) >= 0
                    && off + i128::from(hi) + i128::from(len) <= i128::from(size)
            })
    };
    // Per access: its index, base and offset.
    let mut accesses: Vec<(usize, Sym, i64)> = Vec::new();
    for (ii, inst) in block.insts[start..end].iter().enumerate() {
        let ii = start + ii;
        match &inst.kind {
            InstKind::Unary {
                op: Opcode::Copy,
                dst,
                a,
                ..
            } => {
                let s = n.operand(*a);
                n.define(*dst, s);
            }
            InstKind::Binary { op, ty, dst, a, b }
                if pure_int(*op, *ty) || divides_by_constant(*op, *ty, *b) =>
            {
                let (sa, sb) = (n.operand(*a), n.operand(*b));
                let s = n.intern(Key::Op(*op, *ty, *ty, sa, sb));
                n.define(*dst, s);
            }
            InstKind::Convert {
                op: op @ (Opcode::SExt | Opcode::ZExt | Opcode::Trunc),
                from,
                to,
                dst,
                a,
            } => {
                let sa = n.operand(*a);
                let s = n.intern(Key::Op(*op, *from, *to, sa, sa));
                n.define(*dst, s);
            }
            InstKind::Addr {
                dst,
                of: AddrOf::Slot(slot),
            } => {
                let sb = n.intern(Key::StackBase);
                let off = n.intern(Key::Const(frame.slot_offset(*slot)));
                let s = n.intern(Key::Op(Opcode::Add, Type::Ptr, Type::Ptr, sb, off));
                n.define(*dst, s);
            }
            InstKind::Addr {
                dst,
                of: AddrOf::Global(g),
            } => {
                let s = n.intern(Key::Global(g.0));
                n.define(*dst, s);
            }
            InstKind::Load { dst, .. } if hoisted(ii).is_some() => {
                let (r, k) = hoisted(ii).unwrap_or_default();
                checks[ii] = Check::Hoisted(r, k);
                let d = n.opaque();
                n.define(*dst, d);
            }
            InstKind::Store { .. } if hoisted(ii).is_some() => {
                let (r, k) = hoisted(ii).unwrap_or_default();
                checks[ii] = Check::Hoisted(r, k);
            }
            InstKind::Load { addr, ty, .. } | InstKind::Store { addr, ty, .. } => {
                let s = n.operand(*addr);
                if let Some(k) = fits(&n, s, ty.bytes() as u64) {
                    checks[ii] = Check::Frame(k);
                } else if in_global(&n, s, ty.bytes() as u64) || bounded(&n, s, ty.bytes() as u64) {
                    checks[ii] = Check::Static;
                } else {
                    let (base, k) = n.split(s);
                    accesses.push((ii, base, k));
                }
                if let Some(d) = inst.kind.dst() {
                    let o = n.opaque();
                    n.define(d, o);
                }
            }
            k => {
                if let Some(d) = k.dst() {
                    let s = n.opaque();
                    n.define(d, s);
                }
            }
        }
    }
    // The instruction ending the run: a copy or fill's ranges, and what it
    // defines is no frame address.
    if let Some(inst) = block.insts.get(end) {
        if let InstKind::Call { args, .. } = &inst.kind {
            if let [(_, a), (_, b), (_, Operand::Const(len)), ..] = args[..] {
                let sa = n.operand(a);
                let sb = n.operand(b);
                run.frame_args[end] = [fits(&n, sa, len), fits(&n, sb, len)];
            }
        }
        if let Some(d) = inst.kind.dst() {
            let o = n.opaque();
            n.define(d, o);
        }
    }
    run.in_frame.clear();
    run.in_global.clear();
    for (&l, &s) in n.locals.iter() {
        let (base, k) = n.split(s);
        match n.keys[base as usize] {
            Key::StackBase => {
                run.in_frame.insert(l, k);
            }
            Key::Global(g) => {
                run.in_global.insert(l, (g, k));
            }
            _ => {}
        }
    }
    // Groups: bases of accesses at three or more offsets that span at most
    // `WINDOW` (offsets far from 0 are left exact).
    let mut by_base: HashMap<Sym, Vec<(usize, i64)>> = HashMap::new();
    for (ii, base, k) in accesses {
        if matches!(n.keys[base as usize], Key::Const(_)) || k.unsigned_abs() > (1 << 31) {
            continue;
        }
        by_base.entry(base).or_default().push((ii, k));
    }
    for list in by_base.values() {
        let mut offsets: Vec<i64> = list.iter().map(|a| a.1).collect();
        offsets.sort_unstable();
        offsets.dedup();
        let (kmin, kmax) = (offsets[0], offsets[offsets.len() - 1]);
        // `list` is in instruction order. One address: its exact check
        // covers the others, no window needed. Two: each checked exactly
        // (once: `Lower::checked`).
        if list.len() < 2 || offsets.len() == 2 || (kmax - kmin) as u64 > WINDOW {
            continue;
        }
        checks[list[0].0] = if offsets.len() == 1 {
            Check::Exact
        } else {
            Check::Window { k: list[0].1, kmin }
        };
        for a in &list[1..] {
            checks[a.0] = Check::Covered;
        }
    }
}

/// An unsigned division or remainder by a constant other than 0: pure
/// (no trap), and its result bounded (`Numbering::range`).
fn divides_by_constant(op: Opcode, ty: Type, b: Operand) -> bool {
    matches!(op, Opcode::UDiv | Opcode::URem)
        && !ty.is_float()
        && matches!(b, Operand::Const(c) if c & width_mask(ty.bits()) != 0)
}

/// The largest value of `bits` bits.
fn width_mask(bits: u32) -> u64 {
    if bits >= 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    }
}

/// Integer operations that cannot trap (their symbols are their values).
fn pure_int(op: Opcode, ty: Type) -> bool {
    !ty.is_float()
        && matches!(
            op,
            Opcode::Add
                | Opcode::Sub
                | Opcode::Mul
                | Opcode::And
                | Opcode::Or
                | Opcode::Xor
                | Opcode::Shl
                | Opcode::LShr
                | Opcode::AShr
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checks(src: &str) -> Vec<Check> {
        checks_with_globals(src, &[])
    }

    /// `checks` with globals of these sizes.
    fn checks_with_globals(src: &str, globals: &[u64]) -> Vec<Check> {
        let m = pivm_ir::parse(src, "t").unwrap();
        let f = m.funcs.values().next().unwrap();
        let block = f.blocks.values().next().unwrap();
        plan(
            block,
            &FrameLayout::default(),
            globals,
            |_| false,
            |_| false,
            |_| None,
            &HashMap::new(),
        )
        .checks
    }

    #[test]
    fn fields_of_one_base_share_a_window_until_the_base_changes() {
        // Three fields of b + i*56 (recomputed, as the frontend does),
        // then a call (the bound may change), then the base changes.
        let c = checks(
            "declare @putchar(i32) -> i32
func @f(%b: ptr, %i: i64) -> f64 {
    local %x: f64
    local %y: f64
    local %p: ptr
    local %q: ptr
    local %t: i64
    local %u: i64
    local %r: i32
entry:
    %t = mul.i64 %i, 56
    %p = add.ptr %b, %t
    %x = load.f64 %p
    %u = mul.i64 %i, 56
    %q = add.ptr %b, %u
    %q = add.ptr %q, 8
    %y = load.f64 %q
    store.f64 %q, %x
    %q = add.ptr %q, 8
    %y = load.f64 %q
    %r = call @putchar(i32 1)
    %x = load.f64 %p
    %q = add.ptr %p, 8
    %y = load.f64 %q
    %p = add.ptr %p, 16
    %y = load.f64 %p
    %i = add.i64 %i, 1
    %t = mul.i64 %i, 56
    %p = add.ptr %b, %t
    %y = load.f64 %p
    ret.f64 %y
}
",
        );
        let accesses: Vec<Check> = [2, 6, 7, 9, 11, 13, 15, 19].iter().map(|&i| c[i]).collect();
        assert_eq!(
            accesses,
            [
                Check::Window { k: 0, kmin: 0 },
                Check::Covered,
                Check::Covered,
                Check::Covered,
                // After the call: p, p + 8 and p + 16, a new window.
                Check::Window { k: 0, kmin: 0 },
                Check::Covered,
                Check::Covered,
                // i changed: another base, alone.
                Check::Exact,
            ]
        );
    }

    /// Two addresses of one base are checked exactly, each once (the
    /// address cache of `Lower::checked`): a window costs as much as both
    /// checks, and its slow copy more code.
    #[test]
    fn two_offsets_of_one_base_stay_exact() {
        let c = checks(
            "func @f(%b: ptr) -> i64 {
    local %x: i64
    local %y: i64
    local %q: ptr
entry:
    %x = load.i64 %b
    %q = add.ptr %b, 8
    %y = load.i64 %q
    store.i64 %b, %y
    store.i64 %q, %x
    ret.i64 %x
}
",
        );
        assert!(c.iter().all(|k| *k == Check::Exact), "{c:?}");
    }

    /// Accesses inside a global (its address plus a constant, within its
    /// size), in any run, need no check; one reaching past its end, before
    /// its start or through another base is checked.
    #[test]
    fn global_accesses_inside_the_global_are_not_checked() {
        let src = "declare @putchar(i32) -> i32
global @g: [16 x i8]
global @h: i64
func @f(%i: i64) -> i64 {
    local %p: ptr
    local %q: ptr
    local %x: i64
    local %r: i32
entry:
    %p = addr @g
    %x = load.i64 %p
    %q = add.ptr %p, 8
    store.i64 %q, %x
    %q = add.ptr %p, 9
    %x = load.i64 %q
    %r = call @putchar(i32 1)
    %x = load.i32 %q
    %q = add.ptr %p, -1
    %x = load.i8 %q
    %q = add.ptr %p, %i
    %x = load.i8 %q
    %p = addr @h
    store.i64 %p, %x
    ret.i64 %x
}
";
        let c = checks_with_globals(src, &[16, 8]);
        let accesses: Vec<Check> = [1, 3, 5, 7, 9, 11, 13].iter().map(|&i| c[i]).collect();
        assert_eq!(
            accesses,
            [
                Check::Static,
                Check::Static,
                // 8 bytes at 9 of 16: past the end.
                Check::Exact,
                // After the call, 4 bytes at 9: inside.
                Check::Static,
                // Before the start; a variable offset.
                Check::Exact,
                Check::Exact,
                Check::Static,
            ]
        );
    }

    #[test]
    fn a_range_visits_a_bounded_number_of_nodes() {
        // `s(k) = s(k-1) + s(k-1)`, `s(0) = 1`: 2^(k+1) - 1 visits of a
        // tree walk, the value 2^k.
        let sum_of_sums = |k: u32| {
            let mut n = Numbering::default();
            let mut s = n.intern(Key::Const(1));
            for _ in 0..k {
                s = n.intern(Key::Op(Opcode::Add, Type::I64, Type::I64, s, s));
            }
            let fuel = Cell::new(RANGE_NODES);
            (n.range(s, 64, RANGE_DEPTH, &fuel), fuel.get())
        };
        // 31 visits: within the fuel, so known.
        assert_eq!(sum_of_sums(4), (Some((16, 16)), RANGE_NODES - 31));
        // Within the depth but 2,047 visits: given up after the fuel.
        assert_eq!(sum_of_sums(10), (None, 0));
    }

    #[test]
    fn offsets_of_known_range_inside_a_global_are_not_checked() {
        // @g: 1024 bytes (256 i32), @h: 16 bytes.
        let src = "global @g: [256 x i32]
global @h: [16 x i8]
func @f(%c: i32, %s: i8, %w: i64) -> i32 {
    local %x: i32
    local %m: i32
    local %i: i64
    local %p: ptr
    local %t: i8
entry:
    %m = and.i32 %c, 255
    %i = zext.i32.i64 %m
    %i = mul.i64 %i, 4
    %p = addr @g
    %p = add.ptr %p, %i
    %x = load.i32 %p
    %i = zext.i8.i64 %s
    %i = shl.i64 %i, 2
    %p = addr @g
    %p = add.ptr %i, %p
    store.i32 %p, %x
    %m = lshr.i32 %c, 28
    %i = sext.i32.i64 %m
    %p = addr @h
    %p = add.ptr %p, %i
    %x = load.i8 %p
    %m = urem.i32 %c, 13
    %i = zext.i32.i64 %m
    %p = addr @h
    %p = add.ptr %p, 3
    %p = add.ptr %p, %i
    %x = load.i8 %p
    %i = sext.i8.i64 %s
    %p = addr @h
    %p = add.ptr %p, %i
    %x = load.i8 %p
    %m = and.i32 %c, 255
    %m = sub.i32 %m, 1
    %i = zext.i32.i64 %m
    %p = addr @g
    %p = add.ptr %p, %i
    %x = load.i8 %p
    %m = and.i32 %c, 511
    %m = shl.i32 %m, 24
    %m = lshr.i32 %m, 22
    %i = zext.i32.i64 %m
    %p = addr @g
    %p = add.ptr %p, %i
    %x = load.i8 %p
    %m = and.i32 %c, 255
    %m = mul.i32 %m, 33554432
    %i = zext.i32.i64 %m
    %p = addr @g
    %p = add.ptr %p, %i
    %x = load.i8 %p
    %m = and.i32 %c, 255
    %i = zext.i32.i64 %m
    %i = mul.i64 %i, 4
    %p = addr @g
    %p = add.ptr %p, 4
    %p = add.ptr %p, %i
    %x = load.i32 %p
    %i = and.i64 %w, 1023
    %p = addr @g
    %p = add.ptr %p, %i
    %x = load.i16 %p
    ret.i32 %x
}
";
        let c = checks_with_globals(src, &[1024, 16]);
        let m = pivm_ir::parse(src, "t").unwrap();
        let insts = &m
            .funcs
            .values()
            .next()
            .unwrap()
            .blocks
            .values()
            .next()
            .unwrap()
            .insts;
        let accesses: Vec<Check> = insts
            .iter()
            .zip(&c)
            .filter(|(i, _)| matches!(i.kind, InstKind::Load { .. } | InstKind::Store { .. }))
            .map(|(_, c)| *c)
            .collect();
        assert_eq!(
            accesses,
            [
                // (c & 255) * 4 and a byte's value * 4, into 1024 bytes.
                Check::Static,
                Check::Static,
                // c >> 28 is at most 15, 3 + c % 13 at most 15: in @h.
                Check::Static,
                Check::Static,
                // A signed byte may be negative; (c & 255) - 1 wraps.
                Check::Exact,
                Check::Exact,
                // Any 32-bit value >> 22 is at most 1023...
                Check::Static,
                // ...but (c & 255) * 2^25 wraps in 32 bits: any value.
                Check::Exact,
                // 4 + (c & 255) * 4 may reach 1024: past the end.
                Check::Exact,
                // 2 bytes at up to 1023.
                Check::Exact,
            ]
        );
    }

    #[test]
    fn one_address_needs_no_window_and_wide_spans_stay_exact() {
        let same = "func @f(%p: ptr) -> i64 {
    local %x: i64
entry:
    %x = load.i64 %p
    store.i64 %p, 1
    ret.i64 %x
}
";
        assert_eq!(&checks(same)[..2], &[Check::Exact, Check::Covered]);
        let wide = "func @f(%p: ptr) -> i64 {
    local %x: i64
    local %q: ptr
entry:
    %x = load.i64 %p
    %q = add.ptr %p, 4096
    %x = load.i64 %q
    ret.i64 %x
}
";
        assert_eq!(
            &checks(wide)[..3],
            &[Check::Exact, Check::Exact, Check::Exact]
        );
    }

    /// Accesses inside the frame (a slot's address plus a constant, within
    /// the frame's size) need no check, across runs and into a block
    /// seeded with the locals holding frame addresses; so do the ranges
    /// of a copy there.
    #[test]
    fn frame_accesses_are_not_checked() {
        let src = "declare @memmove(ptr, ptr, i64) -> ptr
func @f(%p: ptr) -> f64 {
    local %a: ptr
    local %b: ptr
    local %x: f64
    local %q: ptr
    slot $s: [24 x i8]
    slot $t: [24 x i8]
entry:
    %a = addr $t
    %b = add.ptr %a, 16
    store.f64 %b, 1.0
    %x = load.f64 %p
    call @memmove(ptr %a, ptr %p, i64 8)
    %x = load.f64 %b
    %q = add.ptr %a, 20
    %x = load.f64 %q
    %a = copy.ptr %p
    jump next
next:
    %x = load.f64 %b
    %x = load.f64 %a
    ret.f64 %x
}
";
        let m = pivm_ir::parse(src, "t").unwrap();
        let f = m.funcs.values().next().unwrap();
        let frame = FrameLayout {
            slot_offsets: vec![0, 24],
            size: 48,
        };
        let blocks: Vec<&BlockData> = f.blocks.values().collect();
        let p = plan(
            blocks[0],
            &frame,
            &[],
            |_| false,
            |_| false,
            |_| None,
            &HashMap::new(),
        );
        assert_eq!(
            [p.checks[2], p.checks[3], p.checks[5], p.checks[7]],
            [
                Check::Frame(40),
                Check::Exact,
                // After the call, %b still holds a frame address.
                Check::Frame(40),
                // 24 + 20 + 8 passes the frame's end.
                Check::Exact,
            ]
        );
        assert_eq!(p.frame_args[4], [Some(24), None]);
        let local = |name: &str| f.locals.iter().find(|l| l.1.name == name).unwrap().0;
        assert_eq!(p.frame_locals.get(&local("b")), Some(&40));
        assert_eq!(p.frame_locals.get(&local("a")), None);
        let q = plan(
            blocks[1],
            &frame,
            &[],
            |_| false,
            |_| false,
            |_| None,
            &p.frame_locals,
        );
        assert_eq!(&q.checks[..2], &[Check::Frame(40), Check::Exact]);
    }
}
