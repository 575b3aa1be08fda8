//! Which pages of VM memory changed since the last snapshot, for deltas.
//!
//! The mechanism is a hash per 4 KiB page, taken when a snapshot is
//! written (by the forked writer, from its copy of memory): a delta holds
//! the pages whose hash changed since its parent. Which pages are hashed:
//! - where the kernel has asynchronous userfaultfd write-protection and
//!   `PAGEMAP_SCAN` (Linux 6.7+, `wp.rs`), only the pages written since
//!   the parent was taken; the others keep the parent's hash. The price
//!   while the program runs is one minor fault, resolved in the kernel,
//!   per page (or huge page) first written after a snapshot;
//! - elsewhere (older kernels, qemu-user), every page the host backed,
//!   split across forked helpers; nothing at all runs between snapshots.
//!
//! The hash decides either way, so both give the same deltas. Set aside:
//! soft-dirty bits (`/proc/self/clear_refs`: only on kernels built with
//! CONFIG_MEM_SOFT_DIRTY, not this project's machines', not arm64 or
//! riscv64), synchronous userfaultfd or mprotect (a thread switch or a
//! signal per fault, and EFAULT for host I/O into protected memory), and
//! marking pages from compiled code (a store per store). Pages the host
//! never backed (`Memory::touched`) are known to be zero without being
//! read.

//! The hash is XXH3-128 keyed with a seed drawn from the OS when the run
//! starts and never stored where the program can see it, so a program
//! cannot construct a page change that keeps its hash; an accidental
//! collision has probability 2^-128 per changed page.

use pivm_snapshot::MemoryLayout;
use xxhash_rust::xxh3::xxh3_128_with_seed;

/// The page size of dirty tracking (and of memory sections).
pub const PAGE: u64 = 4096;

/// The hashes of every page of VM memory at one snapshot, and the layout
/// that snapshot recorded.
#[derive(Clone)]
pub struct PageHashes {
    pub seed: u64,
    pub layout: MemoryLayout,
    /// The length of VM memory then.
    pub len: u64,
    pub hashes: Vec<u128>,
}

/// A fresh seed from the OS (`getrandom`), or from the clock and pid where
/// that fails.
pub fn new_seed() -> u64 {
    let mut b = [0u8; 8];
    // SAFETY: writes at most 8 bytes into `b`.
    let n = unsafe { libc::getrandom(b.as_mut_ptr().cast(), b.len(), 0) };
    if n == 8 {
        return u64::from_le_bytes(b);
    }
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    t ^ (u64::from(std::process::id()) << 32)
}

/// The number of pages of `len` bytes of memory.
pub fn pages(len: u64) -> usize {
    len.div_ceil(PAGE) as usize
}

/// Hashes every page of `mem` into `out` (one entry per page). Pages
/// outside `touched` (sorted extents; `None`: all) are zero.
pub fn hash_pages(mem: &[u8], touched: Option<&[(u64, u64)]>, seed: u64, out: &mut [u128]) {
    let n = pages(mem.len() as u64).min(out.len());
    hash_range(mem, touched, None, seed, out, 0, n);
}

/// Hashes known from an earlier snapshot: `hashes`, valid for every page
/// outside `written` (sorted extents of the pages written since).
#[derive(Copy, Clone)]
pub struct Reuse<'a> {
    pub hashes: &'a [u128],
    pub written: &'a [(u64, u64)],
}

/// A cursor over sorted extents: whether each next page (in increasing
/// order) meets one.
struct Extents<'a> {
    it: std::iter::Peekable<std::slice::Iter<'a, (u64, u64)>>,
}

impl<'a> Extents<'a> {
    fn from(ext: &'a [(u64, u64)], at: u64) -> Extents<'a> {
        Extents {
            it: ext[ext.partition_point(|&(_, e)| e <= at)..]
                .iter()
                .peekable(),
        }
    }

    fn meets(&mut self, start: u64, end: u64) -> bool {
        while self.it.peek().is_some_and(|&&(_, e)| e <= start) {
            self.it.next();
        }
        self.it.peek().is_some_and(|&&(s, _)| s < end)
    }
}

/// `hash_pages` for pages `[from, to)` only, keeping the hash of pages
/// `reuse` says were not written.
fn hash_range(
    mem: &[u8],
    touched: Option<&[(u64, u64)]>,
    reuse: Option<Reuse>,
    seed: u64,
    out: &mut [u128],
    from: usize,
    to: usize,
) {
    static ZERO: [u8; PAGE as usize] = [0; PAGE as usize];
    let zero = xxh3_128_with_seed(&ZERO, seed);
    let len = mem.len() as u64;
    let at = from as u64 * PAGE;
    let mut backed = touched.map(|t| Extents::from(t, at));
    let mut written = reuse.map(|r| Extents::from(r.written, at));
    for (p, slot) in out.iter_mut().enumerate().take(to).skip(from) {
        let start = p as u64 * PAGE;
        let end = (start + PAGE).min(len);
        if let (Some(r), Some(w)) = (reuse, written.as_mut()) {
            if !w.meets(start, end) {
                if let Some(&h) = r.hashes.get(p) {
                    *slot = h;
                    continue;
                }
            }
        }
        let backed = backed.as_mut().is_none_or(|b| b.meets(start, end));
        *slot = if !backed && end - start == PAGE {
            zero
        } else {
            xxh3_128_with_seed(&mem[start as usize..end as usize], seed)
        };
    }
}

/// `hash_pages` into a shared table, the pages split between this process
/// and forked helpers (one per available core beyond the first, at most
/// three, each with at least 16 MiB to hash) that write their part of the
/// table and `_exit`. A helper only hashes (no lock, no allocation), so
/// forking it from a multi-threaded process is safe; it dies with its
/// parent. The part of a helper that cannot be forked or does not finish
/// is hashed here.
pub fn hash_pages_shared(
    mem: &[u8],
    touched: Option<&[(u64, u64)]>,
    reuse: Option<Reuse>,
    seed: u64,
    table: &mut SharedTable,
) {
    const MIN_PAGES: usize = 4096;
    let n = pages(mem.len() as u64).min(table.len);
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    let workers = cores.min(4).min(n / MIN_PAGES).max(1);
    let per = n.div_ceil(workers);
    let out = table.as_mut_slice();
    let mut helpers = Vec::new();
    for w in 1..workers {
        let (from, to) = (w * per, ((w + 1) * per).min(n));
        // SAFETY: the child only hashes its copy of memory into the shared
        // table and `_exit`s.
        match unsafe { libc::fork() } {
            0 => {
                // SAFETY: plain system calls with no memory arguments.
                unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) };
                hash_range(mem, touched, reuse, seed, out, from, to);
                // SAFETY: ends the helper without exit handlers or flushing.
                unsafe { libc::_exit(0) };
            }
            pid if pid > 0 => helpers.push((pid, from, to)),
            _ => hash_range(mem, touched, reuse, seed, out, from, to),
        }
    }
    hash_range(mem, touched, reuse, seed, out, 0, per.min(n));
    for (pid, from, to) in helpers {
        let mut status = 0;
        // SAFETY: `pid` is a child of this process, reaped only here.
        while unsafe { libc::waitpid(pid, &mut status, 0) } < 0
            && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted
        {}
        if !(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0) {
            hash_range(mem, touched, reuse, seed, out, from, to);
        }
    }
}

/// The parts of page `p` (of memory `len` bytes long) inside the areas of
/// `l`, in address order (at most three).
fn covered(l: &MemoryLayout, len: u64, p: usize) -> ([(u64, u64); 3], usize) {
    let start = p as u64 * PAGE;
    let end = (start + PAGE).min(len);
    let mut areas = [
        (l.data_start, l.data_end),
        (l.stack_start, l.stack_end),
        (l.heap_start, l.heap_end),
    ];
    areas.sort();
    let mut out = [(0, 0); 3];
    let mut n = 0;
    for (s, e) in areas {
        let (s, e) = (s.max(start), e.min(end));
        if s < e {
            out[n] = (s, e);
            n += 1;
        }
    }
    (out, n)
}

/// The extents a delta of `mem` (laid out as `layout`, already hashed into
/// `now`) against `parent` must hold: every page inside the areas whose
/// hash changed, and every page whose part inside the areas is not the
/// part the parent covered (new memory, moved area ends) unless it is zero
/// now and the parent covered none of it. Adjacent parts are merged.
pub fn delta_extents(
    mem: &[u8],
    layout: &MemoryLayout,
    now: &[u128],
    parent: &PageHashes,
) -> Vec<(u64, u64)> {
    let len = mem.len() as u64;
    let mut out: Vec<(u64, u64)> = Vec::new();
    for (p, &h) in now.iter().enumerate().take(pages(len)) {
        let (cur, n) = covered(layout, len, p);
        if n == 0 {
            continue;
        }
        let (old, m) = if (p as u64) < pages(parent.len) as u64 {
            covered(&parent.layout, parent.len, p)
        } else {
            ([(0, 0); 3], 0)
        };
        let changed = if cur[..n] == old[..m] {
            parent.hashes.get(p) != Some(&h)
        } else {
            m > 0
                || cur[..n]
                    .iter()
                    .any(|&(s, e)| mem[s as usize..e as usize].iter().any(|&b| b != 0))
        };
        if changed {
            for &(s, e) in &cur[..n] {
                match out.last_mut() {
                    Some(r) if r.1 == s => r.1 = e,
                    _ => out.push((s, e)),
                }
            }
        }
    }
    out
}

/// A table of page hashes in memory shared with forked children: the
/// writer child fills it for the snapshot it writes, and the parent adopts
/// it once that snapshot is safely written.
pub struct SharedTable {
    ptr: *mut u128,
    len: usize,
}

// SAFETY: the table is plain memory owned by this value; only one process
// writes it at a time (the child while the parent waits for it).
unsafe impl Send for SharedTable {}

impl SharedTable {
    /// A zeroed table of `len` hashes, or `None` if it cannot be mapped.
    pub fn new(len: usize) -> Option<SharedTable> {
        let bytes = len.checked_mul(16)?.max(1);
        // SAFETY: a fresh anonymous shared mapping, checked below.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                bytes,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return None;
        }
        Some(SharedTable {
            ptr: ptr.cast(),
            len,
        })
    }

    /// The number of hashes.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn as_mut_slice(&mut self) -> &mut [u128] {
        // SAFETY: `ptr` maps `len` u128s (page-aligned, so aligned) that
        // only this value hands out.
        unsafe { std::slice::from_raw_parts_mut(self.ptr, self.len) }
    }

    pub fn to_vec(&self) -> Vec<u128> {
        // SAFETY: as in `as_mut_slice`, read-only.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }.to_vec()
    }
}

impl Drop for SharedTable {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly the mapping `new` made.
        unsafe { libc::munmap(self.ptr.cast(), (self.len * 16).max(1)) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(heap_end: u64) -> MemoryLayout {
        MemoryLayout {
            data_start: 0x1000,
            data_end: 0x1800,
            stack_start: 0x2000,
            stack_end: 0x4000,
            sp: 0x2000,
            stack_limit: 0x4000,
            heap_start: 0x4000,
            heap_end,
            heap_top: heap_end,
        }
    }

    fn hashed(mem: &[u8], l: MemoryLayout, seed: u64) -> PageHashes {
        let mut hashes = vec![0; pages(mem.len() as u64)];
        hash_pages(mem, None, seed, &mut hashes);
        PageHashes {
            seed,
            layout: l,
            len: mem.len() as u64,
            hashes,
        }
    }

    #[test]
    fn a_delta_holds_exactly_the_changed_pages() {
        let mut mem = vec![0u8; 0x8000];
        mem[0x1000] = 1;
        mem[0x5000] = 2;
        let parent = hashed(&mem, layout(0x8000), 7);
        // Nothing changed: nothing to write.
        let now = hashed(&mem, layout(0x8000), 7).hashes;
        assert!(delta_extents(&mem, &layout(0x8000), &now, &parent).is_empty());
        // Two pages changed, one of them back to zero; adjacent pages merge.
        mem[0x5000] = 0;
        mem[0x6fff] = 3;
        mem[0x2004] = 4;
        let now = hashed(&mem, layout(0x8000), 7).hashes;
        assert_eq!(
            delta_extents(&mem, &layout(0x8000), &now, &parent),
            vec![(0x2000, 0x3000), (0x5000, 0x7000)]
        );
        // The heap grew: the new pages count when they are not zero.
        let mut big = mem.clone();
        big.resize(0xa000, 0);
        big[0x9000] = 5;
        let now = hashed(&big, layout(0xa000), 7).hashes;
        assert_eq!(
            delta_extents(&big, &layout(0xa000), &now, &parent),
            vec![(0x2000, 0x3000), (0x5000, 0x7000), (0x9000, 0xa000)]
        );
    }

    #[test]
    fn untouched_pages_hash_as_zero() {
        let mut mem = vec![0u8; 0x4000];
        mem[0x2000] = 9;
        let mut all = vec![0; 4];
        let mut some = vec![0; 4];
        hash_pages(&mem, None, 3, &mut all);
        hash_pages(&mem, Some(&[(0x2000, 0x3000)]), 3, &mut some);
        assert_eq!(all, some);
        assert_ne!(all[1], all[2]);
        // Another seed, other hashes.
        hash_pages(&mem, None, 4, &mut some);
        assert_ne!(all, some);
    }
}
