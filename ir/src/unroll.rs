//! Small loops that test data to stop, unrolled twice
//! (`unroll_small_loops`).
//!
//! Every loop polls once per iteration at its back edge (`safepoints`).
//! In a loop of a few instructions whose exit depends on what it reads
//! (`while (a[i] < pivot) i++`, `while (n != 1) n = f(n)`, a scan for a
//! key) that poll is a large part of an iteration, and no other pass takes
//! it away: the JIT's hoisting and unrolling (`jit::lower::hoist`) are
//! for counted loops. Such a loop is followed in layout by a copy of its
//! blocks: the original's back edge enters the copy, and the copy's back
//! edge returns to the original header. Placement then puts a safepoint
//! in the copy's latch only, so the loop polls every second iteration and
//! does exactly what it did, in the same order; its exits, after the copy
//! in layout, stay forward edges (no poll there).
//!
//! A loop is taken when it is innermost, its blocks are contiguous in
//! layout from its header to its only latch (which ends in a jump to the
//! header) and entered only at the header, it calls nothing, it has at
//! most `MAX_INSTS` instructions, and its header's test does not compare
//! a local that only the latch writes, stepping it by a constant, nor
//! such a 32-bit local plus an invariant one where only the header leaves
//! the loop (a counted loop, which the JIT versions and unrolls itself). Run after
//! inlining, before placement; the result depends only on the module, like
//! every pass of `optimize`. It is not a fixpoint: optimizing its output
//! again unrolls such loops again (four copies), as `pivm run` does with
//! the output of `pivm compile --optimized`.

use crate::entities::{Block, EntityRef, EntityVec, Local};
use crate::inline::{fresh, remap_blocks};
use crate::module::{BlockData, Function, Inst, InstKind, Module, Operand};
use crate::opcodes::{OpClass, Opcode};
use std::collections::{HashMap, HashSet};

/// Loops of at most this many instructions are unrolled: the poll
/// matters in small loops only, and the copy costs compile time.
const MAX_INSTS: usize = 24;

/// Unrolls the small data-dependent loops of every function; whether any
/// was. Each function costs its size from `budget` (one pass finds its
/// loops, one rebuild copies them all).
pub fn unroll_small_loops(m: &mut Module, budget: &mut crate::Budget) -> bool {
    let mut any = false;
    for f in m.funcs.values_mut() {
        if !budget.spend(2 * crate::inline::function_size(f)) {
            return any;
        }
        let preds = f.predecessor_lists();
        let mut loops = Vec::new();
        let mut added = 0;
        for b in f.blocks.keys() {
            if let Some(h) = candidate(f, &preds, b, added) {
                added += b.index() - h.index() + 1;
                loops.push((h, b));
            }
        }
        if !loops.is_empty() {
            unroll(f, &loops);
            any = true;
        }
    }
    any
}

/// The header of the loop whose latch is `latch`, if it is to be unrolled
/// (`added` blocks of copies already planned in `f`).
fn candidate(f: &Function, preds: &[Vec<usize>], latch: Block, added: usize) -> Option<Block> {
    let Some(&InstKind::Jump { target: header }) = f.blocks[latch].insts.last().map(|i| &i.kind)
    else {
        return None;
    };
    let (h, l) = (header.index(), latch.index());
    if h > l || l - h + 1 > MAX_INSTS {
        return None;
    }
    let blocks = (f.blocks.len() + added + (l - h + 1)) as u64;
    if blocks.saturating_mul(f.locals.len() as u64) > crate::verify::MAX_FUNC_WEIGHT / 4 {
        return None;
    }
    let range = |b: Block| (h..=l).contains(&b.index());
    let mut insts = 0;
    let mut written_by: HashMap<Local, Option<Block>> = HashMap::new();
    for b in (h..=l).map(Block::new) {
        let d = &f.blocks[b];
        insts += d.insts.len();
        if insts > MAX_INSTS {
            return None;
        }
        for i in &d.insts {
            if matches!(i.kind, InstKind::Call { .. }) || i.kind == InstKind::Safepoint {
                return None;
            }
            if let Some(x) = i.kind.dst() {
                let w = written_by.entry(x).or_insert(Some(b));
                if *w != Some(b) {
                    *w = None;
                }
            }
        }
        // Innermost, one back edge: no other edge goes back within the
        // range; every block of it but the latch goes on inside it or
        // leaves it forwards.
        let succs = d.insts.last().map_or(Vec::new(), |t| t.kind.successors());
        if succs
            .iter()
            .any(|s| s.index() <= b.index() && !(b == latch && *s == header))
        {
            return None;
        }
        // Entered only at the header.
        if b != header && preds[b.index()].iter().any(|&p| !range(Block::new(p))) {
            return None;
        }
    }
    // Every block of the range belongs to the loop: it reaches the latch.
    let mut reaches = vec![false; l - h + 1];
    reaches[l - h] = true;
    for b in (h..l).rev() {
        let succs = f.blocks[Block::new(b)]
            .insts
            .last()
            .map_or(Vec::new(), |t| t.kind.successors());
        reaches[b - h] = succs
            .iter()
            .any(|s| range(*s) && s.index() > b && reaches[s.index() - h]);
    }
    if reaches.contains(&false) {
        return None;
    }
    // Not a counted loop: the header's test does not compare a local
    // that only the latch writes, stepping it by a constant.
    let stepped = |x: Local| {
        if written_by.get(&x) != Some(&Some(latch)) {
            return false;
        }
        // The locals holding `x` plus a constant, through the latch.
        let mut plus: HashSet<Local> = HashSet::from([x]);
        let mut last = false;
        for i in &f.blocks[latch].insts {
            let Some(d) = i.kind.dst() else { continue };
            let from_x = match &i.kind {
                InstKind::Binary {
                    op: Opcode::Add | Opcode::Sub,
                    a: Operand::Local(a),
                    b: Operand::Const(_),
                    ..
                }
                | InstKind::Binary {
                    op: Opcode::Add,
                    a: Operand::Const(_),
                    b: Operand::Local(a),
                    ..
                }
                | InstKind::Unary {
                    op: Opcode::Copy,
                    a: Operand::Local(a),
                    ..
                } => plus.contains(a),
                _ => false,
            };
            if from_x {
                plus.insert(d);
            } else {
                plus.remove(&d);
            }
            if d == x {
                last = from_x;
            }
        }
        last
    };
    let hd = &f.blocks[header].insts;
    if let Some(InstKind::Branch {
        cond: Operand::Local(c),
        ..
    }) = hd.last().map(|i| &i.kind)
    {
        let def_of = |x: Local| hd.iter().rev().find(|i| i.kind.dst() == Some(x));
        let def = def_of(*c);
        // Only the header leaves the loop (no test of data ends it early,
        // where two copies are worth more than a guard: lz's match
        // extension, +0.8% instructions versioned).
        let only_header_exits = (h + 1..=l).all(|b| {
            f.blocks[Block::new(b)]
                .insts
                .last()
                .is_none_or(|t| t.kind.successors().iter().all(|s| range(*s)))
        });
        // `off + x` (32-bit), `off` a constant or a local the loop does not
        // write, in a loop only its header leaves: the JIT versions `off +
        // x REL limit` too.
        let offset = |x: Local| match def_of(x).map(|i| &i.kind) {
            _ if !only_header_exits => false,
            Some(InstKind::Binary {
                op: Opcode::Add,
                ty: crate::Type::I32,
                a,
                b,
                ..
            }) => [(a, b), (b, a)].into_iter().any(|(s, o)| {
                let invariant = match o {
                    Operand::Local(y) => !written_by.contains_key(y),
                    Operand::Const(_) => true,
                };
                invariant && matches!(s, Operand::Local(x) if stepped(*x))
            }),
            _ => false,
        };
        if let Some(InstKind::Binary { op, a, b, .. }) = def.map(|i| &i.kind) {
            let counter = |o: &Operand| match o {
                Operand::Local(x) => stepped(*x) || offset(*x),
                Operand::Const(_) => false,
            };
            if op.class() == OpClass::IntCompare && (counter(a) || counter(b)) {
                return None;
            }
        }
    }
    Some(header)
}

/// Puts a copy of the blocks `header..=latch` of each of `loops` (in
/// layout order, disjoint) right after its latch: the latch's jump to the
/// header goes to the copy's header, the copy's latch jumps to the header.
fn unroll(f: &mut Function, loops: &[(Block, Block)]) {
    let n_old = f.blocks.len();
    // The new index of each old block, and of the first copy of each loop.
    let mut new_of = Vec::with_capacity(n_old);
    let mut copy_at = Vec::with_capacity(loops.len());
    let mut at = 0;
    let mut next = loops.iter().peekable();
    for b in 0..n_old {
        new_of.push(Block::new(at));
        at += 1;
        if let Some(&&(h, l)) = next.peek() {
            if l.index() == b {
                copy_at.push(at);
                at += l.index() - h.index() + 1;
                next.next();
            }
        }
    }
    let loop_of = |b: Block| {
        loops
            .binary_search_by(|(h, l)| {
                if l.index() < b.index() {
                    std::cmp::Ordering::Less
                } else if h.index() > b.index() {
                    std::cmp::Ordering::Greater
                } else {
                    std::cmp::Ordering::Equal
                }
            })
            .ok()
    };
    let mut labels: HashSet<String> = f.blocks.values().map(|d| d.name.clone()).collect();
    let old: Vec<BlockData> = std::mem::take(&mut f.blocks).as_slice().to_vec();
    let mut out: Vec<BlockData> = Vec::with_capacity(at);
    let mut copies: Vec<BlockData> = Vec::new();
    for (i, mut d) in old.into_iter().enumerate() {
        let b = Block::new(i);
        let lp = loop_of(b);
        if let Some(j) = lp {
            let (h, l) = loops[j];
            let copy = |t: Block| Block::new(copy_at[j] + t.index() - h.index());
            // The copy's latch jumps to the original header (its only
            // successor); the rest goes on in the copy.
            let insts = d
                .insts
                .iter()
                .map(|inst| {
                    let mut kind = inst.kind.clone();
                    remap_blocks(&mut kind, &|t| {
                        if b == l {
                            new_of[t.index()]
                        } else if (h..=l).contains(&t) {
                            copy(t)
                        } else {
                            new_of[t.index()]
                        }
                    });
                    Inst {
                        kind,
                        line: inst.line,
                        origin: inst.origin,
                    }
                })
                .collect();
            copies.push(BlockData {
                name: fresh(&mut labels, format!("{}.u", d.name), 1),
                insts,
            });
        }
        for inst in &mut d.insts {
            remap_blocks(&mut inst.kind, &|t| match lp {
                Some(j) if b == loops[j].1 && t == loops[j].0 => Block::new(copy_at[j]),
                _ => new_of[t.index()],
            });
        }
        out.push(d);
        if lp.is_some_and(|j| loops[j].1 == b) {
            out.append(&mut copies);
        }
    }
    debug_assert_eq!(out.len(), at);
    f.blocks = EntityVec::from(out);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `@f` scanning `%a` for a value below `%key`, with `body` in the
    /// loop and `test` as its header's test.
    fn scan(body: &str, test: &str) -> Module {
        let src = format!(
            "declare @putchar(i32) -> i32
func @f(%a: ptr, %key: i32, %n: i64) -> i64 {{
    local %i: i64
    local %o: i64
    local %p: ptr
    local %x: i32
    local %c: i32
entry:
    %i = copy.i64 0
    jump head
head:
    %o = mul.i64 %i, 4
    %p = add.ptr %a, %o
    %x = load.i32 %p
{test}
body:
{body}
    %i = add.i64 %i, 1
    jump head
done:
    ret.i64 %i
}}
"
        );
        crate::parse(&src, "t").unwrap_or_else(|e| panic!("{e}"))
    }

    const DATA: &str = "    %c = slt.i32 %x, %key\n    br.i32 %c, body, done";

    fn names(m: &Module) -> Vec<String> {
        let f = m.funcs.values().next().unwrap();
        f.blocks.values().map(|d| d.name.clone()).collect()
    }

    fn targets(m: &Module, name: &str) -> Vec<String> {
        let f = m.funcs.values().next().unwrap();
        let d = f.blocks.values().find(|d| d.name == name).unwrap();
        let succs = d.insts.last().unwrap().kind.successors();
        succs.iter().map(|b| f.blocks[*b].name.clone()).collect()
    }

    #[test]
    fn a_small_data_dependent_loop_is_followed_by_its_copy() {
        let mut m = scan("", DATA);
        assert!(unroll_small_loops(&mut m, &mut crate::Budget::default()));
        crate::verify(&m).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            names(&m),
            ["entry", "head", "body", "head.u", "body.u", "done"]
        );
        // Back edge into the copy, the copy's back edge to the header,
        // exits where they were.
        assert_eq!(targets(&m, "body"), ["head.u"]);
        assert_eq!(targets(&m, "head.u"), ["body.u", "done"]);
        assert_eq!(targets(&m, "body.u"), ["head"]);
        assert_eq!(targets(&m, "head"), ["body", "done"]);
        // One poll per two iterations: in the copy's latch only (a leaf
        // does not poll at its entry).
        crate::safepoints::place(&mut m);
        let f = m.funcs.values().next().unwrap();
        let polls: Vec<&str> = f
            .blocks
            .values()
            .filter(|d| d.insts.iter().any(|i| i.kind == InstKind::Safepoint))
            .map(|d| d.name.as_str())
            .collect();
        assert_eq!(polls, ["body.u"]);
    }

    #[test]
    fn a_test_of_a_local_the_latch_steps_by_data_is_not_counted() {
        // `%i` compared in the header and written only by the latch, but
        // not stepped by a constant (Collatz-like): unrolled. Stepped by
        // a constant through a copy: counted, left to the JIT.
        let test = "    %c = ne.i64 %i, %n\n    br.i32 %c, body, done";
        let mut m = scan("    %i = mul.i64 %i, 3", test);
        assert!(unroll_small_loops(&mut m, &mut crate::Budget::default()));
        let mut m = scan(
            "    %o = copy.i64 %i\n    %i = add.i64 %o, 2\n    %i = copy.i64 %i",
            test,
        );
        let before = names(&m);
        unroll_small_loops(&mut m, &mut crate::Budget::default());
        assert_eq!(names(&m), before);
    }

    #[test]
    fn a_counter_plus_an_invariant_is_counted() {
        // `key + k < m` (32-bit, `key` not written in the loop, only the
        // header leaving it): the JIT versions it, so it is left alone;
        // with an addend the loop writes, at 64 bits, or with another
        // exit, the loop is unrolled.
        let src = |sum: &str| {
            format!(
                "func @f(%a: ptr, %key: i32, %m: i32) -> i32 {{
    local %k: i32
    local %s: i32
    local %w: i64
    local %y: i64
    local %x: i32
    local %c: i32
entry:
    %k = copy.i32 0
    %x = copy.i32 0
    jump head
head:
{sum}
    br.i32 %c, body, done
body:
    %w = sext.i32.i64 %k
    %w = mul.i64 %w, 4
    %x = load.i32 %a
    %k = add.i32 %k, 1
    jump head
done:
    ret.i32 %k
}}
"
            )
        };
        let unrolled = |sum: &str| {
            let mut m = crate::parse(&src(sum), "t").unwrap_or_else(|e| panic!("{e}"));
            unroll_small_loops(&mut m, &mut crate::Budget::default())
        };
        assert!(!unrolled(
            "    %s = add.i32 %key, %k\n    %c = slt.i32 %s, %m"
        ));
        assert!(!unrolled(
            "    %s = add.i32 %k, %key\n    %c = sgt.i32 %m, %s"
        ));
        // A test of data that ends it early too: two copies.
        let early = src("    %s = add.i32 %key, %k\n    %c = slt.i32 %s, %m").replace(
            "    %k = add.i32 %k, 1\n    jump head",
            "    %c = eq.i32 %x, 7\n    br.i32 %c, done, latch\nlatch:\n    %k = add.i32 %k, 1\n    jump head",
        );
        let mut m = crate::parse(&early, "t").unwrap_or_else(|e| panic!("{e}"));
        assert!(unroll_small_loops(&mut m, &mut crate::Budget::default()));
        assert!(unrolled("    %s = add.i32 %x, %k\n    %c = slt.i32 %s, %m"));
        let wide = "    %w = sext.i32.i64 %k\n    %y = sext.i32.i64 %key\n    %y = add.i64 %y, %w\n    %w = sext.i32.i64 %m\n    %c = slt.i64 %y, %w";
        assert!(unrolled(wide));
    }

    #[test]
    fn many_loops_of_one_function_are_unrolled_in_one_rebuild() {
        // 3,000 scans one after the other: each unrolled, the blocks after
        // each copy shifted by all the copies before them.
        let mut src = String::from(
            "func @f(%a: ptr) -> i64 {
    local %i: i64
    local %x: i32
    local %c: i32
entry:
    %i = copy.i64 0
    jump h0
",
        );
        let n = 3000;
        for k in 0..n {
            src.push_str(&format!(
                "h{k}:\n    %x = load.i32 %a\n    %c = slt.i32 %x, {k}\n    br.i32 %c, b{k}, h{}\nb{k}:\n    %i = add.i64 %i, 1\n    jump h{k}\n",
                k + 1
            ));
        }
        src.push_str(&format!("h{n}:\n    ret.i64 %i\n}}\n"));
        let mut m = crate::parse(&src, "t").unwrap_or_else(|e| panic!("{e}"));
        assert!(unroll_small_loops(&mut m, &mut crate::Budget::default()));
        crate::verify(&m).unwrap_or_else(|e| panic!("{e}"));
        let names = names(&m);
        assert_eq!(names.len(), 2 + 4 * n);
        for k in [0, 1, n / 2, n - 1] {
            let (h, b) = (format!("h{k}"), format!("b{k}"));
            let (hu, bu) = (format!("h{k}.u"), format!("b{k}.u"));
            assert_eq!(targets(&m, &b), std::slice::from_ref(&hu));
            assert_eq!(targets(&m, &hu), [bu.clone(), format!("h{}", k + 1)]);
            assert_eq!(targets(&m, &bu), std::slice::from_ref(&h));
            let at = |x: &str| names.iter().position(|y| y == x).unwrap();
            assert_eq!(at(&hu), at(&b) + 1);
        }
    }

    #[test]
    fn counted_calling_large_or_nested_loops_are_left_alone() {
        let counted = "    %c = slt.i64 %i, %n\n    br.i32 %c, body, done";
        let call = "    %x = call @putchar(i32 1)";
        let large = "    %o = add.i64 %o, 1\n".repeat(MAX_INSTS);
        let inner = "    jump inner\ninner:\n    %o = add.i64 %o, 1\n    %c = slt.i64 %o, %n\n    br.i32 %c, inner, out\nout:";
        for (body, test) in [("", counted), (call, DATA), (&large, DATA), (inner, DATA)] {
            let mut m = scan(body, test);
            let before = names(&m);
            unroll_small_loops(&mut m, &mut crate::Budget::default());
            // The nested loop's inner loop is unrolled in itself, but the
            // outer one is not.
            assert!(
                !names(&m).contains(&"head.u".to_string()),
                "{body} {test}: {:?}",
                names(&m)
            );
            if test == counted || body == call {
                assert_eq!(names(&m), before);
            }
        }
    }
}
