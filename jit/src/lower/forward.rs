//! Forwarding in fast copies: a load of what the loop just stored or
//! loaded takes the value instead of reading memory again.
//!
//! In a fast copy (`hoist`) every access whose check is hoisted addresses
//! `h + k`: `h` the host pointer of its range at the current iteration,
//! `k` a constant. Two such accesses of one range with one `k` between two
//! steps of `h` are the same bytes; accesses of one range whose `[k, k +
//! size)` do not overlap are different bytes; accesses of two ranges may
//! be the same bytes (two pointers into one array). So along a straight
//! path of a fast copy, `Memory` knows what some `(range, k, type)` hold:
//! the value last stored there or loaded from there. A store forgets what
//! it may overwrite (other ranges, overlapping offsets of its own); a call,
//! a poll, an unchecked store or a join of paths forgets everything. When
//! the range's pointer steps by a constant (the latch), what is known moves
//! to the offsets relative to the new pointer, so an unrolled iteration
//! reads what the one before it stored: a stencil such as
//! `a[j] = f(a[j - 1], ...)` keeps `a[j - 1]` in a register instead of a
//! store and a load on its dependency chain.
//!
//! From one round of unrolled iterations to the next (`hoist`), what the
//! loop reads of what the iteration before stored (`carried`) goes in a
//! variable: loaded by the guard for the first round (inside the checked
//! ranges), set at the end of a round from what is known there (or
//! loaded, when the next round runs), and reloaded from memory where the
//! last iteration's poll returns from the runtime, which may have run
//! code that wrote memory.
//!
//! The function's own frame is one more range (`FRAME`), in any block,
//! fast copy or not: its accesses at a constant offset from the frame's
//! base (`window::Check::Frame`; copies and fills of slots, `bytes`).
//! Outside fast copies what is known goes from a block into the next one
//! lowered when that is its only way in (no fast copy exits there), and is
//! forgotten at resume points (a rewind lands there). The same bytes are
//! answered as the other type of their size by their bits (a struct copied
//! as integers and read as doubles).
//!
//! NaNs: memory holds a stored loose value (`nan`) canonicalized, so a
//! load that takes it is given it canonicalized, unless the load's local
//! is loose itself (canonicalized wherever it is seen). Loads stay exact
//! definitions: a NaN with a payload that memory holds as data (written
//! as bits) is copied by a loop unchanged, as on the interpreter.

use super::hoist::LoopPlan;
use cranelift_codegen::ir::{self, Value};
use pivm_ir::{EntityRef, Function, InstKind};
use std::collections::HashSet;

/// The range of the function's own shadow-stack frame: accesses at a
/// constant offset from its base (`window::Check::Frame`), in any block.
/// Its base never steps.
pub(super) const FRAME: usize = usize::MAX;

/// At most this many facts are kept (a loop body with more accesses
/// forgets the oldest).
const MAX_KNOWN: usize = 64;

#[derive(Copy, Clone, Debug)]
pub(super) struct Known {
    pub range: usize,
    pub k: i64,
    pub ty: ir::Type,
    pub v: Value,
    /// `v` may be a NaN other than the canonical one.
    loose: bool,
}

/// What the memory of hoisted ranges is known to hold here.
#[derive(Default, Debug)]
pub(super) struct Memory {
    known: Vec<Known>,
}

impl Memory {
    pub fn clear(&mut self) {
        self.known.clear();
    }

    /// The value at `(range, k)` read as `ty`, and whether it is loose.
    pub fn get(&self, range: usize, k: i64, ty: ir::Type) -> Option<(Value, bool)> {
        self.known
            .iter()
            .rev()
            .find(|x| x.range == range && x.k == k && x.ty == ty)
            .map(|x| (x.v, x.loose))
    }

    fn push(&mut self, x: Known) {
        self.known
            .retain(|y| !(y.range == x.range && y.k == x.k && y.ty == x.ty));
        if self.known.len() == MAX_KNOWN {
            self.known.remove(0);
        }
        self.known.push(x);
    }

    /// `v` was loaded from `(range, k)` as `ty`.
    pub fn loaded(&mut self, range: usize, k: i64, ty: ir::Type, v: Value) {
        self.push(Known {
            range,
            k,
            ty,
            v,
            loose: false,
        });
    }

    /// `v` was stored to `(range, k)` as `ty`: what it may have
    /// overwritten is forgotten.
    pub fn stored(&mut self, range: usize, k: i64, ty: ir::Type, v: Value, loose: bool) {
        let end = k.saturating_add(ty.bytes() as i64);
        self.known.retain(|y| {
            y.range == range && (y.k >= end || y.k.saturating_add(y.ty.bytes() as i64) <= k)
        });
        self.push(Known {
            range,
            k,
            ty,
            v,
            loose,
        });
    }

    /// `v` is what `(range, k)` holds as `ty`, carried from the round
    /// before (`carried`): loose if a float, since it may have been stored
    /// loose.
    pub fn carried(&mut self, range: usize, k: i64, ty: ir::Type, v: Value) {
        self.push(Known {
            range,
            k,
            ty,
            v,
            loose: ty.is_float(),
        });
    }

    /// Takes out what `keep` selects, by `(range, k, type)`.
    pub fn take(&mut self, keep: impl Fn(usize, i64, ir::Type) -> bool) -> Vec<Known> {
        let (taken, rest) = self.known.drain(..).partition(|x| keep(x.range, x.k, x.ty));
        self.known = rest;
        taken
    }

    /// Puts back what `take` took, with `v` for its value.
    pub fn put(&mut self, x: Known, v: Value) {
        self.push(Known { v, ..x });
    }

    /// The pointer of `range` moved by `by` bytes (unknown if `None`).
    pub fn stepped(&mut self, range: usize, by: Option<i64>) {
        match by {
            Some(d) => {
                for x in self.known.iter_mut().filter(|x| x.range == range) {
                    x.k = x.k.wrapping_sub(d);
                }
            }
            None => self.known.retain(|x| x.range != range),
        }
    }
}

/// What a round of `lp`'s fast copy carries to the next (`hoist`): the
/// places, as `(range, offset, type)` relative to the range's pointer at
/// the round's start, that the loop loads and that the iteration before
/// stored (`a[j - 1]` of a stencil storing `a[j]`), within the range's
/// offsets (so the guard may load them for the first round).
pub(super) fn carried(f: &Function, lp: &LoopPlan) -> Vec<(usize, i64, pivm_ir::Type)> {
    let by = lp.range_steps();
    let mut loads = HashSet::new();
    let mut stores = Vec::new();
    for (b, hs) in lp.hoisted.iter().enumerate() {
        for &(ii, r, k) in hs {
            match &f.blocks[pivm_ir::Block::new(b)].insts[ii].kind {
                InstKind::Load { ty, .. } => {
                    loads.insert((r, k, *ty));
                }
                InstKind::Store { ty, .. } => stores.push((r, k, *ty)),
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    for (r, k, ty) in stores {
        let Some(d) = by[r] else { continue };
        let k = k.wrapping_sub(d);
        let rg = &lp.ranges[r];
        if (rg.kmin..=rg.kmax).contains(&k)
            && loads.contains(&(r, k, ty))
            && !out.contains(&(r, k, ty))
        {
            out.push((r, k, ty));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use cranelift_codegen::entity::EntityRef as _;
    use cranelift_codegen::ir::types::{F64, I32, I64, I8};

    fn v(n: usize) -> Value {
        Value::new(n)
    }

    #[test]
    fn stores_forget_what_they_may_overwrite() {
        let mut m = Memory::default();
        m.loaded(0, 0, F64, v(1));
        m.loaded(0, 8, F64, v(2));
        m.loaded(1, 0, F64, v(3));
        m.stored(0, 4, I32, v(4), false);
        // Overlaps [0, 8) and [8, 16)? [4, 8) overlaps only the first.
        assert_eq!(m.get(0, 0, F64), None);
        assert_eq!(m.get(0, 8, F64), Some((v(2), false)));
        // Another range may be the same bytes.
        assert_eq!(m.get(1, 0, F64), None);
        assert_eq!(m.get(0, 4, I32), Some((v(4), false)));
        // Same bytes, another type: not forwarded.
        assert_eq!(m.get(0, 4, I64), None);
        m.stored(0, 11, I8, v(5), true);
        assert_eq!(m.get(0, 8, F64), None);
        assert_eq!(m.get(0, 11, I8), Some((v(5), true)));
    }

    #[test]
    fn steps_move_what_is_known() {
        let mut m = Memory::default();
        m.stored(0, 8, F64, v(1), true);
        m.loaded(1, 16, F64, v(2));
        m.stepped(0, Some(8));
        assert_eq!(m.get(0, 0, F64), Some((v(1), true)));
        assert_eq!(m.get(0, 8, F64), None);
        m.stepped(1, None);
        assert_eq!(m.get(1, 16, F64), None);
        assert_eq!(m.get(1, 8, F64), None);
    }

    #[test]
    fn the_oldest_is_forgotten_first() {
        let mut m = Memory::default();
        for i in 0..=MAX_KNOWN {
            m.loaded(0, 8 * i as i64, F64, v(i));
        }
        assert_eq!(m.get(0, 0, F64), None);
        assert_eq!(m.get(0, 8, F64), Some((v(1), false)));
        assert_eq!(
            m.get(0, 8 * MAX_KNOWN as i64, F64),
            Some((v(MAX_KNOWN), false))
        );
    }
}
