//! Lowering of one IR function to Cranelift IR, with the runtime ABI
//! (`abi`) and the snapshot protocol of docs/DESIGN.md woven in.
//!
//! Shape of a lowered function `f(ctx, params...)`:
//!
//! ```text
//! entry:   stack_base = ctx.sp; depth += 1 (overflow if > max_depth or,
//!          in a function whose frame is larger than
//!          `abi::STACK_PER_LEVEL`, if the host stack has less room than
//!          the depth left needs; a leaf, `is_leaf`, tests depth + 1
//!          without storing it, and never the host stack); max_depth is 0
//!          while rewinding or while the poll word is set, and the failed
//!          test's cold path goes to rewind if ctx.state == REWINDING,
//!          else to pending if depth is within ctx.depth_limit, else
//!          overflows
//!          sp = stack_base + frame size (overflow if > stack_limit); jump block0
//! pending: (cold) the same entry, then the entry safepoint's poll
//!          (`folds_entry_poll`; that safepoint tests nothing) or block0
//! rewind:  (cold) rid = restore_frame(...); reload locals, stack_base, sp;
//!          switch rid -> resume block of each resume point
//! blockN:  the IR block; it is split at each resume point: a safepoint
//!          polls and continues in its resume block (or, where only the
//!          terminator follows it, in a block of its own, the resume block
//!          holding a copy of the terminator for rewinds: `past_poll`, so
//!          a loop is entered at its header only), a call to a module
//!          function starts its resume block (so a rewind re-issues it)
//!          and stops unless the state is running (with a safepoint right
//!          after it, one 64-bit load tests the state and the poll word)
//! stopR:   (cold, one per resume point R) if UNWINDING store
//!          the locals live at R (`liveness`) and -> save(R); else ->
//!          not_running(line)
//! save:    (cold, param rid) save_frame(rid, locals); -> exit
//! not_running: (cold, param line) if STACK_OVERFLOW (the callee had no
//!          room) trap at line; -> exit
//! trap:    (cold, params kind, line) hooks.trap(...); -> exit
//! halted:  (cold, param line) a builtin ended the program: hooks.halted; -> exit
//! overflow: (cold) state = STACK_OVERFLOW; -> exit
//! exit:    (param: return value) ctx.sp = stack_base; depth -= 1 (not
//!          in a leaf); return
//! landing: (cold; functions that call setjmp) a longjmp is pending:
//!          hooks.land(...); at its target -> after the setjmp site with
//!          the value, else -> exit
//! ```
//!
//! A pending longjmp (`abi::STATE_LONGJMP`, `pivm_ir::jmp`) returns from
//! every frame above its target through `not_running`; a function that
//! calls setjmp goes to `landing` instead of `exit`, and every call site
//! reaches it, so its SSA variables bring each local's value at the call
//! to the setjmp site, as the interpreter keeps them.
//!
//! Locals are cranelift-frontend `Variable`s; `mem_base` and `bound` are
//! variables too, loaded at entry; `bound` is reloaded after every call (a
//! builtin may grow the heap), `mem_base` after every call of a module
//! function (`reload_base`), so an access costs an add, a compare and a
//! branch.
//!
//! The lowering is split by concern:
//!
//! - this file: what every part shares (`Env`, the per-function `Lower`
//!   state and its small helpers, value conversions) and `lower_function`,
//!   which creates the blocks and drives the rest;
//! - `ops`: the instructions: scalar operations, loads and stores with
//!   their memory checks, addresses, control flow;
//! - `unwind`: the snapshot protocol: prologue and rewind, polls at
//!   safepoints, the stop blocks that save the frames, the shared cold
//!   blocks (exit, traps, overflow);
//! - `calls`: direct, indirect and builtin calls, and the shadow-stack
//!   and call-depth checks (stack overflow);
//! - `entry`: the entry wrappers and the preserve-all poll stub.

mod bytes;
mod calls;
mod entry;
mod forward;
mod heap;
mod hoist;
mod nan;
mod ops;
pub(crate) mod peephole;
mod strings;
mod unwind;
mod window;

pub(crate) use entry::{lower_entry, lower_never_entered, lower_poll_stub, poll_stub_signature};

use crate::abi;
use cranelift_codegen::ir::immediates::{Ieee32, Ieee64};
use cranelift_codegen::ir::{
    self, types, AbiParam, BlockArg, Endianness, FuncRef, InstBuilder, MemFlagsData, SigRef,
    StackSlot, StackSlotData, StackSlotKind, Value,
};
use cranelift_frontend::{FunctionBuilder, Variable};
use cranelift_jit::JITModule;
use cranelift_module::Module as _;
use pivm_ir::frame::FrameLayout;
use pivm_ir::safepoints::resume_points;
use pivm_ir::{
    Builtin, Callee, EntityRef, FuncId, Function, InstKind, Local, Module, Operand, TrapKind, Type,
};
use std::collections::{HashMap, HashSet};

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
    /// The size of each global. The engine keeps the memory's limit at or
    /// above the heap's start plus `MAX_ACCESS` (the limit never shrinks,
    /// and the globals lie below the heap), so an access inside a global
    /// needs no check (`window::Check::Static`).
    pub global_sizes: &'a [u64],
    /// Host address of the indirect-call table: per function, its code
    /// address and its signature class (two u64s).
    pub table_addr: u64,
    pub func_ids: &'a [cranelift_module::FuncId],
    pub classes: &'a SigClasses,
    pub frames: &'a [FrameLayout],
    pub safepoints: bool,
    /// Polls decrement `VmCtx::countdown` (`Options::counting`).
    pub counting: bool,
    /// The preserve-all stub that calls `RuntimeHooks::safepoint`
    /// (`lower_poll_stub`).
    pub poll_stub: cranelift_module::FuncId,
    /// Hoist the memory checks of counted loops (`hoist`).
    pub hoist: bool,
    /// Whether the `VmCtx` pointer lives in the pinned register (set by
    /// the entry wrappers; hosts whose Cranelift backend has one).
    pub pinned_ctx: bool,
    /// The module's allocation types (`pivm_ir::contract::AllocTypes`).
    pub alloc_types: &'a pivm_ir::contract::AllocTypes,
}

/// Host stack a function's spill slots and saved registers are assumed
/// to take at most, beside its stack slots, when `lower_function`
/// decides whether its frame may exceed `abi::STACK_PER_LEVEL` (a wrong
/// guess costs a second compile of the function, never safety).
const SPILL_ALLOWANCE: u64 = 1024;

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

/// Whether `f` calls no function of the module (directly or through a
/// pointer) and neither setjmp nor longjmp. Only such calls read the call
/// depth (`VmCtx::depth`) during an activation: a callee adds one to it, a
/// jump passes it as its frame's. Builtins and hooks never call module
/// functions.
fn is_leaf(m: &Module, f: &Function) -> bool {
    f.blocks
        .values()
        .flat_map(|b| &b.insts)
        .all(|i| match &i.kind {
            InstKind::Call { callee, .. } => match callee {
                Callee::Func(_) | Callee::Indirect(_) => false,
                Callee::Builtin(b) => !matches!(
                    m.builtin(*b),
                    Some(Builtin::Setjmp | Builtin::Longjmp) | None
                ),
            },
            _ => true,
        })
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

/// An operand of a `PureKey`: a value, or the constant it is.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub(super) enum KeyOperand {
    Value(Value),
    Const(i64),
}

impl KeyOperand {
    /// `v`, or the constant it is (each use of a constant makes a new
    /// value).
    fn of(b: &FunctionBuilder, v: Value) -> KeyOperand {
        let dfg = &b.func.dfg;
        match peephole::const_of(dfg, v) {
            Some(c) => KeyOperand::Const(c),
            None => KeyOperand::Value(dfg.resolve_aliases(v)),
        }
    }
}

/// An integer operation (`Binary`, or a `Convert` from the type its
/// second operand names) of a Cranelift type on its operands.
pub(super) type PureKey = (pivm_ir::Opcode, ir::Type, KeyOperand, KeyOperand);

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
    land: SigRef,
    builtin: SigRef,
    heap: SigRef,
    /// `bytes::host_fill` and `host_move`.
    host_mem: SigRef,
    classes: HashMap<u32, SigRef>,
}

/// See `Lower::poll_after_call`.
struct PollAfterCall {
    cold: ir::Block,
    result: Option<(Local, Value)>,
    between: std::ops::Range<usize>,
}

struct Lower<'a, 'f> {
    env: &'a Env<'a>,
    jm: &'a mut JITModule,
    b: FunctionBuilder<'f>,
    f: &'a Function,
    fid: FuncId,
    ctx: Value,
    /// The pinned register read last (`ctx`): its block, the value, and
    /// the block's last instruction known to be no call since.
    ctx_read: Option<(ir::Block, Value, ir::Inst)>,
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
    /// Per resume point: its source location (`loc`; set when it is
    /// lowered).
    stop_locs: Vec<u64>,
    save: ir::Block,
    not_running: ir::Block,
    /// Per resume point: the locals its frame holds.
    live: Vec<pivm_ir::liveness::LocalSet>,
    /// Per local: whether its bits are never seen (`nan::blind_locals`).
    blind: Vec<bool>,
    overflow: ir::Block,
    halted: ir::Block,
    locals_slot: StackSlot,
    sb_slot: StackSlot,
    args_slot: Option<StackSlot>,
    func_refs: HashMap<FuncId, FuncRef>,
    sigs: Sigs,
    /// The source location of the instruction being lowered: the function
    /// a trap there is reported in (`Inst::func`) in the high 32 bits, its
    /// line in the low 32. What the cold blocks that report a location
    /// take (`trap`, `mem_trap`, `halted`, `not_running`).
    loc: u64,
    /// VM addresses checked on the current straight-line path, as a value
    /// plus a constant (`addr_key`), with their host addresses (cleared
    /// at calls, resume points and blocks with other ways in).
    checked: HashMap<(Value, i64), Value>,
    /// Divisors tested nonzero on the current straight-line path (the
    /// same discipline as `checked`): `i / w` and `i % w` test `w` once.
    nonzero: HashSet<Value>,
    /// Integer operations and conversions made on the current
    /// straight-line path (the same discipline as `checked`, and carried
    /// into the blocks `checked` is), by operation and operands: the IR
    /// computes an address anew at each access (`a[i] += x`, `heap[c]`
    /// read, then copied), and the same value lets `checked` and `loaded`
    /// see the same address (`ops::pure_key`).
    pure: cranelift_codegen::FxHashMap<PureKey, Value>,
    /// Outside fast copies, per IR block lowered: `pure` before its
    /// terminator.
    pure_at_end: HashMap<usize, cranelift_codegen::FxHashMap<PureKey, Value>>,
    /// Whether the function has a load or a store.
    uses_memory: bool,
    /// Per IR block: its runs and how each access is checked (`window`).
    plans: Vec<window::BlockPlan>,
    /// The loops lowered twice (`hoist`), and per loop its guard, and the
    /// fast copy's blocks and their plans by IR block index. The fast copy
    /// is unrolled: `fast_blocks[loop][k]` are the blocks of its `k`th
    /// iteration (`hoist::unroll_factor`).
    loops: Vec<hoist::LoopPlan>,
    guards: Vec<ir::Block>,
    fast_blocks: Vec<Vec<HashMap<usize, ir::Block>>>,
    fast_plans: Vec<HashMap<usize, window::BlockPlan>>,
    /// Per loop whose fast copy is unrolled: the last value of its
    /// induction variable from which a whole round runs, set by the
    /// guard; while a round is left, the fast copy's headers do not test
    /// (`hoist`).
    round_stops: Vec<Option<Variable>>,
    /// Per loop of a tiny body whose rounds poll: the blocks of its short
    /// copy, which runs the loop as the checked copy does (every check and
    /// test) but does not poll. The guard enters it where the loop runs
    /// fewer than `hoist::MIN_TRIPS` iterations, the rounds where fewer
    /// than a round is left: at most seven iterations without a poll, as
    /// within a round.
    short_blocks: Vec<Option<HashMap<usize, ir::Block>>>,
    /// Whether the copy of loop `fast` being lowered is its short copy.
    short: bool,
    /// Per loop: what a round of its fast copy carries to the next
    /// (`forward::carried`: range, offset, type) and the variable that
    /// holds it.
    seeds: Vec<Vec<(usize, i64, ir::Type, Variable)>>,
    /// Per loop and range: the host address of the range's access at the
    /// current value of the induction variable, and what one step adds
    /// to it (`hoist`: the fast copy's addresses, strength-reduced).
    range_vars: Vec<Vec<(Variable, Variable)>>,
    /// The loop whose fast copy is being lowered, and which of its
    /// unrolled iterations.
    fast: Option<usize>,
    fast_copy: usize,
    /// The IR block being lowered.
    cur_block: usize,
    /// The instruction being lowered (its index in its block).
    inst_index: usize,
    /// A call that a safepoint follows tested the poll word and the state
    /// with one load (`after_module_call`): the cold block the poll's call
    /// goes in, entered with the state running and the poll word set, the
    /// call's result to define there, and the instructions between the
    /// call and the safepoint (their indices) to run there again.
    poll_after_call: Option<PollAfterCall>,
    /// The cold block of the entry safepoint's poll, entered from the
    /// prologue's failed depth test with a poll pending
    /// (`folds_entry_poll`), until the safepoint is lowered.
    entry_poll: Option<ir::Block>,
    /// The window checks of the run being lowered: the instruction and
    /// the block where the slow copy takes over if the window fails.
    slow_entries: Vec<(usize, ir::Block)>,
    /// Per local: whether it may hold a hardware NaN (`nan`).
    loose: Vec<bool>,
    /// In a fast copy: what hoisted ranges are known to hold (`forward`).
    memory: forward::Memory,
    /// Per IR block: its predecessor if it has exactly one.
    single_pred: Vec<Option<usize>>,
    /// Per IR block: whether it is on a cycle of the blocks
    /// (`hoist::cyclic`).
    cyclic: Vec<bool>,
    /// The IR block lowered last and its unrolled iteration, while a fast
    /// copy is lowered.
    lowered: Option<(usize, usize)>,
    /// Per IR block: whether, outside fast copies, its only ways in are
    /// the terminators of blocks before it, so it is sealed when its
    /// lowering starts and starts with what all of them had checked and
    /// loaded (`checked_at_end`, `loaded_at_end`).
    sealed_early: Vec<bool>,
    /// Per IR block: its predecessors.
    preds: Vec<Vec<usize>>,
    /// Outside fast copies, per IR block lowered: `checked` before its
    /// terminator, for the blocks it leads to.
    checked_at_end: HashMap<usize, HashMap<(Value, i64), Value>>,
    /// VM memory loaded since the last store, call or resume point on the
    /// current straight-line path, outside the ranges `memory` follows:
    /// per address (`addr_key`) and type, the value (cleared as `checked`
    /// is, and at every store and call).
    loaded: Loaded,
    /// Outside fast copies, per IR block lowered: `loaded` before its
    /// terminator.
    loaded_at_end: HashMap<usize, Loaded>,
    /// How many exact access checks the lowering emitted.
    exact_checks: usize,
    /// The IR block lowered last outside fast copies.
    lowered_main: Option<usize>,
    /// The setjmp site at each (block, instruction index) that is one
    /// (`pivm_ir::jmp`), and per site the block that continues after it
    /// (its parameter: what the call returns).
    site_at: HashMap<(usize, usize), u32>,
    site_blocks: Vec<ir::Block>,
    /// In a function that calls setjmp: where a pending longjmp asks
    /// whether this frame is its target (`abi::STATE_LONGJMP`).
    landing: Option<ir::Block>,
    /// The function calls no function of the module and neither setjmp
    /// nor longjmp (`is_leaf`): nothing during its activation reads the
    /// call depth, so its prologue tests the depth without storing it.
    leaf: bool,
    /// The prologue tests the host stack (`lower_function`).
    stack_test: bool,
}

/// What a path loaded from VM memory (`Lower::loaded`): per address
/// (`Lower::addr_key`) and type, the value.
type Loaded = HashMap<((Value, i64), ir::Type), Value>;

/// Lowers `fid` into `b` (whose function has `func_signature`).
/// `stack_test`: whether the prologue tests the host stack, as a function
/// whose frame is larger than `abi::STACK_PER_LEVEL` must (not a leaf);
/// it does too where its stack slots alone make that likely
/// (`SPILL_ALLOWANCE`). Returns the number of exact memory checks and
/// whether the prologue tests the host stack or needs no test (a leaf).
pub(crate) fn lower_function(
    env: &Env,
    jm: &mut JITModule,
    b: FunctionBuilder,
    fid: FuncId,
    stack_test: bool,
) -> Result<(usize, bool), String> {
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
        land: b.import_signature(hook_sig(jm, &[I64, I32, I64], Some(I64))),
        builtin: b.import_signature(hook_sig(jm, &[I64, I64, I32], Some(I64))),
        heap: b.import_signature(hook_sig(jm, &[I64, I64, I64], Some(I64))),
        host_mem: b.import_signature(hook_sig(jm, &[I64, I64, I64, I64], Some(I64))),
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
            // One more for the allocation-type key; setjmp and longjmp
            // take hidden arguments (see the catalog).
            InstKind::Call {
                callee: Callee::Builtin(bi),
                args,
                ..
            } => Some(match env.m.builtin(*bi) {
                Some(Builtin::Setjmp | Builtin::Longjmp) => args.len() + 4,
                _ => args.len() + 1,
            }),
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
    let slots = 8 * (nlocals.max(1) + 1 + max_builtin_args) as u64;
    let stack_test = stack_test || slots + SPILL_ALLOWANCE > abi::STACK_PER_LEVEL;

    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    let blocks: Vec<ir::Block> = f.blocks.keys().map(|_| b.create_block()).collect();
    let rps = resume_points(f);
    let live = pivm_ir::liveness::frame_liveness(env.m, f);
    let blind = nan::blind_locals(
        f,
        |bi, args| calls::inline_math(env.m, bi, args).is_some(),
        |i| live.iter().any(|s| s.contains(i)),
    );
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
    b.append_block_param(trap, I64);
    let mem_trap = b.create_block();
    b.append_block_param(mem_trap, I64);
    b.append_block_param(mem_trap, I64);
    let stops: Vec<ir::Block> = rps
        .iter()
        .map(|_| {
            let s = b.create_block();
            b.set_cold_block(s);
            s
        })
        .collect();
    let save = b.create_block();
    // A `cold_const`, not a small constant (see there).
    b.append_block_param(save, I64);
    let not_running = b.create_block();
    b.append_block_param(not_running, I64);
    let overflow = b.create_block();
    let halted = b.create_block();
    b.append_block_param(halted, I64);
    for cold in [trap, mem_trap, save, not_running, overflow, halted] {
        b.set_cold_block(cold);
    }
    let sites = pivm_ir::jmp::setjmp_sites(env.m, f);
    let site_at = sites
        .iter()
        .enumerate()
        .map(|(i, (blk, inst))| ((blk.index(), *inst), i as u32))
        .collect();
    let site_blocks: Vec<ir::Block> = sites
        .iter()
        .map(|_| {
            let s = b.create_block();
            b.append_block_param(s, I32);
            s
        })
        .collect();
    let landing = (!sites.is_empty()).then(|| {
        let l = b.create_block();
        b.set_cold_block(l);
        l
    });

    let vars: Vec<Variable> = f
        .locals
        .values()
        .map(|l| b.declare_var(clif(l.ty)))
        .collect();
    let stack_base = b.declare_var(I64);
    let mem_base = b.declare_var(I64);
    let bound = b.declare_var(I64);
    let frame = &env.frames[fid.index()];
    let inline_math = |k: &InstKind| match k {
        InstKind::Call {
            callee: Callee::Builtin(bi),
            args,
            ..
        } => calls::inline_math(env.m, *bi, args).is_some(),
        _ => false,
    };
    let lands = |k: &InstKind| match k {
        InstKind::Call {
            callee: Callee::Builtin(bi),
            ..
        } => Builtin::from_name(&env.m.builtins[*bi].name) == Some(Builtin::Setjmp),
        _ => false,
    };
    let preds = hoist::preds(f);
    // A block entered only from one before it starts with what that one's
    // locals hold (frame addresses, `window`).
    let seed_from = |bi: usize| match preds[bi][..] {
        [p] if p < bi => Some(p),
        _ => None,
    };
    let no_seed = HashMap::new();
    let gs = env.global_sizes;
    let mut plans: Vec<window::BlockPlan> = Vec::with_capacity(f.blocks.len());
    for (bi, d) in f.blocks.iter() {
        let p = match seed_from(bi.index()) {
            Some(p) => window::plan(
                d,
                frame,
                gs,
                inline_math,
                lands,
                |_| None,
                &plans[p].frame_locals,
            ),
            None => window::plan(d, frame, gs, inline_math, lands, |_| None, &no_seed),
        };
        plans.push(p);
    }
    let counting = env.safepoints && env.counting;
    let loops = if env.hoist {
        let mut loops = hoist::plan(f, &preds, inline_math, &|s| frame.slot_offset(s));
        loops.retain(|lp| lp.counted || hoist::unroll_factor(lp, f, counting) > 1);
        loops
    } else {
        Vec::new()
    };
    let guards: Vec<ir::Block> = loops.iter().map(|_| b.create_block()).collect();
    let range_vars = loops
        .iter()
        .map(|lp| {
            lp.ranges
                .iter()
                .map(|_| (b.declare_var(I64), b.declare_var(I64)))
                .collect()
        })
        .collect();
    let mut fast_blocks = Vec::with_capacity(loops.len());
    let mut fast_plans = Vec::with_capacity(loops.len());
    let mut round_stops = Vec::with_capacity(loops.len());
    let mut short_blocks = Vec::with_capacity(loops.len());
    let mut seeds = Vec::with_capacity(loops.len());
    for lp in &loops {
        let k = hoist::unroll_factor(lp, f, counting);
        let mut blocks = vec![HashMap::new(); k];
        let mut copy_plans = HashMap::new();
        for (bi, d) in f.blocks.iter().filter(|(bi, _)| lp.in_loop[bi.index()]) {
            for copy in &mut blocks {
                copy.insert(bi.index(), b.create_block());
            }
            let seed = seed_from(bi.index()).map_or(&no_seed, |p| &plans[p].frame_locals);
            let p = window::plan(
                d,
                frame,
                gs,
                inline_math,
                lands,
                |ii| lp.range_of(bi, ii),
                seed,
            );
            copy_plans.insert(bi.index(), p);
        }
        fast_blocks.push(blocks);
        fast_plans.push(copy_plans);
        // Rounds of a counted loop only: a plain loop's copies test.
        let rounds = k > 1 && lp.counted;
        round_stops.push(rounds.then(|| b.declare_var(clif(lp.iv_ty))));
        // A tiny body (where a poll costs most) whose latch polls (a loop
        // of bounded work has no safepoint): a copy without polls for the
        // few iterations of a short run or after the rounds.
        let latch = &f.blocks[lp.latch].insts;
        let at = latch.len().wrapping_sub(2);
        let polls = latch
            .get(at)
            .is_some_and(|i| i.kind == pivm_ir::InstKind::Safepoint);
        short_blocks.push((rounds && k == 8 && polls && env.safepoints).then(|| {
            f.blocks
                .keys()
                .filter(|bi| lp.in_loop[bi.index()])
                .map(|bi| (bi.index(), b.create_block()))
                .collect()
        }));
        // Carried between rounds only: a loop of one copy has none.
        seeds.push(if rounds {
            forward::carried(f, lp)
                .into_iter()
                .map(|(r, off, ty)| (r, off, clif(ty), b.declare_var(clif(ty))))
                .collect()
        } else {
            Vec::new()
        });
    }

    b.switch_to_block(entry);
    let params = b.block_params(entry).to_vec();
    let ctx = params[0];
    // Blocks entered only from blocks before them (whose terminators are
    // emitted when they are lowered); not the entry (the prologue jumps
    // there), nor a versioned loop's header (its guard does) or exit (its
    // fast copy does).
    let sealed_early: Vec<bool> = (0..f.blocks.len())
        .map(|bi| {
            bi != 0
                && !preds[bi].is_empty()
                && preds[bi].iter().all(|&p| p < bi)
                && !loops
                    .iter()
                    .any(|lp| lp.header.index() == bi || lp.exits_to(f, pivm_ir::Block::new(bi)))
        })
        .collect();
    let mut l = Lower {
        env,
        jm,
        b,
        f,
        fid,
        ctx,
        ctx_read: None,
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
        stop_locs: vec![0; rps.len()],
        stops,
        save,
        not_running,
        live,
        overflow,
        halted,
        locals_slot,
        sb_slot,
        args_slot,
        func_refs: HashMap::new(),
        sigs,
        loc: f
            .blocks
            .values()
            .next()
            .and_then(|d| d.insts.first())
            .map_or(loc_bits(fid, 0), |i| loc_bits(i.func(fid), i.line)),
        checked: HashMap::new(),
        nonzero: HashSet::new(),
        pure: Default::default(),
        pure_at_end: HashMap::new(),
        uses_memory: f
            .blocks
            .values()
            .flat_map(|d| &d.insts)
            .any(|i| match &i.kind {
                InstKind::Load { .. } | InstKind::Store { .. } => true,
                InstKind::Call {
                    callee: Callee::Builtin(bi),
                    args,
                    ..
                } => bytes::inline_mem(env.m, *bi, args).is_some(),
                _ => false,
            }),
        loose: nan::loose_locals(f, |bi, args| calls::inline_math(env.m, bi, args).is_some()),
        blind,
        site_at,
        site_blocks,
        landing,
        leaf: is_leaf(env.m, f),
        stack_test,
        plans,
        loops,
        guards,
        fast_blocks,
        fast_plans,
        round_stops,
        short_blocks,
        short: false,
        seeds,
        range_vars,
        fast: None,
        fast_copy: 0,
        cur_block: 0,
        inst_index: 0,
        poll_after_call: None,
        entry_poll: None,
        slow_entries: Vec::new(),
        memory: forward::Memory::default(),
        single_pred: preds
            .iter()
            .map(|p| if p.len() == 1 { Some(p[0]) } else { None })
            .collect(),
        cyclic: hoist::cyclic(f, &preds),
        preds,
        sealed_early,
        checked_at_end: HashMap::new(),
        loaded: HashMap::new(),
        loaded_at_end: HashMap::new(),
        exact_checks: 0,
        lowered: None,
        lowered_main: None,
    };
    l.prologue(&params[1..]);
    l.body()?;
    l.shared_blocks();
    l.b.seal_all_blocks();
    let cfg = l.jm.target_config();
    l.b.finalize(cfg);
    Ok((l.exact_checks, stack_test || l.leaf))
}

impl Lower<'_, '_> {
    fn c32(&mut self, v: u32) -> Value {
        self.b.ins().iconst(types::I32, v as i64)
    }

    /// The `VmCtx` pointer: read from the pinned register where the host
    /// has one (it is never spilled then), else the parameter. The pinned
    /// register is read once per stretch of a block without calls (a copy
    /// live across a call would take a callee-saved register or a spill
    /// slot; the register itself is preserved).
    fn ctx(&mut self) -> Value {
        if !self.env.pinned_ctx {
            return self.ctx;
        }
        let cur = self.b.current_block();
        if let Some((blk, v, mut seen)) = self.ctx_read {
            if Some(blk) == cur {
                let layout = &self.b.func.layout;
                let dfg = &self.b.func.dfg;
                let mut fresh = true;
                while let Some(i) = layout.next_inst(seen) {
                    if dfg.insts[i].opcode().is_call() {
                        fresh = false;
                        break;
                    }
                    seen = i;
                }
                if fresh {
                    self.ctx_read = Some((blk, v, seen));
                    return v;
                }
            }
        }
        let v = self.b.ins().get_pinned_reg(types::I64);
        if let (Some(blk), Some(i)) = (cur, self.b.func.dfg.value_def(v).inst()) {
            self.ctx_read = Some((blk, v, i));
        }
        v
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
        self.reload_bound();
    }

    /// After a call of a module function: `mem_base` never changes during
    /// a run, but loading it again after the call keeps it out of the
    /// registers the call preserves, which the values a loop carries
    /// across a recursive call or a callback need (quicksort's indices
    /// were spilled to the stack for it, 8% of its time). After builtins
    /// it stays: their calls are mostly slow paths, around which the
    /// register allocator spills, and reloading after them measured no
    /// better (allocchurn +2-4% instructions, list and push -3-7%).
    fn reload_base(&mut self) {
        if self.uses_memory {
            let mb = self.load_ctx(types::I64, abi::OFF_MEM_BASE);
            self.b.def_var(self.mem_base, mb);
        }
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
        self.seal(&[cont, cold]);
        self.b.switch_to_block(cold);
        self.jump_trap(kind);
        self.b.switch_to_block(cont);
    }

    /// Seals `blocks`, whose predecessors are all emitted: a variable used
    /// in a sealed block with one predecessor is that predecessor's value,
    /// not a new block parameter, so a value checked before a branch is
    /// recognized after it (`checked`), and the code has fewer moves.
    fn seal(&mut self, blocks: &[ir::Block]) {
        for b in blocks {
            self.b.seal_block(*b);
        }
    }

    /// A new cold block: one per check site, so the hot path only
    /// branches and the constants a trap needs are made on the cold side.
    fn cold_block(&mut self) -> ir::Block {
        let b = self.b.create_block();
        self.b.set_cold_block(b);
        b
    }

    fn jump_trap(&mut self, kind: TrapKind) {
        let k = self.c32(kind.code());
        let loc = self.loc();
        self.b
            .ins()
            .jump(self.trap, &[BlockArg::Value(k), BlockArg::Value(loc)]);
    }

    /// The current source location (`loc`) as a value.
    fn loc(&mut self) -> Value {
        iconst(&mut self.b, types::I64, self.loc)
    }

    /// The function and the line of a location value (`loc`).
    fn split_loc(&mut self, loc: Value) -> (Value, Value) {
        let f = self.b.ins().ushr_imm_u(loc, 32);
        let f = self.b.ins().ireduce(types::I32, f);
        let f = self.b.ins().band_imm_u(f, 0x7fff_ffff);
        let line = self.b.ins().ireduce(types::I32, loc);
        (f, line)
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

    /// Defines `dst` with `v`, the result of an operation whose NaNs are
    /// the hardware's: canonicalized now unless `dst` is loose (`nan`).
    fn def_loose(&mut self, dst: Local, v: Value) {
        let v = if self.loose[dst.index()] {
            v
        } else {
            self.canonical(self.local_ty(dst), v)
        };
        self.def(dst, v);
    }

    /// An operand whose bits are seen (stored, cast, negated, passed,
    /// returned, saved): a loose local is canonicalized first.
    fn operand_seen(&mut self, ty: Type, o: Operand) -> Value {
        let v = self.operand(ty, o);
        match o {
            Operand::Local(l) if self.loose[l.index()] => self.canonical(ty, v),
            _ => v,
        }
    }

    /// An operand whose bits are seen, as the integer of its bits (a store,
    /// a bitcast): a loose local is canonicalized on the way.
    fn operand_seen_bits(&mut self, ty: Type, o: Operand) -> Value {
        let v = self.operand(ty, o);
        match o {
            Operand::Local(l) if self.loose[l.index()] => self.canonical_bits(ty, v),
            _ if ty.is_float() => {
                let it = if ty == Type::F32 {
                    types::I32
                } else {
                    types::I64
                };
                self.b.ins().bitcast(it, MemFlagsData::new(), v)
            }
            _ => v,
        }
    }

    /// `operand_seen_bits` widened to a u64 slot (`to_u64`).
    fn operand_seen_u64(&mut self, ty: Type, o: Operand) -> Value {
        let v = self.operand_seen_bits(ty, o);
        match ty {
            Type::F32 => self.b.ins().uextend(types::I64, v),
            _ => to_u64(&mut self.b, v, ty),
        }
    }

    /// The bits of float `v` of type `ty` as an integer, a NaN replaced by
    /// the canonical NaN's: a conditional move on integer registers, which
    /// is cheaper than a float select (a branch on x86) before a store.
    fn canonical_bits(&mut self, ty: Type, v: Value) -> Value {
        let (it, canon) = match ty {
            Type::F32 => (types::I32, pivm_ir::opcodes::CANONICAL_NAN_F32 as u64),
            _ => (types::I64, pivm_ir::opcodes::CANONICAL_NAN_F64),
        };
        let bits = self.b.ins().bitcast(it, MemFlagsData::new(), v);
        let nan = self.b.ins().fcmp(ir::condcodes::FloatCC::Unordered, v, v);
        let c = iconst(&mut self.b, it, canon);
        self.b.ins().select(nan, c, bits)
    }

    /// After float `v` of type `ty` was stored at host address `h`: if it
    /// is a NaN, the canonical NaN's bits are stored over it, on a cold
    /// path. The hot path stores the value as it is and only branches on
    /// it, so the stored value does not wait for the check (a loop that
    /// reads back what it stored, such as an in-place stencil, keeps its
    /// dependency chain as short as without canonicalization).
    fn overwrite_nan(&mut self, ty: Type, v: Value, h: Value) {
        let (it, canon) = match ty {
            Type::F32 => (types::I32, pivm_ir::opcodes::CANONICAL_NAN_F32 as u64),
            _ => (types::I64, pivm_ir::opcodes::CANONICAL_NAN_F64),
        };
        let nan = self.b.ins().fcmp(ir::condcodes::FloatCC::Unordered, v, v);
        let cont = self.b.create_block();
        let cold = self.cold_block();
        self.b.ins().brif(nan, cold, &[], cont, &[]);
        self.seal(&[cold]);
        self.b.switch_to_block(cold);
        let c = iconst(&mut self.b, it, canon);
        self.b.ins().store(vm_flags(), c, h, 0);
        self.b.ins().jump(cont, &[]);
        self.seal(&[cont]);
        self.b.switch_to_block(cont);
    }

    /// `v` with a NaN replaced by the canonical NaN of `ty`.
    fn canonical(&mut self, ty: Type, v: Value) -> Value {
        let canon = match ty {
            Type::F32 => self
                .b
                .ins()
                .f32const(Ieee32::with_bits(pivm_ir::opcodes::CANONICAL_NAN_F32)),
            Type::F64 => self
                .b
                .ins()
                .f64const(Ieee64::with_bits(pivm_ir::opcodes::CANONICAL_NAN_F64)),
            _ => return v,
        };
        let nan = self.b.ins().fcmp(ir::condcodes::FloatCC::Unordered, v, v);
        self.b.ins().select(nan, canon, v)
    }

    fn local_ty(&self, l: Local) -> Type {
        self.f.locals[l].ty
    }
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

/// A source location as `Lower::loc` holds it.
fn loc_bits(f: FuncId, line: u32) -> u64 {
    entry::cold_const(f.0, line)
}
