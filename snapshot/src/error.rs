//! The errors of reading, writing and validating a snapshot. A snapshot is
//! untrusted input, so every way a file can be wrong has its own variant
//! and a message that says what is wrong and, where there is something to
//! do, what to do. Messages are lowercase with no trailing period; the CLI
//! prefixes them with the file name.

use std::fmt;
use std::io;
use std::path::PathBuf;

use crate::digest::hex;
use pivm_ir::contract::FrameError;

/// Everything that can go wrong with a snapshot.
#[derive(Debug)]
pub enum SnapshotError {
    /// An I/O error on `path`; `action` says what was being done
    /// ("read", "create the temporary file for", ...).
    Io {
        action: &'static str,
        path: PathBuf,
        source: io::Error,
    },
    /// The file does not start with `PIVMSNAP`.
    BadMagic,
    /// The file ends inside the fixed header.
    TruncatedHeader { len: u64, expected: u64 },
    /// The format version is newer than this build reads.
    NewerFormat { found: u32, supported: u32 },
    /// The format version is one this build no longer (or never) reads.
    UnsupportedFormat { found: u32, supported: u32 },
    /// The header's own checksum does not match.
    HeaderChecksum { stored: u32, computed: u32 },
    /// A header field holds an impossible value.
    MalformedHeader(String),
    /// The file ends inside the body.
    TruncatedBody { len: u64, expected: u64 },
    /// The file goes on after the body.
    TrailingBytes { extra: u64 },
    /// A memory section of the section table is impossible (bad bounds,
    /// overlapping, out of order, reserved bits set, outside the file).
    Section {
        index: u64,
        start: u64,
        len: u64,
        reason: String,
    },
    /// A memory section's checksum does not match its bytes.
    SectionChecksum {
        index: u64,
        start: u64,
        stored: u32,
        computed: u32,
    },
    /// The body's checksum does not match.
    BodyChecksum { stored: u32, computed: u32 },
    /// The body is not the msgpack this format describes.
    Decode(String),
    /// The body could not be encoded (only on write).
    Encode(String),
    /// A delta and its chain of parents do not fit together: a missing,
    /// altered or foreign ancestor, or a delta that names no parent.
    Chain(String),
    /// The program hash in the header differs from the body's, from the
    /// embedded program's, or from the program the caller expected.
    ProgramHash {
        what: &'static str,
        expected: [u8; 32],
        found: [u8; 32],
    },
    /// The embedded program does not parse.
    ProgramParse(pivm_ir::ParseError),
    /// The embedded program does not pass the verifier.
    ProgramVerify(pivm_ir::VerifyErrors),
    /// The embedded program exceeds a limit that keeps parsing it safe.
    ProgramLimits(String),
    /// The embedded program is not the canonical text of a module after
    /// safepoint placement, so its resume points could be numbered
    /// differently from the frames'.
    ProgramNotCanonical { line: usize },
    /// A frame's function index and name disagree.
    FunctionName {
        frame: usize,
        func: u32,
        name: String,
        actual: String,
    },
    /// The frames are not a chain a program can be stopped in (the rule of
    /// `pivm_ir::contract::check_frame_chain`).
    Frames(FrameError),
    /// The thread table is inconsistent (`Body::threads`).
    Threads(String),
    /// The clock or a timer is out of range (`Body::timers`).
    Timers(String),
    /// A local has the wrong type.
    LocalType {
        frame: usize,
        func: String,
        local: String,
        expected: &'static str,
        found: &'static str,
    },
    /// The memory layout numbers are inconsistent.
    Layout(String),
    /// A memory region is out of place.
    Region {
        index: usize,
        start: u64,
        len: u64,
        reason: String,
    },
    /// An allocation-table entry is out of place or has a bad type.
    Allocation {
        index: usize,
        addr: u64,
        size: u64,
        reason: String,
    },
    /// An open file is not sane.
    OpenFile { handle: u64, reason: String },
    /// The I/O state is inconsistent (other than one open file).
    IoState(String),
    /// The `rand` state is malformed.
    Rand(String),
    /// A frame given to `SavedFrame::from_ir` does not match the module.
    FrameMismatch(String),
}

impl fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use SnapshotError::*;
        match self {
            Io {
                action,
                path,
                source,
            } => write!(f, "cannot {action} {}: {source}", path.display()),
            BadMagic => write!(f, "not a pivm snapshot (bad magic)"),
            TruncatedHeader { len, expected } => write!(
                f,
                "snapshot is truncated: header is {len} bytes, expected {expected} \
                 (was the write interrupted? use the previous snapshot)"
            ),
            NewerFormat { found, supported } => write!(
                f,
                "snapshot format version {found} is newer than this pivm supports ({supported}): \
                 resume it with a newer pivm"
            ),
            UnsupportedFormat { found, supported } => write!(
                f,
                "snapshot format version {found} is not supported (this pivm reads version {supported}; \
                 version 1 files, with memory inside the msgpack body, were written by an earlier \
                 pivm, before snapshots were streamed: resume them with that pivm)"
            ),
            Section {
                index,
                start,
                len,
                reason,
            } => write!(
                f,
                "memory section {index} ({len} bytes at {start:#x}) {reason}: the file is corrupt"
            ),
            SectionChecksum {
                index,
                start,
                stored,
                computed,
            } => write!(
                f,
                "checksum mismatch in memory section {index} (at {start:#x}): the file is corrupt \
                 (stored {stored:08x}, computed {computed:08x})"
            ),
            HeaderChecksum { stored, computed } => write!(
                f,
                "header checksum mismatch: the file is corrupt \
                 (stored {stored:08x}, computed {computed:08x})"
            ),
            MalformedHeader(why) => write!(f, "malformed snapshot header: {why}"),
            TruncatedBody { len, expected } => write!(
                f,
                "snapshot is truncated: body is {len} bytes, expected {expected} \
                 (was the write interrupted? use the previous snapshot)"
            ),
            TrailingBytes { extra } => write!(
                f,
                "snapshot has {extra} unexpected bytes after the body: the file is corrupt"
            ),
            BodyChecksum { stored, computed } => write!(
                f,
                "checksum mismatch: the file is corrupt (stored {stored:08x}, computed {computed:08x})"
            ),
            Decode(why) => write!(f, "snapshot body is malformed: {why}"),
            Encode(why) => write!(f, "cannot encode snapshot: {why}"),
            Chain(why) => write!(f, "snapshot chain: {why}"),
            ProgramHash {
                what,
                expected,
                found,
            } => write!(
                f,
                "program hash mismatch: {what} (expected {}, found {})",
                hex(expected),
                hex(found)
            ),
            ProgramParse(e) => write!(f, "the embedded program does not parse: {e}"),
            ProgramVerify(e) => write!(f, "the embedded program does not verify:\n{e}"),
            ProgramLimits(why) => write!(
                f,
                "the embedded program is beyond what pivm accepts from a snapshot: {why}"
            ),
            ProgramNotCanonical { line } => write!(
                f,
                "the embedded program is not in canonical form with safepoints placed \
                 (first difference at line {line}): the snapshot was written by a pivm that \
                 places safepoints differently (before 2026-12-02, for a program that calls \
                 setjmp) or by a broken one"
            ),
            FunctionName {
                frame,
                func,
                name,
                actual,
            } => write!(
                f,
                "frame {frame} names function {func} as @{name}, but function {func} is @{actual}"
            ),
            Frames(e) => write!(f, "{e}"),
            Threads(why) => write!(f, "thread table is inconsistent: {why}"),
            Timers(why) => write!(f, "timers are out of range: {why}"),
            LocalType {
                frame,
                func,
                local,
                expected,
                found,
            } => write!(
                f,
                "frame {frame} (@{func}): local %{local} has type {found}, expected {expected}"
            ),
            Layout(why) => write!(f, "memory layout is inconsistent: {why}"),
            Region {
                index,
                start,
                len,
                reason,
            } => write!(
                f,
                "memory region {index} ({len} bytes at {start:#x}) {reason}"
            ),
            Allocation {
                index,
                addr,
                size,
                reason,
            } => write!(
                f,
                "allocation {index} ({size} bytes at {addr:#x}) {reason}"
            ),
            OpenFile { handle, reason } => write!(f, "open file {handle}: {reason}"),
            IoState(why) => write!(f, "i/o state is inconsistent: {why}"),
            Rand(why) => write!(f, "rand state is malformed: {why}"),
            FrameMismatch(why) => write!(f, "frame does not match the program: {why}"),
        }
    }
}

impl std::error::Error for SnapshotError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SnapshotError::Io { source, .. } => Some(source),
            SnapshotError::ProgramParse(e) => Some(e),
            SnapshotError::ProgramVerify(e) => Some(e),
            _ => None,
        }
    }
}
