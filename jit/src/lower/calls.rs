//! Calls: direct and indirect calls to module functions (each a resume
//! point: it re-issues the call on a rewind and stops after it unless the
//! state is running), builtin calls through the runtime's table (some math
//! builtins inlined), and the callee-side stack-overflow handling (the
//! shadow-stack frame and call-depth checks).

use super::heap::Size;
use super::{clif, ctx_flags, from_u64, func_signature, iconst, Lower};
use crate::abi;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types, BlockArg, InstBuilder, MemFlagsData, Value};
use cranelift_module::Module as _;
use pivm_ir::Builtin;
use pivm_ir::{EntityRef, FuncId, Local, Operand, TrapKind, Type};

/// The most instructions between a call and the safepoint after it for
/// the two to share one test (`Lower::after_module_call`): they are
/// lowered twice, the second time on the poll's cold path.
const MAX_BEFORE_POLL: usize = 8;

impl Lower<'_, '_> {
    /// Continues in a new block if `ok` is nonzero; otherwise returns with
    /// `STATE_STACK_OVERFLOW` for the caller to report.
    pub(super) fn overflow_unless(&mut self, ok: Value) {
        let cont = self.b.create_block();
        self.b.ins().brif(ok, cont, &[], self.overflow, &[]);
        self.seal(&[cont]);
        self.b.switch_to_block(cont);
    }

    /// `stack_base + size`, checked against `stack_limit`, stored to `ctx.sp`.
    pub(super) fn push_frame(&mut self) {
        let size = self.env.frames[self.fid.index()].size;
        let sb = self.b.use_var(self.stack_base);
        let sp = self.b.ins().iadd_imm_s(sb, size as i64);
        let limit = self.load_ctx(types::I64, abi::OFF_STACK_LIMIT);
        let no_wrap = self.b.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, sp, sb);
        let below = self.b.ins().icmp(IntCC::UnsignedLessThanOrEqual, sp, limit);
        let ok = self.b.ins().band(no_wrap, below);
        self.overflow_unless(ok);
        self.store_ctx(sp, abi::OFF_SP);
    }

    /// After a call that can unwind: reload memory, stop unless running,
    /// then write the result.
    ///
    /// Where a safepoint follows after at most `MAX_BEFORE_POLL`
    /// instructions that only write locals (a loop whose body ends in the
    /// call, `s += f(x); i++`), one 64-bit load reads the poll word and the
    /// state together (`abi::OFF_POLL_STATE`): both 0, the code runs on
    /// and the safepoint does not poll; otherwise a cold block tells a stop
    /// from a poll, and the safepoint puts its poll there, after those
    /// instructions again (`poll_after_call`).
    fn after_module_call(&mut self, rid: u32, dst: Option<Local>, res: Option<Value>) {
        self.reload_base();
        self.reload_bound();
        let result = dst.zip(res);
        let cont = self.b.create_block();
        self.stop_locs[rid as usize] = self.loc;
        let stop = self.stops[rid as usize];
        if let Some(between) = self.safepoint_follows() {
            let word = self.load_ctx(types::I64, abi::OFF_POLL_STATE);
            let either = self.b.create_block();
            self.b.set_cold_block(either);
            self.b.ins().brif(word, either, &[], cont, &[]);
            self.seal(&[either, cont]);
            self.b.switch_to_block(either);
            let st = self.load_ctx(types::I32, abi::OFF_STATE);
            let poll = self.b.create_block();
            self.b.set_cold_block(poll);
            self.b.ins().brif(st, stop, &[], poll, &[]);
            self.seal(&[poll]);
            self.poll_after_call = Some(super::PollAfterCall {
                cold: poll,
                result,
                between,
            });
        } else {
            let st = self.load_ctx(types::I32, abi::OFF_STATE);
            self.b.ins().brif(st, stop, &[], cont, &[]);
            self.seal(&[cont]);
        }
        self.b.switch_to_block(cont);
        if let Some((d, v)) = result {
            self.def(d, v);
        }
    }

    /// The instructions between this call and a safepoint that follows
    /// it in its block, if every one only writes a local
    /// (`InstKind::is_speculatable`), they are at most `MAX_BEFORE_POLL`,
    /// and the safepoint polls outside a fast copy without counting (its
    /// poll tests only the word). Nothing else is lowered between the
    /// call and the safepoint: each ends a run.
    fn safepoint_follows(&self) -> Option<std::ops::Range<usize>> {
        if !self.env.safepoints || self.env.counting || self.fast.is_some() {
            return None;
        }
        let insts = &self.f.blocks[pivm_ir::Block::new(self.cur_block)].insts;
        let from = self.inst_index + 1;
        let to = (from..insts.len().min(from + MAX_BEFORE_POLL + 1))
            .find(|&i| !insts[i].kind.is_speculatable())?;
        (insts[to].kind == pivm_ir::InstKind::Safepoint).then_some(from..to)
    }

    fn call_args(&mut self, args: &[(Type, Operand)]) -> Vec<Value> {
        let mut v = Vec::with_capacity(args.len() + 1);
        let c = self.ctx();
        v.push(c);
        for (t, o) in args {
            let x = self.operand_seen(*t, *o);
            v.push(x);
        }
        v
    }

    fn enter_resume_block(&mut self, rid: u32) {
        let rb = self.resume[rid as usize];
        self.b.ins().jump(rb, &[]);
        // Its other predecessor is the rewind switch, emitted already.
        self.seal(&[rb]);
        self.b.switch_to_block(rb);
    }

    pub(super) fn call_func(
        &mut self,
        g: FuncId,
        dst: Option<Local>,
        args: &[(Type, Operand)],
        rid: u32,
    ) {
        self.enter_resume_block(rid);
        let vals = self.call_args(args);
        let fr = match self.func_refs.get(&g) {
            Some(fr) => *fr,
            None => {
                let fr = self
                    .jm
                    .declare_func_in_func(self.env.func_ids[g.index()], self.b.func);
                self.func_refs.insert(g, fr);
                fr
            }
        };
        let call = self.b.ins().call(fr, &vals);
        let res = self.b.inst_results(call).first().copied();
        self.after_module_call(rid, dst, res);
    }

    pub(super) fn call_indirect(
        &mut self,
        fp: Operand,
        dst: Option<Local>,
        args: &[(Type, Operand)],
        rid: u32,
    ) {
        self.enter_resume_block(rid);
        let p = self.operand(Type::Ptr, fp);
        let idx = self.b.ins().iadd_imm_s(p, -1);
        let ok =
            self.b
                .ins()
                .icmp_imm_u(IntCC::UnsignedLessThan, idx, self.env.m.funcs.len() as i64);
        self.trap_unless(ok, TrapKind::BadFunctionPointer);
        let off = self.b.ins().ishl_imm_u(idx, 4);
        let table = iconst(&mut self.b, types::I64, self.env.table_addr);
        let entry = self.b.ins().iadd(table, off);
        let ro = MemFlagsData::trusted().with_readonly();
        let code = self.b.ins().load(types::I64, ro, entry, 0);
        let class = self.b.ins().load(types::I64, ro, entry, 8);
        let vals = self.call_args(args);
        let arg_tys: Vec<Type> = args.iter().map(|a| a.0).collect();
        let dst_ty = dst.map(|d| self.local_ty(d));
        let merge = self.b.create_block();
        if let Some(t) = dst_ty {
            self.b.append_block_param(merge, clif(t));
        }
        let classes = self.env.classes;
        for (c, sig) in classes.sigs.iter().enumerate() {
            if !pivm_ir::contract::indirect_call_ok(&arg_tys, dst_ty, sig) {
                continue;
            }
            let c = c as u32;
            let sr = match self.sigs.classes.get(&c) {
                Some(sr) => *sr,
                None => {
                    let s = func_signature(self.jm, sig.params.iter().copied(), sig.ret);
                    let sr = self.b.import_signature(s);
                    self.sigs.classes.insert(c, sr);
                    sr
                }
            };
            let is = self.b.ins().icmp_imm_u(IntCC::Equal, class, c as i64);
            let callb = self.b.create_block();
            let next = self.b.create_block();
            self.b.ins().brif(is, callb, &[], next, &[]);
            self.seal(&[callb, next]);
            self.b.switch_to_block(callb);
            let call = self.b.ins().call_indirect(sr, code, &vals);
            let res: Vec<BlockArg> = match dst_ty {
                Some(_) => vec![BlockArg::Value(self.b.inst_results(call)[0])],
                None => Vec::new(),
            };
            self.b.ins().jump(merge, &res);
            self.b.switch_to_block(next);
        }
        self.jump_trap(TrapKind::BadFunctionPointer);
        self.seal(&[merge]);
        self.b.switch_to_block(merge);
        let res = self.b.block_params(merge).first().copied();
        self.after_module_call(rid, dst, res);
    }

    pub(super) fn call_builtin(
        &mut self,
        bi: pivm_ir::BuiltinId,
        dst: Option<Local>,
        args: &[(Type, Operand)],
        alloc_type: Option<&pivm_ir::MemType>,
        site: Option<u32>,
    ) -> Result<(), String> {
        let decl = &self.env.m.builtins[bi];
        let builtin = Builtin::from_name(&decl.name)
            .ok_or_else(|| format!("@{} is not a builtin of the catalog", decl.name))?;
        let idx = builtin.index();
        match (builtin, site) {
            (Builtin::Setjmp, Some(site)) => {
                self.call_setjmp(idx, dst, args, site);
                return Ok(());
            }
            (Builtin::Setjmp, None) => {
                return Err("internal error: a setjmp call is not a site".into())
            }
            (Builtin::Longjmp, _) => {
                self.call_longjmp(idx, args);
                return Ok(());
            }
            _ => {}
        }
        if let (Some(builtin), [(Type::F64, a)]) = (inline_math(self.env.m, bi, args), args) {
            // Same IEEE result as libm: these are exact or correctly
            // rounded. A NaN result is the hardware's, canonicalized where
            // it is seen (`nan`), which gives the vm's canonical NaN.
            let x = self.operand(Type::F64, *a);
            let r = match builtin {
                Builtin::Sqrt => {
                    let r = self.b.ins().sqrt(x);
                    self.sqrt_errno(x);
                    r
                }
                Builtin::Fabs => self.b.ins().fabs(x),
                Builtin::Floor => self.b.ins().floor(x),
                Builtin::Ceil => self.b.ins().ceil(x),
                _ => self.b.ins().trunc(x),
            };
            if let Some(d) = dst {
                self.def_loose(d, r);
            }
            return Ok(());
        }
        // A copy or fill's slow path: the builtin, which traps on a bad
        // range.
        let mem_builtin = |this: &mut Self| {
            this.call_through_table(idx, args, None);
            this.reload_bound();
            this.halt_unless_running();
        };
        if let Some((b, n)) = super::bytes::inline_mem(self.env.m, bi, args) {
            self.inline_mem_call(b, n, args, dst, mem_builtin);
            return Ok(());
        }
        if let Some(b) = super::bytes::host_mem(self.env.m, bi, args) {
            self.host_mem_call(b, args, dst, mem_builtin);
            return Ok(());
        }
        if let Some(b) = super::strings::host_str(self.env.m, bi, args) {
            self.host_str_call(b, args, dst, |this| {
                let call = this.call_through_table(idx, args, None);
                let r = this.b.inst_results(call)[0];
                this.reload_bound();
                this.halt_unless_running();
                r
            });
            return Ok(());
        }
        // The allocation-type key (see `abi::BuiltinFn`).
        let key = match alloc_type {
            Some(t) if builtin.is_alloc() => match self.env.alloc_types.key(t) {
                0 => return Err("internal error: allocation type missing from the table".into()),
                k => Some(k),
            },
            _ => None,
        };
        let r = if let (Builtin::Malloc | Builtin::Free, [(t, a)]) = (builtin, args) {
            // Arguments in registers (`abi::HeapFn`).
            let a = self.operand_seen_u64(*t, *a);
            let k = key.unwrap_or(0);
            let slow = |this: &mut Self| {
                let k = iconst(&mut this.b, types::I64, k);
                let off = if builtin == Builtin::Malloc {
                    abi::OFF_MALLOC
                } else {
                    abi::OFF_FREE
                };
                let fp = this.load_ctx(types::I64, off);
                let c = this.ctx();
                let call = this.b.ins().call_indirect(this.sigs.heap, fp, &[c, a, k]);
                let r = this.b.inst_results(call)[0];
                this.reload_bound();
                this.halt_unless_running();
                r
            };
            match (builtin, args[0].1) {
                // The type id is the allocator's `base_ty_id(key)`, 0 for
                // none.
                // A large constant size: the runtime's.
                (Builtin::Malloc, Operand::Const(n)) if abi::slab_class(n).is_none() => slow(self),
                // A size known only at run time, or of a class whose slabs
                // are several frames: inline where the call can run again
                // before the function returns (on a cycle of its blocks);
                // elsewhere the code would cost more to compile than it
                // saves. A constant size of a one-frame class: always.
                (Builtin::Malloc, size)
                    if !matches!(size, Operand::Const(n) if abi::small_class(n).is_some())
                        && !self.on_cycle(self.cur_block) =>
                {
                    slow(self)
                }
                (Builtin::Malloc, size) => {
                    let size = match size {
                        Operand::Const(n) => Size::Const(n),
                        _ => Size::Var(a),
                    };
                    let ty = if k == 0 { 0 } else { k as u32 + 1 };
                    self.inline_malloc(size, ty, slow)
                }
                (Builtin::Free, _) => {
                    self.inline_free(a, |this| {
                        slow(this);
                    });
                    iconst(&mut self.b, types::I64, 0)
                }
                _ => slow(self),
            }
        } else {
            let call = self.call_through_table(idx, args, key);
            let r = self.b.inst_results(call)[0];
            self.reload_bound();
            self.halt_unless_running();
            r
        };
        if let Some(d) = dst {
            let ty = self.local_ty(d);
            let v = from_u64(&mut self.b, r, ty);
            self.def(d, v);
        }
        Ok(())
    }

    /// After an inline `sqrt` of `x`: `errno = EDOM` if `x` is below zero,
    /// as the builtin sets it (`vm`'s `builtins::math`), in a program that
    /// has an `errno`. The store is a cold path; what a fast copy knew of
    /// memory is forgotten after it, as after any store it does not
    /// follow (`forward`).
    fn sqrt_errno(&mut self, x: Value) {
        let Some(g) = self.env.m.errno() else {
            return;
        };
        let at = self.env.globals[g.index()];
        let zero = self.b.ins().f64const(0.0);
        let below = self
            .b
            .ins()
            .fcmp(cranelift_codegen::ir::condcodes::FloatCC::LessThan, x, zero);
        let cold = self.cold_block();
        let cont = self.b.create_block();
        self.b.ins().brif(below, cold, &[], cont, &[]);
        self.seal(&[cold]);
        self.b.switch_to_block(cold);
        // Globals lie inside memory (`Env::global_sizes`): no check.
        let mb = self.load_ctx(types::I64, abi::OFF_MEM_BASE);
        let a = self.b.ins().iadd_imm_u(mb, at as i64);
        let e = self.c32(pivm_ir::builtins::EDOM as u32);
        self.b.ins().store(super::vm_flags(), e, a, 0);
        self.b.ins().jump(cont, &[]);
        self.seal(&[cont]);
        self.b.switch_to_block(cont);
        self.memory.clear();
    }

    /// Calls builtin `idx` through the table (`abi::BuiltinFn`): `args`,
    /// then the allocation-type key if any, stored in the arguments slot.
    fn call_through_table(
        &mut self,
        idx: usize,
        args: &[(Type, Operand)],
        key: Option<u64>,
    ) -> cranelift_codegen::ir::Inst {
        let mut vals: Vec<Value> = args
            .iter()
            .map(|(t, o)| self.operand_seen_u64(*t, *o))
            .collect();
        if let Some(k) = key {
            vals.push(iconst(&mut self.b, types::I64, k));
        }
        self.call_table(idx, &vals)
    }

    /// Calls builtin `idx` through the table with `vals` (u64 each) in the
    /// arguments slot.
    fn call_table(&mut self, idx: usize, vals: &[Value]) -> cranelift_codegen::ir::Inst {
        let nargs = vals.len();
        let ptr = match self.args_slot {
            Some(slot) if nargs > 0 => {
                for (i, v) in vals.iter().enumerate() {
                    self.b
                        .ins()
                        .stack_store(types::I64, *v, slot, (i * 8) as i32);
                }
                self.b.ins().stack_addr(types::I64, slot, 0)
            }
            _ => self.b.ins().iconst(types::I64, 0),
        };
        let table = self.load_ctx(types::I64, abi::OFF_BUILTINS);
        let fp = self
            .b
            .ins()
            .load(types::I64, ctx_flags(), table, (idx * 8) as i32);
        let n = self.c32(nargs as u32);
        let c = self.ctx();
        self.b
            .ins()
            .call_indirect(self.sigs.builtin, fp, &[c, ptr, n])
    }
}

impl Lower<'_, '_> {
    /// `setjmp` at setjmp site `site`: the builtin (through the table, with
    /// this frame's depth, function, site and stack base after the buffer)
    /// returns 0, then the site's block continues with it; a landing
    /// enters the same block with the value of the `longjmp`.
    fn call_setjmp(&mut self, idx: usize, dst: Option<Local>, args: &[(Type, Operand)], site: u32) {
        let mut vals = self.jmp_args(args);
        let s = iconst(&mut self.b, types::I64, site as u64);
        let sb = self.b.use_var(self.stack_base);
        vals.extend([s, sb]);
        let call = self.call_table(idx, &vals);
        let r = self.b.inst_results(call)[0];
        self.halt_unless_running();
        let r = self.b.ins().ireduce(types::I32, r);
        let next = self.site_blocks[site as usize];
        self.b.ins().jump(next, &[BlockArg::Value(r)]);
        self.b.switch_to_block(next);
        if let Some(d) = dst {
            let v = self.b.block_params(next)[0];
            self.def(d, v);
        }
    }

    /// `longjmp` (through the table, with this frame's depth, function and
    /// the call's line after the arguments): it returns with the jump
    /// pending, to this frame's landing or out of the function, or halted.
    /// The rest of the block is unreachable.
    fn call_longjmp(&mut self, idx: usize, args: &[(Type, Operand)]) {
        let mut vals = self.jmp_args(args);
        let line = iconst(&mut self.b, types::I64, self.loc & 0xffff_ffff);
        vals.push(line);
        self.call_table(idx, &vals);
        let st = self.load_ctx(types::I32, abi::OFF_STATE);
        let jumping = self
            .b
            .ins()
            .icmp_imm_u(IntCC::Equal, st, abi::STATE_LONGJMP as i64);
        let loc = self.loc();
        let halted = [BlockArg::Value(loc)];
        match self.landing {
            Some(l) => self.b.ins().brif(jumping, l, &[], self.halted, &halted),
            None => {
                let dummy = self.dummy_args();
                self.b
                    .ins()
                    .brif(jumping, self.exit, &dummy, self.halted, &halted)
            }
        };
        let dead = self.b.create_block();
        self.b.switch_to_block(dead);
    }

    /// The arguments of a setjmp or longjmp call as u64s, then the first
    /// hidden ones: this frame's depth and function.
    fn jmp_args(&mut self, args: &[(Type, Operand)]) -> Vec<Value> {
        let mut vals: Vec<Value> = args
            .iter()
            .map(|(t, o)| self.operand_seen_u64(*t, *o))
            .collect();
        let depth = self.load_ctx(types::I32, abi::OFF_DEPTH);
        let depth = self.b.ins().uextend(types::I64, depth);
        let fid = iconst(&mut self.b, types::I64, self.fid.0 as u64);
        vals.extend([depth, fid]);
        vals
    }

    /// After a builtin call: continues in a new block unless the builtin
    /// ended the program (state not running): then to `halted`.
    fn halt_unless_running(&mut self) {
        let st = self.load_ctx(types::I32, abi::OFF_STATE);
        let cont = self.b.create_block();
        let cold = self.cold_block();
        self.b.ins().brif(st, cold, &[], cont, &[]);
        self.seal(&[cold, cont]);
        self.b.switch_to_block(cold);
        let loc = self.loc();
        self.b.ins().jump(self.halted, &[BlockArg::Value(loc)]);
        self.b.switch_to_block(cont);
    }
}

/// The math builtin a call to `bi` with `args` is lowered to inline
/// (one hardware instruction), if it is one of those.
pub(super) fn inline_math(
    m: &pivm_ir::Module,
    bi: pivm_ir::BuiltinId,
    args: &[(Type, Operand)],
) -> Option<Builtin> {
    let b = Builtin::from_name(&m.builtins[bi].name)?;
    let inline = matches!(
        b,
        Builtin::Sqrt | Builtin::Fabs | Builtin::Floor | Builtin::Ceil | Builtin::Trunc
    );
    (inline && matches!(args, [(Type::F64, _)])).then_some(b)
}
