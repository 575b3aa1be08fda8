//! Branches around a few instructions that cannot trap, made selects
//! (`if_convert`).
//!
//! `if (d < best) { best = d; k = j; }` branches on data: where the
//! direction is hard to predict, a mispredicted branch costs more than
//! computing both sides and choosing (gcc and LLVM convert such branches
//! to conditional moves, `minss` here). A block `B` ending in
//! `br.T %c, X, Y` is converted when
//! - (a triangle) `X` has no predecessor but `B`, holds only instructions
//!   that write a local and cannot trap (`InstKind::is_speculatable`: no load, store,
//!   call, division or safepoint) and ends in `jump Y`; or the same with
//!   `X` and `Y` exchanged;
//! - (a diamond) `X` and `Y` both are such blocks, ending in `jump J`;
//!
//! and the sides are small (`MAX_WORK` instructions that compute, and at
//! most `MAX_SELECTS` locals to choose: those a side writes that are live
//! at the join, every one in a function that calls `setjmp`). A float
//! local is chosen only between the two values its block's compare
//! compared (`flt`/`fgt`: a minimum or a maximum, one `minss`/`maxsd` on
//! x86, where Cranelift makes any other float select a branch again);
//! otherwise the branch stays. `B` then runs the sides' instructions,
//! each writing a new local instead of the one it wrote (a copy writes
//! nothing: its operand is used instead), then `%x = select.T %c, %then,
//! %else` for each local `x` to choose (the side that does not write it
//! gives `%x` itself), and jumps to the join; the sides, left without
//! predecessors, are removed (`optimize` then takes out what only dead
//! locals read, `dce`). Every local ends with the value the branch
//! would have given it, and nothing else is written: the sides' new
//! locals are never live at a resume point. Edges only ever go forward
//! (every side and join is after `B` in layout), so no loop loses its
//! poll. Blocks are visited last first, so an inner `if` is converted
//! before the one around it, which may then take it in turn.
//!
//! Run after inlining and before `unroll` and safepoint placement (a
//! loop whose body became one block is versioned or unrolled as any);
//! the result depends only on the module, like every pass of `optimize`.

use crate::entities::{Block, EntityRef, EntityVec, Local};
use crate::inline::{fresh, remap_blocks};
use crate::liveness::LocalSet;
use crate::module::{BlockData, Function, Inst, InstKind, LocalDecl, Module, Operand};
use crate::opcodes::Opcode;
use crate::types::Type;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// At most this many instructions that compute (not copies) run on
/// the path that did not need them.
const MAX_WORK: usize = 4;

/// At most this many locals chosen per converted branch.
const MAX_SELECTS: usize = 4;

/// Converts the branches of every function that qualify (see the module
/// docs); whether any was. Each function costs its size from `budget`.
pub fn if_convert(m: &mut Module, budget: &mut crate::Budget) -> bool {
    let mut any = false;
    let setjmp: Vec<bool> = m
        .funcs
        .values()
        .map(|f| !crate::jmp::setjmp_sites(m, f).is_empty())
        .collect();
    for (f, setjmp) in m.funcs.values_mut().zip(setjmp) {
        if !budget.spend(crate::inline::function_size(f)) {
            return any;
        }
        any |= convert_function(f, setjmp, budget);
    }
    any
}

/// A side of a branch: what it writes, each local's value at its end
/// (`cur`), and the instructions that compute them.
#[derive(Default)]
struct Side {
    cur: BTreeMap<Local, Operand>,
    insts: Vec<Inst>,
}

fn convert_function(f: &mut Function, setjmp: bool, budget: &mut crate::Budget) -> bool {
    let n = f.blocks.len();
    // Predecessor edges per block, with repeats.
    let mut preds = vec![0usize; n];
    for d in f.blocks.values() {
        if let Some(t) = d.insts.last() {
            for s in t.kind.successors() {
                if s.index() < n {
                    preds[s.index()] += 1;
                }
            }
        }
    }
    // The names of `f`'s locals, once a branch is converted.
    let mut names: HashSet<String> = HashSet::new();
    let mut loops: Option<Vec<Vec<bool>>> = None;
    let mut live: Option<Vec<LocalSet>> = None;
    let mut absorbed = vec![false; n];
    let mut any = false;
    for bi in (0..n).rev() {
        if absorbed[bi] {
            continue;
        }
        // A conversion adds locals (one per computed value, a few copies):
        // the function stays well inside what the verifier accepts.
        let grown = f.locals.len() as u64 + (2 * MAX_WORK + MAX_SELECTS + 2) as u64;
        if (n as u64).saturating_mul(grown) > crate::verify::MAX_FUNC_WEIGHT / 4 {
            break;
        }
        let b = Block::new(bi);
        let Some(Inst {
            kind:
                InstKind::Branch {
                    ty,
                    cond: Operand::Local(c),
                    then_dest,
                    else_dest,
                },
            line,
            origin,
        }) = f.blocks[b].insts.last().cloned()
        else {
            continue;
        };
        let (x, y) = (then_dest.index(), else_dest.index());
        if x == y {
            continue;
        }
        // A side's join, if it can be one.
        let join = |s: usize| -> Option<usize> {
            if s <= bi || absorbed[s] || preds[s] != 1 {
                return None;
            }
            let insts = &f.blocks[Block::new(s)].insts;
            let (last, body) = insts.split_last()?;
            let InstKind::Jump { target } = last.kind else {
                return None;
            };
            let ok = target.index() > s && body.iter().all(|i| i.kind.is_speculatable());
            ok.then_some(target.index())
        };
        let (then_side, else_side, to) = match (join(x), join(y)) {
            (Some(j), _) if j == y => (Some(x), None, y),
            (_, Some(j)) if j == x => (None, Some(y), x),
            (Some(j), Some(k)) if j == k => (Some(x), Some(y), j),
            _ => continue,
        };
        let sides = [then_side, else_side];
        let work: usize = sides
            .iter()
            .flatten()
            .flat_map(|&s| &f.blocks[Block::new(s)].insts)
            .filter(|i| {
                !matches!(
                    i.kind,
                    InstKind::Unary {
                        op: Opcode::Copy,
                        ..
                    } | InstKind::Jump { .. }
                )
            })
            .count();
        if work > MAX_WORK {
            continue;
        }
        // What each side leaves in the locals it writes, before anything
        // is made: a copied operand, or `None` for a computed value.
        let [dt, de] = sides.map(|s| s.map(|s| dry(f, s)).unwrap_or_default());
        let value = |x: Local, m: &BTreeMap<Local, Option<Operand>>| {
            m.get(&x).copied().unwrap_or(Some(Operand::Local(x)))
        };
        // The locals to choose: those live at the join whose value the
        // sides leave differently. Liveness is found once per function,
        // at its first branch that may be converted; a longjmp's landing
        // reads locals it does not see, so a function that calls `setjmp`
        // chooses every local written.
        if live.is_none() && !setjmp {
            let words = f.locals.len().div_ceil(64) as u64;
            if !budget.spend(crate::inline::function_size(f) * (1 + words)) {
                break;
            }
            live = Some(crate::liveness::live_in(f));
        }
        let written: Vec<Local> = dt
            .keys()
            .chain(de.keys())
            .copied()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .filter(|x| live.as_ref().is_none_or(|l| l[to].contains(x.index())))
            .filter(|&x| {
                // Both sides leaving `x` as it was is the only case with
                // nothing to choose; both copying the same other value
                // into it is a plain copy.
                let a = value(x, &dt);
                a.is_none() || a != value(x, &de) || a != Some(Operand::Local(x))
            })
            .collect();
        if written.len() > MAX_SELECTS {
            continue;
        }
        // A float select must be a minimum or a maximum of the compared
        // values (`minss`/`maxsd` on x86, where any other float select is
        // a branch again).
        let cmp = float_compare(&f.blocks[b].insts, c);
        let cheap = written.iter().all(|&x| {
            let ty = f.locals[x].ty;
            if !ty.is_float() {
                return true;
            }
            let (Some(a), Some(o)) = (value(x, &dt), value(x, &de)) else {
                return false;
            };
            a == o
                || cmp.is_some_and(|(p, q, t)| {
                    t == ty && p != q && ((a, o) == (p, q) || (a, o) == (q, p))
                })
        });
        if !cheap {
            continue;
        }
        // An integer chosen here that the innermost loop around `B` computes
        // addresses from (a heap's `c = child`) would make the next loads
        // wait for the compare: a predicted branch lets them start early.
        let loops = loops.get_or_insert_with(|| natural_loops(f));
        if let Some(lp) = loops
            .iter()
            .filter(|l| l[bi])
            .min_by_key(|l| l.iter().filter(|x| **x).count())
        {
            if !budget.spend(loop_size(f, lp)) {
                break;
            }
            let feed = address_feeders(f, lp);
            if written.iter().any(|x| feed.contains(x)) {
                continue;
            }
        }
        if names.is_empty() {
            names = f.locals.values().map(|l| l.name.clone()).collect();
        }
        let [t, e] = sides.map(|s| s.map(|s| speculate(f, s, &mut names)).unwrap_or_default());
        // Convert.
        let at = |kind| Inst { kind, line, origin };
        let mut new = f.blocks[b].insts.clone();
        new.pop();
        // Operands that name a local a select writes are read before any
        // select runs, through a copy.
        let hazard: HashSet<Local> = written.iter().copied().collect();
        let mut before: HashMap<Local, Local> = HashMap::new();
        let cond = if ty.bits() == 32 && ty.is_int() {
            let c = read_before(f, &mut names, &hazard, &mut before, &mut new, c, at);
            Operand::Local(c)
        } else {
            let name = fresh(
                &mut names,
                format!("{}.nz", f.locals[c].name),
                f.locals.len(),
            );
            let d = f.locals.push(LocalDecl {
                name,
                ty: Type::I32,
            });
            new.push(at(InstKind::Binary {
                op: Opcode::Ne,
                ty,
                dst: d,
                a: Operand::Local(c),
                b: Operand::Const(0),
            }));
            Operand::Local(d)
        };
        new.extend(t.insts);
        new.extend(e.insts);
        let mut selects = Vec::with_capacity(written.len());
        for &xl in &written {
            let own = Operand::Local(xl);
            let mut pick = |o: Operand, new: &mut Vec<Inst>| match o {
                Operand::Local(l) if l != xl => {
                    Operand::Local(read_before(f, &mut names, &hazard, &mut before, new, l, at))
                }
                o => o,
            };
            let a = pick(*t.cur.get(&xl).unwrap_or(&own), &mut new);
            let bo = pick(*e.cur.get(&xl).unwrap_or(&own), &mut new);
            let ty = f.locals[xl].ty;
            selects.push(at(if a == bo {
                InstKind::Unary {
                    op: Opcode::Copy,
                    ty,
                    dst: xl,
                    a,
                }
            } else {
                InstKind::Select {
                    ty,
                    dst: xl,
                    cond,
                    a,
                    b: bo,
                }
            }));
        }
        new.extend(selects);
        new.push(at(InstKind::Jump {
            target: Block::new(to),
        }));
        f.blocks[b].insts = new;
        for s in sides.into_iter().flatten() {
            absorbed[s] = true;
        }
        // `to` had an edge from `B` (a triangle) or another side (a
        // diamond) and one from a side: now one from `B`.
        preds[to] -= 1;
        any = true;
    }
    if any {
        remove(f, &absorbed);
    }
    any
}

/// The loops of `f`, as the blocks of each (per block): for each header,
/// the blocks that reach one of its back edges (`jump` to a block not
/// after it) without passing the header.
fn natural_loops(f: &Function) -> Vec<Vec<bool>> {
    let n = f.blocks.len();
    let mut preds: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut latches: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (b, d) in f.blocks.iter() {
        if let Some(t) = d.insts.last() {
            for s in t.kind.successors() {
                preds[s.index()].push(b.index());
                if s.index() <= b.index() {
                    latches.entry(s.index()).or_default().push(b.index());
                }
            }
        }
    }
    latches
        .into_iter()
        .map(|(h, ls)| {
            let mut inside = vec![false; n];
            inside[h] = true;
            let mut work = ls;
            while let Some(b) = work.pop() {
                if !inside[b] {
                    inside[b] = true;
                    work.extend(&preds[b]);
                }
            }
            inside
        })
        .collect()
}

/// The instructions of the blocks of loop `lp`.
fn loop_size(f: &Function, lp: &[bool]) -> u64 {
    let insts: usize = (f.blocks.iter())
        .filter(|(b, _)| lp[b.index()])
        .map(|(_, d)| d.insts.len())
        .sum();
    insts as u64 * 4
}

/// The locals the blocks of loop `lp` compute a load's or a store's
/// address from, through integer arithmetic, conversions, copies and
/// selects (at most six steps deep; C's `a[i + 1]` is four).
fn address_feeders(f: &Function, lp: &[bool]) -> HashSet<Local> {
    let insts = || {
        (f.blocks.iter())
            .filter(|(b, _)| lp[b.index()])
            .flat_map(|(_, d)| &d.insts)
    };
    let mut feed: HashSet<Local> = insts()
        .filter_map(|i| match i.kind {
            InstKind::Load {
                addr: Operand::Local(l),
                ..
            }
            | InstKind::Store {
                addr: Operand::Local(l),
                ..
            } => Some(l),
            _ => None,
        })
        .collect();
    for _ in 0..6 {
        let mut more = Vec::new();
        for i in insts() {
            let computes = matches!(
                i.kind,
                InstKind::Unary { .. }
                    | InstKind::Binary { .. }
                    | InstKind::Convert { .. }
                    | InstKind::Select { .. }
            );
            if computes && i.kind.dst().is_some_and(|d| feed.contains(&d)) {
                more.extend(i.kind.operands().filter_map(|(_, o)| match o {
                    Operand::Local(l) if !feed.contains(&l) => Some(l),
                    _ => None,
                }));
            }
        }
        if more.is_empty() {
            break;
        }
        feed.extend(more);
    }
    feed
}

/// The operands of a float compare whose result `c` is when `insts` (a
/// block) ends: `(p, q, ty)` where `c = p < q`, if it is `flt` or `fgt`
/// and neither operand is written after it.
fn float_compare(insts: &[Inst], c: Local) -> Option<(Operand, Operand, Type)> {
    let i = insts.iter().rposition(|i| i.kind.dst() == Some(c))?;
    let (p, q, ty) = match insts[i].kind {
        InstKind::Binary {
            op: Opcode::FLt,
            ty,
            a,
            b,
            ..
        } => (a, b, ty),
        InstKind::Binary {
            op: Opcode::FGt,
            ty,
            a,
            b,
            ..
        } => (b, a, ty),
        _ => return None,
    };
    let stable = |o: Operand| match o {
        Operand::Local(l) => insts[i + 1..].iter().all(|k| k.kind.dst() != Some(l)),
        Operand::Const(_) => true,
    };
    (stable(p) && stable(q)).then_some((p, q, ty))
}

/// What side block `s` leaves in each local it writes: the operand a
/// copy gave it, or `None` for a value an instruction computed.
fn dry(f: &Function, s: usize) -> BTreeMap<Local, Option<Operand>> {
    let mut cur: BTreeMap<Local, Option<Operand>> = BTreeMap::new();
    let insts = &f.blocks[Block::new(s)].insts;
    for inst in &insts[..insts.len() - 1] {
        let Some(dst) = inst.kind.dst() else { continue };
        let v = match inst.kind {
            InstKind::Unary {
                op: Opcode::Copy,
                a: Operand::Local(l),
                ..
            } => cur.get(&l).copied().unwrap_or(Some(Operand::Local(l))),
            InstKind::Unary {
                op: Opcode::Copy,
                a,
                ..
            } => Some(a),
            _ => None,
        };
        cur.insert(dst, v);
    }
    cur
}

/// `l`, or, if a select writes it (`hazard`), a copy of it made before
/// the selects (once, `before`).
fn read_before(
    f: &mut Function,
    names: &mut HashSet<String>,
    hazard: &HashSet<Local>,
    before: &mut HashMap<Local, Local>,
    new: &mut Vec<Inst>,
    l: Local,
    at: impl Fn(InstKind) -> Inst,
) -> Local {
    if !hazard.contains(&l) {
        return l;
    }
    *before.entry(l).or_insert_with(|| {
        let d = new_local(f, l, names);
        let ty = f.locals[l].ty;
        new.push(at(InstKind::Unary {
            op: Opcode::Copy,
            ty,
            dst: d,
            a: Operand::Local(l),
        }));
        d
    })
}

/// The instructions of side block `s`, each writing a new local (a copy
/// writing nothing), and the value each written local has at its end.
fn speculate(f: &mut Function, s: usize, names: &mut HashSet<String>) -> Side {
    let mut side = Side::default();
    let body = f.blocks[Block::new(s)].insts.clone();
    for inst in &body[..body.len() - 1] {
        let mut kind = inst.kind.clone();
        let map = |o: &mut Operand, cur: &BTreeMap<Local, Operand>| {
            if let Operand::Local(l) = *o {
                if let Some(v) = cur.get(&l) {
                    *o = *v;
                }
            }
        };
        let Some(dst) = kind.dst() else { continue };
        match &mut kind {
            InstKind::Unary {
                op: Opcode::Copy,
                a,
                ..
            } => {
                map(a, &side.cur);
                side.cur.insert(dst, *a);
                continue;
            }
            InstKind::Unary { a, dst: d, .. } | InstKind::Convert { a, dst: d, .. } => {
                map(a, &side.cur);
                *d = new_local(f, dst, names);
            }
            InstKind::Binary { a, b, dst: d, .. } => {
                map(a, &side.cur);
                map(b, &side.cur);
                *d = new_local(f, dst, names);
            }
            InstKind::Select {
                cond, a, b, dst: d, ..
            } => {
                map(cond, &side.cur);
                map(a, &side.cur);
                map(b, &side.cur);
                *d = new_local(f, dst, names);
            }
            InstKind::Addr { dst: d, .. } => *d = new_local(f, dst, names),
            _ => unreachable!("only speculatable instructions are taken"),
        }
        let nd = kind.dst().unwrap_or(dst);
        side.cur.insert(dst, Operand::Local(nd));
        side.insts.push(Inst { kind, ..*inst });
    }
    side
}

/// A new local of `l`'s type, named after it.
fn new_local(f: &mut Function, l: Local, names: &mut HashSet<String>) -> Local {
    let d = &f.locals[l];
    let (name, ty) = (format!("{}.if", d.name), d.ty);
    let name = fresh(names, name, f.locals.len());
    f.locals.push(LocalDecl { name, ty })
}

/// Removes the blocks marked in `gone` (none is the entry, none is a
/// successor of a block that stays) and renumbers the others.
fn remove(f: &mut Function, gone: &[bool]) {
    let mut map = Vec::with_capacity(gone.len());
    let mut k = 0;
    for &g in gone {
        map.push(Block::new(k));
        if !g {
            k += 1;
        }
    }
    let old: Vec<BlockData> = std::mem::take(&mut f.blocks).as_slice().to_vec();
    let mut blocks: Vec<BlockData> = Vec::with_capacity(k);
    for (i, mut d) in old.into_iter().enumerate() {
        if gone[i] {
            continue;
        }
        if let Some(t) = d.insts.last_mut() {
            remap_blocks(&mut t.kind, &|b: Block| map[b.index()]);
        }
        blocks.push(d);
    }
    f.blocks = EntityVec::from(blocks);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;

    /// `src` converted, printed, and verified.
    fn converted(src: &str) -> String {
        let mut m = parse(src, "t.pir").unwrap();
        if_convert(&mut m, &mut crate::Budget::default());
        crate::verify(&m).unwrap();
        m.to_string()
    }

    fn body(text: &str) -> Vec<String> {
        text.lines()
            .map(str::trim)
            .filter(|l| !l.starts_with("local") && !l.starts_with("line") && !l.is_empty())
            .map(String::from)
            .collect()
    }

    #[test]
    fn a_triangle_becomes_selects_of_the_copied_values() {
        let t = converted(
            "func @f(%d: f32, %j: i32) -> i32 {
                local %bd: f32
                local %best: i32
                local %c: i32
            entry:
                %bd = copy.f32 1.0
                %best = copy.i32 0
                %c = flt.f32 %d, %bd
                br.i32 %c, then, join
            then:
                %bd = copy.f32 %d
                %best = copy.i32 %j
                jump join
            join:
                %c = ftosi.f32.i32 %bd
                %best = add.i32 %best, %c
                ret.i32 %best
            }",
        );
        let b = body(&t);
        assert!(b.contains(&"%bd = select.f32 %c, %d, %bd".into()), "{t}");
        assert!(
            b.contains(&"%best = select.i32 %c, %j, %best".into()),
            "{t}"
        );
        assert!(!t.contains("then:") && !t.contains("br."), "{t}");
    }

    #[test]
    fn an_else_triangle_and_a_diamond_choose_the_right_side() {
        let t = converted(
            "func @f(%x: i32, %p: ptr) -> i32 {
                local %v: i32
                local %w: i32
            entry:
                br.ptr %p, join, els
            els:
                %v = add.i32 %x, 1
                jump join
            join:
                br.i32 %x, a, b
            a:
                %w = mul.i32 %x, 3
                jump end
            b:
                %w = sub.i32 0, %x
                jump end
            end:
                %w = add.i32 %w, %v
                ret.i32 %w
            }",
        );
        let b = body(&t);
        // The pointer condition is tested against zero first; the else
        // side's value is the select's second operand.
        let nz = b.iter().find(|l| l.contains("= ne.ptr %p, 0")).expect(&t);
        let c = nz.split(" = ").next().unwrap();
        assert!(
            b.iter()
                .any(|l| l.starts_with(&format!("%v = select.i32 {c}, %v, %v."))),
            "{t}"
        );
        assert!(
            b.iter().any(|l| l.starts_with("%w = select.i32 %x, %w.")),
            "{t}"
        );
        assert_eq!(t.matches("select").count(), 2, "{t}");
        assert!(!t.contains("br."), "{t}");
    }

    #[test]
    fn a_swap_reads_both_values_before_either_select() {
        let t = converted(
            "func @f(%x: i32, %y: i32) -> i32 {
                local %t: i32
                local %c: i32
            entry:
                %c = sgt.i32 %x, %y
                br.i32 %c, then, join
            then:
                %t = copy.i32 %x
                %x = copy.i32 %y
                %y = copy.i32 %t
                jump join
            join:
                %t = sub.i32 %x, %y
                ret.i32 %t
            }",
        );
        let b = body(&t);
        let first_select = b.iter().position(|l| l.contains("select")).unwrap();
        // Every select operand that names a local another select writes
        // is a copy made before the first select.
        for l in &b[first_select..] {
            if let Some(ops) = l.split("select.i32 ").nth(1) {
                let dst = l.split(" = ").next().unwrap();
                for o in ops.split(", ").skip(1) {
                    let other = ["%x", "%y", "%t"].contains(&o) && o != dst;
                    assert!(!other, "{o} read after a select may write it: {t}");
                }
            }
        }
        // `%t` is dead at the join: nothing chooses it.
        assert_eq!(t.matches("select").count(), 2, "{t}");
        assert!(!t.contains("%t = select"), "{t}");
    }

    #[test]
    fn float_selects_must_be_a_minimum_or_a_maximum() {
        let src = |cmp: &str, then: &str| {
            format!(
                "func @f(%x: f64, %y: f64) -> f64 {{
                    local %m: f64
                    local %c: i32
                entry:
                    %m = copy.f64 %y
                    %c = {cmp}
                    br.i32 %c, then, join
                then:
                    {then}
                    jump join
                join:
                    ret.f64 %m
                }}"
            )
        };
        // `x < m ? x : m`, `x > m ? x : m` (`m < x`), and `m < 0 ? 0 : m`.
        for (cmp, then) in [
            ("flt.f64 %x, %m", "%m = copy.f64 %x"),
            ("fgt.f64 %x, %m", "%m = copy.f64 %x"),
            ("flt.f64 %m, 0.0", "%m = copy.f64 0.0"),
        ] {
            let t = converted(&src(cmp, then));
            assert!(t.contains("%m = select.f64 %c, "), "{cmp}: {t}");
        }
        // A choice between other values, or a computed one, stays a branch.
        for (cmp, then) in [
            ("flt.f64 %x, %y", "%m = copy.f64 %x"),
            ("flt.f64 %x, %m", "%m = fadd.f64 %x, 1.0"),
            ("fle.f64 %x, %m", "%m = copy.f64 %x"),
        ] {
            let t = converted(&src(cmp, then));
            assert!(!t.contains("select") && t.contains("br.i32"), "{cmp}: {t}");
        }
    }

    #[test]
    fn sides_copying_the_same_value_make_a_copy() {
        for ty in ["i32", "f64"] {
            let t = converted(&format!(
                "func @f(%c: i32, %y: {ty}) -> {ty} {{
                    local %x: {ty}
                    local %z: i32
                    local %r: {ty}
                entry:
                    %x = copy.{ty} {zero}
                    br.i32 %c, then, else
                then:
                    %x = copy.{ty} %y
                    %z = copy.i32 1
                    jump join
                else:
                    %x = copy.{ty} %y
                    %z = copy.i32 2
                    jump join
                join:
                    {join}
                    ret.{ty} %r
                }}",
                zero = if ty == "i32" { "0" } else { "0.0" },
                join = if ty == "i32" {
                    "%r = add.i32 %z, %x"
                } else {
                    "%r = sitof.i32.f64 %z\n%r = fadd.f64 %r, %x"
                },
            ));
            let b = body(&t);
            assert!(b.contains(&format!("%x = copy.{ty} %y")), "{t}");
            assert!(b.contains(&"%z = select.i32 %c, 1, 2".into()), "{t}");
            assert!(!t.contains("br."), "{t}");
        }
    }

    #[test]
    fn a_function_near_the_verifier_limit_is_left_alone() {
        // 2 blocks per triangle: blocks x locals just above a quarter of
        // the verifier's limit, where a conversion might pass it.
        let tri = 4096;
        let locals = (crate::verify::MAX_FUNC_WEIGHT / 4) as usize / (2 * tri) + 1;
        let mut src = String::from("func @f(%c: i32) -> i32 {\n");
        for i in 0..locals {
            src += &format!("local %v{i}: i32\n");
        }
        src += "entry:\n";
        for i in 0..tri {
            let next = if i + 1 == tri {
                "done".into()
            } else {
                format!("b{}", i + 1)
            };
            if i > 0 {
                src += &format!("b{i}:\n");
            }
            src +=
                &format!("br.i32 %c, t{i}, {next}\nt{i}:\n%v0 = add.i32 %v0, {i}\njump {next}\n");
        }
        src += "done:\nret.i32 %v0\n}\n";
        let mut m = parse(&src, "t.pir").unwrap();
        assert!(!if_convert(&mut m, &mut crate::Budget::default()));
        assert!(!m.to_string().contains("select"));
        // The same function with few locals is converted.
        let small = src
            .replace("local %v", "local %w")
            .replace("local %w0:", "local %v0:");
        let small: String = small
            .lines()
            .filter(|l| !l.starts_with("local %w"))
            .collect::<Vec<_>>()
            .join("\n");
        let mut m = parse(&small, "t.pir").unwrap();
        assert!(if_convert(&mut m, &mut crate::Budget::default()));
        crate::verify(&m).unwrap();
    }

    #[test]
    fn a_branch_that_sets_only_dead_locals_goes() {
        let t = converted(
            "func @f(%x: i32) -> i32 {
                local %v: i32
            entry:
                br.i32 %x, then, join
            then:
                %v = mul.i32 %x, 7
                jump join
            join:
                ret.i32 %x
            }",
        );
        assert!(!t.contains("select") && !t.contains("br."), "{t}");
    }

    #[test]
    fn sides_that_may_trap_or_do_too_much_stay_branches() {
        for side in [
            "%v = load.i32 %p",
            "%v = sdiv.i32 %x, %x",
            "%v = call @g(i32 %x)",
            "store.i32 %p, %x",
            "%v = add.i32 %x, 1
             %v = mul.i32 %v, %v
             %v = xor.i32 %v, 5
             %v = shl.i32 %v, 2
             %v = sub.i32 %v, 3",
        ] {
            let src = format!(
                "func @g(%a: i32) -> i32 {{
                entry:
                    ret.i32 %a
                }}
                func @f(%x: i32, %p: ptr) -> i32 {{
                    local %v: i32
                entry:
                    br.i32 %x, then, join
                then:
                    {side}
                    jump join
                join:
                    ret.i32 %v
                }}"
            );
            let t = converted(&src);
            assert!(!t.contains("select") && t.contains("br.i32"), "{side}: {t}");
        }
    }

    #[test]
    fn a_side_with_another_predecessor_or_a_backward_jump_stays() {
        let t = converted(
            "func @f(%x: i32) -> i32 {
                local %v: i32
            entry:
                br.i32 %x, then, join
            join:
                %v = add.i32 %v, 1
                %x = sub.i32 %x, 1
                br.i32 %x, then, done
            then:
                %v = add.i32 %v, 2
                jump join
            done:
                ret.i32 %v
            }",
        );
        assert!(!t.contains("select"), "{t}");
    }
}
