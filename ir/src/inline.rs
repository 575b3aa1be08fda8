//! Inlining of small leaf functions, before safepoints are placed.
//!
//! A call to a function that is small (or called from one place only),
//! neither loops nor calls a function
//! of the module, and calls only plain builtins (`Builtin::is_plain`: ones
//! that return to their call site or end the program, and do not depend on
//! the calling function or its frame) costs more in the call than in the
//! body: `a(i, j)` of spectralnorm is eleven instructions, a random number
//! generator's `seed = seed * A + C` six, an accessor `g->cells[y * g->w +
//! x]` five, a function taking and returning a struct by value a few
//! copies. `inline` replaces such calls by a copy of the callee's body. Its
//! shadow-stack slots (at most `MAX_INLINE_SLOT_BYTES`) become slots of the
//! caller, and every inlined instruction keeps the function it was written
//! in (`Inst::origin`), so a trap in it is reported in that function at
//! that line, as without inlining. Because the callee cannot poll, it is
//! never seen in a snapshot either: the program's output, traps and
//! snapshots read the same. What differs: the call depth it reaches is
//! smaller (a depth limit is hit one call later), the caller's frame holds
//! the callee's slots (addresses of those slots, and where a shadow-stack
//! overflow is detected, are those of the inlined program), and a slot's
//! content before the program writes it is what the previous inlined call
//! left there (C leaves it indeterminate).
//!
//! A small function that calls itself (and only plain builtins) is
//! inlined into itself once, after self tail calls became loops
//! (`inline_recursive`): each call of itself becomes a copy of its body,
//! loops included, whose own calls of itself stay calls. The copy's
//! locals are the function's own (`n.fib`), so a snapshot taken in a loop
//! of the copy shows them in the function's frame.
//!
//! A leaf function with loops called from one place only is inlined
//! there (`inline_loop_leaves`) where the caller does not recurse and the
//! innermost loop around the call makes no other call:
//! a population count called in a loop runs without a call per
//! iteration. A snapshot taken in its loops shows the caller's frame,
//! which holds its locals.
//!
//! A small function called from one place only, by a function it calls
//! back (a mutual recursion), is inlined there once (`inline_cycles`),
//! loops and calls included: the recursion becomes one function calling
//! itself, one call per level instead of two. Its locals join the
//! caller's frame, which is what a snapshot taken in one of its calls
//! shows.
//!
//! `inline` is a pure function of the module and a fixpoint (running it
//! again changes nothing), so every engine on every host runs the same code
//! and numbers the same resume points. It runs when a program starts from
//! its source (`pivm run`); a snapshot embeds the module it ran, so a
//! resume runs exactly that, whatever pivm version made it.

use std::collections::HashSet;

use crate::builtins::Builtin;
use crate::entities::{Block, EntityRef, EntityVec, FuncId, Local, SlotId};
use crate::module::{
    AddrOf, BlockData, Callee, Function, Inst, InstKind, LocalDecl, Module, Operand, SlotDecl,
};
use crate::opcodes::Opcode;
use crate::types::TypeLayouts;

/// The largest callee inlined at every call, in instructions that do
/// work (`cost`).
pub const MAX_INLINE_INSTS: usize = 40;

/// The largest callee inlined where it is called from one place only (no
/// code is duplicated then), in instructions that do work.
pub const MAX_INLINE_ONCE: usize = 400;

/// The most shadow-stack memory an inlined callee's slots may take: they
/// join every caller's frame, recursive ones too.
pub const MAX_INLINE_SLOT_BYTES: u64 = 256;

/// Inlines every call to an inlinable function (see the module docs),
/// until no such call is left.
pub fn inline(m: &mut Module) {
    let mut budget = crate::Budget::default();
    while inline_round(m, &mut budget) {}
}

/// Inlines every call to a function inlinable when the round starts (the
/// functions that become leaves by it are inlined in the next round);
/// whether any call was. Each inlining costs the caller's instructions
/// (it rebuilds the caller) from `budget`; none is done once it is spent.
pub fn inline_round(m: &mut Module, budget: &mut crate::Budget) -> bool {
    let plain = plain_builtins(m);
    let layouts = TypeLayouts::new(&m.types);
    // Direct calls of each function, anywhere in the module.
    let mut sites = vec![0usize; m.funcs.len()];
    for inst in m
        .funcs
        .values()
        .flat_map(|f| f.blocks.values())
        .flat_map(|b| &b.insts)
    {
        if let InstKind::Call {
            callee: Callee::Func(g),
            ..
        } = inst.kind
        {
            if let Some(n) = sites.get_mut(g.index()) {
                *n += 1;
            }
        }
    }
    let inlinable: Vec<bool> = m
        .funcs
        .values()
        .enumerate()
        .map(|(i, f)| {
            let limit = if sites[i] == 1 {
                MAX_INLINE_ONCE
            } else {
                MAX_INLINE_INSTS
            };
            cost(f) <= limit && is_inlinable(f, &plain, &layouts)
        })
        .collect();
    let mut changed = false;
    for fid in 0..m.funcs.len() {
        let fid = FuncId::new(fid);
        loop {
            // The caller stays within the verifier's bound on a function's
            // size (blocks times locals), with room to spare.
            let f = &m.funcs[fid];
            let fits = |g: FuncId| {
                let g = &m.funcs[g];
                let blocks = (f.blocks.len() + g.blocks.len() + 1) as u64;
                let locals = (f.locals.len() + g.locals.len()) as u64;
                blocks.saturating_mul(locals) <= crate::verify::MAX_FUNC_WEIGHT / 4
            };
            let Some((b, i, g)) = find_site(f, &inlinable, fid, fits) else {
                break;
            };
            if !budget.spend(function_size(f)) {
                return changed;
            }
            let callee = m.funcs[g].clone();
            inline_at(&mut m.funcs[fid], b, i, &callee, g);
            changed = true;
        }
    }
    changed
}

/// The largest self-recursive function inlined into itself
/// (`inline_recursive`), in instructions that do work.
pub const MAX_SELF_INLINE_INSTS: usize = 40;

/// The most calls of itself a function inlined into itself may make.
const MAX_SELF_SITES: usize = 2;

/// Inlines each small self-recursive function into itself once: every
/// call it makes of itself becomes a copy of its body, whose own calls of
/// itself stay calls, so a recursion makes about half as many calls (gcc
/// -O2 inlines a recursion into itself several levels deep). Only
/// functions that call nothing but themselves (at most `MAX_SELF_SITES`
/// times, once if they have slots) and plain builtins, of at most
/// `MAX_SELF_INLINE_INSTS` instructions that do work and
/// `MAX_INLINE_SLOT_BYTES` of slots; loops are fine. Not a fixpoint: run
/// again, it would inline the copies too; `optimize` runs it once. As with `inline_round`, the inlined instructions keep their
/// origin (the function itself) and a depth limit is hit later. Each
/// function is rebuilt once per call site, paid from `budget`; whether
/// any was.
pub fn inline_recursive(m: &mut Module, budget: &mut crate::Budget) -> bool {
    let plain = plain_builtins(m);
    let layouts = TypeLayouts::new(&m.types);
    let mut changed = false;
    for fid in 0..m.funcs.len() {
        let fid = FuncId::new(fid);
        let f = &m.funcs[fid];
        let Some(sites) = self_sites(f, fid, &plain, &layouts) else {
            continue;
        };
        let n = sites.len() as u64 + 1;
        let blocks = (f.blocks.len() as u64 + 1).saturating_mul(n);
        let locals = (f.locals.len() as u64).saturating_mul(n);
        if blocks.saturating_mul(locals) > crate::verify::MAX_FUNC_WEIGHT / 4
            || !budget.spend(function_size(f).saturating_mul(n))
        {
            continue;
        }
        let g = f.clone();
        // Last first: inlining at a site moves only the blocks after it
        // and the instructions after the call.
        for &(b, i) in sites.iter().rev() {
            inline_at(&mut m.funcs[fid], b, i, &g, fid);
        }
        changed = true;
    }
    changed
}

/// The largest function inlined into its only caller where the two call
/// each other (`inline_cycles`), in instructions that do work.
pub const MAX_CYCLE_INLINE_INSTS: usize = 40;

/// Inlines each small function called from one place only, in a
/// function it calls back (directly or through other functions): a
/// mutual recursion such as a regular-expression matcher's `matchhere`
/// and `matchstar` becomes a self-recursion of one function, which makes
/// one call per level instead of two (gcc -O2 inlines a static function
/// called once). Unlike `inline_round`'s callees, the inlined function
/// may loop and call functions of the module (only plain builtins,
/// `MAX_CYCLE_INLINE_INSTS` instructions that do work and
/// `MAX_INLINE_SLOT_BYTES` of slots); a snapshot taken in a call it
/// makes shows the caller's frame, which holds its locals, as for
/// `inline_recursive`. Not run on `main`. Each inlining costs the
/// caller's size from `budget`; whether any was done.
pub fn inline_cycles(m: &mut Module, budget: &mut crate::Budget) -> bool {
    let plain = plain_builtins(m);
    let layouts = TypeLayouts::new(&m.types);
    let (callees, sites) = call_graph(m);
    let reaches =
        |from: FuncId, to: FuncId, budget: &mut crate::Budget| reaches(&callees, from, to, budget);
    let main = m.func_by_name("main");
    inline_single_sites(m, &sites, budget, |m, g, f, _, budget| {
        let gf = &m.funcs[g];
        Some(g) != main
            && cost(gf) <= MAX_CYCLE_INLINE_INSTS
            && is_inlinable_with(gf, &plain, &layouts, true, true)
            && reaches(g, f, budget)
    })
}

/// Inlines each function called from one place only where `wanted(m,
/// callee, caller, (block, instruction), budget)` says so, and the caller
/// stays within the verifier's bound on a function's size with room to
/// spare; at most one callee per caller (an inlining moves the caller's
/// other sites). Each costs the caller's size from `budget`; whether any
/// was done.
fn inline_single_sites(
    m: &mut Module,
    sites: &CallSites,
    budget: &mut crate::Budget,
    mut wanted: impl FnMut(&Module, FuncId, FuncId, (Block, usize), &mut crate::Budget) -> bool,
) -> bool {
    let n = m.funcs.len();
    let mut done = vec![false; n];
    let mut changed = false;
    for gi in 0..n {
        let g = FuncId::new(gi);
        let &[(f, b, i)] = sites[gi].as_slice() else {
            continue;
        };
        if f == g || done[f.index()] || done[gi] || !wanted(m, g, f, (b, i), budget) {
            continue;
        }
        let (ff, gf) = (&m.funcs[f], &m.funcs[g]);
        let blocks = (ff.blocks.len() + gf.blocks.len() + 1) as u64;
        let locals = (ff.locals.len() + gf.locals.len()) as u64;
        if blocks.saturating_mul(locals) > crate::verify::MAX_FUNC_WEIGHT / 4
            || !budget.spend(function_size(ff))
        {
            continue;
        }
        let callee = gf.clone();
        inline_at(&mut m.funcs[f], b, i, &callee, g);
        done[f.index()] = true;
        done[gi] = true;
        changed = true;
    }
    changed
}

/// The module's direct calls: per function, its callees; per callee, its
/// call sites (caller, block, instruction).
type CallSites = Vec<Vec<(FuncId, Block, usize)>>;

pub(crate) fn call_graph(m: &Module) -> (Vec<Vec<FuncId>>, CallSites) {
    let n = m.funcs.len();
    let mut callees: Vec<Vec<FuncId>> = vec![Vec::new(); n];
    let mut sites: CallSites = vec![Vec::new(); n];
    for (fid, f) in m.funcs.iter() {
        for (b, data) in f.blocks.iter() {
            for (i, inst) in data.insts.iter().enumerate() {
                if let InstKind::Call {
                    callee: Callee::Func(g),
                    ..
                } = inst.kind
                {
                    if g.index() < n {
                        callees[fid.index()].push(g);
                        sites[g.index()].push((fid, b, i));
                    }
                }
            }
        }
    }
    (callees, sites)
}

/// Whether `from` reaches `to` by one or more direct calls (`callees`
/// from `call_graph`); false once `budget` is spent.
pub(crate) fn reaches(
    callees: &[Vec<FuncId>],
    from: FuncId,
    to: FuncId,
    budget: &mut crate::Budget,
) -> bool {
    let mut seen = vec![false; callees.len()];
    let mut work = callees[from.index()].clone();
    while let Some(x) = work.pop() {
        if x == to {
            return true;
        }
        if std::mem::replace(&mut seen[x.index()], true) {
            continue;
        }
        if !budget.spend(callees[x.index()].len() as u64 + 1) {
            return false;
        }
        work.extend(callees[x.index()].iter().copied());
    }
    false
}

/// The largest function with loops inlined at its only call site
/// (`inline_loop_leaves`), in instructions that do work.
pub const MAX_LOOP_INLINE_INSTS: usize = 400;

/// Inlines each leaf function that loops and is called from one place
/// only, where the caller is not recursive and the innermost loop around
/// the call (if any) makes no other call (but of such leaves, and of
/// math builtins that are one instruction, `sqrt`, `fabs`...): a
/// population count called in a loop (`while (x) { x &= x - 1; c++; }`),
/// a block transform called per block, a matrix-vector product called
/// once; gcc -O2 inlines a static function called once. The loop around
/// the call then runs without a call, with its values and the callee's in
/// registers. Where that loop also makes other calls, or the caller
/// recurses, the callee's loop keeps a function of its own: inlined, its
/// values would share the registers the call-crossing values of the caller
/// need, and a recursive caller's every level would carry its locals
/// (measured: nqueens' `ok` into the recursive `solve` 1.23x the
/// instructions, dijkstra's heap `pop` into the loop that calls `push`
/// 1.10x, wordfreq's string hash into the loop that calls `strcmp`,
/// `malloc` and `strdup` 1.06x the time). A callee with nested loops
/// does enough work per call to make the call's cost small, and inlined
/// into its caller's loop measured slower (nbody's `advance`: a loop
/// counter spilled). A snapshot taken in the inlined loop shows the caller's
/// frame, which holds the callee's locals, as for `inline_cycles`. Each
/// inlining costs the caller's size from `budget`; whether any was done.
pub fn inline_loop_leaves(m: &mut Module, budget: &mut crate::Budget) -> bool {
    let plain = plain_builtins(m);
    let layouts = TypeLayouts::new(&m.types);
    let (callees, sites) = call_graph(m);
    // The callees, whatever their callers: a call of one of them does not
    // count against another in the same loop (both are inlined).
    let leaf: Vec<bool> = m
        .funcs
        .iter()
        .map(|(g, gf)| {
            sites[g.index()].len() == 1
                && cost(gf) <= MAX_LOOP_INLINE_INSTS
                && !is_inlinable(gf, &plain, &layouts)
                && is_inlinable_with(gf, &plain, &layouts, true, false)
                && !has_nested_loops(gf)
        })
        .collect();
    inline_single_sites(m, &sites, budget, |m, g, f, (b, i), budget| {
        leaf[g.index()]
            && !loop_calls_others(m, &m.funcs[f], b, i, &leaf)
            && !reaches(&callees, f, f, budget)
    })
}

/// The loops of `f`: per header (the target of retreating edges), the
/// last block of its loop in layout order, the latest source of a
/// retreating edge to it (a `continue` jumps back from the middle).
pub(crate) fn loops(f: &Function) -> std::collections::BTreeMap<usize, usize> {
    let mut end = std::collections::BTreeMap::new();
    for (t, data) in f.blocks.iter() {
        let Some(last) = data.insts.last() else {
            continue;
        };
        for h in last.kind.successors() {
            if h.index() <= t.index() {
                let e = end.entry(h.index()).or_insert(t.index());
                *e = (*e).max(t.index());
            }
        }
    }
    end
}

/// Whether a loop of `f` lies inside another.
fn has_nested_loops(f: &Function) -> bool {
    let end = loops(f);
    end.iter()
        .any(|(&h, &t)| h < t && end.range(h + 1..=t).next().is_some())
}

/// Whether the innermost loop of `f` (of `m`) around the call at
/// instruction `at` of `site` makes another call: of a module function
/// `leaf` does not mark, or of a builtin that is not one instruction. A loop is the
/// blocks from a header (the target of retreating edges) to the latest
/// source of one in layout order (the frontend lays loops out
/// contiguously, and inlining keeps them so); a call outside every loop
/// has none around it.
fn loop_calls_others(m: &Module, f: &Function, site: Block, at: usize, leaf: &[bool]) -> bool {
    let s = site.index();
    let end = loops(f);
    // The innermost loop around the site: the latest header before it
    // whose loop reaches past it.
    let inner = end
        .range(..=s)
        .rev()
        .find(|&(_, &t)| t >= s)
        .map(|(&h, &t)| (h, t));
    let Some((h, t)) = inner else {
        return false;
    };
    f.blocks.iter().any(|(b, data)| {
        (h..=t).contains(&b.index())
            && data.insts.iter().enumerate().any(|(i, inst)| {
                let InstKind::Call { callee, .. } = &inst.kind else {
                    return false;
                };
                (b, i) != (site, at)
                    && match callee {
                        Callee::Func(g) => !leaf.get(g.index()).copied().unwrap_or(false),
                        // One instruction in the JIT, not a call.
                        Callee::Builtin(id) => !m.builtin(*id).is_some_and(|b| {
                            matches!(
                                b,
                                Builtin::Sqrt
                                    | Builtin::Fabs
                                    | Builtin::Floor
                                    | Builtin::Ceil
                                    | Builtin::Trunc
                            )
                        }),
                        _ => true,
                    }
            })
    })
}

/// The calls `f` (function `me`) makes of itself, in layout order, if it
/// is one `inline_recursive` inlines into itself.
fn self_sites(
    f: &Function,
    me: FuncId,
    plain: &[bool],
    layouts: &TypeLayouts,
) -> Option<Vec<(Block, usize)>> {
    if f.blocks.is_empty() || cost(f) > MAX_SELF_INLINE_INSTS {
        return None;
    }
    let mut slot_bytes = 0u64;
    for s in f.slots.values() {
        slot_bytes = slot_bytes.saturating_add(layouts.of(&s.ty)?.size);
    }
    if slot_bytes > MAX_INLINE_SLOT_BYTES {
        return None;
    }
    let mut sites = Vec::new();
    for (b, data) in f.blocks.iter() {
        for (i, inst) in data.insts.iter().enumerate() {
            match &inst.kind {
                InstKind::Call {
                    callee: Callee::Builtin(id),
                    ..
                } if plain.get(id.index()).copied().unwrap_or(false) => {}
                InstKind::Call {
                    callee: Callee::Func(g),
                    ..
                } if *g == me => sites.push((b, i)),
                InstKind::Call { .. } | InstKind::Safepoint => return None,
                _ => {}
            }
        }
    }
    // With slots, one call of itself only: an activation then holds two
    // levels' slots, as the two frames it replaces; with two calls it
    // would hold three levels' for two, and a recursion that fit the
    // shadow stack would no longer.
    let most = if slot_bytes > 0 { 1 } else { MAX_SELF_SITES };
    (!sites.is_empty() && sites.len() <= most).then_some(sites)
}

/// Per builtin declaration of `m`: whether it is a plain builtin
/// (`Builtin::is_plain`).
pub(crate) fn plain_builtins(m: &Module) -> Vec<bool> {
    m.builtins
        .keys()
        .map(|b| m.builtin(b).is_some_and(|b| b.is_plain()))
        .collect()
}

/// What rebuilding `f` costs: its instructions, locals and blocks.
pub(crate) fn function_size(f: &Function) -> u64 {
    let insts: usize = f.blocks.values().map(|b| b.insts.len()).sum();
    (insts + f.locals.len() + f.blocks.len() + f.slots.len()) as u64
}

/// The instructions of `f` that do work: not copies, addresses or jumps,
/// which inlining mostly turns into nothing (a copy of an argument into a
/// parameter, a struct's address, the jump between two blocks).
fn cost(f: &Function) -> usize {
    f.blocks
        .values()
        .flat_map(|b| &b.insts)
        .filter(|i| {
            !matches!(
                i.kind,
                InstKind::Unary {
                    op: Opcode::Copy,
                    ..
                } | InstKind::Addr { .. }
                    | InstKind::Jump { .. }
            )
        })
        .count()
}

/// Whether calls to `f` can be inlined, whatever its size (`plain`: per
/// builtin declaration, whether it is plain).
fn is_inlinable(f: &Function, plain: &[bool], layouts: &TypeLayouts) -> bool {
    is_inlinable_with(f, plain, layouts, false, false)
}

/// `is_inlinable`, or whether `f` could be inlined if it may also loop
/// (`loops`), or loop and call functions of the module directly (`calls`).
fn is_inlinable_with(
    f: &Function,
    plain: &[bool],
    layouts: &TypeLayouts,
    loops: bool,
    calls: bool,
) -> bool {
    if f.blocks.is_empty() {
        return false;
    }
    let mut slot_bytes = 0u64;
    for s in f.slots.values() {
        match layouts.of(&s.ty) {
            Some(l) => slot_bytes = slot_bytes.saturating_add(l.size),
            None => return false,
        }
    }
    if slot_bytes > MAX_INLINE_SLOT_BYTES {
        return false;
    }
    f.blocks.iter().all(|(b, data)| {
        data.insts.iter().all(|inst| match &inst.kind {
            InstKind::Call {
                callee: Callee::Builtin(id),
                ..
            } => plain.get(id.index()).copied().unwrap_or(false),
            InstKind::Call {
                callee: Callee::Func(_),
                ..
            } => calls,
            InstKind::Call { .. } | InstKind::Safepoint => false,
            // A retreating edge is a loop.
            k if k.is_terminator() => {
                loops || calls || k.successors().iter().all(|s| s.index() > b.index())
            }
            _ => true,
        })
    })
}

/// The first call in `f` to an inlinable function other than `f` that
/// `fits`: block, instruction index, callee.
fn find_site(
    f: &Function,
    inlinable: &[bool],
    me: FuncId,
    fits: impl Fn(FuncId) -> bool,
) -> Option<(Block, usize, FuncId)> {
    for (b, data) in f.blocks.iter() {
        for (i, inst) in data.insts.iter().enumerate() {
            if let InstKind::Call {
                callee: Callee::Func(g),
                ..
            } = &inst.kind
            {
                if *g != me && inlinable[g.index()] && fits(*g) {
                    return Some((b, i, *g));
                }
            }
        }
    }
    None
}

/// A name not in `taken`, from `base`: `base`, else `base.N` for the
/// first `N` from `hint` on that is free; added to `taken`. Callers give
/// as `hint` a number that grows with every name they make (the count of
/// the function's locals or blocks), so one or two tries find a free name
/// even when thousands were made from the same base.
pub(crate) fn fresh(taken: &mut HashSet<String>, base: String, hint: usize) -> String {
    let mut name = base.clone();
    let mut k = hint.max(1);
    while taken.contains(&name) {
        name = format!("{base}.{k}");
        k += 1;
    }
    taken.insert(name.clone());
    name
}

/// Replaces the call at instruction `at` of block `site` of `f` by the
/// body of `g` (function `gid`): the block is split after the call, `g`'s
/// blocks go between the two halves (so its forward edges stay forward),
/// its parameters and other locals become new locals of `f` (the others
/// zeroed first, as at a function's entry, where they may be read before
/// they are set), its slots new slots of `f`,
/// and each `ret` becomes a copy into the call's destination and a jump to
/// the second half. The instructions made at the call site have the call's
/// line and origin; `g`'s keep theirs, with `gid` as their origin unless
/// they were inlined into `g` from another function already.
pub(crate) fn inline_at(f: &mut Function, site: Block, at: usize, g: &Function, gid: FuncId) {
    let call = f.blocks[site].insts[at].clone();
    let InstKind::Call { dst, args, .. } = call.kind else {
        unreachable!("inline_at is given a call");
    };
    let at_call = |kind| Inst {
        kind,
        line: call.line,
        origin: call.origin,
    };
    let mut names: HashSet<String> = f.locals.values().map(|l| l.name.clone()).collect();
    let locals: Vec<Local> = g
        .locals
        .values()
        .map(|l| {
            let name = fresh(&mut names, format!("{}.{}", l.name, g.name), f.locals.len());
            f.locals.push(LocalDecl { name, ty: l.ty })
        })
        .collect();
    let mut slot_names: HashSet<String> = f.slots.values().map(|s| s.name.clone()).collect();
    let slots: Vec<SlotId> = g
        .slots
        .values()
        .map(|s| {
            let name = fresh(
                &mut slot_names,
                format!("{}.{}", s.name, g.name),
                f.slots.len(),
            );
            f.slots.push(SlotDecl {
                name,
                ty: s.ty.clone(),
                align: s.align,
            })
        })
        .collect();
    let mut labels: HashSet<String> = f.blocks.values().map(|b| b.name.clone()).collect();
    let n_old = f.blocks.len();
    let n_g = g.blocks.len();
    // New layout: blocks 0..=site, g's blocks, the rest of `site`, the
    // blocks after `site`.
    let remap_old = |b: Block| -> Block {
        if b.index() <= site.index() {
            b
        } else {
            Block::new(b.index() + n_g + 1)
        }
    };
    let g_block = |b: Block| Block::new(site.index() + 1 + b.index());
    let cont = Block::new(site.index() + 1 + n_g);
    let map_local = |o: Operand| match o {
        Operand::Local(l) => Operand::Local(locals[l.index()]),
        c => c,
    };

    let mut old: Vec<BlockData> = std::mem::take(&mut f.blocks).as_slice().to_vec();
    for d in old.iter_mut() {
        for inst in d.insts.iter_mut() {
            remap_blocks(&mut inst.kind, &remap_old);
        }
    }
    let mut tail = old[site.index()].insts.split_off(at);
    tail.remove(0);
    let head = &mut old[site.index()].insts;
    for (p, (ty, a)) in args.iter().enumerate().take(g.num_params) {
        head.push(at_call(InstKind::Unary {
            op: Opcode::Copy,
            ty: *ty,
            dst: locals[p],
            a: *a,
        }));
    }
    // Only the locals some path reads before any instruction sets them
    // (reading the 0 every local starts with) are zeroed: the others
    // would get a second definition for nothing (`promote` wants one).
    let read_unset = crate::liveness::live_at_entry(g);
    for (l, decl) in g.locals.iter().skip(g.num_params) {
        if !read_unset.contains(l.index()) {
            continue;
        }
        head.push(at_call(InstKind::Unary {
            op: Opcode::Copy,
            ty: decl.ty,
            dst: locals[l.index()],
            a: Operand::Const(0),
        }));
    }
    head.push(at_call(InstKind::Jump {
        target: g_block(Block::new(0)),
    }));
    let site_name = old[site.index()].name.clone();
    let cont_data = BlockData {
        name: fresh(&mut labels, format!("{site_name}.ret.{}", g.name), n_old),
        insts: tail,
    };
    let same = g.name == f.name;
    let mut body: Vec<BlockData> = Vec::with_capacity(n_g);
    for data in g.blocks.values() {
        let mut insts = Vec::with_capacity(data.insts.len() + 1);
        for inst in &data.insts {
            // (A function inlined into itself keeps its own origin.)
            let in_g = |kind| Inst {
                kind,
                line: inst.line,
                origin: if same {
                    inst.origin
                } else {
                    Some(inst.func(gid))
                },
            };
            let mut kind = inst.kind.clone();
            if let InstKind::Return { val } = kind {
                if let (Some(d), Some((ty, v))) = (dst, val) {
                    insts.push(in_g(InstKind::Unary {
                        op: Opcode::Copy,
                        ty,
                        dst: d,
                        a: map_local(v),
                    }));
                }
                insts.push(in_g(InstKind::Jump { target: cont }));
                continue;
            }
            remap_blocks(&mut kind, &g_block);
            remap_locals(&mut kind, &map_local, &locals);
            if let InstKind::Addr {
                of: AddrOf::Slot(s),
                ..
            } = &mut kind
            {
                *s = slots[s.index()];
            }
            insts.push(in_g(kind));
        }
        body.push(BlockData {
            name: fresh(&mut labels, format!("{}.{}", data.name, g.name), n_old),
            insts,
        });
    }
    let rest = old.split_off(site.index() + 1);
    old.extend(body);
    old.push(cont_data);
    old.extend(rest);
    debug_assert_eq!(old.len(), n_old + n_g + 1);
    f.blocks = EntityVec::from(old);
}

pub(crate) fn remap_blocks(k: &mut InstKind, map: &impl Fn(Block) -> Block) {
    match k {
        InstKind::Jump { target } => *target = map(*target),
        InstKind::Branch {
            then_dest,
            else_dest,
            ..
        } => {
            *then_dest = map(*then_dest);
            *else_dest = map(*else_dest);
        }
        InstKind::Switch { default, cases, .. } => {
            *default = map(*default);
            for c in cases.iter_mut() {
                c.1 = map(c.1);
            }
        }
        _ => {}
    }
}

/// Renames the locals of an instruction of an inlinable function (whose
/// calls are to builtins).
fn remap_locals(k: &mut InstKind, map: &impl Fn(Operand) -> Operand, locals: &[Local]) {
    if let Some(d) = k.dst_mut() {
        *d = locals[d.index()];
    }
    remap_operands(k, map);
}

/// Maps every operand an instruction reads (`InstKind::operands`).
pub(crate) fn remap_operands(k: &mut InstKind, map: &impl Fn(Operand) -> Operand) {
    match k {
        InstKind::Call { callee, args, .. } => {
            if let Callee::Indirect(fp) = callee {
                *fp = map(*fp);
            }
            for (_, a) in args.iter_mut() {
                *a = map(*a);
            }
        }
        InstKind::Load { addr, .. } => *addr = map(*addr),
        InstKind::Store { addr, val, .. } => {
            *addr = map(*addr);
            *val = map(*val);
        }
        InstKind::Unary { a, .. } | InstKind::Convert { a, .. } => *a = map(*a),
        InstKind::Binary { a, b, .. } => {
            *a = map(*a);
            *b = map(*b);
        }
        InstKind::Select { cond, a, b, .. } => {
            *cond = map(*cond);
            *a = map(*a);
            *b = map(*b);
        }
        InstKind::Branch { cond, .. } => *cond = map(*cond),
        InstKind::Switch { val, .. } => *val = map(*val),
        InstKind::Return { val } => {
            if let Some((_, v)) = val {
                *v = map(*v);
            }
        }
        InstKind::Addr { .. }
        | InstKind::Safepoint
        | InstKind::Jump { .. }
        | InstKind::Unreachable => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;

    const SRC: &str = "func @a(%i: i32, %j: i32) -> f64 {
    local %s: i32
    local %r: f64
    local %c: i32
entry:
    %s = add.i32 %i, %j
    %s = sdiv.i32 %s, 2
    %c = slt.i32 %s, 0
    br.i32 %c, neg, pos
neg:
    ret.f64 -1.0
pos:
    %r = sitof.i32.f64 %s
    ret.f64 %r
}

func @traps(%i: i32) -> i32 {
    local %r: i32
entry:
    line 17
    %r = sdiv.i32 100, %i
    ret.i32 %r
}

func @main() -> i32 {
    local %x: f64
    local %i: i32
    local %c: i32
entry:
    %i = copy.i32 0
    jump head
head:
    %c = slt.i32 %i, 10
    br.i32 %c, body, done
body:
    line 30
    %x = call @a(i32 %i, i32 3)
    %i = call @traps(i32 %i)
    %i = add.i32 %i, 1
    jump head
done:
    ret.i32 0
}
";

    #[test]
    fn inlines_leaves_that_may_trap_and_is_a_fixpoint() {
        let mut m = parse(SRC, "t").unwrap();
        inline(&mut m);
        crate::verify(&m).unwrap_or_else(|e| panic!("{e}\n{m}"));
        let text = m.to_string();
        assert!(!text.contains("call @a("), "{text}");
        assert!(!text.contains("call @traps("), "{text}");
        // The division keeps the function and the line it was written at;
        // the copies made at the call site keep the call's.
        assert!(
            text.contains("line 17 in @traps\n    %r.traps = sdiv.i32 100, %i.traps"),
            "{text}"
        );
        assert!(
            text.contains("line 30\n    %i.traps = copy.i32 %i"),
            "{text}"
        );
        let main = m.func_by_name("main").unwrap();
        let traps = m.func_by_name("traps").unwrap();
        let div = m.funcs[main]
            .blocks
            .values()
            .flat_map(|b| &b.insts)
            .find(|i| {
                matches!(
                    i.kind,
                    InstKind::Binary {
                        op: Opcode::SDiv,
                        a: Operand::Const(100),
                        ..
                    }
                )
            })
            .unwrap();
        assert_eq!((div.func(main), div.line), (traps, 17));
        // The text names the origin: it reads back as the same module.
        let back = parse(&text, "t").unwrap();
        assert_eq!(back.to_string(), text);
        assert_eq!(back, m);
        let mut again = m.clone();
        inline(&mut again);
        assert_eq!(again.to_string(), text);
        // The inlined body sits between the call's block and its
        // continuation: no new retreating edge, so no new safepoint.
        let mut placed = m.clone();
        crate::safepoints::place(&mut placed);
        let sps = placed.funcs[main]
            .blocks
            .values()
            .flat_map(|b| &b.insts)
            .filter(|i| i.kind == InstKind::Safepoint)
            .count();
        assert_eq!(sps, 2, "{placed}");
    }

    const LEAVES: &str = "type :pair = { f64, f64 }

declare @memmove(ptr, ptr, i64) -> ptr
declare @setjmp(ptr) -> i32

func @swap(%out: ptr, %in: ptr) {
    local %t: ptr
    local %x: f64
    local %u: ptr
    slot $p: :pair
entry:
    %t = addr $p
    call @memmove(ptr %t, ptr %in, i64 16)
    %x = load.f64 %t
    %u = add.ptr %out, 8
    store.f64 %u, %x
    ret
}

func @big(%in: ptr) -> i32 {
    local %t: ptr
    local %x: i32
    slot $b: [300 x i8]
entry:
    %t = addr $b
    call @memmove(ptr %t, ptr %in, i64 4)
    %x = load.i32 %t
    ret.i32 %x
}

func @jumps(%b: ptr) -> i32 {
    local %x: i32
entry:
    %x = call @setjmp(ptr %b)
    ret.i32 %x
}

func @loops(%n: i32) -> i32 {
    local %c: i32
entry:
    jump head
head:
    %n = sub.i32 %n, 1
    %c = sgt.i32 %n, 0
    br.i32 %c, head, done
done:
    ret.i32 %n
}

func @calls(%n: i32) -> i32 {
    local %x: i32
entry:
    %x = call @loops(i32 %n)
    ret.i32 %x
}

func @main() -> i32 {
    local %x: i32
    local %a: ptr
    local %b: ptr
    slot $v: :pair
    slot $w: :pair
entry:
    %a = addr $v
    %b = addr $w
    call @swap(ptr %a, ptr %b)
    %x = call @big(ptr %a)
    %x = call @jumps(ptr %a)
    %x = call @calls(i32 %x)
    ret.i32 %x
}
";

    /// Slots of at most `MAX_INLINE_SLOT_BYTES` and plain builtins are
    /// inlined; loops, calls of module functions, builtins that depend on
    /// the caller's frame (setjmp) and big slots are not.
    #[test]
    fn inlines_slots_and_plain_builtins_only() {
        let mut m = parse(LEAVES, "t").unwrap();
        inline(&mut m);
        crate::verify(&m).unwrap_or_else(|e| panic!("{e}\n{m}"));
        let text = m.to_string();
        assert!(!text.contains("call @swap("), "{text}");
        for kept in ["call @big(", "call @jumps(", "call @loops(", "call @calls("] {
            assert!(text.contains(kept), "{kept}: {text}");
        }
        let main = m.func_by_name("main").unwrap();
        let slots: Vec<&str> = m.funcs[main]
            .slots
            .values()
            .map(|s| s.name.as_str())
            .collect();
        assert_eq!(slots, ["v", "w", "p.swap"]);
        assert!(text.contains("%t.swap = addr $p.swap"), "{text}");
    }

    /// A function that calls a leaf becomes a leaf once that is inlined,
    /// and is inlined in turn, even where its safepoints were placed
    /// (`optimize` places them again after); a big leaf is inlined where
    /// it has one caller, not where it has two.
    #[test]
    fn inlines_new_leaves_and_big_ones_called_once() {
        let mut body = String::new();
        for k in 0..50 {
            body.push_str(&format!("    %x = add.i32 %x, {k}\n"));
        }
        let src = format!(
            "func @inner(%x: i32) -> i32 {{
entry:
    %x = mul.i32 %x, 3
    ret.i32 %x
}}

func @outer(%x: i32) -> i32 {{
    local %y: i32
entry:
    %y = call @inner(i32 %x)
    ret.i32 %y
}}

func @big_once(%x: i32) -> i32 {{
entry:
{body}    ret.i32 %x
}}

func @big_twice(%x: i32) -> i32 {{
entry:
{body}    ret.i32 %x
}}

func @main() -> i32 {{
    local %x: i32
entry:
    %x = call @outer(i32 1)
    %x = call @big_once(i32 %x)
    %x = call @big_twice(i32 %x)
    %x = call @big_twice(i32 %x)
    ret.i32 %x
}}
"
        );
        let mut m = parse(&src, "t").unwrap();
        crate::safepoints::place(&mut m);
        crate::optimize(&mut m);
        crate::verify(&m).unwrap_or_else(|e| panic!("{e}\n{m}"));
        let all = m.to_string();
        let func = |name: &str| {
            let start = all.find(&format!("func @{name}(")).unwrap();
            all[start..].split("\n}\n").next().unwrap().to_string()
        };
        let text = func("main");
        for gone in ["call @outer(", "call @inner(", "call @big_once("] {
            assert!(!text.contains(gone), "{gone}: {text}");
        }
        assert_eq!(text.matches("call @big_twice(").count(), 2, "{text}");
        // main still polls at its entry; outer, a leaf now, does not.
        assert!(text.contains("safepoint"), "{text}");
        assert!(!func("outer").contains("safepoint"), "{all}");
    }

    /// A caller of thousands of leaves stops being inlined into when the
    /// budget is spent (each inlining rebuilds the caller), and stays a
    /// valid module.
    #[test]
    fn a_huge_caller_is_inlined_into_within_the_budget() {
        let mut src = String::from(
            "func @leaf(%x: i32) -> i32 {
entry:
    %x = mul.i32 %x, 3
    ret.i32 %x
}

func @main() -> i32 {
    local %x: i32
entry:
",
        );
        for _ in 0..20_000 {
            src.push_str("    %x = call @leaf(i32 %x)\n");
        }
        src.push_str("    ret.i32 %x\n}\n");
        let mut m = parse(&src, "t").unwrap();
        crate::optimize(&mut m);
        crate::verify(&m).unwrap_or_else(|e| panic!("{e}"));
        let left = m.to_string().matches("call @leaf(").count();
        assert!(left > 0 && left < 20_000, "{left} calls left");
    }

    /// The text of function `f` in `text` (a module's).
    use crate::func_text as body;

    /// Calls of `@name` in the body of function `f` of `m`.
    fn calls_in(m: &Module, f: &str, name: &str) -> usize {
        body(&m.to_string(), f)
            .matches(&format!("call @{name}("))
            .count()
    }

    /// `@name(%n)`: 0 below 1, else `calls` chained calls of itself (or
    /// of `@other` for the last when given), with a 16-byte slot written
    /// and read around them if `slot`.
    fn recursion(name: &str, calls: usize, other: Option<&str>, slot: bool) -> String {
        let mut f = format!("func @{name}(%n: i32) -> i32 {{\n    local %c: i32\n");
        if slot {
            f.push_str("    local %t: ptr\n    slot $b: [16 x i8]\n");
        }
        f.push_str("entry:\n");
        if slot {
            f.push_str("    %t = addr $b\n    store.i32 %t, %n\n");
        }
        f.push_str("    %c = slt.i32 %n, 1\n    br.i32 %c, done, more\ndone:\n    ret.i32 0\n");
        f.push_str("more:\n    %n = sub.i32 %n, 1\n    %c = copy.i32 %n\n");
        for k in 0..calls {
            let callee = match other {
                Some(g) if k + 1 == calls => g,
                _ => name,
            };
            f.push_str(&format!("    %c = call @{callee}(i32 %c)\n"));
        }
        if slot {
            f.push_str("    %c = load.i32 %t\n");
        }
        f.push_str("    ret.i32 %c\n}\n\n");
        f
    }

    #[test]
    fn small_recursions_are_inlined_into_themselves_once() {
        let mut src = String::from(
            "declare @free(ptr)

func @walk(%t: ptr) -> i64 {
    local %l: ptr
    local %a: i64
    local %b: i64
    local %c: i32
entry:
    %c = eq.i64 %t, 0
    br.i32 %c, none, some
none:
    ret.i64 0
some:
    line 7
    %l = load.ptr %t
    %a = call @walk(ptr %l)
    %l = load.ptr %l
    %b = call @walk(ptr %l)
    call @free(ptr %t)
    %a = add.i64 %a, %b
    ret.i64 %a
}

",
        );
        src.push_str(&recursion("three", 3, None, false));
        src.push_str(&recursion("other", 2, Some("three"), false));
        src.push_str(&recursion("framed", 2, None, true));
        src.push_str(&recursion("framed1", 1, None, true));
        src.push_str("func @main() -> i32 {\n    local %x: i64\nentry:\n");
        src.push_str("    %x = call @walk(ptr 0)\n    ret.i32 0\n}\n");
        let mut m = parse(&src, "t").unwrap();
        let before = m.to_string();
        assert!(inline_recursive(&mut m, &mut crate::Budget::default()));
        crate::verify(&m).unwrap_or_else(|e| panic!("{e}"));
        let after = m.to_string();
        // Each of walk's two calls of itself became a copy making two.
        assert_eq!(calls_in(&m, "walk", "walk"), 4);
        assert_eq!(calls_in(&m, "walk", "free"), 3);
        // The copies' instructions are walk's own: no origin.
        assert!(!after.contains(" in @walk"));
        // Three calls of itself, a call of another function, or a slot and
        // two calls of itself (the shadow stack a recursion needs must not
        // grow): left as they were.
        for f in ["three", "other", "framed"] {
            assert_eq!(body(&after, f), body(&before, f), "@{f} changed");
        }
        // A slot and one call of itself: inlined, the slot copied.
        assert_eq!(calls_in(&m, "framed1", "framed1"), 1);
        assert!(after.contains("slot $b.framed1"));
        // Too big: left.
        let mut big = String::from("func @big(%n: i32) -> i32 {\nentry:\n");
        for _ in 0..MAX_SELF_INLINE_INSTS {
            big.push_str("    %n = add.i32 %n, 1\n");
        }
        big.push_str("    %n = call @big(i32 %n)\n    ret.i32 %n\n}\n");
        let mut m = parse(&big, "t").unwrap();
        assert!(!inline_recursive(&mut m, &mut crate::Budget::default()));
    }

    #[test]
    fn a_function_called_once_by_one_it_calls_is_inlined_there() {
        // @star is called once, by @here, and calls @here back (with a
        // loop); @leaf is called once but calls nothing back; @twice is
        // called from two places; @main is never inlined.
        let src = "func @here(%n: i32) -> i32 {
    local %c: i32
entry:
    %c = slt.i32 %n, 1
    br.i32 %c, done, more
done:
    ret.i32 0
more:
    %n = sub.i32 %n, 1
    %c = call @star(i32 %n)
    %n = call @twice(i32 %c)
    %n = call @leaf(i32 %n)
    ret.i32 %n
}

func @star(%k: i32) -> i32 {
    local %s: i32
    local %r: i32
entry:
    jump head
head:
    %r = call @here(i32 %k)
    %s = add.i32 %s, %r
    %k = sub.i32 %k, 2
    %r = sgt.i32 %k, 0
    br.i32 %r, head, out
out:
    ret.i32 %s
}

func @twice(%k: i32) -> i32 {
    local %r: i32
entry:
    %r = call @here(i32 %k)
    ret.i32 %r
}

func @leaf(%k: i32) -> i32 {
    local %r: i32
entry:
    %r = call @other(i32 %k)
    ret.i32 %r
}

func @other(%k: i32) -> i32 {
entry:
    ret.i32 %k
}

func @main() -> i32 {
    local %x: i32
entry:
    %x = call @here(i32 5)
    %x = call @twice(i32 %x)
    ret.i32 %x
}
";
        let mut m = parse(src, "t").unwrap();
        let before = m.to_string();
        assert!(inline_cycles(&mut m, &mut crate::Budget::default()));
        crate::verify(&m).unwrap_or_else(|e| panic!("{e}"));
        let after = m.to_string();
        assert_eq!(calls_in(&m, "here", "star"), 0, "{after}");
        assert_eq!(calls_in(&m, "here", "here"), 1, "{after}");
        // Its instructions name the function they come from.
        assert!(body(&after, "here").contains(" in @star"), "{after}");
        assert_eq!(calls_in(&m, "here", "twice"), 1);
        assert_eq!(calls_in(&m, "here", "leaf"), 1);
        for f in ["star", "twice", "leaf", "other", "main"] {
            assert_eq!(body(&after, f), body(&before, f), "@{f} changed");
        }
        // Done once, nothing is left to do.
        assert!(!inline_cycles(&mut m, &mut crate::Budget::default()));
        // Too big: left.
        let big = src.replace(
            "    %s = add.i32 %s, %r\n",
            &"    %s = add.i32 %s, %r\n".repeat(MAX_CYCLE_INLINE_INSTS),
        );
        let mut m = parse(&big, "t").unwrap();
        assert!(!inline_cycles(&mut m, &mut crate::Budget::default()));
    }

    /// `@name(%x)`: a leaf counting the set bits of `%x` in a loop.
    fn loop_leaf(name: &str) -> String {
        format!(
            "func @{name}(%x: i32) -> i32 {{
    local %c: i32
    local %t: i32
entry:
    jump head
head:
    br.i32 %x, body, out
body:
    %t = sub.i32 %x, 1
    %x = and.i32 %x, %t
    %c = add.i32 %c, 1
    jump head
out:
    ret.i32 %c
}}
"
        )
    }

    #[test]
    fn leaves_with_loops_called_once_are_inlined_where_the_loop_calls_nothing_else() {
        // @popc and @pair sit in a loop calling only them and `sqrt` (an
        // instruction; both inlined); @pop in a loop whose `continue`
        // jumps back before its other call, of @other; @side in a loop
        // calling `putchar`; @ok in the recursive @solve; @nest has
        // nested loops; @two is called twice; @lone is called outside
        // any loop.
        let mut src = String::from("declare @putchar(i32) -> i32\ndeclare @sqrt(f64) -> f64\n\n");
        for f in ["popc", "pair", "pop", "ok", "two", "lone", "side"] {
            src.push_str(&loop_leaf(f));
        }
        src.push_str(
            "func @nest(%n: i32) -> i32 {
    local %i: i32
    local %j: i32
    local %s: i32
    local %c: i32
entry:
    jump outer
outer:
    %j = copy.i32 %n
    jump inner
inner:
    %s = add.i32 %s, %j
    %j = sub.i32 %j, 1
    %c = sgt.i32 %j, 0
    br.i32 %c, inner, next
next:
    %i = add.i32 %i, 1
    %c = slt.i32 %i, %n
    br.i32 %c, outer, out
out:
    ret.i32 %s
}

func @other(%k: i32) -> i32 {
entry:
    ret.i32 %k
}

func @solve(%n: i32) -> i32 {
    local %c: i32
    local %r: i32
entry:
    %c = slt.i32 %n, 1
    br.i32 %c, done, more
done:
    ret.i32 0
more:
    %r = call @ok(i32 %n)
    %n = sub.i32 %n, 1
    %c = call @solve(i32 %n)
    %r = add.i32 %r, %c
    ret.i32 %r
}

func @main(%n: i32) -> i32 {
    local %i: i32
    local %s: i32
    local %c: i32
    local %r: i32
    local %f: f64
entry:
    jump a
a:
    %r = call @popc(i32 %i)
    %s = add.i32 %s, %r
    %r = call @pair(i32 %s)
    %s = add.i32 %s, %r
    %f = sitof.i32.f64 %s
    %f = call @sqrt(f64 %f)
    %i = add.i32 %i, 1
    %c = slt.i32 %i, %n
    br.i32 %c, a, b0
b0:
    %i = copy.i32 0
    jump b
b:
    %r = call @pop(i32 %i)
    %i = add.i32 %i, 1
    %c = slt.i32 %r, 0
    br.i32 %c, b, b2
b2:
    %r = call @other(i32 %r)
    %s = add.i32 %s, %r
    %c = slt.i32 %i, %n
    br.i32 %c, b, c0
c0:
    %r = call @nest(i32 %n)
    %s = add.i32 %s, %r
    %r = call @solve(i32 %n)
    %s = add.i32 %s, %r
    %r = call @two(i32 %s)
    %s = add.i32 %s, %r
    %r = call @two(i32 %s)
    %s = add.i32 %s, %r
    %r = call @lone(i32 %s)
    %s = add.i32 %s, %r
    jump d
d:
    %r = call @side(i32 %i)
    %r = call @putchar(i32 %r)
    %i = sub.i32 %i, 1
    %c = sgt.i32 %i, 0
    br.i32 %c, d, e
e:
    ret.i32 %s
}
",
        );
        let inline_all = |src: &str| {
            let mut m = parse(src, "t").unwrap();
            let before = m.to_string();
            while inline_loop_leaves(&mut m, &mut crate::Budget::default()) {}
            crate::verify(&m).unwrap_or_else(|e| panic!("{e}"));
            (m, before)
        };
        let (m, before) = inline_all(&src);
        let after = m.to_string();
        for f in ["popc", "pair", "lone"] {
            assert_eq!(calls_in(&m, "main", f), 0, "@{f}:\n{after}");
            assert!(
                body(&after, "main").contains(&format!(" in @{f}")),
                "{after}"
            );
        }
        for (caller, f, n) in [
            ("main", "pop", 1),
            ("main", "side", 1),
            ("solve", "ok", 1),
            ("main", "nest", 1),
            ("main", "two", 2),
        ] {
            assert_eq!(calls_in(&m, caller, f), n, "@{f}:\n{after}");
        }
        // The callees themselves stay, for other callers and pointers.
        for f in [
            "popc", "pair", "pop", "side", "ok", "nest", "two", "lone", "solve",
        ] {
            assert_eq!(body(&after, f), body(&before, f), "@{f} changed");
        }
        // Without each obstacle, the same callee is inlined: a positive
        // control for each negative case.
        for (obstacle, without, caller, f) in [
            ("    %r = call @other(i32 %r)\n", "", "main", "pop"),
            ("    %r = call @putchar(i32 %r)\n", "", "main", "side"),
            ("    %c = call @solve(i32 %n)\n", "", "solve", "ok"),
            (
                "    br.i32 %c, inner, next\n",
                "    jump next\n",
                "main",
                "nest",
            ),
            ("    %r = call @two(i32 %s)\n", "", "main", "two"),
        ] {
            let changed = src.replacen(obstacle, without, 1);
            assert_ne!(changed, src, "{obstacle}");
            let (m, _) = inline_all(&changed);
            assert_eq!(calls_in(&m, caller, f), 0, "@{f} without {obstacle}");
        }
        // A callee bigger than the limit stays a call.
        let body_line = "    %c = add.i32 %c, 1\n";
        let big = src.replacen(body_line, &body_line.repeat(MAX_LOOP_INLINE_INSTS + 1), 1);
        let (m, _) = inline_all(&big);
        assert_eq!(calls_in(&m, "main", "popc"), 1);
    }

    #[test]
    fn loops_of_one_block_are_loops_and_may_nest() {
        // A block jumping back to itself (a fuzzer's find: the range of
        // blocks after its header is empty).
        let one = "func @f(%x: i32) -> i32 {
entry:
    jump head
head:
    %x = sub.i32 %x, 1
    br.i32 %x, head, out
out:
    ret.i32 %x
}
";
        let m = parse(one, "t").unwrap();
        let f = &m.funcs[m.func_by_name("f").unwrap()];
        assert_eq!(loops(f).into_iter().collect::<Vec<_>>(), vec![(1, 1)]);
        assert!(!has_nested_loops(f));
        // The same block inside a loop around it.
        let nested = one.replace(
            "    br.i32 %x, head, out\nout:\n",
            "    br.i32 %x, head, tail\ntail:\n    br.i32 %x, entry, out\nout:\n",
        );
        let m = parse(&nested, "t").unwrap();
        let f = &m.funcs[m.func_by_name("f").unwrap()];
        assert!(has_nested_loops(f), "{nested}");
    }
}
