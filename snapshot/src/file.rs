//! Snapshot files: encoding to bytes and back, reading a file with its
//! length checked against the file size before anything is allocated, and
//! the atomic write (temporary file, fsync, rename, fsync of the directory)
//! that leaves the previous snapshot intact if pivm dies mid-write.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::body::{Body, PIVM_VERSION};
use crate::digest::{crc32c, crc32c_append};
use crate::error::SnapshotError;
use crate::header::{Header, FORMAT_VERSION, HEADER_LEN};

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
}

impl Snapshot {
    /// A snapshot of `body` written by this pivm; the header's program hash
    /// is the body's.
    pub fn new(body: Body) -> Snapshot {
        Snapshot {
            pivm_version: PIVM_VERSION.to_string(),
            program_hash: body.program.hash,
            body,
        }
    }

    fn header(&self, body_len: u64, body_checksum: u32) -> Header {
        Header {
            format_version: FORMAT_VERSION,
            flags: 0,
            pivm_version: self.pivm_version.clone(),
            program_hash: self.program_hash,
            body_len,
            body_checksum,
        }
    }
}

fn encode_error(e: rmp_serde::encode::Error) -> SnapshotError {
    SnapshotError::Encode(e.to_string())
}

/// The bytes of a snapshot file.
pub fn to_bytes(snap: &Snapshot) -> Result<Vec<u8>, SnapshotError> {
    let mut out = vec![0u8; HEADER_LEN];
    rmp_serde::encode::write_named(&mut out, &snap.body).map_err(encode_error)?;
    let body = &out[HEADER_LEN..];
    let header = snap.header(body.len() as u64, crc32c(body));
    out[..HEADER_LEN].copy_from_slice(&header.encode());
    Ok(out)
}

/// Decodes a snapshot file held in memory. Checks the header, the body
/// length against `bytes.len()`, the body checksum, then decodes the body.
/// Does not validate the snapshot against its program: call `validate`.
pub fn from_bytes(bytes: &[u8]) -> Result<Snapshot, SnapshotError> {
    let header = Header::decode(bytes)?;
    let available = (bytes.len() - HEADER_LEN) as u64;
    check_body_len(&header, available)?;
    decode_body(&header, &bytes[HEADER_LEN..])
}

fn check_body_len(header: &Header, available: u64) -> Result<(), SnapshotError> {
    if available < header.body_len {
        return Err(SnapshotError::TruncatedBody {
            len: available,
            expected: header.body_len,
        });
    }
    if available > header.body_len {
        return Err(SnapshotError::TrailingBytes {
            extra: available - header.body_len,
        });
    }
    Ok(())
}

fn decode_body(header: &Header, body: &[u8]) -> Result<Snapshot, SnapshotError> {
    let computed = crc32c(body);
    if computed != header.body_checksum {
        return Err(SnapshotError::BodyChecksum {
            stored: header.body_checksum,
            computed,
        });
    }
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
    Ok(Snapshot {
        pivm_version: header.pivm_version.clone(),
        program_hash: header.program_hash,
        body,
    })
}

fn io_err(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> SnapshotError {
    let path = path.to_path_buf();
    move |source| SnapshotError::Io {
        action,
        path,
        source,
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

/// Reads the snapshot at `path`. The body length is checked against the
/// file size before the body is read, so a hostile length allocates
/// nothing. Does not validate the snapshot against its program: call
/// `validate`.
pub fn read(path: &Path) -> Result<Snapshot, SnapshotError> {
    let mut file = File::open(path).map_err(io_err("open", path))?;
    let file_len = file.metadata().map_err(io_err("read", path))?.len();
    let header = Header::decode(&read_header_bytes(&mut file, path)?)?;
    check_body_len(&header, file_len.saturating_sub(HEADER_LEN as u64))?;
    let cap = usize::try_from(header.body_len).map_err(|_| {
        SnapshotError::MalformedHeader(format!(
            "a body of {} bytes does not fit in this host's memory",
            header.body_len
        ))
    })?;
    let mut body = Vec::with_capacity(cap);
    // `take` bounds the read even if the file grows meanwhile.
    file.take(header.body_len)
        .read_to_end(&mut body)
        .map_err(io_err("read", path))?;
    if (body.len() as u64) < header.body_len {
        // The file shrank after its size was read.
        return Err(SnapshotError::TruncatedBody {
            len: body.len() as u64,
            expected: header.body_len,
        });
    }
    decode_body(&header, &body)
}

/// A writer that passes bytes through, computing their CRC-32C and count.
struct CrcWriter<W> {
    inner: W,
    /// The CRC-32C of the bytes so far.
    crc: u32,
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
        self.len += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Writes the snapshot file to `out` from its current position: a
/// placeholder header, the body streamed through the checksum (so memory
/// is not copied a second time), then the real header over the
/// placeholder. Leaves the position at the end of the file.
pub fn write_to<W: Write + Seek>(out: &mut W, snap: &Snapshot) -> Result<(), SnapshotError> {
    let io = |source| SnapshotError::Io {
        action: "write",
        path: PathBuf::from("<snapshot>"),
        source,
    };
    let start = out.stream_position().map_err(io)?;
    out.write_all(&[0u8; HEADER_LEN]).map_err(io)?;
    let mut w = CrcWriter {
        inner: BufWriter::with_capacity(1 << 20, &mut *out),
        crc: 0,
        len: 0,
        error: None,
    };
    if let Err(e) = rmp_serde::encode::write_named(&mut w, &snap.body) {
        return Err(match w.error.take() {
            Some(source) => io(source),
            None => encode_error(e),
        });
    }
    w.flush().map_err(io)?;
    let (crc, len) = (w.crc, w.len);
    drop(w);
    let header = snap.header(len, crc);
    out.seek(SeekFrom::Start(start)).map_err(io)?;
    out.write_all(&header.encode()).map_err(io)?;
    out.seek(SeekFrom::End(0)).map_err(io)?;
    Ok(())
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
    let tmp = temp_path_for(path);
    let result = write_temp_and_rename(path, &tmp, snap);
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

fn write_temp_and_rename(path: &Path, tmp: &Path, snap: &Snapshot) -> Result<(), SnapshotError> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(tmp)
        .map_err(io_err("create the temporary file", tmp))?;
    write_to(&mut file, snap).map_err(|e| match e {
        SnapshotError::Io { action, source, .. } => SnapshotError::Io {
            action,
            path: tmp.to_path_buf(),
            source,
        },
        e => e,
    })?;
    file.sync_all().map_err(io_err("sync", tmp))?;
    drop(file);
    fs::rename(tmp, path).map_err(io_err("rename the temporary file over", path))?;
    sync_parent_dir(path)
}

/// Makes the rename durable: fsync the directory holding `path`.
fn sync_parent_dir(path: &Path) -> Result<(), SnapshotError> {
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
