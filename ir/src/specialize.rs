//! Calls through a known function pointer made direct, and functions
//! specialized for the function pointer they are passed.
//!
//! `qsort(a, n, sizeof *a, cmp)` calls `cmp` through a pointer at every
//! comparison; so does any C routine that takes a callback. Where the
//! pointer is known (a local whose only definition is `addr @f`, read
//! where that definition has surely run), an indirect call through it
//! becomes `call @f` when the runtime would let the call reach `f`
//! (`contract::indirect_target`: else it stays, and traps as before). A
//! direct call that passes such a known pointer to a parameter its callee
//! never writes calls a copy of the callee specialized for it instead:
//! the copy's first instruction sets the parameter to that pointer, so its
//! own calls through the parameter become direct, and its calls of the
//! original passing the parameter on call the copy (a recursive sort
//! stays in the copy). Then the inliner can inline the callback, which a
//! native build through a library's qsort cannot.
//!
//! A copy is named after the function and the pointer (`@sort.cmp`, made
//! unique); its instructions keep the function they were written in
//! (`Inst::origin`, as inlined ones do), so a trap in it is reported in
//! the original at its line. A frame of the copy in a snapshot or a
//! backtrace carries the copy's name. At most `MAX_CLONES` copies are made
//! for a module, of functions of at most `MAX_CLONE_SIZE`, and none past
//! the verifier's bound on functions; new functions go after the others,
//! so no function pointer value changes (and no pointer reaches a copy:
//! its address is never taken, `contract::indirect_target`). A pure
//! function of the module, run by `optimize` before inlining.

use std::collections::{HashMap, HashSet};

use crate::contract::indirect_target;
use crate::entities::{Block, EntityRef, FuncId, Local};
use crate::inline::{fresh, function_size};
use crate::module::{AddrOf, Callee, Function, Inst, InstKind, Module, Operand};
use crate::types::Type;

/// The most specialized copies made for a module.
pub const MAX_CLONES: usize = 32;

/// The largest function copied (`inline::function_size`).
pub const MAX_CLONE_SIZE: u64 = 4000;

/// Makes the calls through known pointers direct and specializes callees
/// for the pointers they are passed, in every function of `m` and in the
/// copies made; whether anything changed. Each function looked at costs
/// its size from `budget`.
pub fn specialize(m: &mut Module, budget: &mut crate::Budget) -> bool {
    let mut clones: HashMap<(FuncId, usize, FuncId), FuncId> = HashMap::new();
    let mut names = taken_names(m);
    // Copies never have their address taken: computed once.
    let taken = crate::contract::address_taken(m);
    let mut made = 0;
    // The parameters each callee never writes (`fixed_params`).
    let mut fixed: HashMap<FuncId, Vec<bool>> = HashMap::new();
    let mut changed = false;
    let mut fi = 0;
    while fi < m.funcs.len() {
        let fid = FuncId::new(fi);
        fi += 1;
        if !budget.spend(function_size(&m.funcs[fid])) {
            break;
        }
        changed |= devirtualize(m, &taken, fid);
        let sites = call_sites(&m.funcs[fid]);
        // Retargeting calls sets no local: computed once.
        let defs = Defs::of(&m.funcs[fid]);
        for (b, i) in sites {
            // One known pointer at a time: the copy may be specialized
            // again for the next.
            loop {
                let f = &m.funcs[fid];
                let InstKind::Call {
                    callee: Callee::Func(g),
                    args,
                    ..
                } = &f.blocks[b].insts[i].kind
                else {
                    break;
                };
                let g = *g;
                // The first known pointer `g` is not specialized for
                // already, and the copy for it (made if need be).
                let mut pick = None;
                for (j, (_, a)) in args.iter().enumerate() {
                    // A pointer to a function whose address is not taken
                    // reaches nothing (`contract::indirect_target`): the
                    // copy would take it.
                    let Some(p) = defs
                        .known(m, b, i, *a)
                        .filter(|p| taken.get(p.index()).copied().unwrap_or(false))
                    else {
                        continue;
                    };
                    match clones.get(&(g, j, p)) {
                        Some(&c) if c == g => continue,
                        Some(&c) => pick = Some(Ok(c)),
                        None if fixed
                            .entry(g)
                            .or_insert_with(|| {
                                budget.spend(function_size(&m.funcs[g]));
                                fixed_params(&m.funcs[g])
                            })
                            .get(j)
                            .copied()
                            .unwrap_or(false) =>
                        {
                            pick = Some(Err((j, p)))
                        }
                        None => continue,
                    }
                    break;
                }
                let target = match pick {
                    None => break,
                    Some(Ok(c)) => c,
                    Some(Err((j, p))) => {
                        if made >= MAX_CLONES
                            || m.funcs.len() >= crate::verify::MAX_FUNCS
                            || function_size(&m.funcs[g]) > MAX_CLONE_SIZE
                        {
                            break;
                        }
                        let c = copy_for(m, g, j, p, &mut names);
                        made += 1;
                        clones.insert((g, j, p), c);
                        // The copy is specialized for its own pointer: a
                        // call of it passing the parameter on stays.
                        clones.insert((c, j, p), c);
                        c
                    }
                };
                if let InstKind::Call { callee, .. } = &mut m.funcs[fid].blocks[b].insts[i].kind {
                    *callee = Callee::Func(target);
                }
                changed = true;
            }
        }
    }
    changed
}

/// The direct calls of `f`, by block and index.
fn call_sites(f: &Function) -> Vec<(Block, usize)> {
    let mut v = Vec::new();
    for (b, d) in f.blocks.iter() {
        for (i, inst) in d.insts.iter().enumerate() {
            if matches!(
                inst.kind,
                InstKind::Call {
                    callee: Callee::Func(_),
                    ..
                }
            ) {
                v.push((b, i));
            }
        }
    }
    v
}

/// Per parameter of `g`: whether it holds what the caller passed all
/// through `g` (no instruction writes it) and is a pointer.
fn fixed_params(g: &Function) -> Vec<bool> {
    let mut fixed: Vec<bool> = g.params().map(|t| t == Type::Ptr).collect();
    for i in g.blocks.values().flat_map(|b| &b.insts) {
        if let Some(d) = i.kind.dst() {
            if let Some(f) = fixed.get_mut(d.index()) {
                *f = false;
            }
        }
    }
    fixed
}

/// Where each local of a function is set, for `Defs::known`.
struct Defs {
    /// Per local: its only definition, `addr @g` (block, index, `g`);
    /// `None` if it has none, several, or another kind.
    only_fn: Vec<Option<(Block, usize, FuncId)>>,
    /// Whether a branch goes back to the entry block.
    entry_has_preds: bool,
}

impl Defs {
    fn of(f: &Function) -> Defs {
        let mut count = vec![0u32; f.locals.len()];
        let mut only_fn = vec![None; f.locals.len()];
        for (b, d) in f.blocks.iter() {
            for (i, inst) in d.insts.iter().enumerate() {
                let Some(l) = inst.kind.dst() else { continue };
                count[l.index()] += 1;
                only_fn[l.index()] = match inst.kind {
                    InstKind::Addr {
                        of: AddrOf::Func(g),
                        ..
                    } if count[l.index()] == 1 => Some((b, i, g)),
                    _ => None,
                };
            }
        }
        let entry = Block::new(0);
        let entry_has_preds = f
            .blocks
            .values()
            .filter_map(|d| d.insts.last())
            .any(|t| t.kind.successors().contains(&entry));
        Defs {
            only_fn,
            entry_has_preds,
        }
    }

    /// The function `a` designates when instruction `i` of block `b`
    /// reads it, if that is known: a constant function pointer, or a
    /// local whose only definition is `addr @g` and has run whenever `i`
    /// does (it is earlier in the same block, or first in the entry
    /// block, or anywhere in an entry block nothing branches back to,
    /// read from another block).
    fn known(&self, m: &Module, b: Block, i: usize, a: Operand) -> Option<FuncId> {
        let l = match a {
            Operand::Const(c) => return m.func_from_ptr(c),
            Operand::Local(l) => l,
        };
        let (db, di, g) = (*self.only_fn.get(l.index())?)?;
        let entry = Block::new(0);
        let runs_first = (db == b && di < i)
            || (db == entry && di == 0)
            || (db == entry && !self.entry_has_preds && b != entry);
        runs_first.then_some(g)
    }
}

/// Makes the calls of function `fid` through known pointers direct where
/// the call would reach that function; whether any was.
fn devirtualize(m: &mut Module, taken: &[bool], fid: FuncId) -> bool {
    let f = &m.funcs[fid];
    let defs = Defs::of(f);
    let mut direct = Vec::new();
    for (b, d) in f.blocks.iter() {
        for (i, inst) in d.insts.iter().enumerate() {
            let InstKind::Call {
                callee: Callee::Indirect(p),
                args,
                dst,
                ..
            } = &inst.kind
            else {
                continue;
            };
            let Some(g) = defs.known(m, b, i, *p) else {
                continue;
            };
            if indirect_target(m, taken, f, args, *dst, Module::func_ptr(g)) == Some(g) {
                direct.push((b, i, g));
            }
        }
    }
    let changed = !direct.is_empty();
    for (b, i, g) in direct {
        if let InstKind::Call { callee, .. } = &mut m.funcs[fid].blocks[b].insts[i].kind {
            *callee = Callee::Func(g);
        }
    }
    changed
}

/// Appends a copy of `g` whose parameter `j` is set to function `p`'s
/// pointer first thing; returns its id.
fn copy_for(m: &mut Module, g: FuncId, j: usize, p: FuncId, names: &mut HashSet<String>) -> FuncId {
    let base = format!("{}.{}", m.funcs[g].name, m.funcs[p].name);
    let c = copy_of(m, g, base, names);
    if let Some(entry) = m.funcs[c].blocks.values_mut().next() {
        let line = entry.insts.first().map_or(0, |i| i.line);
        entry.insts.insert(
            0,
            Inst {
                kind: InstKind::Addr {
                    dst: Local::new(j),
                    of: AddrOf::Func(p),
                },
                line,
                origin: Some(g),
            },
        );
    }
    c
}

/// The names taken in `m`: functions, globals and builtins share one
/// namespace.
pub(crate) fn taken_names(m: &Module) -> HashSet<String> {
    m.funcs
        .values()
        .map(|f| f.name.clone())
        .chain(m.globals.values().map(|g| g.name.clone()))
        .chain(m.builtins.values().map(|b| b.name.clone()))
        .collect()
}

/// Appends a copy of `g` named `base` (made unique among `names`) to `m`:
/// its instructions keep the function they were written in
/// (`Inst::origin`), so a trap in the copy is reported in the original.
pub(crate) fn copy_of(
    m: &mut Module,
    g: FuncId,
    base: String,
    names: &mut HashSet<String>,
) -> FuncId {
    let mut c = m.funcs[g].clone();
    c.name = fresh(names, base, m.funcs.len());
    for inst in c.blocks.values_mut().flat_map(|b| b.insts.iter_mut()) {
        inst.origin = Some(inst.func(g));
    }
    m.funcs.push(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(src: &str) -> Module {
        let mut m = crate::parse(src, "t.pir").unwrap();
        specialize(&mut m, &mut crate::Budget::default());
        crate::verify(&m).unwrap_or_else(|e| panic!("{e}\n{m}"));
        m
    }

    use crate::func_text as body;

    const CB: &str = "func @inc(%x: i32) -> i32 {
    local %r: i32
entry:
    %r = add.i32 %x, 1
    ret.i32 %r
}

func @wide(%x: i64) -> i64 {
entry:
    ret.i64 %x
}
";

    #[test]
    fn calls_through_known_pointers_become_direct_where_they_would_reach() {
        let src = format!(
            "{CB}
func @main(%q: ptr) -> i32 {{
    local %p: ptr
    local %w: ptr
    local %a: i32
    local %b: i64
entry:
    %a = call %p(i32 1)
    %p = addr @inc
    %w = addr @wide
    %a = call %p(i32 %a)
    %a = call %q(i32 %a)
    %b = call %w(i32 %a)
    ret.i32 %a
}}
"
        );
        let text = run(&src).to_string();
        let main = body(&text, "main");
        // Before the address is taken %p is 0: the call stays (and traps).
        assert!(main.contains("%a = call %p(i32 1)"), "{main}");
        assert!(main.contains("%a = call @inc(i32 %a)"), "{main}");
        // A parameter is not known; a call with another signature traps.
        assert!(main.contains("%a = call %q(i32 %a)"), "{main}");
        assert!(main.contains("%b = call %w(i32 %a)"), "{main}");
    }

    #[test]
    fn a_callee_is_copied_for_the_pointer_it_is_passed_and_recursion_stays_in_the_copy() {
        let src = format!(
            "{CB}
func @walk(%n: i32, %f: ptr) -> i32 {{
    local %c: i32
    local %m: i32
    local %r: i32
entry:
    %c = sle.i32 %n, 0
    br.i32 %c, done, more
done:
    ret.i32 0
more:
    %m = sub.i32 %n, 1
    %r = call @walk(i32 %m, ptr %f)
    %r = call %f(i32 %r)
    ret.i32 %r
}}

func @reset(%n: i32, %f: ptr) -> i32 {{
    local %r: i32
entry:
    %f = addr @inc
    %r = call %f(i32 %n)
    ret.i32 %r
}}

func @main() -> i32 {{
    local %p: ptr
    local %a: i32
entry:
    %p = addr @inc
    %a = call @walk(i32 5, ptr %p)
    %a = call @reset(i32 %a, ptr %p)
    ret.i32 %a
}}
"
        );
        let m = run(&src);
        let text = m.to_string();
        let copy = body(&text, "walk.inc");
        assert!(copy.contains("%f = addr @inc"), "{copy}");
        assert!(copy.contains("call @walk.inc(i32 %m, ptr %f)"), "{copy}");
        assert!(copy.contains("%r = call @inc(i32 %r)"), "{copy}");
        // Its instructions are reported in @walk.
        assert!(copy.contains("in @walk"), "{copy}");
        let main = body(&text, "main");
        assert!(main.contains("call @walk.inc(i32 5, ptr %p)"), "{main}");
        // @reset writes its parameter: called as it is.
        assert!(main.contains("call @reset(i32 %a, ptr %p)"), "{main}");
        assert_eq!(m.funcs.len(), 6, "{text}");
        // A fixpoint.
        let mut again = m.clone();
        specialize(&mut again, &mut crate::Budget::default());
        assert_eq!(again, m);
    }

    #[test]
    fn no_copy_for_a_pointer_to_a_function_whose_address_is_not_taken() {
        // @inc is function 0: pointer 1, passed as a constant; nothing
        // takes its address, so the call through it traps, and a copy
        // setting the parameter to `addr @inc` would make it reach.
        let src = format!(
            "{CB}
func @walk(%n: i32, %f: ptr) -> i32 {{
    local %r: i32
entry:
    %r = call %f(i32 %n)
    ret.i32 %r
}}

func @main() -> i32 {{
    local %a: i32
entry:
    %a = call @walk(i32 5, ptr 1)
    ret.i32 %a
}}
"
        );
        let m = run(&src);
        let text = m.to_string();
        assert!(
            body(&text, "main").contains("call @walk(i32 5, ptr 1)"),
            "{text}"
        );
        assert!(!text.contains("addr @inc"), "{text}");
    }

    #[test]
    fn a_copy_takes_a_name_no_global_has_and_no_function_past_the_bound() {
        let walk = "func @walk(%n: i32, %f: ptr) -> i32 {
    local %r: i32
entry:
    %r = call %f(i32 %n)
    ret.i32 %r
}

func @main() -> i32 {
    local %p: ptr
    local %a: i32
entry:
    %p = addr @inc
    %a = call @walk(i32 5, ptr %p)
    ret.i32 %a
}
";
        let m = run(&format!(
            "global @walk.inc: i32

{CB}
{walk}"
        ));
        let text = m.to_string();
        assert!(!text.contains("func @walk.inc("), "{text}");
        assert!(text.contains("call @walk.inc."), "{text}");
        // The text parses back: no name is defined twice.
        crate::parse(&text, "t.pir").unwrap_or_else(|e| panic!("{e}\n{text}"));
        // A module at the verifier's bound on functions gets no copy.
        let mut src = format!("{CB}\n{walk}");
        for k in 0..crate::verify::MAX_FUNCS - 4 {
            src += &format!("func @pad{k}() {{\nentry:\n    ret\n}}\n");
        }
        let m = run(&src);
        assert_eq!(m.funcs.len(), crate::verify::MAX_FUNCS);
    }

    #[test]
    fn copies_are_bounded() {
        let mut src = String::from(
            "func @apply(%x: i32, %f: ptr) -> i32 {
    local %r: i32
entry:
    %r = call %f(i32 %x)
    ret.i32 %r
}
",
        );
        let mut main =
            String::from("func @main() -> i32 {\n    local %p: ptr\n    local %a: i32\nentry:\n");
        for k in 0..MAX_CLONES + 8 {
            src += &format!("func @c{k}(%x: i32) -> i32 {{\nentry:\n    ret.i32 %x\n}}\n");
            main += &format!("    %p = addr @c{k}\n    %a = call @apply(i32 %a, ptr %p)\n");
        }
        // %p has many definitions: nothing is known.
        let m = run(&format!("{src}{main}    ret.i32 %a\n}}\n"));
        assert_eq!(m.funcs.len(), MAX_CLONES + 10);
        let mut main = String::from("func @main() -> i32 {\n    local %a: i32\n");
        for k in 0..MAX_CLONES + 8 {
            main += &format!("    local %p{k}: ptr\n");
        }
        main += "entry:\n";
        for k in 0..MAX_CLONES + 8 {
            main += &format!("    %p{k} = addr @c{k}\n    %a = call @apply(i32 %a, ptr %p{k})\n");
        }
        let m = run(&format!("{src}{main}    ret.i32 %a\n}}\n"));
        assert_eq!(m.funcs.len(), MAX_CLONES + 10 + MAX_CLONES);
    }
}
