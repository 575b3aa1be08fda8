//! Self tail calls as loops, before safepoints are placed.
//!
//! A function that returns what a call of itself returns (`return
//! gcd(b, a % b);`), or that plus values known before the call (`return
//! fib(n - 1) + fib(n - 2);`, `return 1 + check(l) + check(r);`), does not
//! need a new activation for that call: the call's arguments become the
//! parameters and the function starts over. The values added to the
//! result gather in an accumulator, which every `ret` adds to what it
//! returns (integer addition wraps, so the order of the additions does not
//! change the sum). What C compilers call tail-recursion elimination;
//! gcc -O2 does it to the same functions.
//!
//! A function is rewritten when it has no slots (a pointer into the
//! frame could outlive the activation the loop reuses), calls only plain
//! builtins (`Builtin::is_plain`: none that reads its frame, as `setjmp`
//! and variable-length arrays do) and has a call of itself, with exactly
//! its parameters, whose result reaches a `ret` through copies, integer
//! additions of values set before the call, and jumps only. A new entry
//! block zeroes the accumulator and jumps to the old one, which becomes
//! the loop's header; the tail call becomes the additions into the
//! accumulator, the arguments copied into the parameters (through
//! temporaries where an argument reads a parameter set before it), and a
//! jump to the header, or to one block after the others that first zeroes
//! again the locals the function reads before it sets them (an activation
//! starts with every local 0). `safepoints::place` then polls at the jump
//! back, as at any loop's.
//!
//! What differs from the program as written: the call depth reached is
//! smaller (a recursion in tail position no longer overflows the stack;
//! an endless one runs until stopped, as compiled C does), and a snapshot
//! in such a loop holds one frame where there were many. Output, traps and
//! their locations are unchanged. A pure function of the module, run once
//! by `optimize`; the snapshot embeds the result.

use crate::entities::{Block, EntityRef, EntityVec, FuncId, Local};
use crate::inline::{fresh, function_size, plain_builtins, remap_blocks};
use crate::module::{BlockData, Callee, Function, Inst, InstKind, LocalDecl, Module, Operand};
use crate::opcodes::Opcode;
use crate::types::Type;

/// The most instructions a call's result is followed through to a `ret`
/// (copies, additions, jumps): enough for what C compiles to, and a
/// bound on the work a hostile module can ask for (a long chain of copies
/// after each of many calls).
const MAX_STEPS: usize = 32;

/// Rewrites the self tail calls of every function of `m` that allows it
/// (see the module docs); the functions rewritten. Each rewritten function costs
/// its size from `budget`; none is rewritten once it is spent.
pub fn tail_calls(m: &mut Module, budget: &mut crate::Budget) -> Vec<FuncId> {
    let plain = plain_builtins(m);
    let mut changed = Vec::new();
    for (fid, f) in m.funcs.iter_mut() {
        if !eligible(f, &plain) {
            continue;
        }
        let sites = tail_sites(f, fid);
        if sites.is_empty() {
            continue;
        }
        // Room for the new block, the accumulator and a temporary per
        // parameter, within the verifier's bound with room to spare.
        let blocks = (f.blocks.len() + 1) as u64;
        let locals = (f.locals.len() + 1 + f.num_params) as u64;
        if blocks.saturating_mul(locals) > crate::verify::MAX_FUNC_WEIGHT / 4 {
            continue;
        }
        if !budget.spend(function_size(f).saturating_mul(4)) {
            return changed;
        }
        rewrite(f, &sites);
        changed.push(fid);
    }
    changed
}

/// Whether `f` may become a loop: no slots, only plain builtins, not
/// empty.
fn eligible(f: &Function, plain: &[bool]) -> bool {
    f.slots.is_empty()
        && !f.blocks.is_empty()
        && f.blocks
            .values()
            .flat_map(|b| &b.insts)
            .all(|i| match &i.kind {
                InstKind::Call {
                    callee: Callee::Builtin(b),
                    ..
                } => plain.get(b.index()).copied().unwrap_or(false),
                _ => true,
            })
}

/// A call of the function itself whose result is returned.
struct Site {
    block: Block,
    /// The call's index in its block.
    at: usize,
    /// What the function adds to the call's result before returning it.
    addends: Vec<Operand>,
}

/// The tail calls of `f` (function `fid`), at most one per block (what
/// follows a tail call in its block is only copies, additions and the
/// jump or `ret`).
fn tail_sites(f: &Function, fid: FuncId) -> Vec<Site> {
    let params: Vec<Type> = f.params().collect();
    let mut sites = Vec::new();
    for (b, d) in f.blocks.iter() {
        for (at, inst) in d.insts.iter().enumerate() {
            let InstKind::Call {
                dst,
                callee: Callee::Func(g),
                args,
                ..
            } = &inst.kind
            else {
                continue;
            };
            let same_args =
                args.len() == params.len() && args.iter().zip(&params).all(|((t, _), p)| t == p);
            if *g != fid || !same_args {
                continue;
            }
            if let Some(addends) = returned(f, b, at, *dst) {
                sites.push(Site {
                    block: b,
                    at,
                    addends,
                });
                break;
            }
        }
    }
    sites
}

/// Follows the result of the call at `at` of block `b` (written to `dst`)
/// to a `ret`: through copies of it, integer additions of it and a value
/// not written since the call (the addends returned), and jumps. `None`
/// if anything else comes first, or `MAX_STEPS` instructions.
fn returned(f: &Function, b: Block, at: usize, dst: Option<Local>) -> Option<Vec<Operand>> {
    let mut held = dst;
    let mut written: Vec<Local> = dst.into_iter().collect();
    let mut addends = Vec::new();
    let (mut block, mut i) = (b, at + 1);
    let mut steps = 0;
    let is_held =
        |o: &Operand, held: Option<Local>| matches!(o, Operand::Local(l) if Some(*l) == held);
    loop {
        steps += 1;
        if steps > MAX_STEPS {
            return None;
        }
        let inst = f.blocks.get(block)?.insts.get(i)?;
        match &inst.kind {
            InstKind::Unary {
                op: Opcode::Copy,
                ty,
                dst,
                a,
            } if is_held(a, held) && Some(*ty) == f.ret => {
                held = Some(*dst);
                written.push(*dst);
            }
            InstKind::Binary {
                op: Opcode::Add,
                ty,
                dst,
                a,
                b,
            } if ty.is_int() && Some(*ty) == f.ret => {
                let other = match (is_held(a, held), is_held(b, held)) {
                    (true, false) => *b,
                    (false, true) => *a,
                    _ => return None,
                };
                if matches!(other, Operand::Local(l) if written.contains(&l)) {
                    return None;
                }
                addends.push(other);
                held = Some(*dst);
                written.push(*dst);
            }
            InstKind::Jump { target } => {
                (block, i) = (*target, 0);
                continue;
            }
            InstKind::Return { val: None } if f.ret.is_none() => return Some(addends),
            InstKind::Return { val: Some((_, v)) } if is_held(v, held) => return Some(addends),
            _ => return None,
        }
        i += 1;
    }
}

/// Turns `f` into a loop around its old entry, each site a jump back to
/// it (see the module docs).
fn rewrite(f: &mut Function, sites: &[Site]) {
    let read_first = crate::liveness::live_at_entry(f);
    let n = f.num_params;
    let mut names = f.locals.values().map(|l| l.name.clone()).collect();
    let acc = match f.ret {
        Some(ty) if sites.iter().any(|s| !s.addends.is_empty()) => {
            let name = fresh(&mut names, "tail.acc".into(), f.locals.len());
            Some((ty, f.locals.push(LocalDecl { name, ty })))
        }
        _ => None,
    };
    // Every block moves one down, behind the new entry.
    let down = |b: Block| Block::new(b.index() + 1);
    let header = down(Block::new(0));
    let mut temps: Vec<Option<Local>> = vec![None; n];
    let zeroed: Vec<Local> = f
        .locals
        .keys()
        .skip(n)
        .filter(|l| read_first.contains(l.index()))
        .collect();
    // Where the sites jump when locals are to be zeroed: a block after
    // the others (the new entry goes first).
    let again = Block::new(f.blocks.len() + 1);
    let mut again_at = None;
    let mut blocks: Vec<BlockData> = std::mem::take(&mut f.blocks).as_slice().to_vec();
    for d in blocks.iter_mut() {
        for inst in d.insts.iter_mut() {
            remap_blocks(&mut inst.kind, &down);
        }
        // What a `ret` returns gets the accumulator added.
        if let (Some((ty, acc)), Some(last)) = (acc, d.insts.last_mut()) {
            if let InstKind::Return { val: Some((_, v)) } = last.kind {
                let add = Inst {
                    kind: InstKind::Binary {
                        op: Opcode::Add,
                        ty,
                        dst: acc,
                        a: Operand::Local(acc),
                        b: v,
                    },
                    line: last.line,
                    origin: last.origin,
                };
                last.kind = InstKind::Return {
                    val: Some((ty, Operand::Local(acc))),
                };
                let at = d.insts.len() - 1;
                d.insts.insert(at, add);
            }
        }
    }
    for s in sites {
        let insts = &mut blocks[s.block.index()].insts;
        let call = insts[s.at].clone();
        insts.truncate(s.at);
        let InstKind::Call { args, .. } = call.kind else {
            unreachable!("a site is a call");
        };
        let at_call = |kind| Inst {
            kind,
            line: call.line,
            origin: call.origin,
        };
        if let Some((ty, acc)) = acc {
            for &x in &s.addends {
                insts.push(at_call(InstKind::Binary {
                    op: Opcode::Add,
                    ty,
                    dst: acc,
                    a: Operand::Local(acc),
                    b: x,
                }));
            }
        }
        // An argument that reads another parameter is read before any
        // parameter is set.
        let mut from: Vec<Operand> = Vec::with_capacity(n);
        for (j, &(ty, a)) in args.iter().enumerate() {
            match a {
                Operand::Local(l) if l.index() < n && l.index() != j => {
                    let t = *temps[j].get_or_insert_with(|| {
                        let name = format!("tail.{}", f.locals[Local::new(j)].name);
                        let name = fresh(&mut names, name, f.locals.len());
                        f.locals.push(LocalDecl { name, ty })
                    });
                    insts.push(at_call(InstKind::Unary {
                        op: Opcode::Copy,
                        ty,
                        dst: t,
                        a,
                    }));
                    from.push(Operand::Local(t));
                }
                _ => from.push(a),
            }
        }
        for (j, (&(ty, _), a)) in args.iter().zip(from).enumerate() {
            let p = Local::new(j);
            if a != Operand::Local(p) {
                insts.push(at_call(InstKind::Unary {
                    op: Opcode::Copy,
                    ty,
                    dst: p,
                    a,
                }));
            }
        }
        insts.push(at_call(InstKind::Jump {
            target: if zeroed.is_empty() { header } else { again },
        }));
        again_at.get_or_insert((call.line, call.origin));
    }
    // The locals read before they are set start at 0 again, in one block
    // every site jumps to (not at each: sites times locals could be many).
    if let Some((line, origin)) = again_at.filter(|_| !zeroed.is_empty()) {
        let mut insts: Vec<Inst> = zeroed
            .iter()
            .map(|&l| Inst {
                kind: InstKind::Unary {
                    op: Opcode::Copy,
                    ty: f.locals[l].ty,
                    dst: l,
                    a: Operand::Const(0),
                },
                line,
                origin,
            })
            .collect();
        insts.push(Inst {
            kind: InstKind::Jump { target: header },
            line,
            origin,
        });
        let mut labels = blocks.iter().map(|b| b.name.clone()).collect();
        let name = fresh(&mut labels, "tail.again".into(), blocks.len());
        blocks.push(BlockData { name, insts });
    }
    let line = blocks[0].insts.first().map_or(0, |i| i.line);
    let mut entry = Vec::new();
    if let Some((ty, acc)) = acc {
        entry.push(Inst::new(
            InstKind::Unary {
                op: Opcode::Copy,
                ty,
                dst: acc,
                a: Operand::Const(0),
            },
            line,
        ));
    }
    entry.push(Inst::new(InstKind::Jump { target: header }, line));
    let mut labels = blocks.iter().map(|b| b.name.clone()).collect();
    let name = fresh(&mut labels, "tail.entry".into(), blocks.len());
    blocks.insert(0, BlockData { name, insts: entry });
    f.blocks = EntityVec::from(blocks);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewritten(src: &str) -> Module {
        let mut m = crate::parse(src, "t.pir").unwrap();
        tail_calls(&mut m, &mut crate::Budget::default());
        crate::verify(&m).unwrap_or_else(|e| panic!("{e}\n{m}"));
        m
    }

    fn self_calls(m: &Module, name: &str) -> usize {
        let fid = m.func_by_name(name).unwrap();
        m.funcs[fid]
            .blocks
            .values()
            .flat_map(|b| &b.insts)
            .filter(
                |i| matches!(i.kind, InstKind::Call { callee: Callee::Func(g), .. } if g == fid),
            )
            .count()
    }

    const FIB: &str = "func @fib(%n: i32) -> i32 {
    local %c: i32
    local %a: i32
    local %b: i32
    local %m: i32
entry:
    %c = slt.i32 %n, 2
    br.i32 %c, small, big
small:
    ret.i32 %n
big:
    %m = sub.i32 %n, 1
    %a = call @fib(i32 %m)
    %m = sub.i32 %n, 2
    %b = call @fib(i32 %m)
    %a = add.i32 %a, %b
    ret.i32 %a
}
";

    #[test]
    fn the_second_call_of_fib_becomes_a_jump_with_an_accumulator() {
        let m = rewritten(FIB);
        assert_eq!(self_calls(&m, "fib"), 1, "{m}");
        let text = m.to_string();
        assert!(
            text.contains("tail.entry:\n    %tail.acc = copy.i32 0\n    jump entry"),
            "{text}"
        );
        // What the first call returned is added; every ret adds the sum.
        assert!(
            text.contains(
                "%tail.acc = add.i32 %tail.acc, %a\n    %n = copy.i32 %m\n    jump entry"
            ),
            "{text}"
        );
        assert!(
            text.contains("%tail.acc = add.i32 %tail.acc, %n\n    ret.i32 %tail.acc"),
            "{text}"
        );
        // A fixpoint: the call left is not in tail position.
        let mut again = m.clone();
        assert!(tail_calls(&mut again, &mut crate::Budget::default()).is_empty());
    }

    #[test]
    fn swapped_parameters_go_through_temporaries() {
        let m = rewritten(
            "func @gcd(%a: i64, %b: i64) -> i64 {
    local %c: i32
    local %r: i64
entry:
    %c = eq.i64 %b, 0
    br.i32 %c, done, more
done:
    ret.i64 %a
more:
    %r = urem.i64 %a, %b
    %r = call @gcd(i64 %b, i64 %r)
    ret.i64 %r
}
",
        );
        assert_eq!(self_calls(&m, "gcd"), 0);
        let text = m.to_string();
        // No accumulator: nothing is added.
        assert!(!text.contains("tail.acc"), "{text}");
        assert!(text.contains("%tail.a = copy.i64 %b\n    %a = copy.i64 %tail.a\n    %b = copy.i64 %r\n    jump entry"), "{text}");
    }

    #[test]
    fn calls_whose_result_is_used_otherwise_stay() {
        for body in [
            // A product.
            "%r = call @f(i32 %m)\n    %r = mul.i32 %r, %n\n    ret.i32 %r",
            // An addend written after the call.
            "%r = call @f(i32 %m)\n    %m = add.i32 %n, 1\n    %r = add.i32 %r, %m\n    ret.i32 %r",
            // The result doubled.
            "%r = call @f(i32 %m)\n    %r = add.i32 %r, %r\n    ret.i32 %r",
            // Something else returned.
            "%r = call @f(i32 %m)\n    ret.i32 %m",
        ] {
            let src = format!(
                "func @f(%n: i32) -> i32 {{
    local %c: i32
    local %m: i32
    local %r: i32
entry:
    %c = sle.i32 %n, 0
    br.i32 %c, done, more
done:
    ret.i32 1
more:
    %m = sub.i32 %n, 1
    {body}
}}
"
            );
            let m = rewritten(&src);
            assert_eq!(self_calls(&m, "f"), 1, "{m}");
            assert!(!m.to_string().contains("tail.entry"), "{m}");
        }
    }

    #[test]
    fn every_site_shares_one_block_of_zeroing() {
        let m = rewritten(
            "func @f(%n: i32) -> i32 {
    local %seen: i32
    local %r: i32
entry:
    %n = add.i32 %n, %seen
    %seen = copy.i32 1
    switch.i32 %n, done [1: a, 2: b, 3: c]
done:
    ret.i32 %n
a:
    %r = call @f(i32 0)
    ret.i32 %r
b:
    %r = call @f(i32 1)
    ret.i32 %r
c:
    %r = call @f(i32 2)
    ret.i32 %r
}
",
        );
        assert_eq!(self_calls(&m, "f"), 0, "{m}");
        let text = m.to_string();
        assert_eq!(text.matches("%seen = copy.i32 0").count(), 1, "{text}");
        assert_eq!(text.matches("jump tail.again").count(), 3, "{text}");
    }

    #[test]
    fn a_result_followed_into_an_endless_jump_cycle_is_not_returned() {
        let m = rewritten(
            "func @f(%n: i32) -> i32 {
    local %r: i32
entry:
    %r = call @f(i32 %n)
    jump spin
spin:
    jump spin
}
",
        );
        assert_eq!(self_calls(&m, "f"), 1, "{m}");
    }

    #[test]
    fn functions_with_slots_or_frame_builtins_stay() {
        for (decl, extra) in [
            ("    slot $s: i32\n", ""),
            ("", "    %c = call @setjmp(ptr 8)\n"),
        ] {
            let src = format!(
                "declare @setjmp(ptr) -> i32

func @f(%n: i32) -> i32 {{
    local %c: i32
{decl}entry:
{extra}    %c = sle.i32 %n, 0
    br.i32 %c, done, more
done:
    ret.i32 1
more:
    %n = sub.i32 %n, 1
    %c = call @f(i32 %n)
    ret.i32 %c
}}
"
            );
            let m = rewritten(&src);
            assert_eq!(self_calls(&m, "f"), 1, "{m}");
        }
    }

    #[test]
    fn locals_read_before_set_are_zeroed_on_each_round() {
        let m = rewritten(
            "func @f(%n: i32) {
    local %seen: i32
    local %set: i32
    local %c: i32
entry:
    %set = copy.i32 3
    %seen = add.i32 %seen, %set
    %c = sle.i32 %n, 0
    br.i32 %c, done, more
done:
    ret
more:
    %n = sub.i32 %n, %seen
    call @f(i32 %n)
    ret
}
",
        );
        let text = m.to_string();
        assert!(
            text.contains("jump tail.again\ntail.again:\n    %seen = copy.i32 0\n    jump entry"),
            "{text}"
        );
        assert!(!text.contains("%set = copy.i32 0"), "{text}");
        assert!(!text.contains("%c = copy.i32 0"), "{text}");
    }
}
