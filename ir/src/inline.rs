//! Inlining of small leaf functions, before safepoints are placed.
//!
//! A call to a function that is small, neither loops nor calls, and
//! cannot trap (no memory access but to a global through its address taken
//! earlier in the same block, within the global's size; no division by a
//! value that may be zero, no `unreachable`, no shadow-stack slots) costs
//! more in the call than in the body: `a(i, j)` of spectralnorm is eleven
//! instructions, a random number generator's `seed = seed * A + C` six.
//! `inline`
//! replaces such calls by a copy of the callee's body. Because the callee
//! cannot trap, poll or be seen in a snapshot, the program's output, traps
//! and snapshots read the same; only the call depth it reaches is smaller
//! (a depth limit is hit one call later).
//!
//! The pass is a pure function of the module and a fixpoint (running it
//! again changes nothing), so every engine on every host runs the same code
//! and numbers the same resume points. It runs when a program starts from
//! its source (`pivm run`); a snapshot embeds the module it ran, so a
//! resume runs exactly that, whatever pivm version made it.

use std::collections::HashSet;

use crate::entities::{Block, EntityRef, EntityVec, FuncId, Local};
use crate::module::{
    AddrOf, BlockData, Callee, Function, Inst, InstKind, LocalDecl, Module, Operand,
};
use crate::opcodes::Opcode;
use crate::types::{Type, TypeLayouts};

/// The largest callee inlined, in instructions.
pub const MAX_INLINE_INSTS: usize = 40;

/// Inlines every call to an inlinable function (see the module docs),
/// until no such call is left.
pub fn inline(m: &mut Module) {
    loop {
        let layouts = TypeLayouts::new(&m.types);
        let sizes: Vec<u64> = m
            .globals
            .values()
            .map(|g| layouts.of(&g.ty).map_or(0, |l| l.size))
            .collect();
        let inlinable: Vec<bool> = m.funcs.values().map(|f| is_inlinable(f, &sizes)).collect();
        let mut changed = false;
        for fid in 0..m.funcs.len() {
            let fid = FuncId::new(fid);
            while let Some((b, i, g)) = find_site(&m.funcs[fid], &inlinable, fid) {
                let callee = m.funcs[g].clone();
                inline_at(&mut m.funcs[fid], b, i, &callee);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
}

/// Whether calls to `f` are inlined (`sizes`: each global's size).
fn is_inlinable(f: &Function, sizes: &[u64]) -> bool {
    let n: usize = f.blocks.values().map(|b| b.insts.len()).sum();
    if n > MAX_INLINE_INSTS || !f.slots.is_empty() || f.blocks.is_empty() {
        return false;
    }
    for (b, data) in f.blocks.iter() {
        // Locals holding a global's address, set earlier in this block,
        // with the global's size.
        let mut global_at: Vec<(Local, u64)> = Vec::new();
        for inst in &data.insts {
            let in_global = |addr: &Operand, ty: Type| match addr {
                Operand::Local(l) => global_at
                    .iter()
                    .any(|&(g, size)| g == *l && ty.bytes() as u64 <= size),
                _ => false,
            };
            let ok = match &inst.kind {
                InstKind::Load { ty, addr, .. } | InstKind::Store { ty, addr, .. } => {
                    in_global(addr, *ty)
                }
                InstKind::Addr {
                    of: AddrOf::Global(_) | AddrOf::Func(_),
                    ..
                } => true,
                InstKind::Call { .. }
                | InstKind::Safepoint
                | InstKind::Unreachable
                | InstKind::Addr { .. } => false,
                InstKind::Binary {
                    op: Opcode::SDiv | Opcode::SRem | Opcode::UDiv | Opcode::URem,
                    b: d,
                    ..
                } => matches!(d, Operand::Const(c) if *c != 0),
                // A retreating edge is a loop.
                k if k.is_terminator() => k.successors().iter().all(|s| s.index() > b.index()),
                _ => true,
            };
            if !ok {
                return false;
            }
            if let Some(d) = inst.kind.dst() {
                global_at.retain(|&(g, _)| g != d);
                if let InstKind::Addr {
                    of: AddrOf::Global(g),
                    ..
                } = inst.kind
                {
                    global_at.push((d, sizes.get(g.index()).copied().unwrap_or(0)));
                }
            }
        }
    }
    true
}

/// The first call in `f` to an inlinable function other than `f`: block,
/// instruction index, callee.
fn find_site(f: &Function, inlinable: &[bool], me: FuncId) -> Option<(Block, usize, FuncId)> {
    for (b, data) in f.blocks.iter() {
        for (i, inst) in data.insts.iter().enumerate() {
            if let InstKind::Call {
                callee: Callee::Func(g),
                ..
            } = &inst.kind
            {
                if *g != me && inlinable[g.index()] {
                    return Some((b, i, *g));
                }
            }
        }
    }
    None
}

/// A name not in `taken`, from `base`; added to `taken`.
fn fresh(taken: &mut HashSet<String>, base: String) -> String {
    let mut name = base.clone();
    let mut k = 1;
    while taken.contains(&name) {
        name = format!("{base}.{k}");
        k += 1;
    }
    taken.insert(name.clone());
    name
}

/// Replaces the call at instruction `at` of block `site` of `f` by the
/// body of `g`: the block is split after the call, `g`'s blocks go
/// between the two halves (so its forward edges stay forward), its
/// parameters and other locals become new locals of `f` (the others
/// zeroed first, as at a function's entry), and each `ret` becomes a copy
/// into the call's destination and a jump to the second half.
fn inline_at(f: &mut Function, site: Block, at: usize, g: &Function) {
    let InstKind::Call { dst, args, .. } = f.blocks[site].insts[at].kind.clone() else {
        unreachable!("inline_at is given a call");
    };
    let call_line = f.blocks[site].insts[at].line;
    let mut names: HashSet<String> = f.locals.values().map(|l| l.name.clone()).collect();
    let locals: Vec<Local> = g
        .locals
        .values()
        .map(|l| {
            let name = fresh(&mut names, format!("{}.{}", l.name, g.name));
            f.locals.push(LocalDecl { name, ty: l.ty })
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
        head.push(Inst::new(
            InstKind::Unary {
                op: Opcode::Copy,
                ty: *ty,
                dst: locals[p],
                a: *a,
            },
            call_line,
        ));
    }
    for (l, decl) in g.locals.iter().skip(g.num_params) {
        head.push(Inst::new(
            InstKind::Unary {
                op: Opcode::Copy,
                ty: decl.ty,
                dst: locals[l.index()],
                a: Operand::Const(0),
            },
            call_line,
        ));
    }
    head.push(Inst::new(
        InstKind::Jump {
            target: g_block(Block::new(0)),
        },
        call_line,
    ));
    let site_name = old[site.index()].name.clone();
    let cont_data = BlockData {
        name: fresh(&mut labels, format!("{site_name}.ret.{}", g.name)),
        insts: tail,
    };
    let mut body: Vec<BlockData> = Vec::with_capacity(n_g);
    for data in g.blocks.values() {
        let mut insts = Vec::with_capacity(data.insts.len() + 1);
        for inst in &data.insts {
            let mut kind = inst.kind.clone();
            if let InstKind::Return { val } = kind {
                if let (Some(d), Some((ty, v))) = (dst, val) {
                    insts.push(Inst::new(
                        InstKind::Unary {
                            op: Opcode::Copy,
                            ty,
                            dst: d,
                            a: map_local(v),
                        },
                        inst.line,
                    ));
                }
                insts.push(Inst::new(InstKind::Jump { target: cont }, inst.line));
                continue;
            }
            remap_blocks(&mut kind, &g_block);
            remap_locals(&mut kind, &map_local, &locals);
            insts.push(Inst::new(kind, inst.line));
        }
        body.push(BlockData {
            name: fresh(&mut labels, format!("{}.{}", data.name, g.name)),
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

fn remap_blocks(k: &mut InstKind, map: &impl Fn(Block) -> Block) {
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

/// Renames the locals of an instruction of an inlinable function (which
/// has no calls, and accesses memory only in globals).
fn remap_locals(k: &mut InstKind, map: &impl Fn(Operand) -> Operand, locals: &[Local]) {
    let dst = |d: &mut Local| *d = locals[d.index()];
    match k {
        InstKind::Load { dst: d, addr, .. } => {
            dst(d);
            *addr = map(*addr);
        }
        InstKind::Store { addr, val, .. } => {
            *addr = map(*addr);
            *val = map(*val);
        }
        InstKind::Addr { dst: d, .. } => dst(d),
        InstKind::Unary { dst: d, a, .. } | InstKind::Convert { dst: d, a, .. } => {
            dst(d);
            *a = map(*a);
        }
        InstKind::Binary { dst: d, a, b, .. } => {
            dst(d);
            *a = map(*a);
            *b = map(*b);
        }
        InstKind::Branch { cond, .. } => *cond = map(*cond),
        InstKind::Switch { val, .. } => *val = map(*val),
        _ => {}
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
    %x = call @a(i32 %i, i32 3)
    %i = call @traps(i32 %i)
    %i = add.i32 %i, 1
    jump head
done:
    ret.i32 0
}
";

    const GLOBALS: &str = "global @seed: i32 = { i32 7 }
global @small: i16 = { i16 1 }

func @next() -> i32 {
    local %p: ptr
    local %x: i32
entry:
    %p = addr @seed
    %x = load.i32 %p
    %x = mul.i32 %x, 1103515245
    store.i32 %p, %x
    ret.i32 %x
}

func @through(%p: ptr) -> i32 {
    local %x: i32
entry:
    %x = load.i32 %p
    ret.i32 %x
}

func @wide() -> i32 {
    local %p: ptr
    local %x: i32
entry:
    %p = addr @small
    %x = load.i32 %p
    ret.i32 %x
}

func @elsewhere(%c: i32) -> i32 {
    local %p: ptr
    local %x: i32
entry:
    %p = addr @seed
    br.i32 %c, a, b
a:
    %x = load.i32 %p
    ret.i32 %x
b:
    ret.i32 0
}

func @main() -> i32 {
    local %x: i32
    local %p: ptr
entry:
    %x = call @next()
    %p = addr @seed
    %x = call @through(ptr %p)
    %x = call @wide()
    %x = call @elsewhere(i32 %x)
    ret.i32 %x
}
";

    /// Memory accesses: only to a global through its address taken
    /// earlier in the same block, within its size, cannot trap.
    #[test]
    fn inlines_leaves_that_only_touch_globals_they_address() {
        let mut m = parse(GLOBALS, "t").unwrap();
        inline(&mut m);
        crate::verify(&m).unwrap_or_else(|e| panic!("{e}\n{m}"));
        let text = m.to_string();
        assert!(!text.contains("call @next("), "{text}");
        for kept in ["call @through(", "call @wide(", "call @elsewhere("] {
            assert!(text.contains(kept), "{kept}: {text}");
        }
        let mut again = m.clone();
        inline(&mut again);
        assert_eq!(again.to_string(), text);
    }

    #[test]
    fn inlines_leaves_that_cannot_trap_and_is_a_fixpoint() {
        let mut m = parse(SRC, "t").unwrap();
        inline(&mut m);
        crate::verify(&m).unwrap_or_else(|e| panic!("{e}\n{m}"));
        let text = m.to_string();
        assert!(!text.contains("call @a("), "{text}");
        assert!(text.contains("call @traps("), "{text}");
        let mut again = m.clone();
        inline(&mut again);
        assert_eq!(again.to_string(), text);
        // The inlined body sits between the call's block and its
        // continuation: no new retreating edge, so no new safepoint.
        let main = m.func_by_name("main").unwrap();
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
}
