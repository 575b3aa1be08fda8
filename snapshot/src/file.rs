//! Snapshot files: encoding to bytes and back, streaming VM memory to a
//! file and back without a copy, reading a file with every length checked
//! against the file size before anything is allocated, and the atomic
//! write (temporary file, fsync, rename, fsync of the directory)
//! that leaves the previous snapshot intact if pivm dies mid-write.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::body::{Body, Region, PIVM_VERSION};
use crate::codec::{self, Codec, Compressor, Decompressor};
use crate::digest::{crc32c, crc32c_append, sha256};
use crate::direct::{self, Direct, DirectOut, Outcome};
use crate::error::SnapshotError;
use crate::header::{
    Header, FLAG_DELTA, FLAG_PROCESSES, FLAG_THREADS, FLAG_TIMERS, FORMAT_VERSION, HEADER_LEN,
};
use sha2::{Digest, Sha256};

/// File offsets of memory sections are congruent to their VM addresses
/// modulo this (so page-aligned memory is page-aligned in the file).
pub const PAGE: u64 = 4096;
/// The size of one entry of the section table.
pub const SECTION_ENTRY_LEN: u64 = 24;
/// What `read` and `from_bytes` hold in memory at most: this many bytes
/// plus `IN_MEMORY_RATIO` times the file's size (see `regions`).
const IN_MEMORY_BASE: u64 = 1 << 30;
const IN_MEMORY_RATIO: u64 = 64;
/// The size of one entry of the section table of a compressed file (the
/// stored length is added).
pub const COMPRESSED_ENTRY_LEN: u64 = 32;
/// Memory is checksummed, written and read in pieces of this size (one
/// piece is one system call, and the most a copy through a buffer holds).
const CHUNK: usize = 2 << 20;
/// Raw memory of at least this many bytes is checksummed on a second
/// thread while it is written or read (see `helper_threads`).
const PARALLEL_CRC: usize = 32 << 20;

/// Whether this process may start a thread to checksum memory beside the
/// one that writes or reads it (`no_helper_threads`).
static HELPER_THREADS: AtomicBool = AtomicBool::new(true);

/// Makes this process checksum memory on the thread that writes or reads
/// it. For a child forked from a multi-threaded process to write a
/// snapshot: it starts no thread (only what is async-signal-safe is
/// guaranteed there), and leaves the second core to the program.
pub fn no_helper_threads() {
    HELPER_THREADS.store(false, Ordering::Relaxed);
}

/// Whether `bytes` of raw memory are checksummed on a second thread.
fn checksum_aside(bytes: u64) -> bool {
    bytes >= PARALLEL_CRC as u64 && HELPER_THREADS.load(Ordering::Relaxed)
}

/// The CRC-32C of `bytes`, computed in `CHUNK` pieces until `stop` is set
/// (then `None`).
fn crc32c_pieces(bytes: &[u8], stop: &AtomicBool) -> Option<u32> {
    let mut crc = 0;
    for piece in bytes.chunks(CHUNK) {
        if stop.load(Ordering::Relaxed) {
            return None;
        }
        crc = crc32c_append(crc, piece);
    }
    Some(crc)
}

/// A whole snapshot: the header fields that are not derived from the body,
/// and the body.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Snapshot {
    /// The pivm version that wrote the file (the header's copy).
    pub pivm_version: String,
    /// SHA-256 of the program text (the header's copy; `validate` checks
    /// it against the text).
    pub program_hash: [u8; 32],
    pub body: Body,
    /// How memory sections are stored (the header's flag; a reader learns
    /// it from the file, a writer chooses it).
    pub codec: Codec,
}

impl Snapshot {
    /// A snapshot of `body` written by this pivm; the header's program hash
    /// is the body's.
    pub fn new(body: Body) -> Snapshot {
        Snapshot {
            pivm_version: PIVM_VERSION.to_string(),
            program_hash: body.program.hash,
            body,
            codec: Codec::None,
        }
    }
}

/// One memory section of a snapshot file, as its section table records
/// it: `len` bytes of VM memory at VM address `start`, stored at file
/// offset `offset` (derived from the table, never stored) in `stored`
/// bytes (`len` when raw; compressed blocks otherwise, see `codec`), with
/// the CRC-32C of the `len` bytes.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct Section {
    pub start: u64,
    pub len: u64,
    pub checksum: u32,
    pub offset: u64,
    /// The zero bytes of padding just before `offset`.
    pub pad: u64,
    pub stored: u64,
}

impl Section {
    /// The VM address just past the section.
    pub fn end(&self) -> u64 {
        self.start + self.len
    }
}

/// Bytes of VM memory to write as one section: `bytes` are the contents
/// of VM addresses `start..start + bytes.len()`, borrowed straight from VM
/// memory.
#[derive(Copy, Clone, Debug)]
pub struct MemSection<'a> {
    pub start: u64,
    pub bytes: &'a [u8],
}

/// The file offset of a section of VM address `start` placed at or after
/// offset `at`: the first offset congruent to `start` modulo `PAGE`.
pub fn section_offset(at: u64, start: u64) -> Option<u64> {
    let pad = (start % PAGE + PAGE - at % PAGE) % PAGE;
    at.checked_add(pad)
}

fn encode_error(e: rmp_serde::encode::Error) -> SnapshotError {
    SnapshotError::Encode(e.to_string())
}

/// The bytes of a snapshot file (its memory sections are the body's
/// regions).
pub fn to_bytes(snap: &Snapshot) -> Result<Vec<u8>, SnapshotError> {
    let mut out = io::Cursor::new(Vec::new());
    write_to(&mut out, snap)?;
    Ok(out.into_inner())
}

/// Decodes a snapshot file held in memory: checks the header, every length
/// against `bytes.len()`, the checksums of the table, body and every
/// section, then decodes the body. Does not validate the snapshot against
/// its program: call `validate`.
pub fn from_bytes(bytes: &[u8]) -> Result<Snapshot, SnapshotError> {
    let (mut snap, sections, _) = open_source(bytes, Path::new("<snapshot>"))?;
    let mut reader = SectionReader::new(bytes, Path::new("<snapshot>"), snap.codec)?;
    snap.body.memory.regions = reader.regions(&sections)?;
    Ok(snap)
}

/// Backs `buf` (about to be filled from the file) with memory in one
/// call (`MADV_POPULATE_WRITE`, Linux 5.14): a resume reads into fresh VM
/// memory, where the kernel would otherwise take one fault per 4 KiB page
/// while it copies. Advice only: where it fails (an older kernel, an
/// emulator, a buffer not on a page boundary) the copy faults the pages
/// in as before, as it does for pieces under 64 KiB (a few pages, not
/// worth a system call).
fn prefault(buf: &mut [u8]) {
    #[cfg(target_os = "linux")]
    {
        if buf.len() >= 64 << 10 {
            // SAFETY: advice on memory `buf` borrows mutably; populating
            // writable private memory does not change its contents.
            unsafe {
                libc::madvise(
                    buf.as_mut_ptr().cast(),
                    buf.len(),
                    libc::MADV_POPULATE_WRITE,
                )
            };
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = buf;
}

/// Random-access reading, from a byte slice or a file.
trait Source {
    fn size(&self) -> io::Result<u64>;
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()>;
}

impl Source for [u8] {
    fn size(&self) -> io::Result<u64> {
        Ok(self.len() as u64)
    }
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        let eof = || io::Error::new(io::ErrorKind::UnexpectedEof, "read past the end");
        let start = usize::try_from(offset).map_err(|_| eof())?;
        let end = start.checked_add(buf.len()).ok_or_else(eof)?;
        buf.copy_from_slice(self.get(start..end).ok_or_else(eof)?);
        Ok(())
    }
}

impl Source for File {
    fn size(&self) -> io::Result<u64> {
        Ok(self.metadata()?.len())
    }
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        #[cfg(unix)]
        {
            std::os::unix::fs::FileExt::read_exact_at(self, buf, offset)
        }
        #[cfg(not(unix))]
        {
            let mut f = self;
            f.seek(SeekFrom::Start(offset))?;
            f.read_exact(buf)
        }
    }
}

fn io_err(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> SnapshotError {
    let path = path.to_path_buf();
    move |source| SnapshotError::Io {
        action,
        path,
        source,
    }
}

/// Reads the header, the section table and the body of a file, checking
/// every length against the file size before anything is allocated or
/// read, and the table and body against their checksum. The body's
/// `memory.regions` is empty: the memory is in the returned sections.
fn open_source<S: Source + ?Sized>(
    src: &S,
    path: &Path,
) -> Result<(Snapshot, Vec<Section>, [u8; 32]), SnapshotError> {
    let size = src.size().map_err(io_err("read", path))?;
    let mut head = vec![0u8; size.min(HEADER_LEN as u64) as usize];
    src.read_exact_at(&mut head, 0)
        .map_err(io_err("read", path))?;
    let header = Header::decode(&head)?;
    let malformed = |why: String| SnapshotError::MalformedHeader(why);
    if header.memory_end < HEADER_LEN as u64 {
        return Err(malformed(format!(
            "memory ends at offset {}, inside the header",
            header.memory_end
        )));
    }
    let codec = Codec::from_flags(header.flags);
    let table_len = header
        .sections
        .checked_mul(entry_len(codec))
        .ok_or_else(|| malformed(format!("{} sections is absurd", header.sections)))?;
    let file_len = table_len
        .checked_add(header.body_len)
        .and_then(|m| m.checked_add(header.memory_end))
        .ok_or_else(|| malformed("the lengths of the file's parts overflow".to_string()))?;
    let after_header = |n: u64| n - HEADER_LEN as u64;
    if size < file_len {
        return Err(SnapshotError::TruncatedBody {
            len: after_header(size),
            expected: after_header(file_len),
        });
    }
    if size > file_len {
        return Err(SnapshotError::TrailingBytes {
            extra: size - file_len,
        });
    }
    // Bounded by the file size, checked above.
    let meta_len = usize::try_from(table_len + header.body_len).map_err(|_| {
        malformed("the section table and body do not fit in this host's memory".to_string())
    })?;
    let mut meta = vec![0u8; meta_len];
    src.read_exact_at(&mut meta, header.memory_end)
        .map_err(io_err("read", path))?;
    let computed = crc32c(&meta);
    if computed != header.meta_checksum {
        return Err(SnapshotError::BodyChecksum {
            stored: header.meta_checksum,
            computed,
        });
    }
    let id = file_id(&head[..HEADER_LEN], &meta);
    let (table, body) = meta.split_at(table_len as usize);
    let sections = parse_table(table, header.memory_end, codec)?;
    // `from_slice` borrows from the slice, so a hostile length prefix
    // inside the body fails at the end of the slice instead of allocating.
    let body: Body =
        rmp_serde::from_slice(body).map_err(|e| SnapshotError::Decode(e.to_string()))?;
    if body.program.hash != header.program_hash {
        return Err(SnapshotError::ProgramHash {
            what: "the header and the body record different program hashes",
            expected: header.program_hash,
            found: body.program.hash,
        });
    }
    if (header.flags & FLAG_PROCESSES != 0) != body.family.is_some() {
        return Err(SnapshotError::Threads(
            "the header's process flag and the body's process table disagree".to_string(),
        ));
    }
    if (header.flags & FLAG_TIMERS != 0) != body.timers.is_some() {
        return Err(SnapshotError::Threads(
            "the header's timer flag and the body's timers disagree".to_string(),
        ));
    }
    if (header.flags & FLAG_THREADS != 0) != body.threads.is_some() {
        return Err(SnapshotError::Threads(
            "the header's thread flag and the body's thread table disagree".to_string(),
        ));
    }
    let delta = header.flags & FLAG_DELTA != 0;
    match &body.parent {
        Some(p) if !delta => {
            return Err(SnapshotError::Chain(format!(
                "the body names a parent ({}) but the header does not flag a delta",
                p.name
            )))
        }
        None if delta => {
            return Err(SnapshotError::Chain(
                "the header flags a delta but the body names no parent".to_string(),
            ))
        }
        Some(p) if !p.name_is_plain() => {
            return Err(SnapshotError::Chain(format!(
                "the parent name {:?} is not a plain file name",
                p.name
            )))
        }
        _ => {}
    }
    let snap = Snapshot {
        pivm_version: header.pivm_version,
        program_hash: header.program_hash,
        body,
        codec,
    };
    Ok((snap, sections, id))
}

/// The id of a snapshot file: SHA-256 of its header followed by the
/// SHA-256 of its section table and body (`meta`). It covers everything
/// but the memory bytes, which the section checksums in the table cover,
/// so a delta names its parent by it (SNAPSHOT.md, "Deltas and chains").
pub fn file_id(header: &[u8], meta: &[u8]) -> [u8; 32] {
    id_of(header, sha256(meta))
}

fn id_of(header: &[u8], meta_digest: [u8; 32]) -> [u8; 32] {
    let mut both = Vec::with_capacity(header.len() + 32);
    both.extend_from_slice(header);
    both.extend_from_slice(&meta_digest);
    sha256(&both)
}

/// The size of a section table entry in a file whose memory `codec` stores.
pub fn entry_len(codec: Codec) -> u64 {
    match codec {
        Codec::None => SECTION_ENTRY_LEN,
        _ => COMPRESSED_ENTRY_LEN,
    }
}

/// The sections of a section table: sorted by VM address, disjoint, not
/// empty, and laid out in the file one after the other from the end of
/// the header, the last ending exactly at `memory_end`. Raw, each is at
/// the first offset congruent to its address modulo `PAGE`; compressed,
/// each follows the one before and is at least a block word per block.
fn parse_table(table: &[u8], memory_end: u64, codec: Codec) -> Result<Vec<Section>, SnapshotError> {
    let entry = entry_len(codec) as usize;
    let mut out = Vec::with_capacity(table.len() / entry);
    let mut at = HEADER_LEN as u64;
    let mut prev_end = 0u64;
    for (i, e) in table.chunks_exact(entry).enumerate() {
        let le64 = |o: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&e[o..o + 8]);
            u64::from_le_bytes(b)
        };
        let le32 = |o: usize| u32::from_le_bytes([e[o], e[o + 1], e[o + 2], e[o + 3]]);
        let (start, len) = (le64(0), le64(8));
        let (stored, checksum, reserved) = match codec {
            Codec::None => (len, le32(16), le32(20)),
            _ => (le64(16), le32(24), le32(28)),
        };
        let err = |reason: String| {
            Err(SnapshotError::Section {
                index: i as u64,
                start,
                len,
                reason,
            })
        };
        if reserved != 0 {
            return err("has reserved bits set".to_string());
        }
        if len == 0 {
            return err("is empty".to_string());
        }
        let Some(end) = start.checked_add(len) else {
            return err("wraps around the address space".to_string());
        };
        if i > 0 && start < prev_end {
            return err(format!(
                "overlaps or comes before section {} (sections must be sorted and disjoint)",
                i - 1
            ));
        }
        if codec != Codec::None {
            let words = Codec::blocks(len).saturating_mul(codec::WORD + 1);
            if stored < words || stored > len.saturating_add(Codec::blocks(len) * codec::WORD) {
                return err(format!(
                    "cannot be stored in {stored} bytes of compressed blocks"
                ));
            }
        }
        let offset = match codec {
            Codec::None => section_offset(at, start),
            _ => Some(at),
        };
        let file_end = offset.and_then(|o| o.checked_add(stored));
        let (Some(offset), Some(file_end)) = (offset, file_end) else {
            return err("does not fit in the file".to_string());
        };
        if file_end > memory_end {
            return err(format!(
                "would end at file offset {file_end}, past the end of memory ({memory_end})"
            ));
        }
        out.push(Section {
            start,
            len,
            checksum,
            offset,
            pad: offset - at,
            stored,
        });
        at = file_end;
        prev_end = end;
    }
    if at != memory_end {
        return Err(SnapshotError::MalformedHeader(format!(
            "memory ends at offset {memory_end} but its sections end at {at}"
        )));
    }
    Ok(out)
}

/// Whether `crc` is the checksum the table records for section `s`.
fn check_crc(index: usize, s: &Section, crc: u32) -> Result<(), SnapshotError> {
    if crc != s.checksum {
        return Err(SnapshotError::SectionChecksum {
            index: index as u64,
            start: s.start,
            stored: s.checksum,
            computed: crc,
        });
    }
    Ok(())
}

/// Reads memory sections from a file or a byte slice, raw or compressed,
/// through at most two block-sized buffers.
struct SectionReader<'a, S: Source + ?Sized> {
    src: &'a S,
    path: &'a Path,
    decoder: Option<Decompressor>,
    /// A compressed block as stored.
    stored: Vec<u8>,
    /// Memory read but not kept.
    scratch: Vec<u8>,
}

impl<'a, S: Source + ?Sized> SectionReader<'a, S> {
    fn new(src: &'a S, path: &'a Path, codec: Codec) -> Result<Self, SnapshotError> {
        let decoder = match codec {
            Codec::None => None,
            c => Some(Decompressor::new(c).map_err(io_err("read", path))?),
        };
        Ok(SectionReader {
            src,
            path,
            decoder,
            stored: Vec::new(),
            scratch: Vec::new(),
        })
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<(), SnapshotError> {
        self.src
            .read_exact_at(buf, offset)
            .map_err(io_err("read", self.path))
    }

    /// Checks that the padding before section `s` (number `index`),
    /// which no checksum covers, is zero.
    fn padding(&self, index: usize, s: &Section) -> Result<(), SnapshotError> {
        if s.pad > 0 {
            let mut pad = [0u8; PAGE as usize];
            let pad = &mut pad[..s.pad as usize];
            self.read_at(pad, s.offset - s.pad)?;
            if pad.iter().any(|&b| b != 0) {
                return Err(SnapshotError::Section {
                    index: index as u64,
                    start: s.start,
                    len: s.len,
                    reason: "is preceded by padding that is not zero".to_string(),
                });
            }
        }
        Ok(())
    }

    /// Reads raw `sections` whole into `dsts` (one place each, of its
    /// length), while a second thread computes their checksums from the
    /// pieces already read; then checks every checksum. Falls back to
    /// `section` if no thread can be started.
    fn raw_sections_checked_aside(
        &mut self,
        sections: &[Section],
        dsts: Vec<&mut [u8]>,
    ) -> Result<(), SnapshotError> {
        std::thread::scope(|scope| {
            let (tx, rx) = std::sync::mpsc::sync_channel::<(usize, &[u8])>(8);
            let n = sections.len();
            let summer = std::thread::Builder::new()
                .name("pivm-crc".into())
                .spawn_scoped(scope, move || {
                    let mut crcs = vec![0u32; n];
                    for (i, piece) in rx {
                        crcs[i] = crc32c_append(crcs[i], piece);
                    }
                    crcs
                });
            let Ok(summer) = summer else {
                for (i, (s, dst)) in sections.iter().zip(dsts).enumerate() {
                    self.section(i, s, dst)?;
                }
                return Ok(());
            };
            for (i, (s, dst)) in sections.iter().zip(dsts).enumerate() {
                self.padding(i, s)?;
                let mut off = s.offset;
                for piece in dst.chunks_mut(CHUNK) {
                    prefault(piece);
                    self.read_at(piece, off)?;
                    off += piece.len() as u64;
                    if tx.send((i, piece)).is_err() {
                        break;
                    }
                }
            }
            drop(tx);
            let crcs = summer.join().expect("the checksum thread does not panic");
            for (i, (s, crc)) in sections.iter().zip(crcs).enumerate() {
                check_crc(i, s, crc)?;
            }
            Ok(())
        })
    }

    /// Reads section `s` (number `index`) whole, keeps its first
    /// `dst.len()` bytes (at most `s.len`) in `dst`, and checks its
    /// checksum and, raw, its padding.
    fn section(&mut self, index: usize, s: &Section, dst: &mut [u8]) -> Result<(), SnapshotError> {
        let corrupt = |reason: String| SnapshotError::Section {
            index: index as u64,
            start: s.start,
            len: s.len,
            reason,
        };
        self.padding(index, s)?;
        let kept = dst.len().min(s.len as usize);
        let mut crc = 0;
        let mut off = s.offset;
        let mut done = 0u64;
        let step = match self.decoder {
            None => CHUNK,
            Some(_) => codec::BLOCK,
        } as u64;
        while done < s.len {
            let n = (s.len - done).min(step) as usize;
            let (from, to) = (done as usize, done as usize + n);
            // The block's bytes go to their place in `dst` when they are
            // all kept, else through the scratch buffer.
            let whole = to <= kept;
            if !whole {
                self.scratch.resize(n, 0);
            }
            let mut scratch = std::mem::take(&mut self.scratch);
            let out: &mut [u8] = if whole {
                &mut dst[from..to]
            } else {
                &mut scratch[..n]
            };
            if whole {
                prefault(out);
            }
            let read = match self.decoder.is_some() {
                false => self.read_at(out, off).map(|()| n as u64),
                true => self.block(off, s, out).map_err(|e| match e {
                    SnapshotError::Decode(why) => corrupt(format!("is corrupt: {why}")),
                    e => e,
                }),
            };
            let read = match read {
                Ok(r) => r,
                Err(e) => {
                    self.scratch = scratch;
                    return Err(e);
                }
            };
            crc = crc32c_append(crc, out);
            if !whole && from < kept {
                dst[from..kept].copy_from_slice(&scratch[..kept - from]);
            }
            self.scratch = scratch;
            off += read;
            done += n as u64;
        }
        if off != s.offset + s.stored {
            return Err(corrupt(format!(
                "has {} stored bytes after its last block",
                s.offset + s.stored - off
            )));
        }
        check_crc(index, s, crc)
    }

    /// Decodes the compressed block at file offset `off` of section `s`
    /// into `out`, which it fills; returns the bytes it took in the file.
    /// A malformed block is `SnapshotError::Decode`.
    fn block(&mut self, off: u64, s: &Section, out: &mut [u8]) -> Result<u64, SnapshotError> {
        let end = s.offset + s.stored;
        if off + codec::WORD > end {
            return Err(SnapshotError::Decode(
                "its stored bytes end inside a block".to_string(),
            ));
        }
        let mut word = [0u8; 4];
        self.read_at(&mut word, off)?;
        let (n, raw) = Decompressor::word(word, out.len()).map_err(SnapshotError::Decode)?;
        let data = off + codec::WORD;
        if data + n as u64 > end {
            return Err(SnapshotError::Decode(
                "its stored bytes end inside a block".to_string(),
            ));
        }
        if raw {
            self.read_at(out, data)?;
        } else {
            self.stored.resize(n, 0);
            let mut stored = std::mem::take(&mut self.stored);
            let r = self.read_at(&mut stored, data).and_then(|()| {
                let d = self
                    .decoder
                    .as_mut()
                    .expect("a compressed file has a decoder");
                d.block(&stored, out).map_err(SnapshotError::Decode)
            });
            self.stored = stored;
            r?;
        }
        Ok(codec::WORD + n as u64)
    }

    /// The sections as owned regions. A compressed file may claim far more
    /// memory than it holds, so what these in-memory readers (`read`,
    /// `from_bytes`) hold is bounded: at most `IN_MEMORY_BASE` plus
    /// `IN_MEMORY_RATIO` times the file's size. `SnapshotFile` reads any
    /// size straight into VM memory.
    fn regions(&mut self, sections: &[Section]) -> Result<Vec<Region>, SnapshotError> {
        let file_size = self.src.size().map_err(io_err("read", self.path))?;
        let budget = IN_MEMORY_BASE.saturating_add(file_size.saturating_mul(IN_MEMORY_RATIO));
        let claimed = sections
            .iter()
            .try_fold(0u64, |sum, s| sum.checked_add(s.len))
            .unwrap_or(u64::MAX);
        if claimed > budget {
            return Err(SnapshotError::MalformedHeader(format!(
                "the sections claim {claimed} bytes of memory, more than {budget} for a file of {file_size} bytes read whole into memory"
            )));
        }
        let mut out = Vec::with_capacity(sections.len());
        for (i, s) in sections.iter().enumerate() {
            let mut bytes = Vec::new();
            let fits = usize::try_from(s.len)
                .ok()
                .filter(|&n| bytes.try_reserve_exact(n).is_ok());
            let Some(n) = fits else {
                return Err(SnapshotError::Section {
                    index: i as u64,
                    start: s.start,
                    len: s.len,
                    reason: "does not fit in this host's memory".to_string(),
                });
            };
            bytes.resize(n, 0);
            self.section(i, s, &mut bytes)?;
            out.push(Region {
                start: s.start,
                bytes,
            });
        }
        Ok(out)
    }
}

/// Reads up to `HEADER_LEN` bytes (fewer only at the end of the file).
fn read_header_bytes(file: &mut File, path: &Path) -> Result<Vec<u8>, SnapshotError> {
    let mut buf = Vec::with_capacity(HEADER_LEN);
    file.take(HEADER_LEN as u64)
        .read_to_end(&mut buf)
        .map_err(io_err("read", path))?;
    Ok(buf)
}

/// Reads and checks only the header of the snapshot at `path` (for
/// `pivm inspect` and quick checks).
pub fn read_header(path: &Path) -> Result<Header, SnapshotError> {
    let mut file = File::open(path).map_err(io_err("open", path))?;
    Header::decode(&read_header_bytes(&mut file, path)?)
}

/// An open snapshot file whose header, section table and body have been
/// read and checked, and whose memory is still in the file: `load_into`
/// reads it straight into VM memory.
pub struct SnapshotFile {
    /// The snapshot, with `body.memory.regions` empty.
    pub snapshot: Snapshot,
    /// The memory sections, sorted by address.
    pub sections: Vec<Section>,
    /// The file's id (`file_id`).
    pub id: [u8; 32],
    file: File,
    path: PathBuf,
}

impl SnapshotFile {
    /// Opens the snapshot at `path` and reads everything but its memory.
    /// Every length is checked against the file size before anything is
    /// allocated, so hostile lengths cost nothing. Does not validate the
    /// snapshot against its program: call `validate_file`.
    pub fn open(path: &Path) -> Result<SnapshotFile, SnapshotError> {
        let file = File::open(path).map_err(io_err("open", path))?;
        let (snapshot, sections, id) = open_source(&file, path)?;
        Ok(SnapshotFile {
            snapshot,
            sections,
            id,
            file,
            path: path.to_path_buf(),
        })
    }

    /// The bytes of memory the sections hold.
    pub fn memory_bytes(&self) -> u64 {
        self.sections.iter().map(|s| s.len).sum()
    }

    /// Reads every section into `mem` (VM memory indexed by VM address),
    /// straight from the file, and checks each checksum. Bytes no section
    /// covers are left as they are (pass zeroed memory). On error `mem`
    /// holds part of the snapshot: discard it. A section that does not fit
    /// in `mem` is refused before anything is read; with 32 MiB of raw
    /// memory or more the checksums are compared once every section is
    /// read (they are computed on a second thread meanwhile), so an I/O
    /// error or bad padding is reported before a wrong checksum there.
    pub fn load_into(&self, mem: &mut [u8]) -> Result<(), SnapshotError> {
        let mut reader = self.reader()?;
        let mut dsts = Vec::with_capacity(self.sections.len());
        // The sections are sorted and disjoint (`parse_table`): split
        // `mem` into their places.
        let (mut rest, mut base) = (mem, 0u64);
        let len = rest.len();
        for (i, s) in self.sections.iter().enumerate() {
            let place = s
                .start
                .checked_sub(base)
                .and_then(|skip| usize::try_from(skip).ok())
                .zip(usize::try_from(s.len).ok());
            let fits = place
                .filter(|&(skip, n)| rest.len().checked_sub(skip).is_some_and(|left| left >= n));
            let Some((skip, n)) = fits else {
                return Err(SnapshotError::Section {
                    index: i as u64,
                    start: s.start,
                    len: s.len,
                    reason: format!("does not fit in {len} bytes of VM memory"),
                });
            };
            let (dst, tail) = std::mem::take(&mut rest)[skip..].split_at_mut(n);
            dsts.push(dst);
            rest = tail;
            base = s.end();
        }
        if reader.decoder.is_none() && checksum_aside(self.memory_bytes()) {
            return reader.raw_sections_checked_aside(&self.sections, dsts);
        }
        for (i, (s, dst)) in self.sections.iter().zip(dsts).enumerate() {
            reader.section(i, s, dst)?;
        }
        Ok(())
    }

    /// `load_into` for a member of a chain: a section, or the part of one,
    /// past the end of `mem` is read and its checksum checked, but not kept.
    pub fn load_clipped(&self, mem: &mut [u8]) -> Result<(), SnapshotError> {
        let len = mem.len() as u64;
        let mut reader = self.reader()?;
        for (i, s) in self.sections.iter().enumerate() {
            let kept = len.saturating_sub(s.start).min(s.len);
            let head: &mut [u8] = if kept > 0 {
                &mut mem[s.start as usize..(s.start + kept) as usize]
            } else {
                &mut []
            };
            reader.section(i, s, head)?;
        }
        Ok(())
    }

    fn reader(&self) -> Result<SectionReader<'_, File>, SnapshotError> {
        SectionReader::new(&self.file, &self.path, self.snapshot.codec)
    }

    /// The whole snapshot, memory read into `body.memory.regions`.
    pub fn into_snapshot(self) -> Result<Snapshot, SnapshotError> {
        let regions = self.reader()?.regions(&self.sections)?;
        let mut snap = self.snapshot;
        snap.body.memory.regions = regions;
        Ok(snap)
    }
}

/// Reads the snapshot at `path`, memory included (in
/// `body.memory.regions`). Every length is checked against the file size
/// before anything is allocated. Does not validate the snapshot against
/// its program: call `validate`. To resume, `SnapshotFile` reads memory
/// straight into VM memory instead.
pub fn read(path: &Path) -> Result<Snapshot, SnapshotError> {
    SnapshotFile::open(path)?.into_snapshot()
}

/// A writer that passes bytes through, computing their CRC-32C, SHA-256
/// and count.
struct CrcWriter<W> {
    inner: W,
    /// The CRC-32C of the bytes so far.
    crc: u32,
    sha: Sha256,
    len: u64,
    /// The last I/O error, kept because the encoder reports it as text.
    error: Option<io::Error>,
}

impl<W: Write> Write for CrcWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = match self.inner.write(buf) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return Err(e),
            Err(e) => {
                let copy = io::Error::new(e.kind(), e.to_string());
                self.error = Some(e);
                return Err(copy);
            }
        };
        self.crc = crc32c_append(self.crc, &buf[..n]);
        self.sha.update(&buf[..n]);
        self.len += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// The body's memory regions as sections to write, borrowed.
fn region_sections(snap: &Snapshot) -> Vec<MemSection<'_>> {
    snap.body
        .memory
        .regions
        .iter()
        .map(|r| MemSection {
            start: r.start,
            bytes: &r.bytes,
        })
        .collect()
}

/// Writes the snapshot file to `out` from its current position, its
/// memory sections being the body's regions. Leaves the position at the
/// end of the file.
pub fn write_to<W: Write + Seek>(out: &mut W, snap: &Snapshot) -> Result<FileInfo, SnapshotError> {
    let sections = region_sections(snap);
    write_sections_to(out, snap, &sections)
}

/// Writes the snapshot file to `out` from its current position with
/// `sections` as its memory (`snap.body.memory.regions` is not written):
/// a placeholder header, each section straight from the borrowed memory in
/// large writes, checksummed on the way, then the section table and the
/// body, then the real header over the placeholder. `sections` must be
/// sorted by address and disjoint; empty ones are left out. The header
/// flags a delta when the body names a parent. Returns the length and id
/// of the file and leaves the position at its end.
pub fn write_sections_to<W: Write + Seek>(
    out: &mut W,
    snap: &Snapshot,
    sections: &[MemSection],
) -> Result<FileInfo, SnapshotError> {
    let io = |source| SnapshotError::Io {
        action: "write",
        path: PathBuf::from("<snapshot>"),
        source,
    };
    let base = out.stream_position().map_err(io)?;
    out.write_all(&[0u8; HEADER_LEN]).map_err(io)?;
    let (head, info) = write_sections_stream(out, snap, sections)?;
    out.seek(SeekFrom::Start(base)).map_err(io)?;
    out.write_all(&head).map_err(io)?;
    out.seek(SeekFrom::End(0)).map_err(io)?;
    Ok(info)
}

/// Writes a snapshot file to a stream that cannot seek: every byte after
/// the header (offset `HEADER_LEN` on), in file order, then returns the
/// header, which only the end of the file determines, for the caller to
/// place at offset 0 (a network stream sends it last). The file is the
/// same bytes `write_sections_to` writes.
pub fn write_sections_stream<W: Write>(
    out: &mut W,
    snap: &Snapshot,
    sections: &[MemSection],
) -> Result<([u8; HEADER_LEN], FileInfo), SnapshotError> {
    let mut prev_end = 0u64;
    for (i, s) in sections.iter().enumerate() {
        let end = s.start.checked_add(s.bytes.len() as u64);
        match end {
            Some(end) if i == 0 || s.start >= prev_end => prev_end = end,
            _ => {
                return Err(SnapshotError::Encode(format!(
                    "memory section {i} at {:#x} wraps or overlaps the one before",
                    s.start
                )))
            }
        }
    }
    let io = |source| SnapshotError::Io {
        action: "write",
        path: PathBuf::from("<snapshot>"),
        source,
    };
    static ZEROS: [u8; PAGE as usize] = [0; PAGE as usize];
    let mut pos = HEADER_LEN as u64;
    let mut table = Vec::with_capacity(sections.len() * entry_len(snap.codec) as usize);
    let mut count = 0u64;
    let mut compressor = match snap.codec {
        Codec::None => None,
        c => Some(Compressor::new(c).map_err(io)?),
    };
    let sections: Vec<&MemSection> = sections.iter().filter(|s| !s.bytes.is_empty()).collect();
    let raw = compressor.is_none();
    let total: usize = sections.iter().map(|s| s.bytes.len()).sum();
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        // Raw memory of some size is checksummed on a second thread while
        // this one writes it (the two read the same memory; neither waits
        // for the other until the table). A failed write stops it.
        let checksums = (raw && checksum_aside(total as u64))
            .then(|| {
                std::thread::Builder::new()
                    .name("pivm-crc".into())
                    .spawn_scoped(scope, || {
                        sections
                            .iter()
                            .map(|s| crc32c_pieces(s.bytes, &stop))
                            .collect::<Option<Vec<u32>>>()
                    })
                    .ok()
            })
            .flatten();
        let mut crcs = Vec::with_capacity(sections.len());
        let mut write = || -> Result<(), SnapshotError> {
            for s in &sections {
                let len = s.bytes.len() as u64;
                let mut crc = 0;
                let offset = match &mut compressor {
                    None => {
                        let offset =
                            section_offset(pos, s.start).expect("file offsets do not overflow");
                        out.write_all(&ZEROS[..(offset - pos) as usize])
                            .map_err(io)?;
                        for piece in s.bytes.chunks(CHUNK) {
                            if checksums.is_none() {
                                crc = crc32c_append(crc, piece);
                            }
                            out.write_all(piece).map_err(io)?;
                        }
                        pos = offset + len;
                        offset
                    }
                    Some(c) => {
                        let offset = pos;
                        for piece in s.bytes.chunks(codec::BLOCK) {
                            crc = crc32c_append(crc, piece);
                            let (word, stored) = c.block(piece).map_err(io)?;
                            out.write_all(&word).map_err(io)?;
                            out.write_all(stored).map_err(io)?;
                            pos += codec::WORD + stored.len() as u64;
                        }
                        offset
                    }
                };
                table.extend_from_slice(&s.start.to_le_bytes());
                table.extend_from_slice(&len.to_le_bytes());
                if snap.codec != Codec::None {
                    table.extend_from_slice(&(pos - offset).to_le_bytes());
                }
                // The checksum and a reserved word, filled in below.
                table.extend_from_slice(&[0u8; 8]);
                crcs.push(crc);
                count += 1;
            }
            Ok(())
        };
        let written = write();
        if written.is_err() {
            stop.store(true, Ordering::Relaxed);
        }
        if let Some(h) = checksums {
            let summed = h.join().expect("the checksum thread does not panic");
            if let Some(summed) = summed {
                crcs = summed;
            }
        }
        written?;
        // The checksums go last in each entry.
        let entry = entry_len(snap.codec) as usize;
        for (e, crc) in table.chunks_mut(entry).zip(crcs) {
            e[entry - 8..entry - 4].copy_from_slice(&crc.to_le_bytes());
        }
        Ok::<(), SnapshotError>(())
    })?;
    let memory_end = pos;
    let mut w = CrcWriter {
        inner: BufWriter::with_capacity(1 << 20, &mut *out),
        crc: 0,
        sha: Sha256::new(),
        len: 0,
        error: None,
    };
    w.write_all(&table).map_err(io)?;
    if let Err(e) = rmp_serde::encode::write_named(&mut w, &snap.body) {
        return Err(match w.error.take() {
            Some(source) => io(source),
            None => encode_error(e),
        });
    }
    w.flush().map_err(io)?;
    let (crc, meta_len) = (w.crc, w.len);
    let meta_digest: [u8; 32] = std::mem::take(&mut w.sha).finalize().into();
    drop(w);
    let header = Header {
        format_version: FORMAT_VERSION,
        flags: snap.codec.flag()
            | if snap.body.parent.is_some() {
                FLAG_DELTA
            } else {
                0
            }
            | if snap.body.threads.is_some() {
                FLAG_THREADS
            } else {
                0
            }
            | if snap.body.family.is_some() {
                FLAG_PROCESSES
            } else {
                0
            }
            | if snap.body.timers.is_some() {
                FLAG_TIMERS
            } else {
                0
            },
        pivm_version: snap.pivm_version.clone(),
        program_hash: snap.program_hash,
        sections: count,
        memory_end,
        body_len: meta_len - table.len() as u64,
        meta_checksum: crc,
    };
    let head = header.encode();
    let info = FileInfo {
        len: memory_end + meta_len,
        id: id_of(&head, meta_digest),
    };
    Ok((head, info))
}

/// What writing a snapshot file produced.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct FileInfo {
    /// The length of the file in bytes.
    pub len: u64,
    /// Its id (`file_id`), by which a delta names it as its parent.
    pub id: [u8; 32],
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// The temporary file `write_atomic` writes before renaming it over
/// `path`: `.NAME.PID.N.tmp` in the same directory (so the rename cannot
/// cross file systems).
pub fn temp_path_for(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map_or_else(|| "snapshot".into(), |n| n.to_string_lossy().into_owned());
    let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
    path.with_file_name(format!(".{name}.{}.{n}.tmp", std::process::id()))
}

/// Writes the snapshot to `path` atomically: to a temporary file in the
/// same directory, fsynced, renamed over `path`, then the directory is
/// fsynced. If the process dies at any point, `path` holds either the
/// previous snapshot or the new one, never a mix. On error the temporary
/// file is removed.
pub fn write_atomic(path: &Path, snap: &Snapshot) -> Result<(), SnapshotError> {
    let sections = region_sections(snap);
    write_atomic_sections(path, snap, &sections, true).map(|_| ())
}

/// `write_atomic` with `sections` as the memory (see `write_sections_to`):
/// memory goes from where it is to the file without a copy of it (its
/// whole pages with direct I/O when there are `direct::DIRECT_MIN` bytes
/// of it or more, through a 2 MiB buffer where they are not on a page:
/// see `direct`). Returns the size and id of the file. With
/// `durable` false the file and directory are not fsynced (for
/// measurement: the rename is still atomic for readers, but a power loss
/// may leave an empty or partial file).
pub fn write_atomic_sections(
    path: &Path,
    snap: &Snapshot,
    sections: &[MemSection],
    durable: bool,
) -> Result<FileInfo, SnapshotError> {
    let opts = WriteOptions {
        durable,
        ..WriteOptions::DURABLE
    };
    write_atomic_sections_via(path, &temp_path_for(path), snap, sections, opts)
}

/// How an atomic write goes to disk.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct WriteOptions {
    /// Fsync the file and its directory (always, except to measure the
    /// writer without the disk's flush).
    pub durable: bool,
    /// Whether whole pages of memory go past the page cache, and how.
    pub direct: Direct,
    /// Direct I/O is used when the memory sections hold at least this many
    /// bytes (`direct::DIRECT_MIN`) and are not compressed.
    pub direct_min: u64,
}

impl WriteOptions {
    /// Fsynced, memory of `direct::DIRECT_MIN` bytes or more direct from
    /// the writing process's own pages.
    pub const DURABLE: WriteOptions = WriteOptions {
        durable: true,
        direct: Direct::Memory,
        direct_min: crate::direct::DIRECT_MIN,
    };
}

/// `write_atomic_sections` through the temporary file `tmp` the caller
/// chose (with `temp_path_for`), so that it can remove the file itself
/// if the writer dies before it could: a forked writer that is killed.
/// On error `tmp` is removed.
pub fn write_atomic_sections_via(
    path: &Path,
    tmp: &Path,
    snap: &Snapshot,
    sections: &[MemSection],
    opts: WriteOptions,
) -> Result<FileInfo, SnapshotError> {
    let durable = opts.durable;
    let write = || -> Result<FileInfo, SnapshotError> {
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        // A snapshot holds the program's memory: readable by its owner only.
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options
            .open(tmp)
            .map_err(io_err("create the temporary file", tmp))?;
        // Compressed blocks are small and at any offset: through the page
        // cache, as everything of a small snapshot.
        let memory: u64 = sections.iter().map(|s| s.bytes.len() as u64).sum();
        let direct = if snap.codec == Codec::None && memory >= opts.direct_min {
            opts.direct
        } else {
            Direct::Off
        };
        let mut out = Writeback::new(&file, durable, direct);
        let info = write_sections_to(&mut out, snap, sections).map_err(|e| match e {
            SnapshotError::Io { action, source, .. } => SnapshotError::Io {
                action,
                path: tmp.to_path_buf(),
                source,
            },
            e => e,
        })?;
        if durable {
            file.sync_all().map_err(io_err("sync", tmp))?;
        }
        drop(file);
        fs::rename(tmp, path).map_err(io_err("rename the temporary file over", path))?;
        if durable {
            sync_parent_dir(path)?;
        }
        Ok(info)
    };
    let result = write();
    if result.is_err() {
        let _ = fs::remove_file(tmp);
    }
    result
}

/// Bytes written between two requests to start writeback.
const WRITEBACK_WINDOW: u64 = 8 << 20;
/// Bytes whose writeback may be in flight before the writer waits for the
/// oldest: bounds the dirty memory of one snapshot while keeping the
/// disk's queue full.
const WRITEBACK_IN_FLIGHT: u64 = 64 << 20;

/// `sync_file_range(2)`: `flags` is a combination of `SYNC_FILE_RANGE_*`.
type RangeSync = fn(&File, u64, u64, u32) -> io::Result<()>;

#[cfg(target_os = "linux")]
mod range_sync {
    pub const WAIT_BEFORE: u32 = libc::SYNC_FILE_RANGE_WAIT_BEFORE;
    pub const WRITE: u32 = libc::SYNC_FILE_RANGE_WRITE;
    pub const WAIT_AFTER: u32 = libc::SYNC_FILE_RANGE_WAIT_AFTER;

    pub fn sync_file_range(
        file: &std::fs::File,
        offset: u64,
        len: u64,
        flags: u32,
    ) -> std::io::Result<()> {
        use std::os::fd::AsRawFd;
        let (Ok(offset), Ok(len)) = (offset.try_into(), len.try_into()) else {
            return Err(std::io::Error::from_raw_os_error(libc::EINVAL));
        };
        // SAFETY: a plain system call on a descriptor `file` owns.
        let r = unsafe { libc::sync_file_range(file.as_raw_fd(), offset, len, flags) };
        if r == 0 {
            Ok(())
        } else {
            Err(std::io::Error::last_os_error())
        }
    }

    /// Whether `e` says the call is not available here (an old kernel,
    /// an emulator, a file system that refuses it), as opposed to an I/O
    /// error, which must fail the write: a writeback error waited for
    /// here would not be reported again by the final fsync.
    pub fn unsupported(e: &std::io::Error) -> bool {
        matches!(
            e.raw_os_error(),
            Some(libc::ENOSYS | libc::EINVAL | libc::ESPIPE | libc::EOPNOTSUPP)
        )
    }
}

#[cfg(not(target_os = "linux"))]
mod range_sync {
    pub const WAIT_BEFORE: u32 = 1;
    pub const WRITE: u32 = 2;
    pub const WAIT_AFTER: u32 = 4;

    pub fn sync_file_range(_: &std::fs::File, _: u64, _: u64, _: u32) -> std::io::Result<()> {
        Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
    }

    pub fn unsupported(e: &std::io::Error) -> bool {
        e.kind() == std::io::ErrorKind::Unsupported
    }
}

/// The temporary file of an atomic write, which starts the kernel writing
/// what was written back to disk every `window` bytes
/// (`sync_file_range(SYNC_FILE_RANGE_WRITE)`), so the disk works while
/// memory is still being written and the final fsync has little left, and
/// waits for writeback more than `in_flight` bytes behind, so a large
/// snapshot does not fill memory with dirty pages. Where the call is not
/// supported it is silently not made again (the final fsync alone makes
/// the file durable); any other error of it fails the write.
struct Writeback<'f> {
    file: &'f File,
    /// The same file opened for direct I/O, for whole pages of memory
    /// (`direct`); `None` when off or refused.
    direct: Option<DirectOut>,
    sync: RangeSync,
    /// Whether to start writeback (durable writes where it works).
    active: bool,
    window: u64,
    in_flight: u64,
    /// The file position (writes are positional).
    pos: u64,
    /// The length of the file.
    len: u64,
    /// Bytes written with direct I/O.
    direct_bytes: u64,
    /// Writeback was started for `[0, started)`.
    started: u64,
    /// Writeback was waited for on `[0, waited)`.
    waited: u64,
}

impl<'f> Writeback<'f> {
    fn new(file: &'f File, active: bool, direct: Direct) -> Writeback<'f> {
        let mut w = Writeback::with(
            file,
            active,
            range_sync::sync_file_range,
            WRITEBACK_WINDOW,
            WRITEBACK_IN_FLIGHT,
        );
        w.direct = DirectOut::open(file, direct);
        w
    }

    fn with(file: &'f File, active: bool, sync: RangeSync, window: u64, in_flight: u64) -> Self {
        Writeback {
            file,
            direct: None,
            sync,
            active,
            window,
            in_flight,
            pos: 0,
            len: 0,
            direct_bytes: 0,
            started: 0,
            waited: 0,
        }
    }

    /// Runs `sync` on `[from, to)`; `Ok(false)` if it is not supported.
    fn range(&mut self, from: u64, to: u64, flags: u32) -> io::Result<bool> {
        match (self.sync)(self.file, from, to - from, flags) {
            Ok(()) => Ok(true),
            Err(e) if range_sync::unsupported(&e) => {
                self.active = false;
                Ok(false)
            }
            Err(e) => Err(e),
        }
    }

    /// Starts writeback of what was written since the last call once
    /// there is a window of it, and waits for what is too far behind.
    fn kick(&mut self) -> io::Result<()> {
        if !self.active || self.pos < self.started.saturating_add(self.window) {
            return Ok(());
        }
        let end = self.pos;
        if !self.range(self.started, end, range_sync::WRITE)? {
            return Ok(());
        }
        self.started = end;
        let behind = end.saturating_sub(self.in_flight);
        if behind > self.waited {
            let flags = range_sync::WAIT_BEFORE | range_sync::WRITE | range_sync::WAIT_AFTER;
            if self.range(self.waited, behind, flags)? {
                self.waited = behind;
            }
        }
        Ok(())
    }
}

impl Write for Writeback<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let direct = match &mut self.direct {
            Some(d) => d.write_at(buf, self.pos)?,
            None => Outcome::Unaligned,
        };
        if direct == Outcome::Refused {
            self.direct = None;
        }
        let n = match direct {
            Outcome::Written(n) => {
                self.direct_bytes += n as u64;
                n
            }
            Outcome::Unaligned if self.direct.is_some() => {
                // Through the page cache up to the next page boundary at
                // most, so that what follows can go direct.
                let to_page = direct::ALIGN - (self.pos % direct::ALIGN as u64) as usize;
                positional_write(self.file, &buf[..buf.len().min(to_page)], self.pos)?
            }
            _ => positional_write(self.file, buf, self.pos)?,
        };
        self.pos += n as u64;
        self.len = self.len.max(self.pos);
        self.kick()?;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Seek for Writeback<'_> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let pos = match to {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::End(d) => self.len.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        self.pos = pos.ok_or_else(|| io::Error::from(io::ErrorKind::InvalidInput))?;
        Ok(self.pos)
    }
}

#[cfg(unix)]
fn positional_write(file: &File, buf: &[u8], pos: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::write_at(file, buf, pos)
}

#[cfg(windows)]
fn positional_write(file: &File, buf: &[u8], pos: u64) -> io::Result<usize> {
    std::os::windows::fs::FileExt::seek_write(file, buf, pos)
}

#[cfg(not(any(unix, windows)))]
fn positional_write(mut file: &File, buf: &[u8], pos: u64) -> io::Result<usize> {
    file.seek(SeekFrom::Start(pos))?;
    file.write(buf)
}

/// Fsyncs the directory holding `path`, so that entries made in it (a
/// rename, a link) are durable.
pub fn sync_parent_dir(path: &Path) -> Result<(), SnapshotError> {
    #[cfg(unix)]
    {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let d = File::open(dir).map_err(io_err("open the directory", dir))?;
        d.sync_all().map_err(io_err("sync the directory", dir))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    thread_local! {
        /// The calls the fake `sync_file_range`s below received.
        static CALLS: RefCell<Vec<(u64, u64, u32)>> = const { RefCell::new(Vec::new()) };
    }

    fn record(_: &File, offset: u64, len: u64, flags: u32) -> io::Result<()> {
        CALLS.with(|c| c.borrow_mut().push((offset, len, flags)));
        Ok(())
    }

    fn unsupported(f: &File, offset: u64, len: u64, flags: u32) -> io::Result<()> {
        record(f, offset, len, flags)?;
        #[cfg(target_os = "linux")]
        return Err(io::Error::from_raw_os_error(libc::ENOSYS));
        #[cfg(not(target_os = "linux"))]
        return Err(io::Error::from(io::ErrorKind::Unsupported));
    }

    fn failing(f: &File, offset: u64, len: u64, flags: u32) -> io::Result<()> {
        record(f, offset, len, flags)?;
        Err(io::Error::other("injected writeback failure"))
    }

    fn temp_file(name: &str) -> (PathBuf, File) {
        let path =
            std::env::temp_dir().join(format!("pivm-writeback-{name}-{}.tmp", std::process::id()));
        let _ = fs::remove_file(&path);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .unwrap();
        (path, file)
    }

    /// Writes 1 MiB in uneven pieces, rewrites the start, seeks to the end
    /// (as `write_sections_to` does); the bytes the file holds.
    fn write_pattern(out: &mut Writeback) -> io::Result<Vec<u8>> {
        let data: Vec<u8> = (0..1u32 << 20).map(|i| (i * 7 % 251) as u8).collect();
        for piece in data.chunks(40_000) {
            out.write_all(piece)?;
        }
        out.seek(SeekFrom::Start(0))?;
        out.write_all(&[9u8; 128])?;
        out.seek(SeekFrom::End(0))?;
        let mut expected = data;
        expected[..128].fill(9);
        Ok(expected)
    }

    #[test]
    fn writeback_follows_the_writes_and_waits_far_behind() {
        let (path, file) = temp_file("follows");
        CALLS.with(|c| c.borrow_mut().clear());
        let mut out = Writeback::with(&file, true, record, 64 << 10, 256 << 10);
        let expected = write_pattern(&mut out).unwrap();
        assert_eq!(fs::read(&path).unwrap(), expected);
        let calls = CALLS.with(|c| c.borrow().clone());
        let (mut started, mut waited) = (0, 0);
        for &(offset, len, flags) in &calls {
            if flags == range_sync::WRITE {
                assert_eq!(offset, started, "{calls:?}");
                assert!(len >= 64 << 10, "{calls:?}");
                started += len;
            } else {
                assert_eq!(
                    flags,
                    range_sync::WAIT_BEFORE | range_sync::WRITE | range_sync::WAIT_AFTER
                );
                assert_eq!(offset, waited, "{calls:?}");
                waited += len;
                assert!(waited + (256 << 10) <= started, "{calls:?}");
            }
        }
        // Writeback was started for all but the last window and waited
        // for all but the last `in_flight` bytes.
        assert!(started > (1 << 20) - (64 << 10), "{calls:?}");
        assert!(waited > (1 << 20) - (256 << 10) - (64 << 10), "{calls:?}");
        fs::remove_file(&path).unwrap();
    }

    #[test]
    fn inactive_writeback_makes_no_call() {
        let (path, file) = temp_file("inactive");
        CALLS.with(|c| c.borrow_mut().clear());
        let mut out = Writeback::with(&file, false, record, 64 << 10, 256 << 10);
        let expected = write_pattern(&mut out).unwrap();
        assert_eq!(fs::read(&path).unwrap(), expected);
        assert!(CALLS.with(|c| c.borrow().is_empty()));
        fs::remove_file(&path).unwrap();
    }

    /// Where sync_file_range is not supported (old kernels, emulators),
    /// it is tried once and the file is written all the same.
    #[test]
    fn unsupported_writeback_is_dropped_silently() {
        let (path, file) = temp_file("unsupported");
        CALLS.with(|c| c.borrow_mut().clear());
        let mut out = Writeback::with(&file, true, unsupported, 64 << 10, 256 << 10);
        let expected = write_pattern(&mut out).unwrap();
        assert!(!out.active);
        assert_eq!(fs::read(&path).unwrap(), expected);
        assert_eq!(CALLS.with(|c| c.borrow().len()), 1);
        fs::remove_file(&path).unwrap();
    }

    /// Whole pages at aligned offsets go direct, from memory or copied
    /// (from aligned and unaligned memory alike); the header, the padding
    /// and partial pages through the page cache; the file holds every
    /// byte where it was written.
    #[test]
    fn direct_writes_take_the_whole_pages() {
        const P: usize = crate::direct::ALIGN;
        for mode in [Direct::Memory, Direct::Copied] {
            for skew in [0, 8] {
                let (path, file) = temp_file(&format!("direct-{mode:?}-{skew}"));
                // 5 pages of memory at an aligned address plus `skew`.
                let mut backing = vec![0u8; 7 * P];
                let at = backing.as_ptr().align_offset(P) + skew;
                let mem = &mut backing[at..at + 5 * P + 100];
                for (i, b) in mem.iter_mut().enumerate() {
                    *b = (i * 13 % 241) as u8;
                }
                let mem = &*mem;
                let mut out = Writeback::new(&file, true, mode);
                let opened = out.direct.is_some();
                out.write_all(&[0u8; 64]).unwrap();
                out.write_all(&[0u8; P - 64]).unwrap();
                // A section of 5 pages and 100 bytes, then the body.
                out.write_all(mem).unwrap();
                out.write_all(&[7u8; 3000]).unwrap();
                out.seek(SeekFrom::Start(0)).unwrap();
                out.write_all(&[5u8; 64]).unwrap();
                assert_eq!(out.seek(SeekFrom::End(0)).unwrap(), (6 * P + 3100) as u64);
                let mut expected = vec![5u8; 64];
                expected.resize(P, 0);
                expected.extend_from_slice(mem);
                expected.extend_from_slice(&[7u8; 3000]);
                assert_eq!(fs::read(&path).unwrap(), expected, "{mode:?} {skew}");
                if opened && out.direct.is_some() {
                    assert_eq!(out.direct_bytes, 5 * P as u64, "{mode:?} {skew}");
                } else {
                    eprintln!("direct I/O not available in {}", path.display());
                }
                fs::remove_file(&path).unwrap();
            }
        }
    }

    /// Off, everything goes through the page cache.
    #[test]
    fn direct_off_writes_through_the_page_cache() {
        let (path, file) = temp_file("direct-off");
        let mut out = Writeback::new(&file, true, Direct::Off);
        let expected = write_pattern(&mut out).unwrap();
        assert!(out.direct.is_none());
        assert_eq!(out.direct_bytes, 0);
        assert_eq!(fs::read(&path).unwrap(), expected);
        fs::remove_file(&path).unwrap();
    }

    /// Any other error fails the write: a writeback error waited for here
    /// would not be reported again by the final fsync.
    #[test]
    fn a_writeback_error_fails_the_write() {
        let (path, file) = temp_file("failing");
        let mut out = Writeback::with(&file, true, failing, 64 << 10, 256 << 10);
        let e = write_pattern(&mut out).unwrap_err();
        assert_eq!(e.to_string(), "injected writeback failure");
        fs::remove_file(&path).unwrap();
    }
}
