//! pivm-snapshot: the portable snapshot file format of pivm. The format
//! is specified in SNAPSHOT.md at the repository root.
//!
//! A snapshot file is a fixed 96-byte header (`header`), checked before
//! anything else, followed by a msgpack body (`body`) protected by a
//! CRC-32C. The body is self-contained: the program as canonical `.pir`
//! text, VM memory as raw little-endian bytes, the allocation table, the
//! logical frames as typed values, I/O state and counters. Nothing in it
//! is host-specific, so a snapshot taken on one architecture and engine
//! resumes on any other.
//!
//! The VM writes a snapshot with
//! `write_atomic(path, &Snapshot::new(body))` and resumes one with
//! `read(path)` then `validate(&snapshot)`, which returns the program
//! ready to run once every frame, local, address and size has been checked
//! against it.

pub mod body;
pub mod crc32c;
pub mod error;
pub mod file;
pub mod header;
pub mod sha256;
pub mod validate;

pub use body::{
    capture_regions, program_hash, restore_regions, Allocation, Body, ByteString, Counters, Endian,
    Engine, Frame, Hop, Host, IoState, Memory, MemoryLayout, OpenFile, Program, RandState, Region,
    Value, ValueType, PIVM_VERSION,
};
pub use error::SnapshotError;
pub use file::{from_bytes, read, read_header, to_bytes, write_atomic, write_to, Snapshot};
pub use header::{Header, FORMAT_VERSION, HEADER_LEN, MAGIC};
pub use validate::{
    check_program_matches, parse_mem_type, validate, validate_with, Limits, MAX_TYPE_NESTING,
    MAX_TYPE_WEIGHT, MIN_ADDRESS,
};
