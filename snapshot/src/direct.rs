//! Direct I/O (`O_DIRECT`) for the memory sections of large snapshots
//! stored raw (compressed blocks go through the page cache).
//!
//! Through the page cache and then fsynced, a 1 GiB snapshot moved at
//! 250-500 MB/s on the development VMs, however early writeback was
//! started: the flush of the cached pages bounds it; not fsynced, a
//! program of a few GiB writing as much again into the page cache is held
//! to the disk's speed by the kernel's dirty-page throttling. The same
//! pages written with `O_DIRECT` (then one fsync) move at 1.5-2 GB/s and
//! leave no dirty page behind (`benches/RESULTS.md`, "Issue 13, 2026-12-06").
//! Direct I/O needs the memory address, the file
//! offset and the length aligned to the device's block: a memory section
//! sits at the same offset within a page in the file as in memory
//! (`file::section_offset`), and VM memory's sections start on pages, so
//! their whole pages go direct; what is not whole pages at aligned
//! offsets (the header, padding, partial pages, pieces of the table and
//! body that do not start on a page) goes through the page cache. The
//! kernel keeps the two coherent page by page (a page written both ways,
//! after a short direct write, is written back before it is read).
//!
//! Below `DIRECT_MIN` bytes of memory the page cache is as fast or
//! faster there (the host absorbs the flush of a few hundred MiB: 1.6-1.8
//! GB/s against 1.3-1.5 direct at 128-512 MiB), and the dirty pages are
//! few, so smaller snapshots go through it.
//!
//! Pinning a page for direct I/O makes the kernel copy it first when the
//! page is shared copy-on-write with another process (a forked writer's
//! view of the program's memory): there every piece is copied into a
//! buffer of the writer's own first (`Direct::Copied`), which costs a
//! memory copy instead of a kernel page copy of all of memory.
//!
//! Where the file system refuses direct I/O (tmpfs on older kernels, some
//! network file systems: `EINVAL`) or the descriptor cannot be reopened,
//! the whole file goes through the page cache, as before.

use std::fs::File;
use std::io;

/// The alignment of address, offset and length of a direct write: a page,
/// which is a multiple of every block size direct I/O asks for here.
pub const ALIGN: usize = 4096;
/// The memory of a snapshot below which direct I/O is not used.
pub const DIRECT_MIN: u64 = 512 << 20;
/// The most a copied piece holds (the writer's pieces are this size).
const BOUNCE: usize = 2 << 20;

/// Whether and how the memory of an atomic write goes past the page cache.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Direct {
    /// Everything through the page cache.
    Off,
    /// Aligned pieces straight from the memory given: the pages are the
    /// writing process's own.
    Memory,
    /// Aligned pieces copied into a buffer first: the memory may be shared
    /// copy-on-write with another process (a forked writer).
    Copied,
}

/// A second, direct descriptor of a file being written.
pub struct DirectOut {
    file: File,
    copied: bool,
    /// `BOUNCE + ALIGN` bytes, allocated at the first copy; the aligned
    /// part of it is the buffer.
    bounce: Vec<u8>,
}

impl DirectOut {
    /// Opens `file` again for direct writes, or `None` where that is not
    /// possible (not Linux, no `/proc`, a file system without direct I/O).
    pub fn open(file: &File, mode: Direct) -> Option<DirectOut> {
        if mode == Direct::Off {
            return None;
        }
        let file = reopen_direct(file)?;
        Some(DirectOut {
            file,
            copied: mode == Direct::Copied,
            bounce: Vec::new(),
        })
    }

    /// Writes the longest aligned prefix of `buf` (at most one buffer's
    /// worth when copying) at file offset `pos`.
    pub fn write_at(&mut self, buf: &[u8], pos: u64) -> io::Result<Outcome> {
        let len = buf.len() / ALIGN * ALIGN;
        if !pos.is_multiple_of(ALIGN as u64) || len == 0 {
            return Ok(Outcome::Unaligned);
        }
        let data = if self.copied || !(buf.as_ptr() as usize).is_multiple_of(ALIGN) {
            if self.bounce.is_empty() {
                self.bounce = vec![0; BOUNCE + ALIGN];
            }
            let at = self.bounce.as_ptr().align_offset(ALIGN);
            let n = len.min(BOUNCE);
            let piece = &mut self.bounce[at..at + n];
            piece.copy_from_slice(&buf[..n]);
            &*piece
        } else {
            &buf[..len]
        };
        match write_at(&self.file, data, pos) {
            Ok(n) => Ok(Outcome::Written(n)),
            Err(e) if refused(&e) => Ok(Outcome::Refused),
            Err(e) => Err(e),
        }
    }
}

/// What a direct write did.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Outcome {
    /// Wrote this many bytes.
    Written(usize),
    /// Nothing: the offset is not aligned or there is not one whole
    /// block to write.
    Unaligned,
    /// Nothing: the file system does not take direct writes (do not ask
    /// again).
    Refused,
}

#[cfg(target_os = "linux")]
fn reopen_direct(file: &File) -> Option<File> {
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::OpenOptionsExt;
    // The same file by its descriptor, not by its name, which another
    // process could have replaced meanwhile.
    std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_DIRECT)
        .open(format!("/proc/self/fd/{}", file.as_raw_fd()))
        .ok()
}

#[cfg(not(target_os = "linux"))]
fn reopen_direct(_: &File) -> Option<File> {
    None
}

#[cfg(unix)]
fn write_at(file: &File, buf: &[u8], pos: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::write_at(file, buf, pos)
}

#[cfg(not(unix))]
fn write_at(_: &File, _: &[u8], _: u64) -> io::Result<usize> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

/// Whether `e` says the file system does not take this direct write (as
/// opposed to an I/O error, which fails the snapshot).
fn refused(e: &io::Error) -> bool {
    #[cfg(target_os = "linux")]
    return matches!(e.raw_os_error(), Some(libc::EINVAL | libc::EOPNOTSUPP));
    #[cfg(not(target_os = "linux"))]
    return e.kind() == io::ErrorKind::Unsupported;
}
