//! The program's linear VM address space: one host reservation whose base
//! never moves, so a VM address is an offset both engines add to
//! `VmCtx::mem_base`. Layout, lowest first:
//!
//! ```text
//! [0, 4096)            null page, never valid
//! [4096, data_end)     globals, in module order, each at its alignment,
//!                      then padding to STACK_ALIGN
//! [stack_start, stack_end)  the shadow stack (grows upward), stack_start = data_end
//! [heap_start, heap_top)    the heap (grows upward, see `alloc`)
//! [heap_top, limit)    MAX_ACCESS bytes of padding
//! ```
//!
//! Every value is little-endian in memory on every host, so the bytes are
//! the same everywhere and a snapshot stores them raw. The valid-access rule
//! is `pivm_ir::contract::access_ok`, the one the JIT uses too.

use pivm_ir::contract::{access_ok, bound_for_limit, MAX_ACCESS, NULL_PAGE};
use pivm_ir::frame::STACK_ALIGN;
use pivm_ir::types::align_up;
use pivm_ir::{InitItem, Module, SymbolRef, TrapKind, Type, TypeLayouts};

use crate::error::VmError;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Default size of the host reservation (address space, not memory).
pub const DEFAULT_RESERVE: u64 = 4 << 30;
/// Default shadow-stack size.
pub const DEFAULT_STACK_SIZE: u64 = 8 << 20;

/// Where the regions of a program's memory are. Depends only on the module
/// and the stack size, so it is the same on every host.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct MemLayout {
    pub data_end: u64,
    pub stack_start: u64,
    pub stack_end: u64,
    pub heap_start: u64,
}

impl MemLayout {
    /// Lays out the globals of `module` and returns each global's address
    /// with the region layout.
    pub fn new(
        module: &Module,
        layouts: &TypeLayouts,
        stack_size: u64,
    ) -> Result<(MemLayout, Vec<u64>), VmError> {
        let mut off = NULL_PAGE;
        let mut addrs = Vec::with_capacity(module.globals.len());
        for g in module.globals.values() {
            let l = layouts
                .of(&g.ty)
                .ok_or_else(|| VmError::new(format!("global @{} has no layout", g.name)))?;
            off = align_up(off, l.align.max(g.align).max(1));
            addrs.push(off);
            off = off
                .checked_add(l.size)
                .ok_or_else(|| VmError::new("globals are too large"))?;
        }
        // The data area ends where the stack starts: the padding between
        // them is valid memory a program can write, so a snapshot must
        // save it with the data.
        let data_end = align_up(off, STACK_ALIGN);
        let stack_start = data_end;
        let stack_size = align_up(stack_size, STACK_ALIGN);
        let stack_end = stack_start
            .checked_add(stack_size)
            .ok_or_else(|| VmError::new("stack size is too large"))?;
        // On a page: slab slots of a size that is a multiple of an
        // alignment up to a page are aligned (`Allocator::malloc_aligned`).
        let heap_start = align_up(stack_end, crate::alloc::FRAME);
        Ok((
            MemLayout {
                data_end,
                stack_start,
                stack_end,
                heap_start,
            },
            addrs,
        ))
    }
}

/// The reserved address space and the current valid limit.
pub struct Memory {
    base: *mut u8,
    reserved: u64,
    /// End (exclusive) of the valid addresses, padding included.
    limit: u64,
    /// Set once a write tracker (`wp`) watches this memory: from then on
    /// `Discarder` writes its zeros, so the tracker sees them.
    tracked: Arc<AtomicBool>,
    /// Backed by transparent huge pages (`--huge-pages`).
    huge: bool,
}

// SAFETY: the mapping is owned by this value alone (no other pointer to it
// escapes except to the engine running on it, which the owner waits for),
// so moving it to another thread moves the only owner.
unsafe impl Send for Memory {}

impl Memory {
    /// VM memory for a run with `config`: `new` with its reservation, and
    /// with transparent huge pages if it asks for them.
    pub fn for_run(config: &crate::runtime::Config, limit: u64) -> Result<Memory, VmError> {
        let mut m = Memory::new(config.reserve, limit)?;
        m.huge = config.huge_pages;
        if config.huge_pages {
            // `fork` (the snapshot writer) then copies one page-table
            // entry per 2 MiB instead of 512, and first touches fault once
            // per 2 MiB; but each such fault zeroes 2 MiB at once, and
            // where the host backs memory lazily (a VM whose guest reports
            // free pages) it can take milliseconds: off by default, as
            // for a native program's malloc (`--huge-pages`). Advice only:
            // ignored where THP is off or unsupported.
            // SAFETY: advice on the mapping just created, owned by `m`.
            unsafe { libc::madvise(m.base.cast(), m.reserved as usize, libc::MADV_HUGEPAGE) };
        }
        Ok(m)
    }

    /// Reserves `reserve` bytes of address space (not committed: pages are
    /// backed lazily and read as zero) with `limit` valid bytes, in pages
    /// of the host's base size.
    pub fn new(reserve: u64, limit: u64) -> Result<Memory, VmError> {
        if limit > reserve {
            return Err(VmError::new(format!(
                "program needs {limit} bytes of memory but only {reserve} are reserved"
            )));
        }
        let len = usize::try_from(reserve)
            .map_err(|_| VmError::new("memory reservation does not fit the host"))?;
        // SAFETY: a fresh anonymous private mapping; no existing memory is touched.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return Err(VmError::new(format!(
                "cannot reserve {reserve} bytes of address space: {}",
                std::io::Error::last_os_error()
            )));
        }
        // Decided now, in the parent, so that a forked snapshot writer
        // only reads the answer.
        pagemap_works();
        Ok(Memory {
            base: p.cast(),
            reserved: reserve,
            limit,
            tracked: Arc::default(),
            huge: false,
        })
    }

    /// What the allocator zeroes freed memory with (`Discarder`).
    pub fn discarder(&self) -> Discarder {
        // With huge pages, only whole ones are dropped: dropping part of
        // one would split it into base pages.
        let unit = host_page_size();
        Discarder {
            base: self.base,
            reserved: self.reserved,
            tracked: self.tracked.clone(),
            unit: if self.huge { unit.max(HUGE_PAGE) } else { unit },
        }
    }

    /// A write tracker watches this memory from now on (`wp`): pages it
    /// would not see written are no longer dropped (`Discarder`).
    pub fn set_write_tracked(&self) {
        self.tracked.store(true, Ordering::Relaxed);
    }

    /// Host address of VM address 0 (for `VmCtx::mem_base`).
    pub fn base(&self) -> *mut u8 {
        self.base
    }

    pub fn reserved(&self) -> u64 {
        self.reserved
    }

    /// End of the valid addresses (padding included).
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// `VmCtx::bound` for the current limit.
    pub fn bound(&self) -> u64 {
        bound_for_limit(self.limit)
    }

    /// Makes addresses below `top + MAX_ACCESS` valid; `false` if that does
    /// not fit the reservation. The limit never shrinks.
    pub fn grow_to(&mut self, top: u64) -> bool {
        let Some(want) = top.checked_add(MAX_ACCESS) else {
            return false;
        };
        if want > self.reserved {
            return false;
        }
        self.limit = self.limit.max(want);
        true
    }

    /// The largest heap top `grow_to` accepts.
    pub fn max_top(&self) -> u64 {
        self.reserved - MAX_ACCESS
    }

    fn fault(addr: u64) -> TrapKind {
        if addr < NULL_PAGE {
            TrapKind::NullAccess
        } else {
            TrapKind::OutOfBounds
        }
    }

    /// Checks a scalar access with the engines' single-compare rule.
    #[inline]
    pub fn check(&self, addr: u64) -> Result<(), TrapKind> {
        if access_ok(addr, self.bound()) {
            Ok(())
        } else {
            Err(Self::fault(addr))
        }
    }

    /// Checks that the whole range `[addr, addr + len)` is valid; an empty
    /// range is always valid.
    pub fn check_range(&self, addr: u64, len: u64) -> Result<(), TrapKind> {
        if len == 0 {
            return Ok(());
        }
        if addr < NULL_PAGE {
            return Err(TrapKind::NullAccess);
        }
        match addr.checked_add(len) {
            Some(end) if end <= self.limit => Ok(()),
            _ => Err(TrapKind::OutOfBounds),
        }
    }

    /// Loads a scalar of type `ty`, zero-extended.
    #[inline]
    pub fn load(&self, ty: Type, addr: u64) -> Result<u64, TrapKind> {
        self.check(addr)?;
        // SAFETY: access_ok guarantees addr + 8 <= limit <= reserved.
        let p = unsafe { self.base.add(addr as usize) };
        // SAFETY: as above; unaligned reads are allowed by read_unaligned.
        Ok(unsafe {
            match ty.bytes() {
                1 => *p as u64,
                2 => u16::from_le_bytes(p.cast::<[u8; 2]>().read_unaligned()) as u64,
                4 => u32::from_le_bytes(p.cast::<[u8; 4]>().read_unaligned()) as u64,
                _ => u64::from_le_bytes(p.cast::<[u8; 8]>().read_unaligned()),
            }
        })
    }

    /// Stores the low `ty.bytes()` bytes of `val`.
    #[inline]
    pub fn store(&mut self, ty: Type, addr: u64, val: u64) -> Result<(), TrapKind> {
        self.check(addr)?;
        let bytes = val.to_le_bytes();
        let n = ty.bytes() as usize;
        // SAFETY: access_ok guarantees addr + 8 <= limit <= reserved.
        unsafe {
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), self.base.add(addr as usize), n);
        }
        Ok(())
    }

    /// The bytes `[addr, addr + len)`, checked.
    pub fn slice(&self, addr: u64, len: u64) -> Result<&[u8], TrapKind> {
        self.check_range(addr, len)?;
        if len == 0 {
            return Ok(&[]);
        }
        // SAFETY: the range is inside [NULL_PAGE, limit), which is mapped.
        Ok(unsafe { std::slice::from_raw_parts(self.base.add(addr as usize), len as usize) })
    }

    /// The bytes `[addr, addr + len)`, checked, writable.
    pub fn slice_mut(&mut self, addr: u64, len: u64) -> Result<&mut [u8], TrapKind> {
        self.check_range(addr, len)?;
        if len == 0 {
            return Ok(&mut []);
        }
        // SAFETY: the range is inside [NULL_PAGE, limit), which is mapped,
        // and `&mut self` makes this the only reference.
        Ok(unsafe { std::slice::from_raw_parts_mut(self.base.add(addr as usize), len as usize) })
    }

    pub fn read(&self, addr: u64, len: u64) -> Result<Vec<u8>, TrapKind> {
        self.slice(addr, len).map(|s| s.to_vec())
    }

    pub fn write(&mut self, addr: u64, bytes: &[u8]) -> Result<(), TrapKind> {
        self.slice_mut(addr, bytes.len() as u64)?
            .copy_from_slice(bytes);
        Ok(())
    }

    /// Copies `len` bytes from `src` to `dst`; the ranges may overlap.
    pub fn copy_within(&mut self, dst: u64, src: u64, len: u64) -> Result<(), TrapKind> {
        self.check_range(src, len)?;
        self.check_range(dst, len)?;
        if len > 0 {
            // SAFETY: both ranges are checked; `copy` allows overlap.
            unsafe {
                std::ptr::copy(
                    self.base.add(src as usize),
                    self.base.add(dst as usize),
                    len as usize,
                )
            };
        }
        Ok(())
    }

    pub fn fill(&mut self, addr: u64, byte: u8, len: u64) -> Result<(), TrapKind> {
        self.slice_mut(addr, len)?.fill(byte);
        Ok(())
    }

    /// The length of the NUL-terminated string at `addr`; traps if it runs
    /// past the valid memory.
    pub fn strlen(&self, addr: u64) -> Result<u64, TrapKind> {
        if addr < NULL_PAGE {
            return Err(TrapKind::NullAccess);
        }
        if addr >= self.limit {
            return Err(TrapKind::OutOfBounds);
        }
        // SAFETY: [addr, limit) is mapped.
        let s = unsafe {
            std::slice::from_raw_parts(self.base.add(addr as usize), (self.limit - addr) as usize)
        };
        match find_byte(s, 0) {
            Some(n) => Ok(n as u64),
            None => Err(TrapKind::OutOfBounds),
        }
    }

    /// The NUL-terminated string at `addr`, without the NUL.
    pub fn c_str(&self, addr: u64) -> Result<&[u8], TrapKind> {
        let n = self.strlen(addr)?;
        self.slice(addr, n)
    }

    /// At most `max` bytes of the string at `addr` (stops at a NUL; only
    /// the bytes read are checked).
    pub fn c_str_max(&self, addr: u64, max: u64) -> Result<&[u8], TrapKind> {
        if max == 0 {
            return Ok(&[]);
        }
        if addr < NULL_PAGE {
            return Err(TrapKind::NullAccess);
        }
        if addr >= self.limit {
            return Err(TrapKind::OutOfBounds);
        }
        let avail = (self.limit - addr).min(max);
        // SAFETY: [addr, addr + avail) is inside [NULL_PAGE, limit).
        let s = unsafe { std::slice::from_raw_parts(self.base.add(addr as usize), avail as usize) };
        match s.iter().position(|&b| b == 0) {
            Some(n) => Ok(&s[..n]),
            None if avail == max => Ok(s),
            None => Err(TrapKind::OutOfBounds),
        }
    }

    /// Writes the initial bytes of every global at its address.
    pub fn init_globals(&mut self, module: &Module, addrs: &[u64]) -> Result<(), VmError> {
        for (i, g) in module.globals.values().enumerate() {
            let mut at = addrs[i];
            for item in &g.init {
                let res = match item {
                    InitItem::Scalar(t, v) => self.store(*t, at, *v),
                    InitItem::Bytes(b) => self.write(at, b),
                    InitItem::Zero(_) => Ok(()),
                    InitItem::Addr(sym, off) => {
                        let base = match sym {
                            SymbolRef::Global(g) => addrs[g.0 as usize],
                            SymbolRef::Func(f) => Module::func_ptr(*f),
                        };
                        self.store(Type::Ptr, at, base.wrapping_add(*off as u64))
                    }
                };
                res.map_err(|_| {
                    VmError::new(format!(
                        "initializer of global @{} is out of bounds",
                        g.name
                    ))
                })?;
                at += item.size();
            }
        }
        Ok(())
    }

    /// All bytes `[0, limit)` (the null page reads as zero), for snapshots.
    pub fn bytes(&self) -> &[u8] {
        // SAFETY: [0, limit) is mapped and readable.
        unsafe { std::slice::from_raw_parts(self.base, self.limit as usize) }
    }

    /// Replaces the contents with a snapshot's image of `[0, len)`: every
    /// byte of it becomes zero, the limit grows to `len`, and `fill` writes
    /// the saved bytes into `[0, len)`. Only `[0, limit)` can hold data
    /// (nothing is ever written at or above the limit), so only it is
    /// cleared, its pages dropped rather than written: the cost is that
    /// of the memory in use, never of the size a snapshot declares.
    pub fn load_image<E>(
        &mut self,
        len: u64,
        fill: impl FnOnce(&mut [u8]) -> Result<(), E>,
    ) -> Result<Result<(), E>, VmError> {
        if len > self.reserved || len < NULL_PAGE {
            return Err(VmError::new(format!(
                "memory image of {len} bytes does not fit the reservation"
            )));
        }
        let used = align_up(self.limit, host_page_size()).min(self.reserved);
        // SAFETY: [0, used) is inside the private anonymous mapping;
        // MADV_DONTNEED makes its pages read as zero again.
        let dropped =
            unsafe { libc::madvise(self.base.cast(), used as usize, libc::MADV_DONTNEED) } == 0;
        if !dropped {
            // SAFETY: [0, limit) is mapped and writable, and `&mut self`
            // makes this the only reference.
            unsafe { std::slice::from_raw_parts_mut(self.base, self.limit as usize) }.fill(0);
        }
        self.limit = self.limit.max(len);
        // SAFETY: [0, len) is mapped and writable, and `&mut self` makes
        // this the only reference.
        let image = unsafe { std::slice::from_raw_parts_mut(self.base, len as usize) };
        Ok(fill(image))
    }

    /// `[0, len)` to load into without clearing it first (a standby
    /// resume adds each member of a chain as it arrives): the limit grows
    /// to `len`.
    pub fn image_mut(&mut self, len: u64) -> Result<&mut [u8], VmError> {
        if len > self.reserved || len < NULL_PAGE {
            return Err(VmError::new(format!(
                "memory image of {len} bytes does not fit the reservation"
            )));
        }
        self.limit = self.limit.max(len);
        // SAFETY: [0, len) is mapped and writable, and `&mut self` makes
        // this the only reference.
        Ok(unsafe { std::slice::from_raw_parts_mut(self.base, len as usize) })
    }

    /// The extents of `[start, end)` the host may hold data for: pages that
    /// are resident or swapped out, from `/proc/self/pagemap`. Memory
    /// outside them was never touched and reads as zero. `None` when
    /// pagemap is unavailable or unreliable here (checked once per
    /// process, see `pagemap_works`): then every page must be read.
    pub fn touched(&self, start: u64, end: u64) -> Option<Vec<(u64, u64)>> {
        touched_in(self.base, self.reserved, start, end)
    }

    /// Replaces the contents with `bytes` (a snapshot's `[0, limit)`).
    pub fn restore(&mut self, bytes: &[u8]) -> Result<(), VmError> {
        let n = bytes.len() as u64;
        if n > self.reserved || n < NULL_PAGE {
            return Err(VmError::new(format!(
                "memory image of {n} bytes does not fit the reservation"
            )));
        }
        if bytes[..NULL_PAGE as usize].iter().any(|&b| b != 0) {
            return Err(VmError::new("memory image has data in the null page"));
        }
        self.limit = self.limit.max(n);
        // SAFETY: [0, n) is mapped and writable; `bytes` is a separate slice.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), self.base, bytes.len()) };
        Ok(())
    }
}

/// `Memory::touched` of the mapping at `base` of `reserved` bytes.
fn touched_in(base: *mut u8, reserved: u64, start: u64, end: u64) -> Option<Vec<(u64, u64)>> {
    if !pagemap_works() {
        return None;
    }
    let end = end.min(reserved);
    if start >= end {
        return Some(Vec::new());
    }
    let hp = host_page_size();
    let base = base as u64;
    let first = (base + start) / hp;
    let last = (base + end).div_ceil(hp);
    let pages = pagemap_entries(first, last)?;
    let mut out: Vec<(u64, u64)> = Vec::new();
    for (i, &e) in pages.iter().enumerate() {
        if e & (PM_PRESENT | PM_SWAPPED) == 0 {
            continue;
        }
        let s = ((first + i as u64) * hp - base).max(start);
        let t = ((first + i as u64 + 1) * hp - base).min(end);
        match out.last_mut() {
            Some(r) if r.1 == s => r.1 = t,
            _ => out.push((s, t)),
        }
    }
    Some(out)
}

/// Zeroes memory the allocator has freed in large extents
/// (`alloc::DISCARD_MIN`), handing its pages back to the host: the freed
/// pages then read as zero and cost no memory until written again, as
/// memory never touched. Where the host cannot drop pages (checked once,
/// `dontneed_works`), or while a write tracker watches the memory (it
/// would not see dropped pages change), it writes the zeros instead, over
/// the pages the host backs; with `--huge-pages` it drops only whole huge
/// pages and writes the rest: the contents are the same either way, so a
/// program reads the same bytes on every host and engine, and after a
/// resume.
#[derive(Clone, Debug)]
pub struct Discarder {
    base: *mut u8,
    reserved: u64,
    tracked: Arc<AtomicBool>,
    /// The pages it drops: the host's, or huge pages.
    unit: u64,
}

/// The size of a transparent huge page on the hosts pivm runs on (x86_64;
/// aarch64, s390x and riscv64 with 4 KiB base pages).
const HUGE_PAGE: u64 = 2 << 20;

// SAFETY: as for `Memory`, whose mapping it points into: it moves with the
// runtime that owns both, and is used only by that runtime's allocator.
unsafe impl Send for Discarder {}

impl Discarder {
    /// Zeroes `[start, end)` (whole 4 KiB frames inside the reservation).
    pub fn zero(&self, start: u64, end: u64) {
        let end = end.min(self.reserved);
        if start >= end {
            return;
        }
        let fill = |s: u64, e: u64| {
            // SAFETY: [s, e) is inside the mapping, which outlives every
            // allocator attached to it; nothing else borrows it here.
            unsafe { std::ptr::write_bytes(self.base.add(s as usize), 0, (e - s) as usize) }
        };
        if !self.tracked.load(Ordering::Relaxed) && dontneed_works() {
            // Aligned on the host: a huge page's place depends on where
            // the reservation is.
            let (hp, base) = (self.unit, self.base as u64);
            let (a, b) = (
                align_up(base + start, hp) - base,
                (base + end) / hp * hp - base,
            );
            // SAFETY: [a, b) is page-aligned inside the private anonymous
            // mapping; MADV_DONTNEED makes its pages read as zero.
            let dropped = a < b
                && unsafe {
                    libc::madvise(
                        self.base.add(a as usize).cast(),
                        (b - a) as usize,
                        libc::MADV_DONTNEED,
                    )
                } == 0;
            if dropped {
                // Pieces of pages larger than a frame.
                fill(start, a);
                fill(b, end);
                return;
            }
        }
        match touched_in(self.base, self.reserved, start, end) {
            Some(backed) => backed.into_iter().for_each(|(s, e)| fill(s, e)),
            None => fill(start, end),
        }
    }
}

/// Whether `MADV_DONTNEED` makes private anonymous pages read as zero here
/// (emulators may accept it and do nothing), checked once on a probe
/// mapping of two pages made as VM memory is (`Memory::new`).
fn dontneed_works() -> bool {
    static WORKS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *WORKS.get_or_init(|| {
        let hp = host_page_size() as usize;
        // SAFETY: a fresh anonymous private mapping, unmapped below.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                2 * hp,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return false;
        }
        let b = p.cast::<u8>();
        // SAFETY: both pages of the probe mapping are writable and
        // readable; the advice is on the first one only.
        let ok = unsafe {
            std::ptr::write_bytes(b, 0xa5, 2 * hp);
            libc::madvise(p, hp, libc::MADV_DONTNEED) == 0
                && std::slice::from_raw_parts(b, hp).iter().all(|&x| x == 0)
                && std::slice::from_raw_parts(b.add(hp), hp)
                    .iter()
                    .all(|&x| x == 0xa5)
        };
        // SAFETY: the probe mapping, not used after this.
        unsafe { libc::munmap(p, 2 * hp) };
        ok
    })
}

/// Pagemap entry bits: page present in RAM, page swapped out.
const PM_PRESENT: u64 = 1 << 63;
const PM_SWAPPED: u64 = 1 << 62;

/// The host's page size.
pub fn host_page_size() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let n = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if n > 0 {
        n as u64
    } else {
        4096
    }
}

/// The pagemap entries of host pages `[first, last)` (page numbers), or
/// `None` if pagemap cannot be read. Allocates but takes no lock, so a
/// forked snapshot writer may call it.
fn pagemap_entries(first: u64, last: u64) -> Option<Vec<u64>> {
    use std::os::unix::fs::FileExt;
    let f = std::fs::File::open("/proc/self/pagemap").ok()?;
    let n = usize::try_from(last.checked_sub(first)?).ok()?;
    let mut out = Vec::with_capacity(n);
    let mut buf = vec![0u8; 8 * n.min(1 << 16)];
    let mut page = first;
    while page < last {
        let k = ((last - page) as usize).min(buf.len() / 8);
        let chunk = &mut buf[..8 * k];
        f.read_exact_at(chunk, page.checked_mul(8)?).ok()?;
        out.extend(
            chunk
                .chunks_exact(8)
                .map(|b| u64::from_ne_bytes(b.try_into().unwrap_or([0; 8]))),
        );
        page += k as u64;
    }
    Some(out)
}

/// Whether `/proc/self/pagemap` tells touched pages from untouched ones
/// in this process, checked once on a probe mapping: 64 pages, some
/// written in an irregular pattern, must read back exactly as touched and
/// untouched, and every touched entry must have the bits the kernel
/// documents as zero for a private anonymous page (58–61) clear. Emulators
/// (qemu-user) pass the host kernel's pagemap through untranslated: with a
/// guest base the entries are another mapping's, and on a big-endian guest
/// they are byte-swapped, so the present bit is a bit of the frame number;
/// both fail the probe. Without read access to frame numbers the swapped
/// entries read as untouched and fail it too. `PIVM_PAGEMAP=0` turns
/// pagemap off. Without it, capture reads every page (same result, slower
/// for untouched memory).
pub fn pagemap_works() -> bool {
    static WORKS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *WORKS.get_or_init(|| {
        if std::env::var_os("PIVM_PAGEMAP").is_some_and(|v| v == "0") {
            return false;
        }
        pagemap_probe()
    })
}

/// The probe behind `pagemap_works`.
fn pagemap_probe() -> bool {
    const PAGES: u64 = 64;
    let written = |i: u64| (i * 7 + 3) % 5 < 2;
    let hp = host_page_size();
    let len = (PAGES * hp) as usize;
    // SAFETY: a fresh anonymous private mapping, unmapped below.
    let p = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    if p == libc::MAP_FAILED {
        return false;
    }
    // Huge pages would make every page of the probe touched.
    // SAFETY: advice on the probe mapping only.
    unsafe { libc::madvise(p, len, libc::MADV_NOHUGEPAGE) };
    for i in (0..PAGES).filter(|&i| written(i)) {
        // SAFETY: page i of the probe mapping is writable.
        unsafe { p.cast::<u8>().add((i * hp) as usize).write_volatile(1) };
    }
    let first = p as u64 / hp;
    let ok = pagemap_entries(first, first + PAGES)
        .is_some_and(|e| probe_agrees(&e, |i| written(i as u64)));
    // SAFETY: the probe mapping, not used after this.
    unsafe { libc::munmap(p, len) };
    ok
}

/// Whether pagemap entries agree with which probe pages were written.
fn probe_agrees(entries: &[u64], written: impl Fn(usize) -> bool) -> bool {
    const MUST_BE_ZERO: u64 = 0xf << 58;
    entries.iter().enumerate().all(|(i, &x)| {
        let touched = x & (PM_PRESENT | PM_SWAPPED) != 0;
        touched == written(i) && (!touched || x & MUST_BE_ZERO == 0)
    })
}

impl Drop for Memory {
    fn drop(&mut self) {
        // SAFETY: `base` and `reserved` are exactly what mmap returned and took.
        unsafe {
            libc::munmap(self.base.cast(), self.reserved as usize);
        }
    }
}

/// The index of the first `b` in `s`. Most C strings and formats are
/// short, and `memchr`'s setup costs more than a plain scan of a few
/// bytes: the first 32 are scanned plainly, the rest by `memchr`.
#[inline]
pub fn find_byte(s: &[u8], b: u8) -> Option<usize> {
    const SHORT: usize = 32;
    let head = &s[..s.len().min(SHORT)];
    match head.iter().position(|&x| x == b) {
        Some(i) => Some(i),
        None if s.len() > SHORT => memchr::memchr(b, &s[SHORT..]).map(|i| i + SHORT),
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_byte_finds_the_first_at_every_length_and_place() {
        for len in 0..100usize {
            for at in 0..=len {
                let mut s = vec![7u8; len];
                if at < len {
                    s[at] = 0;
                    // A second one further on is not the first.
                    if at + 5 < len {
                        s[at + 5] = 0;
                    }
                }
                let want = s.iter().position(|&b| b == 0);
                assert_eq!(find_byte(&s, 0), want, "len {len} at {at}");
            }
        }
    }

    /// The entries a big-endian guest under qemu-user reads (the host's
    /// little-endian entries, byte-swapped) fail the probe, whatever the
    /// frame numbers; the host's own entries pass it.
    #[test]
    fn pagemap_probe_refuses_byte_swapped_entries() {
        let written = |i: usize| i % 3 == 1;
        let mut failed = 0;
        for seed in 0..1000u64 {
            let entries: Vec<u64> = (0..64)
                .map(|i| {
                    let pfn = (seed * 64 + i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 9;
                    if written(i) {
                        PM_PRESENT | (1 << 56) | pfn
                    } else {
                        0
                    }
                })
                .collect();
            assert!(probe_agrees(&entries, written));
            let swapped: Vec<u64> = entries.iter().map(|e| e.swap_bytes()).collect();
            failed += usize::from(!probe_agrees(&swapped, written));
        }
        assert_eq!(failed, 1000);
    }

    #[test]
    fn bounds_and_null() {
        let mut m = Memory::new(1 << 20, 8192 + MAX_ACCESS).unwrap();
        assert_eq!(m.load(Type::I32, 0), Err(TrapKind::NullAccess));
        assert_eq!(m.load(Type::I8, 4095), Err(TrapKind::NullAccess));
        m.store(Type::I64, 8192 - 8, 0x0102030405060708).unwrap();
        assert_eq!(m.load(Type::I64, 8192 - 8).unwrap(), 0x0102030405060708);
        assert_eq!(m.slice(8192 - 8, 8).unwrap(), &[8, 7, 6, 5, 4, 3, 2, 1]);
        assert_eq!(m.load(Type::I64, 8192 + 1), Err(TrapKind::OutOfBounds));
        assert_eq!(m.load(Type::I64, u64::MAX), Err(TrapKind::OutOfBounds));
        assert_eq!(m.check_range(8000, 192 + MAX_ACCESS), Ok(()));
        assert_eq!(
            m.check_range(8000, 193 + MAX_ACCESS),
            Err(TrapKind::OutOfBounds)
        );
        assert_eq!(m.check_range(u64::MAX - 2, 8), Err(TrapKind::OutOfBounds));
        assert_eq!(m.check_range(10, 8), Err(TrapKind::NullAccess));
        assert_eq!(m.check_range(0, 0), Ok(()));
        assert!(m.grow_to(16384));
        assert_eq!(m.limit(), 16384 + MAX_ACCESS);
        assert!(!m.grow_to(1 << 20));
        m.write(9000, b"hi\0").unwrap();
        assert_eq!(m.c_str(9000).unwrap(), b"hi");
        assert_eq!(m.c_str_max(9000, 1).unwrap(), b"h");
        m.fill(16384 - 4, 1, 4 + MAX_ACCESS).unwrap();
        assert_eq!(m.strlen(16384 - 4), Err(TrapKind::OutOfBounds));
    }

    #[test]
    fn touched_pages_and_loaded_images() {
        let mut m = Memory::new(64 << 20, 32 << 20).unwrap();
        m.store(Type::I8, 5 << 20, 1).unwrap();
        m.store(Type::I8, 20 << 20, 2).unwrap();
        if let Some(t) = m.touched(0, 32 << 20) {
            // Pagemap works here: only what was written (with its huge
            // page, if THP backed it) shows, and nothing near 12 MiB.
            assert!(
                t.iter().any(|&(s, e)| s <= 5 << 20 && 5 << 20 < e),
                "{t:x?}"
            );
            assert!(
                t.iter().any(|&(s, e)| s <= 20 << 20 && 20 << 20 < e),
                "{t:x?}"
            );
            assert!(
                !t.iter().any(|&(s, e)| s <= 12 << 20 && 12 << 20 < e),
                "{t:x?}"
            );
            assert!(
                t.iter().map(|r| r.1 - r.0).sum::<u64>() <= 8 << 20,
                "{t:x?}"
            );
        }
        let r = m
            .load_image(40 << 20, |img| {
                assert!(img.iter().all(|&b| b == 0));
                img[30 << 20] = 9;
                Ok::<(), ()>(())
            })
            .unwrap();
        assert_eq!(r, Ok(()));
        assert_eq!(m.limit(), 40 << 20);
        assert_eq!(m.load(Type::I8, 5 << 20).unwrap(), 0);
        assert_eq!(m.load(Type::I8, 30 << 20).unwrap(), 9);
        assert!(m.load_image(1 << 40, |_| Ok::<(), ()>(())).is_err());
    }

    /// Every byte of `[s, e)` of `m` reads as zero.
    fn zeros(m: &Memory, s: u64, e: u64) -> bool {
        (s..e).all(|a| m.load(Type::I8, a).unwrap() == 0)
    }

    #[test]
    fn discarded_frames_read_as_zero_and_are_given_back() {
        let mut m = Memory::new(64 << 20, 32 << 20).unwrap();
        // A frame before, four to discard, a frame after.
        m.fill(1 << 20, 0x5a, 6 * 4096).unwrap();
        let d = m.discarder();
        d.zero((1 << 20) + 4096, (1 << 20) + 5 * 4096);
        // Before reading them (a read maps the zero page).
        if let (Some(t), true) = (m.touched(1 << 20, (1 << 20) + 6 * 4096), dontneed_works()) {
            if host_page_size() == 4096 {
                // Given back: only the two outer frames are backed.
                assert_eq!(
                    t,
                    vec![
                        (1 << 20, (1 << 20) + 4096),
                        ((1 << 20) + 5 * 4096, (1 << 20) + 6 * 4096)
                    ]
                );
            }
        }
        assert!(zeros(&m, (1 << 20) + 4096, (1 << 20) + 5 * 4096));
        assert_eq!(m.load(Type::I8, (1 << 20) + 4095).unwrap(), 0x5a);
        assert_eq!(m.load(Type::I8, (1 << 20) + 5 * 4096).unwrap(), 0x5a);
        // Beyond the reservation or empty: nothing happens.
        d.zero(63 << 20, 65 << 20);
        d.zero(5 << 20, 5 << 20);
    }

    #[test]
    fn discards_of_tracked_memory_are_written_and_seen_by_the_tracker() {
        let mut m = Memory::new(64 << 20, 32 << 20).unwrap();
        m.fill(2 << 20, 0x77, 8 * 4096).unwrap();
        let mut tracker = None;
        let first = crate::wp::scan_tracked(&mut tracker, &m);
        let d = m.discarder();
        d.zero((2 << 20) + 2 * 4096, (2 << 20) + 6 * 4096);
        if first.is_some() {
            // Written, not dropped: still backed (checked before reading,
            // which would map the zero page).
            if let Some(t) = m.touched((2 << 20) + 2 * 4096, (2 << 20) + 6 * 4096) {
                assert_eq!(t, vec![((2 << 20) + 2 * 4096, (2 << 20) + 6 * 4096)]);
            }
        }
        assert!(zeros(&m, (2 << 20) + 2 * 4096, (2 << 20) + 6 * 4096));
        assert_eq!(m.load(Type::I8, (2 << 20) + 6 * 4096).unwrap(), 0x77);
        let Some(written) = first.and(crate::wp::scan_tracked(&mut tracker, &m)) else {
            crate::eprintln_ok!("write tracking is not available here");
            return;
        };
        // The zeros were written, so the tracker reports those frames.
        let base = 2 << 20;
        for f in 2..6u64 {
            let a = base + f * 4096;
            assert!(
                written.iter().any(|&(s, e)| s <= a && a < e),
                "frame {f} not reported: {written:x?}"
            );
        }
    }

    #[test]
    fn huge_pages_are_dropped_only_whole() {
        let mut m = Memory::new(64 << 20, 32 << 20).unwrap();
        m.huge = true;
        let at = 4 << 20;
        m.fill(at, 0x33, 8 << 20).unwrap();
        let d = m.discarder();
        // Less than a huge page: written over, still backed.
        d.zero(at + (64 << 10), at + (320 << 10));
        if let Some(t) = m.touched(at, at + (1 << 20)) {
            assert_eq!(t, vec![(at, at + (1 << 20))]);
        }
        // Six MiB: the huge pages wholly inside (on the host) dropped.
        d.zero(at + (1 << 20), at + (7 << 20));
        if let (Some(t), true) = (m.touched(at, at + (8 << 20)), dontneed_works()) {
            if host_page_size() <= HUGE_PAGE {
                let base = m.base() as u64;
                let first = align_up(base + at + (1 << 20), HUGE_PAGE) - base;
                let last = (base + at + (7 << 20)) / HUGE_PAGE * HUGE_PAGE - base;
                assert_eq!(t, vec![(at, first), (last, at + (8 << 20))]);
            }
        }
        assert!(zeros(&m, at + (64 << 10), at + (320 << 10)));
        assert!(zeros(&m, at + (1 << 20), at + (7 << 20)));
        assert_eq!(m.load(Type::I8, at + (64 << 10) - 1).unwrap(), 0x33);
        assert_eq!(m.load(Type::I8, at + (7 << 20)).unwrap(), 0x33);
    }
}
