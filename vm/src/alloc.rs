//! The heap allocator behind malloc/calloc/realloc/free.
//!
//! Its whole state is the table of live allocations (address, size, IR type)
//! plus the heap top (the high-water mark), so a snapshot stores only those
//! and `Allocator::from_table` rebuilds the rest.
//!
//! Policy: blocks are 16-byte aligned and take `max(16, round_up(size, 16))`
//! bytes; an allocation takes the lowest-addressed gap between live blocks
//! that fits (first fit), else it goes right after the last live block (the
//! bump at the top). The chosen address is thus a pure function of the set
//! of live blocks, never of the order of past frees, so an allocator rebuilt
//! from a snapshot's table continues exactly like the original, and the same
//! calls give the same addresses on every host and both engines.
//!
//! Speed: everything else is an index over the gaps, derived from the live
//! set and rebuilt by `from_table`:
//! - `live`, `gap_len` (gap start -> length) and `gap_by_end` (gap end ->
//!   start) are hash maps with fixed hashers (no per-process seed); they
//!   are only ever looked up, never iterated in an order that matters (`table` sorts).
//! - gaps are segregated by size class: one class per exact block size up to
//!   1 KiB, then one per power of two. Each class keeps its gap starts in
//!   address order, its lowest start, and a bit in a bitmap of non-empty
//!   classes.
//!
//! First fit via the classes: every gap in a class above the request's
//! class fits (and so does every gap in the request's class when that class
//! is exact); no gap in a lower class fits. So the lowest fitting gap is the
//! minimum of the lowest starts of the non-empty classes from the request's
//! class up, except that in an inexact (power-of-two) request class only the
//! gaps that are long enough count, which are found by walking that class in
//! address order up to the best candidate from the classes above. That is
//! exactly the gap the plain "scan all gaps by address" policy picks.

use pivm_ir::types::align_up;
use pivm_ir::MemType;
use std::collections::{BTreeSet, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

use crate::error::VmError;

/// Block alignment and granularity.
pub const ALIGN: u64 = 16;

/// One live allocation.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Allocation {
    pub addr: u64,
    /// The size the program asked for.
    pub size: u64,
    /// The type of what was allocated, if the frontend knew it.
    pub ty: Option<MemType>,
}

/// The bytes a block of `size` requested bytes occupies.
pub fn block_size(size: u64) -> u64 {
    align_up(size.max(1), ALIGN)
}

/// A fixed (seedless) hasher for heap addresses. Nearby addresses should
/// land in nearby buckets (the heap is mostly walked in address order, and
/// cache misses cost more than anything else here), yet strided addresses
/// must not pile up in a few buckets: the granules of one 256-byte line get
/// consecutive hashes from a mixed per-page base, and the top 7 bits (the
/// SwissTable tag) are mixed per granule. Deterministic, though nothing
/// depends on hash order.
/// Kept rather than FxHash or foldhash: with either of them for this map,
/// `binarytrees 16` runs about twice as long (cache misses on a big map).
#[derive(Default, Clone, Copy)]
pub struct AddrHasher(u64);

const K: u64 = 0x9e37_79b9_7f4a_7c15;

fn fold_mul(x: u64) -> u64 {
    let m = u128::from(x) * u128::from(K);
    (m as u64) ^ ((m >> 64) as u64)
}

impl Hasher for AddrHasher {
    fn finish(&self) -> u64 {
        let x = self.0;
        let h = fold_mul(x >> 8).wrapping_add((x >> 4) & 0xf);
        (h & !(0x7f << 57)) | ((x >> 4).wrapping_mul(K) & (0x7f << 57))
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, x: u64) {
        self.0 ^= x;
    }
}

type AddrMap<V> = HashMap<u64, V, BuildHasherDefault<AddrHasher>>;

/// The gap maps' hasher: foldhash with its fixed seed (no per-process
/// randomness, so every host and run behaves alike). They are small (so
/// locality matters little) and are often probed for absent keys, which
/// clustered hashes make slow: a fully mixing hash suits them.
type GapMap = HashMap<u64, u64, foldhash::fast::FixedState>;

/// Classes `0..EXACT` hold gaps of exactly `(c + 1) * 16` bytes; class
/// `EXACT + k` holds gaps of `[2^(10+k), 2^(11+k))` bytes (above 1 KiB).
const EXACT: usize = 64;
const NCLASS: usize = EXACT + 54;

fn class_of(len: u64) -> usize {
    if len <= EXACT as u64 * ALIGN {
        (len / ALIGN) as usize - 1
    } else {
        EXACT + (63 - len.leading_zeros() as usize) - 10
    }
}

/// The derived state in a canonical form, for tests.
#[cfg(test)]
type Derived = (Vec<(u64, u64)>, Vec<Class>, [u64; NCLASS], [u64; 2], u64);

/// The gaps of one size class.
#[derive(Clone, Debug, Default, PartialEq)]
struct Class {
    starts: BTreeSet<u64>,
}

#[derive(Clone, Debug)]
pub struct Allocator {
    heap_start: u64,
    /// Highest end of any block ever allocated.
    heap_top: u64,
    /// Largest end a block may have.
    heap_max: u64,
    /// addr -> (requested size, type).
    live: AddrMap<(u64, Option<MemType>)>,
    /// Derived: free gaps between live blocks (start -> length).
    gap_len: GapMap,
    /// Derived: the same gaps by end (end -> start).
    gap_by_end: GapMap,
    /// Derived: the gaps by size class.
    classes: Vec<Class>,
    /// Derived: the lowest gap start in each class (`u64::MAX` if none).
    class_min: [u64; NCLASS],
    /// Derived: bit `c` is set iff class `c` has a gap.
    nonempty: [u64; 2],
    /// Derived: end of the last live block (or `heap_start`).
    end: u64,
}

impl Allocator {
    pub fn new(heap_start: u64, heap_max: u64) -> Allocator {
        Allocator {
            heap_start,
            heap_top: heap_start,
            heap_max,
            live: AddrMap::default(),
            gap_len: GapMap::default(),
            gap_by_end: GapMap::default(),
            classes: vec![Class::default(); NCLASS],
            class_min: [u64::MAX; NCLASS],
            nonempty: [0; 2],
            end: heap_start,
        }
    }

    /// Rebuilds an allocator from a snapshot's table and heap top, checking
    /// that the blocks are aligned, in the heap and do not overlap.
    pub fn from_table(
        heap_start: u64,
        heap_max: u64,
        heap_top: u64,
        table: impl IntoIterator<Item = Allocation>,
    ) -> Result<Allocator, VmError> {
        let mut a = Allocator::new(heap_start, heap_max);
        if heap_top < heap_start || heap_top > heap_max {
            return Err(VmError::new(format!(
                "heap top {heap_top:#x} is outside the heap"
            )));
        }
        a.heap_top = heap_top;
        let mut blocks: Vec<(u64, u64)> = Vec::new();
        for al in table {
            if al.addr % ALIGN != 0 || al.addr < heap_start {
                return Err(VmError::new(format!(
                    "allocation at {:#x} is not a heap block",
                    al.addr
                )));
            }
            if a.live.insert(al.addr, (al.size, al.ty)).is_some() {
                return Err(VmError::new(format!(
                    "allocation at {:#x} is listed twice",
                    al.addr
                )));
            }
            blocks.push((al.addr, al.size));
        }
        blocks.sort_unstable();
        let mut prev = heap_start;
        for (addr, size) in blocks {
            if addr < prev {
                return Err(VmError::new(format!(
                    "allocation at {addr:#x} overlaps another"
                )));
            }
            if addr > prev {
                a.insert_gap(prev, addr - prev);
            }
            prev = addr
                .checked_add(block_size(size))
                .filter(|&e| e <= heap_top)
                .ok_or_else(|| {
                    VmError::new(format!("allocation at {addr:#x} runs past the heap top"))
                })?;
        }
        a.end = prev;
        Ok(a)
    }

    pub fn heap_start(&self) -> u64 {
        self.heap_start
    }

    pub fn heap_top(&self) -> u64 {
        self.heap_top
    }

    /// The live allocations in address order.
    pub fn table(&self) -> impl Iterator<Item = Allocation> + '_ {
        let mut v: Vec<Allocation> = self
            .live
            .iter()
            .map(|(&addr, (size, ty))| Allocation {
                addr,
                size: *size,
                ty: ty.clone(),
            })
            .collect();
        v.sort_unstable_by_key(|al| al.addr);
        v.into_iter()
    }

    pub fn len(&self) -> usize {
        self.live.len()
    }

    pub fn is_empty(&self) -> bool {
        self.live.is_empty()
    }

    /// The requested size of the live block at `addr`.
    pub fn size_of(&self, addr: u64) -> Option<u64> {
        self.live.get(&addr).map(|e| e.0)
    }

    /// The type of the live block at `addr`, if it is one and has a type.
    pub fn ty_of(&self, addr: u64) -> Option<&MemType> {
        self.live.get(&addr).and_then(|e| e.1.as_ref())
    }

    fn insert_gap(&mut self, start: u64, len: u64) {
        debug_assert!(len > 0 && len.is_multiple_of(ALIGN));
        self.gap_len.insert(start, len);
        self.gap_by_end.insert(start + len, start);
        let c = class_of(len);
        self.classes[c].starts.insert(start);
        if start < self.class_min[c] {
            self.class_min[c] = start;
        }
        self.nonempty[c / 64] |= 1 << (c % 64);
    }

    /// Removes the gap starting at `start`, returning its length.
    fn remove_gap(&mut self, start: u64) -> Option<u64> {
        let len = self.gap_len.remove(&start)?;
        self.gap_by_end.remove(&(start + len));
        let c = class_of(len);
        let class = &mut self.classes[c];
        class.starts.remove(&start);
        if self.class_min[c] == start {
            match class.starts.first() {
                Some(&s) => self.class_min[c] = s,
                None => {
                    self.class_min[c] = u64::MAX;
                    self.nonempty[c / 64] &= !(1 << (c % 64));
                }
            }
        }
        Some(len)
    }

    /// The lowest-addressed gap of at least `need` bytes: (start, length).
    fn first_fit(&self, need: u64) -> Option<(u64, u64)> {
        let nc = class_of(need);
        let exact = nc < EXACT;
        // Classes whose every gap fits: from `nc` (exact) or above it.
        let from = if exact { nc } else { nc + 1 };
        let mut best = u64::MAX;
        for w in from / 64..self.nonempty.len() {
            let mut bits = self.nonempty[w];
            if w == from / 64 {
                bits &= !0u64 << (from % 64);
            }
            while bits != 0 {
                let c = w * 64 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                best = best.min(self.class_min[c]);
            }
        }
        if !exact && self.class_min[nc] < best {
            for &s in self.classes[nc].starts.range(..best) {
                if self.gap_len[&s] >= need {
                    best = s;
                    break;
                }
            }
        }
        (best != u64::MAX).then(|| (best, self.gap_len[&best]))
    }

    /// Allocates `size` bytes; `None` when the heap is exhausted. The
    /// caller grows the memory to `heap_top()`.
    pub fn malloc(&mut self, size: u64, ty: Option<MemType>) -> Option<u64> {
        if size > self.heap_max {
            return None;
        }
        let need = block_size(size);
        let addr = if let Some((start, len)) = self.first_fit(need) {
            self.remove_gap(start);
            if len > need {
                self.insert_gap(start + need, len - need);
            }
            start
        } else {
            let addr = self.end;
            let end = addr.checked_add(need).filter(|&e| e <= self.heap_max)?;
            self.end = end;
            self.heap_top = self.heap_top.max(end);
            addr
        };
        self.live.insert(addr, (size, ty));
        Some(addr)
    }

    /// Frees the block at `addr`; `false` if no live block starts there.
    pub fn free(&mut self, addr: u64) -> bool {
        let Some((size, _)) = self.live.remove(&addr) else {
            return false;
        };
        let mut start = addr;
        let mut end = addr + block_size(size);
        if let Some(len) = self.remove_gap(end) {
            end += len;
        }
        if let Some(&s) = self.gap_by_end.get(&start) {
            self.remove_gap(s);
            start = s;
        }
        if end >= self.end {
            self.end = start;
        } else {
            self.insert_gap(start, end - start);
        }
        true
    }

    /// Resizes the block at `addr` in place if the space after it allows;
    /// returns whether it did. `None` if `addr` is not a live block.
    pub fn resize_in_place(&mut self, addr: u64, size: u64) -> Option<bool> {
        let old = self.live.get(&addr)?.0;
        let (old_b, new_b) = (block_size(old), block_size(size));
        let old_end = addr + old_b;
        let new_end = match addr.checked_add(new_b) {
            Some(e) if e <= self.heap_max => e,
            _ => return Some(false),
        };
        if new_b == old_b {
        } else if old_end == self.end {
            self.end = new_end;
            self.heap_top = self.heap_top.max(new_end);
        } else if new_b < old_b {
            let mut gap_end = old_end;
            if let Some(len) = self.remove_gap(old_end) {
                gap_end += len;
            }
            self.insert_gap(new_end, gap_end - new_end);
        } else {
            match self.gap_len.get(&old_end).copied() {
                Some(len) if old_end + len >= new_end => {
                    self.remove_gap(old_end);
                    if old_end + len > new_end {
                        self.insert_gap(new_end, old_end + len - new_end);
                    }
                }
                _ => return Some(false),
            }
        }
        if let Some(e) = self.live.get_mut(&addr) {
            e.0 = size;
        }
        Some(true)
    }

    /// The derived state in a canonical form, for tests.
    #[cfg(test)]
    fn derived(&self) -> Derived {
        let mut gaps: Vec<(u64, u64)> = self.gap_len.iter().map(|(&s, &l)| (s, l)).collect();
        gaps.sort_unstable();
        let mut by_end: Vec<(u64, u64)> =
            self.gap_by_end.iter().map(|(&e, &s)| (s, e - s)).collect();
        by_end.sort_unstable();
        assert_eq!(gaps, by_end);
        (
            gaps,
            self.classes.clone(),
            self.class_min,
            self.nonempty,
            self.end,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_derived(a: &Allocator) {
        let b = Allocator::from_table(a.heap_start, a.heap_max, a.heap_top, a.table()).unwrap();
        assert_eq!(b.derived(), a.derived());
        assert_eq!(b.table().collect::<Vec<_>>(), a.table().collect::<Vec<_>>());
    }

    #[test]
    fn first_fit_and_reuse() {
        let mut a = Allocator::new(0x10000, 0x100000);
        let p = a.malloc(10, None).unwrap();
        let q = a
            .malloc(100, Some(MemType::Scalar(pivm_ir::Type::I32)))
            .unwrap();
        let r = a.malloc(0, None).unwrap();
        assert_eq!((p, q, r), (0x10000, 0x10010, 0x10080));
        assert_eq!(a.heap_top(), 0x10090);
        check_derived(&a);
        assert!(a.free(q));
        assert!(!a.free(q));
        assert!(!a.free(12345));
        check_derived(&a);
        // fits in the gap q left
        assert_eq!(a.malloc(32, None).unwrap(), 0x10010);
        assert_eq!(a.malloc(64, None).unwrap(), 0x10030);
        // too big for the rest of the gap: goes to the end
        assert_eq!(a.malloc(64, None).unwrap(), 0x10090);
        check_derived(&a);
        assert!(a.free(r));
        assert!(a.free(0x10090));
        check_derived(&a);
        assert_eq!(a.malloc(1, None).unwrap(), 0x10070);
        assert_eq!(a.heap_top(), 0x100d0);
        check_derived(&a);
    }

    #[test]
    fn coalescing_and_exhaustion() {
        let mut a = Allocator::new(0x1000, 0x1100);
        let ps: Vec<u64> = (0..16).map(|_| a.malloc(16, None).unwrap()).collect();
        assert!(a.malloc(1, None).is_none());
        for &p in ps.iter().step_by(2) {
            a.free(p);
        }
        check_derived(&a);
        assert!(a.malloc(17, None).is_none());
        a.free(ps[1]);
        check_derived(&a);
        assert_eq!(a.malloc(48, None), Some(ps[0]));
        for &p in &ps[3..] {
            a.free(p);
        }
        check_derived(&a);
        assert_eq!(a.malloc(16 * 13, None), Some(ps[3]));
        assert!(a.malloc(u64::MAX, None).is_none());
    }

    #[test]
    fn resize() {
        let mut a = Allocator::new(0x1000, 0x10000);
        let p = a.malloc(16, None).unwrap();
        let q = a.malloc(16, None).unwrap();
        assert_eq!(a.resize_in_place(p, 32), Some(false));
        assert_eq!(a.resize_in_place(q, 1000), Some(true));
        assert_eq!(a.resize_in_place(q, 10), Some(true));
        check_derived(&a);
        a.free(q);
        assert_eq!(a.resize_in_place(p, 100), Some(true));
        assert_eq!(a.resize_in_place(p, 1), Some(true));
        check_derived(&a);
        let r = a.malloc(16, None).unwrap();
        assert_eq!(r, p + 16);
        assert_eq!(a.resize_in_place(p, 16), Some(true));
        assert_eq!(a.resize_in_place(1, 16), None);
        check_derived(&a);
    }
    /// The plain policy, for reference: scan the gaps between the live
    /// blocks in address order and take the first that fits.
    fn reference_malloc(live: &[(u64, u64)], start: u64, max: u64, size: u64) -> Option<u64> {
        let need = block_size(size);
        let mut prev = start;
        for &(addr, sz) in live {
            if addr - prev >= need {
                return Some(prev);
            }
            prev = addr + block_size(sz);
        }
        prev.checked_add(need).filter(|&e| e <= max).map(|_| prev)
    }

    /// Random malloc/free/realloc sequences: the allocator matches the plain
    /// first-fit policy, and one rebuilt with `from_table` at random points
    /// continues with exactly the same addresses as the original.
    #[test]
    fn random_sequences_match_reference_and_rebuilds() {
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut rng = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for round in 0..40 {
            let (start, max) = (0x10000, 0x10000 + (1 << (12 + round % 10)));
            let mut a = Allocator::new(start, max);
            let mut b: Option<Allocator> = None;
            let mut model: Vec<(u64, u64)> = Vec::new();
            for step in 0..3000 {
                if rng() % 500 == 0 {
                    b = Some(Allocator::from_table(start, max, a.heap_top(), a.table()).unwrap());
                    check_derived(&a);
                }
                let r = rng();
                let size = match r % 7 {
                    0 => rng() % 4000,
                    1 => rng() % 200_000,
                    _ => rng() % 100,
                };
                let op = (r >> 8) % 10;
                if op < 5 || model.is_empty() {
                    let expect = reference_malloc(&model, start, max, size);
                    let got = a.malloc(size, None);
                    assert_eq!(got, expect, "round {round} step {step} malloc({size})");
                    if let Some(b) = &mut b {
                        assert_eq!(b.malloc(size, None), got);
                    }
                    if let Some(p) = got {
                        let i = model.partition_point(|&(x, _)| x < p);
                        model.insert(i, (p, size));
                    }
                } else if op < 9 {
                    let (p, _) = model.remove((rng() % model.len() as u64) as usize);
                    assert!(a.free(p));
                    if let Some(b) = &mut b {
                        assert!(b.free(p));
                        assert!(!b.free(p + 8));
                    }
                    assert!(!a.free(p));
                } else {
                    let i = (rng() % model.len() as u64) as usize;
                    let p = model[i].0;
                    let got = a.resize_in_place(p, size);
                    if let Some(b) = &mut b {
                        assert_eq!(b.resize_in_place(p, size), got);
                    }
                    if got == Some(true) {
                        model[i].1 = size;
                    }
                }
                if let Some(b) = &b {
                    assert_eq!(b.heap_top(), a.heap_top());
                }
            }
            check_derived(&a);
            if let Some(b) = &b {
                assert_eq!(b.derived(), a.derived());
            }
            let table: Vec<(u64, u64)> = a.table().map(|al| (al.addr, al.size)).collect();
            assert_eq!(table, model);
        }
    }
}
