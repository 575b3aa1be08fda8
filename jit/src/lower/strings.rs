//! strcmp and strncmp: the first word inline, the rest in a direct call
//! of the host's compare.
//!
//! Programs compare short strings (words, keys of a hash chain, command
//! names): a call through the builtin table costs several times the
//! compare. `strcmp(a, b)` loads the first 8 bytes of each string when
//! both loads pass the access check (`ir::contract::access_ok`), and if a
//! byte differs or `a` ends among them, computes the result from the first
//! such byte in registers. Reading bytes past a string's NUL is harmless:
//! they are in memory (checked), and no result depends on them.
//! Otherwise, and for every `strncmp`, it calls `host_strncmp` directly
//! (not through the table), which runs `pivm_ir::builtins::compare_strings`
//! (the VM's builtins run the same function) over the strings up to the end
//! of memory; only if a string is not surely valid (null, past the end,
//! running off the end) does the builtin run, which traps as before.

use super::{vm_flags, Lower};
use crate::abi::VmCtx;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types, BlockArg, InstBuilder, Value};
use pivm_ir::contract::{MAX_ACCESS, NULL_PAGE};
use pivm_ir::{Builtin, Local, Operand, Type};

/// What `host_strncmp` returns when the builtin must run: no result of a
/// compare (an `int`, zero-extended) is this.
const NOT_SURE: u64 = u64::MAX;

/// The builtin of a call to `bi` with `args` that is lowered here
/// (`host_str_call`), if it is one.
pub(super) fn host_str(
    m: &pivm_ir::Module,
    bi: pivm_ir::BuiltinId,
    args: &[(Type, Operand)],
) -> Option<Builtin> {
    match (Builtin::from_name(&m.builtins[bi].name)?, args.len()) {
        (b @ Builtin::Strcmp, 2) | (b @ Builtin::Strncmp, 3) => Some(b),
        _ => None,
    }
}

/// `strncmp(a, b, max)` for compiled code (`strcmp` with `max` all ones):
/// the result, or `NOT_SURE` if a string is not surely inside memory.
extern "C" fn host_strncmp(ctx: *mut VmCtx, a: u64, b: u64, max: u64) -> u64 {
    // SAFETY: compiled code passes its own context.
    let ctx = unsafe { &*ctx };
    // Memory's valid addresses end at `limit` (`contract::bound_for_limit`,
    // exact for any bound above 0).
    if ctx.bound == 0 {
        return NOT_SURE;
    }
    let limit = ctx.bound + NULL_PAGE + MAX_ACCESS;
    let valid = |p: u64| (NULL_PAGE..limit).contains(&p);
    if !valid(a) || !valid(b) {
        return NOT_SURE;
    }
    // SAFETY: `[a, limit)` and `[b, limit)` are valid VM memory, mapped,
    // and only read here.
    let (x, y) = unsafe {
        (
            std::slice::from_raw_parts(ctx.mem_base.add(a as usize), (limit - a) as usize),
            std::slice::from_raw_parts(ctx.mem_base.add(b as usize), (limit - b) as usize),
        )
    };
    pivm_ir::builtins::compare_strings(x, y, max).unwrap_or(NOT_SURE)
}

impl Lower<'_, '_> {
    /// `strcmp(a, b)` or `strncmp(a, b, n)` (`host_str`); `slow_call`
    /// calls the builtin and returns its result.
    pub(super) fn host_str_call(
        &mut self,
        builtin: Builtin,
        args: &[(Type, Operand)],
        dst: Option<Local>,
        slow_call: impl FnOnce(&mut Self) -> Value,
    ) {
        let a = self.operand_seen_u64(args[0].0, args[0].1);
        let b = self.operand_seen_u64(args[1].0, args[1].1);
        let max = match builtin {
            Builtin::Strncmp => self.operand_seen_u64(args[2].0, args[2].1),
            _ => self.b.ins().iconst(types::I64, -1),
        };
        let join = self.b.create_block();
        self.b.append_block_param(join, types::I64);
        let host = self.b.create_block();
        if builtin == Builtin::Strcmp {
            self.first_word(a, b, join, host);
        } else {
            self.b.ins().jump(host, &[]);
        }
        self.seal(&[host]);
        self.b.switch_to_block(host);
        type HostStr = extern "C" fn(*mut VmCtx, u64, u64, u64) -> u64;
        let fp = self
            .b
            .ins()
            .iconst(types::I64, host_strncmp as HostStr as usize as i64);
        let c = self.ctx();
        let call = self
            .b
            .ins()
            .call_indirect(self.sigs.host_mem, fp, &[c, a, b, max]);
        let r = self.b.inst_results(call)[0];
        let unsure = self.b.ins().icmp_imm_u(IntCC::Equal, r, NOT_SURE as i64);
        let slow = self.cold_block();
        self.b
            .ins()
            .brif(unsure, slow, &[], join, &[BlockArg::Value(r)]);
        let r = self.slow_value_then_join(slow, join, slow_call);
        if let Some(d) = dst {
            let ty = self.local_ty(d);
            let v = super::from_u64(&mut self.b, r, ty);
            self.def(d, v);
        }
    }

    /// strcmp's first 8 bytes: to `join` with the result if a byte of them
    /// differs or `a` ends among them, else (or if a load would fail its
    /// check) to `host`.
    fn first_word(
        &mut self,
        a: Value,
        b: Value,
        join: cranelift_codegen::ir::Block,
        host: cranelift_codegen::ir::Block,
    ) {
        let bound = self.b.use_var(self.bound);
        let mut ok = Vec::new();
        for p in [a, b] {
            let off = self.b.ins().iadd_imm_s(p, -(NULL_PAGE as i64));
            ok.push(
                self.b
                    .ins()
                    .icmp(IntCC::UnsignedLessThanOrEqual, off, bound),
            );
        }
        let ok = self.b.ins().band(ok[0], ok[1]);
        let load = self.b.create_block();
        self.b.ins().brif(ok, load, &[], host, &[]);
        self.seal(&[load]);
        self.b.switch_to_block(load);
        let mb = self.b.use_var(self.mem_base);
        let pa = self.b.ins().iadd(mb, a);
        let pb = self.b.ins().iadd(mb, b);
        let p = self.b.ins().load(types::I64, vm_flags(), pa, 0);
        let q = self.b.ins().load(types::I64, vm_flags(), pb, 0);
        // `pivm_ir::builtins::zero_bytes(p)`, and the bits that differ.
        let ones = self.b.ins().iconst(types::I64, 0x0101_0101_0101_0101);
        let highs = self
            .b
            .ins()
            .iconst(types::I64, 0x8080_8080_8080_8080_u64 as i64);
        let less = self.b.ins().isub(p, ones);
        let z = self.b.ins().band_not(less, p);
        let z = self.b.ins().band(z, highs);
        let x = self.b.ins().bxor(p, q);
        let m = self.b.ins().bor(x, z);
        let found = self.b.create_block();
        self.b.ins().brif(m, found, &[], host, &[]);
        self.seal(&[found]);
        self.b.switch_to_block(found);
        // The first such byte's shift: the lowest set bit, down to its byte.
        let bit = self.b.ins().ctz(m);
        let shift = self.b.ins().band_imm_u(bit, 56);
        let pc = self.b.ins().ushr(p, shift);
        let pc = self.b.ins().band_imm_u(pc, 0xff);
        let qc = self.b.ins().ushr(q, shift);
        let qc = self.b.ins().band_imm_u(qc, 0xff);
        // `byte_diff`: the `int` difference, zero-extended.
        let d = self.b.ins().isub(pc, qc);
        let r = self.b.ins().band_imm_u(d, 0xffff_ffff);
        self.b.ins().jump(join, &[BlockArg::Value(r)]);
    }
}
