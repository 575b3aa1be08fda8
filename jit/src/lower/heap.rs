//! Small malloc and free inline (`abi::HeapView`).
//!
//! A call to malloc of a small size, or to free, first tries the
//! allocator's common case in generated code, on the allocator's own
//! state. Malloc takes the lowest free slot of its class's current slab
//! when that slab's live blocks have the call's type and either its size
//! or several sizes (then the slot's slack goes to the side table); a
//! size known only at run time finds its class in the view's table
//! (`abi::HEAP_SIZES`); it, and a constant size of a class whose slabs are
//! several frames, is inlined only where the call is on a cycle of the
//! function's blocks. When the slot taken was the slab's last,
//! malloc calls the runtime only to make the class's next slab with room
//! current (`abi::VmCtx::filled`). Free clears a live slot of a slab that
//! keeps a live one, and when that leaves the slab the free slots after
//! which the allocator lists it again (`abi::SLAB_LIST_AT`: an eighth of
//! its slots), calls the runtime only to put the slab among its class's
//! slabs with room (`abi::VmCtx::unfilled`). A churning heap frees mostly
//! into full slabs, so that threshold makes both calls about once per
//! eighth of a slab's frees, not at every one. That is exactly what the runtime's
//! allocator does in those cases (`pivm::alloc`), so the addresses and
//! the allocation table are the same on both engines; every other case
//! (no current slab, a slab that empties, mixed types, a large size, a
//! free into a slab of several frames, an invalid block, no view) calls
//! the runtime as before, and only that path reloads the memory bound and
//! checks the state: the fast path and the two hooks neither grow memory
//! nor fail.

use super::{ctx_flags, iconst, Lower};
use crate::abi;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types, Block, BlockArg, InstBuilder, Value};

/// A malloc's size (`Lower::inline_malloc`).
pub(super) enum Size {
    /// A constant small size.
    Const(u64),
    /// Known only at run time.
    Var(Value),
}

impl Lower<'_, '_> {
    /// Whether IR block `b` is on a cycle of the function's blocks: it can
    /// run again before the function returns.
    pub(super) fn on_cycle(&self, b: usize) -> bool {
        self.cyclic[b]
    }

    /// The view, or a branch to `slow` if there is none; continues in the
    /// fast path.
    fn heap_view(&mut self, slow: Block) -> Value {
        let view = self.load_ctx(types::I64, abi::OFF_HEAP);
        self.fast_unless(view, slow)
    }

    /// Continues in a new block if `v` is nonzero, else goes to `slow`;
    /// returns `v`.
    fn fast_unless(&mut self, v: Value, slow: Block) -> Value {
        let next = self.b.create_block();
        self.b.ins().brif(v, next, &[], slow, &[]);
        self.seal(&[next]);
        self.b.switch_to_block(next);
        v
    }

    fn load_at(&mut self, ty: types::Type, base: Value, off: i32) -> Value {
        self.b.ins().load(ty, ctx_flags(), base, off)
    }

    fn store_at(&mut self, v: Value, base: Value, off: i32) {
        self.b.ins().store(ctx_flags(), v, base, off);
    }

    /// Adds `delta` to the view's live-block count.
    fn bump_count(&mut self, view: Value, delta: i64) {
        let n = self.load_at(types::I64, view, abi::HEAP_COUNT);
        let n = self.b.ins().iadd_imm_s(n, delta);
        self.store_at(n, view, abi::HEAP_COUNT);
    }

    /// `malloc(size)` of type id `ty`: the block's address, from the fast
    /// path or from `slow_call` (emitted in the slow block, returning the
    /// runtime's result). A size known only at run time finds its class
    /// and slot size in the view's table (`abi::HEAP_SIZES`); a large one
    /// goes to the runtime.
    pub(super) fn inline_malloc(
        &mut self,
        size: Size,
        ty: u32,
        slow_call: impl FnOnce(&mut Self) -> Value,
    ) -> Value {
        let join = self.b.create_block();
        self.b.append_block_param(join, types::I64);
        let slow = self.cold_block();

        let view = self.heap_view(slow);
        // The class's offset in `HEAP_CUR`, its slot size, the slack, the
        // bitmap words that can hold a free slot, and the slots per slab
        // if known (one-frame classes).
        let all = abi::SLAB_WORDS as u64;
        let (co, csize, slack, words, nslots) = match size {
            Size::Const(n) => {
                let class = abi::slab_class(n).expect("a size served from slabs") as usize;
                let cs = u64::from(abi::SLAB_CLASSES[class]);
                let co = iconst(&mut self.b, types::I64, 4 * class as u64);
                let csize = iconst(&mut self.b, types::I64, cs);
                let slack = iconst(&mut self.b, types::I8, cs - n);
                if class < abi::SMALL_CLASSES.len() {
                    let nslots = abi::SMALL_FRAME / cs;
                    (co, csize, slack, nslots.div_ceil(64), Some(nslots))
                } else {
                    (co, csize, slack, all, None)
                }
            }
            Size::Var(n) => {
                let max = abi::SLAB_CLASSES[abi::HEAP_CLASSES - 1];
                let small =
                    self.b
                        .ins()
                        .icmp_imm_u(IntCC::UnsignedLessThanOrEqual, n, i64::from(max));
                self.fast_unless(small, slow);
                let g = self.b.ins().iadd_imm_s(n, 15);
                let g = self.b.ins().ushr_imm_u(g, 4);
                let go = self.b.ins().ishl_imm_u(g, 2);
                let at = self.b.ins().iadd(view, go);
                let e = self.load_at(types::I32, at, abi::HEAP_SIZES);
                let e = self.b.ins().uextend(types::I64, e);
                let class = self.b.ins().band_imm_u(e, 0xff);
                let co = self.b.ins().ishl_imm_u(class, 2);
                let csize = self.b.ins().ushr_imm_u(e, 8);
                let slack = self.b.ins().isub(csize, n);
                let slack = self.b.ins().ireduce(types::I8, slack);
                (co, csize, slack, all, None)
            }
        };
        let at = self.b.ins().iadd(view, co);
        let s = self.load_at(types::I32, at, abi::HEAP_CUR);
        let has = self
            .b
            .ins()
            .icmp_imm_u(IntCC::NotEqual, s, i64::from(abi::NO_SLAB));
        self.fast_unless(has, slow);
        let slabs = self.load_at(types::I64, view, abi::HEAP_SLABS);
        let s = self.b.ins().uextend(types::I64, s);
        let off = self.b.ins().imul_imm_u(s, i64::from(abi::SLAB_SIZE));
        let slab = self.b.ins().iadd(slabs, off);
        // The allocator's `set_meta` without its cold path: the slab's
        // live blocks have this type and either this size (nothing to
        // record) or several sizes (the slack goes to the side table).
        let sty = self.load_at(types::I32, slab, abi::SLAB_TY);
        let same_ty = self.b.ins().icmp_imm_u(IntCC::Equal, sty, i64::from(ty));
        let sslack = self.load_at(types::I8, slab, abi::SLAB_SLACK);
        let same_slack = self.b.ins().icmp(IntCC::Equal, sslack, slack);
        let mixed = self.load_at(types::I8, slab, abi::SLAB_MIXED);
        let one = self.b.ins().icmp_imm_u(IntCC::Equal, mixed, 0);
        let one = self.b.ins().band(one, same_slack);
        let sizes = self
            .b
            .ins()
            .icmp_imm_u(IntCC::Equal, mixed, i64::from(abi::MIXED_SLACK));
        let meta_ok = self.b.ins().bor(one, sizes);
        let ok = self.b.ins().band(same_ty, meta_ok);
        self.fast_unless(ok, slow);

        // The lowest free slot: the first word of the bitmap with a clear
        // bit (there is one: the current slab is not full, and the bits
        // past its last slot are set). The last word is taken without a
        // test, so the scan never reads past the bitmap.
        let found = self.b.create_block();
        self.b.append_block_param(found, types::I64); // the word
        self.b.append_block_param(found, types::I64); // its offset
        for w in 0..words {
            let word = self.load_at(types::I64, slab, abi::SLAB_BITS + 8 * w as i32);
            let woff = iconst(&mut self.b, types::I64, 8 * w);
            let args = [BlockArg::Value(word), BlockArg::Value(woff)];
            if w + 1 == words {
                self.b.ins().jump(found, &args);
            } else {
                let full = self.b.ins().icmp_imm_u(IntCC::Equal, word, -1);
                let next = self.b.create_block();
                self.b.ins().brif(full, next, &[], found, &args);
                self.seal(&[next]);
                self.b.switch_to_block(next);
            }
        }
        self.seal(&[found]);
        self.b.switch_to_block(found);
        let word = self.b.block_params(found)[0];
        let woff = self.b.block_params(found)[1];
        let free = self.b.ins().bnot(word);
        let bit = self.b.ins().ctz(free);
        let mask = self.b.ins().iconst(types::I64, 1);
        let mask = self.b.ins().ishl(mask, bit);
        let word = self.b.ins().bor(word, mask);
        let at = self.b.ins().iadd(slab, woff);
        self.store_at(word, at, abi::SLAB_BITS);
        let used = self.load_at(types::I32, slab, abi::SLAB_USED);
        let used = self.b.ins().iadd_imm_s(used, 1);
        self.store_at(used, slab, abi::SLAB_USED);
        self.bump_count(view, 1);
        let nslots = match nslots {
            Some(k) => iconst(&mut self.b, types::I32, k),
            None => self
                .b
                .ins()
                .uload16(types::I32, ctx_flags(), slab, abi::SLAB_NSLOTS),
        };
        let fills = self.b.ins().icmp(IntCC::Equal, used, nslots);
        // slot = 64 * w + bit; addr = start + slot * csize.
        let slot = self.b.ins().ishl_imm_u(woff, 3);
        let slot = self.b.ins().iadd(slot, bit);
        let start = self.load_at(types::I64, slab, abi::SLAB_START);
        let off = self.b.ins().imul(slot, csize);
        let addr = self.b.ins().iadd(start, off);
        // Several sizes: this slot's slack to the side table.
        let record = self.b.create_block();
        let done = self.b.create_block();
        self.b.ins().brif(sizes, record, &[], done, &[]);
        self.seal(&[record]);
        self.b.switch_to_block(record);
        let table = self.load_at(types::I64, view, abi::HEAP_SLACK);
        let so = self.b.ins().imul_imm_u(s, i64::from(abi::MAX_SLOTS));
        let so = self.b.ins().iadd(so, slot);
        let at = self.b.ins().iadd(table, so);
        self.store_at(slack, at, 0);
        self.b.ins().jump(done, &[]);
        self.seal(&[done]);
        self.b.switch_to_block(done);
        // The slab is now full: the runtime makes the next current.
        let filled = self.cold_block();
        let args = [BlockArg::Value(addr)];
        self.b.ins().brif(fills, filled, &[], join, &args);
        self.seal(&[filled]);
        self.b.switch_to_block(filled);
        self.slab_hook(abi::OFF_FILLED, view, slab, join, &args);

        self.slow_value_then_join(slow, join, slow_call)
    }

    /// `free(p)`: the fast path, or `slow_call` (emitted in the slow
    /// block).
    pub(super) fn inline_free(&mut self, p: Value, slow_call: impl FnOnce(&mut Self)) {
        let join = self.b.create_block();
        let slow = self.cold_block();

        let view = self.heap_view(slow);
        let start = self.load_at(types::I64, view, abi::HEAP_START);
        let rel = self.b.ins().isub(p, start);
        let f = self
            .b
            .ins()
            .ushr_imm_u(rel, abi::SMALL_FRAME.trailing_zeros() as i64);
        let nframes = self.load_at(types::I64, view, abi::HEAP_NFRAMES);
        let inside = self.b.ins().icmp(IntCC::UnsignedLessThan, f, nframes);
        self.fast_unless(inside, slow);
        let frames = self.load_at(types::I64, view, abi::HEAP_FRAMES);
        let fo = self.b.ins().ishl_imm_u(f, 2);
        let fa = self.b.ins().iadd(frames, fo);
        let e = self.load_at(types::I32, fa, 0);
        self.fast_unless(e, slow);
        // A slot's start: 16-byte aligned, and one of its class's, in a
        // slab of one frame (the slot table has no row for the others).
        let off = self.b.ins().band_imm_u(rel, abi::SMALL_FRAME as i64 - 1);
        let mis = self.b.ins().band_imm_u(off, 15);
        let aligned = self.b.ins().icmp_imm_u(IntCC::Equal, mis, 0);
        let e = self.b.ins().uextend(types::I64, e);
        let c = self.b.ins().band_imm_u(e, (1 << abi::FRAME_CLASS_BITS) - 1);
        let one_frame =
            self.b
                .ins()
                .icmp_imm_u(IntCC::UnsignedLessThan, c, abi::SMALL_CLASSES.len() as i64);
        let ok = self.b.ins().band(aligned, one_frame);
        self.fast_unless(ok, slow);
        let row = (abi::SMALL_FRAME / 16 * 2) as i64;
        let ro = self.b.ins().imul_imm_u(c, row);
        let go = self.b.ins().ushr_imm_u(off, 3); // (off / 16) * 2 bytes
        let table = self.load_at(types::I64, view, abi::HEAP_SLOT_AT);
        let ta = self.b.ins().iadd(table, ro);
        let ta = self.b.ins().iadd(ta, go);
        let slot = self.load_at(types::I16, ta, 0);
        let is_slot = self
            .b
            .ins()
            .icmp_imm_u(IntCC::NotEqual, slot, i64::from(abi::NOT_A_SLOT));
        self.fast_unless(is_slot, slow);
        let s = self.b.ins().ushr_imm_u(e, i64::from(abi::FRAME_CLASS_BITS));
        let s = self.b.ins().iadd_imm_s(s, -1);
        let so = self.b.ins().imul_imm_u(s, i64::from(abi::SLAB_SIZE));
        let slabs = self.load_at(types::I64, view, abi::HEAP_SLABS);
        let slab = self.b.ins().iadd(slabs, so);
        // The slab keeps a live block.
        let used = self.load_at(types::I32, slab, abi::SLAB_USED);
        let keeps = self.b.ins().icmp_imm_u(IntCC::UnsignedGreaterThan, used, 1);
        self.fast_unless(keeps, slow);
        // The slot is live (else the runtime reports the bad free).
        let slot = self.b.ins().uextend(types::I64, slot);
        let w = self.b.ins().ushr_imm_u(slot, 6);
        let wo = self.b.ins().ishl_imm_u(w, 3);
        let wa = self.b.ins().iadd(slab, wo);
        let word = self.load_at(types::I64, wa, abi::SLAB_BITS);
        let one = self.b.ins().iconst(types::I64, 1);
        let bit = self.b.ins().band_imm_u(slot, 63);
        let mask = self.b.ins().ishl(one, bit);
        let live = self.b.ins().band(word, mask);
        self.fast_unless(live, slow);
        let word = self.b.ins().bxor(word, mask);
        self.store_at(word, wa, abi::SLAB_BITS);
        let list_at = self
            .b
            .ins()
            .uload16(types::I32, ctx_flags(), slab, abi::SLAB_LIST_AT);
        let lists = self.b.ins().icmp(IntCC::Equal, used, list_at);
        let used = self.b.ins().iadd_imm_s(used, -1);
        self.store_at(used, slab, abi::SLAB_USED);
        self.bump_count(view, -1);
        let unfilled = self.b.create_block();
        self.b.ins().brif(lists, unfilled, &[], join, &[]);
        self.seal(&[unfilled]);
        self.b.switch_to_block(unfilled);
        self.slab_hook(abi::OFF_UNFILLED, view, slab, join, &[]);
        self.slow_then_join(slow, join, slow_call);
    }

    /// Calls the slab hook at `off` in `VmCtx` (`abi::VmCtx::unfilled`,
    /// `abi::VmCtx::filled`) with `slab`'s index, then jumps to `join`
    /// with `args`. The index is computed again from `slab` rather than
    /// kept from the fast path, so the values live across a free stay as
    /// few as before (else register allocation moves around the callers'
    /// loops). The hooks change neither the memory base nor the bound,
    /// but reloading both after `unfilled` keeps them out of the registers
    /// the call preserves, measured in instructions (`benches/icount.py`)
    /// against no reload: list -8.5% (its later loops kept the bound in a
    /// register again), allocchurn +1%, the rest within 0.6%; reloading
    /// after `filled` too measured worse on both.
    fn slab_hook(&mut self, off: i32, view: Value, slab: Value, join: Block, args: &[BlockArg]) {
        let slabs = self.load_at(types::I64, view, abi::HEAP_SLABS);
        let s = self.b.ins().isub(slab, slabs);
        let s = self
            .b
            .ins()
            .ushr_imm_u(s, i64::from(abi::SLAB_SIZE.trailing_zeros()));
        let fp = self.load_ctx(types::I64, off);
        let c = self.ctx();
        let zero = iconst(&mut self.b, types::I64, 0);
        self.b
            .ins()
            .call_indirect(self.sigs.heap, fp, &[c, s, zero]);
        if off == abi::OFF_UNFILLED {
            self.reload_mem();
        }
        self.b.ins().jump(join, args);
    }
}
