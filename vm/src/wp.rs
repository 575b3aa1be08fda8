//! Write tracking of VM memory with the kernel's asynchronous
//! userfaultfd write-protection (`UFFD_FEATURE_WP_ASYNC`, Linux 6.7) and
//! `PAGEMAP_SCAN`: the memory is registered for write-protection once; each
//! scan returns the pages written since the previous one and protects them
//! again, atomically. A write to a protected page is resolved by the
//! kernel itself (one minor fault per page, or per huge page, first written
//! after a scan; no thread, no signal), including writes the kernel makes
//! for the program (`read` into VM memory). Used by `--incremental` to hash
//! only the pages written since the last chain member
//! (`dirty::hash_pages_shared`); where the kernel lacks it (older kernels,
//! qemu-user, no privilege for userfaultfd) every page is hashed instead,
//! with the same result.

use std::fs::File;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

const UFFD_API: u64 = 0xaa;
const UFFD_FEATURE_WP_UNPOPULATED: u64 = 1 << 13;
const UFFD_FEATURE_WP_ASYNC: u64 = 1 << 15;
const UFFDIO_REGISTER_MODE_WP: u64 = 1 << 1;
/// `_IOWR(0xAA, 0x3F, struct uffdio_api)` (24 bytes).
const UFFDIO_API: libc::c_ulong = 0xc018_aa3f;
/// `_IOWR(0xAA, 0x00, struct uffdio_register)` (32 bytes).
const UFFDIO_REGISTER: libc::c_ulong = 0xc020_aa00;
/// `_IOWR('f', 16, struct pm_scan_arg)` (96 bytes).
const PAGEMAP_SCAN: libc::c_ulong = 0xc060_6610;
const PM_SCAN_WP_MATCHING: u64 = 1 << 0;
const PM_SCAN_CHECK_WPASYNC: u64 = 1 << 1;
const PAGE_IS_WRITTEN: u64 = 1 << 1;

#[repr(C)]
struct PmScanArg {
    size: u64,
    flags: u64,
    start: u64,
    end: u64,
    walk_end: u64,
    vec: u64,
    vec_len: u64,
    max_pages: u64,
    category_inverted: u64,
    category_mask: u64,
    category_anyof_mask: u64,
    return_mask: u64,
}

#[repr(C)]
#[derive(Copy, Clone, Default)]
struct PageRegion {
    start: u64,
    end: u64,
    categories: u64,
}

/// Write tracking of one memory range.
pub struct WriteTracker {
    _uffd: OwnedFd,
    pagemap: File,
    base: u64,
    len: u64,
}

/// The pages of `mem` written since the last scan through `tracker`,
/// which is set up on first use (`None` inside: writes are not tracked
/// here). A tracker follows one mapping: when `mem` is another one (the
/// program's running process changed), it is dropped and this scan
/// reports nothing, so the caller treats the next scan as a first one.
pub fn scan_tracked(
    tracker: &mut Option<Option<WriteTracker>>,
    mem: &crate::memory::Memory,
) -> Option<Vec<(u64, u64)>> {
    if let Some(Some(t)) = tracker {
        if t.base != mem.base() as u64 {
            *tracker = None;
            return None;
        }
    }
    let t = tracker.get_or_insert_with(|| {
        let t = works()
            .then(|| WriteTracker::new(mem.base(), mem.reserved()))
            .flatten();
        if t.is_some() {
            // The allocator's dropped pages would not show as written.
            mem.set_write_tracked();
        }
        t
    });
    t.as_ref()?.scan(mem.bytes().len() as u64)
}

impl WriteTracker {
    /// Registers `[base, base + len)` (page-aligned, an anonymous private
    /// mapping) for write tracking; `None` where the kernel cannot
    /// (`PIVM_WRITE_TRACKING=0` turns it off). Nothing is tracked until the
    /// first `scan`.
    pub fn new(base: *mut u8, len: u64) -> Option<WriteTracker> {
        if std::env::var_os("PIVM_WRITE_TRACKING").is_some_and(|v| v == "0") {
            return None;
        }
        // SAFETY: the userfaultfd system call takes flags only.
        let fd =
            unsafe { libc::syscall(libc::SYS_userfaultfd, libc::O_CLOEXEC | libc::O_NONBLOCK) };
        if fd < 0 {
            return None;
        }
        // SAFETY: a fresh descriptor that we own.
        let uffd = unsafe { OwnedFd::from_raw_fd(fd as i32) };
        let mut api = [
            UFFD_API,
            UFFD_FEATURE_WP_ASYNC | UFFD_FEATURE_WP_UNPOPULATED,
            0u64,
        ];
        // SAFETY: UFFDIO_API reads and writes a 24-byte struct uffdio_api.
        if unsafe { libc::ioctl(uffd.as_raw_fd(), UFFDIO_API, api.as_mut_ptr()) } != 0 {
            return None;
        }
        let mut reg = [base as u64, len, UFFDIO_REGISTER_MODE_WP, 0u64];
        // SAFETY: UFFDIO_REGISTER reads and writes a 32-byte struct
        // uffdio_register for a range of our own mapping.
        if unsafe { libc::ioctl(uffd.as_raw_fd(), UFFDIO_REGISTER, reg.as_mut_ptr()) } != 0 {
            return None;
        }
        let pagemap = File::open("/proc/self/pagemap").ok()?;
        Some(WriteTracker {
            _uffd: uffd,
            pagemap,
            base: base as u64,
            len,
        })
    }

    /// The extents of `[0, len)` (offsets in the range) written since the
    /// previous scan (everything written, for the first), which are
    /// write-protected again: from now on only new writes count. `None` if
    /// the scan failed (then what was written is unknown).
    pub fn scan(&self, len: u64) -> Option<Vec<(u64, u64)>> {
        let end = self.base + len.min(self.len);
        let mut out: Vec<(u64, u64)> = Vec::new();
        let mut regions = vec![PageRegion::default(); 4096];
        let mut start = self.base;
        while start < end {
            let mut arg = PmScanArg {
                size: std::mem::size_of::<PmScanArg>() as u64,
                flags: PM_SCAN_WP_MATCHING | PM_SCAN_CHECK_WPASYNC,
                start,
                end,
                walk_end: 0,
                vec: regions.as_mut_ptr() as u64,
                vec_len: regions.len() as u64,
                max_pages: 0,
                category_inverted: 0,
                category_mask: PAGE_IS_WRITTEN,
                category_anyof_mask: 0,
                return_mask: PAGE_IS_WRITTEN,
            };
            // SAFETY: PAGEMAP_SCAN reads `arg` and writes at most `vec_len`
            // regions into `regions`, which outlives the call.
            let n = unsafe { libc::ioctl(self.pagemap.as_raw_fd(), PAGEMAP_SCAN, &mut arg) };
            if n < 0 || arg.walk_end <= start {
                return None;
            }
            for r in &regions[..n as usize] {
                let (s, e) = (r.start - self.base, r.end - self.base);
                match out.last_mut() {
                    Some(x) if x.1 == s => x.1 = e,
                    _ => out.push((s, e)),
                }
            }
            start = arg.walk_end;
        }
        Some(out)
    }
}

/// Whether write tracking works here, checked once on a probe mapping of
/// 64 pages: after a first scan, some pages written in an irregular
/// pattern (one of them by the kernel, through `read`) must be exactly
/// what the next scan returns, and the scan after that must return
/// nothing.
pub fn works() -> bool {
    static WORKS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *WORKS.get_or_init(probe)
}

fn probe() -> bool {
    const PAGES: u64 = 64;
    let written = |i: u64| (i * 11 + 2) % 9 < 3;
    let ps = crate::memory::host_page_size();
    let len = PAGES * ps;
    // SAFETY: a fresh anonymous private mapping, unmapped below.
    let p = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len as usize,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    if p == libc::MAP_FAILED {
        return false;
    }
    // SAFETY: advice on the probe mapping only.
    unsafe { libc::madvise(p, len as usize, libc::MADV_NOHUGEPAGE) };
    let base = p.cast::<u8>();
    let ok = (|| {
        let t = WriteTracker::new(base, len)?;
        // Some pages populated before tracking starts.
        for i in (0..PAGES).step_by(5) {
            // SAFETY: page i of the probe mapping is writable.
            unsafe { base.add((i * ps) as usize).write_volatile(1) };
        }
        t.scan(len)?;
        let mut fds = [0i32; 2];
        // SAFETY: `fds` has room for two descriptors.
        if unsafe { libc::pipe(fds.as_mut_ptr()) } != 0 {
            return None;
        }
        // SAFETY: fresh descriptors that we own.
        let (rd, wr) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        let mut first = true;
        for i in (0..PAGES).filter(|&i| written(i)) {
            // SAFETY: page i of the probe mapping is writable.
            let page = unsafe { base.add((i * ps) as usize) };
            if first {
                // The kernel writes this one (copy to user memory).
                // SAFETY: plain system calls on our pipe and writable page.
                let ok = unsafe {
                    libc::write(wr.as_raw_fd(), b"x".as_ptr().cast(), 1) == 1
                        && libc::read(rd.as_raw_fd(), page.cast(), 1) == 1
                };
                if !ok {
                    return None;
                }
                first = false;
            } else {
                // SAFETY: as above.
                unsafe { page.write_volatile(2) };
            }
        }
        let got = t.scan(len)?;
        let want: Vec<u64> = (0..PAGES).filter(|&i| written(i)).collect();
        let mut seen = Vec::new();
        for (s, e) in got {
            seen.extend((s / ps)..(e / ps));
        }
        Some(seen == want && t.scan(len)?.is_empty())
    })()
    .unwrap_or(false);
    // SAFETY: the probe mapping, not used after this (unmapping also ends
    // its userfaultfd registration).
    unsafe { libc::munmap(p, len as usize) };
    ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_probe_agrees_with_itself() {
        // Where the kernel has it, the probe passes twice (a second
        // tracker on a new mapping); where it does not, `new` refuses too.
        if works() {
            assert!(probe());
        } else {
            crate::eprintln_ok!("write tracking is not available here");
        }
    }
}
