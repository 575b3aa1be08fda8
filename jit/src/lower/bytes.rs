//! memcpy, memmove and memset of a small constant length inline.
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

use super::{from_u64, vm_flags, Lower};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types, InstBuilder, Value};
use pivm_ir::contract::{MAX_ACCESS, NULL_PAGE};
use pivm_ir::{Builtin, Local, Operand, Type};

/// The longest copy or fill done inline, in bytes.
pub(super) const INLINE_MEM_MAX: u64 = 64;

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
    /// Whether `[p, p + n)` lies in VM memory: both ends pass the access
    /// check, and the range does not wrap.
    fn range_ok(&mut self, p: Value, n: u64) -> Value {
        let bound = self.b.use_var(self.bound);
        let off = self.b.ins().iadd_imm_s(p, -(NULL_PAGE as i64));
        let ok = self
            .b
            .ins()
            .icmp(IntCC::UnsignedLessThanOrEqual, off, bound);
        if n <= MAX_ACCESS {
            return ok;
        }
        let last = self.b.ins().iadd_imm_s(p, (n - MAX_ACCESS) as i64);
        let off = self.b.ins().iadd_imm_s(last, -(NULL_PAGE as i64));
        let ok_last = self
            .b
            .ins()
            .icmp(IntCC::UnsignedLessThanOrEqual, off, bound);
        let no_wrap = self
            .b
            .ins()
            .icmp(IntCC::UnsignedGreaterThanOrEqual, last, p);
        let ok = self.b.ins().band(ok, ok_last);
        self.b.ins().band(ok, no_wrap)
    }

    /// `memcpy`/`memmove(dst, src, n)` or `memset(dst, c, n)` with `n` a
    /// small constant (`inline_mem`); `slow_call` calls the builtin
    /// (emitted in the slow block). The result, `dst`, goes to `dst_local`.
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
        let ok = self.range_ok(d, n);
        let ok = if fill {
            ok
        } else {
            let ok_src = self.range_ok(x, n);
            self.b.ins().band(ok, ok_src)
        };
        let fast = self.b.create_block();
        let slow = self.cold_block();
        let join = self.b.create_block();
        self.b.ins().brif(ok, fast, &[], slow, &[]);
        self.seal(&[fast, slow]);

        self.b.switch_to_block(fast);
        let mb = self.b.use_var(self.mem_base);
        let hd = self.b.ins().iadd(mb, d);
        if fill {
            let byte = self.b.ins().band_imm_u(x, 0xff);
            let splat = self
                .b
                .ins()
                .imul_imm_u(byte, 0x0101_0101_0101_0101_u64 as i64);
            for (at, ty) in pieces(n) {
                let v = if ty == types::I64 {
                    splat
                } else {
                    self.b.ins().ireduce(ty, splat)
                };
                self.b.ins().store(vm_flags(), v, hd, at);
            }
        } else {
            let hs = self.b.ins().iadd(mb, x);
            let vals: Vec<(i32, Value)> = pieces(n)
                .into_iter()
                .map(|(at, ty)| (at, self.b.ins().load(ty, vm_flags(), hs, at)))
                .collect();
            for (at, v) in vals {
                self.b.ins().store(vm_flags(), v, hd, at);
            }
        }
        self.b.ins().jump(join, &[]);

        self.b.switch_to_block(slow);
        slow_call(self);
        self.b.ins().jump(join, &[]);
        self.seal(&[join]);
        self.b.switch_to_block(join);
        if let Some(l) = dst_local {
            let ty = self.local_ty(l);
            let v = from_u64(&mut self.b, d, ty);
            self.def(l, v);
        }
    }
}

#[cfg(test)]
mod tests {
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
