//! Heads of functions inlined at their calls (`inline_heads`).
//!
//! Many calls return at once: a recursion's base case (`if (n < 2)
//! return n;`), a matcher whose first compare fails (`if (re[0] != *t)
//! return 0;`), a walk's test of a null pointer. Such a call costs more in
//! the call (the prologue, the depth test, saved registers) than in the
//! body; gcc -O2 inlines the head and calls the rest (`ipa-split`).
//!
//! The *head* of a function `g` is the part of it from its entry that
//! runs no loop, stores nothing, calls nothing, polls nothing and writes
//! none of `g`'s parameters: arithmetic, loads, addresses of globals and
//! branches, at most `MAX_HEAD_INSTS` instructions, with a `ret` on some
//! path and an edge out of it on another (only the blocks that reach a
//! `ret` count: a path that ends in the call leaves the head where it
//! starts). A function whose self tail calls became a loop (`tailrec`)
//! may have that loop's first iteration in its head, up to where the
//! loop writes the parameters: there it calls itself anew.
//! `inline_heads` replaces each call of `g` made in a loop, or in a
//! recursive function, other than `g` (a recursion's own calls mostly go
//! on past the head) by a copy of the head whose `ret`s return from the
//! copy, and whose edges out of the head are a call of `g` with the same
//! arguments. The head changed neither
//! the arguments nor memory, so that call runs the head again the same
//! way, leaves it by the same edge with the same values, and goes on as
//! the first call would have: the program does what it did. What differs
//! is what inlining changes (`inline`): a trap in the copy (a load) is
//! reported in `g` at its line, from the caller's frame, and a recursion
//! whose last calls return from the head reaches a smaller depth. No
//! snapshot sees a head (it cannot poll).
//!
//! Run after self tail calls became loops (`tailrec`: a tail call of the
//! function itself is a jump, no call) and before branches become selects
//! (`ifconv`, which then takes the copies' branches too). A pure function
//! of the module, like every pass of `optimize`.

use crate::entities::{Block, EntityRef, EntityVec, FuncId, Local};
use crate::inline::{function_size, inline_at};
use crate::module::{
    AddrOf, BlockData, Callee, Function, Inst, InstKind, LocalDecl, Module, Operand,
};
use crate::opcodes::Opcode;

/// The largest head inlined, in instructions that do work (not copies,
/// conversions or jumps). A copy of it goes to every call.
pub const MAX_HEAD_INSTS: usize = 40;

/// Inlines the heads of functions at their calls (see the module docs);
/// whether any was. `looped`: the functions whose self tail calls became
/// loops (`tailrec::tail_calls`), whose head may take the first
/// iteration of such a loop. Each function rebuilt costs its size from
/// `budget`.
pub fn inline_heads(m: &mut Module, budget: &mut crate::Budget, looped: &[FuncId]) -> bool {
    let heads: Vec<Option<Function>> = (0..m.funcs.len())
        .map(|g| {
            let gid = FuncId::new(g);
            head(&m.funcs[gid], gid, looped.contains(&gid))
        })
        .collect();
    if heads.iter().all(Option::is_none) {
        return false;
    }
    let (callees, _) = crate::inline::call_graph(m);
    let mut changed = false;
    for fid in 0..m.funcs.len() {
        let f = &m.funcs[FuncId::new(fid)];
        // Only calls made again and again: in a loop, or anywhere in a
        // recursive function (a call made once gains nothing, and its
        // copy changes how the rest of the function is compiled). Whether
        // `f` recurses is asked only for a call outside its loops (a walk
        // of the call graph, paid from `budget`).
        let mut recursive: Option<bool> = None;
        let loops = crate::inline::loops(f);
        let in_loop = |b: Block| loops.iter().any(|(&h, &t)| (h..=t).contains(&b.index()));
        let mut sites = Vec::new();
        let (mut blocks, mut locals) = (f.blocks.len() as u64, f.locals.len() as u64);
        for (b, d) in f.blocks.iter() {
            for (i, inst) in d.insts.iter().enumerate() {
                let InstKind::Call {
                    callee: Callee::Func(g),
                    args,
                    ..
                } = &inst.kind
                else {
                    continue;
                };
                let Some(h) = heads.get(g.index()).and_then(Option::as_ref) else {
                    continue;
                };
                // Not in `g` itself: a recursion's own calls mostly go on
                // past the head (quicksort's, nqueens', binarytrees' and
                // fib's took 0.5-10% more instructions with it), and one
                // inlined into itself runs its head inline already.
                if g.index() == fid {
                    continue;
                }
                if !in_loop(b)
                    && !*recursive.get_or_insert_with(|| {
                        let me = FuncId::new(fid);
                        crate::inline::reaches(&callees, me, me, budget)
                    })
                {
                    continue;
                }
                let sig: Vec<_> = h.params().collect();
                if args.len() != sig.len() || args.iter().zip(&sig).any(|((t, _), s)| t != s) {
                    continue;
                }
                let (nb, nl) = (
                    blocks + h.blocks.len() as u64 + 1,
                    locals + h.locals.len() as u64,
                );
                if nb.saturating_mul(nl) > crate::verify::MAX_FUNC_WEIGHT / 4 {
                    continue;
                }
                (blocks, locals) = (nb, nl);
                sites.push((b, i, *g));
            }
        }
        if sites.is_empty() || !budget.spend(function_size(f).saturating_mul(2)) {
            continue;
        }
        // Last first: inlining at a site moves only the blocks after it
        // and the instructions after the call.
        for &(b, i, g) in sites.iter().rev() {
            let h = heads[g.index()].as_ref().expect("a site has a head");
            inline_at(&mut m.funcs[FuncId::new(fid)], b, i, h, g);
        }
        changed = true;
    }
    changed
}

/// Whether `k` may be in a head of a function of `params` parameters:
/// it writes at most a local that is no parameter, and stores, calls
/// and polls nothing.
fn in_head(k: &InstKind, params: usize) -> bool {
    if k.dst().is_some_and(|d| d.index() < params) {
        return false;
    }
    match k {
        InstKind::Unary { .. }
        | InstKind::Binary { .. }
        | InstKind::Convert { .. }
        | InstKind::Select { .. }
        | InstKind::Load { .. }
        | InstKind::Jump { .. }
        | InstKind::Branch { .. }
        | InstKind::Return { .. } => true,
        InstKind::Addr { of, .. } => !matches!(of, AddrOf::Slot(_)),
        _ => false,
    }
}

/// Whether `k` does work (copies, addresses, jumps and the extensions
/// that loads and compares take in cost next to nothing once compiled).
fn works(k: &InstKind) -> bool {
    !matches!(
        k,
        InstKind::Unary {
            op: Opcode::Copy,
            ..
        } | InstKind::Addr { .. }
            | InstKind::Jump { .. }
            | InstKind::Convert { .. }
    )
}

/// The head of `g` as a function of its own: the head's blocks, then one
/// block per edge target out of it that calls `g` with its parameters
/// and returns what it returns; only the locals the head uses. `None`
/// where `g` has no head worth inlining.
fn head(g: &Function, gid: FuncId, looped: bool) -> Option<Function> {
    if g.blocks.is_empty() || g.name == "main" {
        return None;
    }
    let n = g.blocks.len();
    let succs = g.successor_lists();
    let mut preds = vec![Vec::new(); n];
    for (b, ss) in succs.iter().enumerate() {
        for &s in ss {
            preds[s].push(b);
        }
    }
    // In layout order, a block whose predecessors before it are all in
    // the head, and whose successors are all after it: the head is
    // acyclic. The header of a loop that a self tail call made may be in
    // it (its first iteration, up to where the loop writes the
    // parameters): the edge back to it comes from outside the head.
    let rets = |b: usize| {
        matches!(
            g.blocks[Block::new(b)].insts.last().map(|i| &i.kind),
            Some(InstKind::Return { .. })
        )
    };
    let writes_param = |b: usize| {
        g.blocks[Block::new(b)]
            .insts
            .iter()
            .any(|i| i.kind.dst().is_some_and(|d| d.index() < g.num_params))
    };
    let grow = |allowed: &dyn Fn(usize) -> bool, limit: usize| {
        let mut taken = vec![false; n];
        let mut size = 0;
        for b in 0..n {
            let mut forward = preds[b].iter().filter(|&&p| p < b).peekable();
            let entered = b == 0 || (forward.peek().is_some() && forward.all(|&p| taken[p]));
            // Entered again only where the function calls itself anew
            // (a self tail call made a loop, `looped`, which writes the
            // parameters): the first test of another loop (`while
            // (*s)`) would run twice where the call goes on.
            let again = preds[b]
                .iter()
                .all(|&p| p < b || (looped && writes_param(p)));
            let d = &g.blocks[Block::new(b)];
            if !allowed(b)
                || !entered
                || !again
                || succs[b].iter().any(|&s| s <= b)
                || !d.insts.iter().all(|i| in_head(&i.kind, g.num_params))
            {
                continue;
            }
            let cost = d.insts.iter().filter(|i| works(&i.kind)).count();
            if size + cost > limit {
                continue;
            }
            size += cost;
            taken[b] = true;
        }
        // Only the blocks that reach a `ret` of the head: the others lead
        // to the call anyway (a block's successors are after it).
        let mut useful = vec![false; n];
        for b in (0..n).rev() {
            useful[b] = taken[b] && (rets(b) || succs[b].iter().any(|&s| useful[s]));
        }
        useful
    };
    // Size counts only the useful blocks: a path that ends in the call
    // (a matcher's `*`) leaves the head where it starts.
    let all = grow(&|_| true, usize::MAX);
    let taken = grow(&|b| all[b], MAX_HEAD_INSTS);
    let returns = (0..n).any(|b| taken[b] && rets(b));
    let mut exits: Vec<usize> = (0..n)
        .filter(|&b| taken[b])
        .flat_map(|b| succs[b].iter().copied().filter(|&s| !taken[s]))
        .collect();
    exits.sort_unstable();
    exits.dedup();
    if !returns || exits.is_empty() {
        return None;
    }
    // The locals: the parameters, then the others the head uses (in
    // order of first use), then one for what the call returns.
    let order: Vec<usize> = (0..n).filter(|&b| taken[b]).collect();
    let mut map: Vec<Option<Local>> = vec![None; g.locals.len()];
    let mut locals: EntityVec<Local, LocalDecl> = EntityVec::new();
    let used = order
        .iter()
        .flat_map(|&b| &g.blocks[Block::new(b)].insts)
        .flat_map(|i| {
            let reads = i.kind.operands().filter_map(|(_, o)| match o {
                Operand::Local(l) => Some(l),
                Operand::Const(_) => None,
            });
            reads.chain(i.kind.dst())
        });
    for l in (0..g.num_params).map(Local::new).chain(used) {
        if map[l.index()].is_none() {
            map[l.index()] = Some(locals.push(g.locals[l].clone()));
        }
    }
    let result = g.ret.map(|ty| {
        locals.push(LocalDecl {
            name: format!("{}.head", g.name),
            ty,
        })
    });
    let local = |l: Local| map[l.index()].expect("every local the head uses is mapped");
    let new_index = |b: Block| -> Block {
        match order.binary_search(&b.index()) {
            Ok(i) => Block::new(i),
            Err(_) => Block::new(order.len() + exits.binary_search(&b.index()).expect("an exit")),
        }
    };
    let mut blocks: Vec<BlockData> = Vec::with_capacity(order.len() + exits.len());
    for &b in &order {
        let d = &g.blocks[Block::new(b)];
        let insts = d
            .insts
            .iter()
            .map(|inst| {
                let mut kind = inst.kind.clone();
                crate::inline::remap_blocks(&mut kind, &new_index);
                if let Some(dst) = kind.dst_mut() {
                    *dst = local(*dst);
                }
                crate::inline::remap_operands(&mut kind, &|o| match o {
                    Operand::Local(l) => Operand::Local(local(l)),
                    c => c,
                });
                Inst {
                    kind,
                    ..inst.clone()
                }
            })
            .collect();
        blocks.push(BlockData {
            name: d.name.clone(),
            insts,
        });
    }
    // Each edge out: the call of `g` itself, at the line where the
    // target block starts.
    for &t in &exits {
        let d = &g.blocks[Block::new(t)];
        let (line, origin) = d.insts.first().map_or((0, None), |i| (i.line, i.origin));
        let at = |kind| Inst { kind, line, origin };
        let args = (0..g.num_params)
            .map(|p| (g.locals[Local::new(p)].ty, Operand::Local(Local::new(p))))
            .collect();
        let val = g.ret.zip(result).map(|(ty, r)| (ty, Operand::Local(r)));
        blocks.push(BlockData {
            name: format!("{}.call", d.name),
            insts: vec![
                at(InstKind::Call {
                    dst: result,
                    callee: Callee::Func(gid),
                    args,
                    alloc_type: None,
                }),
                at(InstKind::Return { val }),
            ],
        });
    }
    Some(Function {
        name: g.name.clone(),
        source: g.source.clone(),
        num_params: g.num_params,
        ret: g.ret,
        locals,
        slots: EntityVec::new(),
        blocks: EntityVec::from(blocks),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `@g` returns 7 where `*p` is 0, else stores and returns, and
    /// `CALLER`. `entry` and `more` are added to `@g`'s blocks.
    fn src(entry: &str, more: &str) -> String {
        format!(
            "func @g(%p: ptr) -> i32 {{
    local %c: i32
    local %x: i32
entry:
{entry}
    %c = load.i32 %p
    %x = eq.i32 %c, 0
    br.i32 %x, zero, more
zero:
    ret.i32 7
more:
{more}
    store.i32 %p, 0
    ret.i32 %c
}}
{CALLER}"
        )
    }

    /// `@f`: calls `@g` in a loop `n` times, then once more.
    const CALLER: &str = "func @f(%p: ptr, %n: i32) -> i32 {
    local %i: i32
    local %s: i32
    local %r: i32
    local %t: i32
entry:
    %i = copy.i32 0
    jump head
head:
    %t = slt.i32 %i, %n
    br.i32 %t, body, done
body:
    %r = call @g(ptr %p)
    %s = add.i32 %s, %r
    %i = add.i32 %i, 1
    jump head
done:
    %r = call @g(ptr %p)
    ret.i32 %s
}
";

    fn run(src: &str, looped: &[&str]) -> (bool, Module) {
        let mut m = crate::parse(src, "t.pir").unwrap_or_else(|e| panic!("{e}"));
        let looped: Vec<FuncId> = looped.iter().map(|n| m.func_by_name(n).unwrap()).collect();
        let changed = inline_heads(&mut m, &mut crate::Budget::default(), &looped);
        crate::verify(&m).unwrap_or_else(|e| panic!("{e}\n{m}"));
        (changed, m)
    }

    /// The loads of `@g`'s head in `@f`, and `@f`'s calls of `@g`.
    fn in_f(m: &Module) -> (usize, usize) {
        let f = &m.funcs[m.func_by_name("f").unwrap()];
        let g = m.func_by_name("g").unwrap();
        let insts = || f.blocks.values().flat_map(|b| &b.insts);
        let loads = insts()
            .filter(|i| matches!(i.kind, InstKind::Load { .. }) && i.origin == Some(g))
            .count();
        let calls = insts()
            .filter(|i| matches!(i.kind, InstKind::Call { callee: Callee::Func(c), .. } if c == g))
            .count();
        (loads, calls)
    }

    #[test]
    fn a_head_is_inlined_where_a_loop_calls_the_function() {
        let (changed, m) = run(&src("", ""), &[]);
        assert!(changed);
        // The call in the loop: the head's load, its `ret 7` a copy, its
        // edge out a call; the call after the loop (made once) stays.
        assert_eq!(in_f(&m), (1, 2), "{m}");
        let text = m.to_string();
        let f = crate::func_text(&text, "f");
        assert!(f.contains("= copy.i32 7"), "{f}");
        // `@g` itself is unchanged.
        let g = crate::func_text(&text, "g");
        assert!(!g.contains("call"), "{g}");
    }

    #[test]
    fn no_head_where_it_would_run_differently_when_called_again() {
        // The head writes the parameter, stores, or calls: the call of the
        // rest would not find what the head found.
        for entry in [
            "    %p = add.ptr %p, 4",
            "    store.i32 %p, 1",
            "    %c = call @g(ptr %p)",
        ] {
            let (changed, m) = run(&src(entry, ""), &[]);
            assert!(!changed, "{entry}:\n{m}");
        }
        // A call made once, outside any loop of a function that does not
        // recurse: left alone.
        let once = src("", "").replace(
            "body:\n    %r = call @g(ptr %p)",
            "body:\n    %r = copy.i32 1",
        );
        let (changed, m) = run(&once, &[]);
        assert!(!changed, "{m}");
        // A call of `@g` in `@g` itself: left alone.
        let own = src("", "    %c = call @g(ptr %p)").replace(
            "body:\n    %r = call @g(ptr %p)",
            "body:\n    %r = copy.i32 1",
        );
        let (changed, m) = run(&own, &[]);
        assert!(!changed, "{m}");
    }

    /// `@g` as a loop over `p` (a tail call of itself made a loop, or a
    /// loop of the program's own): `*p == 0` returns 1, else steps `p`;
    /// `CALLER` follows.
    const WALK: &str = "func @g(%p: ptr) -> i32 {
    local %c: i32
    local %x: i32
entry:
    jump top
top:
    %c = load.i32 %p
    %x = eq.i32 %c, 0
    br.i32 %x, zero, step
zero:
    ret.i32 1
step:
    %p = add.ptr %p, 4
    jump top
}
";

    #[test]
    fn only_a_loop_made_of_self_tail_calls_is_entered_by_a_head() {
        // Made by `tailrec`: its first test is the head's, the rest a call.
        let walk = format!("{WALK}{CALLER}");
        let (changed, m) = run(&walk, &["g"]);
        assert!(changed);
        assert_eq!(in_f(&m), (1, 2), "{m}");
        // The program's own loop (`while (*s) s++`): its first test would
        // run twice where the loop goes on.
        let (changed, m) = run(&walk, &[]);
        assert!(!changed, "{m}");
    }
}
