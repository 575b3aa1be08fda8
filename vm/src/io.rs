//! The program's streams: stdin, stdout (buffered, flushed at exit, trap
//! and fflush), stderr (unbuffered) and files from `fopen`. Each stream
//! counts the bytes written, and each file remembers its path, mode and
//! offset, so a snapshot can record them and a resumed program neither
//! rewrites output nor loses its place in a file.

use crate::fs::{Access, Denied, Dirs};
use pivm_ir::builtins::{STDERR, STDIN, STDOUT};
use pivm_ir::contract::MAX_STDIN_UNREAD;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::sync::{Arc, Mutex};

/// The first handle `fopen` returns.
pub const FIRST_FILE: u64 = 16;
const STDOUT_BUFFER: usize = 1 << 16;

/// Where stdout or stderr bytes go.
pub enum Sink {
    /// The host process's own stream.
    Host,
    /// Kept in memory (tests, embedding).
    Capture(Captured),
}

impl Sink {
    /// A new, empty in-memory stream.
    pub fn capture() -> Sink {
        Sink::Capture(Captured::default())
    }

    /// The stream a forked child writes to: the same one, as a host
    /// stream is shared by a process and its children.
    fn forked(&self) -> Sink {
        match self {
            Sink::Host => Sink::Host,
            Sink::Capture(c) => Sink::Capture(c.clone()),
        }
    }

    /// What was captured (nothing for a host stream).
    fn captured(&self) -> Vec<u8> {
        match self {
            Sink::Host => Vec::new(),
            Sink::Capture(c) => c.lock().clone(),
        }
    }
}

/// Captured bytes, shared by every process of a program (processes run
/// one at a time and flush before another runs, so the bytes are in the
/// order a host stream would have them).
#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<u8>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Where stdin bytes come from.
#[derive(Clone)]
pub enum Source {
    Host,
    Bytes(Vec<u8>, usize),
}

/// The most a `tmpfile` holds: a write past it fails.
pub const MAX_TEMP_FILE: u64 = 1 << 30;

/// A file opened by the program.
pub struct OpenFile {
    /// The guest path (empty for a `tmpfile`).
    pub path: String,
    pub mode: String,
    pub offset: u64,
    pub eof: bool,
    data: Data,
}

/// Where an open file's bytes are.
enum Data {
    /// A host file beneath the preopens.
    Host(File),
    /// A `tmpfile`: anonymous, so it is not on any host: its bytes are
    /// kept here, and a snapshot carries them.
    Temp(Vec<u8>),
}

impl OpenFile {
    fn len(&self) -> Result<u64, StreamError> {
        match &self.data {
            Data::Host(f) => Ok(f.metadata().map_err(|_| StreamError::Failed)?.len()),
            Data::Temp(v) => Ok(v.len() as u64),
        }
    }

    /// Writes `bytes` at `off` (past the end: the hole reads as zeros).
    fn write_at(&mut self, off: u64, bytes: &[u8]) -> Result<(), StreamError> {
        match &mut self.data {
            Data::Host(f) => f
                .seek(SeekFrom::Start(off))
                .and_then(|_| f.write_all(bytes))
                .map_err(|_| StreamError::Failed),
            Data::Temp(v) => {
                let end = off
                    .checked_add(bytes.len() as u64)
                    .filter(|&e| e <= MAX_TEMP_FILE)
                    .ok_or(StreamError::Failed)?;
                if v.len() < end as usize {
                    v.resize(end as usize, 0);
                }
                v[off as usize..end as usize].copy_from_slice(bytes);
                Ok(())
            }
        }
    }

    /// Reads at `off` until `buf` is full or the file ends.
    fn read_at(&mut self, off: u64, buf: &mut [u8]) -> Result<usize, StreamError> {
        match &mut self.data {
            Data::Host(f) => {
                f.seek(SeekFrom::Start(off))
                    .map_err(|_| StreamError::Failed)?;
                let mut total = 0;
                while total < buf.len() {
                    match f.read(&mut buf[total..]) {
                        Ok(0) => break,
                        Ok(n) => total += n,
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        Err(_) => return Err(StreamError::Failed),
                    }
                }
                Ok(total)
            }
            Data::Temp(v) => {
                let from = (off as usize).min(v.len());
                let n = (v.len() - from).min(buf.len());
                buf[..n].copy_from_slice(&v[from..from + n]);
                Ok(n)
            }
        }
    }
}

/// What a snapshot records of an open file.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct FileState {
    pub handle: u64,
    pub path: String,
    pub mode: String,
    pub offset: u64,
    pub eof: bool,
    /// A `tmpfile`'s bytes; `None` for a file of the preopens.
    pub temp: Option<Vec<u8>>,
}

pub struct Io {
    pub stdout: Sink,
    pub stderr: Sink,
    pub stdin: Source,
    out_buf: Vec<u8>,
    pub stdout_written: u64,
    pub stderr_written: u64,
    pub stdin_read: u64,
    pub stdin_eof: bool,
    /// Bytes `ungetc` pushed back onto stdin, the last pushed last: reads
    /// return them first (in snapshots: stdin cannot step back). At most
    /// `MAX_STDIN_UNREAD`. `stdin_read` counts the bytes taken from the
    /// host, so a resume goes on from there.
    pub stdin_unread: Vec<u8>,
    files: BTreeMap<u64, OpenFile>,
    next_handle: u64,
    /// What `fopen` and a resume may open (nothing by default).
    dirs: Dirs,
}

/// Failure of a stream operation: an unknown handle traps; other errors are
/// reported to the program as C does (EOF, -1, NULL).
#[derive(Debug, PartialEq, Eq)]
pub enum StreamError {
    BadHandle,
    Failed,
}

impl Default for Io {
    fn default() -> Self {
        Io::new(Sink::Host, Sink::Host, Source::Host)
    }
}

impl Io {
    pub fn new(stdout: Sink, stderr: Sink, stdin: Source) -> Io {
        Io {
            stdout,
            stderr,
            stdin,
            out_buf: Vec::new(),
            stdout_written: 0,
            stderr_written: 0,
            stdin_read: 0,
            stdin_eof: false,
            stdin_unread: Vec::new(),
            files: BTreeMap::new(),
            next_handle: FIRST_FILE,
            dirs: Dirs::none(),
        }
    }

    /// The streams of a forked child: the same standard streams (stdout's
    /// buffer was flushed before the fork) and preopens, counts from 0, no
    /// other open file (FILE streams are not inherited).
    pub fn forked(&self) -> Io {
        Io::new(
            self.stdout.forked(),
            self.stderr.forked(),
            self.stdin.clone(),
        )
        .with_dirs(self.dirs.try_clone())
    }

    /// These streams, opening files beneath `dirs` (see `fs`).
    pub fn with_dirs(mut self, dirs: Dirs) -> Io {
        self.dirs = dirs;
        self
    }

    /// Writes the buffered stdout bytes to their sink.
    pub fn flush(&mut self) {
        if self.out_buf.is_empty() {
            return;
        }
        match &mut self.stdout {
            Sink::Host => {
                let mut o = std::io::stdout().lock();
                let _ = o.write_all(&self.out_buf);
                let _ = o.flush();
            }
            Sink::Capture(c) => c.lock().extend_from_slice(&self.out_buf),
        }
        self.out_buf.clear();
    }

    /// Writes `bytes` to stream `h`.
    pub fn write(&mut self, h: u64, bytes: &[u8]) -> Result<(), StreamError> {
        match h {
            STDOUT => {
                self.stdout_written += bytes.len() as u64;
                self.out_buf.extend_from_slice(bytes);
                if self.out_buf.len() >= STDOUT_BUFFER {
                    self.flush();
                }
                Ok(())
            }
            STDERR => {
                self.stderr_written += bytes.len() as u64;
                match &self.stderr {
                    Sink::Host => {
                        let _ = std::io::stderr().write_all(bytes);
                    }
                    Sink::Capture(c) => c.lock().extend_from_slice(bytes),
                }
                Ok(())
            }
            STDIN => Err(StreamError::Failed),
            _ => {
                let f = self.files.get_mut(&h).ok_or(StreamError::BadHandle)?;
                if f.mode.starts_with('a') {
                    f.offset = f.len()?;
                }
                f.write_at(f.offset, bytes)?;
                f.offset += bytes.len() as u64;
                Ok(())
            }
        }
    }

    /// Reads up to `buf.len()` bytes from stream `h`; 0 at end of file.
    pub fn read(&mut self, h: u64, buf: &mut [u8]) -> Result<usize, StreamError> {
        if buf.is_empty() {
            return Ok(0);
        }
        match h {
            STDIN => {
                if let Some(b) = self.stdin_unread.pop() {
                    buf[0] = b;
                    return Ok(1);
                }
                let n = match &mut self.stdin {
                    Source::Host => std::io::stdin().lock().read(buf).unwrap_or(0),
                    Source::Bytes(b, pos) => {
                        let n = (b.len() - *pos).min(buf.len());
                        buf[..n].copy_from_slice(&b[*pos..*pos + n]);
                        *pos += n;
                        n
                    }
                };
                if n == 0 {
                    self.stdin_eof = true;
                }
                self.stdin_read += n as u64;
                Ok(n)
            }
            STDOUT | STDERR => Err(StreamError::Failed),
            _ => {
                let f = self.files.get_mut(&h).ok_or(StreamError::BadHandle)?;
                let total = f.read_at(f.offset, buf)?;
                if total < buf.len() {
                    f.eof = true;
                }
                f.offset += total as u64;
                Ok(total)
            }
        }
    }

    /// Reads one byte; `None` at end of file.
    pub fn getc(&mut self, h: u64) -> Result<Option<u8>, StreamError> {
        let mut b = [0u8];
        Ok((self.read(h, &mut b)? == 1).then_some(b[0]))
    }

    pub fn is_stream(&self, h: u64) -> bool {
        matches!(h, STDIN | STDOUT | STDERR) || self.files.contains_key(&h)
    }

    /// `ungetc` without a pushback buffer (which would be state beyond a
    /// file's offset): steps file `h` back over its last byte when that
    /// byte is `c`, so the next read returns it again; `false` otherwise
    /// (another byte, the start of the file, stdout or stderr). stdin,
    /// which cannot step back, keeps up to `MAX_STDIN_UNREAD` bytes
    /// (`stdin_unread`).
    pub fn unread(&mut self, h: u64, c: u8) -> Result<bool, StreamError> {
        if h == STDIN {
            if self.stdin_unread.len() >= MAX_STDIN_UNREAD {
                return Ok(false);
            }
            self.stdin_unread.push(c);
            self.stdin_eof = false;
            return Ok(true);
        }
        if matches!(h, STDOUT | STDERR) {
            return Ok(false);
        }
        let f = self.files.get_mut(&h).ok_or(StreamError::BadHandle)?;
        if f.offset == 0 {
            return Ok(false);
        }
        let mut b = [0u8];
        if f.read_at(f.offset - 1, &mut b) != Ok(1) || b[0] != c {
            return Ok(false);
        }
        f.offset -= 1;
        f.eof = false;
        Ok(true)
    }

    /// `clearerr`: clears the end-of-file indicator of stream `h`.
    pub fn clear_eof(&mut self, h: u64) -> Result<(), StreamError> {
        match h {
            STDIN => self.stdin_eof = false,
            STDOUT | STDERR => {}
            _ => {
                self.files.get_mut(&h).ok_or(StreamError::BadHandle)?.eof = false;
            }
        }
        Ok(())
    }

    pub fn eof(&self, h: u64) -> Result<bool, StreamError> {
        match h {
            STDIN => Ok(self.stdin_eof),
            STDOUT | STDERR => Ok(false),
            _ => self
                .files
                .get(&h)
                .map(|f| f.eof)
                .ok_or(StreamError::BadHandle),
        }
    }

    /// Opens guest path `path` with a C `mode` (`r`, `w`, `a`, with `+`
    /// and `b`) beneath the preopened directories; returns the new handle,
    /// or the C `errno` of the refusal (a bad mode, `fs::Dirs::open`).
    pub fn open(&mut self, path: &str, mode: &str) -> Result<u64, i32> {
        let f = self.open_file(path, mode)?;
        Ok(self.insert(f))
    }

    /// `path` opened by the program with `mode`, at its end for `a`.
    fn open_file(&self, path: &str, mode: &str) -> Result<OpenFile, i32> {
        let file = self
            .open_with_mode(path, mode, false)
            .map_err(|d| d.errno())?;
        let offset = if mode.starts_with('a') {
            file.metadata().map(|m| m.len()).unwrap_or(0)
        } else {
            0
        };
        Ok(OpenFile {
            path: path.to_string(),
            mode: mode.to_string(),
            offset,
            eof: false,
            data: Data::Host(file),
        })
    }

    /// `freopen`: file `h` closed and opened again, on `path` (its own
    /// when `None`) with `mode`, under the same handle; the C `errno` of
    /// a refusal, after which `h` is closed. stdin, stdout and stderr are
    /// the host's streams, never files: they cannot be redirected, and a
    /// `tmpfile` has no path to reopen (EBADF).
    pub fn reopen_stream(
        &mut self,
        h: u64,
        path: Option<&str>,
        mode: &str,
    ) -> Result<Result<(), i32>, StreamError> {
        if self.is_std(h) {
            return Ok(Err(crate::fs::errno::EBADF));
        }
        let old = self.files.remove(&h).ok_or(StreamError::BadHandle)?;
        let path = match path {
            Some(p) => p.to_string(),
            None if !old.path.is_empty() => old.path.clone(),
            None => return Ok(Err(crate::fs::errno::EBADF)),
        };
        drop(old);
        Ok(self.open_file(&path, mode).map(|f| {
            self.files.insert(h, f);
        }))
    }

    /// `tmpfile`: a new empty anonymous file, open for update.
    pub fn open_temp(&mut self) -> u64 {
        self.insert(OpenFile {
            path: String::new(),
            mode: "w+b".to_string(),
            offset: 0,
            eof: false,
            data: Data::Temp(Vec::new()),
        })
    }

    /// Adds an open file at the next handle.
    fn insert(&mut self, f: OpenFile) -> u64 {
        let h = self.next_handle;
        self.next_handle += 1;
        self.files.insert(h, f);
        h
    }

    /// C `remove` beneath the preopens; the C `errno` of a refusal.
    pub fn remove(&self, path: &str) -> Result<(), i32> {
        self.dirs.remove(path).map_err(|d| d.errno())
    }

    /// C `rename` beneath the preopens; the C `errno` of a refusal.
    pub fn rename(&self, from: &str, to: &str) -> Result<(), i32> {
        self.dirs.rename(from, to).map_err(|d| d.errno())
    }

    pub fn close(&mut self, h: u64) -> Result<(), StreamError> {
        match h {
            STDOUT => {
                self.flush();
                Ok(())
            }
            STDIN | STDERR => Ok(()),
            _ => self
                .files
                .remove(&h)
                .map(|_| ())
                .ok_or(StreamError::BadHandle),
        }
    }

    /// `fseek`: whence 0 = SET, 1 = CUR, 2 = END.
    pub fn seek(&mut self, h: u64, off: i64, whence: i32) -> Result<(), StreamError> {
        let err = if self.is_std(h) {
            StreamError::Failed
        } else {
            StreamError::BadHandle
        };
        let f = self.files.get_mut(&h).ok_or(err)?;
        let base = match whence {
            0 => 0,
            1 => f.offset as i64,
            2 => f.len()? as i64,
            _ => return Err(StreamError::Failed),
        };
        let new = base.checked_add(off).filter(|&n| n >= 0);
        f.offset = new.ok_or(StreamError::Failed)? as u64;
        f.eof = false;
        Ok(())
    }

    pub fn tell(&self, h: u64) -> Result<u64, StreamError> {
        match h {
            STDOUT => Ok(self.stdout_written),
            STDERR => Ok(self.stderr_written),
            STDIN => Ok(self
                .stdin_read
                .saturating_sub(self.stdin_unread.len() as u64)),
            _ => self
                .files
                .get(&h)
                .map(|f| f.offset)
                .ok_or(StreamError::BadHandle),
        }
    }

    fn is_std(&self, h: u64) -> bool {
        matches!(h, STDIN | STDOUT | STDERR)
    }

    /// The open files, for a snapshot.
    pub fn files(&self) -> Vec<FileState> {
        self.files
            .iter()
            .map(|(&handle, f)| FileState {
                handle,
                path: f.path.clone(),
                mode: f.mode.clone(),
                offset: f.offset,
                eof: f.eof,
                temp: match &f.data {
                    Data::Host(_) => None,
                    Data::Temp(v) => Some(v.clone()),
                },
            })
            .collect()
    }

    /// The open files, each once, opened again for reading beneath the
    /// preopens, to send their contents with a migration
    /// (`--with-files`).
    pub fn files_to_carry(&self) -> Result<Vec<(String, File)>, String> {
        let mut out: Vec<(String, File)> = Vec::new();
        for f in self.files.values() {
            // A tmpfile's bytes are in the snapshot itself.
            if matches!(f.data, Data::Temp(_)) || out.iter().any(|(p, _)| *p == f.path) {
                continue;
            }
            let read = Access {
                read: true,
                write: false,
                create: false,
                truncate: false,
            };
            let h = self.dirs.open(&f.path, read).map_err(|e| {
                format!(
                    "cannot read the program's file '{}': {e}",
                    f.path.escape_debug()
                )
            })?;
            out.push((f.path.clone(), h));
        }
        Ok(out)
    }

    pub fn next_handle(&self) -> u64 {
        self.next_handle
    }

    /// Reopens the files of a snapshot (never truncating: a `w` file is
    /// reopened for writing at its recorded offset).
    pub fn reopen(&mut self, files: &[FileState], next_handle: u64) -> Result<(), String> {
        for s in files {
            if s.handle < FIRST_FILE || s.handle >= next_handle {
                return Err(format!("file handle {} is invalid", s.handle));
            }
            let data = match &s.temp {
                Some(bytes) => Data::Temp(bytes.clone()),
                None => Data::Host(self.open_with_mode(&s.path, &s.mode, true).map_err(|e| {
                    format!(
                        "cannot reopen the program's file '{}' (mode {}): {e}",
                        s.path.escape_debug(),
                        s.mode.escape_debug()
                    )
                })?),
            };
            self.files.insert(
                s.handle,
                OpenFile {
                    path: s.path.clone(),
                    mode: s.mode.clone(),
                    offset: s.offset,
                    eof: s.eof,
                    data,
                },
            );
        }
        self.next_handle = next_handle;
        Ok(())
    }

    /// Opens `path` under the policy of `fs` (`reopen`: never truncating).
    fn open_with_mode(&self, path: &str, mode: &str, reopen: bool) -> Result<File, Denied> {
        let access = Access::of_mode(mode, reopen).ok_or_else(|| {
            Denied::Host(
                format!("bad mode '{}'", mode.escape_debug()),
                crate::fs::errno::EINVAL,
            )
        })?;
        self.dirs.open(path, access)
    }

    /// The captured stdout (flushing first), for tests: every process's of
    /// the program.
    pub fn captured_stdout(&mut self) -> Vec<u8> {
        self.flush();
        self.stdout.captured()
    }

    /// The captured stderr, for tests.
    pub fn captured_stderr(&self) -> Vec<u8> {
        self.stderr.captured()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A forked child writes to its parent's captured streams, as to a
    /// host stream they share, in the order the writes were flushed.
    #[test]
    fn a_forked_child_shares_the_captured_streams() {
        let mut parent = Io::new(Sink::capture(), Sink::capture(), Source::Host);
        parent.write(STDOUT, b"parent\n").unwrap();
        parent.flush();
        let mut child = parent.forked();
        child.write(STDOUT, b"child\n").unwrap();
        child.write(STDERR, b"child err\n").unwrap();
        drop(child.captured_stdout());
        drop(child);
        parent.write(STDOUT, b"parent again\n").unwrap();
        assert_eq!(parent.captured_stdout(), b"parent\nchild\nparent again\n");
        assert_eq!(parent.captured_stderr(), b"child err\n");
        assert_eq!(parent.stdout_written, 20, "each process counts its own");
    }
}
