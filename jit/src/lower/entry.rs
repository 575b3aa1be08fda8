//! Stubs around the lowered functions: the entry wrapper of each signature
//! (`(ctx, args: *const u64) -> u64`, which sets the pinned context
//! register, restoring the caller's on return, and reports a stack
//! overflow of the called function) and the
//! preserve-all poll stub that calls `RuntimeHooks::safepoint`.

use super::{ctx_flags, from_u64, host_param, to_u64, zero};
use crate::abi::{self, STATE_STACK_OVERFLOW};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{self, types, AbiParam, BlockArg, InstBuilder};
use cranelift_frontend::FunctionBuilder;
use cranelift_jit::JITModule;
use cranelift_module::Module as _;
use pivm_ir::{FuncId, TrapKind, Type};

/// The signature of the poll stub: `(ctx, site)`, without `ctx` where the
/// pinned register holds it (`cold_const` encodes the site), in the
/// preserve-all convention where Cranelift supports it well. On riscv64
/// its prologue saves the vector registers with V-extension instructions,
/// which hosts without V (qemu's default CPU among them) reject, so there
/// the stub uses the host convention and a poll's cold path costs the hot
/// loop some registers.
pub(crate) fn poll_stub_signature(
    isa: &dyn cranelift_codegen::isa::TargetIsa,
    pinned_ctx: bool,
) -> ir::Signature {
    let conv = match isa.triple().architecture {
        target_lexicon::Architecture::Riscv64(_) => isa.default_call_conv(),
        _ => cranelift_codegen::isa::CallConv::PreserveAll,
    };
    let mut s = ir::Signature::new(conv);
    if !pinned_ctx {
        s.params.push(AbiParam::new(types::I64));
    }
    s.params.push(AbiParam::new(types::I64));
    s
}

/// Function `fid` and a number `n` in it (a resume point, a line) as one
/// constant for a cold path (the poll stub's argument, a stop's resume
/// point, a trap's location), with its top bit set so that it is no
/// constant the hot code uses: Cranelift merges equal constants, and a
/// small one that a cold path passes could be made in the hot block
/// before it, in a register live across the hot code.
pub(crate) fn cold_const(fid: u32, n: u32) -> u64 {
    1 << 63 | (fid as u64) << 32 | n as u64
}

/// Lowers the poll stub: calls `RuntimeHooks::safepoint` with the site's
/// function and resume point. It preserves every register (its prologue
/// saves what the host-convention call clobbers), so a poll's cold path
/// costs the hot path nothing in register allocation.
pub(crate) fn lower_poll_stub(jm: &JITModule, mut b: FunctionBuilder, pinned_ctx: bool) {
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    let p = b.block_params(entry).to_vec();
    let ctx = match pinned_ctx {
        true => b.ins().get_pinned_reg(types::I64),
        false => p[0],
    };
    let site = p[p.len() - 1];
    let fid = b.ins().ushr_imm_u(site, 32);
    let fid = b.ins().ireduce(types::I32, fid);
    let fid = b.ins().band_imm_u(fid, 0x7fff_ffff);
    let rid = b.ins().ireduce(types::I32, site);
    let hooks = b.ins().load(types::I64, ctx_flags(), ctx, abi::OFF_HOOKS);
    let hook = b
        .ins()
        .load(types::I64, ctx_flags(), hooks, abi::OFF_HOOK_SAFEPOINT);
    let mut s = jm.make_signature();
    s.params.push(host_param(types::I64));
    s.params.push(host_param(types::I32));
    s.params.push(host_param(types::I32));
    let sig = b.import_signature(s);
    b.ins().call_indirect(sig, hook, &[ctx, fid, rid]);
    b.ins().return_(&[]);
    b.seal_all_blocks();
    b.finalize(jm.target_config());
}

/// Lowers the entry wrapper of every function of one signature (`params`
/// and `ret`): `(ctx, args: *const u64) -> u64`, where `args[0]` is the
/// code address of the function to call, `args[1]` its `FuncId` (where a
/// stack overflow at its entry is reported), then one u64 per parameter;
/// it returns the result as a u64. One wrapper per signature, not per
/// function: each is a function for Cranelift to compile (about 0.1 ms),
/// and a module's functions share a few signatures.
pub(crate) fn lower_entry(
    jm: &JITModule,
    mut b: FunctionBuilder,
    params: &[Type],
    ret: Option<Type>,
    pinned_ctx: bool,
) {
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    let p = b.block_params(entry).to_vec();
    // Compiled functions read the context from the pinned register (never
    // allocated, and callee-saved in the host convention, so hooks and
    // builtins keep it). Being callee-saved, it is the caller's too: the
    // wrapper restores it before returning (Cranelift does not save it).
    let callers_pinned = pinned_ctx.then(|| {
        let saved = b.ins().get_pinned_reg(types::I64);
        b.ins().set_pinned_reg(p[0]);
        saved
    });
    let target = b.ins().load(types::I64, ctx_flags(), p[1], 0);
    let fid = b.ins().load(types::I64, ctx_flags(), p[1], 8);
    let fid = b.ins().ireduce(types::I32, fid);
    // The host stack has room for every level the depth limit allows
    // (`abi::STACK_PER_LEVEL`); else the call overflows at once.
    let report = b.create_block();
    let done = b.create_block();
    b.append_block_param(done, types::I64);
    b.set_cold_block(report);
    let depth = b.ins().load(types::I32, ctx_flags(), p[0], abi::OFF_DEPTH);
    let room = super::unwind::native_stack_ok(&mut b, p[0], depth);
    let call_block = b.create_block();
    b.ins().brif(room, call_block, &[], report, &[]);
    b.switch_to_block(call_block);
    let mut vals = vec![p[0]];
    for (i, &t) in params.iter().enumerate() {
        let v = b
            .ins()
            .load(types::I64, ctx_flags(), p[1], (16 + i * 8) as i32);
        vals.push(from_u64(&mut b, v, t));
    }
    let sig = b.import_signature(super::func_signature(jm, params.iter().copied(), ret));
    let call = b.ins().call_indirect(sig, target, &vals);
    let r = match (ret, b.inst_results(call).first().copied()) {
        (Some(t), Some(v)) => to_u64(&mut b, v, t),
        _ => b.ins().iconst(types::I64, 0),
    };
    // The called function had no room: report it here, at line 0.
    let st = b.ins().load(types::I32, ctx_flags(), p[0], abi::OFF_STATE);
    let overflowed = b
        .ins()
        .icmp_imm_u(IntCC::Equal, st, STATE_STACK_OVERFLOW as i64);
    b.ins()
        .brif(overflowed, report, &[], done, &[BlockArg::Value(r)]);
    b.switch_to_block(report);
    trap_at_entry(jm, &mut b, p[0], TrapKind::StackOverflow, fid);
    let zero = b.ins().iconst(types::I64, 0);
    b.ins().jump(done, &[BlockArg::Value(zero)]);
    b.switch_to_block(done);
    let r = b.block_params(done)[0];
    if let Some(saved) = callers_pinned {
        b.ins().set_pinned_reg(saved);
    }
    b.ins().return_(&[r]);
    b.seal_all_blocks();
    b.finalize(jm.target_config());
}

/// Lowers the body of a function that can never run
/// (`pivm_ir::contract::Reach::can_run`: no thread starts in it, no function
/// that can run calls it, and an indirect call cannot reach it), which is
/// not compiled: it reports an unreachable-code trap through the trap
/// hook and returns zero, as a trap anywhere does. Nothing calls it: it
/// stands for the function in the module's code and table.
pub(crate) fn lower_never_entered(jm: &JITModule, mut b: FunctionBuilder, fid: FuncId) {
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    let p = b.block_params(entry).to_vec();
    let fid = b.ins().iconst(types::I32, fid.0 as i64);
    trap_at_entry(jm, &mut b, p[0], TrapKind::Unreachable, fid);
    let rets: Vec<ir::Value> = b
        .func
        .signature
        .returns
        .clone()
        .iter()
        .map(|r| zero(&mut b, r.value_type))
        .collect();
    b.ins().return_(&rets);
    b.seal_all_blocks();
    b.finalize(jm.target_config());
}

/// Reports a trap of `kind` in function `fid` (an i32) at line 0 through
/// the trap hook.
fn trap_at_entry(
    jm: &JITModule,
    b: &mut FunctionBuilder,
    ctx: ir::Value,
    kind: TrapKind,
    fid: ir::Value,
) {
    let mut s = jm.make_signature();
    for t in [types::I64, types::I32, types::I32, types::I32] {
        s.params.push(host_param(t));
    }
    let sig = b.import_signature(s);
    let hooks = b.ins().load(types::I64, ctx_flags(), ctx, abi::OFF_HOOKS);
    let hook = b
        .ins()
        .load(types::I64, ctx_flags(), hooks, abi::OFF_HOOK_TRAP);
    let k = b.ins().iconst(types::I32, kind.code() as i64);
    let line = b.ins().iconst(types::I32, 0);
    b.ins().call_indirect(sig, hook, &[ctx, k, fid, line]);
}
