//! Lowering of one IR function to Cranelift IR, with the runtime ABI
//! (`abi`) and the snapshot protocol of DESIGN.md woven in.
//!
//! Shape of a lowered function `f(ctx, params...)`:
//!
//! ```text
//! entry:   stack_base = ctx.sp; depth += 1 (overflow if > max_depth)
//!          if ctx.state == REWINDING -> rewind
//!          sp = stack_base + frame size (overflow if > stack_limit); jump block0
//! rewind:  (cold) rid = restore_frame(...); reload locals, stack_base, sp;
//!          switch rid -> resume block of each resume point
//! blockN:  the IR block; it is split at each resume point: a safepoint
//!          polls and continues in its resume block, a call to a module
//!          function starts its resume block (so a rewind re-issues it)
//! stopR:   (cold, one per resume point R) if UNWINDING store
//!          the locals live at R (`liveness`) and -> save(R); else ->
//!          not_running(line)
//! save:    (cold, param rid) save_frame(rid, locals); -> exit
//! not_running: (cold, param line) if STACK_OVERFLOW (the callee had no
//!          room) trap at line; -> exit
//! trap:    (cold, params kind, line) hooks.trap(...); -> exit
//! halted:  (cold, param line) a builtin ended the program: hooks.halted; -> exit
//! overflow: (cold) state = STACK_OVERFLOW; -> exit
//! exit:    (param: return value) ctx.sp = stack_base; depth -= 1; return
//! ```
//!
//! Locals are cranelift-frontend `Variable`s; `mem_base` and `bound` are
//! variables too, loaded at entry; `bound` is reloaded after every call (a
//! builtin may grow the heap), so an access costs an add, a compare and a
//! branch.

use crate::abi::{self, STATE_HALTED, STATE_REWINDING, STATE_STACK_OVERFLOW, STATE_UNWINDING};
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::immediates::{Ieee32, Ieee64};
use cranelift_codegen::ir::{
    self, types, AbiParam, BlockArg, Endianness, FuncRef, InstBuilder, MemFlagsData, SigRef,
    StackSlot, StackSlotData, StackSlotKind, Value,
};
use cranelift_frontend::{FunctionBuilder, Switch, Variable};
use cranelift_jit::JITModule;
use cranelift_module::Module as _;
use pivm_ir::contract::{self, AllocTypes, NULL_PAGE};
use pivm_ir::frame::FrameLayout;
use pivm_ir::safepoints::resume_points;
use pivm_ir::Builtin;
use pivm_ir::{
    AddrOf, Callee, EntityRef, FuncId, Function, InstKind, Local, Module, OpClass, Opcode, Operand,
    TrapKind, Type,
};
use std::collections::HashMap;

const _: () = assert!(abi::STATE_RUNNING == 0, "generated code tests state != 0");

/// The Cranelift type of an IR scalar type.
pub(crate) fn clif(t: Type) -> ir::Type {
    match t {
        Type::I8 => types::I8,
        Type::I16 => types::I16,
        Type::I32 => types::I32,
        Type::I64 | Type::Ptr => types::I64,
        Type::F32 => types::F32,
        Type::F64 => types::F64,
    }
}

/// Signatures that differ only by `ptr` vs `i64` are one class: an indirect
/// call checks the callee's class against the classes the call accepts.
#[derive(Default)]
pub(crate) struct SigClasses {
    /// A representative IR signature of each class.
    pub sigs: Vec<pivm_ir::Signature>,
    /// The class of each function of the module.
    pub of_func: Vec<u32>,
}

impl SigClasses {
    pub fn new(m: &Module) -> SigClasses {
        let mut c = SigClasses::default();
        let mut keys: HashMap<(Vec<ir::Type>, Option<ir::Type>), u32> = HashMap::new();
        for f in m.funcs.values() {
            let key = (f.params().map(clif).collect(), f.ret.map(clif));
            let next = c.sigs.len() as u32;
            let id = *keys.entry(key).or_insert_with(|| {
                c.sigs.push(f.signature());
                next
            });
            c.of_func.push(id);
        }
        c
    }
}

/// What every function's lowering shares.
pub(crate) struct Env<'a> {
    pub m: &'a Module,
    pub globals: &'a [u64],
    /// Host address of the indirect-call table: per function, its code
    /// address and its signature class (two u64s).
    pub table_addr: u64,
    pub func_ids: &'a [cranelift_module::FuncId],
    pub classes: &'a SigClasses,
    pub frames: &'a [FrameLayout],
    pub safepoints: bool,
    /// The preserve-all stub that calls `RuntimeHooks::safepoint`
    /// (`lower_poll_stub`).
    pub poll_stub: cranelift_module::FuncId,
    /// Whether the `VmCtx` pointer lives in the pinned register (set by
    /// the entry wrappers; hosts whose Cranelift backend has one).
    pub pinned_ctx: bool,
    /// The module's allocation types (`contract::AllocTypes`).
    pub alloc_types: &'a AllocTypes,
}

/// The Cranelift signature of a lowered IR function with parameters
/// `params` and result `ret`: `(ctx, params...) -> ret`.
pub(crate) fn func_signature(
    jm: &JITModule,
    params: impl Iterator<Item = Type>,
    ret: Option<Type>,
) -> ir::Signature {
    let mut s = jm.make_signature();
    s.params.push(AbiParam::new(types::I64));
    s.params.extend(params.map(|t| AbiParam::new(clif(t))));
    s.returns.extend(ret.map(|t| AbiParam::new(clif(t))));
    s
}

fn ctx_flags() -> MemFlagsData {
    MemFlagsData::trusted()
}

/// VM memory: checked before the access, possibly unaligned, and
/// little-endian on every host.
fn vm_flags() -> MemFlagsData {
    MemFlagsData::new()
        .with_notrap()
        .with_endianness(Endianness::Little)
}

/// An integer constant of type `ty` from the low bits of `v`.
fn iconst(b: &mut FunctionBuilder, ty: ir::Type, v: u64) -> Value {
    let bits = ty.bits();
    let v = if bits >= 64 {
        v
    } else {
        v & ((1u64 << bits) - 1)
    };
    b.ins().iconst(ty, v as i64)
}

/// A value of IR type `ty` widened to a u64 slot (zero-extended, floats as bits).
pub(crate) fn to_u64(b: &mut FunctionBuilder, v: Value, ty: Type) -> Value {
    match ty {
        Type::I8 | Type::I16 | Type::I32 => b.ins().uextend(types::I64, v),
        Type::I64 | Type::Ptr => v,
        Type::F32 => {
            let i = b.ins().bitcast(types::I32, MemFlagsData::new(), v);
            b.ins().uextend(types::I64, i)
        }
        Type::F64 => b.ins().bitcast(types::I64, MemFlagsData::new(), v),
    }
}

/// The inverse of `to_u64`.
pub(crate) fn from_u64(b: &mut FunctionBuilder, v: Value, ty: Type) -> Value {
    match ty {
        Type::I8 | Type::I16 | Type::I32 => b.ins().ireduce(clif(ty), v),
        Type::I64 | Type::Ptr => v,
        Type::F32 => {
            let i = b.ins().ireduce(types::I32, v);
            b.ins().bitcast(types::F32, MemFlagsData::new(), i)
        }
        Type::F64 => b.ins().bitcast(types::F64, MemFlagsData::new(), v),
    }
}

fn zero(b: &mut FunctionBuilder, ty: ir::Type) -> Value {
    match ty {
        types::F32 => b.ins().f32const(Ieee32::with_bits(0)),
        types::F64 => b.ins().f64const(Ieee64::with_bits(0)),
        _ => b.ins().iconst(ty, 0),
    }
}

struct Sigs {
    trap: SigRef,
    halted: SigRef,
    save: SigRef,
    restore: SigRef,
    builtin: SigRef,
    classes: HashMap<u32, SigRef>,
}

struct Lower<'a, 'f> {
    env: &'a Env<'a>,
    jm: &'a mut JITModule,
    b: FunctionBuilder<'f>,
    f: &'a Function,
    fid: FuncId,
    ctx: Value,
    vars: Vec<Variable>,
    stack_base: Variable,
    mem_base: Variable,
    bound: Variable,
    ret: Option<ir::Type>,
    blocks: Vec<ir::Block>,
    resume: Vec<ir::Block>,
    rid_at: HashMap<(usize, usize), u32>,
    exit: ir::Block,
    trap: ir::Block,
    mem_trap: ir::Block,
    /// Per resume point: where a stop there goes (see the module docs).
    stops: Vec<ir::Block>,
    /// Per resume point: its source line (set when it is lowered).
    stop_lines: Vec<u32>,
    save: ir::Block,
    not_running: ir::Block,
    /// Per resume point: the locals its frame holds.
    live: Vec<pivm_ir::liveness::LocalSet>,
    overflow: ir::Block,
    halted: ir::Block,
    locals_slot: StackSlot,
    sb_slot: StackSlot,
    args_slot: Option<StackSlot>,
    func_refs: HashMap<FuncId, FuncRef>,
    sigs: Sigs,
    line: u32,
    /// VM addresses checked on the current straight-line path, with their
    /// host addresses (cleared at blocks, calls and resume points).
    checked: HashMap<Value, Value>,
    /// Whether the function has a load or a store.
    uses_memory: bool,
}

/// Lowers `fid` into `b` (whose function has `func_signature`).
pub(crate) fn lower_function(
    env: &Env,
    jm: &mut JITModule,
    b: FunctionBuilder,
    fid: FuncId,
) -> Result<(), String> {
    let f = &env.m.funcs[fid];
    let mut b = b;
    let hook_sig = |jm: &JITModule, params: &[ir::Type], ret: Option<ir::Type>| {
        let mut s = jm.make_signature();
        s.params.extend(params.iter().map(|t| host_param(*t)));
        s.returns.extend(ret.map(host_param));
        s
    };
    use types::{I32, I64};
    let sigs = Sigs {
        trap: b.import_signature(hook_sig(jm, &[I64, I32, I32, I32], None)),
        halted: b.import_signature(hook_sig(jm, &[I64, I32, I32], None)),
        save: b.import_signature(hook_sig(jm, &[I64, I32, I32, I64, I64, I32], None)),
        restore: b.import_signature(hook_sig(jm, &[I64, I32, I64, I64, I32], Some(I32))),
        builtin: b.import_signature(hook_sig(jm, &[I64, I64, I32], Some(I64))),
        classes: HashMap::new(),
    };
    let nlocals = f.locals.len();
    let locals_slot = b.create_sized_stack_slot(StackSlotData::new(
        StackSlotKind::ExplicitSlot,
        (nlocals.max(1) * 8) as u32,
        3,
    ));
    let sb_slot = b.create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, 8, 3));
    let max_builtin_args = f
        .blocks
        .values()
        .flat_map(|d| &d.insts)
        .filter_map(|i| match &i.kind {
            // One more for the allocation-type key.
            InstKind::Call {
                callee: Callee::Builtin(_),
                args,
                ..
            } => Some(args.len() + 1),
            _ => None,
        })
        .max()
        .unwrap_or(0);
    let args_slot = (max_builtin_args > 0).then(|| {
        b.create_sized_stack_slot(StackSlotData::new(
            StackSlotKind::ExplicitSlot,
            (max_builtin_args * 8) as u32,
            3,
        ))
    });

    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    let blocks: Vec<ir::Block> = f.blocks.keys().map(|_| b.create_block()).collect();
    let rps = resume_points(f);
    let resume: Vec<ir::Block> = rps.iter().map(|_| b.create_block()).collect();
    let rid_at = rps
        .iter()
        .enumerate()
        .map(|(i, rp)| ((rp.block.index(), rp.inst), i as u32))
        .collect();
    let ret = f.ret.map(clif);
    let exit = b.create_block();
    if let Some(t) = ret {
        b.append_block_param(exit, t);
    }
    let trap = b.create_block();
    b.append_block_param(trap, I32);
    b.append_block_param(trap, I32);
    let mem_trap = b.create_block();
    b.append_block_param(mem_trap, I64);
    b.append_block_param(mem_trap, I32);
    let stops: Vec<ir::Block> = rps
        .iter()
        .map(|_| {
            let s = b.create_block();
            b.set_cold_block(s);
            s
        })
        .collect();
    let save = b.create_block();
    b.append_block_param(save, I32);
    let not_running = b.create_block();
    b.append_block_param(not_running, I32);
    let overflow = b.create_block();
    let halted = b.create_block();
    b.append_block_param(halted, I32);
    for cold in [trap, mem_trap, save, not_running, overflow, halted] {
        b.set_cold_block(cold);
    }

    let vars: Vec<Variable> = f
        .locals
        .values()
        .map(|l| b.declare_var(clif(l.ty)))
        .collect();
    let stack_base = b.declare_var(I64);
    let mem_base = b.declare_var(I64);
    let bound = b.declare_var(I64);

    b.switch_to_block(entry);
    let params = b.block_params(entry).to_vec();
    let ctx = params[0];
    let mut l = Lower {
        env,
        jm,
        b,
        f,
        fid,
        ctx,
        vars,
        stack_base,
        mem_base,
        bound,
        ret,
        blocks,
        resume,
        rid_at,
        exit,
        trap,
        mem_trap,
        stop_lines: vec![0; rps.len()],
        stops,
        save,
        not_running,
        live: pivm_ir::liveness::frame_liveness(f),
        overflow,
        halted,
        locals_slot,
        sb_slot,
        args_slot,
        func_refs: HashMap::new(),
        sigs,
        line: f
            .blocks
            .values()
            .next()
            .and_then(|d| d.insts.first())
            .map_or(0, |i| i.line),
        checked: HashMap::new(),
        uses_memory: f
            .blocks
            .values()
            .flat_map(|d| &d.insts)
            .any(|i| matches!(i.kind, InstKind::Load { .. } | InstKind::Store { .. })),
    };
    l.prologue(&params[1..]);
    l.body()?;
    l.shared_blocks();
    l.b.seal_all_blocks();
    let cfg = l.jm.target_config();
    l.b.finalize(cfg);
    Ok(())
}

impl Lower<'_, '_> {
    fn c32(&mut self, v: u32) -> Value {
        self.b.ins().iconst(types::I32, v as i64)
    }

    /// The `VmCtx` pointer: read from the pinned register where the host
    /// has one (it is never spilled then), else the parameter.
    fn ctx(&mut self) -> Value {
        if self.env.pinned_ctx {
            self.b.ins().get_pinned_reg(types::I64)
        } else {
            self.ctx
        }
    }

    fn load_ctx(&mut self, ty: ir::Type, off: i32) -> Value {
        let c = self.ctx();
        self.b.ins().load(ty, ctx_flags(), c, off)
    }

    fn store_ctx(&mut self, v: Value, off: i32) {
        let c = self.ctx();
        self.b.ins().store(ctx_flags(), v, c, off);
    }

    fn reload_mem(&mut self) {
        if !self.uses_memory {
            // No load or store reads them: skip the loads (and the block
            // parameters they would need at every merge).
            return;
        }
        let mb = self.load_ctx(types::I64, abi::OFF_MEM_BASE);
        self.b.def_var(self.mem_base, mb);
        let bd = self.load_ctx(types::I64, abi::OFF_BOUND);
        self.b.def_var(self.bound, bd);
    }

    /// After a call: the heap may have grown (`mem_base` never changes
    /// during a run).
    fn reload_bound(&mut self) {
        if self.uses_memory {
            let bd = self.load_ctx(types::I64, abi::OFF_BOUND);
            self.b.def_var(self.bound, bd);
        }
    }

    fn hook(&mut self, off: i32) -> Value {
        let hooks = self.load_ctx(types::I64, abi::OFF_HOOKS);
        self.b.ins().load(types::I64, ctx_flags(), hooks, off)
    }

    fn dummy_args(&mut self) -> Vec<BlockArg> {
        match self.ret {
            Some(t) => vec![BlockArg::Value(zero(&mut self.b, t))],
            None => Vec::new(),
        }
    }

    /// Continues in a new block if `ok` is nonzero, traps with `kind` otherwise.
    fn trap_unless(&mut self, ok: Value, kind: TrapKind) {
        let cont = self.b.create_block();
        let cold = self.cold_block();
        self.b.ins().brif(ok, cont, &[], cold, &[]);
        self.b.switch_to_block(cold);
        self.jump_trap(kind);
        self.b.switch_to_block(cont);
    }

    /// A new cold block: one per check site, so the hot path only
    /// branches and the constants a trap needs are made on the cold side.
    fn cold_block(&mut self) -> ir::Block {
        let b = self.b.create_block();
        self.b.set_cold_block(b);
        b
    }

    /// Continues in a new block if `ok` is nonzero; otherwise returns with
    /// `STATE_STACK_OVERFLOW` for the caller to report.
    fn overflow_unless(&mut self, ok: Value) {
        let cont = self.b.create_block();
        self.b.ins().brif(ok, cont, &[], self.overflow, &[]);
        self.b.switch_to_block(cont);
    }

    fn jump_trap(&mut self, kind: TrapKind) {
        let k = self.c32(kind.code());
        let line = self.c32(self.line);
        self.b
            .ins()
            .jump(self.trap, &[BlockArg::Value(k), BlockArg::Value(line)]);
    }

    /// `stack_base + size`, checked against `stack_limit`, stored to `ctx.sp`.
    fn push_frame(&mut self) {
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

    fn prologue(&mut self, params: &[Value]) {
        for (i, v) in self.vars.clone().into_iter().enumerate() {
            let val = match params.get(i) {
                Some(p) => *p,
                None => zero(&mut self.b, clif(self.f.locals[Local::new(i)].ty)),
            };
            self.b.def_var(v, val);
        }
        let sp = self.load_ctx(types::I64, abi::OFF_SP);
        self.b.def_var(self.stack_base, sp);
        self.reload_mem();
        let d = self.load_ctx(types::I32, abi::OFF_DEPTH);
        let d = self.b.ins().iadd_imm_s(d, 1);
        self.store_ctx(d, abi::OFF_DEPTH);
        let max = self.load_ctx(types::I32, abi::OFF_MAX_DEPTH);
        let ok = self.b.ins().icmp(IntCC::UnsignedLessThanOrEqual, d, max);
        self.overflow_unless(ok);
        let st = self.load_ctx(types::I32, abi::OFF_STATE);
        let rewinding = self
            .b
            .ins()
            .icmp_imm_u(IntCC::Equal, st, STATE_REWINDING as i64);
        let rewind = self.b.create_block();
        let normal = self.b.create_block();
        self.b.set_cold_block(rewind);
        self.b.ins().brif(rewinding, rewind, &[], normal, &[]);

        self.b.switch_to_block(normal);
        self.push_frame();
        self.b.ins().jump(self.blocks[0], &[]);

        self.b.switch_to_block(rewind);
        self.rewind();
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
        self.b.switch_to_block(cont);
        for i in 0..self.vars.len() {
            let ty = self.f.locals[Local::new(i)].ty;
            let v =
                self.b
                    .ins()
                    .stack_load(types::I64, types::I64, self.locals_slot, (i * 8) as i32);
            let v = from_u64(&mut self.b, v, ty);
            self.b.def_var(self.vars[i], v);
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
        for (i, blk) in self.resume.iter().enumerate() {
            sw.set_entry(i as u128, *blk);
        }
        sw.emit(&mut self.b, rid, bad);
        self.b.switch_to_block(bad);
        self.jump_trap(TrapKind::Unreachable);
    }

    fn shared_blocks(&mut self) {
        // exit(ret): pop the shadow-stack frame and the call depth.
        self.b.switch_to_block(self.exit);
        let sb = self.b.use_var(self.stack_base);
        self.store_ctx(sb, abi::OFF_SP);
        let d = self.load_ctx(types::I32, abi::OFF_DEPTH);
        let d = self.b.ins().iadd_imm_s(d, -1);
        self.store_ctx(d, abi::OFF_DEPTH);
        // Only the first parameter is the result: the frontend appends the
        // variables live into this block after it.
        let rv: Vec<Value> = self.b.block_params(self.exit)[..self.ret.iter().len()].to_vec();
        self.b.ins().return_(&rv);

        // trap(kind, line)
        self.b.switch_to_block(self.trap);
        let p = self.b.block_params(self.trap).to_vec();
        let fp = self.hook(abi::OFF_HOOK_TRAP);
        let fid = self.c32(self.fid.0);
        let c = self.ctx();
        self.b
            .ins()
            .call_indirect(self.sigs.trap, fp, &[c, p[0], fid, p[1]]);
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
        let line = self.b.block_params(self.halted)[0];
        let fp = self.hook(abi::OFF_HOOK_HALTED);
        let fid = self.c32(self.fid.0);
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
            let line = self.c32(self.stop_lines[rid]);
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
                let v = self.b.use_var(self.vars[i]);
                let v = to_u64(&mut self.b, v, ty);
                self.b
                    .ins()
                    .stack_store(types::I64, v, self.locals_slot, (i * 8) as i32);
            }
            let r = self.c32(rid as u32);
            self.b.ins().jump(self.save, &[BlockArg::Value(r)]);
        }

        // not_running(line): halted, or the callee had no room.
        self.b.switch_to_block(self.not_running);
        let line = self.b.block_params(self.not_running)[0];
        let st = self.load_ctx(types::I32, abi::OFF_STATE);
        let overflowed = self
            .b
            .ins()
            .icmp_imm_u(IntCC::Equal, st, STATE_STACK_OVERFLOW as i64);
        let k = self.c32(TrapKind::StackOverflow.code());
        let dummy = self.dummy_args();
        self.b.ins().brif(
            overflowed,
            self.trap,
            &[BlockArg::Value(k), BlockArg::Value(line)],
            self.exit,
            &dummy,
        );

        // save(rid): the live locals are in the slot (the others are
        // whatever it held: the runtime records them as 0).
        self.b.switch_to_block(self.save);
        let rid = self.b.block_params(self.save)[0];
        let fp = self.hook(abi::OFF_HOOK_SAVE_FRAME);
        let fid = self.c32(self.fid.0);
        let sb = self.b.use_var(self.stack_base);
        let locals_addr = self.b.ins().stack_addr(types::I64, self.locals_slot, 0);
        let n = self.c32(self.vars.len() as u32);
        let c = self.ctx();
        self.b
            .ins()
            .call_indirect(self.sigs.save, fp, &[c, fid, rid, sb, locals_addr, n]);
        let dummy = self.dummy_args();
        self.b.ins().jump(self.exit, &dummy);
    }

    fn operand(&mut self, ty: Type, o: Operand) -> Value {
        match o {
            Operand::Local(l) => self.b.use_var(self.vars[l.index()]),
            Operand::Const(c) => match ty {
                Type::F32 => self.b.ins().f32const(Ieee32::with_bits(c as u32)),
                Type::F64 => self.b.ins().f64const(Ieee64::with_bits(c)),
                _ => iconst(&mut self.b, clif(ty), c),
            },
        }
    }

    fn def(&mut self, dst: Local, v: Value) {
        self.b.def_var(self.vars[dst.index()], v);
    }

    fn local_ty(&self, l: Local) -> Type {
        self.f.locals[l].ty
    }

    /// The host address of VM address `addr`, after the access check.
    fn host_addr(&mut self, addr: Value) -> Value {
        if let Some(h) = self.checked.get(&addr) {
            // Checked already on this straight-line path (same rule for
            // every access size): reuse the host address.
            return *h;
        }
        let bound = self.b.use_var(self.bound);
        let off = self.b.ins().iadd_imm_s(addr, -(NULL_PAGE as i64));
        let ok = self
            .b
            .ins()
            .icmp(IntCC::UnsignedLessThanOrEqual, off, bound);
        let cont = self.b.create_block();
        let cold = self.cold_block();
        self.b.ins().brif(ok, cont, &[], cold, &[]);
        self.b.switch_to_block(cold);
        let line = self.c32(self.line);
        self.b.ins().jump(
            self.mem_trap,
            &[BlockArg::Value(addr), BlockArg::Value(line)],
        );
        self.b.switch_to_block(cont);
        let mb = self.b.use_var(self.mem_base);
        let h = self.b.ins().iadd(mb, addr);
        self.checked.insert(addr, h);
        h
    }

    fn body(&mut self) -> Result<(), String> {
        let f = self.f;
        for (bi, data) in f.blocks.iter() {
            self.b.switch_to_block(self.blocks[bi.index()]);
            self.checked.clear();
            for (ii, inst) in data.insts.iter().enumerate() {
                self.line = inst.line;
                let rid = self.rid_at.get(&(bi.index(), ii)).copied();
                if rid.is_some() || matches!(inst.kind, InstKind::Call { .. }) {
                    // A resume block has other predecessors (the rewind
                    // switch), and a call may change `bound`.
                    self.checked.clear();
                }
                self.inst(&inst.kind, rid)?;
            }
        }
        Ok(())
    }

    fn inst(&mut self, k: &InstKind, rid: Option<u32>) -> Result<(), String> {
        match k {
            InstKind::Unary { op, ty, dst, a } => {
                let a = self.operand(*ty, *a);
                let r = match op {
                    Opcode::Neg => self.b.ins().ineg(a),
                    Opcode::Not => self.b.ins().bnot(a),
                    Opcode::FNeg => self.b.ins().fneg(a),
                    Opcode::Copy => a,
                    _ => return Err(format!("'{}' is not a unary opcode", op.name())),
                };
                self.def(*dst, r);
            }
            InstKind::Binary { op, ty, dst, a, b } => {
                let a = self.operand(*ty, *a);
                let b = self.operand(*ty, *b);
                let r = self.binary(*op, *ty, a, b)?;
                self.def(*dst, r);
            }
            InstKind::Convert {
                op,
                from,
                to,
                dst,
                a,
            } => {
                let a = self.operand(*from, *a);
                let r = self.convert(*op, *from, *to, a)?;
                self.def(*dst, r);
            }
            InstKind::Load { ty, dst, addr } => {
                let a = self.operand(Type::Ptr, *addr);
                let h = self.host_addr(a);
                let v = self.b.ins().load(clif(*ty), vm_flags(), h, 0);
                self.def(*dst, v);
            }
            InstKind::Store { ty, addr, val } => {
                let a = self.operand(Type::Ptr, *addr);
                let v = self.operand(*ty, *val);
                let h = self.host_addr(a);
                self.b.ins().store(vm_flags(), v, h, 0);
            }
            InstKind::Addr { dst, of } => {
                let v = match of {
                    AddrOf::Global(g) => {
                        let a = *self
                            .env
                            .globals
                            .get(g.index())
                            .ok_or_else(|| format!("no address for {g}"))?;
                        iconst(&mut self.b, types::I64, a)
                    }
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
                Callee::Builtin(bi) => self.call_builtin(*bi, *dst, args, alloc_type.as_ref())?,
                Callee::Indirect(fp) => self.call_indirect(*fp, *dst, args, need(rid)?),
            },
            InstKind::Safepoint => self.safepoint(need(rid)?),
            InstKind::Jump { target } => {
                self.b.ins().jump(self.blocks[target.index()], &[]);
            }
            InstKind::Branch {
                ty,
                cond,
                then_dest,
                else_dest,
            } => {
                let c = self.operand(*ty, *cond);
                self.b.ins().brif(
                    c,
                    self.blocks[then_dest.index()],
                    &[],
                    self.blocks[else_dest.index()],
                    &[],
                );
            }
            InstKind::Switch {
                ty,
                val,
                default,
                cases,
            } => {
                let mut v = self.operand(*ty, *val);
                if ty.bits() < 64 {
                    v = self.b.ins().uextend(types::I64, v);
                }
                let mut sw = Switch::new();
                for (k, blk) in cases {
                    sw.set_entry(*k as u128, self.blocks[blk.index()]);
                }
                sw.emit(&mut self.b, v, self.blocks[default.index()]);
            }
            InstKind::Return { val } => {
                let args = match val {
                    Some((t, o)) => vec![BlockArg::Value(self.operand(*t, *o))],
                    None => Vec::new(),
                };
                self.b.ins().jump(self.exit, &args);
            }
            InstKind::Unreachable => self.jump_trap(TrapKind::Unreachable),
        }
        Ok(())
    }

    fn binary(&mut self, op: Opcode, ty: Type, a: Value, b: Value) -> Result<Value, String> {
        let ct = clif(ty);
        Ok(match op {
            Opcode::Add => self.b.ins().iadd(a, b),
            Opcode::Sub => self.b.ins().isub(a, b),
            Opcode::Mul => self.b.ins().imul(a, b),
            Opcode::SDiv | Opcode::SRem => {
                self.trap_unless(b, TrapKind::DivisionByZero);
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
                self.trap_unless(b, TrapKind::DivisionByZero);
                self.b.ins().udiv(a, b)
            }
            Opcode::URem => {
                self.trap_unless(b, TrapKind::DivisionByZero);
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
                let cc = match op {
                    Opcode::FEq => FloatCC::Equal,
                    Opcode::FNe => FloatCC::NotEqual,
                    Opcode::FLt => FloatCC::LessThan,
                    Opcode::FLe => FloatCC::LessThanOrEqual,
                    Opcode::FGt => FloatCC::GreaterThan,
                    _ => FloatCC::GreaterThanOrEqual,
                };
                let c = self.b.ins().fcmp(cc, a, b);
                self.b.ins().uextend(types::I32, c)
            }
            _ => return Err(format!("'{}' is not a binary opcode", op.name())),
        })
    }

    fn convert(&mut self, op: Opcode, from: Type, to: Type, a: Value) -> Result<Value, String> {
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

    fn safepoint(&mut self, rid: u32) {
        let rb = self.resume[rid as usize];
        if self.env.safepoints {
            // The poll word is written by other threads; this load is never
            // merged with an earlier one because every poll is followed by
            // a merge with the cold path, whose call clobbers memory.
            let poll = self.load_ctx(types::I32, abi::OFF_POLL);
            let cold = self.b.create_block();
            self.b.set_cold_block(cold);
            self.b.ins().brif(poll, cold, &[], rb, &[]);
            self.b.switch_to_block(cold);
            let fid = self.c32(self.fid.0);
            let r = self.c32(rid);
            self.stop_lines[rid as usize] = self.line;
            // Through the preserve-all stub: the call clobbers no register,
            // so values live across the poll need no callee-saved register
            // or spill slot on the hot path. The hook never moves or grows
            // memory, so `mem_base` and `bound` stay.
            let stub = self
                .jm
                .declare_func_in_func(self.env.poll_stub, self.b.func);
            let c = self.ctx();
            self.b.ins().call(stub, &[c, fid, r]);
            let st = self.load_ctx(types::I32, abi::OFF_STATE);
            self.b
                .ins()
                .brif(st, self.stops[rid as usize], &[], rb, &[]);
        } else {
            self.b.ins().jump(rb, &[]);
        }
        self.b.switch_to_block(rb);
    }

    /// After a call that can unwind: reload memory, stop unless running,
    /// then write the result.
    fn after_module_call(&mut self, rid: u32, dst: Option<Local>, res: Option<Value>) {
        self.reload_bound();
        let st = self.load_ctx(types::I32, abi::OFF_STATE);
        let cont = self.b.create_block();
        self.stop_lines[rid as usize] = self.line;
        self.b
            .ins()
            .brif(st, self.stops[rid as usize], &[], cont, &[]);
        self.b.switch_to_block(cont);
        if let (Some(d), Some(v)) = (dst, res) {
            self.def(d, v);
        }
    }

    fn call_args(&mut self, args: &[(Type, Operand)]) -> Vec<Value> {
        let mut v = Vec::with_capacity(args.len() + 1);
        let c = self.ctx();
        v.push(c);
        for (t, o) in args {
            let x = self.operand(*t, *o);
            v.push(x);
        }
        v
    }

    fn enter_resume_block(&mut self, rid: u32) {
        let rb = self.resume[rid as usize];
        self.b.ins().jump(rb, &[]);
        self.b.switch_to_block(rb);
    }

    fn call_func(&mut self, g: FuncId, dst: Option<Local>, args: &[(Type, Operand)], rid: u32) {
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

    fn call_indirect(
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
            if !contract::indirect_call_ok(&arg_tys, dst_ty, sig) {
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
        self.b.switch_to_block(merge);
        let res = self.b.block_params(merge).first().copied();
        self.after_module_call(rid, dst, res);
    }

    fn call_builtin(
        &mut self,
        bi: pivm_ir::BuiltinId,
        dst: Option<Local>,
        args: &[(Type, Operand)],
        alloc_type: Option<&pivm_ir::MemType>,
    ) -> Result<(), String> {
        let decl = &self.env.m.builtins[bi];
        let builtin = Builtin::from_name(&decl.name)
            .ok_or_else(|| format!("@{} is not a builtin of the catalog", decl.name))?;
        let idx = builtin.index();
        if let [(Type::F64, a)] = args {
            let inline = matches!(
                builtin,
                Builtin::Sqrt | Builtin::Fabs | Builtin::Floor | Builtin::Ceil | Builtin::Trunc
            );
            if inline {
                // Same IEEE result as libm: these are exact or correctly
                // rounded. A NaN result is the canonical NaN, as the vm's
                // math builtins give: Cranelift's NaN canonicalization
                // covers sqrt, floor, ceil and trunc; fabs, a sign-bit
                // operation it leaves alone, is canonicalized here.
                let x = self.operand(Type::F64, *a);
                let r = match builtin {
                    Builtin::Sqrt => self.b.ins().sqrt(x),
                    Builtin::Fabs => {
                        let r = self.b.ins().fabs(x);
                        let nan = self.b.ins().fcmp(FloatCC::Unordered, r, r);
                        let canon = self
                            .b
                            .ins()
                            .f64const(Ieee64::with_bits(pivm_ir::opcodes::CANONICAL_NAN_F64));
                        self.b.ins().select(nan, canon, r)
                    }
                    Builtin::Floor => self.b.ins().floor(x),
                    Builtin::Ceil => self.b.ins().ceil(x),
                    _ => self.b.ins().trunc(x),
                };
                if let Some(d) = dst {
                    self.def(d, r);
                }
                return Ok(());
            }
        }
        // The allocation-type key (see `abi::BuiltinFn`).
        let key = match alloc_type {
            Some(t) if builtin.is_alloc() => match self.env.alloc_types.key(t) {
                0 => return Err("internal error: allocation type missing from the table".into()),
                k => Some(k),
            },
            _ => None,
        };
        let nargs = args.len() + key.iter().len();
        let ptr = match self.args_slot {
            Some(slot) if nargs > 0 => {
                for (i, (t, o)) in args.iter().enumerate() {
                    let v = self.operand(*t, *o);
                    let v = to_u64(&mut self.b, v, *t);
                    self.b
                        .ins()
                        .stack_store(types::I64, v, slot, (i * 8) as i32);
                }
                if let Some(k) = key {
                    let v = iconst(&mut self.b, types::I64, k);
                    self.b
                        .ins()
                        .stack_store(types::I64, v, slot, (args.len() * 8) as i32);
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
        let call = self
            .b
            .ins()
            .call_indirect(self.sigs.builtin, fp, &[c, ptr, n]);
        let r = self.b.inst_results(call)[0];
        self.reload_bound();
        let st = self.load_ctx(types::I32, abi::OFF_STATE);
        let cont = self.b.create_block();
        let cold = self.cold_block();
        self.b.ins().brif(st, cold, &[], cont, &[]);
        self.b.switch_to_block(cold);
        let line = self.c32(self.line);
        self.b.ins().jump(self.halted, &[BlockArg::Value(line)]);
        self.b.switch_to_block(cont);
        if let Some(d) = dst {
            let ty = self.local_ty(d);
            let v = from_u64(&mut self.b, r, ty);
            self.def(d, v);
        }
        Ok(())
    }
}

fn need(rid: Option<u32>) -> Result<u32, String> {
    rid.ok_or_else(|| "internal error: resume point without an id".to_string())
}

/// The signature of the poll stub: `(ctx, func, resume)` in the
/// preserve-all convention where Cranelift supports it well. On riscv64
/// its prologue saves the vector registers with V-extension instructions,
/// which hosts without V (qemu's default CPU among them) reject, so there
/// the stub uses the host convention and a poll's cold path costs the hot
/// loop some registers.
pub(crate) fn poll_stub_signature(isa: &dyn cranelift_codegen::isa::TargetIsa) -> ir::Signature {
    let conv = match isa.triple().architecture {
        target_lexicon::Architecture::Riscv64(_) => isa.default_call_conv(),
        _ => cranelift_codegen::isa::CallConv::PreserveAll,
    };
    let mut s = ir::Signature::new(conv);
    s.params.push(AbiParam::new(types::I64));
    s.params.push(AbiParam::new(types::I32));
    s.params.push(AbiParam::new(types::I32));
    s
}

/// Lowers the poll stub: calls `RuntimeHooks::safepoint` with its
/// arguments. It preserves every register (its prologue saves what the
/// host-convention call clobbers), so a poll's cold path costs the hot
/// path nothing in register allocation.
pub(crate) fn lower_poll_stub(jm: &JITModule, mut b: FunctionBuilder) {
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    let p = b.block_params(entry).to_vec();
    let hooks = b.ins().load(types::I64, ctx_flags(), p[0], abi::OFF_HOOKS);
    let hook = b
        .ins()
        .load(types::I64, ctx_flags(), hooks, abi::OFF_HOOK_SAFEPOINT);
    let mut s = jm.make_signature();
    s.params.push(host_param(types::I64));
    s.params.push(host_param(types::I32));
    s.params.push(host_param(types::I32));
    let sig = b.import_signature(s);
    b.ins().call_indirect(sig, hook, &p);
    b.ins().return_(&[]);
    b.seal_all_blocks();
    b.finalize(jm.target_config());
}

/// Lowers the entry wrapper of `fid`: `(ctx, args: *const u64) -> u64`,
/// loading each parameter from `args` and returning the result as a u64.
pub(crate) fn lower_entry(
    m: &Module,
    jm: &mut JITModule,
    mut b: FunctionBuilder,
    fid: FuncId,
    target: cranelift_module::FuncId,
    pinned_ctx: bool,
) {
    let f = &m.funcs[fid];
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    let p = b.block_params(entry).to_vec();
    if pinned_ctx {
        // Compiled functions read the context from the pinned register
        // (never allocated, and callee-saved in the host convention, so
        // hooks and builtins keep it).
        b.ins().set_pinned_reg(p[0]);
    }
    let mut vals = vec![p[0]];
    for (i, t) in f.params().enumerate() {
        let v = b.ins().load(types::I64, ctx_flags(), p[1], (i * 8) as i32);
        vals.push(from_u64(&mut b, v, t));
    }
    let fr = jm.declare_func_in_func(target, b.func);
    let call = b.ins().call(fr, &vals);
    let r = match (f.ret, b.inst_results(call).first().copied()) {
        (Some(t), Some(v)) => to_u64(&mut b, v, t),
        _ => b.ins().iconst(types::I64, 0),
    };
    // The called function had no room: report it here, at line 0.
    let st = b.ins().load(types::I32, ctx_flags(), p[0], abi::OFF_STATE);
    let overflowed = b
        .ins()
        .icmp_imm_u(IntCC::Equal, st, STATE_STACK_OVERFLOW as i64);
    let report = b.create_block();
    let done = b.create_block();
    b.set_cold_block(report);
    b.ins().brif(overflowed, report, &[], done, &[]);
    b.switch_to_block(report);
    let mut s = jm.make_signature();
    for t in [types::I64, types::I32, types::I32, types::I32] {
        s.params.push(host_param(t));
    }
    let sig = b.import_signature(s);
    let hooks = b.ins().load(types::I64, ctx_flags(), p[0], abi::OFF_HOOKS);
    let hook = b
        .ins()
        .load(types::I64, ctx_flags(), hooks, abi::OFF_HOOK_TRAP);
    let k = b
        .ins()
        .iconst(types::I32, TrapKind::StackOverflow.code() as i64);
    let fidv = b.ins().iconst(types::I32, fid.0 as i64);
    let zero = b.ins().iconst(types::I32, 0);
    b.ins().call_indirect(sig, hook, &[p[0], k, fidv, zero]);
    b.ins().jump(done, &[]);
    b.switch_to_block(done);
    b.ins().return_(&[r]);
    b.seal_all_blocks();
    b.finalize(jm.target_config());
}

/// A parameter or result of a call to a host (Rust `extern "C"`) function.
/// Integers narrower than 64 bits are zero-extended: ABIs such as s390x's
/// require the caller to extend them, and the Rust callee relies on it (a
/// `u32` count arriving with garbage in its upper half crashed on s390x).
pub(crate) fn host_param(t: ir::Type) -> AbiParam {
    if t.is_int() && t.bits() < 64 {
        AbiParam::new(t).uext()
    } else {
        AbiParam::new(t)
    }
}
