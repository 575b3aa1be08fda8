//! The unwind/rewind snapshot protocol in generated code: the prologue
//! (call depth and host stack, the rewinding check), the rewind block (restore the frame,
//! switch to the resume point), the poll at each safepoint, and the shared
//! cold blocks: one stop block per resume point (store the live locals,
//! save the frame), traps, `halted`, `overflow` and the exit.

use super::{clif, ctx_flags, forward, from_u64, iconst, vm_flags, zero, Lower};
use crate::abi::{
    self, STATE_HALTED, STATE_LONGJMP, STATE_REWINDING, STATE_STACK_OVERFLOW, STATE_UNWINDING,
};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types, BlockArg, InstBuilder, Value};
use cranelift_frontend::{FunctionBuilder, Switch, Variable};
use cranelift_module::Module as _;
use pivm_ir::contract::NULL_PAGE;
use pivm_ir::{EntityRef, Local, Operand, TrapKind};

/// The most locals a function has for its rewind to reload them all
/// before switching to the resume point (`Lower::rewind`).
const MAX_SHARED_RELOADS: usize = 32;

impl Lower<'_, '_> {
    pub(super) fn prologue(&mut self, params: &[Value]) {
        for (i, v) in self.vars.clone().into_iter().enumerate() {
            let val = match params.get(i) {
                Some(p) => *p,
                None => zero(&mut self.b, clif(self.f.locals[Local::new(i)].ty)),
            };
            self.b.def_var(v, val);
        }
        if !self.frameless() {
            let sp = self.load_ctx(types::I64, abi::OFF_SP);
            self.b.def_var(self.stack_base, sp);
        }
        self.reload_mem();
        let d = self.load_ctx(types::I32, abi::OFF_DEPTH);
        // Its depth is d + 1; a leaf tests it without storing it (nothing
        // reads it before the exit would take it back).
        let (depth, fits) = if self.leaf {
            (d, IntCC::UnsignedLessThan)
        } else {
            let d = self.b.ins().iadd_imm_s(d, 1);
            self.store_ctx(d, abi::OFF_DEPTH);
            (d, IntCC::UnsignedLessThanOrEqual)
        };
        let max = self.load_ctx(types::I32, abi::OFF_MAX_DEPTH);
        let depth_ok = self.b.ins().icmp(fits, depth, max);
        // The host stack (`abi::STACK_PER_LEVEL`), in a function whose
        // frame may take more than a level's share: this frame is already
        // allocated.
        let native_ok = (self.stack_test && !self.leaf).then(|| self.native_stack_ok(depth));
        // Two branches (a compare and a jump each) rather than one on
        // both conditions (two flag materializations and a test). On
        // riscv64 this layout change exposed a Cranelift bug with
        // compressed instructions, now turned off (`JitModule::compile`).
        //
        // `max_depth` is 0 while the runtime rewinds and while the poll
        // word is set (`abi::VmCtx::max_depth`): the test fails, and its
        // cold path tells a rewind (the state; only a function with resume
        // points is ever entered by one) from a pending poll (the depth is
        // within `depth_limit`: a function that polls at its entry polls
        // there, `entry_poll`) from an overflow.
        let cont = self.b.create_block();
        let failed = self.b.create_block();
        self.b.set_cold_block(failed);
        self.b.ins().brif(depth_ok, cont, &[], failed, &[]);
        self.seal(&[failed]);
        self.b.switch_to_block(failed);
        let first = self.b.func.dfg.num_blocks();
        let rewind = (!self.resume.is_empty()).then(|| self.b.create_block());
        let limit = self.b.create_block();
        if let Some(rewind) = rewind {
            let st = self.load_ctx(types::I32, abi::OFF_STATE);
            let rewinding = self
                .b
                .ins()
                .icmp_imm_u(IntCC::Equal, st, STATE_REWINDING as i64);
            self.b.ins().brif(rewinding, rewind, &[], limit, &[]);
            self.seal(&[rewind]);
        } else {
            self.b.ins().jump(limit, &[]);
        }
        self.seal(&[limit]);
        self.b.switch_to_block(limit);
        let real = self.load_ctx(types::I32, abi::OFF_DEPTH_LIMIT);
        let within = self.b.ins().icmp(fits, depth, real);
        let pending = self.b.create_block();
        self.b.ins().brif(within, pending, &[], self.overflow, &[]);
        self.seal(&[pending]);
        self.b.switch_to_block(pending);
        // Entered as on the hot path (a copy of it, so that the hot path's
        // block has one predecessor and no edge of it is split in the hot
        // code), then to the entry safepoint's poll, which has no test of
        // its own (`safepoint`), or into the body.
        if let Some(ok) = native_ok {
            self.overflow_unless(ok);
        }
        if !self.frameless() {
            self.push_frame();
        }
        self.number_frame();
        if self.folds_entry_poll() {
            let poll = self.b.create_block();
            self.b.ins().jump(poll, &[]);
            self.seal(&[poll]);
            self.entry_poll = Some(poll);
        } else {
            self.b.ins().jump(self.blocks[0], &[]);
        }
        for i in first..self.b.func.dfg.num_blocks() {
            self.b
                .set_cold_block(cranelift_codegen::ir::Block::from_u32(i as u32));
        }
        self.seal(&[cont]);
        self.b.switch_to_block(cont);
        if let Some(ok) = native_ok {
            self.overflow_unless(ok);
        }
        if !self.frameless() {
            self.push_frame();
        }
        self.number_frame();
        self.b.ins().jump(self.blocks[0], &[]);
        let Some(rewind) = rewind else {
            // No frame of this function is ever saved, so none is rewound.
            return;
        };

        self.b.switch_to_block(rewind);
        // The whole rewind path is cold (laid out after the body), not only
        // its first block: the hot entry falls through into the body.
        let first = self.b.func.dfg.num_blocks();
        // The chain's depth was checked against the limit before the
        // rewind began (`pivm_ir::contract::check_frame_chain`), the limit
        // the host's stack holds (`abi::STACK_PER_LEVEL`), so the host
        // stack is tested as on a call.
        if let Some(ok) = native_ok {
            self.overflow_unless(ok);
        }
        self.rewind();
        for i in first..self.b.func.dfg.num_blocks() {
            self.b
                .set_cold_block(cranelift_codegen::ir::Block::from_u32(i as u32));
        }
    }

    /// Whether the function's entry safepoint polls on the cold path of
    /// the prologue's depth test (`VmCtx::max_depth` is 0 while the poll
    /// word is set) rather than testing the word itself: it does where
    /// safepoints poll without counting, and the entry block, which the
    /// safepoint starts, is entered by the prologue only (no edge of the
    /// function leads back to it).
    fn folds_entry_poll(&self) -> bool {
        let entry = pivm_ir::Block::new(0);
        self.env.safepoints
            && !self.env.counting
            && self.f.blocks.values().next().is_some_and(|b| {
                b.insts
                    .first()
                    .is_some_and(|i| i.kind == pivm_ir::InstKind::Safepoint)
            })
            && !self.f.blocks.values().any(|b| {
                b.insts
                    .last()
                    .is_some_and(|t| t.kind.successors().contains(&entry))
            })
    }

    /// Whether the host stack has room for an activation at depth `depth`
    /// and what the depth limit lets it call (`abi::STACK_PER_LEVEL`).
    fn native_stack_ok(&mut self, depth: Value) -> Value {
        let c = self.ctx();
        native_stack_ok(&mut self.b, c, depth)
    }

    /// Whether the function has no shadow-stack frame (no slots, no
    /// setjmp header). Entering it leaves the shadow stack pointer where
    /// the caller's frame put it, inside the stack (checked when that
    /// frame was pushed), so there is nothing to check, store or restore:
    /// every callee restores the pointer it found, and a rewound
    /// activation sets it from its saved frame to the same value.
    fn frameless(&self) -> bool {
        // Slots of size 0 (an empty struct) still have an address.
        self.env.frames[self.fid.index()].size == 0 && self.f.slots.is_empty()
    }

    /// The activation's shadow-stack base. A frameless function does not
    /// keep it in a variable (it would be live across every call for the
    /// cold paths that save frames): wherever its body runs, the shadow
    /// stack pointer is its base (callees restore it).
    fn stack_base_value(&mut self) -> Value {
        if self.frameless() {
            self.load_ctx(types::I64, abi::OFF_SP)
        } else {
            self.b.use_var(self.stack_base)
        }
    }

    /// In a function that calls setjmp, an activation entered (not
    /// rewound) takes the next serial into its frame header (`pivm_ir::jmp`).
    fn number_frame(&mut self) {
        if self.landing.is_none() {
            return;
        }
        let s = self.load_ctx(types::I64, abi::OFF_JMP_SERIAL);
        let s = self.b.ins().iadd_imm_s(s, 1);
        self.store_ctx(s, abi::OFF_JMP_SERIAL);
        // The frame is at least the header and lies in the shadow stack
        // (`push_frame` checked it).
        let mb = self.load_ctx(types::I64, abi::OFF_MEM_BASE);
        let sb = self.b.use_var(self.stack_base);
        let at = self.b.ins().iadd(mb, sb);
        self.b.ins().store(vm_flags(), s, at, 0);
    }

    fn rewind(&mut self) {
        let n = self.vars.len() as u32;
        let fp = self.hook(abi::OFF_HOOK_RESTORE_FRAME);
        let sb_addr = self.b.ins().stack_addr(types::I64, self.sb_slot, 0);
        let locals_addr = self.b.ins().stack_addr(types::I64, self.locals_slot, 0);
        let fid = self.c32(self.fid.0);
        let nv = self.c32(n);
        let c = self.ctx();
        let call =
            self.b
                .ins()
                .call_indirect(self.sigs.restore, fp, &[c, fid, sb_addr, locals_addr, nv]);
        let rid = self.b.inst_results(call)[0];
        let st = self.load_ctx(types::I32, abi::OFF_STATE);
        let halted = self
            .b
            .ins()
            .icmp_imm_u(IntCC::Equal, st, STATE_HALTED as i64);
        let cont = self.b.create_block();
        let dummy = self.dummy_args();
        self.b.ins().brif(halted, self.exit, &dummy, cont, &[]);
        self.seal(&[cont]);
        self.b.switch_to_block(cont);
        // In a function of many locals, each resume point reloads the
        // locals live there, those its stop block saved (the rest keep
        // their entry values and are not read before they are written):
        // loaded here, every saved local of every resume point would be
        // live across the switch at once (`main` of allocchurn: 210), which
        // costs register allocation much of the function's compile. With
        // few, they are loaded here as before: the register allocation of
        // the hot code of small recursive functions moved with the change
        // (fib's parameter spilled at entry, 1.25x the time).
        let n = self.vars.len();
        let everywhere: Vec<bool> = (0..n)
            .map(|i| n <= MAX_SHARED_RELOADS || self.live.iter().all(|l| l.contains(i)))
            .collect();
        for (i, _) in everywhere.iter().enumerate().filter(|(_, &e)| e) {
            self.reload_local(i);
        }
        let sb = self
            .b
            .ins()
            .stack_load(types::I64, types::I64, self.sb_slot, 0);
        self.b.def_var(self.stack_base, sb);
        self.push_frame();
        self.reload_mem();
        let bad = self.b.create_block();
        let mut sw = Switch::new();
        let mut targets = Vec::new();
        for (rid, blk) in self.resume.clone().into_iter().enumerate() {
            let t = self.b.create_block();
            sw.set_entry(rid as u128, t);
            targets.push((rid, t, blk));
        }
        sw.emit(&mut self.b, rid, bad);
        for (rid, t, blk) in targets {
            self.b.switch_to_block(t);
            self.seal(&[t]);
            for (i, &loaded) in everywhere.iter().enumerate() {
                if !loaded && self.live[rid].contains(i) {
                    self.reload_local(i);
                }
            }
            self.b.ins().jump(blk, &[]);
        }
        self.b.switch_to_block(bad);
        self.jump_trap(TrapKind::Unreachable);
    }

    /// Local `i` from the frame `RuntimeHooks::restore_frame` wrote.
    fn reload_local(&mut self, i: usize) {
        let ty = self.f.locals[Local::new(i)].ty;
        let v = self
            .b
            .ins()
            .stack_load(types::I64, types::I64, self.locals_slot, (i * 8) as i32);
        let v = from_u64(&mut self.b, v, ty);
        self.b.def_var(self.vars[i], v);
    }

    pub(super) fn shared_blocks(&mut self) {
        if let Some(cold) = self.entry_poll.take() {
            // The entry safepoint was not lowered where the prologue
            // expected it (the entry block starts with it, so it always
            // is): enter the body, which polls as usual.
            self.b.switch_to_block(cold);
            self.b.ins().jump(self.blocks[0], &[]);
        }
        // exit(ret): pop the shadow-stack frame and the call depth.
        self.b.switch_to_block(self.exit);
        if !self.frameless() {
            let sb = self.b.use_var(self.stack_base);
            self.store_ctx(sb, abi::OFF_SP);
        }
        if !self.leaf {
            let d = self.load_ctx(types::I32, abi::OFF_DEPTH);
            let d = self.b.ins().iadd_imm_s(d, -1);
            self.store_ctx(d, abi::OFF_DEPTH);
        }
        // Only the first parameter is the result: the frontend appends the
        // variables live into this block after it.
        let rv: Vec<Value> = self.b.block_params(self.exit)[..self.ret.iter().len()].to_vec();
        self.b.ins().return_(&rv);

        // trap(kind, line)
        self.b.switch_to_block(self.trap);
        let p = self.b.block_params(self.trap).to_vec();
        let fp = self.hook(abi::OFF_HOOK_TRAP);
        let (fid, line) = self.split_loc(p[1]);
        let c = self.ctx();
        self.b
            .ins()
            .call_indirect(self.sigs.trap, fp, &[c, p[0], fid, line]);
        let dummy = self.dummy_args();
        self.b.ins().jump(self.exit, &dummy);

        // mem_trap(addr, line): null page or out of bounds.
        self.b.switch_to_block(self.mem_trap);
        let p = self.b.block_params(self.mem_trap).to_vec();
        let null = self
            .b
            .ins()
            .icmp_imm_u(IntCC::UnsignedLessThan, p[0], NULL_PAGE as i64);
        let kn = self.c32(TrapKind::NullAccess.code());
        let ko = self.c32(TrapKind::OutOfBounds.code());
        let kind = self.b.ins().select(null, kn, ko);
        self.b
            .ins()
            .jump(self.trap, &[BlockArg::Value(kind), BlockArg::Value(p[1])]);

        // halted(line): a builtin called at `line` ended the program.
        self.b.switch_to_block(self.halted);
        let loc = self.b.block_params(self.halted)[0];
        let fp = self.hook(abi::OFF_HOOK_HALTED);
        let (fid, line) = self.split_loc(loc);
        let c = self.ctx();
        self.b
            .ins()
            .call_indirect(self.sigs.halted, fp, &[c, fid, line]);
        let dummy = self.dummy_args();
        self.b.ins().jump(self.exit, &dummy);

        // overflow: this activation does not fit; the caller traps.
        self.b.switch_to_block(self.overflow);
        let st = self.c32(STATE_STACK_OVERFLOW);
        self.store_ctx(st, abi::OFF_STATE);
        let dummy = self.dummy_args();
        self.b.ins().jump(self.exit, &dummy);

        // stopR(line): the state is not running after the call or the
        // safepoint at resume point R. One block per resume point, so a
        // local is used only where the frame holds it: a shared block
        // would make every saved local live at every resume point.
        for rid in 0..self.stops.len() {
            let stop = self.stops[rid];
            self.b.switch_to_block(stop);
            let line = self.b.ins().iconst(types::I64, self.stop_locs[rid] as i64);
            let st = self.load_ctx(types::I32, abi::OFF_STATE);
            let unwinding = self
                .b
                .ins()
                .icmp_imm_u(IntCC::Equal, st, STATE_UNWINDING as i64);
            let store = self.b.create_block();
            self.b.set_cold_block(store);
            self.b.ins().brif(
                unwinding,
                store,
                &[],
                self.not_running,
                &[BlockArg::Value(line)],
            );
            self.b.switch_to_block(store);
            for i in 0..self.vars.len() {
                if !self.live[rid].contains(i) {
                    continue;
                }
                let ty = self.f.locals[Local::new(i)].ty;
                let v = self.operand_seen_u64(ty, Operand::Local(Local::new(i)));
                self.b
                    .ins()
                    .stack_store(types::I64, v, self.locals_slot, (i * 8) as i32);
            }
            let r = super::entry::cold_const(self.fid.0, rid as u32);
            let r = iconst(&mut self.b, types::I64, r);
            self.b.ins().jump(self.save, &[BlockArg::Value(r)]);
        }

        // not_running(line): halted, the callee had no room, or a longjmp
        // is pending.
        self.b.switch_to_block(self.not_running);
        let line = self.b.block_params(self.not_running)[0];
        let st = self.load_ctx(types::I32, abi::OFF_STATE);
        let overflowed = self
            .b
            .ins()
            .icmp_imm_u(IntCC::Equal, st, STATE_STACK_OVERFLOW as i64);
        let k = self.c32(TrapKind::StackOverflow.code());
        let dummy = self.dummy_args();
        let other = match self.landing {
            Some(_) => self.b.create_block(),
            None => self.exit,
        };
        let other_args = if self.landing.is_some() {
            Vec::new()
        } else {
            dummy
        };
        self.b.ins().brif(
            overflowed,
            self.trap,
            &[BlockArg::Value(k), BlockArg::Value(line)],
            other,
            &other_args,
        );
        if let Some(landing) = self.landing {
            self.b.switch_to_block(other);
            let jumping = self
                .b
                .ins()
                .icmp_imm_u(IntCC::Equal, st, STATE_LONGJMP as i64);
            let dummy = self.dummy_args();
            self.b.ins().brif(jumping, landing, &[], self.exit, &dummy);
            self.landing_block(landing);
        }

        // save(rid): the live locals are in the slot (the others are
        // whatever it held: the runtime records them as 0).
        self.b.switch_to_block(self.save);
        let rid = self.b.block_params(self.save)[0];
        let rid = self.b.ins().ireduce(types::I32, rid);
        let fp = self.hook(abi::OFF_HOOK_SAVE_FRAME);
        let fid = self.c32(self.fid.0);
        let sb = self.stack_base_value();
        let locals_addr = self.b.ins().stack_addr(types::I64, self.locals_slot, 0);
        let n = self.c32(self.vars.len() as u32);
        let c = self.ctx();
        self.b
            .ins()
            .call_indirect(self.sigs.save, fp, &[c, fid, rid, sb, locals_addr, n]);
        let dummy = self.dummy_args();
        self.b.ins().jump(self.exit, &dummy);
    }

    /// landing: a longjmp is pending; `RuntimeHooks::land` says whether
    /// this frame is its target, and at which setjmp site it continues
    /// with which value.
    fn landing_block(&mut self, landing: cranelift_codegen::ir::Block) {
        self.b.switch_to_block(landing);
        let fp = self.hook(abi::OFF_HOOK_LAND);
        let fid = self.c32(self.fid.0);
        let sb = self.b.use_var(self.stack_base);
        let c = self.ctx();
        let call = self
            .b
            .ins()
            .call_indirect(self.sigs.land, fp, &[c, fid, sb]);
        let r = self.b.inst_results(call)[0];
        let st = self.load_ctx(types::I32, abi::OFF_STATE);
        let landed = self.b.create_block();
        let dummy = self.dummy_args();
        self.b.ins().brif(st, self.exit, &dummy, landed, &[]);
        self.b.switch_to_block(landed);
        let site = self.b.ins().ushr_imm_u(r, 32);
        let val = self.b.ins().ireduce(types::I32, r);
        let bad = self.b.create_block();
        let mut sw = Switch::new();
        let mut targets = Vec::new();
        for (i, next) in self.site_blocks.clone().into_iter().enumerate() {
            let t = self.b.create_block();
            sw.set_entry(i as u128, t);
            targets.push((t, next));
        }
        sw.emit(&mut self.b, site, bad);
        for (t, next) in targets {
            self.b.switch_to_block(t);
            self.b.ins().jump(next, &[BlockArg::Value(val)]);
        }
        self.b.switch_to_block(bad);
        self.jump_trap(TrapKind::Unreachable);
    }

    pub(super) fn safepoint(&mut self, rid: u32) -> Result<(), String> {
        // A fast copy (`hoist`) continues in a block of its own: the
        // resume block, where a rewind lands, is the checked copy's.
        let rb = match self.fast {
            Some(_) => self.b.create_block(),
            None => self.resume[rid as usize],
        };
        // An unrolled fast copy polls in its last iteration only; a short
        // copy not at all.
        let skip = self
            .fast
            .is_some_and(|li| self.short || self.fast_copy + 1 < self.fast_blocks[li].len());
        if self.env.safepoints && !skip {
            // The poll's call may run code that writes memory: what is
            // known is forgotten, but for what the next round carries,
            // reloaded where the call returns (`forward`).
            let kept = self.kept_across_poll();
            self.memory.clear();
            let at_entry = (self.cur_block, self.inst_index) == (0, 0) && self.fast.is_none();
            let entry = match self.entry_poll {
                Some(cold) if at_entry => {
                    self.entry_poll = None;
                    Some(super::PollAfterCall {
                        cold,
                        result: None,
                        between: 0..0,
                    })
                }
                _ => None,
            };
            if let Some(p) = self.poll_after_call.take().or(entry) {
                // The call before tested the word (`after_module_call`).
                let hot = self.b.create_block();
                self.b.ins().jump(hot, &[]);
                self.b.switch_to_block(p.cold);
                if let Some((d, v)) = p.result {
                    self.def(d, v);
                }
                let bi = pivm_ir::Block::new(self.cur_block);
                for i in p.between {
                    let inst = &self.f.blocks[bi].insts[i];
                    self.inst(&inst.kind, None, None, super::window::Check::Exact)?;
                }
                // What these made does not dominate the hot way.
                self.pure.clear();
                self.poll_call(rid);
                let st = self.load_ctx(types::I32, abi::OFF_STATE);
                // Back to the hot path through a cold block of its own: an
                // edge from this branch straight to `hot`, which the hot
                // path enters too, would be split by a block Cranelift
                // lays out among the hot ones (a taken jump in the prologue
                // of a function whose entry safepoint polls here).
                let back = self.b.create_block();
                self.b.set_cold_block(back);
                self.b
                    .ins()
                    .brif(st, self.stops[rid as usize], &[], back, &[]);
                self.seal(&[back]);
                self.b.switch_to_block(back);
                self.b.ins().jump(hot, &[]);
                self.seal(&[hot]);
                self.b.switch_to_block(hot);
                return self.past_poll(rb);
            }
            // The poll word is written by other threads; this load is never
            // merged with an earlier one because every poll is followed by
            // a merge with the cold path, whose call clobbers memory.
            let mut poll = self.load_ctx(types::I32, abi::OFF_POLL);
            if self.env.counting {
                // One more safepoint: the runtime is called when the
                // countdown reaches 0, as if the poll word were set.
                let c = self.load_ctx(types::I64, abi::OFF_COUNTDOWN);
                let c = self.b.ins().iadd_imm_s(c, -1);
                self.store_ctx(c, abi::OFF_COUNTDOWN);
                let zero = self.b.ins().icmp_imm_u(IntCC::Equal, c, 0);
                let zero = self.b.ins().uextend(types::I32, zero);
                poll = self.b.ins().bor(poll, zero);
            }
            // Outside fast copies the resume block has the rewind switch
            // for a third way in, so it takes the locals as parameters:
            // the poll's two ways join first, and only the join passes
            // them (the cold path uses none of them).
            let hot = match self.fast {
                Some(_) => rb,
                None => self.b.create_block(),
            };
            let cold = self.b.create_block();
            self.b.set_cold_block(cold);
            self.b.ins().brif(poll, cold, &[], hot, &[]);
            self.seal(&[cold]);
            self.b.switch_to_block(cold);
            self.poll_call(rid);
            let st = self.load_ctx(types::I32, abi::OFF_STATE);
            let stop = self.stops[rid as usize];
            match (self.fast, kept.is_empty()) {
                (Some(li), false) => {
                    let reload = self.b.create_block();
                    self.b.set_cold_block(reload);
                    self.b.ins().brif(st, stop, &[], reload, &[]);
                    self.seal(&[reload]);
                    self.b.switch_to_block(reload);
                    for (x, var) in &kept {
                        let v = self.load_hoisted(li, x.range, x.k, x.ty);
                        self.b.def_var(*var, v);
                    }
                    self.b.ins().jump(rb, &[]);
                }
                _ => {
                    self.b.ins().brif(st, stop, &[], hot, &[]);
                }
            }
            if hot != rb {
                self.seal(&[hot]);
                self.b.switch_to_block(hot);
                self.past_poll(rb)?;
            } else {
                self.seal(&[rb]);
                self.b.switch_to_block(rb);
            }
            for (x, var) in kept {
                let v = self.b.use_var(var);
                self.memory.put(x, v);
            }
            return Ok(());
        }
        // Its other predecessor is the rewind switch, emitted already (a
        // fast copy's has none): what memory holds is not known there.
        if self.fast.is_none() {
            self.memory.clear();
        }
        self.past_poll(rb)
    }

    /// Goes on past a safepoint from the current block (its poll's hot
    /// way), which continues in the resume block `rb`, where the rewind
    /// switch comes in too. Where the terminator alone follows the
    /// safepoint (a loop's back edge), outside fast copies, the terminator
    /// is lowered twice instead: in `rb`, which only a rewind then
    /// enters, and in a new block that the hot way goes on in. A loop is
    /// then entered at its header only: a rewind's way into its latch
    /// made it a cycle with two entries, in which Cranelift's loop
    /// analysis (by dominators) finds no loop, and hoists nothing out of
    /// it.
    fn past_poll(&mut self, rb: cranelift_codegen::ir::Block) -> Result<(), String> {
        let bi = pivm_ir::Block::new(self.cur_block);
        let ii = self.inst_index;
        if self.fast.is_some() || ii + 2 != self.f.blocks[bi].insts.len() {
            self.b.ins().jump(rb, &[]);
            self.seal(&[rb]);
            self.b.switch_to_block(rb);
            return Ok(());
        }
        let cont = self.b.create_block();
        self.b.ins().jump(cont, &[]);
        self.seal(&[rb, cont]);
        self.b.switch_to_block(rb);
        self.lower_inst(bi, ii + 1, super::window::Check::Exact)?;
        self.inst_index = ii;
        self.b.switch_to_block(cont);
        Ok(())
    }

    /// The poll's call to the runtime, at resume point `rid`.
    fn poll_call(&mut self, rid: u32) {
        let site = super::entry::cold_const(self.fid.0, rid);
        let site = iconst(&mut self.b, types::I64, site);
        self.stop_locs[rid as usize] = self.loc;
        // Through the preserve-all stub: the call clobbers no register,
        // so values live across the poll need no callee-saved register
        // or spill slot on the hot path. The hook never moves or grows
        // memory, so `mem_base` and `bound` stay.
        let stub = self
            .jm
            .declare_func_in_func(self.env.poll_stub, self.b.func);
        if self.env.pinned_ctx {
            self.b.ins().call(stub, &[site]);
        } else {
            let c = self.ctx();
            self.b.ins().call(stub, &[c, site]);
        }
    }

    /// What is known at a fast copy's poll of what the next round carries
    /// (`forward::carried`, at its place before the latch steps), each in
    /// a variable holding its value.
    fn kept_across_poll(&mut self) -> Vec<(forward::Known, Variable)> {
        let Some(li) = self.fast else {
            return Vec::new();
        };
        if self.seeds[li].is_empty() {
            return Vec::new();
        }
        let by = self.loops[li].range_steps();
        let seeds = &self.seeds[li];
        let taken = self.memory.take(|r, k, ty| {
            by[r].is_some_and(|d| {
                let k = k.wrapping_sub(d);
                seeds.iter().any(|s| (s.0, s.1, s.2) == (r, k, ty))
            })
        });
        taken
            .into_iter()
            .map(|x| {
                let var = self.b.declare_var(x.ty);
                self.b.def_var(var, x.v);
                (x, var)
            })
            .collect()
    }
}

/// Whether the host stack pointer is at or above
/// `native_stack_limit + (depth_limit - depth) * STACK_PER_LEVEL`: room
/// for an activation at depth `depth` and every level the limit lets it
/// call (`abi::STACK_PER_LEVEL`). A depth past the limit wraps the
/// difference to a huge one, and the test fails.
pub(super) fn native_stack_ok(b: &mut FunctionBuilder, ctx: Value, depth: Value) -> Value {
    let sp = b.ins().get_stack_pointer(types::I64);
    let floor = b
        .ins()
        .load(types::I64, ctx_flags(), ctx, abi::OFF_NATIVE_STACK_LIMIT);
    let limit = b
        .ins()
        .load(types::I32, ctx_flags(), ctx, abi::OFF_DEPTH_LIMIT);
    let levels = b.ins().isub(limit, depth);
    let levels = b.ins().uextend(types::I64, levels);
    const _: () = assert!(abi::STACK_PER_LEVEL.is_power_of_two());
    let room = b
        .ins()
        .ishl_imm_u(levels, abi::STACK_PER_LEVEL.trailing_zeros() as i64);
    let need = b.ins().iadd(floor, room);
    b.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, sp, need)
}
