//! Locals that only ever hold one constant, read as that constant.
//!
//! C's `int nb = 4096, deg = 8;` never changes, and gcc -O2 divides by
//! 4096 with a mask and runs `k < deg` as a loop of eight; so does an
//! inlined function's parameter to which every call passes the same
//! constant (`inline` copies the argument in). The JIT cannot see it by
//! itself: every safepoint of a loop is also a way in for a rewind, which
//! gives each local the value its snapshot holds, so after the first
//! safepoint the local is a value Cranelift knows nothing of. This pass
//! makes the module itself read the constant: where every instruction
//! that writes a local (not a parameter) of an integer or pointer type is
//! `copy` of one same constant, and every read of it comes after a write
//! on every path from the entry (definite assignment, so no read sees
//! the value a local has before its first write), each read becomes
//! the constant, and an integer operation whose operands are all
//! constants becomes a `copy` of its result (`fold`), so a local computed
//! from constants is one in the next round. The writes are left to
//! `dce`, and the local leaves the
//! frames (`liveness`), so it is in no snapshot; as a resume runs the
//! module its snapshot embeds, both engines and every host agree. A
//! longjmp back to a setjmp call keeps such a local's value too: every
//! path to a read writes it first, each time with the constant.
//!
//! A pure function of the module, run by `optimize` after inlining (whose
//! copies of constant arguments it reads) and before `constargs` (which
//! then sees the constants passed on).

use crate::entities::EntityRef;
use crate::module::{Callee, Function, InstKind, Module, Operand};
use crate::opcodes::Opcode;

/// Rounds per function: each may make the locals computed from the
/// last round's constants constant (`fold`); chains deeper than this are
/// rare (`int w = 512, h = w, n = w * h;` takes three).
const MAX_ROUNDS: usize = 4;

/// What the writes of a local give it.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
enum Val {
    /// Not written.
    None,
    Const(u64),
    Varies,
}

/// Reads every local of every function of `m` that holds one constant
/// as that constant; each function costs its size (twice: the analysis
/// may visit it a few times) from `budget`. Whether anything changed.
pub fn constant_locals(m: &mut Module, budget: &mut crate::Budget) -> bool {
    let mut changed = false;
    for f in m.funcs.values_mut() {
        for _ in 0..MAX_ROUNDS {
            if !budget.spend(2 * crate::inline::function_size(f)) || !round(f) {
                break;
            }
            changed = true;
        }
    }
    changed
}

/// One round over `f`: whether it read any local as a constant.
fn round(f: &mut Function) -> bool {
    {
        let consts = constants(f);
        if consts.iter().all(Option::is_none) {
            return false;
        }
        let map = |o: Operand| match o {
            Operand::Local(l) => consts[l.index()].map_or(o, Operand::Const),
            o => o,
        };
        for inst in f.blocks.values_mut().flat_map(|b| &mut b.insts) {
            crate::inline::remap_operands(&mut inst.kind, &map);
            fold(&mut inst.kind);
        }
    }
    true
}

/// An integer operation of constants becomes a `copy` of its result, as
/// the interpreter computes it (`opcodes::eval_*`): a local it writes may
/// then hold one constant in turn (`%w = sext.i32.i64 %nb`). Division
/// and remainder by zero stay (they trap), as do float operations.
fn fold(k: &mut InstKind) {
    use crate::opcodes::{eval_binary, eval_convert, eval_unary, OpClass};
    let (dst, ty, v) = match *k {
        InstKind::Unary {
            op: op @ (Opcode::Neg | Opcode::Not),
            ty,
            dst,
            a: Operand::Const(a),
        } => (dst, ty, eval_unary(op, ty, a)),
        InstKind::Binary {
            op,
            ty,
            dst,
            a: Operand::Const(a),
            b: Operand::Const(b),
        } if ty.is_int()
            && matches!(
                op.class(),
                OpClass::IntBinary | OpClass::IntDivRem | OpClass::IntCompare
            ) =>
        {
            match eval_binary(op, ty, a, b) {
                Ok(v) => (dst, op.result_type(ty), v),
                Err(_) => return,
            }
        }
        InstKind::Convert {
            op: op @ (Opcode::SExt | Opcode::ZExt | Opcode::Trunc),
            from,
            to,
            dst,
            a: Operand::Const(a),
        } if from.is_int() && to.is_int() => (dst, to, eval_convert(op, from, to, a)),
        _ => return,
    };
    *k = InstKind::Unary {
        op: Opcode::Copy,
        ty,
        dst,
        a: Operand::Const(v),
    };
}

/// Per local of `f`: the constant every read of it sees, if there is one.
fn constants(f: &Function) -> Vec<Option<u64>> {
    let n = f.locals.len();
    let mut val = vec![Val::None; n];
    for v in val.iter_mut().take(f.num_params) {
        *v = Val::Varies;
    }
    for (l, d) in f.locals.iter() {
        if d.ty.is_float() {
            val[l.index()] = Val::Varies;
        }
    }
    for inst in f.blocks.values().flat_map(|b| &b.insts) {
        let Some(d) = inst.kind.dst() else { continue };
        let v = &mut val[d.index()];
        *v = match (&inst.kind, *v) {
            (_, Val::Varies) => Val::Varies,
            (
                InstKind::Unary {
                    op: Opcode::Copy,
                    a: Operand::Const(k),
                    ..
                },
                Val::None,
            ) => Val::Const(*k),
            (
                InstKind::Unary {
                    op: Opcode::Copy,
                    a: Operand::Const(k),
                    ..
                },
                Val::Const(c),
            ) if c == *k => Val::Const(c),
            _ => Val::Varies,
        };
    }
    // A function pointer stays a local: `call %fp` reads a local.
    for inst in f.blocks.values().flat_map(|b| &b.insts) {
        if let InstKind::Call {
            callee: Callee::Indirect(Operand::Local(l)),
            ..
        } = &inst.kind
        {
            val[l.index()] = Val::Varies;
        }
    }
    let cand: Vec<usize> = (0..n)
        .filter(|&l| matches!(val[l], Val::Const(_)))
        .collect();
    if cand.is_empty() {
        return vec![None; n];
    }
    let assigned = definitely_assigned(f, &cand);
    // A read where some path has not written the local yet disqualifies it.
    let mut ok = vec![true; cand.len()];
    let slot = |l: usize| cand.binary_search(&l).ok();
    for (b, d) in f.blocks.iter() {
        let mut now = assigned[b.index()].clone();
        for inst in &d.insts {
            for (_, o) in inst.kind.operands() {
                if let Operand::Local(l) = o {
                    if let Some(i) = slot(l.index()) {
                        ok[i] &= now[i];
                    }
                }
            }
            if let Some(i) = inst.kind.dst().and_then(|d| slot(d.index())) {
                now[i] = true;
            }
        }
    }
    let mut out = vec![None; n];
    for (i, &l) in cand.iter().enumerate() {
        if let (true, Val::Const(k)) = (ok[i], val[l]) {
            out[l] = Some(k);
        }
    }
    out
}

/// Per block of `f` and candidate local (`cand`, sorted): whether every
/// path from the entry to the block's start writes it. Blocks no path
/// reaches keep `true` (they never run).
fn definitely_assigned(f: &Function, cand: &[usize]) -> Vec<Vec<bool>> {
    let nb = f.blocks.len();
    let preds = f.predecessor_lists();
    // What each block writes.
    let slot = |l: usize| cand.binary_search(&l).ok();
    let writes: Vec<Vec<usize>> = f
        .blocks
        .values()
        .map(|d| {
            d.insts
                .iter()
                .filter_map(|i| i.kind.dst().and_then(|d| slot(d.index())))
                .collect()
        })
        .collect();
    let mut at_start = vec![vec![true; cand.len()]; nb];
    if nb == 0 {
        return at_start;
    }
    at_start[0] = vec![false; cand.len()];
    let at_end = |start: &[bool], b: usize| {
        let mut v = start.to_vec();
        for &i in &writes[b] {
            v[i] = true;
        }
        v
    };
    // A must-analysis from the optimistic start; each round can only
    // clear bits, so it ends within candidates x blocks rounds (in
    // practice two or three: blocks are mostly in order).
    let mut changed = true;
    while changed {
        changed = false;
        for b in 1..nb {
            let mut v = vec![true; cand.len()];
            for &p in &preds[b] {
                let e = at_end(&at_start[p], p);
                for (x, y) in v.iter_mut().zip(e) {
                    *x &= y;
                }
            }
            if v != at_start[b] {
                at_start[b] = v;
                changed = true;
            }
        }
    }
    at_start
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::func_text as body;

    fn run(src: &str) -> String {
        let mut m = crate::parse(src, "t.pir").unwrap();
        constant_locals(&mut m, &mut crate::Budget::default());
        crate::verify(&m).unwrap_or_else(|e| panic!("{e}\n{m}"));
        m.to_string()
    }

    #[test]
    fn a_local_written_once_with_a_constant_is_read_as_it() {
        let text = run("func @f(%x: i64) -> i64 {
    local %nb: i32
    local %i: i32
    local %h: i64
    local %w: i64
    local %c: i32
entry:
    %nb = copy.i32 4096
    %i = copy.i32 0
    %h = copy.i64 0
    jump loop
loop:
    %c = slt.i32 %i, %nb
    br.i32 %c, body, done
body:
    %w = sext.i32.i64 %nb
    %h = urem.i64 %x, %w
    %nb = copy.i32 4096
    %i = add.i32 %i, 1
    safepoint
    jump loop
done:
    ret.i64 %h
}
");
        let f = body(&text, "f");
        assert!(f.contains("%c = slt.i32 %i, 4096"), "{f}");
        // The extension of the constant is folded, and its local is a
        // constant in the next round.
        assert!(f.contains("%w = copy.i64 4096"), "{f}");
        assert!(f.contains("%h = urem.i64 %x, 4096"), "{f}");
        // Written with other values, or a parameter: still read.
        assert!(f.contains("ret.i64 %h"), "{f}");
        assert!(f.contains("add.i32 %i, 1"), "{f}");
    }

    #[test]
    fn a_local_read_before_its_write_or_written_twice_differently_stays() {
        let text = run("func @f(%x: i32) -> i32 {
    local %a: i32
    local %b: i32
    local %c: i32
    local %p: ptr
    local %r: i32
entry:
    %p = copy.ptr 4096
    br.i32 %x, set, join
set:
    %a = copy.i32 7
    %b = copy.i32 1
    jump join
join:
    %b = copy.i32 2
    %r = add.i32 %a, %b
    %c = copy.i32 9
    %r = add.i32 %r, %c
    %r = call %p(i32 %r)
    ret.i32 %r
}
");
        let f = body(&text, "f");
        // `a` is not written on the path that skips `set`; `b` holds 1 or
        // 2; `p` is called through. `c` is written before its one read.
        assert!(f.contains("%r = add.i32 %a, %b"), "{f}");
        assert!(f.contains("%r = add.i32 %r, 9"), "{f}");
        assert!(f.contains("call %p("), "{f}");
    }
}
