//! Where snapshot files go and where they come from: one `Export`
//! interface with three implementations (a directory, memory, a byte
//! stream) and the matching imports. A snapshot exported to a stream is
//! the same bytes as the file, in file order, except that the header (which
//! only the end of the file determines) comes last; the receiver puts every
//! member back into a file and opens it like any other (`SnapshotFile`,
//! `Chain`), so a stream is validated exactly as a file is.
//!
//! The stream is a sequence of frames, each a kind byte, a little-endian
//! `u64` length and that many bytes:
//!
//! ```text
//! MEMBER  name          a snapshot file named `name` begins (a plain name)
//! DATA    bytes         the next bytes of the current member or file
//! HEADER  128 bytes     the member's header: the member is complete
//! FILE    guest path    an open file's content begins (`--with-files`)
//! END     (empty)       the file's content is complete
//! ```
//!
//! Frames past their kind's bound (`MAX_NAME`, `MAX_DATA`) are refused before
//! their bytes are read; `Limits` bounds what a whole stream may hold.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use crate::error::SnapshotError;
use crate::file::{
    temp_path_for, write_atomic_sections, write_sections_stream, write_sections_to, FileInfo,
    MemSection, Snapshot, SnapshotFile,
};
use crate::header::HEADER_LEN;

/// Where snapshot files go. A chain's members are exported one after the
/// other under plain names; a delta names its parent by the name it was
/// exported under.
pub trait Export {
    /// Writes the snapshot `snap`, with `sections` as its memory, as the
    /// file `name`.
    fn export(
        &mut self,
        name: &str,
        snap: &Snapshot,
        sections: &[MemSection],
    ) -> Result<FileInfo, SnapshotError>;
}

/// Files in a directory, each written atomically.
pub struct ToDir {
    pub dir: PathBuf,
}

impl Export for ToDir {
    fn export(
        &mut self,
        name: &str,
        snap: &Snapshot,
        sections: &[MemSection],
    ) -> Result<FileInfo, SnapshotError> {
        check_name(name)?;
        write_atomic_sections(&self.dir.join(name), snap, sections, true)
    }
}

/// Files in memory, by name.
#[derive(Default)]
pub struct ToMemory {
    pub files: BTreeMap<String, Vec<u8>>,
}

impl Export for ToMemory {
    fn export(
        &mut self,
        name: &str,
        snap: &Snapshot,
        sections: &[MemSection],
    ) -> Result<FileInfo, SnapshotError> {
        check_name(name)?;
        let mut out = io::Cursor::new(Vec::new());
        let info = write_sections_to(&mut out, snap, sections)?;
        self.files.insert(name.to_string(), out.into_inner());
        Ok(info)
    }
}

/// Frame kinds.
pub const MEMBER: u8 = 1;
pub const DATA: u8 = 2;
pub const HEADER: u8 = 3;
pub const FILE: u8 = 4;
pub const END: u8 = 5;
/// The longest member name or file path a frame may carry.
pub const MAX_NAME: u64 = 4096;
/// The largest DATA frame.
pub const MAX_DATA: u64 = 8 << 20;

/// A byte stream (a socket): every member written to it as frames.
pub struct ToStream<W: Write> {
    pub out: W,
}

fn stream_err(source: io::Error) -> SnapshotError {
    SnapshotError::Io {
        action: "send",
        path: PathBuf::from("<stream>"),
        source,
    }
}

/// Writes one frame.
pub fn write_frame<W: Write + ?Sized>(out: &mut W, kind: u8, bytes: &[u8]) -> io::Result<()> {
    let mut head = [0u8; 9];
    head[0] = kind;
    head[1..].copy_from_slice(&(bytes.len() as u64).to_le_bytes());
    out.write_all(&head)?;
    out.write_all(bytes)
}

/// Every write a DATA frame (of at most `MAX_DATA` bytes each).
struct DataFrames<'a, W: Write> {
    out: &'a mut W,
}

impl<W: Write> Write for DataFrames<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = buf.len().min(MAX_DATA as usize);
        if n > 0 {
            write_frame(self.out, DATA, &buf[..n])?;
        }
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

impl<W: Write> ToStream<W> {
    /// Sends the content of an open file, `guest` being the path the
    /// program opened it by.
    pub fn send_file(&mut self, guest: &str, content: &mut dyn Read) -> io::Result<u64> {
        write_frame(&mut self.out, FILE, guest.as_bytes())?;
        let n = io::copy(content, &mut DataFrames { out: &mut self.out })?;
        write_frame(&mut self.out, END, &[])?;
        Ok(n)
    }
}

impl<W: Write> Export for ToStream<W> {
    fn export(
        &mut self,
        name: &str,
        snap: &Snapshot,
        sections: &[MemSection],
    ) -> Result<FileInfo, SnapshotError> {
        check_name(name)?;
        write_frame(&mut self.out, MEMBER, name.as_bytes()).map_err(stream_err)?;
        let (head, info) =
            write_sections_stream(&mut DataFrames { out: &mut self.out }, snap, sections)?;
        write_frame(&mut self.out, HEADER, &head).map_err(stream_err)?;
        self.out.flush().map_err(stream_err)?;
        Ok(info)
    }
}

/// A member or file name a stream may carry: a plain file name (no
/// directory, not `.` or `..`), printable, at most 255 bytes.
fn check_name(name: &str) -> Result<(), SnapshotError> {
    let ok = !name.is_empty()
        && name.len() <= 255
        && name != "."
        && name != ".."
        && !name.contains(['/', '\0'])
        && !name.chars().any(char::is_control);
    if ok {
        Ok(())
    } else {
        Err(SnapshotError::Chain(format!(
            "'{}' is not a plain file name",
            name.escape_debug()
        )))
    }
}

/// What one stream may hold, checked as it arrives.
#[derive(Copy, Clone, Debug)]
pub struct Limits {
    /// Bytes in all (members and files).
    pub total_bytes: u64,
    /// Members.
    pub members: usize,
    /// Carried files.
    pub files: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            total_bytes: 64 << 30,
            members: crate::chain::MAX_CHAIN,
            files: 1024,
        }
    }
}

/// One frame as received: its kind and bytes (DATA frames are copied
/// straight to their destination by `Import`, never returned).
#[derive(Debug, PartialEq, Eq)]
pub enum Frame {
    /// A member was received whole and written as this file.
    Member(PathBuf),
    /// A carried file was received whole: its guest path and where it is.
    File { guest: String, path: PathBuf },
    /// A frame of a kind `Import` does not handle (the caller's protocol):
    /// its kind and bytes (at most `MAX_NAME`).
    Other(u8, Vec<u8>),
}

/// Reads a stream's members and files into a directory.
pub struct Import {
    pub dir: PathBuf,
    pub limits: Limits,
    received: u64,
    members: usize,
    files: usize,
}

fn bad(msg: impl Into<String>) -> SnapshotError {
    SnapshotError::Chain(format!("stream: {}", msg.into()))
}

/// Reads a frame head: its kind and length.
fn read_head<R: Read + ?Sized>(inp: &mut R) -> Result<(u8, u64), SnapshotError> {
    let mut head = [0u8; 9];
    inp.read_exact(&mut head).map_err(|e| SnapshotError::Io {
        action: "receive",
        path: PathBuf::from("<stream>"),
        source: e,
    })?;
    let mut len = [0u8; 8];
    len.copy_from_slice(&head[1..]);
    Ok((head[0], u64::from_le_bytes(len)))
}

fn read_small<R: Read + ?Sized>(inp: &mut R, len: u64) -> Result<Vec<u8>, SnapshotError> {
    if len > MAX_NAME {
        return Err(bad(format!(
            "a frame of {len} bytes where at most {MAX_NAME} may be"
        )));
    }
    let mut b = vec![0u8; len as usize];
    inp.read_exact(&mut b).map_err(|e| SnapshotError::Io {
        action: "receive",
        path: PathBuf::from("<stream>"),
        source: e,
    })?;
    Ok(b)
}

impl Import {
    pub fn new(dir: PathBuf, limits: Limits) -> Import {
        Import {
            dir,
            limits,
            received: 0,
            members: 0,
            files: 0,
        }
    }

    /// Bytes received so far.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// Reads the next item of the stream: a whole member (written to
    /// `dir/NAME`, its header, table and body checked and every memory
    /// section's checksum verified, like a file's), a whole carried file
    /// (written beneath `dir/files/`), or a frame the caller handles.
    pub fn next<R: Read + ?Sized>(&mut self, inp: &mut R) -> Result<Frame, SnapshotError> {
        let (kind, len) = read_head(inp)?;
        match kind {
            MEMBER => {
                let name = String::from_utf8(read_small(inp, len)?)
                    .map_err(|_| bad("a member name that is not UTF-8"))?;
                check_name(&name)?;
                self.members += 1;
                if self.members > self.limits.members {
                    return Err(bad(format!("more than {} members", self.limits.members)));
                }
                let path = self.dir.join(&name);
                let tmp = temp_path_for(&path);
                let got = self.receive_member(inp, &tmp);
                if let Err(e) = got {
                    let _ = std::fs::remove_file(&tmp);
                    return Err(e);
                }
                std::fs::rename(&tmp, &path).map_err(|e| SnapshotError::Io {
                    action: "rename",
                    path: path.clone(),
                    source: e,
                })?;
                Ok(Frame::Member(path))
            }
            FILE => {
                let guest = String::from_utf8(read_small(inp, len)?)
                    .map_err(|_| bad("a file path that is not UTF-8"))?;
                self.files += 1;
                if self.files > self.limits.files {
                    return Err(bad(format!("more than {} files", self.limits.files)));
                }
                let rel = carried_path(&guest)?;
                let path = self.dir.join("files").join(rel);
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| SnapshotError::Io {
                        action: "create",
                        path: parent.to_path_buf(),
                        source: e,
                    })?;
                }
                let mut f = File::create(&path).map_err(|e| SnapshotError::Io {
                    action: "create",
                    path: path.clone(),
                    source: e,
                })?;
                loop {
                    let (kind, len) = read_head(inp)?;
                    match kind {
                        DATA => self.copy_data(inp, len, &mut f, &path)?,
                        END if len == 0 => break,
                        k => return Err(bad(format!("frame kind {k} inside a file"))),
                    }
                }
                Ok(Frame::File { guest, path })
            }
            DATA | HEADER | END => Err(bad(format!("frame kind {kind} outside a member or file"))),
            _ => Ok(Frame::Other(kind, read_small(inp, len)?)),
        }
    }

    fn copy_data<R: Read + ?Sized>(
        &mut self,
        inp: &mut R,
        len: u64,
        out: &mut File,
        path: &Path,
    ) -> Result<(), SnapshotError> {
        if len > MAX_DATA {
            return Err(bad(format!(
                "a data frame of {len} bytes (at most {MAX_DATA})"
            )));
        }
        self.received = self.received.saturating_add(len);
        if self.received > self.limits.total_bytes {
            return Err(bad(format!(
                "more than {} bytes in all",
                self.limits.total_bytes
            )));
        }
        let n = io::copy(&mut inp.take(len), out).map_err(|e| SnapshotError::Io {
            action: "write",
            path: path.to_path_buf(),
            source: e,
        })?;
        if n != len {
            return Err(SnapshotError::Io {
                action: "receive",
                path: PathBuf::from("<stream>"),
                source: io::Error::new(io::ErrorKind::UnexpectedEof, "the stream ended mid-frame"),
            });
        }
        Ok(())
    }

    /// Receives DATA frames into `tmp` from offset `HEADER_LEN`, then the
    /// header at 0, and checks the file whole.
    fn receive_member<R: Read + ?Sized>(
        &mut self,
        inp: &mut R,
        tmp: &Path,
    ) -> Result<(), SnapshotError> {
        use std::io::{Seek, SeekFrom};
        let io_err = |action: &'static str| {
            move |source| SnapshotError::Io {
                action,
                path: tmp.to_path_buf(),
                source,
            }
        };
        let mut f = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(tmp)
            .map_err(io_err("create"))?;
        f.seek(SeekFrom::Start(HEADER_LEN as u64))
            .map_err(io_err("seek"))?;
        loop {
            let (kind, len) = read_head(inp)?;
            match kind {
                DATA => self.copy_data(inp, len, &mut f, tmp)?,
                HEADER if len == HEADER_LEN as u64 => {
                    let head = read_small(inp, len)?;
                    f.seek(SeekFrom::Start(0)).map_err(io_err("seek"))?;
                    f.write_all(&head).map_err(io_err("write"))?;
                    break;
                }
                k => return Err(bad(format!("frame kind {k} ({len} bytes) inside a member"))),
            }
        }
        drop(f);
        // The same checks as any file: header, lengths, table, body, then
        // every section's checksum.
        let file = SnapshotFile::open(tmp)?;
        file.load_clipped(&mut [])
    }
}

/// Where a carried file with guest path `guest` goes beneath `files/`:
/// `cwd/PATH` for a relative path, `root/PATH` for an absolute one. Empty
/// paths, `..` components and NUL bytes are refused.
pub fn carried_path(guest: &str) -> Result<PathBuf, SnapshotError> {
    let (base, rest) = match guest.strip_prefix('/') {
        Some(r) => ("root", r),
        None => ("cwd", guest),
    };
    let mut out = PathBuf::from(base);
    let mut parts = 0;
    for c in rest.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                return Err(bad(format!(
                    "the file path '{}' has a '..'",
                    guest.escape_debug()
                )))
            }
            c if c.contains('\0') => return Err(bad("a file path with a NUL byte")),
            c => {
                out.push(c);
                parts += 1;
            }
        }
    }
    if parts == 0 {
        return Err(bad(format!(
            "the file path '{}' names no file",
            guest.escape_debug()
        )));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carried_paths_stay_beneath() {
        assert_eq!(carried_path("a/b.txt").unwrap(), Path::new("cwd/a/b.txt"));
        assert_eq!(carried_path("./a").unwrap(), Path::new("cwd/a"));
        assert_eq!(carried_path("/data/x").unwrap(), Path::new("root/data/x"));
        for bad in ["", "/", "..", "a/../../b", "/../etc/passwd", "a\0b", "."] {
            assert!(carried_path(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn names_are_plain() {
        assert!(check_name("m0").is_ok());
        for bad in ["", ".", "..", "a/b", "a\nb", &"x".repeat(256)] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
    }
}
