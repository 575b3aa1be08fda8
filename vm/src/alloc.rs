//! The heap allocator behind malloc/calloc/realloc/free.
//!
//! Its whole state is the table of live allocations (address, size, IR type)
//! plus the heap top (the high-water mark), so a snapshot stores only those
//! and `Allocator::from_table` rebuilds the rest. Policy: blocks are 16-byte
//! aligned and take `max(16, round_up(size, 16))` bytes; an allocation takes
//! the lowest-addressed gap between live blocks that fits (first fit), else
//! it goes right after the last live block. The same calls give the same
//! addresses on every host.

use pivm_ir::types::align_up;
use pivm_ir::MemType;
use std::collections::BTreeMap;

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

#[derive(Clone, Debug)]
pub struct Allocator {
    heap_start: u64,
    /// Highest end of any block ever allocated.
    heap_top: u64,
    /// Largest end a block may have.
    heap_max: u64,
    live: BTreeMap<u64, (u64, Option<MemType>)>,
    /// Derived: free gaps between live blocks (start -> length).
    gaps: BTreeMap<u64, u64>,
    /// Derived: end of the last live block (or `heap_start`).
    end: u64,
}

impl Allocator {
    pub fn new(heap_start: u64, heap_max: u64) -> Allocator {
        Allocator {
            heap_start,
            heap_top: heap_start,
            heap_max,
            live: BTreeMap::new(),
            gaps: BTreeMap::new(),
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
        }
        let mut prev = heap_start;
        for (&addr, &(size, _)) in &a.live {
            if addr < prev {
                return Err(VmError::new(format!(
                    "allocation at {addr:#x} overlaps another"
                )));
            }
            if addr > prev {
                a.gaps.insert(prev, addr - prev);
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
        self.live.iter().map(|(&addr, (size, ty))| Allocation {
            addr,
            size: *size,
            ty: ty.clone(),
        })
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

    /// Allocates `size` bytes; `None` when the heap is exhausted. The
    /// caller grows the memory to `heap_top()`.
    pub fn malloc(&mut self, size: u64, ty: Option<MemType>) -> Option<u64> {
        if size > self.heap_max {
            return None;
        }
        let need = block_size(size);
        let fit = self
            .gaps
            .iter()
            .find(|(_, &len)| len >= need)
            .map(|(&s, &l)| (s, l));
        let addr = if let Some((start, len)) = fit {
            self.gaps.remove(&start);
            if len > need {
                self.gaps.insert(start + need, len - need);
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
        if let Some(len) = self.gaps.remove(&end) {
            end += len;
        }
        if let Some((&s, &l)) = self.gaps.range(..start).next_back() {
            if s + l == start {
                self.gaps.remove(&s);
                start = s;
            }
        }
        if end >= self.end {
            self.end = start;
        } else {
            self.gaps.insert(start, end - start);
        }
        true
    }

    /// Resizes the block at `addr` in place if the space after it allows;
    /// returns whether it did. `None` if `addr` is not a live block.
    pub fn resize_in_place(&mut self, addr: u64, size: u64) -> Option<bool> {
        let (old, ty) = self.live.get(&addr)?.clone();
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
            if let Some(len) = self.gaps.remove(&old_end) {
                gap_end += len;
            }
            self.gaps.insert(new_end, gap_end - new_end);
        } else {
            match self.gaps.get(&old_end).copied() {
                Some(len) if old_end + len >= new_end => {
                    self.gaps.remove(&old_end);
                    if old_end + len > new_end {
                        self.gaps.insert(new_end, old_end + len - new_end);
                    }
                }
                _ => return Some(false),
            }
        }
        self.live.insert(addr, (size, ty));
        Some(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_derived(a: &Allocator) {
        let b = Allocator::from_table(a.heap_start, a.heap_max, a.heap_top, a.table()).unwrap();
        assert_eq!(b.gaps, a.gaps);
        assert_eq!(b.end, a.end);
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
}
