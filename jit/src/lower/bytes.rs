//! memcpy, memmove and memset: inline for a small constant length, else a
//! direct call of the host's routine.
//!
//! The C frontend copies and zeroes structs with `memmove` and `memset`
//! calls of a constant length (`copy_mem`, `zero_mem`), and programs call
//! them with `sizeof` lengths: a call through the builtin table for a few
//! bytes costs far more than the bytes. Such a call of at most
//! `INLINE_MEM_MAX` bytes checks both ends of each range as an access
//! would (`ir::contract::access_ok`) and then moves the bytes with loads
//! and stores, all loads before any store, so an overlapping `memcpy`
//! does what the runtime's does (`copy_within`, a memmove) on both engines.
//! If a check fails it calls the builtin, which traps exactly as before.
//! A range inside the function's frame needs no check (`window`): a copy
//! between slots, or a slot's fill, is just its loads and stores.
//!
//! A memset of 8 to 64 bytes whose length is known only at run time, on
//! a cycle of the function's blocks, is also filled inline (`short_fill`:
//! both ends of the range checked, then overlapping 8-byte stores).
//!
//! Any other length calls `host_fill` or `host_move` directly (not through
//! the builtin table), which check the ranges once and run the host's
//! memset or memmove; only when a range is not surely valid (a bad one, or
//! one within `MAX_ACCESS` bytes of the limit) does the builtin run, which
//! traps if it is bad.

use super::forward::FRAME;
use super::{from_u64, vm_flags, Lower};
use crate::abi::VmCtx;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types, Block, InstBuilder, Value};
use pivm_ir::contract::{MAX_ACCESS, NULL_PAGE};
use pivm_ir::{Builtin, Local, Operand, Type};

/// The longest copy or fill done inline, in bytes.
pub(super) const INLINE_MEM_MAX: u64 = 64;

/// The shortest fill of a length known only at run time done inline
/// (`short_fill`): one 8-byte store at each end.
const SHORT_FILL_MIN: u64 = 8;

/// The builtin and length of a call to `bi` with `args` that is lowered
/// inline, if it is one.
pub(super) fn inline_mem(
    m: &pivm_ir::Module,
    bi: pivm_ir::BuiltinId,
    args: &[(Type, Operand)],
) -> Option<(Builtin, u64)> {
    let b = Builtin::from_name(&m.builtins[bi].name)?;
    match (b, args) {
        (Builtin::Memcpy | Builtin::Memmove | Builtin::Memset, [_, _, (_, Operand::Const(n))])
            if (1..=INLINE_MEM_MAX).contains(n) =>
        {
            Some((b, *n))
        }
        _ => None,
    }
}

/// A call of memcpy, memmove or memset whose length is not a small
/// constant (`inline_mem`): lowered as one check of its ranges and a call
/// of the host's routine (`host_mem_call`).
pub(super) fn host_mem(
    m: &pivm_ir::Module,
    bi: pivm_ir::BuiltinId,
    args: &[(Type, Operand)],
) -> Option<Builtin> {
    let b = Builtin::from_name(&m.builtins[bi].name)?;
    match b {
        Builtin::Memcpy | Builtin::Memmove | Builtin::Memset if args.len() == 3 => Some(b),
        _ => None,
    }
}

/// Whether `[p, p + n)` lies in VM memory of bound `bound`: `p` passes the
/// access check and so does `p + n` (both at most `bound` past
/// `NULL_PAGE`, so their sum cannot wrap). Stricter than the runtime's
/// check by the last `MAX_ACCESS` bytes of memory, where the builtin is
/// called instead.
pub(super) fn range_ok(bound: u64, p: u64, n: u64) -> bool {
    let off = p.wrapping_sub(NULL_PAGE);
    off <= bound && n <= bound && off + n <= bound
}

/// `memset(d, c, n)` for compiled code (`host_mem_call`): 0 done, 1 if a
/// range is not surely valid (nothing written; the builtin then runs).
extern "C" fn host_fill(ctx: *mut VmCtx, d: u64, c: u64, n: u64) -> u64 {
    // SAFETY: compiled code passes its own context.
    let ctx = unsafe { &*ctx };
    if !range_ok(ctx.bound, d, n) {
        return 1;
    }
    // SAFETY: `[d, d + n)` is inside the valid limit, which is mapped.
    unsafe { std::ptr::write_bytes(ctx.mem_base.add(d as usize), c as u8, n as usize) };
    0
}

/// `memmove(d, x, n)` (and memcpy, which is the same in pivm) for compiled
/// code: as `host_fill`.
extern "C" fn host_move(ctx: *mut VmCtx, d: u64, x: u64, n: u64) -> u64 {
    // SAFETY: compiled code passes its own context.
    let ctx = unsafe { &*ctx };
    if !range_ok(ctx.bound, d, n) || !range_ok(ctx.bound, x, n) {
        return 1;
    }
    let b = ctx.mem_base;
    // SAFETY: both ranges are inside the valid limit; `copy` allows overlap.
    unsafe { std::ptr::copy(b.add(x as usize), b.add(d as usize), n as usize) };
    0
}

/// The pieces of `n` bytes: offset and type, widest first.
fn pieces(n: u64) -> Vec<(i32, types::Type)> {
    let mut v = Vec::new();
    let mut at = 0;
    for (size, ty) in [
        (8, types::I64),
        (4, types::I32),
        (2, types::I16),
        (1, types::I8),
    ] {
        while n - at >= size {
            v.push((at as i32, ty));
            at += size;
        }
    }
    v
}

impl Lower<'_, '_> {
    /// The tests that `[p, p + n)` lies in VM memory (all must hold): its
    /// first and its last access of `MAX_ACCESS` bytes pass the access
    /// check. The range cannot wrap: the first test bounds `p` by the
    /// memory's bound plus the null page, far below `2^64 - n`.
    fn range_ok(&mut self, p: Value, n: u64) -> Vec<Value> {
        let bound = self.b.use_var(self.bound);
        let mut ends = vec![p];
        if n > MAX_ACCESS {
            ends.push(self.b.ins().iadd_imm_s(p, (n - MAX_ACCESS) as i64));
        }
        // An end checked already on this path (`checked`: the same test).
        ends.retain(|&at| !self.is_checked(at));
        ends.into_iter()
            .map(|at| {
                let off = self.b.ins().iadd_imm_s(at, -(NULL_PAGE as i64));
                self.b
                    .ins()
                    .icmp(IntCC::UnsignedLessThanOrEqual, off, bound)
            })
            .collect()
    }

    /// `memcpy`/`memmove(dst, src, n)` or `memset(dst, c, n)` of any
    /// length (`host_mem`): one direct call of `host_move` or `host_fill`,
    /// which checks the ranges and runs the host's routine (no trip
    /// through the builtin table, nothing to check after it: it cannot
    /// trap, grow memory or stop the program); if they are not surely
    /// valid, `slow_call`, the builtin, which traps as before. Compiled
    /// code neither checks the ranges itself nor uses the memory base or
    /// bound here, so nothing more is live across the call than across
    /// the builtin's.
    pub(super) fn host_mem_call(
        &mut self,
        builtin: Builtin,
        args: &[(Type, Operand)],
        dst_local: Option<Local>,
        slow_call: impl FnOnce(&mut Self),
    ) {
        let d = self.operand_seen_u64(args[0].0, args[0].1);
        let x = self.operand_seen_u64(args[1].0, args[1].1);
        let n = self.operand_seen_u64(args[2].0, args[2].1);
        let join = self.b.create_block();
        if builtin == Builtin::Memset && self.on_cycle(self.cur_block) {
            self.short_fill(d, x, n, join);
        }
        type HostMem = extern "C" fn(*mut VmCtx, u64, u64, u64) -> u64;
        let f: HostMem = if builtin == Builtin::Memset {
            host_fill
        } else {
            host_move
        };
        let fp = self.b.ins().iconst(types::I64, f as usize as i64);
        let c = self.ctx();
        let call = self
            .b
            .ins()
            .call_indirect(self.sigs.host_mem, fp, &[c, d, x, n]);
        let failed = self.b.inst_results(call)[0];
        let slow = self.cold_block();
        self.b.ins().brif(failed, slow, &[], join, &[]);
        self.slow_then_join(slow, join, slow_call);
        self.def_dst(dst_local, d);
    }

    /// `memset(d, c, n)` of `SHORT_FILL_MIN` to `INLINE_MEM_MAX` bytes,
    /// `n` known only at run time, inline: both ends of the range checked
    /// as accesses are, then overlapping 8-byte stores of the byte
    /// repeated (the first and last 8, 16 or 32 bytes), then to `join`.
    /// Any other length, or a range that fails a check, continues in a
    /// new block, where the caller emits the host's routine.
    fn short_fill(&mut self, d: Value, c: Value, n: Value, join: Block) {
        let host = self.b.create_block();
        let check = self.b.create_block();
        let last = self.b.ins().iadd_imm_s(n, -(SHORT_FILL_MIN as i64));
        let short = self.b.ins().icmp_imm_u(
            IntCC::UnsignedLessThanOrEqual,
            last,
            (INLINE_MEM_MAX - SHORT_FILL_MIN) as i64,
        );
        self.b.ins().brif(short, check, &[], host, &[]);
        self.seal(&[check]);
        self.b.switch_to_block(check);
        // `d` and `d + n - 8` pass the access check (`d` does, so the sum
        // cannot wrap), so every byte between them is in memory.
        let bound = self.b.use_var(self.bound);
        let off = self.b.ins().iadd_imm_s(d, -(NULL_PAGE as i64));
        let ok = self
            .b
            .ins()
            .icmp(IntCC::UnsignedLessThanOrEqual, off, bound);
        let off = self.b.ins().iadd(off, last);
        let ok_last = self
            .b
            .ins()
            .icmp(IntCC::UnsignedLessThanOrEqual, off, bound);
        let ok = self.b.ins().band(ok, ok_last);
        let fill = self.b.create_block();
        self.b.ins().brif(ok, fill, &[], host, &[]);
        self.seal(&[fill, host]);
        self.b.switch_to_block(fill);
        let byte = self.b.ins().band_imm_u(c, 0xff);
        let v = self
            .b
            .ins()
            .imul_imm_u(byte, 0x0101_0101_0101_0101_u64 as i64);
        let mb = self.b.use_var(self.mem_base);
        let first = self.b.ins().iadd(mb, d);
        let end = self.b.ins().iadd(first, last);
        // The first and last `k` bytes, 8 at a time, for the least `k`
        // of 8, 16 and 32 that covers `n`.
        for k in [8i32, 16, 32] {
            let stores = |this: &mut Self| {
                for at in (0..k).step_by(8) {
                    this.b.ins().store(vm_flags(), v, first, at);
                    this.b.ins().store(vm_flags(), v, end, at - k + 8);
                }
                this.b.ins().jump(join, &[]);
            };
            if k == 32 {
                stores(self);
                break;
            }
            let fits = self.b.ins().icmp_imm_u(
                IntCC::UnsignedLessThanOrEqual,
                last,
                i64::from(2 * k) - SHORT_FILL_MIN as i64,
            );
            let this_k = self.b.create_block();
            let more = self.b.create_block();
            self.b.ins().brif(fits, this_k, &[], more, &[]);
            self.seal(&[this_k, more]);
            self.b.switch_to_block(this_k);
            stores(self);
            self.b.switch_to_block(more);
        }
        self.b.switch_to_block(host);
    }

    /// Emits block `slow` (unsealed): `slow_call`, then to `join`, which
    /// the fast path has jumped to; continues in `join`.
    pub(super) fn slow_then_join(
        &mut self,
        slow: Block,
        join: Block,
        slow_call: impl FnOnce(&mut Self),
    ) {
        self.seal(&[slow]);
        self.b.switch_to_block(slow);
        slow_call(self);
        self.b.ins().jump(join, &[]);
        self.seal(&[join]);
        self.b.switch_to_block(join);
    }

    /// As `slow_then_join` for a call with a result: `join` has one
    /// parameter, which the fast path has passed and `slow_call`'s result
    /// is passed to; returns it.
    pub(super) fn slow_value_then_join(
        &mut self,
        slow: Block,
        join: Block,
        slow_call: impl FnOnce(&mut Self) -> Value,
    ) -> Value {
        self.seal(&[slow]);
        self.b.switch_to_block(slow);
        let r = slow_call(self);
        self.b
            .ins()
            .jump(join, &[cranelift_codegen::ir::BlockArg::Value(r)]);
        self.seal(&[join]);
        self.b.switch_to_block(join);
        self.b.block_params(join)[0]
    }

    /// What memcpy, memmove and memset return, `d`, to `dst_local`.
    fn def_dst(&mut self, dst_local: Option<Local>, d: Value) {
        if let Some(l) = dst_local {
            let ty = self.local_ty(l);
            let v = from_u64(&mut self.b, d, ty);
            self.def(l, v);
        }
    }

    /// `memcpy`/`memmove(dst, src, n)` or `memset(dst, c, n)` with `n` a
    /// small constant (`inline_mem`); `slow_call` calls the builtin
    /// (emitted in the slow block). The result, `dst`, goes to `dst_local`.
    /// A call whose ranges are all inside the frame (`frame_mem_call`)
    /// has no check and no slow block, and what it reads and writes there
    /// is forwarded like the frame's loads and stores (`forward::FRAME`).
    pub(super) fn inline_mem_call(
        &mut self,
        builtin: Builtin,
        n: u64,
        args: &[(Type, Operand)],
        dst_local: Option<Local>,
        slow_call: impl FnOnce(&mut Self),
    ) {
        let d = self.operand_seen_u64(args[0].0, args[0].1);
        let x = self.operand_seen_u64(args[1].0, args[1].1);
        let fill = builtin == Builtin::Memset;
        let [d_frame, x_frame] = self.planned_frame_args();
        let mut checks = Vec::new();
        if d_frame.is_none() {
            checks.extend(self.range_ok(d, n));
        }
        if !fill && x_frame.is_none() {
            checks.extend(self.range_ok(x, n));
        }
        // Offsets in the frame when nothing is checked: forwarded.
        let frame = if checks.is_empty() { d_frame } else { None };
        let join = self.b.create_block();
        // Each test its own branch to the call (a compare and a jump, no
        // flags combined in registers).
        let slow = (!checks.is_empty()).then(|| self.cold_block());
        if let Some(slow) = slow {
            for ok in checks {
                let fast = self.b.create_block();
                self.b.ins().brif(ok, fast, &[], slow, &[]);
                self.seal(&[fast]);
                self.b.switch_to_block(fast);
            }
            self.seal(&[slow]);
        }
        let mb = self.b.use_var(self.mem_base);
        let hd = self.b.ins().iadd(mb, d);
        let vals: Vec<(i32, Value)> = if fill {
            let byte = self.b.ins().band_imm_u(x, 0xff);
            let splat = self
                .b
                .ins()
                .imul_imm_u(byte, 0x0101_0101_0101_0101_u64 as i64);
            pieces(n)
                .into_iter()
                .map(|(at, ty)| {
                    let v = if ty == types::I64 {
                        splat
                    } else {
                        self.b.ins().ireduce(ty, splat)
                    };
                    (at, v)
                })
                .collect()
        } else {
            let hs = self.b.ins().iadd(mb, x);
            pieces(n)
                .into_iter()
                .map(|(at, ty)| {
                    let known = match (frame, x_frame) {
                        (Some(_), Some(kx)) => {
                            self.known(FRAME, kx + i64::from(at), int_type(ty), false)
                        }
                        _ => None,
                    };
                    let v = known.unwrap_or_else(|| {
                        let v = self.b.ins().load(ty, vm_flags(), hs, at);
                        if let (Some(_), Some(kx)) = (frame, x_frame) {
                            self.memory.loaded(FRAME, kx + i64::from(at), ty, v);
                        }
                        v
                    });
                    (at, v)
                })
                .collect()
        };
        for (at, v) in vals {
            self.b.ins().store(vm_flags(), v, hd, at);
            if let Some(kd) = frame {
                let ty = self.b.func.dfg.value_type(v);
                self.memory.stored(FRAME, kd + i64::from(at), ty, v, false);
            }
        }
        self.b.ins().jump(join, &[]);

        if let Some(slow) = slow {
            self.b.switch_to_block(slow);
            slow_call(self);
            self.b.ins().jump(join, &[]);
        }
        self.seal(&[join]);
        self.b.switch_to_block(join);
        self.def_dst(dst_local, d);
    }
}

/// The IR integer type of a piece's Cranelift type.
fn int_type(ty: types::Type) -> Type {
    match ty.bytes() {
        8 => Type::I64,
        4 => Type::I32,
        2 => Type::I16,
        _ => Type::I8,
    }
}

#[cfg(test)]
mod tests {
    use pivm_ir::contract::{bound_for_limit, MAX_ACCESS, NULL_PAGE};

    /// The ranges the host routines take are inside memory: never the
    /// null page, never past the limit, never wrapping; and every range
    /// that ends `MAX_ACCESS` bytes or more before the limit is taken.
    #[test]
    fn host_ranges_are_inside_memory() {
        let limit = 1 << 20;
        let bound = bound_for_limit(limit);
        let ok = |p, n| super::range_ok(bound, p, n);
        assert!(ok(NULL_PAGE, 0));
        assert!(ok(NULL_PAGE, limit - NULL_PAGE - MAX_ACCESS));
        assert!(!ok(NULL_PAGE, limit - NULL_PAGE - MAX_ACCESS + 1));
        assert!(ok(limit - MAX_ACCESS, 0));
        assert!(!ok(limit - MAX_ACCESS + 1, 0));
        assert!(!ok(NULL_PAGE - 1, 1));
        assert!(!ok(0, 0));
        assert!(!ok(NULL_PAGE + 8, u64::MAX - 4));
        assert!(!ok(u64::MAX - 3, 8));
        for p in [NULL_PAGE, 5000, limit / 2, limit - 100] {
            for n in [0, 1, 7, 64, 4095, limit] {
                if ok(p, n) {
                    assert!(p >= NULL_PAGE && p + n <= limit, "{p} {n}");
                }
                if p >= NULL_PAGE && p + n + MAX_ACCESS <= limit {
                    assert!(ok(p, n), "{p} {n}");
                }
            }
        }
    }

    #[test]
    fn pieces_cover_the_bytes_once_widest_first() {
        for n in 1..=super::INLINE_MEM_MAX {
            let p = super::pieces(n);
            let mut next = 0;
            for (at, ty) in &p {
                assert_eq!(*at as u64, next);
                next += u64::from(ty.bytes());
            }
            assert_eq!(next, n);
            assert!(p.windows(2).all(|w| w[0].1.bytes() >= w[1].1.bytes()));
        }
    }
}
