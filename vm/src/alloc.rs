//! The heap allocator behind malloc/calloc/realloc/free.
//!
//! Its whole state is the table of live allocations (address, size, IR type)
//! plus the heap top (the high-water mark), so a snapshot stores only those
//! and `Allocator::from_table` rebuilds the rest.
//!
//! Policy. Every block is 16-byte aligned (an `aligned_alloc` block more:
//! a large block placed at an aligned address of the first gap that
//! surely holds it, `malloc_aligned`).
//! - Small blocks (at most `SMALL_MAX` bytes, 4 KiB) live in slabs cut
//!   into equal slots of one size class (`CLASS_SIZE`: every multiple of 16
//!   up to 256, then four classes per power of two up to 1 KiB, then every
//!   multiple of 256). A slab is one 4 KiB frame up to 1 KiB, else 2, 4 or
//!   8 frames (`SLAB_FRAMES`: the least waste with at least 4 slots), and
//!   starts at a multiple of its own size from the heap start. Each class
//!   has a current slab, and a small malloc takes the lowest free slot of
//!   it. A slab that fills is set aside, and comes back (is listed among
//!   its class's slabs with room) only once frees leave `room(c)` free
//!   slots in it, an eighth of its slots (at least one); when the current
//!   slab fills, the lowest-addressed listed slab becomes current, and if
//!   none is listed, a new slab in the lowest-addressed free place (below)
//!   (if the heap has no place for one, the lowest-addressed slab with a
//!   free slot). A class without a current slab makes the first slab
//!   listed current. A slab whose last block is freed is given back at
//!   once. So a heap whose blocks are freed in scattered places and
//!   allocated again (most frees land in full slabs) changes slabs once
//!   per `room(c)` frees, not at every one (`benches/RESULTS.md`, "Issue
//!   12, 2026-12-05"), for at most an eighth of a slab's slots idle.
//! - Large blocks and slabs are carved from the space between them
//!   ("gaps") first fit at 16-byte granularity: a large block takes
//!   `round_up(size, 16)` bytes in the lowest-addressed gap that fits, a slab
//!   the lowest aligned place inside a gap, else they go after the last one
//!   (the bump at the top).
//!
//! - Memory: a release that leaves a free extent of at least
//!   `discard_min` bytes (`DISCARD_MIN`, 128 KiB, at first) zeroes the
//!   released block's frames lying wholly in that extent (`discarded`),
//!   through the runtime's `Discarder`, which hands their pages back to
//!   the host: the program's peak resident memory follows its live blocks,
//!   not every page it ever used. Each such release raises `discard_min`
//!   to twice the block (up to `DISCARD_MAX`), so a block freed and
//!   allocated again round after round is zeroed once, not faulted in
//!   again every round; and all the zeroing of a run stops at twice the
//!   heap's high-water mark (`discarded`), so blocks freed together and
//!   allocated again round after round cost at most that many faults.
//!   Which bytes are zeroed depends only on the releases, so a program
//!   that reads freed memory reads the same everywhere; a snapshot stores
//!   memory as it is and this history (`extra`), so a resumed run zeroes
//!   what the original would.
//!
//! So every decision is a function of the set of live blocks and of each
//! class's current slab, never of the order of past frees: the slabs are
//! exactly the frames holding a live small block (a block's class is that
//! of its size), the gaps are what lies between the slabs and large
//! blocks, and a class's listed slabs are its current one and those with
//! `room(c)` free slots or more (a slab is listed when a free leaves
//! exactly that many, and only the current one loses free slots). A
//! snapshot stores the current slabs that are not what a rebuild would
//! pick, the lowest-addressed slab with that room (`current_slabs`), and
//! an allocator rebuilt from its table and those (`set_current`) continues
//! exactly like the original: the same calls give the same addresses on
//! every host and both engines.
//!
//! Speed: a small malloc or free is O(1) with no hashing and touches one
//! cache line of metadata, the slab's (64 bytes: a 256-bit bitmap of its
//! slots, its start, and the one type and one size its live blocks have
//! while they agree; per-slot types and sizes go to side tables once they
//! differ). The frame table (one `u32` per 4 KiB frame: slab index and
//! class, in each frame of a slab) finds a block's slab; the bitmap gives the lowest free slot with
//! trailing-zeros; each class caches its current slab, and keeps a
//! bitmap of its listed slabs' frames (with a summary bit per word),
//! touched only when a slab fills, is listed, or empties. Large
//! blocks keep a hash map of their sizes and the gap index below.
//!
//! Types: each allocation's IR type is a small id (`TyId`): 0 for none, 1 for
//! "`[size x i8]`" (what strdup allocates), then the program's allocation
//! types in `AllocTypes` order, then any other type met (interned). A slab
//! keeps one id for all its slots until it holds two different types.
//!
//! The gap index (for large blocks and frames): `gap_len` (gap start ->
//! length) and `gap_by_end` (gap end -> start) are hash maps with fixed
//! hashers; gaps are segregated by size class (one class per exact length up
//! to 1 KiB, then one per power of two), each class keeping its starts in
//! address order, its lowest start, and a bit in a bitmap of non-empty
//! classes. First fit: every gap in a class above the request's class fits
//! (and every gap in the request's class when that class is exact); no gap
//! in a lower class fits. So the lowest fitting gap is the minimum of the
//! lowest starts of the non-empty classes from the request's class up,
//! except that in an inexact request class only the gaps that are long
//! enough count, found by walking that class in address order up to the
//! best candidate from the classes above.

use pivm_ir::types::align_up;
use pivm_ir::{MemType, Type};
use std::collections::{BTreeSet, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

use crate::error::VmError;
use crate::memory::Discarder;

/// Block alignment and granularity.
pub const ALIGN: u64 = 16;
/// Size (and alignment from the heap start) of a slab.
pub const FRAME: u64 = 4096;
const FRAME_SHIFT: u32 = 12;
/// The largest size served from slabs.
pub const SMALL_MAX: u64 = 4096;
/// A release that leaves a free extent of at least this many bytes zeroes
/// the whole frames it frees there (`Discarder`: their host pages are
/// given back), at first; after zeroing a block's frames, only extents
/// of twice its size do (`Allocator::discard_min`), up to `DISCARD_MAX`.
pub const DISCARD_MIN: u64 = 128 << 10;
/// The most `Allocator::discard_min` grows to.
pub const DISCARD_MAX: u64 = 64 << 20;

/// One live allocation.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Allocation {
    pub addr: u64,
    /// The size the program asked for.
    pub size: u64,
    /// The type of what was allocated, if the frontend knew it.
    pub ty: Option<MemType>,
}

/// The id of an allocation type (see the module doc).
pub type TyId = u32;
/// No type.
pub const TY_NONE: TyId = 0;
/// `[size x i8]`, the size being the allocation's.
pub const TY_BYTES: TyId = 1;
/// The id of the program's allocation type with `AllocTypes` key `key`
/// (1-based).
pub fn base_ty_id(key: u64) -> TyId {
    key as TyId + 1
}

/// The bytes a block of `size` requested bytes occupies (large blocks).
pub fn block_size(size: u64) -> u64 {
    align_up(size.max(1), ALIGN)
}

/// Small size classes: slot sizes. The first `NSMALL1` have slabs of one
/// frame (compiled code's inline malloc and free know only those); the
/// others, 256 bytes apart (a slack fits a `u8`), have slabs of
/// `SLAB_FRAMES` frames.
const NSMALL: usize = 36;
const NSMALL1: usize = 24;
const CLASS_SIZE: [u32; NSMALL] = [
    16, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 256, 320, 384, 448, 512,
    640, 768, 896, 1024, 1280, 1536, 1792, 2048, 2304, 2560, 2816, 3072, 3328, 3584, 3840, 4096,
];

/// Frames per slab of each class: 1 up to 1 KiB; above, the power of two
/// from 2 to 8 whose slab wastes the least per frame and has at least 4
/// slots (fewer would make and give back a slab every few calls), the
/// smallest on a tie. A slab of `n` frames starts at a multiple of `n`
/// frames from the heap start, so a block's slab is found from its address
/// alone, also when an allocator is rebuilt from a table of blocks.
const SLAB_FRAMES: [u8; NSMALL] = {
    let mut t = [1u8; NSMALL];
    let mut c = NSMALL1;
    while c < NSMALL {
        let size = CLASS_SIZE[c] as u64;
        let (mut best, mut best_waste) = (0u64, u64::MAX);
        let mut n = 2;
        while n <= 8 {
            let slots = n * FRAME / size;
            // Waste per 8 frames.
            let waste = (n * FRAME - slots * size) * 8 / n;
            if slots >= 4 && waste < best_waste {
                (best, best_waste) = (n, waste);
            }
            n *= 2;
        }
        t[c] = best as u8;
        c += 1;
    }
    t
};

/// The bytes of a slab of class `c`.
#[inline]
fn slab_bytes(c: usize) -> u64 {
    u64::from(SLAB_FRAMES[c]) * FRAME
}

/// The small class of each `(size - 1) / 16` for sizes up to `SMALL_MAX`.
const CLASS_OF: [u8; (SMALL_MAX / ALIGN) as usize] = {
    const N: usize = (SMALL_MAX / ALIGN) as usize;
    let mut t = [0u8; N];
    let mut g = 0;
    let mut c = 0;
    while g < N {
        while (CLASS_SIZE[c] as usize) < (g + 1) * 16 {
            c += 1;
        }
        t[g] = c as u8;
        g += 1;
    }
    t
};

/// Entries of `SIZES`: one per 16 bytes of request up to `SMALL_MAX`,
/// from 0.
const NSIZES: usize = (SMALL_MAX / ALIGN) as usize + 1;

/// For compiled code's inline malloc of a size known only at run time
/// (`HeapView::sizes`): for each `(size + 15) / 16` up to `SMALL_MAX`, the
/// size's class and its slot size (`slot << 8 | class`).
const SIZES: [u32; NSIZES] = {
    let mut t = [0u32; NSIZES];
    let mut g = 0;
    while g < NSIZES {
        let c = CLASS_OF[g.saturating_sub(1)] as usize;
        t[g] = CLASS_SIZE[c] << 8 | c as u32;
        g += 1;
    }
    t
};

/// No slot starts here (`SLOT_AT`).
const NOT_A_SLOT: u16 = u16::MAX;

/// Per one-frame class, per 16-byte granule of a frame: the slot starting
/// there, or `NOT_A_SLOT`. One load finds a freed pointer's slot (12 KiB,
/// shared).
static SLOT_AT: [[u16; (FRAME / ALIGN) as usize]; NSMALL1] = {
    let mut t = [[NOT_A_SLOT; (FRAME / ALIGN) as usize]; NSMALL1];
    let mut c = 0;
    while c < NSMALL1 {
        let size = CLASS_SIZE[c] as usize;
        let mut slot = 0;
        while (slot + 1) * size <= FRAME as usize {
            t[c][slot * size / ALIGN as usize] = slot as u16;
            slot += 1;
        }
        c += 1;
    }
    t
};

/// Slots per slab of each class.
const NSLOTS: [u16; NSMALL] = {
    let mut t = [0u16; NSMALL];
    let mut c = 0;
    while c < NSMALL {
        t[c] = (SLAB_FRAMES[c] as u64 * FRAME / CLASS_SIZE[c] as u64) as u16;
        c += 1;
    }
    t
};

/// Per class: the live slots a free finds when it lists the slab (leaves
/// `room(c)` free slots in it).
const LIST_AT: [u16; NSMALL] = {
    let mut t = [0u16; NSMALL];
    let mut c = 0;
    while c < NSMALL {
        t[c] = NSLOTS[c] - room(c) as u16 + 1;
        c += 1;
    }
    t
};

/// The free slots a full slab of class `c` needs before malloc uses it
/// again.
const fn room(c: usize) -> usize {
    let r = NSLOTS[c] as usize / 8;
    if r == 0 {
        1
    } else {
        r
    }
}

#[inline]
fn nslots(c: usize) -> usize {
    NSLOTS[c] as usize
}

/// The small class of a request of `size` bytes, if it is small.
#[inline]
fn small_class(size: u64) -> Option<usize> {
    (size <= SMALL_MAX).then(|| CLASS_OF[(size.saturating_sub(1) >> 4) as usize] as usize)
}

/// The bitmap of a fresh slab of class `c`: slots past the last are "used".
fn fresh_bits(c: usize) -> [u64; 4] {
    let n = nslots(c);
    let mut b = [0u64; 4];
    for (w, word) in b.iter_mut().enumerate() {
        let lo = w * 64;
        if n <= lo {
            *word = !0;
        } else if n < lo + 64 {
            *word = !0 << (n - lo);
        }
    }
    b
}

/// The most slots a slab has (class 16).
const MAX_SLOTS: usize = 256;

/// `Slab::mixed`: the slots' types are in `Allocator::tys`.
const MIXED_TY: u8 = 1;
/// `Slab::mixed`: the slots' slacks are in `Allocator::slack`.
const MIXED_SLACK: u8 = 2;

/// A slab: one frame of equal slots. One cache line: everything malloc
/// and free touch while the slab's live blocks share one type and one
/// requested size (the common case); per-slot types and sizes live in the
/// allocator's side tables once they differ.
#[derive(Clone, Debug)]
#[repr(C, align(64))]
struct Slab {
    /// Bit `i` set: slot `i` is live (or past the last slot).
    bits: [u64; 4],
    start: u64,
    /// The type of every live slot unless `MIXED_TY`.
    ty: TyId,
    /// Live slots. A `u32`, not a `u16`: the increment's load must not be
    /// wider than the previous call's store, or it waits for that store to
    /// reach the cache instead of being forwarded (a stall on every
    /// malloc/free pair).
    used: u32,
    class: u8,
    /// Slot size minus requested size of every live slot unless
    /// `MIXED_SLACK`.
    slack: u8,
    /// `MIXED_TY | MIXED_SLACK`.
    mixed: u8,
    /// Slots of its class (`NSLOTS`), for compiled code's free.
    nslots: u16,
    /// `LIST_AT` of its class: a free that finds this many live slots
    /// lists the slab among its class's slabs with room.
    list_at: u16,
}

impl Slab {
    #[inline]
    fn live(&self, slot: usize) -> bool {
        self.bits[slot >> 6] & (1 << (slot & 63)) != 0
    }

    /// The lowest free slot (the slab is not full).
    #[inline]
    fn lowest_free(&self) -> usize {
        let w = self.bits.iter().position(|&b| b != !0).unwrap_or(0);
        w * 64 + (!self.bits[w]).trailing_zeros() as usize
    }
}

/// What compiled code reads and writes of the allocator for its inline
/// small malloc and free (`pivm_jit::abi::HeapView` gives the offsets):
/// the per-class current slabs and the live-block count are kept here and
/// nowhere else; `slabs`, `frames` and `nframes` are set by `view` (the
/// vectors may have moved since), which the JIT engine calls whenever it
/// enters compiled code or returns to it from a builtin.
#[derive(Clone, Debug)]
#[repr(C)]
pub struct HeapView {
    /// Per class: its lowest non-full slab (`NO_SLAB` if none).
    cur: [u32; NSMALL],
    /// Live blocks.
    count: u64,
    slabs: *mut Slab,
    frames: *const u32,
    nframes: u64,
    heap_start: u64,
    slot_at: *const u16,
    /// Per slab, `MAX_SLOTS` slacks (`Allocator::slack`).
    slack: *mut u8,
    /// `SIZES`, next to the fields compiled code loads with it.
    sizes: [u32; NSIZES],
}

// SAFETY: the raw pointers are only a copy of the allocator's own vectors'
// addresses, refreshed by `view` before compiled code reads them; nothing
// dereferences them from Rust.
unsafe impl Send for HeapView {}
// SAFETY: as for `Send`: shared references never reach the pointees.
unsafe impl Sync for HeapView {}

/// The layout compiled code relies on (`pivm_jit::abi`).
#[cfg(feature = "jit")]
const _: () = {
    use pivm_jit::abi as a;
    use std::mem::offset_of;
    assert!(offset_of!(HeapView, cur) == a::HEAP_CUR as usize);
    assert!(offset_of!(HeapView, count) == a::HEAP_COUNT as usize);
    assert!(offset_of!(HeapView, slabs) == a::HEAP_SLABS as usize);
    assert!(offset_of!(HeapView, frames) == a::HEAP_FRAMES as usize);
    assert!(offset_of!(HeapView, nframes) == a::HEAP_NFRAMES as usize);
    assert!(offset_of!(HeapView, heap_start) == a::HEAP_START as usize);
    assert!(offset_of!(HeapView, slot_at) == a::HEAP_SLOT_AT as usize);
    assert!(offset_of!(HeapView, slack) == a::HEAP_SLACK as usize);
    assert!(offset_of!(HeapView, sizes) == a::HEAP_SIZES as usize);
    assert!(NSIZES == a::HEAP_NSIZES);
    assert!(MAX_SLOTS == a::MAX_SLOTS as usize);
    assert!(MIXED_SLACK == a::MIXED_SLACK);
    assert!(std::mem::size_of::<Slab>() == a::SLAB_SIZE as usize);
    assert!(offset_of!(Slab, bits) == a::SLAB_BITS as usize);
    assert!(offset_of!(Slab, start) == a::SLAB_START as usize);
    assert!(a::SLAB_START == a::SLAB_BITS + 8 * a::SLAB_WORDS);
    assert!(offset_of!(Slab, ty) == a::SLAB_TY as usize);
    assert!(offset_of!(Slab, used) == a::SLAB_USED as usize);
    assert!(offset_of!(Slab, slack) == a::SLAB_SLACK as usize);
    assert!(offset_of!(Slab, mixed) == a::SLAB_MIXED as usize);
    assert!(offset_of!(Slab, nslots) == a::SLAB_NSLOTS as usize);
    assert!(offset_of!(Slab, list_at) == a::SLAB_LIST_AT as usize);
    assert!(NSMALL1 == a::SMALL_CLASSES.len() && FRAME == a::SMALL_FRAME);
    assert!(NSMALL == a::HEAP_CLASSES);
    assert!(CLASS_BITS == a::FRAME_CLASS_BITS && NOT_A_SLOT == a::NOT_A_SLOT);
    let mut c = 0;
    while c < NSMALL1 {
        assert!(CLASS_SIZE[c] == a::SMALL_CLASSES[c] && SLAB_FRAMES[c] == 1);
        c += 1;
    }
    let mut g = 0;
    while g < CLASS_OF.len() {
        match a::small_class((g as u64 + 1) * 16) {
            Some(k) => assert!(CLASS_OF[g] == k),
            None => assert!(CLASS_OF[g] as usize >= NSMALL1),
        }
        g += 1;
    }
    let mut c = 0;
    while c < NSMALL {
        assert!(CLASS_SIZE[c] == a::SLAB_CLASSES[c]);
        c += 1;
    }
    let mut g = 0;
    while g < NSIZES {
        let Some(k) = a::slab_class(g as u64 * 16) else {
            panic!("a size in `SIZES` is not served from slabs");
        };
        assert!(SIZES[g] == a::SLAB_CLASSES[k as usize] << 8 | k as u32);
        g += 1;
    }
};

/// A fixed (seedless) hasher for heap addresses (the large-block map).
/// Nearby addresses land in nearby buckets, strided ones do not pile up.
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
/// randomness, so every host and run behaves alike).
type GapMap = HashMap<u64, u64, foldhash::fast::FixedState>;

/// Gap classes `0..EXACT` hold gaps of exactly `(c + 1) * 16` bytes; class
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

/// The derived state of the gap index in a canonical form, for tests.
#[cfg(test)]
type Derived = (
    Vec<(u64, u64)>,
    Vec<BTreeSet<u64>>,
    [u64; NCLASS],
    [u64; 2],
    u64,
);

/// The space between slabs and large blocks: gaps below `end`, and the bump
/// above it.
#[derive(Clone, Debug)]
struct Space {
    heap_start: u64,
    /// Highest end of any block ever allocated.
    heap_top: u64,
    /// Largest end a block may have.
    heap_max: u64,
    /// Free gaps (start -> length).
    gap_len: GapMap,
    /// The same gaps by end (end -> start).
    gap_by_end: GapMap,
    /// The gap starts of each class, in address order.
    classes: Vec<BTreeSet<u64>>,
    /// The lowest gap start in each class (`u64::MAX` if none).
    class_min: [u64; NCLASS],
    /// Bit `c` is set iff class `c` has a gap.
    nonempty: [u64; 2],
    /// End of the last block (or `heap_start`).
    end: u64,
}

impl Space {
    fn new(heap_start: u64, heap_max: u64) -> Space {
        Space {
            heap_start,
            heap_top: heap_start,
            heap_max,
            gap_len: GapMap::default(),
            gap_by_end: GapMap::default(),
            classes: vec![BTreeSet::new(); NCLASS],
            class_min: [u64::MAX; NCLASS],
            nonempty: [0; 2],
            end: heap_start,
        }
    }

    fn insert_gap(&mut self, start: u64, len: u64) {
        debug_assert!(len > 0 && len.is_multiple_of(ALIGN));
        self.gap_len.insert(start, len);
        self.gap_by_end.insert(start + len, start);
        let c = class_of(len);
        self.classes[c].insert(start);
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
        class.remove(&start);
        if self.class_min[c] == start {
            match class.first() {
                Some(&s) => self.class_min[c] = s,
                None => {
                    self.class_min[c] = u64::MAX;
                    self.nonempty[c / 64] &= !(1 << (c % 64));
                }
            }
        }
        Some(len)
    }

    /// The lowest start of the non-empty classes from `from` up.
    fn lowest_from(&self, from: usize) -> u64 {
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
        best
    }

    /// The lowest-addressed gap of at least `need` bytes: (start, length).
    fn first_fit(&self, need: u64) -> Option<(u64, u64)> {
        let nc = class_of(need);
        let exact = nc < EXACT;
        // Classes whose every gap fits: from `nc` (exact) or above it.
        let mut best = self.lowest_from(if exact { nc } else { nc + 1 });
        if !exact && self.class_min[nc] < best {
            for &s in self.classes[nc].range(..best) {
                if self.gap_len[&s] >= need {
                    best = s;
                    break;
                }
            }
        }
        (best != u64::MAX).then(|| (best, self.gap_len[&best]))
    }

    /// The first multiple of `run` bytes from the heap start at or above
    /// `a`.
    fn run_up(&self, a: u64, run: u64) -> u64 {
        self.heap_start + align_up(a - self.heap_start, run)
    }

    /// Takes `[start, start + need)` out of the gap at `gap` of `len` bytes.
    fn take(&mut self, gap: u64, len: u64, start: u64, need: u64) {
        self.remove_gap(gap);
        if start > gap {
            self.insert_gap(gap, start - gap);
        }
        if gap + len > start + need {
            self.insert_gap(start + need, gap + len - start - need);
        }
    }

    /// Places `need` bytes at `addr` on the bump (`addr >= end`).
    fn bump(&mut self, addr: u64, need: u64) -> Option<u64> {
        let end = addr.checked_add(need).filter(|&e| e <= self.heap_max)?;
        if addr > self.end {
            self.insert_gap(self.end, addr - self.end);
        }
        self.end = end;
        self.heap_top = self.heap_top.max(end);
        Some(addr)
    }

    /// Allocates `need` bytes (a multiple of 16), first fit.
    fn alloc(&mut self, need: u64) -> Option<u64> {
        if let Some((start, len)) = self.first_fit(need) {
            self.take(start, len, start, need);
            return Some(start);
        }
        self.bump(self.end, need)
    }

    /// Allocates `need` bytes (a multiple of 16) at a VM address that is a
    /// multiple of `align` (a power of two above 16): in the first gap
    /// long enough to hold them wherever it starts, else at the bump.
    fn alloc_aligned(&mut self, need: u64, align: u64) -> Option<u64> {
        let sure = need.checked_add(align - ALIGN)?;
        if let Some((start, len)) = self.first_fit(sure) {
            let at = align_up(start, align);
            self.take(start, len, at, need);
            return Some(at);
        }
        let at = self.end.checked_add(align - 1)? & !(align - 1);
        self.bump(at, need)
    }

    /// Allocates a slab's `run` bytes (a power of two, at least a frame)
    /// at a multiple of `run` from the heap start: the lowest such place in
    /// a gap, else the first at or above the bump.
    fn alloc_run(&mut self, run: u64) -> Option<u64> {
        // A gap this long holds an aligned run wherever it starts.
        let sure = run + run - ALIGN;
        let mut best = self.lowest_from(class_of(sure) + 1);
        // The class of `sure` holds lengths [run, 2 * run): walk it.
        let c = class_of(run);
        debug_assert_eq!(c, class_of(sure));
        if self.class_min[c] < best {
            for &s in self.classes[c].range(..best) {
                if self.run_up(s, run) + run <= s + self.gap_len[&s] {
                    best = s;
                    break;
                }
            }
        }
        if best != u64::MAX {
            let len = self.gap_len[&best];
            let at = self.run_up(best, run);
            self.take(best, len, at, run);
            return Some(at);
        }
        let at = self.run_up(self.end, run);
        self.bump(at, run)
    }

    /// Gives back the block `[addr, addr + len)`; returns it with the free
    /// extent it joined.
    fn release(&mut self, addr: u64, len: u64) -> Freed {
        let mut start = addr;
        let mut end = addr + len;
        if let Some(l) = self.remove_gap(end) {
            end += l;
        }
        if let Some(&s) = self.gap_by_end.get(&start) {
            self.remove_gap(s);
            start = s;
        }
        let extent = if end >= self.end {
            self.end = start;
            (start, addr + len)
        } else {
            self.insert_gap(start, end - start);
            (start, end)
        };
        Freed {
            extent,
            block: (addr, len),
        }
    }

    /// Resizes the block `[addr, addr + old_b)` to `new_b` bytes in place if
    /// the space after it allows; returns whether it did, and what it freed
    /// when it shrank.
    fn resize(&mut self, addr: u64, old_b: u64, new_b: u64) -> (bool, Option<Freed>) {
        let old_end = addr + old_b;
        let new_end = match addr.checked_add(new_b) {
            Some(e) if e <= self.heap_max => e,
            _ => return (false, None),
        };
        let mut freed = None;
        if new_b == old_b {
        } else if old_end == self.end {
            self.end = new_end;
            self.heap_top = self.heap_top.max(new_end);
            if new_end < old_end {
                freed = Some(Freed {
                    extent: (new_end, old_end),
                    block: (new_end, old_end - new_end),
                });
            }
        } else if new_b < old_b {
            let mut gap_end = old_end;
            if let Some(len) = self.remove_gap(old_end) {
                gap_end += len;
            }
            self.insert_gap(new_end, gap_end - new_end);
            freed = Some(Freed {
                extent: (new_end, gap_end),
                block: (new_end, old_end - new_end),
            });
        } else {
            match self.gap_len.get(&old_end).copied() {
                Some(len) if old_end + len >= new_end => {
                    self.remove_gap(old_end);
                    if old_end + len > new_end {
                        self.insert_gap(new_end, old_end + len - new_end);
                    }
                }
                _ => return (false, None),
            }
        }
        (true, freed)
    }

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

/// A block given back to the space between blocks: `block` (start,
/// length) and the free extent `[extent.0, extent.1)` it is now part of.
#[derive(Clone, Copy, Debug)]
struct Freed {
    extent: (u64, u64),
    block: (u64, u64),
}

/// The frames to zero when `block` is freed into the free `extent` that
/// contains it: its frames lying wholly in the extent, if the extent spans
/// at least `min` bytes (`Allocator::discard_min`).
fn discarded(f: Freed, min: u64) -> Option<(u64, u64)> {
    let ((start, end), (addr, len)) = (f.extent, f.block);
    if end - start < min {
        return None;
    }
    let from = align_up(start, FRAME).max(addr & !(FRAME - 1));
    let to = (end & !(FRAME - 1)).min(align_up(addr + len, FRAME));
    (from < to).then_some((from, to))
}

const NO_SLAB: u32 = u32::MAX;

/// A frame table entry: `(slab index + 1) << CLASS_BITS | class`, 0 for a
/// frame without a slab. The class is in the entry so that free computes
/// the slot while the slab's cache line is still on its way.
const CLASS_BITS: u32 = 6;
const _: () = assert!(NSMALL <= 1 << CLASS_BITS);
/// Slabs an allocator can have (the frame table's index range).
const MAX_SLABS: usize = (u32::MAX >> CLASS_BITS) as usize - 1;

/// A set of frame indexes: a bitmap with a summary bit per word, so the
/// lowest member from a point up is found in a few steps.
#[derive(Clone, Debug, Default)]
struct FrameSet {
    words: Vec<u64>,
    /// Bit `w` set iff `words[w] != 0`.
    summary: Vec<u64>,
}

impl FrameSet {
    /// Makes room for frame `f` (before it is inserted: `insert` does not
    /// grow the set, to stay small enough to inline).
    fn cover(&mut self, f: usize) {
        let w = f / 64;
        if w >= self.words.len() {
            self.words.resize(w + 1, 0);
            self.summary.resize(w / 64 + 1, 0);
        }
    }

    /// Adds frame `f`, which `cover` made room for.
    #[inline]
    fn insert(&mut self, f: usize) {
        let w = f / 64;
        self.words[w] |= 1 << (f % 64);
        self.summary[w / 64] |= 1 << (w % 64);
    }

    fn remove(&mut self, f: usize) {
        let w = f / 64;
        if let Some(word) = self.words.get_mut(w) {
            *word &= !(1 << (f % 64));
            if *word == 0 {
                self.summary[w / 64] &= !(1 << (w % 64));
            }
        }
    }

    /// The lowest member at or above `f`.
    fn first_from(&self, f: usize) -> Option<usize> {
        let w = f / 64;
        let m = self.words.get(w)? & (!0u64 << (f % 64));
        if m != 0 {
            return Some(w * 64 + m.trailing_zeros() as usize);
        }
        let w = w + 1;
        let mut sw = w / 64;
        let mut mask = !0u64 << (w % 64);
        while let Some(&bits) = self.summary.get(sw) {
            let m = bits & mask;
            if m != 0 {
                let w = sw * 64 + m.trailing_zeros() as usize;
                return Some(w * 64 + self.words[w].trailing_zeros() as usize);
            }
            sw += 1;
            mask = !0;
        }
        None
    }
}

/// What `Allocator::resize` found and did.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Resized {
    /// The block's size and type id before.
    pub old: u64,
    pub ty: TyId,
    /// Whether it was resized where it is.
    pub in_place: bool,
}

/// Where a live block is.
enum Loc {
    Small(usize, usize),
    Large,
}

#[derive(Clone, Debug)]
pub struct Allocator {
    space: Space,
    /// Large blocks: addr -> (requested size, type).
    large: AddrMap<(u64, TyId)>,
    /// All slabs ever made; the unused ones are listed in `spare`.
    slabs: Vec<Slab>,
    spare: Vec<u32>,
    /// Per slab, `MAX_SLOTS` slacks: those of a `MIXED_SLACK` slab.
    slack: Vec<u8>,
    /// Per slab, the types of its slots if `MIXED_TY` (else empty).
    tys: Vec<Vec<TyId>>,
    /// Per frame of the heap: its slab (see `CLASS_BITS`), or 0.
    frames: Vec<u32>,
    /// Per class: the frames of its listed slabs (the current one and
    /// those with `room(c)` free slots).
    nonfull: [FrameSet; NSMALL],
    /// The current slabs, the live-block count, and what compiled code
    /// needs to find them (boxed: its address is given to compiled code).
    view: Box<HeapView>,
    /// Type id -> type (ids 0 and 1 are placeholders).
    types: Vec<MemType>,
    type_ids: HashMap<MemType, TyId, foldhash::fast::FixedState>,
    /// Zeroes freed extents of VM memory (`attach`); none in tests of the
    /// allocator alone.
    discard: Option<Discarder>,
    /// The least free extent a release zeroes frames in: `DISCARD_MIN`,
    /// raised to twice each block whose frames it zeroed (at most
    /// `DISCARD_MAX`), so that a program that frees and allocates a large
    /// block again and again zeroes it once, not at every round (glibc's
    /// trim threshold grows the same way). History, not a function of the
    /// live blocks: snapshots keep it (`discard_min`, `set_discard_min`).
    discard_min: u64,
    /// The bytes zeroed so far: at most twice the heap's high-water mark
    /// in all, so that a program whose frees keep making large extents
    /// that it fills again at once pays for faulting its heap in at most
    /// twice more. History too, kept in snapshots.
    discarded: u64,
}

impl Allocator {
    /// An empty heap; `base_types` are the program's allocation types
    /// (`AllocTypes`), whose ids are `base_ty_id(key)`.
    pub fn new(heap_start: u64, heap_max: u64, base_types: &[MemType]) -> Allocator {
        let mut a = Allocator {
            space: Space::new(heap_start, heap_max),
            large: AddrMap::default(),
            slabs: Vec::new(),
            spare: Vec::new(),
            slack: Vec::new(),
            tys: Vec::new(),
            frames: Vec::new(),
            nonfull: std::array::from_fn(|_| FrameSet::default()),
            view: Box::new(HeapView {
                cur: [NO_SLAB; NSMALL],
                count: 0,
                slabs: std::ptr::null_mut(),
                frames: std::ptr::null(),
                nframes: 0,
                heap_start,
                slot_at: SLOT_AT.as_ptr().cast(),
                slack: std::ptr::null_mut(),
                sizes: SIZES,
            }),
            types: vec![MemType::Scalar(Type::I8); 2],
            type_ids: HashMap::default(),
            discard: None,
            discard_min: DISCARD_MIN,
            discarded: 0,
        };
        for t in base_types {
            // Keep ids dense even if a type is listed twice.
            let id = a.types.len() as TyId;
            a.types.push(t.clone());
            a.type_ids.entry(t.clone()).or_insert(id);
        }
        a
    }

    /// Rebuilds an allocator from a table of allocations and a heap top
    /// (see `rebuild`): the tests' model of a resume.
    #[cfg(test)]
    pub fn from_table(
        heap_start: u64,
        heap_max: u64,
        base_types: &[MemType],
        heap_top: u64,
        table: impl IntoIterator<Item = Allocation>,
    ) -> Result<Allocator, VmError> {
        let mut a = Allocator::new(heap_start, heap_max, base_types);
        let blocks: Vec<(u64, u64, TyId)> = table
            .into_iter()
            .map(|al| (al.addr, al.size, a.type_id_for(al.ty.as_ref(), al.size)))
            .collect();
        a.rebuild(heap_top, blocks.into_iter().map(Ok))?;
        Ok(a)
    }

    /// Rebuilds an allocator from a snapshot's packed table: `types[k]` is
    /// the parsed type the table numbers `k + 1`, and each entry is
    /// `(addr, size, type number or 0)`. Each type is interned once, not
    /// once per allocation.
    pub fn from_packed(
        heap_start: u64,
        heap_max: u64,
        base_types: &[MemType],
        heap_top: u64,
        types: &[MemType],
        entries: impl IntoIterator<Item = (u64, u64, u32)>,
    ) -> Result<Allocator, VmError> {
        let mut a = Allocator::new(heap_start, heap_max, base_types);
        let ids: Vec<TyId> = types.iter().map(|t| a.type_id(Some(t))).collect();
        // `[n x i8]` is `TY_BYTES` in a block of n bytes.
        let bytes: Vec<Option<u64>> = types
            .iter()
            .map(|t| match t {
                MemType::Array(e, n) if **e == MemType::Scalar(Type::I8) => Some(*n),
                _ => None,
            })
            .collect();
        let blocks = entries.into_iter().map(|(addr, size, k)| {
            if k == 0 {
                return Ok((addr, size, TY_NONE));
            }
            let i = k as usize - 1;
            match ids.get(i) {
                Some(_) if bytes[i] == Some(size) => Ok((addr, size, TY_BYTES)),
                Some(&id) => Ok((addr, size, id)),
                None => Err(VmError::new(format!(
                    "allocation at {addr:#x} names type {k} of {}",
                    ids.len()
                ))),
            }
        });
        a.rebuild(heap_top, blocks)?;
        Ok(a)
    }

    /// Fills an empty allocator with `blocks` (address, requested size,
    /// type id) and sets the heap top, checking that the blocks are
    /// aligned, in the heap, do not overlap and are laid out as this
    /// allocator lays them out.
    fn rebuild(
        &mut self,
        heap_top: u64,
        blocks: impl Iterator<Item = Result<(u64, u64, TyId), VmError>>,
    ) -> Result<(), VmError> {
        let a = self;
        let (heap_start, heap_max) = (a.space.heap_start, a.space.heap_max);
        if heap_top < heap_start || heap_top > heap_max {
            return Err(VmError::new(format!(
                "heap top {heap_top:#x} is outside the heap"
            )));
        }
        a.space.heap_top = heap_top;
        let err = |addr: u64, what: &str| VmError::new(format!("allocation at {addr:#x} {what}"));
        // Blocks of the space: slab frames and large blocks.
        let mut space: Vec<(u64, u64)> = Vec::new();
        for b in blocks {
            let (addr, asize, ty) = b?;
            if addr % ALIGN != 0 || addr < heap_start || addr >= heap_max {
                return Err(err(addr, "is not a heap block"));
            }
            let Some(c) = small_class(asize) else {
                if a.large.insert(addr, (asize, ty)).is_some() {
                    return Err(err(addr, "is listed twice"));
                }
                space.push((addr, block_size(asize)));
                continue;
            };
            let misplaced = || err(addr, "is not where this pivm puts a block of its size");
            let run = slab_bytes(c);
            let start = heap_start + (addr - heap_start) / run * run;
            let size = CLASS_SIZE[c] as usize;
            let slack = (size as u64 - asize) as u8;
            let f = a.frame_of(start);
            let s = match a.frames.get(f) {
                Some(&e) if e != 0 => {
                    if e & ((1 << CLASS_BITS) - 1) != c as u32 {
                        return Err(misplaced());
                    }
                    (e >> CLASS_BITS) as usize - 1
                }
                _ => {
                    // The slab's other frames must be free too (another
                    // class's slab may have claimed them).
                    let n = run as usize / FRAME as usize;
                    if a.frames.iter().skip(f).take(n).any(|&e| e != 0) {
                        return Err(misplaced());
                    }
                    let s = a
                        .make_slab(start, c, ty, slack)
                        .ok_or_else(|| err(addr, "needs more slabs than this pivm has"))?;
                    space.push((start, run));
                    s
                }
            };
            let off = (addr - start) as usize;
            if !off.is_multiple_of(size) || off / size >= nslots(c) {
                return Err(misplaced());
            }
            let slot = off / size;
            if a.slabs[s].live(slot) {
                return Err(err(addr, "is listed twice"));
            }
            a.set_meta(s, slot, ty, slack);
            let slab = &mut a.slabs[s];
            slab.bits[slot >> 6] |= 1 << (slot & 63);
            slab.used += 1;
            a.view.count += 1;
        }
        a.view.count += a.large.len() as u64;
        // Already sorted when the table is (pdqsort sees that in one pass).
        space.sort_unstable();
        let mut prev = heap_start;
        for (addr, len) in space {
            if addr < prev {
                return Err(err(addr, "overlaps another"));
            }
            if addr > prev {
                a.space.insert_gap(prev, addr - prev);
            }
            prev = addr
                .checked_add(len)
                .filter(|&e| e <= heap_top)
                .ok_or_else(|| err(addr, "runs past the heap top"))?;
        }
        a.space.end = prev;
        for slab in &a.slabs {
            if slab.used < u32::from(slab.list_at) {
                let f = a.frame_of(slab.start);
                a.nonfull[slab.class as usize].insert(f);
            }
        }
        for c in 0..NSMALL {
            a.update_cur(c);
        }
        Ok(())
    }

    /// Zeroes the extents this allocator frees in VM memory through `d`
    /// (see `DISCARD_MIN`). Call it for every allocator of a runtime, with
    /// that runtime's memory: a copy of an allocator zeroes the memory of
    /// the one it was copied from until it is attached to its own.
    pub fn attach(&mut self, d: Discarder) {
        self.discard = Some(d);
    }

    /// Gives `[addr, addr + len)` back to the space between blocks.
    fn release(&mut self, addr: u64, len: u64) {
        let freed = self.space.release(addr, len);
        self.zero(Some(freed));
    }

    /// Zeroes the frames a release freed, if its extent is large enough
    /// and the run's budget allows, and raises the threshold past the
    /// block.
    #[inline]
    fn zero(&mut self, freed: Option<Freed>) {
        let Some(f) = freed else {
            return;
        };
        let budget = 2 * (self.space.heap_top - self.space.heap_start);
        if let Some((s, e)) = discarded(f, self.discard_min)
            .filter(|&(s, e)| self.discarded.saturating_add(e - s) <= budget)
        {
            if let Some(d) = &self.discard {
                d.zero(s, e);
            }
            self.discarded += e - s;
            self.discard_min = self
                .discard_min
                .max(f.block.1.saturating_mul(2))
                .min(DISCARD_MAX);
        }
    }

    /// The least free extent a release zeroes frames in, for snapshots.
    pub fn discard_min(&self) -> u64 {
        self.discard_min
    }

    /// Restores `discard_min` from a snapshot (clamped to its range).
    pub fn set_discard_min(&mut self, v: u64) {
        self.discard_min = v.clamp(DISCARD_MIN, DISCARD_MAX);
    }

    /// The bytes zeroed so far, for snapshots.
    pub fn discarded(&self) -> u64 {
        self.discarded
    }

    /// Restores `discarded` from a snapshot.
    pub fn set_discarded(&mut self, v: u64) {
        self.discarded = v;
    }

    pub fn heap_start(&self) -> u64 {
        self.space.heap_start
    }

    pub fn heap_top(&self) -> u64 {
        self.space.heap_top
    }

    /// The type a general id (not `TY_NONE` or `TY_BYTES`) names.
    pub fn type_of_id(&self, id: TyId) -> Option<&MemType> {
        self.types.get(id as usize).filter(|_| id > TY_BYTES)
    }

    /// The type an id names.
    fn ty_of_id(&self, id: TyId, size: u64) -> Option<MemType> {
        match id {
            TY_NONE => None,
            TY_BYTES => Some(MemType::Array(Box::new(MemType::Scalar(Type::I8)), size)),
            _ => self.types.get(id as usize).cloned(),
        }
    }

    /// The id of `ty` (interned if new).
    pub fn type_id(&mut self, ty: Option<&MemType>) -> TyId {
        let Some(t) = ty else {
            return TY_NONE;
        };
        if let Some(&id) = self.type_ids.get(t) {
            return id;
        }
        let id = self.types.len() as TyId;
        self.types.push(t.clone());
        self.type_ids.insert(t.clone(), id);
        id
    }

    /// The id of `ty` for a block of `size` bytes: `TY_BYTES` for
    /// `[size x i8]`.
    pub fn type_id_for(&mut self, ty: Option<&MemType>, size: u64) -> TyId {
        if let Some(MemType::Array(e, n)) = ty {
            if *n == size && **e == MemType::Scalar(Type::I8) {
                return TY_BYTES;
            }
        }
        self.type_id(ty)
    }

    /// The requested size of live slot `slot` of slab `s`.
    fn slot_size(&self, s: usize, slot: usize) -> u64 {
        let slab = &self.slabs[s];
        let slack = if slab.mixed & MIXED_SLACK == 0 {
            slab.slack
        } else {
            self.slack[s * MAX_SLOTS + slot]
        };
        u64::from(CLASS_SIZE[slab.class as usize]) - u64::from(slack)
    }

    /// The type id of live slot `slot` of slab `s`.
    fn slot_ty(&self, s: usize, slot: usize) -> TyId {
        let slab = &self.slabs[s];
        if slab.mixed & MIXED_TY == 0 {
            slab.ty
        } else {
            self.tys[s][slot]
        }
    }

    /// Records the type and slack of slot `slot` of slab `s` (live or
    /// about to be), moving the slab's to the side tables if they differ
    /// from its other live slots'.
    #[inline]
    fn set_meta(&mut self, s: usize, slot: usize, ty: TyId, slack: u8) {
        let slab = &self.slabs[s];
        if slab.ty == ty && slab.mixed & MIXED_TY == 0 {
            // One type: the common case, with one size or several.
            if slab.mixed == 0 && slab.slack == slack {
                return;
            }
            if slab.mixed == MIXED_SLACK {
                self.slack[s * MAX_SLOTS + slot] = slack;
                return;
            }
        }
        self.set_meta_mixed(s, slot, ty, slack);
    }

    #[cold]
    #[inline(never)]
    fn set_meta_mixed(&mut self, s: usize, slot: usize, ty: TyId, slack: u8) {
        let slab = &mut self.slabs[s];
        if slab.mixed & MIXED_TY != 0 {
            self.tys[s][slot] = ty;
        } else if ty != slab.ty {
            slab.mixed |= MIXED_TY;
            let t = &mut self.tys[s];
            t.clear();
            t.resize(nslots(slab.class as usize), slab.ty);
            t[slot] = ty;
        }
        let base = s * MAX_SLOTS;
        if slab.mixed & MIXED_SLACK != 0 {
            self.slack[base + slot] = slack;
        } else if slack != slab.slack {
            slab.mixed |= MIXED_SLACK;
            self.slack[base..base + MAX_SLOTS].fill(slab.slack);
            self.slack[base + slot] = slack;
        }
    }

    /// The live allocations in address order.
    #[cfg(test)]
    pub fn table(&self) -> impl Iterator<Item = Allocation> + '_ {
        let mut v: Vec<Allocation> = Vec::with_capacity(self.view.count as usize);
        self.for_each_block(|addr, size, ty| {
            v.push(Allocation {
                addr,
                size,
                ty: self.ty_of_id(ty, size),
            })
        });
        v.into_iter()
    }

    /// Calls `f(addr, requested size, type id)` for every live block in
    /// address order, without sorting them: the frame table is in address
    /// order, and only the large blocks (few next to small ones) are
    /// sorted.
    pub fn for_each_block(&self, mut f: impl FnMut(u64, u64, TyId)) {
        let mut large: Vec<(u64, u64, TyId)> =
            self.large.iter().map(|(&a, &(s, t))| (a, s, t)).collect();
        large.sort_unstable_by_key(|b| b.0);
        let mut large = large.into_iter().peekable();
        // A slab of several frames has an entry in each: the first counts.
        let mut prev = 0;
        for &e in &self.frames {
            if e == 0 || e == prev {
                prev = e;
                continue;
            }
            prev = e;
            let s = (e >> CLASS_BITS) as usize - 1;
            let slab = &self.slabs[s];
            while let Some(&(addr, size, ty)) = large.peek().filter(|b| b.0 < slab.start) {
                f(addr, size, ty);
                large.next();
            }
            let c = slab.class as usize;
            let step = u64::from(CLASS_SIZE[c]);
            for (w, &word) in slab.bits.iter().enumerate() {
                // Bits past the last slot are set too: mask them off.
                let first = w * 64;
                if first >= nslots(c) {
                    break;
                }
                let n = (nslots(c) - first).min(64);
                let mut bits = if n == 64 {
                    word
                } else {
                    word & ((1u64 << n) - 1)
                };
                while bits != 0 {
                    let slot = first + bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    f(
                        slab.start + slot as u64 * step,
                        self.slot_size(s, slot),
                        self.slot_ty(s, slot),
                    );
                }
            }
        }
        for (addr, size, ty) in large {
            f(addr, size, ty);
        }
    }

    pub fn len(&self) -> usize {
        self.view.count as usize
    }

    pub fn is_empty(&self) -> bool {
        self.view.count == 0
    }

    /// The view compiled code works on (`HeapView`), up to date: valid
    /// until the allocator is next changed from Rust or dropped.
    pub fn view(&mut self) -> *mut HeapView {
        let v = &mut *self.view;
        v.slabs = self.slabs.as_mut_ptr();
        v.frames = self.frames.as_ptr();
        v.nframes = self.frames.len() as u64;
        v.slack = self.slack.as_mut_ptr();
        &raw mut *v
    }

    /// Where the live block at `addr` is.
    #[inline(always)]
    fn find(&self, addr: u64) -> Option<Loc> {
        let rel = addr.wrapping_sub(self.space.heap_start);
        if let Some(&e) = self.frames.get((rel >> FRAME_SHIFT) as usize) {
            if e != 0 {
                let c = (e & ((1 << CLASS_BITS) - 1)) as usize;
                let s = (e >> CLASS_BITS) as usize - 1;
                if c >= NSMALL1 {
                    return self.find_in_run(addr, c, s);
                }
                let off = rel & (FRAME - 1);
                let slot = SLOT_AT[c][(off / ALIGN) as usize];
                let ok = off.is_multiple_of(ALIGN)
                    && slot != NOT_A_SLOT
                    && self.slabs[s].live(slot as usize);
                return ok.then_some(Loc::Small(s, slot as usize));
            }
        }
        self.large.contains_key(&addr).then_some(Loc::Large)
    }

    /// `find` in slab `s` of class `c`, of several frames.
    #[inline(never)]
    fn find_in_run(&self, addr: u64, c: usize, s: usize) -> Option<Loc> {
        let slab = &self.slabs[s];
        let off = addr - slab.start;
        let size = u64::from(CLASS_SIZE[c]);
        let slot = (off / size) as usize;
        let ok = off.is_multiple_of(size) && slot < nslots(c) && slab.live(slot);
        ok.then_some(Loc::Small(s, slot))
    }

    /// The requested size of the live block at `addr`.
    pub fn size_of(&self, addr: u64) -> Option<u64> {
        match self.find(addr)? {
            Loc::Small(s, slot) => Some(self.slot_size(s, slot)),
            Loc::Large => Some(self.large[&addr].0),
        }
    }

    /// The type id of the live block at `addr`.
    pub fn type_id_of(&self, addr: u64) -> Option<TyId> {
        match self.find(addr)? {
            Loc::Small(s, slot) => Some(self.slot_ty(s, slot)),
            Loc::Large => Some(self.large[&addr].1),
        }
    }

    /// The type of the live block at `addr`, if it is one and has a type.
    pub fn ty_of(&self, addr: u64) -> Option<MemType> {
        let size = self.size_of(addr)?;
        self.ty_of_id(self.type_id_of(addr)?, size)
    }

    /// Sets up slab `start` of class `c` (empty; its blocks will have type
    /// `ty` and slack `slack` until they differ) and returns its index;
    /// `None` if there are `MAX_SLABS` already.
    fn make_slab(&mut self, start: u64, c: usize, ty: TyId, slack: u8) -> Option<usize> {
        let slab = Slab {
            bits: fresh_bits(c),
            start,
            ty,
            used: 0,
            class: c as u8,
            slack,
            mixed: 0,
            nslots: NSLOTS[c],
            list_at: LIST_AT[c],
        };
        let s = match self.spare.pop() {
            Some(s) => {
                self.slabs[s as usize] = slab;
                s as usize
            }
            None if self.slabs.len() < MAX_SLABS => {
                self.slabs.push(slab);
                self.tys.push(Vec::new());
                self.slack.resize(self.slabs.len() * MAX_SLOTS, 0);
                self.slabs.len() - 1
            }
            None => return None,
        };
        let f = self.frame_of(start);
        let n = usize::from(SLAB_FRAMES[c]);
        if self.frames.len() < f + n {
            self.frames.resize(f + n, 0);
        }
        self.frames[f..f + n].fill(((s as u32 + 1) << CLASS_BITS) | c as u32);
        self.nonfull[c].cover(f);
        Some(s)
    }

    /// The frame index of the frame at `start`.
    fn frame_of(&self, start: u64) -> usize {
        ((start - self.space.heap_start) >> FRAME_SHIFT) as usize
    }

    /// Makes class `c`'s lowest-addressed listed slab current (none if
    /// none is listed).
    #[inline]
    fn update_cur(&mut self, c: usize) {
        self.view.cur[c] = match self.nonfull[c].first_from(0) {
            Some(f) => (self.frames[f] >> CLASS_BITS) - 1,
            None => NO_SLAB,
        };
    }

    /// The starts of the current slabs a rebuild from the table would not
    /// pick (it picks a class's lowest-addressed slab with `room(c)` free
    /// slots), in class order: what a snapshot keeps of the allocator's
    /// state beside its table (`set_current`).
    pub fn current_slabs(&self) -> Vec<u64> {
        (0..NSMALL)
            .filter_map(|c| {
                let s = self.view.cur[c];
                if s == NO_SLAB {
                    return None;
                }
                let slab = &self.slabs[s as usize];
                let roomy = slab.used < u32::from(slab.list_at);
                let lowest = self.nonfull[c].first_from(0) == Some(self.frame_of(slab.start));
                (!(roomy && lowest)).then_some(slab.start)
            })
            .collect()
    }

    /// Makes the slabs starting at `starts` (`current_slabs` of the
    /// allocator this one was rebuilt from) their classes' current slabs.
    /// Refuses a start that is not a slab with a free slot, and two of one
    /// class.
    pub fn set_current(&mut self, starts: &[u64]) -> Result<(), VmError> {
        let mut seen = [false; NSMALL];
        for &start in starts {
            let bad = |why: &str| {
                VmError::new(format!(
                    "bad snapshot: current slab {start:#x} {why} (alloc.current)"
                ))
            };
            let f = start
                .checked_sub(self.space.heap_start)
                .filter(|rel| rel % FRAME == 0)
                .map(|rel| (rel >> FRAME_SHIFT) as usize)
                .ok_or_else(|| bad("is not a frame of the heap"))?;
            let e = self.frames.get(f).copied().unwrap_or(0);
            if e == 0 {
                return Err(bad("is not a slab"));
            }
            let (s, c) = (
                (e >> CLASS_BITS) as usize - 1,
                (e & ((1 << CLASS_BITS) - 1)) as usize,
            );
            let slab = &self.slabs[s];
            if slab.start != start {
                return Err(bad("is not a slab's start"));
            }
            if slab.used as usize >= nslots(c) {
                return Err(bad("is full"));
            }
            if std::mem::replace(&mut seen[c], true) {
                return Err(bad("is a second current slab of its class"));
            }
            self.nonfull[c].insert(f);
            self.view.cur[c] = s as u32;
        }
        Ok(())
    }

    /// Allocates `size` bytes of type `ty`; `None` when the heap is
    /// exhausted. The caller grows the memory to `heap_top()`.
    #[inline(always)]
    pub fn malloc(&mut self, size: u64, ty: TyId) -> Option<u64> {
        match small_class(size) {
            Some(c) => self.malloc_small(c, size, ty),
            None => self.malloc_large(size, ty),
        }
    }

    #[inline(always)]
    fn malloc_small(&mut self, c: usize, size: u64, ty: TyId) -> Option<u64> {
        let csize = CLASS_SIZE[c];
        let slack = (u64::from(csize) - size) as u8;
        let s = self.view.cur[c];
        if s == NO_SLAB {
            return self.malloc_new_slab(c, ty, slack);
        }
        let s = s as usize;
        let slot = self.slabs[s].lowest_free();
        self.set_meta(s, slot, ty, slack);
        let slab = &mut self.slabs[s];
        slab.bits[slot >> 6] |= 1 << (slot & 63);
        slab.used += 1;
        let addr = slab.start + slot as u64 * u64::from(csize);
        if slab.used as usize == nslots(c) {
            self.filled(c, s);
        }
        self.view.count += 1;
        Some(addr)
    }

    /// A small malloc of class `c` when no slab of the class has room: the
    /// first slot of a new slab.
    #[cold]
    #[inline(never)]
    fn malloc_new_slab(&mut self, c: usize, ty: TyId, slack: u8) -> Option<u64> {
        let Some(start) = self.space.alloc_run(slab_bytes(c)) else {
            return self.malloc_set_aside(c, ty, slack);
        };
        let Some(s) = self.make_slab(start, c, ty, slack) else {
            self.release(start, slab_bytes(c));
            return None;
        };
        let slab = &mut self.slabs[s];
        slab.bits[0] |= 1;
        slab.used = 1;
        self.view.count += 1;
        let f = self.frame_of(start);
        self.nonfull[c].insert(f);
        self.view.cur[c] = s as u32;
        Some(start)
    }

    /// A small malloc of class `c` when no slab of the class is listed and
    /// the heap has no place for a new one: the lowest-addressed slab of
    /// the class with a free slot becomes current (a scan of the slabs: the
    /// heap is full).
    #[cold]
    #[inline(never)]
    fn malloc_set_aside(&mut self, c: usize, ty: TyId, slack: u8) -> Option<u64> {
        let s = (0..self.slabs.len())
            .filter(|&s| {
                let slab = &self.slabs[s];
                usize::from(slab.class) == c && slab.used > 0 && (slab.used as usize) < nslots(c)
            })
            .min_by_key(|&s| self.slabs[s].start)?;
        self.list(c, s);
        self.malloc_small(c, CLASS_SIZE[c] as u64 - u64::from(slack), ty)
    }

    /// Slab `s` of class `c` has just become full.
    #[cold]
    #[inline(never)]
    fn filled(&mut self, c: usize, s: usize) {
        self.next_current(c, s);
    }

    /// `filled`'s work, also compiled code's (`filled_by_code`).
    #[inline(always)]
    fn next_current(&mut self, c: usize, s: usize) {
        let f = self.frame_of(self.slabs[s].start);
        self.nonfull[c].remove(f);
        self.update_cur(c);
    }

    fn malloc_large(&mut self, size: u64, ty: TyId) -> Option<u64> {
        if size > self.space.heap_max {
            return None;
        }
        let addr = self.space.alloc(block_size(size))?;
        self.large.insert(addr, (size, ty));
        self.view.count += 1;
        Some(addr)
    }

    /// `aligned_alloc`: `size` bytes of type `ty` at a multiple of `align`
    /// (a power of two). Up to 16, a malloc. Up to a frame, when the heap
    /// starts at a multiple of `align` (a program's heap starts on a
    /// page), a small block of the first class whose slot size is a
    /// multiple of `align` (slabs start on frames, so its slots are
    /// aligned), recorded with the least size of that class if `size` is
    /// less. Else a large block of at least `SMALL_MAX + 1` bytes. So its
    /// recorded size may be larger than asked; it is freed and resized like
    /// any other.
    pub fn malloc_aligned(&mut self, size: u64, align: u64, ty: TyId) -> Option<u64> {
        if align <= ALIGN {
            return self.malloc(size, ty);
        }
        if align <= FRAME && size <= SMALL_MAX && self.space.heap_start.is_multiple_of(align) {
            let first = small_class(size).unwrap_or(0);
            let fits = |&c: &usize| u64::from(CLASS_SIZE[c]).is_multiple_of(align);
            if let Some(c) = (first..NSMALL).find(fits) {
                let least = match c {
                    0 => 0,
                    _ => u64::from(CLASS_SIZE[c - 1]) + 1,
                };
                return self.malloc_small(c, size.max(least), ty);
            }
        }
        let size = size.max(SMALL_MAX + 1);
        if size > self.space.heap_max {
            return None;
        }
        let addr = self.space.alloc_aligned(block_size(size), align)?;
        self.large.insert(addr, (size, ty));
        self.view.count += 1;
        Some(addr)
    }

    /// Frees the block at `addr`; `false` if no live block starts there.
    #[inline(always)]
    pub fn free(&mut self, addr: u64) -> bool {
        match self.find(addr) {
            Some(Loc::Small(s, slot)) => {
                self.view.count -= 1;
                let slab = &mut self.slabs[s];
                let lists = slab.used == u32::from(slab.list_at);
                slab.bits[slot >> 6] &= !(1 << (slot & 63));
                slab.used -= 1;
                if slab.used == 0 || lists {
                    self.unfilled_or_emptied(s);
                }
                true
            }
            Some(Loc::Large) => self.free_large(addr),
            None => false,
        }
    }

    #[inline(never)]
    fn free_large(&mut self, addr: u64) -> bool {
        let (size, _) = self.large.remove(&addr).unwrap_or_default();
        self.release(addr, block_size(size));
        self.view.count -= 1;
        true
    }

    /// Compiled code freed a block of slab `s`, which keeps a live block,
    /// leaving it `room(c)` free slots (`abi::VmCtx::unfilled`):
    /// `unfilled_or_emptied`'s second case, without the first's cold code
    /// around it.
    pub fn unfilled(&mut self, s: usize) {
        let Some(slab) = self.slabs.get(s) else {
            return;
        };
        let c = usize::from(slab.class);
        if slab.used == 0 || slab.used + 1 != u32::from(slab.list_at) {
            return;
        }
        self.list(c, s);
    }

    /// Puts slab `s` of class `c` among the class's slabs with room; it
    /// becomes current if the class has none.
    fn list(&mut self, c: usize, s: usize) {
        let f = self.frame_of(self.slabs[s].start);
        self.nonfull[c].insert(f);
        if self.view.cur[c] == NO_SLAB {
            self.view.cur[c] = s as u32;
        }
    }

    /// Compiled code's inline malloc took the last free slot of slab `s`,
    /// its class's current slab (`abi::VmCtx::filled`): the class's next
    /// slab with room becomes current, as in `malloc_small`.
    pub fn filled_by_code(&mut self, s: usize) {
        let Some(slab) = self.slabs.get(s) else {
            return;
        };
        let c = usize::from(slab.class);
        if slab.used as usize == nslots(c) && self.view.cur[c] == s as u32 {
            self.next_current(c, s);
        }
    }

    /// A block of slab `s` was freed, which left it `room(c)` free slots
    /// (it is listed) or empty.
    #[cold]
    #[inline(never)]
    fn unfilled_or_emptied(&mut self, s: usize) {
        let slab = &self.slabs[s];
        let (c, start) = (slab.class as usize, slab.start);
        let f = self.frame_of(start);
        if slab.used == 0 {
            // Give the frames back.
            self.frames[f..f + usize::from(SLAB_FRAMES[c])].fill(0);
            self.spare.push(s as u32);
            self.nonfull[c].remove(f);
            if self.view.cur[c] == s as u32 {
                self.update_cur(c);
            }
            self.release(start, slab_bytes(c));
        } else {
            self.list(c, s);
        }
    }

    /// Resizes the block at `addr` in place if it can keep its place;
    /// returns whether it did. `None` if `addr` is not a live block.
    pub fn resize_in_place(&mut self, addr: u64, size: u64) -> Option<bool> {
        self.resize(addr, size).map(|r| r.in_place)
    }

    /// `resize_in_place` that also gives the block's size and type
    /// before (realloc's one lookup of the block).
    pub fn resize(&mut self, addr: u64, size: u64) -> Option<Resized> {
        match self.find(addr)? {
            Loc::Small(s, slot) => {
                let (old, ty) = (self.slot_size(s, slot), self.slot_ty(s, slot));
                let c = self.slabs[s].class as usize;
                let in_place = small_class(size) == Some(c);
                if in_place {
                    self.set_meta(s, slot, ty, (u64::from(CLASS_SIZE[c]) - size) as u8);
                }
                Some(Resized { old, ty, in_place })
            }
            Loc::Large => {
                let e = self.large.get_mut(&addr)?;
                let (old, ty) = *e;
                let (in_place, freed) = match small_class(size) {
                    None => self.space.resize(addr, block_size(old), block_size(size)),
                    Some(_) => (false, None),
                };
                if in_place {
                    e.0 = size;
                }
                self.zero(freed);
                Some(Resized { old, ty, in_place })
            }
        }
    }

    /// The derived state in a canonical form, for tests.
    #[cfg(test)]
    fn derived(&self) -> (Derived, Vec<(u64, u64)>, Vec<u32>) {
        let mut slabs: Vec<(u64, u64)> = self
            .slabs
            .iter()
            .filter(|s| s.used > 0)
            .map(|s| (s.start, u64::from(s.class)))
            .collect();
        slabs.sort_unstable();
        // Each class's current slab; its listed slabs are that one and
        // those with `room(c)` free slots.
        let cur = (0..NSMALL)
            .map(|c| {
                let cur = match self.view.cur[c] {
                    NO_SLAB => None,
                    s => Some(self.frame_of(self.slabs[s as usize].start)),
                };
                let mut listed = Vec::new();
                let mut f = 0;
                while let Some(g) = self.nonfull[c].first_from(f) {
                    listed.push(g);
                    f = g + 1;
                }
                let mut expect: Vec<usize> = self
                    .slabs
                    .iter()
                    .filter(|s| s.used > 0 && usize::from(s.class) == c)
                    .filter(|s| s.used < u32::from(s.list_at))
                    .map(|s| self.frame_of(s.start))
                    .chain(cur)
                    .collect();
                expect.sort_unstable();
                expect.dedup();
                assert_eq!(listed, expect, "class {c}'s listed slabs");
                assert_eq!(cur.is_none(), listed.is_empty());
                cur.map_or(u32::MAX, |f| f as u32)
            })
            .collect();
        (self.space.derived(), slabs, cur)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A xorshift64 generator from `seed`.
    fn xorshift(mut seed: u64) -> impl FnMut() -> u64 {
        move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        }
    }

    fn rebuild(a: &Allocator) -> Allocator {
        let mut b = Allocator::from_table(
            a.space.heap_start,
            a.space.heap_max,
            &a.types[2..],
            a.heap_top(),
            a.table(),
        )
        .unwrap();
        b.set_current(&a.current_slabs()).unwrap();
        b
    }

    /// `rebuild` through `from_packed`, as a resume does: each distinct
    /// type numbered once, `[n x i8]` blocks by their own type.
    fn rebuild_packed(a: &Allocator) -> Allocator {
        let mut types: Vec<MemType> = Vec::new();
        let mut numbers: HashMap<(TyId, u64), u32> = HashMap::new();
        let mut entries = Vec::new();
        a.for_each_block(|addr, size, id| {
            let k = match id {
                TY_NONE => 0,
                _ => {
                    let key = (id, if id == TY_BYTES { size } else { 0 });
                    *numbers.entry(key).or_insert_with(|| {
                        types.push(a.ty_of_id(id, size).unwrap());
                        types.len() as u32
                    })
                }
            };
            entries.push((addr, size, k));
        });
        let mut b = Allocator::from_packed(
            a.space.heap_start,
            a.space.heap_max,
            &a.types[2..],
            a.heap_top(),
            &types,
            entries,
        )
        .unwrap();
        b.set_current(&a.current_slabs()).unwrap();
        b
    }

    fn check_derived(a: &Allocator) {
        let table: Vec<Allocation> = a.table().collect();
        assert!(
            table.windows(2).all(|w| w[0].addr + w[0].size <= w[1].addr),
            "the table is not in address order"
        );
        assert_eq!(table.len(), a.len());
        for b in [rebuild(a), rebuild_packed(a)] {
            assert_eq!(b.derived(), a.derived());
            assert_eq!(b.table().collect::<Vec<_>>(), table);
            assert_eq!(b.len(), a.len());
        }
    }

    #[test]
    fn aligned_blocks_are_aligned_and_rebuild() {
        // A heap on 16 bytes only (aligned blocks are large), and one on a
        // page, as a program's (small ones come from slabs).
        for start in [0x1_0010, 0x1_0000] {
            let mut a = Allocator::new(start, 1 << 30, &[]);
            let mut live = Vec::new();
            let mut next = xorshift(7);
            for i in 0..300u64 {
                let align = 1u64 << (next() % 14);
                let size = next() % 5000;
                let p = if i % 3 == 0 {
                    a.malloc(size, TY_NONE).unwrap()
                } else {
                    a.malloc_aligned(size, align, TY_NONE).unwrap()
                };
                if i % 3 != 0 {
                    assert_eq!(p % align, 0, "aligned_alloc({align}, {size})");
                    assert!(a.size_of(p).unwrap() >= size);
                }
                live.push(p);
                if next().is_multiple_of(3) {
                    let k = (next() as usize) % live.len();
                    assert!(a.free(live.swap_remove(k)));
                }
            }
            check_derived(&a);
            // A rebuilt allocator places the next aligned blocks where this
            // one does.
            let mut b = rebuild(&a);
            for align in [32, 256, 4096, 64, 8192] {
                let p = a.malloc_aligned(100, align, TY_NONE);
                assert_eq!(p, b.malloc_aligned(100, align, TY_NONE));
                let small = a.size_of(p.unwrap()).unwrap() <= SMALL_MAX;
                assert_eq!(small, start == 0x1_0000 && align <= FRAME, "{align}");
            }
        }
        // The first class whose slots are multiples of the alignment, with
        // its least size recorded.
        let mut a = Allocator::new(0x1_0000, 1 << 30, &[]);
        let p = a.malloc_aligned(40, 64, TY_NONE).unwrap();
        assert_eq!((p % 64, a.size_of(p)), (0, Some(49)));
        let q = a.malloc_aligned(1, 1024, TY_NONE).unwrap();
        assert_eq!((q % 1024, a.size_of(q)), (0, Some(897)));
        assert!(a.free(p) && a.free(q));
    }

    #[test]
    fn classes() {
        for size in 0..=SMALL_MAX {
            let c = small_class(size).unwrap();
            assert!(u64::from(CLASS_SIZE[c]) >= size.max(1));
            assert!(c == 0 || u64::from(CLASS_SIZE[c - 1]) < size);
            let cs = u64::from(CLASS_SIZE[c]);
            assert_eq!(u64::from(NSLOTS[c]), slab_bytes(c) / cs);
            if c >= NSMALL1 {
                continue;
            }
            for off in (0..FRAME).step_by(ALIGN as usize) {
                let slot = SLOT_AT[c][(off / ALIGN) as usize];
                if off % cs == 0 && off / cs < FRAME / cs {
                    assert_eq!(u64::from(slot), off / cs);
                } else {
                    assert_eq!(slot, NOT_A_SLOT);
                }
            }
        }
        for c in 0..NSMALL {
            let n = SLAB_FRAMES[c];
            assert!(n.is_power_of_two() && n <= 8 && (n == 1) == (c < NSMALL1));
            assert!(nslots(c) <= MAX_SLOTS && (c < NSMALL1 || nslots(c) >= 4));
            // A slack fits a u8.
            assert!(c == 0 || CLASS_SIZE[c] - CLASS_SIZE[c - 1] <= 256);
        }
        // Several frames where one would waste a quarter or more.
        assert_eq!(SLAB_FRAMES[small_class(1300).unwrap()], 8);
        assert_eq!(SLAB_FRAMES[small_class(2048).unwrap()], 2);
        assert_eq!(SLAB_FRAMES[small_class(4096).unwrap()], 4);
        assert_eq!(small_class(SMALL_MAX + 1), None);
        assert_eq!(fresh_bits(0), [0; 4]);
        assert_eq!(fresh_bits(2), [0, !0 << 21, !0, !0]);
    }

    #[test]
    fn frame_sets_find_the_lowest_member_from_a_point() {
        let mut rng = xorshift(0x9e37_79b9_7f4a_7c15);
        let mut set = FrameSet::default();
        let mut model = BTreeSet::new();
        for _ in 0..20_000 {
            let f = (rng() % 300_000) as usize;
            if rng().is_multiple_of(3) {
                set.remove(f);
                model.remove(&f);
            } else {
                set.cover(f);
                set.insert(f);
                model.insert(f);
            }
            let from = (rng() % 310_000) as usize;
            assert_eq!(set.first_from(from), model.range(from..).next().copied());
        }
        for &f in &model.clone() {
            assert_eq!(set.first_from(f), Some(f));
            set.remove(f);
        }
        assert_eq!(set.first_from(0), None);
    }

    #[test]
    fn slabs_and_reuse() {
        let i32t = MemType::Scalar(pivm_ir::Type::I32);
        let mut a = Allocator::new(0x10000, 0x1000000, std::slice::from_ref(&i32t));
        let p = a.malloc(10, TY_NONE).unwrap();
        let q = a.malloc(100, base_ty_id(1)).unwrap();
        let r = a.malloc(0, TY_NONE).unwrap();
        // Classes 16 and 112 get their own frames; malloc(0) shares p's.
        assert_eq!((p, q, r), (0x10000, 0x11000, 0x10010));
        assert_eq!(a.heap_top(), 0x12000);
        assert_eq!(a.ty_of(q), Some(i32t.clone()));
        assert_eq!(a.size_of(q), Some(100));
        assert_eq!(a.size_of(r), Some(0));
        check_derived(&a);
        assert!(a.free(q));
        assert!(!a.free(q));
        assert!(!a.free(12345));
        assert!(!a.free(p + 8));
        check_derived(&a);
        // q's frame was given back: a large block takes it.
        let big = a.malloc(5000, TY_NONE).unwrap();
        assert_eq!(big, 0x11000);
        // The next frame is the first aligned one past it.
        let s = a.malloc(200, TY_NONE).unwrap();
        assert_eq!(s, 0x13000);
        // A slab of two frames starts at a multiple of two frames.
        let two = a.malloc(2000, TY_NONE).unwrap();
        assert_eq!((two, a.malloc(2048, TY_NONE)), (0x14000, Some(0x14800)));
        assert_eq!(a.size_of(two), Some(2000));
        assert!(!a.free(two + 16) && !a.free(two + 0x1000));
        check_derived(&a);
        assert!(a.free(p));
        assert_eq!(a.malloc(16, TY_NONE), Some(p));
        assert!(a.free(big));
        check_derived(&a);
        assert_eq!(a.malloc(6000, TY_NONE), Some(0x11000));
        assert_eq!(a.len(), 6);
        check_derived(&a);
    }

    #[test]
    fn types_are_compact_and_round_trip() {
        let mut a = Allocator::new(0x10000, 0x1000000, &[]);
        let node = MemType::Scalar(pivm_ir::Type::I64);
        let n = a.type_id(Some(&node));
        let bytes = MemType::Array(Box::new(MemType::Scalar(Type::I8)), 7);
        let b = a.type_id_for(Some(&bytes), 7);
        assert_eq!(b, TY_BYTES);
        let x = a.malloc(16, n).unwrap();
        let y = a.malloc(7, b).unwrap();
        let z = a.malloc(8, TY_NONE).unwrap();
        assert!(a.slabs[0].mixed & MIXED_TY != 0 && a.tys[0].len() == 256);
        assert_eq!(a.ty_of(x), Some(node));
        assert_eq!(a.ty_of(y), Some(bytes));
        assert_eq!(a.ty_of(z), None);
        check_derived(&a);
        for p in [x, y, z] {
            a.free(p);
        }
        assert!(a.is_empty());
        let w = a.malloc(16, n).unwrap();
        assert_eq!(w, x);
        assert_eq!(a.slabs[0].mixed, 0);
    }

    /// What compiled code's inline malloc does (`jit/src/lower/heap.rs`)
    /// for a block of `size`, its class's slot size, in `a`: the lowest
    /// free slot of the class's current slab, then `filled_by_code` if
    /// that was the last; `None` where compiled code calls the runtime.
    fn code_malloc(a: &mut Allocator, size: u64) -> Option<u64> {
        let c = small_class(size)?;
        let s = a.view.cur[c];
        if s == NO_SLAB || a.slabs[s as usize].ty != TY_NONE || a.slabs[s as usize].mixed != 0 {
            return None;
        }
        let s = s as usize;
        let slab = &mut a.slabs[s];
        let slot = slab.lowest_free();
        slab.bits[slot >> 6] |= 1 << (slot & 63);
        slab.used += 1;
        a.view.count += 1;
        let addr = slab.start + slot as u64 * u64::from(CLASS_SIZE[c]);
        if slab.used == u32::from(slab.nslots) {
            a.filled_by_code(s);
        }
        Some(addr)
    }

    /// What compiled code's inline free does with the block at `p`: clears
    /// it in a one-frame slab that keeps a live block, then `unfilled` if
    /// that leaves `room(c)` free slots; `false` where compiled code calls
    /// the runtime.
    fn code_free(a: &mut Allocator, p: u64) -> bool {
        let Some(Loc::Small(s, slot)) = a.find(p) else {
            return false;
        };
        let slab = &mut a.slabs[s];
        if usize::from(slab.class) >= NSMALL1 || slab.used <= 1 {
            return false;
        }
        let lists = slab.used == u32::from(slab.list_at);
        slab.bits[slot >> 6] &= !(1 << (slot & 63));
        slab.used -= 1;
        a.view.count -= 1;
        if lists {
            a.unfilled(s);
        }
        true
    }

    #[test]
    fn compiled_codes_paths_match_the_allocators_own() {
        // Churn in a one-frame class of many slots, one of few, and one of
        // several frames: one allocator by its own malloc and free, the
        // other by compiled code's paths wherever they apply.
        let mut rng = xorshift(0x2545_f491_4f6c_dd1d);
        let mut own = Allocator::new(0x10000, 0x4000000, &[]);
        let mut code = own.clone();
        let mut live: Vec<u64> = Vec::new();
        let (mut inline_mallocs, mut fills, mut inline_frees) = (0, 0, 0);
        for i in 0..60_000 {
            let r = rng();
            if live.is_empty() || r % 100 < 52 {
                let size = [16, 1024, 2048][(r >> 8) as usize % 3];
                let p = own.malloc(size, TY_NONE).unwrap();
                let filling = small_class(size).is_some_and(|c| {
                    let s = code.view.cur[c];
                    s != NO_SLAB && {
                        let slab = &code.slabs[s as usize];
                        slab.used + 1 == u32::from(slab.nslots)
                    }
                });
                let q = match code_malloc(&mut code, size) {
                    Some(q) => {
                        inline_mallocs += 1;
                        fills += usize::from(filling);
                        q
                    }
                    None => code.malloc(size, TY_NONE).unwrap(),
                };
                assert_eq!(p, q, "malloc {i} of {size}");
                live.push(p);
            } else {
                let p = live.swap_remove((r >> 16) as usize % live.len());
                assert!(own.free(p));
                if code_free(&mut code, p) {
                    inline_frees += 1;
                } else {
                    assert!(code.free(p));
                }
            }
            if i % 5000 == 0 {
                assert_eq!(code.derived(), own.derived(), "after {i}");
            }
        }
        assert_eq!(code.derived(), own.derived());
        assert_eq!(
            code.table().collect::<Vec<_>>(),
            own.table().collect::<Vec<_>>()
        );
        check_derived(&code);
        assert!(inline_mallocs > 20_000 && fills > 1_000 && inline_frees > 10_000);
    }

    #[test]
    fn slab_order_and_exhaustion() {
        let mut a = Allocator::new(0x1000, 0x1000 + 4 * FRAME, &[]);
        let ps: Vec<u64> = (0..512).map(|_| a.malloc(16, TY_NONE).unwrap()).collect();
        assert_eq!(ps[511], 0x1000 + 2 * FRAME - 16);
        let big = a.malloc(2 * FRAME - 100, TY_NONE).unwrap();
        assert!(a.malloc(1, TY_NONE).is_none());
        assert!(a.malloc(100, TY_NONE).is_none());
        check_derived(&a);
        // The lowest free slot of the lowest non-full slab first.
        a.free(ps[300]);
        a.free(ps[5]);
        a.free(ps[7]);
        check_derived(&a);
        assert_eq!(a.malloc(1, TY_NONE), Some(ps[5]));
        assert_eq!(a.malloc(1, TY_NONE), Some(ps[7]));
        assert_eq!(a.malloc(1, TY_NONE), Some(ps[300]));
        // An emptied frame goes back to the space and can hold another class.
        for &p in &ps[..256] {
            a.free(p);
        }
        check_derived(&a);
        let m = a.malloc(1000, TY_NONE).unwrap();
        assert_eq!(m, 0x1000);
        a.free(big);
        check_derived(&a);
        // A slab of several frames needs an aligned run.
        assert_eq!(a.malloc(FRAME, TY_NONE), None);
        assert_eq!(a.malloc(FRAME + 16, TY_NONE), Some(0x1000 + 2 * FRAME));
        assert!(a.malloc(u64::MAX, TY_NONE).is_none());
    }

    #[test]
    fn a_full_slab_waits_for_an_eighth_of_its_slots() {
        let mut a = Allocator::new(0x1000, 0x100000, &[]);
        // Two full slabs of class 16 (256 slots each), a third current.
        let ps: Vec<u64> = (0..513).map(|_| a.malloc(16, TY_NONE).unwrap()).collect();
        let third = ps[512];
        // 31 frees in the lowest slab: set aside, the third stays current.
        for &p in &ps[..31] {
            a.free(p);
        }
        assert_eq!(a.malloc(16, TY_NONE), Some(third + 16));
        check_derived(&a);
        // The 32nd lists it; the current slab stays current until it fills.
        a.free(ps[31]);
        assert_eq!(a.malloc(16, TY_NONE), Some(third + 32));
        check_derived(&a);
        for k in 3..256 {
            assert_eq!(a.malloc(16, TY_NONE), Some(third + 16 * k));
        }
        // Then the lowest listed slab, from its lowest free slot.
        assert_eq!(a.malloc(16, TY_NONE), Some(ps[0]));
        assert_eq!(a.current_slabs(), vec![ps[0]]);
        check_derived(&a);
        // A heap with no room for a new slab takes a set-aside slab's slot.
        let mut b = Allocator::new(0x1000, 0x1000 + 2 * FRAME, &[]);
        let qs: Vec<u64> = (0..512).map(|_| b.malloc(16, TY_NONE).unwrap()).collect();
        b.free(qs[300]);
        b.free(qs[7]);
        assert_eq!(b.malloc(16, TY_NONE), Some(qs[7]));
        assert_eq!(b.malloc(16, TY_NONE), Some(qs[300]));
        assert_eq!(b.malloc(16, TY_NONE), None);
        check_derived(&b);
    }

    #[test]
    fn bad_current_slabs_are_refused() {
        let mut a = Allocator::new(0x1000, 0x100000, &[]);
        let ps: Vec<u64> = (0..300).map(|_| a.malloc(16, TY_NONE).unwrap()).collect();
        let big = a.malloc(100, TY_NONE).unwrap();
        for (starts, why) in [
            (vec![0x800], "is not a frame of the heap"),
            (vec![0x1008], "is not a frame of the heap"),
            (vec![0x50000], "is not a slab"),
            (vec![ps[0]], "is full"),
            (
                vec![ps[256], big & !(FRAME - 1), ps[256]],
                "second current slab",
            ),
        ] {
            let e = rebuild(&a).set_current(&starts).unwrap_err();
            assert!(e.message.contains(why), "{starts:x?}: {}", e.message);
        }
        let mut b = rebuild(&a);
        b.set_current(&[ps[256]]).unwrap();
        assert_eq!(b.derived(), a.derived());
    }

    #[test]
    fn resize() {
        let mut a = Allocator::new(0x1000, 0x100000, &[]);
        let p = a.malloc(16, TY_NONE).unwrap();
        assert_eq!(a.resize_in_place(p, 32), Some(false));
        assert_eq!(a.resize_in_place(p, 3), Some(true));
        assert_eq!(a.size_of(p), Some(3));
        let q = a.malloc(5000, TY_NONE).unwrap();
        let r = a.malloc(5000, TY_NONE).unwrap();
        assert_eq!(a.resize_in_place(q, 5100), Some(false));
        assert_eq!(a.resize_in_place(r, 10000), Some(true));
        assert_eq!(a.resize_in_place(r, 4500), Some(true));
        assert_eq!(a.resize_in_place(r, 100), Some(false));
        assert_eq!(a.resize_in_place(r, 4000), Some(false));
        check_derived(&a);
        a.free(r);
        assert_eq!(a.resize_in_place(q, 12000), Some(true));
        assert_eq!(a.resize_in_place(q, 4200), Some(true));
        check_derived(&a);
        let s = a.malloc(4500, TY_NONE).unwrap();
        assert_eq!(s, q + 4208);
        // In a slab of several frames: within the class only.
        let t = a.malloc(2000, TY_NONE).unwrap();
        assert_eq!(a.resize_in_place(t, 1900), Some(true));
        assert_eq!(a.size_of(t), Some(1900));
        assert_eq!(a.resize_in_place(t, 2100), Some(false));
        assert_eq!(a.resize_in_place(1, 16), None);
        check_derived(&a);
    }

    #[test]
    fn bad_tables_are_refused() {
        let t = |v: &[(u64, u64)]| {
            Allocator::from_table(
                0x1000,
                0x100000,
                &[],
                0x10000,
                v.iter().map(|&(addr, size)| Allocation {
                    addr,
                    size,
                    ty: None,
                }),
            )
            .map(|_| ())
        };
        assert!(t(&[(0x1000, 16), (0x1010, 16), (0x2000, 5000)]).is_ok());
        assert!(t(&[(0x1000, 16), (0x1010, 32)]).is_err());
        assert!(t(&[(0x1000, 16), (0x1000, 16)]).is_err());
        assert!(t(&[(0x1000, 48), (0x1ff0, 48)]).is_err());
        assert!(t(&[(0x1000, 16), (0x1800, 5000)]).is_err());
        assert!(t(&[(0x2000, 5000), (0x2400, 5000)]).is_err());
        assert!(t(&[(0x1008, 16)]).is_err());
        assert!(t(&[(0xf000, 16)]).is_ok());
        assert!(t(&[(0xf800, 5000)]).is_err());
        assert!(t(&[(0x800, 16)]).is_err());
        // Slabs of two frames (class 2048), at multiples of two frames.
        assert!(t(&[(0x3000, 2000), (0x3800, 2048), (0x5000, 1)]).is_ok());
        assert!(t(&[(0x3400, 2000)]).is_err());
        assert!(t(&[(0x2000, 2000)]).is_ok());
        assert!(t(&[(0x2100, 2000)]).is_err());
        assert!(t(&[(0x3000, 2000), (0x4000, 16)]).is_err());
        assert!(t(&[(0x4000, 16), (0x3000, 2000)]).is_err());
        assert!(t(&[(0x3000, 2000), (0x4000, 5000)]).is_err());
        assert!(t(&[(0xf800, 2000)]).is_err());
    }

    /// A slow model of the policy: live blocks by address, and each
    /// class's current slab.
    #[derive(Clone)]
    struct Model {
        live: Vec<(u64, u64)>,
        cur: [Option<u64>; NSMALL],
    }

    impl Default for Model {
        fn default() -> Model {
            Model {
                live: Vec::new(),
                cur: [None; NSMALL],
            }
        }
    }

    impl Model {
        /// The space blocks (slab frames and large blocks) in address order.
        fn blocks(&self, start: u64) -> Vec<(u64, u64)> {
            let mut v: Vec<(u64, u64)> = Vec::new();
            for &(a, s) in &self.live {
                let b = if let Some(c) = small_class(s) {
                    let run = slab_bytes(c);
                    (start + (a - start) / run * run, run)
                } else {
                    (a, block_size(s))
                };
                if v.last() != Some(&b) {
                    v.push(b);
                }
            }
            v.sort_unstable();
            v.dedup();
            v
        }

        /// The lowest place for `need` bytes at a multiple of `align` from
        /// `start`.
        fn first_fit(&self, start: u64, max: u64, need: u64, align: u64) -> Option<u64> {
            let mut prev = start;
            let place = |p: u64| start + align_up(p - start, align);
            for (a, l) in self.blocks(start) {
                if place(prev) + need <= a {
                    return Some(place(prev));
                }
                prev = a + l;
            }
            let at = place(prev);
            at.checked_add(need).filter(|&e| e <= max).map(|_| at)
        }

        /// The free slots of class `c`'s slabs in address order: (start,
        /// free slot addresses).
        fn slabs(&self, start: u64, c: usize) -> Vec<(u64, Vec<u64>)> {
            let cs = u64::from(CLASS_SIZE[c]);
            let run = slab_bytes(c);
            let mut runs: Vec<u64> = self
                .live
                .iter()
                .filter(|&&(_, s)| small_class(s) == Some(c))
                .map(|&(a, _)| start + (a - start) / run * run)
                .collect();
            runs.dedup();
            runs.into_iter()
                .map(|f| {
                    let free = (0..run / cs)
                        .map(|k| f + k * cs)
                        .filter(|a| !self.live.iter().any(|&(x, _)| x == *a))
                        .collect();
                    (f, free)
                })
                .collect()
        }

        /// The slab of class `c` a rebuild would make current: the
        /// lowest with `room(c)` free slots, other than `but`.
        fn roomy(&self, start: u64, c: usize, but: u64) -> Option<u64> {
            self.slabs(start, c)
                .into_iter()
                .find(|(f, free)| *f != but && free.len() >= room(c))
                .map(|(f, _)| f)
        }

        /// The address of `malloc(size)`, the block then being added to
        /// `live` by the caller.
        fn malloc(&mut self, start: u64, max: u64, size: u64) -> Option<u64> {
            let Some(c) = small_class(size) else {
                if size > max {
                    return None;
                }
                return self.first_fit(start, max, block_size(size), ALIGN);
            };
            let run = slab_bytes(c);
            let cur = match self.cur[c] {
                Some(f) => f,
                None => match self.first_fit(start, max, run, run) {
                    Some(f) => {
                        self.cur[c] = Some(f);
                        return Some(f);
                    }
                    // The heap is full: the lowest slab with a free slot.
                    None => {
                        self.slabs(start, c)
                            .into_iter()
                            .find(|(_, free)| !free.is_empty())?
                            .0
                    }
                },
            };
            self.cur[c] = Some(cur);
            let (_, free) = self
                .slabs(start, c)
                .into_iter()
                .find(|&(f, _)| f == cur)
                .unwrap();
            if free.len() == 1 {
                self.cur[c] = self.roomy(start, c, cur);
            }
            Some(free[0])
        }

        /// The block at `p` of `size` bytes was taken out of `live`.
        fn freed(&mut self, start: u64, p: u64, size: u64) {
            let Some(c) = small_class(size) else {
                return;
            };
            let run = slab_bytes(c);
            let slab = start + (p - start) / run * run;
            let free = match self.slabs(start, c).into_iter().find(|&(f, _)| f == slab) {
                Some((_, free)) => free.len(),
                None => nslots(c),
            };
            if free == nslots(c) {
                if self.cur[c] == Some(slab) {
                    self.cur[c] = self.roomy(start, c, slab);
                }
            } else if free == room(c) && self.cur[c].is_none() {
                self.cur[c] = Some(slab);
            }
        }
    }

    /// Random malloc/free/realloc sequences: the allocator matches the slow
    /// model, and one rebuilt with `from_table` at random points continues
    /// with exactly the same addresses as the original.
    #[test]
    fn random_sequences_match_model_and_rebuilds() {
        let mut rng = xorshift(0x2545_f491_4f6c_dd1d);
        for round in 0..30 {
            let (start, max) = (0x10010, 0x10010 + (1 << (14 + round % 8)));
            let base = [MemType::Scalar(Type::I32), MemType::Scalar(Type::I64)];
            let mut a = Allocator::new(start, max, &base);
            let mut b: Option<Allocator> = None;
            let mut model = Model::default();
            // The type of each live block: four ids, so that slabs hold
            // blocks of one type and of mixed types.
            let mut tys: HashMap<u64, TyId> = HashMap::new();
            for step in 0..2000 {
                if rng().is_multiple_of(400) {
                    b = Some(rebuild(&a));
                    check_derived(&a);
                }
                let r = rng();
                let size = match r % 7 {
                    0 => rng() % 4000,
                    1 => rng() % 100_000,
                    2 => rng() % 1100,
                    _ => rng() % 100,
                };
                let op = (r >> 8) % 10;
                let ty = if round % 2 == 0 {
                    (r >> 20) as TyId % 4
                } else {
                    2
                };
                if op < 5 || model.live.is_empty() {
                    let expect = model.malloc(start, max, size);
                    let got = a.malloc(size, ty);
                    assert_eq!(got, expect, "round {round} step {step} malloc({size})");
                    if let Some(b) = &mut b {
                        assert_eq!(b.malloc(size, ty), got);
                    }
                    if let Some(p) = got {
                        tys.insert(p, ty);
                        let i = model.live.partition_point(|&(x, _)| x < p);
                        model.live.insert(i, (p, size));
                    }
                } else if op < 9 {
                    let i = (rng() % model.live.len() as u64) as usize;
                    let (p, size) = model.live.remove(i);
                    model.freed(start, p, size);
                    assert!(a.free(p));
                    if let Some(b) = &mut b {
                        assert!(b.free(p));
                        assert!(!b.free(p + 8));
                    }
                    assert!(!a.free(p));
                } else {
                    let i = (rng() % model.live.len() as u64) as usize;
                    let p = model.live[i].0;
                    let got = a.resize_in_place(p, size);
                    if let Some(b) = &mut b {
                        assert_eq!(b.resize_in_place(p, size), got);
                    }
                    if got == Some(true) {
                        model.live[i].1 = size;
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
            assert_eq!(table, model.live);
            for &(p, size) in &model.live {
                assert_eq!(a.type_id_of(p), Some(tys[&p]));
                assert_eq!(a.size_of(p), Some(size));
                if let Some(b) = &b {
                    assert_eq!(b.type_id_of(p), Some(tys[&p]));
                    assert_eq!(b.size_of(p), Some(size));
                }
            }
        }
    }

    use crate::memory::Memory;
    use pivm_ir::Type;

    /// VM memory and an allocator from `heap` that zeroes in it.
    fn attached(heap: u64) -> (Memory, Allocator) {
        let m = Memory::new(64 << 20, 48 << 20).unwrap();
        let mut a = Allocator::new(heap, 48 << 20, &[]);
        a.attach(m.discarder());
        (m, a)
    }

    #[test]
    fn large_free_extents_are_zeroed_in_whole_frames() {
        // Below the threshold, nothing; a block inside a large extent, its
        // whole frames; frames shared with a live neighbour stay.
        let d = |start, end, addr, len| {
            let f = Freed {
                extent: (start, end),
                block: (addr, len),
            };
            discarded(f, DISCARD_MIN)
        };
        assert_eq!(d(0, DISCARD_MIN - 16, 0, DISCARD_MIN - 16), None);
        assert_eq!(
            d(4096, 4096 + DISCARD_MIN, 4096 + 100, 9000),
            Some((4096, 4096 + 3 * 4096))
        );
        assert_eq!(
            d(100, 100 + DISCARD_MIN, 100, DISCARD_MIN),
            Some((4096, (100 + DISCARD_MIN) & !4095))
        );
        assert_eq!(d(0, DISCARD_MIN, 16, 32), Some((0, 4096)));

        let heap = 1 << 20;
        let (mut m, mut a) = attached(heap);
        let big = 100_000u64;
        let p: Vec<u64> = (0..4).map(|_| a.malloc(big, 0).unwrap()).collect();
        let small = a.malloc(40, 0).unwrap();
        for &q in p.iter().chain([&small]) {
            m.fill(q, 0xee, if q == small { 40 } else { big }).unwrap();
        }
        let byte = |m: &Memory, at: u64| m.load(Type::I8, at).unwrap();
        // One block alone is a gap below the threshold: kept as it was.
        assert!(a.free(p[1]));
        assert_eq!(byte(&m, p[1] + 8192), 0xee);
        // With its neighbour, 200 KB: the neighbour's frames are zeroed
        // from the one it shares with p[1] (free too) to the one it shares
        // with p[3] (live); p[1]'s other frames, freed before, are not.
        assert!(a.free(p[2]));
        assert_eq!(byte(&m, p[1] + 8192), 0xee);
        let first = p[2] & !(FRAME - 1);
        assert_eq!(byte(&m, first - 1), 0xee);
        let last = (p[2] + big) & !(FRAME - 1);
        assert!((first..last).all(|x| byte(&m, x) == 0));
        assert_eq!(byte(&m, last), 0xee);
        // Shrinking in place frees the tail into the extent after it.
        let q = a.resize(p[0], 8192).unwrap();
        assert!(q.in_place);
        let tail = align_up(p[0] + 8192, FRAME);
        assert!((tail..p[1] & !(FRAME - 1)).all(|x| byte(&m, x) == 0));
        assert_eq!(byte(&m, p[0] + 8191), 0xee);
        // A freed slab of small blocks is below the threshold.
        assert!(a.free(small));
        assert_eq!(byte(&m, small), 0xee);
        // The last block, at the top: its frames, and it is reused zeroed.
        assert!(a.free(p[3]));
        assert_eq!(byte(&m, p[3] + 4096), 0);
        let again = a.malloc(300_000, 0).unwrap();
        assert_eq!(again, p[0] + block_size(8192));
        assert_eq!(byte(&m, again + 200_000), 0);
    }

    #[test]
    fn a_block_freed_again_and_again_is_zeroed_once() {
        let heap = 1 << 20;
        let (mut m, mut a) = attached(heap);
        let byte = |m: &Memory, at: u64| m.load(Type::I8, at).unwrap();
        let x = a.malloc(200_000, 0).unwrap();
        let guard = a.malloc(16, 0).unwrap();
        assert!(guard > x);
        m.fill(x, 0xab, 200_000).unwrap();
        assert!(a.free(x));
        assert_eq!(byte(&m, x + 8192), 0);
        assert_eq!(a.discard_min(), 400_000);
        // Again in the same place: its extent is now below the threshold.
        assert_eq!(a.malloc(200_000, 0), Some(x));
        m.fill(x, 0xcd, 200_000).unwrap();
        assert!(a.free(x));
        assert_eq!(byte(&m, x + 8192), 0xcd);
        // A larger one, at the top, is zeroed and raises it again, up to
        // its bound; a snapshot's value is clamped to the range.
        let z = a.malloc(1 << 20, 0).unwrap();
        m.fill(z, 0xef, 1 << 20).unwrap();
        assert!(a.free(z));
        assert_eq!(byte(&m, z + 8192), 0);
        assert_eq!(a.discard_min(), 2 << 20);
        a.set_discard_min(u64::MAX);
        assert_eq!(a.discard_min(), DISCARD_MAX);
        a.set_discard_min(0);
        assert_eq!(a.discard_min(), DISCARD_MIN);
    }

    #[test]
    fn zeroing_stops_at_twice_the_heap() {
        let heap = 1 << 20;
        let (mut m, mut a) = attached(heap);
        // Rounds of 64 blocks freed together: each free joins an extent
        // over the threshold, so the first rounds zero their frames, until
        // twice the heap has been zeroed.
        let mut last = Vec::new();
        for r in 0..12u8 {
            let b: Vec<u64> = (0..64).map(|_| a.malloc(8000, 0).unwrap()).collect();
            for &p in &b {
                m.fill(p, r + 1, 8000).unwrap();
            }
            for &p in &b {
                assert!(a.free(p));
            }
            last = b;
        }
        let span = a.heap_top() - heap;
        assert!(a.discarded() > span, "{} of {span}", a.discarded());
        assert!(a.discarded() <= 2 * span, "{} of {span}", a.discarded());
        // The last round's blocks keep their bytes.
        assert_eq!(m.load(Type::I8, last[40] + 4096).unwrap(), 12);
    }

    #[test]
    fn a_block_shrunk_at_the_top_keeps_its_last_frame() {
        let heap = 1 << 20;
        let (mut m, mut a) = attached(heap);
        let p = a.malloc(400_000, 0).unwrap();
        m.fill(p, 0x5c, 400_000).unwrap();
        // The last block: its tail goes back to the top.
        let keep = 10_000;
        let q = a.resize(p, keep).unwrap();
        assert!(q.in_place);
        let byte = |m: &Memory, at: u64| m.load(Type::I8, at).unwrap();
        let tail = align_up(p + keep, FRAME);
        // The live prefix's last frame keeps every byte, the block's too.
        assert!((p..tail).all(|x| byte(&m, x) == 0x5c));
        assert!((tail..(p + 400_000) & !(FRAME - 1)).all(|x| byte(&m, x) == 0));
        assert_eq!(
            a.discard_min(),
            2 * (align_up(p + 400_000, 16) - align_up(p + keep, 16))
        );
    }
}
