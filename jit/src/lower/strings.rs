//! strcmp, strncmp, memcmp and strlen: strcmp's first word inline, the
//! rest in a direct call of the host's routine.
//!
//! Programs compare short strings (words, keys of a hash chain, command
//! names): a call through the builtin table costs several times the
//! compare. `strcmp(a, b)` loads the first 8 bytes of each string when
//! both loads pass the access check (`ir::contract::access_ok`), and if a
//! byte differs or `a` ends among them, computes the result from the first
//! such byte in registers. Reading bytes past a string's NUL is harmless:
//! they are in memory (checked), and no result depends on them.
//! Otherwise, and for every `strncmp`, `memcmp` and `strlen`, it calls
//! `host_strncmp`, `host_memcmp` or `host_strlen` directly (not through
//! the table), which run the VM's builtins' own functions
//! (`pivm_ir::builtins::compare_strings` and `compare_bytes`; the index of
//! the first NUL, by `memchr`) over the strings up to the end of memory or
//! over the ranges; only if a string or range is not surely valid (null,
//! past the end, running off the end) does the builtin run, which traps
//! as before.

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
        (b @ Builtin::Strcmp, 2)
        | (b @ (Builtin::Strncmp | Builtin::Memcmp), 3)
        | (b @ Builtin::Strlen, 1) => Some(b),
        _ => None,
    }
}

/// Memory's valid addresses end at `limit` (`contract::bound_for_limit`,
/// exact for any bound above 0): `limit`, or `None` for a bound of 0.
fn limit(ctx: &VmCtx) -> Option<u64> {
    (ctx.bound > 0).then(|| ctx.bound + NULL_PAGE + MAX_ACCESS)
}

/// The bytes from `p` to the end of memory, if `p` is a valid address.
///
/// # Safety
///
/// `ctx` is the live context of the running code (its memory is mapped
/// up to its limit and not written while the slice lives).
unsafe fn tail(ctx: &VmCtx, p: u64) -> Option<&[u8]> {
    let limit = limit(ctx)?;
    // SAFETY: `[p, limit)` is valid VM memory, mapped (the caller).
    (NULL_PAGE..limit).contains(&p).then(|| unsafe {
        std::slice::from_raw_parts(ctx.mem_base.add(p as usize), (limit - p) as usize)
    })
}

/// `strncmp(a, b, max)` for compiled code (`strcmp` with `max` all ones):
/// the result, or `NOT_SURE` if a string is not surely inside memory.
extern "C" fn host_strncmp(ctx: *mut VmCtx, a: u64, b: u64, max: u64) -> u64 {
    // SAFETY: compiled code passes its own context, whose memory only
    // this thread writes.
    let ctx = unsafe { &*ctx };
    // SAFETY: as above.
    match unsafe { (tail(ctx, a), tail(ctx, b)) } {
        (Some(x), Some(y)) => pivm_ir::builtins::compare_strings(x, y, max).unwrap_or(NOT_SURE),
        _ => NOT_SURE,
    }
}

/// `strlen(a)` for compiled code: the length, or `NOT_SURE` if the string
/// is not surely inside memory.
extern "C" fn host_strlen(ctx: *mut VmCtx, a: u64, _: u64, _: u64) -> u64 {
    // SAFETY: as for `host_strncmp`.
    let ctx = unsafe { &*ctx };
    // SAFETY: as above.
    unsafe { tail(ctx, a) }
        .and_then(|x| memchr::memchr(0, x))
        .map_or(NOT_SURE, |n| n as u64)
}

/// `memcmp(a, b, n)` for compiled code: the result, or `NOT_SURE` if a
/// range is not surely inside memory.
extern "C" fn host_memcmp(ctx: *mut VmCtx, a: u64, b: u64, n: u64) -> u64 {
    // SAFETY: as for `host_strncmp`.
    let ctx = unsafe { &*ctx };
    if !super::bytes::range_ok(ctx.bound, a, n) || !super::bytes::range_ok(ctx.bound, b, n) {
        return NOT_SURE;
    }
    // SAFETY: both ranges are inside the valid limit, mapped, only read.
    let (x, y) = unsafe {
        let m = ctx.mem_base;
        (
            std::slice::from_raw_parts(m.add(a as usize), n as usize),
            std::slice::from_raw_parts(m.add(b as usize), n as usize),
        )
    };
    pivm_ir::builtins::compare_bytes(x, y)
}

impl Lower<'_, '_> {
    /// `strcmp(a, b)`, `strncmp(a, b, n)`, `memcmp(a, b, n)` or
    /// `strlen(a)` (`host_str`); `slow_call` calls the builtin and returns
    /// its result.
    pub(super) fn host_str_call(
        &mut self,
        builtin: Builtin,
        args: &[(Type, Operand)],
        dst: Option<Local>,
        slow_call: impl FnOnce(&mut Self) -> Value,
    ) {
        let mut vals: Vec<Value> = args
            .iter()
            .map(|(t, o)| self.operand_seen_u64(*t, *o))
            .collect();
        // strcmp compares up to `max` bytes: all of them.
        if builtin == Builtin::Strcmp {
            vals.push(self.b.ins().iconst(types::I64, -1));
        }
        vals.resize_with(3, || self.b.ins().iconst(types::I64, 0));
        let join = self.b.create_block();
        self.b.append_block_param(join, types::I64);
        let host = self.b.create_block();
        if builtin == Builtin::Strcmp {
            self.first_word(vals[0], vals[1], join, host);
        } else {
            self.b.ins().jump(host, &[]);
        }
        self.seal(&[host]);
        self.b.switch_to_block(host);
        type HostStr = extern "C" fn(*mut VmCtx, u64, u64, u64) -> u64;
        let f: HostStr = match builtin {
            Builtin::Strlen => host_strlen,
            Builtin::Memcmp => host_memcmp,
            _ => host_strncmp,
        };
        let fp = self.b.ins().iconst(types::I64, f as usize as i64);
        let c = self.ctx();
        let call =
            self.b
                .ins()
                .call_indirect(self.sigs.host_mem, fp, &[c, vals[0], vals[1], vals[2]]);
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
