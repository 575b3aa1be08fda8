//! Parameters that every call passes the same constant.
//!
//! `qsort(a, n, sizeof *a, cmp)` hands its element size to the merge sort
//! it calls, which tests it for every element it moves (4 and 8 bytes as
//! one integer, anything else by a `memcpy` call); a sort in a native
//! libc cannot know the size, and gcc -O2 propagates such a constant into
//! a function of the program (interprocedural constant propagation) only
//! where every call passes it. So does this pass: where every direct call
//! of a function from the functions that can run passes the same constant
//! for a parameter the function reads and never writes, those calls go to
//! a copy of the function that reads the constant in place of the
//! parameter. The JIT (Cranelift) then folds what follows from it: the
//! tests, the branches on them, and the calls they avoid, so that a loop
//! left with no call keeps its values in registers instead of spilling
//! them around a call it never makes.
//!
//! A function can run if a thread can start in it (`main`, the module's
//! first function, the signal entry, a function whose address is taken)
//! or a function that can run calls it directly
//! (`contract::Reach::can_run`).
//! Calls from the others (a function whose every caller now calls a copy)
//! do not count. The original's instructions stay as they were (its calls
//! that pass the constants call the copy), so an indirect call (if its
//! address is taken) and a call passing something else still run it as
//! written; the copy's own calls of the original that pass the same
//! constants call the copy (a recursion stays in it).
//! Copies are made in rounds, as a copy's calls now pass constants on (a
//! `qsort` copy for size 4 passes 4 to the sort it calls); at most
//! `MAX_COPIES` for a module, of functions of at most `MAX_COPY_SIZE`,
//! none past the verifier's bound on
//! functions, appended after the others (no function pointer changes). A
//! copy is named `@f.const` (made unique); its instructions keep the
//! function they were written in (`Inst::origin`), so a trap is reported
//! in the original at its line. A pure function of the module, run by
//! `optimize` after inlining.

use std::collections::HashMap;

use crate::entities::{EntityRef, FuncId, Local};
use crate::inline::{function_size, remap_operands};
use crate::module::{Callee, Function, InstKind, Module, Operand};
use crate::opcodes::OpClass;
use crate::specialize::{copy_of, taken_names};

/// The most copies made for a module.
pub const MAX_COPIES: usize = 16;

/// The largest function copied (`inline::function_size`): the copy is
/// compiled besides the original, which stays.
pub const MAX_COPY_SIZE: u64 = 400;

/// What the calls of a function pass for one of its parameters.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
enum Passed {
    /// No call seen yet.
    Nothing,
    /// This constant, by every call seen.
    Const(u64),
    /// Something else somewhere.
    Varies,
}

impl Passed {
    fn meet(&mut self, c: Option<u64>) {
        *self = match (*self, c) {
            (Passed::Nothing, Some(c)) => Passed::Const(c),
            (Passed::Const(a), Some(c)) if a == c => Passed::Const(a),
            _ => Passed::Varies,
        };
    }
}

/// Makes the copies (see the module's doc); whether it made any. Each
/// round costs the module's size from `budget`.
pub fn constant_arguments(m: &mut Module, budget: &mut crate::Budget) -> bool {
    let mut names = taken_names(m);
    let mut made = 0;
    loop {
        let size: u64 = m.funcs.values().map(function_size).sum();
        if !budget.spend(size) {
            return made > 0;
        }
        let live = crate::contract::Reach::of(m).can_run(m);
        let read = m.funcs.values().map(read_fixed_params).collect::<Vec<_>>();
        let dec = deciding(m);
        let mut passed: Vec<Vec<Passed>> = m
            .funcs
            .values()
            .map(|f| vec![Passed::Nothing; f.num_params])
            .collect();
        for (fid, f) in m.funcs.iter() {
            if !live[fid.index()] {
                continue;
            }
            for inst in f.blocks.values().flat_map(|b| &b.insts) {
                let InstKind::Call {
                    callee: Callee::Func(g),
                    args,
                    ..
                } = &inst.kind
                else {
                    continue;
                };
                for (j, (_, a)) in args.iter().enumerate() {
                    let Some(p) = passed[g.index()].get_mut(j) else {
                        continue;
                    };
                    match a {
                        Operand::Const(c) => p.meet(Some(*c)),
                        // A recursion passing the parameter on.
                        Operand::Local(l) if *g == fid && l.index() == j => {}
                        Operand::Local(_) => p.meet(None),
                    }
                }
            }
        }
        let before = made;
        for gi in 0..passed.len() {
            let g = FuncId::new(gi);
            let consts: Vec<(usize, u64)> = passed[gi]
                .iter()
                .enumerate()
                .filter_map(|(j, p)| match p {
                    Passed::Const(c) if read[gi][j] && dec[gi][j] => Some((j, *c)),
                    _ => None,
                })
                .collect();
            if consts.is_empty() {
                continue;
            }
            if made >= MAX_COPIES
                || m.funcs.len() >= crate::verify::MAX_FUNCS
                || function_size(&m.funcs[g]) > MAX_COPY_SIZE
            {
                continue;
            }
            let name = format!("{}.const", m.funcs[g].name);
            let c = copy_of(m, g, name, &mut names);
            let map = |o: Operand| match o {
                Operand::Local(l) => consts
                    .iter()
                    .find(|(j, _)| *j == l.index())
                    .map_or(o, |(_, k)| Operand::Const(*k)),
                o => o,
            };
            for inst in m.funcs[c].blocks.values_mut().flat_map(|b| &mut b.insts) {
                remap_operands(&mut inst.kind, &map);
            }
            retarget(m, g, c, &consts);
            made += 1;
        }
        if made == before {
            return made > 0;
        }
    }
}

/// Per function and parameter: whether a constant in its place decides
/// something: a compare, a division or a branch reads the parameter, a
/// copy of it (an inlined callee's parameter) or a conversion of it, or a
/// direct call passes it
/// to a parameter that decides something in the callee. An address
/// computed from a constant saves an instruction at most: no copy for it.
fn deciding(m: &Module) -> Vec<Vec<bool>> {
    let mut dec: Vec<Vec<bool>> = Vec::with_capacity(m.funcs.len());
    // (caller, parameter) decides if (callee, position) does.
    let mut edges: Vec<(usize, usize, usize, usize)> = Vec::new();
    for (fid, f) in m.funcs.iter() {
        // Per local: the parameter it is a copy of, copies of copies
        // included (a few levels: inlining nests them).
        let mut of: Vec<Option<usize>> = (0..f.locals.len())
            .map(|l| (l < f.num_params).then_some(l))
            .collect();
        for _ in 0..4 {
            let mut more = false;
            for inst in f.blocks.values().flat_map(|b| &b.insts) {
                let (dst, a) = match inst.kind {
                    InstKind::Unary { op, dst, a, .. } if op.class() == OpClass::Copy => (dst, a),
                    InstKind::Convert { dst, a, .. } => (dst, a),
                    _ => continue,
                };
                let src = local_of(a).and_then(|l| of[l.index()]);
                if src.is_some() && of[dst.index()].is_none() {
                    of[dst.index()] = src;
                    more = true;
                }
            }
            if !more {
                break;
            }
        }
        let param = |o: Operand| local_of(o).and_then(|l| of[l.index()]);
        let mut d = vec![false; f.num_params];
        for inst in f.blocks.values().flat_map(|b| &b.insts) {
            let read: &[Operand] = match &inst.kind {
                InstKind::Binary { op, a, b, .. }
                    if matches!(op.class(), OpClass::IntCompare | OpClass::IntDivRem) =>
                {
                    &[*a, *b]
                }
                InstKind::Branch { cond: v, .. }
                | InstKind::Switch { val: v, .. }
                | InstKind::Select { cond: v, .. } => std::slice::from_ref(v),
                InstKind::Call {
                    callee: Callee::Func(g),
                    args,
                    ..
                } => {
                    for (k, (_, a)) in args.iter().enumerate() {
                        if let Some(j) = param(*a) {
                            edges.push((fid.index(), j, g.index(), k));
                        }
                    }
                    &[]
                }
                _ => &[],
            };
            for j in read.iter().filter_map(|o| param(*o)) {
                d[j] = true;
            }
        }
        dec.push(d);
    }
    // Backwards along the edges from what decides, each parameter once:
    // linear in the edges.
    let mut into: HashMap<(usize, usize), Vec<(usize, usize)>> = HashMap::new();
    for &(f, j, g, k) in &edges {
        into.entry((g, k)).or_default().push((f, j));
    }
    let mut work: Vec<(usize, usize)> = dec
        .iter()
        .enumerate()
        .flat_map(|(f, d)| {
            d.iter()
                .enumerate()
                .filter(|x| *x.1)
                .map(move |(j, _)| (f, j))
        })
        .collect();
    while let Some(at) = work.pop() {
        for &(f, j) in into.get(&at).map_or(&[][..], |v| v) {
            if !dec[f][j] {
                dec[f][j] = true;
                work.push((f, j));
            }
        }
    }
    dec
}

/// Per parameter of `f`: whether an instruction reads it and none writes
/// it (so every read sees what the caller passed).
fn read_fixed_params(f: &Function) -> Vec<bool> {
    let mut read = vec![false; f.num_params];
    let mut written = vec![false; f.num_params];
    for inst in f.blocks.values().flat_map(|b| &b.insts) {
        if let Some(w) = inst.kind.dst().and_then(|d| written.get_mut(d.index())) {
            *w = true;
        }
        for (_, o) in inst.kind.operands() {
            if let Some(r) = local_of(o).and_then(|l| read.get_mut(l.index())) {
                *r = true;
            }
        }
    }
    read.iter().zip(&written).map(|(r, w)| *r && !w).collect()
}

fn local_of(o: Operand) -> Option<Local> {
    match o {
        Operand::Local(l) => Some(l),
        Operand::Const(_) => None,
    }
}

/// Every direct call of `g`, anywhere in `m` (`c` included), that passes
/// `consts` calls `c` instead.
fn retarget(m: &mut Module, g: FuncId, c: FuncId, consts: &[(usize, u64)]) {
    for f in m.funcs.values_mut() {
        for inst in f.blocks.values_mut().flat_map(|b| &mut b.insts) {
            if let InstKind::Call { callee, args, .. } = &mut inst.kind {
                if *callee == Callee::Func(g)
                    && consts
                        .iter()
                        .all(|(j, k)| args.get(*j).is_some_and(|a| a.1 == Operand::Const(*k)))
                {
                    *callee = Callee::Func(c);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(src: &str) -> (Module, String) {
        let mut m = crate::parse(src, "t.pir").unwrap();
        constant_arguments(&mut m, &mut crate::Budget::default());
        crate::verify(&m).unwrap_or_else(|e| panic!("{e}\n{m}"));
        let text = m.to_string();
        (m, text)
    }

    use crate::func_text as body;

    /// A sort that tests its element size and recurses passing it on,
    /// called through a wrapper that passes its own parameter.
    const SORT: &str = "func @sort(%p: ptr, %n: i64, %s: i64) -> i64 {
    local %c: i32
    local %m: i64
entry:
    %c = eq.i64 %s, 4
    br.i32 %c, four, other
four:
    %m = sub.i64 %n, 1
    %c = sle.i64 %m, 0
    br.i32 %c, done, again
again:
    %m = call @sort(ptr %p, i64 %m, i64 %s)
    ret.i64 %m
other:
    %m = mul.i64 %n, %s
    ret.i64 %m
done:
    ret.i64 %n
}

func @wrap(%p: ptr, %n: i64, %size: i64) -> i64 {
    local %r: i64
entry:
    %r = mul.i64 %n, %size
    %r = call @sort(ptr %p, i64 %r, i64 %size)
    ret.i64 %r
}
";

    #[test]
    fn a_constant_every_call_passes_is_read_in_a_copy() {
        let (m, text) = run(&format!(
            "{SORT}
func @main(%q: ptr) -> i32 {{
    local %r: i64
entry:
    %r = call @wrap(ptr %q, i64 10, i64 4)
    %r = call @wrap(ptr %q, i64 %r, i64 4)
    ret.i32 0
}}
"
        ));
        let main = body(&text, "main");
        assert_eq!(
            main.matches("call @wrap.const(ptr %q,").count(),
            2,
            "{text}"
        );
        // The wrapper's copy passes the constant on, so the sort's
        // callers (the wrapper's copy, itself) agree: the next round
        // copies it too, and its recursion stays in the copy.
        let wrap = body(&text, "wrap.const");
        assert!(wrap.contains("%r = mul.i64 %n, 4"), "{wrap}");
        assert!(
            wrap.contains("call @sort.const(ptr %p, i64 %r, i64 4)"),
            "{wrap}"
        );
        let sort = body(&text, "sort.const");
        assert!(sort.contains("%c = eq.i64 4, 4"), "{sort}");
        assert!(
            sort.contains("call @sort.const(ptr %p, i64 %m, i64 4)"),
            "{sort}"
        );
        let insts = &sort[sort.find('\n').unwrap()..];
        assert!(
            !insts.contains("%s,") && !insts.contains(", %s\n"),
            "{sort}"
        );
        // The originals are as they were.
        assert_eq!(body(&text, "sort"), body(SORT, "sort"));
        assert_eq!(body(&text, "wrap"), body(SORT, "wrap"));
        let copy = m.func_by_name("sort.const").unwrap();
        assert!(m.funcs[copy].blocks.values().all(|b| b
            .insts
            .iter()
            .all(|i| i.origin == Some(m.func_by_name("sort").unwrap()))));
    }

    #[test]
    fn no_copy_where_calls_disagree_or_nothing_is_decided() {
        let sites = |a: &str, b: &str| {
            format!(
                "{SORT}
func @main(%q: ptr) -> i32 {{
    local %r: i64
entry:
    %r = call @wrap(ptr %q, i64 10, i64 {a})
    %r = call @wrap(ptr %q, i64 %r, i64 {b})
    ret.i32 0
}}
"
            )
        };
        for (a, b) in [("4", "8"), ("4", "%r")] {
            let (m, text) = run(&sites(a, b));
            assert!(m.func_by_name("wrap.const").is_none(), "{a} {b}: {text}");
            assert!(m.func_by_name("sort.const").is_none(), "{a} {b}: {text}");
        }
        // A size used only in arithmetic, a parameter written, a call from
        // a function whose address is taken passing another value; and the
        // same function with none of these, which is copied.
        let f = |body: &str| {
            format!("func @f(%n: i64, %s: i64) -> i64 {{\n    local %c: i32\nentry:\n{body}}}\n")
        };
        let decides =
            "    %c = eq.i64 %s, 4\n    br.i32 %c, a, b\na:\n    ret.i64 %n\nb:\n    ret.i64 %s\n";
        let g = "func @g(%x: i64) -> i64 {\nentry:\n    %x = call @f(i64 3, i64 %x)\n    ret.i64 %x\n}\n";
        for (fs, take_g, copied) in [
            (f("    %n = mul.i64 %n, %s\n    ret.i64 %n\n"), false, false),
            (
                f(&format!("    %s = add.i64 %s, 1\n{decides}")),
                false,
                false,
            ),
            (f(decides) + g, true, false),
            (f(decides) + g, false, true),
        ] {
            let take = if take_g { "    %p = addr @g\n" } else { "" };
            let (m, text) = run(&format!(
                "{fs}func @main() -> i32 {{\n    local %r: i64\n    local %p: ptr\nentry:\n{take}    \
                 %r = call @f(i64 3, i64 4)\n    ret.i32 0\n}}\n"
            ));
            assert_eq!(m.func_by_name("f.const").is_some(), copied, "{text}");
        }
    }
}
