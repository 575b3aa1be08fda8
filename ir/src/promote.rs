//! Promotion of shadow-stack slots to locals ("scalar replacement"), after
//! inlining and before safepoints are placed.
//!
//! A struct passed or returned by value, or a small local struct or array
//! indexed by constants, lives in a slot of its function's frame: every
//! field access is a load or a store of memory, and every copy of the whole
//! struct a `memmove` call. After inlining (`inline`) most such slots are
//! only ever accessed at constant offsets from their own address, which
//! never escapes. Such a slot is replaced by one local per field: a load
//! becomes a copy from the field's local, a store a copy into it, a copy of
//! the struct from or to memory one load or store per field, a fill one
//! constant per field; the slot leaves the frame.
//!
//! A slot is promoted when:
//! - every local that holds its address is defined once, by `addr $s`, by
//!   `add.ptr` of such a local and a constant, or by a copy of one, and
//!   that definition dominates every use (so the local always holds the
//!   address with a known offset);
//! - such a local is used only as the address of a load or a store, or as
//!   the destination or source of a `memcpy`/`memmove` of a constant
//!   length, or the destination of a `memset` of a constant byte and
//!   length (whose result is never read), inside the slot;
//! - the loads and stores cut the slot into fields that do not overlap
//!   (one field may be read and written as an integer and as a float of its
//!   size: converted by `bitcast`), and no copy or fill cuts a field; bytes
//!   that only copies and fills reach become integer fields;
//! - the function does not call `setjmp` (a `longjmp` gives locals and
//!   memory different values).
//!
//! Values are exactly the bits memory would hold (`PIR.md`: float results
//! are canonical NaNs, a load of a float is its bits), so the program
//! computes the same on every engine. A copy from or to memory that traps
//! traps at the same line, with the same kind (the first field out of
//! bounds), and writes nothing that could be seen after the trap. What
//! differs: the frame is smaller, so the snapshot's frames hold those
//! fields as locals, and a field read before it is written reads 0 (C
//! leaves it indeterminate).
//!
//! The pass is a pure function of the module, so every engine on every
//! host runs the same code and numbers the same resume points.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use crate::entities::{Block, EntityRef, EntityVec, Local, SlotId};
use crate::module::{
    AddrOf, Callee, Function, Inst, InstKind, LocalDecl, Module, Operand, SlotDecl,
};
use crate::opcodes::Opcode;
use crate::types::{align_up, AggKind, MemType, Type, TypeLayouts};
use crate::Builtin;

/// The largest slot promoted, in bytes.
pub const MAX_PROMOTED_BYTES: u64 = 256;

/// The most fields a promoted slot is cut into.
const MAX_FIELDS: usize = 64;

/// The most passes over a function that find the locals holding a slot's
/// address.
const MAX_PASSES: usize = 8;

/// Promotes every slot of every function that can be (module docs).
pub fn promote(m: &mut Module) {
    promote_within(m, &mut crate::Budget::default());
}

/// `promote`, while `budget` lasts: each slot considered costs the
/// function's instructions (a hostile module with many slots in a huge
/// function stops being optimized instead of taking hours).
pub fn promote_within(m: &mut Module, budget: &mut crate::Budget) {
    let layouts = TypeLayouts::new(&m.types);
    let mem: Vec<Option<Builtin>> = m
        .builtins
        .keys()
        .map(|b| {
            m.builtin(b)
                .filter(|b| matches!(b, Builtin::Memcpy | Builtin::Memmove | Builtin::Memset))
        })
        .collect();
    for fid in 0..m.funcs.len() {
        let fid = crate::FuncId::new(fid);
        if crate::jmp::calls_setjmp(m, &m.funcs[fid]) {
            continue;
        }
        let f = &mut m.funcs[fid];
        // The names of `f`'s locals, made once per function (each rewrite
        // adds its own): a set made per promoted slot was quadratic in a
        // function with many slots and locals (ray's `main`, its calls
        // inlined: 8% of a short run).
        let mut names: Option<HashSet<String>> = None;
        let mut s = 0;
        while s < f.slots.len() {
            if !budget.spend(crate::inline::function_size(f)) {
                return;
            }
            let slot = SlotId::new(s);
            let decl = &f.slots[slot].ty;
            let size = layouts.of(decl).map(|l| l.size);
            let leaf = |off: u64| leaf_at(&m.types, &layouts, decl, off);
            match size.and_then(|size| plan(f, slot, size, &mem, leaf)) {
                Some(p) => {
                    let names = names
                        .get_or_insert_with(|| f.locals.values().map(|l| l.name.clone()).collect());
                    rewrite(f, slot, &p, names)
                }
                None => s += 1,
            }
        }
    }
}

/// What a local holding the slot's address is used for.
#[derive(Clone, Debug)]
enum Use {
    /// A load or a store of `ty` at `off`.
    Access(i64, Type),
    /// A copy or fill: destination and source (`None` where it is not the
    /// slot, or a fill), their offsets in the slot, the length.
    Mem(Option<i64>, Option<i64>, u64),
}

/// How a promoted slot is cut: field offset -> type.
struct Plan {
    fields: BTreeMap<i64, Type>,
    /// Per local holding the slot's address: its offset.
    ptrs: HashMap<Local, i64>,
}

/// Same-size integer and float types read each other's bits; `ptr` and
/// `i64` are one another.
fn compatible(a: Type, b: Type) -> bool {
    a.compatible(b)
        || matches!(
            (a, b),
            (Type::I64, Type::F64)
                | (Type::F64, Type::I64)
                | (Type::I32, Type::F32)
                | (Type::F32, Type::I32)
        )
}

/// `leaf(off)`: the scalar the slot's type has at `off`, if any: the type
/// of a field only copies and fills reach.
fn plan(
    f: &Function,
    slot: SlotId,
    size: u64,
    mem: &[Option<Builtin>],
    leaf: impl Fn(u64) -> Option<Type>,
) -> Option<Plan> {
    if size > MAX_PROMOTED_BYTES {
        return None;
    }
    // Definitions of every local: count and the first.
    // Indexed by local (this runs once per slot over the whole function:
    // hashing every instruction's locals took most of the optimizer's
    // time on a function with a hundred slots).
    let n = f.locals.len();
    let mut defs: Vec<(usize, Block, usize)> = vec![(0, Block::new(0), 0); n];
    // Locals read anywhere: a copy's or fill's result may be dropped only
    // if it is never read.
    let mut read_anywhere = vec![false; n];
    for (b, d) in f.blocks.iter() {
        for (i, inst) in d.insts.iter().enumerate() {
            if let Some(e) = inst.kind.dst().and_then(|l| defs.get_mut(l.index())) {
                if e.0 == 0 {
                    *e = (0, b, i);
                }
                e.0 += 1;
            }
            for (_, o) in inst.kind.operands() {
                if let Operand::Local(l) = o {
                    if let Some(r) = read_anywhere.get_mut(l.index()) {
                        *r = true;
                    }
                }
            }
        }
    }
    let single = |l: Local| defs.get(l.index()).is_some_and(|d| d.0 == 1);
    // The locals holding the slot's address, and their offsets: a pass
    // finds those defined after the local they derive from in layout
    // order; a chain running backwards through the layout needs one pass
    // per link, and one longer than `MAX_PASSES` keeps the slot.
    let mut ptrs: HashMap<Local, i64> = HashMap::new();
    let mut passes = 0;
    loop {
        passes += 1;
        if passes > MAX_PASSES {
            return None;
        }
        let mut changed = false;
        for d in f.blocks.values() {
            for inst in &d.insts {
                let (dst, off) = match &inst.kind {
                    InstKind::Addr {
                        dst,
                        of: AddrOf::Slot(s),
                    } if *s == slot => (*dst, 0),
                    InstKind::Unary {
                        op: Opcode::Copy,
                        ty: Type::Ptr,
                        dst,
                        a: Operand::Local(a),
                    } => match ptrs.get(a) {
                        Some(&o) => (*dst, o),
                        None => continue,
                    },
                    InstKind::Binary {
                        op: Opcode::Add,
                        ty: Type::Ptr,
                        dst,
                        a,
                        b,
                    } => match (a, b) {
                        (Operand::Local(a), Operand::Const(c))
                        | (Operand::Const(c), Operand::Local(a)) => match ptrs.get(a) {
                            Some(&o) => (*dst, o.wrapping_add(*c as i64)),
                            None => continue,
                        },
                        _ => continue,
                    },
                    _ => continue,
                };
                if !single(dst) {
                    return None;
                }
                if ptrs.insert(dst, off) != Some(off) {
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    if ptrs.is_empty() {
        return None;
    }
    // Every use of those locals.
    let inside =
        |off: i64, len: u64| off >= 0 && (off as u64).checked_add(len).is_some_and(|e| e <= size);
    let ptr_of = |o: &Operand| match o {
        Operand::Local(l) => ptrs.get(l).copied(),
        Operand::Const(_) => None,
    };
    let mut uses: Vec<Use> = Vec::new();
    // (use block, use index, local read): each must be dominated by the
    // local's definition.
    let mut reads: Vec<(Block, usize, Local)> = Vec::new();
    for (b, d) in f.blocks.iter() {
        for (i, inst) in d.insts.iter().enumerate() {
            let read: Vec<Local> = inst
                .kind
                .operands()
                .filter_map(|(_, o)| match o {
                    Operand::Local(l) if ptrs.contains_key(&l) => Some(l),
                    _ => None,
                })
                .collect();
            if read.is_empty() {
                continue;
            }
            reads.extend(read.iter().map(|&l| (b, i, l)));
            match &inst.kind {
                InstKind::Load { ty, addr, .. } => {
                    let off = ptr_of(addr)?;
                    if !inside(off, ty.bytes() as u64) {
                        return None;
                    }
                    uses.push(Use::Access(off, *ty));
                }
                InstKind::Store { ty, addr, val } => {
                    let off = ptr_of(addr)?;
                    if ptr_of(val).is_some() || !inside(off, ty.bytes() as u64) {
                        return None;
                    }
                    uses.push(Use::Access(off, *ty));
                }
                // Defines another local holding the address (checked above).
                InstKind::Unary {
                    op: Opcode::Copy,
                    ty: Type::Ptr,
                    dst,
                    ..
                }
                | InstKind::Binary {
                    op: Opcode::Add,
                    ty: Type::Ptr,
                    dst,
                    ..
                } if ptrs.contains_key(dst) => {}
                InstKind::Call {
                    dst,
                    callee: Callee::Builtin(bi),
                    args,
                    ..
                } if dst
                    .is_none_or(|d| !read_anywhere.get(d.index()).copied().unwrap_or(false)) =>
                {
                    let kind = mem.get(bi.index()).copied().flatten()?;
                    let [(_, d), (_, x), (_, Operand::Const(n))] = args[..] else {
                        return None;
                    };
                    let (pd, px) = (ptr_of(&d), ptr_of(&x));
                    let ok = match kind {
                        // A constant byte into the slot.
                        Builtin::Memset => matches!(x, Operand::Const(_)),
                        // Between the slot and memory.
                        _ => pd.is_none() || px.is_none(),
                    };
                    if !ok {
                        return None;
                    }
                    for o in [pd, px].into_iter().flatten() {
                        if n == 0 || !inside(o, n) {
                            return None;
                        }
                    }
                    uses.push(Use::Mem(pd, px, n));
                }
                _ => return None,
            }
        }
    }
    // Each read sees the single definition.
    let mut doms: Option<Dominators> = None;
    for (b, i, l) in reads {
        let (_, db, di) = defs[l.index()];
        let ok = if db == b {
            di < i
        } else {
            doms.get_or_insert_with(|| Dominators::new(f))
                .dominates(db, b)
        };
        if !ok {
            return None;
        }
    }
    // Fields: the accesses, which must not overlap unless equal.
    let mut fields: BTreeMap<i64, Type> = BTreeMap::new();
    for u in &uses {
        if let Use::Access(off, ty) = u {
            match fields.get(off) {
                Some(t) if compatible(*t, *ty) => {}
                Some(_) => return None,
                None => {
                    fields.insert(*off, *ty);
                }
            }
        }
    }
    let mut end = i64::MIN;
    for (&off, ty) in &fields {
        if off < end {
            return None;
        }
        end = off + ty.bytes() as i64;
    }
    // Copies and fills: their ends cut no field; the bytes they reach that
    // no access does become integer fields.
    let mut cuts: BTreeSet<i64> = BTreeSet::new();
    let mut spans: Vec<(i64, i64)> = Vec::new();
    for u in &uses {
        if let Use::Mem(pd, px, n) = u {
            for o in [pd, px].into_iter().flatten() {
                cuts.insert(*o);
                cuts.insert(o + *n as i64);
                spans.push((*o, o + *n as i64));
            }
        }
    }
    for (&off, ty) in &fields {
        let end = off + ty.bytes() as i64;
        if cuts.range(off + 1..end).next().is_some() {
            return None;
        }
        cuts.insert(off);
        cuts.insert(end);
    }
    let cuts: Vec<i64> = cuts.into_iter().collect();
    for w in cuts.windows(2) {
        let (a, b) = (w[0], w[1]);
        let covered = fields
            .range(..=a)
            .next_back()
            .is_some_and(|(o, t)| o + t.bytes() as i64 > a);
        let reached = spans.iter().any(|&(s, e)| s <= a && b <= e);
        if covered || !reached {
            continue;
        }
        let mut at = a;
        while at < b {
            let ty = leaf(at as u64)
                .filter(|t| t.bytes() as i64 <= b - at)
                .or_else(|| {
                    [Type::I64, Type::I32, Type::I16, Type::I8]
                        .into_iter()
                        .find(|t| t.bytes() as i64 <= b - at)
                })
                .unwrap_or(Type::I8);
            fields.insert(at, ty);
            at += ty.bytes() as i64;
        }
    }
    if fields.len() > MAX_FIELDS {
        return None;
    }
    // The verifier's bound on a function's size (blocks times locals),
    // with room to spare: one local per field, and one address per field
    // that a copy moves from or to memory.
    let moved: usize = uses
        .iter()
        .map(|u| match u {
            Use::Mem(pd, px, n) if pd.is_none() || px.is_none() => {
                let at = pd.or(*px).unwrap_or(0);
                fields.range(at..at + *n as i64).count()
            }
            _ => 0,
        })
        .sum();
    let locals = f.locals.len() + fields.len() + moved;
    if (f.blocks.len() as u64).saturating_mul(locals as u64) > crate::verify::MAX_FUNC_WEIGHT / 4 {
        return None;
    }
    Some(Plan { fields, ptrs })
}

/// Replaces `slot` by locals as `p` says, and removes it from the frame.
/// `names` holds the names of `f`'s locals; the new ones are added.
fn rewrite(f: &mut Function, slot: SlotId, p: &Plan, names: &mut HashSet<String>) {
    let name = f.slots[slot].name.clone();
    let mut fresh = |f: &mut Function, base: String, ty: Type| {
        let name = crate::inline::fresh(names, base, f.locals.len());
        f.locals.push(LocalDecl { name, ty })
    };
    let field_locals: BTreeMap<i64, (Local, Type)> = p
        .fields
        .iter()
        .map(|(&off, &ty)| (off, (fresh(f, format!("{name}.{off}"), ty), ty)))
        .collect();
    let ptr_of = |o: &Operand| match o {
        Operand::Local(l) => p.ptrs.get(l).copied(),
        Operand::Const(_) => None,
    };
    for bi in 0..f.blocks.len() {
        let b = Block::new(bi);
        let old = std::mem::take(&mut f.blocks[b].insts);
        let mut insts = Vec::with_capacity(old.len());
        for inst in old {
            let at = |kind| Inst {
                kind,
                line: inst.line,
                origin: inst.origin,
            };
            match &inst.kind {
                InstKind::Addr {
                    dst,
                    of: AddrOf::Slot(s),
                } if *s == slot => insts.push(at(InstKind::Unary {
                    op: Opcode::Copy,
                    ty: Type::Ptr,
                    dst: *dst,
                    a: Operand::Const(0),
                })),
                InstKind::Addr {
                    dst,
                    of: AddrOf::Slot(s),
                } if *s > slot => insts.push(at(InstKind::Addr {
                    dst: *dst,
                    of: AddrOf::Slot(SlotId::new(s.index() - 1)),
                })),
                InstKind::Load { ty, dst, addr } if ptr_of(addr).is_some() => {
                    let (fl, fty) = field_locals[&ptr_of(addr).unwrap_or(0)];
                    insts.push(at(move_kind(fty, *ty, *dst, Operand::Local(fl))));
                }
                InstKind::Store { ty, addr, val } if ptr_of(addr).is_some() => {
                    let (fl, fty) = field_locals[&ptr_of(addr).unwrap_or(0)];
                    insts.push(at(move_kind(*ty, fty, fl, *val)));
                }
                InstKind::Call {
                    callee: Callee::Builtin(_),
                    args,
                    ..
                } if args.len() == 3
                    && (ptr_of(&args[0].1).is_some() || ptr_of(&args[1].1).is_some()) =>
                {
                    let (d, x, n) = (args[0].1, args[1].1, args[2].1);
                    let Operand::Const(n) = n else {
                        unreachable!("planned")
                    };
                    let (pd, px) = (ptr_of(&d), ptr_of(&x));
                    for (&off, &(fl, fty)) in field_locals.range(pd.or(px).unwrap_or(0)..) {
                        let base = pd.or(px).unwrap_or(0);
                        if off >= base + n as i64 {
                            break;
                        }
                        let rel = off - base;
                        match (pd, px) {
                            // A fill: the byte in every byte of the field.
                            (Some(_), None) if is_fill(&inst.kind, x) => {
                                let Operand::Const(c) = x else {
                                    unreachable!("planned")
                                };
                                let bits =
                                    (c & 0xff).wrapping_mul(0x0101_0101_0101_0101) & mask(fty);
                                insts.push(at(InstKind::Unary {
                                    op: Opcode::Copy,
                                    ty: fty,
                                    dst: fl,
                                    a: Operand::Const(bits),
                                }));
                            }
                            // From memory at x + rel, or to memory at d + rel.
                            _ => {
                                let (from, mem) = match pd {
                                    Some(_) => (true, x),
                                    None => (false, d),
                                };
                                let a = fresh(
                                    f,
                                    format!("{name}.{}", ["to", "from"][from as usize]),
                                    Type::Ptr,
                                );
                                insts.push(at(InstKind::Binary {
                                    op: Opcode::Add,
                                    ty: Type::Ptr,
                                    dst: a,
                                    a: mem,
                                    b: Operand::Const(rel as u64),
                                }));
                                let addr = Operand::Local(a);
                                insts.push(at(if from {
                                    InstKind::Load {
                                        ty: fty,
                                        dst: fl,
                                        addr,
                                    }
                                } else {
                                    InstKind::Store {
                                        ty: fty,
                                        addr,
                                        val: Operand::Local(fl),
                                    }
                                }));
                            }
                        }
                    }
                }
                _ => insts.push(inst.clone()),
            }
        }
        f.blocks[b].insts = insts;
    }
    let mut slots: Vec<SlotDecl> = std::mem::take(&mut f.slots).as_slice().to_vec();
    slots.remove(slot.index());
    f.slots = EntityVec::from(slots);
}

/// Whether the call is a fill (memset) whose byte is `x`.
fn is_fill(k: &InstKind, x: Operand) -> bool {
    matches!(k, InstKind::Call { args, .. } if args[1].0 != Type::Ptr && matches!(x, Operand::Const(_)))
}

/// The bits of a value of type `ty`.
fn mask(ty: Type) -> u64 {
    match ty.bytes() {
        8 => u64::MAX,
        n => (1u64 << (8 * n)) - 1,
    }
}

/// `dst` (of type `to`) takes the bits of `a` (of type `from`, the same size).
fn move_kind(from: Type, to: Type, dst: Local, a: Operand) -> InstKind {
    if from.compatible(to) {
        InstKind::Unary {
            op: Opcode::Copy,
            ty: to,
            dst,
            a,
        }
    } else {
        InstKind::Convert {
            op: Opcode::Bitcast,
            from,
            to,
            dst,
            a,
        }
    }
}

/// The scalar type at byte `off` of a value of type `t`, if a scalar
/// starts there (a union's first member). Looks `LEAF_DEPTH` types deep
/// and through `LEAF_FIELDS` fields at most (a hostile type table costs
/// no more).
fn leaf_at(
    types: &EntityVec<crate::TypeId, crate::TypeDef>,
    layouts: &TypeLayouts,
    t: &MemType,
    off: u64,
) -> Option<Type> {
    let mut t = t;
    let mut off = off;
    for _ in 0..LEAF_DEPTH {
        (t, off) = match t {
            MemType::Scalar(s) => return (off == 0).then_some(*s),
            MemType::Array(e, n) => {
                let es = layouts.of(e)?.size;
                if es == 0 || off / es >= *n {
                    return None;
                }
                (&**e, off % es)
            }
            MemType::Named(id) => {
                let def = types.get(*id)?;
                if def.kind == AggKind::Union {
                    (def.fields.first()?, off)
                } else {
                    let mut at = 0;
                    let mut inner = None;
                    for fld in def.fields.iter().take(LEAF_FIELDS) {
                        let l = layouts.of(fld)?;
                        at = align_up(at, l.align.max(1));
                        if off >= at && off < at + l.size {
                            inner = Some((fld, off - at));
                            break;
                        }
                        at += l.size;
                    }
                    inner?
                }
            }
        };
    }
    None
}

const LEAF_DEPTH: usize = 16;
const LEAF_FIELDS: usize = 256;

/// Immediate dominators (Cooper, Harvey and Kennedy's iteration over the
/// reverse postorder from the entry).
struct Dominators {
    /// Per block: its immediate dominator (the entry's is itself); `None`
    /// if unreachable.
    idom: Vec<Option<usize>>,
    /// Per block: its reverse-postorder number.
    order: Vec<usize>,
}

impl Dominators {
    fn new(f: &Function) -> Dominators {
        let n = f.blocks.len();
        let succs = f.successor_lists();
        let preds = crate::module::predecessors(&succs);
        // Postorder by an explicit stack.
        let mut post = Vec::with_capacity(n);
        let mut seen = vec![false; n];
        if n > 0 {
            let mut stack = vec![(0usize, 0usize)];
            seen[0] = true;
            while let Some(&mut (b, ref mut next)) = stack.last_mut() {
                if let Some(&s) = succs[b].get(*next) {
                    *next += 1;
                    if !seen[s] {
                        seen[s] = true;
                        stack.push((s, 0));
                    }
                } else {
                    post.push(b);
                    stack.pop();
                }
            }
        }
        let rpo: Vec<usize> = post.into_iter().rev().collect();
        let mut order = vec![usize::MAX; n];
        for (i, &b) in rpo.iter().enumerate() {
            order[b] = i;
        }
        let mut idom: Vec<Option<usize>> = vec![None; n];
        if n > 0 {
            idom[0] = Some(0);
        }
        let mut changed = true;
        while changed {
            changed = false;
            for &b in rpo.iter().skip(1) {
                let mut new: Option<usize> = None;
                for &p in &preds[b] {
                    if idom[p].is_none() {
                        continue;
                    }
                    new = Some(match new {
                        None => p,
                        Some(q) => {
                            let (mut x, mut y) = (p, q);
                            while x != y {
                                while order[x] > order[y] {
                                    x = idom[x].unwrap_or(0);
                                }
                                while order[y] > order[x] {
                                    y = idom[y].unwrap_or(0);
                                }
                            }
                            x
                        }
                    });
                }
                if new.is_some() && idom[b] != new {
                    idom[b] = new;
                    changed = true;
                }
            }
        }
        Dominators { idom, order }
    }

    /// Whether every path from the entry to `b` goes through `a` (true
    /// for an unreachable `b`, which never runs).
    fn dominates(&self, a: Block, b: Block) -> bool {
        let (a, mut b) = (a.index(), b.index());
        if self.idom[b].is_none() {
            return true;
        }
        loop {
            if a == b {
                return true;
            }
            match self.idom[b] {
                Some(d) if d != b && self.order[d] < self.order[b] => b = d,
                _ => return false,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;

    const SRC: &str = "type :v = { f64, f64, i32 }

declare @memmove(ptr, ptr, i64) -> ptr
declare @memset(ptr, i32, i64) -> ptr
declare @puts(ptr) -> i32
declare @setjmp(ptr) -> i32

func @byvalue(%out: ptr, %in: ptr) -> f64 {
    local %a: ptr
    local %b: ptr
    local %x: f64
    local %n: i64
    local %r: ptr
    slot $t: :v
entry:
    %a = addr $t
    %r = call @memset(ptr %a, i32 0, i64 24)
    call @memmove(ptr %a, ptr %in, i64 24)
    %b = add.ptr %a, 8
    %x = load.f64 %b
    %n = load.i64 %b
    store.i64 %a, %n
    call @memmove(ptr %out, ptr %a, i64 24)
    ret.f64 %x
}

func @escapes(%i: i64) -> i32 {
    local %a: ptr
    local %b: ptr
    local %c: ptr
    local %d: ptr
    local %e: ptr
    local %g: ptr
    local %x: i32
    slot $t: [4 x i32]
    slot $u: [4 x i32]
    slot $w: [4 x i32]
    slot $big: [100 x i32]
entry:
    %a = addr $t
    store.i32 %a, 0
    %x = call @puts(ptr %a)
    %b = addr $u
    %c = add.ptr %b, %i
    store.i32 %c, 1
    %d = addr $w
    store.i64 %d, 1
    %e = add.ptr %d, 4
    %x = load.i32 %e
    %g = addr $big
    store.i32 %g, 2
    ret.i32 %x
}

func @undominated(%c: i32) -> i32 {
    local %a: ptr
    local %x: i32
    slot $t: i32
entry:
    br.i32 %c, set, use
set:
    %a = addr $t
    jump use
use:
    %x = load.i32 %a
    ret.i32 %x
}

func @jumps(%b: ptr) -> i32 {
    local %a: ptr
    local %x: i32
    slot $t: i32
entry:
    %a = addr $t
    store.i32 %a, 3
    %x = call @setjmp(ptr %b)
    %x = load.i32 %a
    ret.i32 %x
}
";

    fn body(m: &Module, name: &str) -> String {
        let text = m.to_string();
        let start = text.find(&format!("func @{name}(")).unwrap();
        let end = text[start..].find("\n}\n").unwrap() + start;
        text[start..end].to_string()
    }

    #[test]
    fn promotes_what_stays_at_constant_offsets_and_keeps_the_rest() {
        let mut m = parse(SRC, "t").unwrap();
        promote(&mut m);
        crate::verify(&m).unwrap_or_else(|e| panic!("{e}\n{m}"));
        let f = body(&m, "byvalue");
        // No slot left; fields 0 (stored as i64 first), 8 (f64: loaded as
        // f64 and as i64) and 16 (i32, from the struct's type, reached by
        // copies only), plus the padding after it (copied as bytes); the
        // fill's result is never read and goes.
        assert!(!f.contains("slot"), "{f}");
        for want in [
            "%t.0 = copy.i64 0\n    %t.8 = copy.f64 0.0\n    %t.16 = copy.i32 0\n    %t.20 = copy.i32 0",
            "%t.from = add.ptr %in, 0\n    %t.0 = load.i64 %t.from\n",
            "add.ptr %in, 8\n    %t.8 = load.f64 %t.from.",
            "add.ptr %in, 16\n    %t.16 = load.i32 %t.from.",
            "%x = copy.f64 %t.8",
            "%n = bitcast.f64.i64 %t.8",
            "%t.0 = copy.i64 %n",
            "add.ptr %out, 8\n    store.f64 %t.to.",
            "add.ptr %out, 20\n    store.i32 %t.to.",
        ] {
            assert!(f.contains(want), "{want}:\n{f}");
        }
        assert!(
            !f.contains("call @memmove") && !f.contains("call @memset"),
            "{f}"
        );
        // Passed to a call, indexed by a variable, cut in two sizes, too
        // big: kept. Read where the address may not be set yet: kept. In a
        // function that calls setjmp: kept.
        let e = body(&m, "escapes");
        for kept in ["slot $t:", "slot $u:", "slot $w:", "slot $big:"] {
            assert!(e.contains(kept), "{kept}:\n{e}");
        }
        assert!(body(&m, "undominated").contains("slot $t"));
        assert!(body(&m, "jumps").contains("slot $t"));
        // A fixpoint.
        let text = m.to_string();
        promote(&mut m);
        assert_eq!(m.to_string(), text);
    }

    #[test]
    fn dominators_of_a_diamond_and_a_loop() {
        let m = parse(
            "func @f(%c: i32) -> i32 {
entry:
    br.i32 %c, l, r
l:
    jump join
r:
    jump join
join:
    br.i32 %c, join, out
out:
    ret.i32 0
dead:
    jump out
}
",
            "t",
        )
        .unwrap();
        let f = m.funcs.values().next().unwrap();
        let d = Dominators::new(f);
        let b = |i| Block::new(i);
        assert!(d.dominates(b(0), b(3)));
        assert!(d.dominates(b(3), b(4)));
        assert!(!d.dominates(b(1), b(3)));
        assert!(!d.dominates(b(2), b(3)));
        assert!(!d.dominates(b(4), b(3)));
        // Never runs: anything dominates it.
        assert!(d.dominates(b(1), b(5)));
    }

    /// Address locals derived backwards through the layout are found one
    /// link per pass: a short chain is promoted, one longer than
    /// `MAX_PASSES` keeps its slot.
    #[test]
    fn backward_chains_are_followed_a_bounded_number_of_passes() {
        // Runs entry, b0, d1, ..., dK, use; laid out entry, dK, ..., d1,
        // b0, use: each dk derives %pk from %p(k-1), defined later in the
        // layout.
        let chain = |links: usize| {
            let mut text = String::from("func @f() -> i32 {\n    local %x: i32\n");
            for k in 0..=links {
                text.push_str(&format!("    local %p{k}: ptr\n"));
            }
            text.push_str("    slot $s: i32\nentry:\n    jump b0\n");
            for k in (1..=links).rev() {
                let next = if k == links {
                    "use".to_string()
                } else {
                    format!("d{}", k + 1)
                };
                text.push_str(&format!(
                    "d{k}:\n    %p{k} = copy.ptr %p{}\n    jump {next}\n",
                    k - 1
                ));
            }
            text.push_str(&format!(
                "b0:\n    %p0 = addr $s\n    store.i32 %p0, 7\n    jump d1\nuse:\n    %x = load.i32 %p{links}\n    ret.i32 %x\n}}\n"
            ));
            let mut m = parse(&text, "t").unwrap();
            promote(&mut m);
            crate::verify(&m).unwrap_or_else(|e| panic!("{e}\n{m}"));
            m.to_string().contains("slot $s")
        };
        assert!(!chain(3), "a chain of 3 is promoted");
        assert!(chain(12), "a chain of 12 keeps its slot");
    }
}
