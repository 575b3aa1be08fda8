//! Lowering of the instructions of a function body: scalar operations
//! (integer and float arithmetic, comparisons, conversions), loads and
//! stores with their access checks (`host_addr`), addresses, and control
//! flow. Calls and safepoints are handed to `calls` and `unwind`.

use super::window::{Check, WINDOW};
use super::{clif, forward, iconst, nan, vm_flags, KeyOperand, Lower, PureKey};
use cranelift_codegen::entity::packed_option::ReservedValue;
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{types, BlockArg, InstBuilder, MemFlagsData, Value};
use cranelift_frontend::Switch;
use pivm_ir::contract::NULL_PAGE;
use pivm_ir::{
    AddrOf, Builtin, Callee, EntityRef, InstKind, Module, OpClass, Opcode, Operand, TrapKind, Type,
};
use std::collections::HashMap;

impl Lower<'_, '_> {
    /// The host address of VM address `addr`, after the access check
    /// `check` (`window`).
    fn host_addr(&mut self, addr: Value, check: Check) -> Value {
        match check {
            Check::Exact => {
                if let Some(h) = self.checked.get(&self.addr_key(addr)) {
                    // Checked already on this straight-line path (same
                    // rule for every access size): reuse the host address.
                    return *h;
                }
            }
            Check::Hoisted(r, k) => {
                // The loop's guard checked its range; its host address
                // steps with the induction variable (only fast copies plan
                // this check).
                if let Some(li) = self.fast {
                    let h = self.b.use_var(self.range_vars[li][r].0);
                    return self.b.ins().iadd_imm_s(h, k);
                }
            }
            Check::Covered | Check::Frame(_) | Check::Static => {
                // The group's window, checked on this path, covers it; or
                // it lies in the frame or in a global (`window`).
                let mb = self.b.use_var(self.mem_base);
                return self.b.ins().iadd(mb, addr);
            }
            Check::Window { k, kmin } => {
                // base + kmin - NULL_PAGE < bound - WINDOW + 1, else the
                // rest of the run is the slow copy's, with exact checks.
                // `bound - WINDOW + 1`, or 0 if negative: computed here
                // from `bound` (Cranelift hoists it out of loops), not kept
                // in a register throughout the function.
                let bd = self.b.use_var(self.bound);
                let w = WINDOW as i64;
                let t = self.b.ins().iadd_imm_s(bd, 1 - w);
                let small = self.b.ins().icmp_imm_u(IntCC::UnsignedLessThan, bd, w);
                let zero = self.b.ins().iconst(types::I64, 0);
                let bw = self.b.ins().select(small, zero, t);
                let x = self
                    .b
                    .ins()
                    .iadd_imm_s(addr, kmin.wrapping_sub(k).wrapping_sub(NULL_PAGE as i64));
                let ok = self.b.ins().icmp(IntCC::UnsignedLessThan, x, bw);
                let cont = self.b.create_block();
                let slow = self.cold_block();
                self.b.ins().brif(ok, cont, &[], slow, &[]);
                self.seal(&[cont]);
                self.slow_entries.push((self.inst_index, slow));
                self.b.switch_to_block(cont);
                let mb = self.b.use_var(self.mem_base);
                let h = self.b.ins().iadd(mb, addr);
                self.checked.insert(self.addr_key(addr), h);
                return h;
            }
        }
        self.exact_checks += 1;
        let bound = self.b.use_var(self.bound);
        let off = self.b.ins().iadd_imm_s(addr, -(NULL_PAGE as i64));
        let ok = self
            .b
            .ins()
            .icmp(IntCC::UnsignedLessThanOrEqual, off, bound);
        let cont = self.b.create_block();
        let cold = self.cold_block();
        self.b.ins().brif(ok, cont, &[], cold, &[]);
        self.seal(&[cont, cold]);
        self.b.switch_to_block(cold);
        let loc = self.loc();
        self.b.ins().jump(
            self.mem_trap,
            &[BlockArg::Value(addr), BlockArg::Value(loc)],
        );
        self.b.switch_to_block(cont);
        let mb = self.b.use_var(self.mem_base);
        let h = self.b.ins().iadd(mb, addr);
        self.checked.insert(self.addr_key(addr), h);
        h
    }

    /// Whether VM address `addr` passed its access check on this path.
    pub(super) fn is_checked(&self, addr: Value) -> bool {
        self.checked.contains_key(&self.addr_key(addr))
    }

    /// `addr` as a value plus a constant, seeing through the additions of
    /// constants that make it (`%p + 1` lowered twice is one key): an
    /// address known checked under either spelling is the same address.
    /// A constant address (a global's, made anew at each `addr @g`) is
    /// keyed by its value alone, so a global read twice on a path (with no
    /// store or call between) is loaded once: dijkstra's `heap`, read at
    /// each `heap[c]`.
    fn addr_key(&self, addr: Value) -> (Value, i64) {
        let dfg = &self.b.func.dfg;
        // A few levels: `(p + 8) + 4`; deeper chains are rare.
        let (v, k) = super::peephole::plus_const(dfg, addr, 4);
        match super::peephole::const_of(dfg, v) {
            Some(c) => (ReservedValue::reserved_value(), k.wrapping_add(c)),
            None => (v, k),
        }
    }

    /// The key of integer operation `op` (at Cranelift type `ty`) on `a`
    /// and `b` in `pure`.
    fn pure_key(&self, op: Opcode, ty: types::Type, a: Value, b: KeyOperand) -> PureKey {
        (op, ty, KeyOperand::of(&self.b, a), b)
    }

    /// The value `pure` has for `key`, else `make`'s, which it then has.
    fn reuse(
        &mut self,
        key: Option<PureKey>,
        make: impl FnOnce(&mut Self) -> Result<Value, String>,
    ) -> Result<Value, String> {
        if let Some(&v) = key.as_ref().and_then(|k| self.pure.get(k)) {
            return Ok(v);
        }
        let v = make(self)?;
        if let Some(k) = key {
            self.pure.insert(k, v);
        }
        Ok(v)
    }

    /// Lowers every block, then the fast copy and the guard of each
    /// versioned loop (`hoist`).
    pub(super) fn body(&mut self) -> Result<(), String> {
        let f = self.f;
        for bi in f.blocks.keys() {
            let blk = self.blocks[bi.index()];
            self.block(bi, blk)?;
        }
        for li in 0..self.loops.len() {
            self.fast = Some(li);
            self.lowered = None;
            for copy in 0..self.fast_blocks[li].len() {
                self.fast_copy = copy;
                for bi in f.blocks.keys() {
                    if let Some(&blk) = self.fast_blocks[li][copy].get(&bi.index()) {
                        self.block(bi, blk)?;
                    }
                }
            }
            self.fast_copy = 0;
            if let Some(blocks) = self.short_blocks[li].clone() {
                self.short = true;
                self.lowered = None;
                for bi in f.blocks.keys() {
                    if let Some(&blk) = blocks.get(&bi.index()) {
                        self.block(bi, blk)?;
                    }
                }
                self.short = false;
            }
            self.fast = None;
            self.guard(li)?;
        }
        Ok(())
    }

    /// Lowers IR block `bi` into `blk`.
    fn block(
        &mut self,
        bi: pivm_ir::Block,
        blk: cranelift_codegen::ir::Block,
    ) -> Result<(), String> {
        let n = self.f.blocks[bi].insts.len();
        self.b.switch_to_block(blk);
        self.cur_block = bi.index();
        self.checked.clear();
        self.nonzero.clear();
        self.pure.clear();
        self.loaded.clear();
        if self.fast.is_none() && self.sealed_early[bi.index()] {
            // Its predecessors' terminators are emitted: sealed, a local
            // read here is the value it had in all of them if they agree
            // (else a new parameter), so an address checked, or memory
            // loaded, in all of them with the same values is known here.
            self.seal(&[blk]);
            let preds = &self.preds[bi.index()];
            self.checked = common(preds.iter().map(|p| self.checked_at_end.get(p)));
            self.pure = common(preds.iter().map(|p| self.pure_at_end.get(p)));
            self.loaded = common(preds.iter().map(|p| self.loaded_at_end.get(p)));
        }
        if !self.continues_straight(bi) {
            self.memory.clear();
        }
        self.round_start(bi);
        let mut start = 0;
        while start < n {
            let end = (start..n)
                .find(|&i| self.plans[bi.index()].ends_run[i])
                .unwrap_or(n);
            self.run(bi, start, end)?;
            if end < n {
                if end == n - 1 {
                    self.step_ranges(bi);
                    if self.fast.is_none() && !self.checked.is_empty() {
                        self.checked_at_end.insert(bi.index(), self.checked.clone());
                    }
                    if self.fast.is_none() && !self.pure.is_empty() {
                        self.pure_at_end.insert(bi.index(), self.pure.clone());
                    }
                    if self.fast.is_none() && !self.loaded.is_empty() {
                        self.loaded_at_end.insert(bi.index(), self.loaded.clone());
                    }
                }
                self.lower_inst(bi, end, Check::Exact)?;
            }
            start = end + 1;
        }
        match self.fast {
            Some(_) => self.lowered = Some((bi.index(), self.fast_copy)),
            None => self.lowered_main = Some(bi.index()),
        }
        Ok(())
    }

    /// Whether the block lowered last is the only way into `bi` (in the
    /// fast copy being lowered, or outside fast copies into a block no
    /// fast copy exits to), so what it knew of memory holds here.
    fn continues_straight(&self, bi: pivm_ir::Block) -> bool {
        let Some(li) = self.fast else {
            return self.single_pred[bi.index()].is_some_and(|p| self.lowered_main == Some(p))
                && !self.loops.iter().any(|lp| lp.exits_to(self.f, bi));
        };
        let Some((pb, pc)) = self.lowered else {
            return false;
        };
        let lp = &self.loops[li];
        if bi == lp.header {
            // An unrolled iteration's header is entered from the latch of
            // the one before only; the first's also from the guard.
            pc + 1 == self.fast_copy && pb == lp.latch.index()
        } else {
            pc == self.fast_copy && self.single_pred[bi.index()] == Some(pb)
        }
    }

    /// The check planned for instruction `ii` of `bi`: the fast copy's plan
    /// while one is lowered.
    fn planned(&self, bi: pivm_ir::Block, ii: usize) -> Check {
        match self.fast {
            Some(li) if !self.short => self.fast_plans[li][&bi.index()].checks[ii],
            _ => self.plans[bi.index()].checks[ii],
        }
    }

    /// What this path stored or loaded at `(range, k)` (`forward`), read
    /// as `ty`: a loose value as memory holds it, canonical, unless the
    /// local it goes to is loose itself (`loose_dst`); the same bytes known
    /// as the other type of their size, by their bits (as memory holds
    /// them).
    pub(super) fn known(
        &mut self,
        range: usize,
        k: i64,
        ty: Type,
        loose_dst: bool,
    ) -> Option<Value> {
        if let Some((v, loose)) = self.memory.get(range, k, clif(ty)) {
            return Some(if loose && !loose_dst {
                self.canonical(ty, v)
            } else {
                v
            });
        }
        let other = match ty {
            Type::I64 | Type::Ptr => Type::F64,
            Type::F64 => Type::I64,
            Type::I32 => Type::F32,
            Type::F32 => Type::I32,
            _ => return None,
        };
        let (v, loose) = self.memory.get(range, k, clif(other))?;
        let v = if loose { self.canonical(other, v) } else { v };
        Some(self.b.ins().bitcast(clif(ty), MemFlagsData::new(), v))
    }

    /// Whether `k` is a copy or fill lowered inline whose every range is
    /// inside the frame (`bytes`, `window::BlockPlan::frame_args`): it
    /// needs no check and writes only the frame, so what is known of other
    /// memory stays.
    pub(super) fn frame_mem_call(&self, k: &InstKind) -> bool {
        let InstKind::Call {
            callee: Callee::Builtin(bi),
            args,
            ..
        } = k
        else {
            return false;
        };
        let Some((b, _)) = super::bytes::inline_mem(self.env.m, *bi, args) else {
            return false;
        };
        let [d, x] = self.planned_frame_args();
        d.is_some() && (b == Builtin::Memset || x.is_some())
    }

    /// For the instruction being lowered, a call of a constant length:
    /// whether its first and second arguments are addresses of that many
    /// bytes inside the frame (`window::BlockPlan::frame_args`).
    pub(super) fn planned_frame_args(&self) -> [Option<i64>; 2] {
        let (bi, ii) = (self.cur_block, self.inst_index);
        match self.fast {
            Some(li) if !self.short => self.fast_plans[li][&bi].frame_args[ii],
            _ => self.plans[bi].frame_args[ii],
        }
    }

    /// Where a branch of the current block to IR block `to` goes: within a
    /// fast copy, to its blocks (the latch's back edge to the next unrolled
    /// iteration's header); into a versioned loop's header from outside
    /// the loop, to the loop's guard; else to the block itself.
    fn target(&self, to: pivm_ir::Block) -> cranelift_codegen::ir::Block {
        if let (Some(li), true) = (self.fast, self.short) {
            if let Some(&b) = self.short_blocks[li]
                .as_ref()
                .and_then(|s| s.get(&to.index()))
            {
                return b;
            }
        } else if let Some(li) = self.fast {
            let copies = &self.fast_blocks[li];
            let copy = if self.cur_block == self.loops[li].latch.index() {
                (self.fast_copy + 1) % copies.len()
            } else {
                self.fast_copy
            };
            if let Some(&b) = copies[copy].get(&to.index()) {
                return b;
            }
        }
        for (li, lp) in self.loops.iter().enumerate() {
            if lp.header == to && !lp.in_loop[self.cur_block] {
                return self.guards[li];
            }
        }
        self.blocks[to.index()]
    }

    /// Lowers the run `[start, end)` of block `bi` (`window`): its
    /// accesses checked as planned, then, if a window was checked, the
    /// slow copy of the run from the first window on, with exact checks,
    /// entered where a window fails; both join at the end of the run.
    fn run(&mut self, bi: pivm_ir::Block, start: usize, end: usize) -> Result<(), String> {
        self.slow_entries.clear();
        // What was checked before the run holds on both of its paths.
        let before = self.checked.clone();
        let nonzero_before = self.nonzero.clone();
        // Needed only where a window's slow copy follows.
        let windowed = (start..end).any(|ii| matches!(self.planned(bi, ii), Check::Window { .. }));
        let pure_before = if windowed {
            self.pure.clone()
        } else {
            Default::default()
        };
        for ii in start..end {
            let check = self.planned(bi, ii);
            self.lower_inst(bi, ii, check)?;
        }
        if self.slow_entries.is_empty() {
            return Ok(());
        }
        let entries = std::mem::take(&mut self.slow_entries);
        let join = self.b.create_block();
        self.b.ins().jump(join, &[]);
        let first = entries[0].0;
        let mut next = entries.iter().peekable();
        for ii in first..end {
            if let Some(&&(at, slow)) = next.peek() {
                if at == ii {
                    next.next();
                    if ii != first {
                        self.b.ins().jump(slow, &[]);
                    }
                    self.seal(&[slow]);
                    self.b.switch_to_block(slow);
                    // Values checked on the fast path do not dominate it;
                    // what it loaded before the run may have been stored
                    // over since.
                    self.checked.clone_from(&before);
                    self.nonzero.clone_from(&nonzero_before);
                    self.pure.clone_from(&pure_before);
                    self.memory.clear();
                    self.loaded.clear();
                }
            }
            self.lower_inst(bi, ii, Check::Exact)?;
        }
        // Windows are planned only where the slow copy has none.
        debug_assert!(self.slow_entries.is_empty());
        self.b.ins().jump(join, &[]);
        self.seal(&[join]);
        self.b.switch_to_block(join);
        self.checked = before;
        self.nonzero = nonzero_before;
        self.pure = pure_before;
        self.memory.clear();
        self.loaded.clear();
        Ok(())
    }

    pub(super) fn lower_inst(
        &mut self,
        bi: pivm_ir::Block,
        ii: usize,
        check: Check,
    ) -> Result<(), String> {
        let inst = &self.f.blocks[bi].insts[ii];
        self.loc = super::loc_bits(inst.func(self.fid), inst.line);
        self.inst_index = ii;
        let rid = self.rid_at.get(&(bi.index(), ii)).copied();
        // A resume block has other predecessors (the rewind switch): what
        // was known is forgotten before it; a builtin call may change
        // `bound` or write memory (or land a longjmp after it): after it,
        // its own lowering (an inline copy's range tests) still knows.
        if rid.is_some() {
            self.forget();
        }
        let site = self.site_at.get(&(bi.index(), ii)).copied();
        self.inst(&inst.kind, rid, site, check)?;
        if rid.is_none() && self.plans[bi.index()].ends_run[ii] {
            self.forget();
        }
        Ok(())
    }

    /// Forgets what the current path knows: checked addresses, divisors,
    /// loaded values and the operations made.
    fn forget(&mut self) {
        self.checked.clear();
        self.nonzero.clear();
        self.pure.clear();
        self.loaded.clear();
    }

    /// Lowers one instruction: `rid` is its resume point, `site` its
    /// setjmp site, if it is one; `check` how its memory access is checked.
    pub(super) fn inst(
        &mut self,
        k: &InstKind,
        rid: Option<u32>,
        site: Option<u32>,
        check: Check,
    ) -> Result<(), String> {
        if matches!(k, InstKind::Call { .. }) && !self.frame_mem_call(k) {
            // It may write memory (`forward`; `loaded` was cleared by
            // `lower_inst`: every call that may write memory ends a run).
            self.memory.clear();
        }
        match k {
            InstKind::Unary { op, ty, dst, a } => {
                if *op == Opcode::Copy {
                    // A loose local copied into one that is not must be
                    // canonicalized (`nan`).
                    let loose_src = matches!(a, Operand::Local(l) if self.loose[l.index()]);
                    let v = self.operand(*ty, *a);
                    if loose_src {
                        self.def_loose(*dst, v);
                    } else {
                        self.def(*dst, v);
                    }
                    return Ok(());
                }
                let a = if *op == Opcode::FNeg {
                    self.operand_seen(*ty, *a)
                } else {
                    self.operand(*ty, *a)
                };
                let r = match op {
                    Opcode::Neg => self.b.ins().ineg(a),
                    Opcode::Not => self.b.ins().bnot(a),
                    Opcode::FNeg => self.b.ins().fneg(a),
                    _ => return Err(format!("'{}' is not a unary opcode", op.name())),
                };
                self.def(*dst, r);
            }
            InstKind::Select {
                ty,
                dst,
                cond,
                a,
                b,
            } => {
                // Each operand as a copy of it would be (`nan`): a loose
                // one canonicalized unless `dst` is loose too.
                let keep = self.loose[dst.index()];
                let mut pick = |o: Operand| {
                    if keep {
                        self.operand(*ty, o)
                    } else {
                        self.operand_seen(*ty, o)
                    }
                };
                let (va, vb) = (pick(*a), pick(*b));
                let c = self.operand(Type::I32, *cond);
                let r = self.b.ins().select(c, va, vb);
                self.def(*dst, r);
            }
            InstKind::Binary { op, ty, dst, a, b } => {
                let a = self.operand(*ty, *a);
                let b = self.operand(*ty, *b);
                let key = matches!(
                    op,
                    Opcode::Add
                        | Opcode::Sub
                        | Opcode::Mul
                        | Opcode::Shl
                        | Opcode::LShr
                        | Opcode::AShr
                        | Opcode::And
                        | Opcode::Or
                        | Opcode::Xor
                )
                .then(|| self.pure_key(*op, clif(*ty), a, KeyOperand::of(&self.b, b)));
                let r = self.reuse(key, |l| l.binary(*op, *ty, a, b))?;
                if nan::is_loose_op(*op) {
                    self.def_loose(*dst, r);
                } else {
                    self.def(*dst, r);
                }
            }
            InstKind::Convert {
                op,
                from,
                to,
                dst,
                a,
            } => {
                let r = if *op == Opcode::Bitcast && from.is_float() {
                    // Float to integer: the bits, canonicalized if loose.
                    self.operand_seen_bits(*from, *a)
                } else if matches!(op, Opcode::SExt | Opcode::ZExt | Opcode::Trunc) {
                    // Integers only: the key's second operand names the
                    // type converted from.
                    let a = self.operand(*from, *a);
                    let bits = KeyOperand::Const(i64::from(clif(*from).bits()));
                    let key = self.pure_key(*op, clif(*to), a, bits);
                    self.reuse(Some(key), |l| l.convert(*op, *from, *to, a))?
                } else {
                    let a = self.operand(*from, *a);
                    self.convert(*op, *from, *to, a)?
                };
                if nan::is_loose_op(*op) {
                    self.def_loose(*dst, r);
                } else {
                    self.def(*dst, r);
                }
            }
            InstKind::Load { ty, dst, addr } => {
                let hoisted = match check {
                    Check::Hoisted(r, k) if self.fast.is_some() => Some((r, k)),
                    Check::Frame(k) => Some((forward::FRAME, k)),
                    _ => None,
                };
                if let Some((r, k)) = hoisted {
                    let any_nan = self.loose[dst.index()] || self.blind[dst.index()];
                    if let Some(v) = self.known(r, k, *ty, any_nan) {
                        self.def(*dst, v);
                        return Ok(());
                    }
                }
                let a = self.operand(Type::Ptr, *addr);
                let h = self.host_addr(a, check);
                // Loaded already on this path, with no store or call
                // since: the same bits (a window is still checked above,
                // for the accesses it covers).
                let key = hoisted.is_none().then(|| (self.addr_key(a), clif(*ty)));
                if let Some(&v) = key.and_then(|k| self.loaded.get(&k)) {
                    self.def(*dst, v);
                    return Ok(());
                }
                let v = self.b.ins().load(clif(*ty), vm_flags(), h, 0);
                self.def(*dst, v);
                match (hoisted, key) {
                    (Some((r, k)), _) => self.memory.loaded(r, k, clif(*ty), v),
                    (None, Some(key)) => {
                        self.loaded.insert(key, v);
                    }
                    (None, None) => {}
                }
            }
            InstKind::Store { ty, addr, val } => {
                // Any address may be this one (frame slots too).
                self.loaded.clear();
                let a = self.operand(Type::Ptr, *addr);
                let v = self.operand(*ty, *val);
                let h = self.host_addr(a, check);
                self.b.ins().store(vm_flags(), v, h, 0);
                let loose = matches!(val, Operand::Local(l) if self.loose[l.index()]);
                if loose {
                    self.overwrite_nan(*ty, v, h);
                }
                match check {
                    Check::Hoisted(r, k) if self.fast.is_some() => {
                        self.memory.stored(r, k, clif(*ty), v, loose)
                    }
                    Check::Frame(k) => self.memory.stored(forward::FRAME, k, clif(*ty), v, loose),
                    _ => self.memory.clear(),
                }
            }
            InstKind::Addr { dst, of } => {
                let v = match of {
                    AddrOf::Global(g) => self.global_addr(*g)?,
                    AddrOf::Slot(s) => {
                        let off = self.env.frames[self.fid.index()].slot_offset(*s);
                        let sb = self.b.use_var(self.stack_base);
                        self.b.ins().iadd_imm_s(sb, off as i64)
                    }
                    AddrOf::Func(x) => iconst(&mut self.b, types::I64, Module::func_ptr(*x)),
                };
                self.def(*dst, v);
            }
            InstKind::Call {
                dst,
                callee,
                args,
                alloc_type,
            } => match callee {
                Callee::Func(g) => self.call_func(*g, *dst, args, need(rid)?),
                Callee::Builtin(bi) => {
                    self.call_builtin(*bi, *dst, args, alloc_type.as_ref(), site)?
                }
                Callee::Indirect(fp) => self.call_indirect(*fp, *dst, args, need(rid)?),
            },
            InstKind::Safepoint => self.safepoint(need(rid)?)?,
            InstKind::Jump { target } => {
                let t = self.target(*target);
                self.b.ins().jump(t, &[]);
            }
            InstKind::Branch {
                ty,
                cond,
                then_dest,
                else_dest,
            } => {
                if let Some(to) = self.tested_by_round(self.cur_block, *then_dest, *else_dest) {
                    let t = self.target(to);
                    self.b.ins().jump(t, &[]);
                    return Ok(());
                }
                let c = self.operand(*ty, *cond);
                let (t, e) = (self.target(*then_dest), self.target(*else_dest));
                self.b.ins().brif(c, t, &[], e, &[]);
            }
            InstKind::Switch {
                ty,
                val,
                default,
                cases,
            } => {
                // The value at its own width (the cases fit it, `verify`):
                // an `i32` needs no test that it fits the jump table's
                // 32-bit index, which Cranelift adds before an `i64`'s.
                let v = self.operand(*ty, *val);
                let mut sw = Switch::new();
                for (k, blk) in cases {
                    sw.set_entry(*k as u128, self.target(*blk));
                }
                let d = self.target(*default);
                sw.emit(&mut self.b, v, d);
            }
            InstKind::Return { val } => {
                let args = match val {
                    Some((t, o)) => vec![BlockArg::Value(self.operand_seen(*t, *o))],
                    None => Vec::new(),
                };
                self.b.ins().jump(self.exit, &args);
            }
            InstKind::Unreachable => self.jump_trap(TrapKind::Unreachable),
        }
        Ok(())
    }

    /// The VM address of global `g`.
    pub(super) fn global_addr(&mut self, g: pivm_ir::GlobalId) -> Result<Value, String> {
        let a = *self
            .env
            .globals
            .get(g.index())
            .ok_or_else(|| format!("no address for {g}"))?;
        Ok(iconst(&mut self.b, types::I64, a))
    }

    /// Traps unless divisor `b` is nonzero, if it was not tested on this
    /// path already.
    fn divisor_nonzero(&mut self, b: Value) {
        if self.nonzero.insert(b) {
            self.trap_unless(b, TrapKind::DivisionByZero);
        }
    }

    pub(super) fn binary(
        &mut self,
        op: Opcode,
        ty: Type,
        a: Value,
        b: Value,
    ) -> Result<Value, String> {
        let ct = clif(ty);
        Ok(match op {
            Opcode::Add => self.b.ins().iadd(a, b),
            Opcode::Sub => self.b.ins().isub(a, b),
            Opcode::Mul => self.b.ins().imul(a, b),
            Opcode::SDiv | Opcode::SRem => {
                self.divisor_nonzero(b);
                // MIN / -1 wraps to MIN (= -MIN) and MIN % -1 is 0: divide by
                // 1 instead of -1 so the hardware never traps.
                let minus1 = iconst(&mut self.b, ct, u64::MAX);
                let is_m1 = self.b.ins().icmp(IntCC::Equal, b, minus1);
                let one = iconst(&mut self.b, ct, 1);
                let safe = self.b.ins().select(is_m1, one, b);
                if op == Opcode::SDiv {
                    let q = self.b.ins().sdiv(a, safe);
                    let n = self.b.ins().ineg(a);
                    self.b.ins().select(is_m1, n, q)
                } else {
                    self.b.ins().srem(a, safe)
                }
            }
            Opcode::UDiv => {
                self.divisor_nonzero(b);
                self.b.ins().udiv(a, b)
            }
            Opcode::URem => {
                self.divisor_nonzero(b);
                self.b.ins().urem(a, b)
            }
            Opcode::And => self.b.ins().band(a, b),
            Opcode::Or => self.b.ins().bor(a, b),
            Opcode::Xor => self.b.ins().bxor(a, b),
            // Cranelift masks shift amounts to the operand width, like the IR.
            Opcode::Shl => self.b.ins().ishl(a, b),
            Opcode::LShr => self.b.ins().ushr(a, b),
            Opcode::AShr => self.b.ins().sshr(a, b),
            Opcode::FAdd => self.b.ins().fadd(a, b),
            Opcode::FSub => self.b.ins().fsub(a, b),
            Opcode::FMul => self.b.ins().fmul(a, b),
            Opcode::FDiv => self.b.ins().fdiv(a, b),
            _ if op.class() == OpClass::IntCompare => {
                let cc = match op {
                    Opcode::Eq => IntCC::Equal,
                    Opcode::Ne => IntCC::NotEqual,
                    Opcode::SLt => IntCC::SignedLessThan,
                    Opcode::SLe => IntCC::SignedLessThanOrEqual,
                    Opcode::SGt => IntCC::SignedGreaterThan,
                    Opcode::SGe => IntCC::SignedGreaterThanOrEqual,
                    Opcode::ULt => IntCC::UnsignedLessThan,
                    Opcode::ULe => IntCC::UnsignedLessThanOrEqual,
                    Opcode::UGt => IntCC::UnsignedGreaterThan,
                    _ => IntCC::UnsignedGreaterThanOrEqual,
                };
                let c = self.b.ins().icmp(cc, a, b);
                self.b.ins().uextend(types::I32, c)
            }
            _ if op.class() == OpClass::FloatCompare => {
                // Ordered, except `fne` (unordered or not equal), as in C.
                // `a > b` as `b < a`: the form Cranelift turns a select
                // into `minss`/`maxss` from (`ifconv`'s float selects).
                let (cc, a, b) = match op {
                    Opcode::FEq => (FloatCC::Equal, a, b),
                    Opcode::FNe => (FloatCC::NotEqual, a, b),
                    Opcode::FLt => (FloatCC::LessThan, a, b),
                    Opcode::FLe => (FloatCC::LessThanOrEqual, a, b),
                    Opcode::FGt => (FloatCC::LessThan, b, a),
                    _ => (FloatCC::LessThanOrEqual, b, a),
                };
                let c = self.b.ins().fcmp(cc, a, b);
                self.b.ins().uextend(types::I32, c)
            }
            _ => return Err(format!("'{}' is not a binary opcode", op.name())),
        })
    }

    pub(super) fn convert(
        &mut self,
        op: Opcode,
        from: Type,
        to: Type,
        a: Value,
    ) -> Result<Value, String> {
        let ct = clif(to);
        let b = &mut self.b;
        Ok(match op {
            Opcode::SExt => b.ins().sextend(ct, a),
            Opcode::ZExt => b.ins().uextend(ct, a),
            Opcode::Trunc => b.ins().ireduce(ct, a),
            Opcode::FExt => b.ins().fpromote(types::F64, a),
            Opcode::FTrunc => b.ins().fdemote(types::F32, a),
            Opcode::SIToF => {
                let a = if from.bits() < 32 {
                    b.ins().sextend(types::I32, a)
                } else {
                    a
                };
                b.ins().fcvt_from_sint(ct, a)
            }
            Opcode::UIToF => {
                let a = if from.bits() < 32 {
                    b.ins().uextend(types::I32, a)
                } else {
                    a
                };
                b.ins().fcvt_from_uint(ct, a)
            }
            Opcode::FToSI if to.bits() >= 32 => b.ins().fcvt_to_sint_sat(ct, a),
            Opcode::FToSI => {
                // Saturate in i32, then clamp to the narrow range.
                let x = b.ins().fcvt_to_sint_sat(types::I32, a);
                let (lo, hi) = if to.bits() == 8 {
                    (i8::MIN as i64, i8::MAX as i64)
                } else {
                    (i16::MIN as i64, i16::MAX as i64)
                };
                let lo = iconst(b, types::I32, lo as u64);
                let hi = iconst(b, types::I32, hi as u64);
                let x = b.ins().smax(x, lo);
                let x = b.ins().smin(x, hi);
                b.ins().ireduce(ct, x)
            }
            Opcode::FToUI if to.bits() >= 32 => b.ins().fcvt_to_uint_sat(ct, a),
            Opcode::FToUI => {
                let x = b.ins().fcvt_to_uint_sat(types::I32, a);
                let hi = iconst(b, types::I32, to.mask());
                let x = b.ins().umin(x, hi);
                b.ins().ireduce(ct, x)
            }
            Opcode::Bitcast if clif(from) == ct => a,
            Opcode::Bitcast => b.ins().bitcast(ct, MemFlagsData::new(), a),
            _ => return Err(format!("'{}' is not a conversion", op.name())),
        })
    }
}

fn need(rid: Option<u32>) -> Result<u32, String> {
    rid.ok_or_else(|| "internal error: resume point without an id".to_string())
}

/// The entries every map of `maps` has, with the same value (none if a
/// map is missing).
fn common<'a, K, V, S>(
    mut maps: impl Iterator<Item = Option<&'a HashMap<K, V, S>>>,
) -> HashMap<K, V, S>
where
    K: Clone + Eq + std::hash::Hash + 'a,
    V: Clone + PartialEq + 'a,
    S: Clone + Default + std::hash::BuildHasher + 'a,
{
    let Some(Some(first)) = maps.next() else {
        return HashMap::default();
    };
    let mut out = first.clone();
    for m in maps {
        let Some(m) = m else {
            return HashMap::default();
        };
        out.retain(|k, v| m.get(k) == Some(v));
    }
    out
}
