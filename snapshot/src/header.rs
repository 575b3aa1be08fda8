//! The fixed 128-byte header at the start of every snapshot file, read and
//! checked before anything else so that a file of the wrong kind, of a
//! newer or older format, truncated or corrupt gives a readable error
//! instead of a decode failure (the approach of Wasmtime's
//! `engine/serialization.rs`).
//!
//! ```text
//! offset size  field
//!      0    8  magic            b"PIVMSNAP"
//!      8    4  format_version   u32 LE (2)
//!     12    4  flags            u32 LE: FLAG_DELTA, FLAG_LZ4 or FLAG_ZSTD, or 0
//!     16   32  pivm_version     UTF-8, padded with NUL bytes
//!     48   32  program_hash     SHA-256 of the program text
//!     80    8  sections         u64 LE, number of memory sections
//!     88    8  memory_end       u64 LE, file offset just past the last section
//!     96    8  body_len         u64 LE, length of the msgpack body
//!    104    4  meta_checksum    CRC-32C of the section table and the body
//!    108   16  reserved         zero
//!    124    4  header_checksum  CRC-32C of bytes 0..124, u32 LE
//! ```
//!
//! Checks run in this order: magic, format version, length, header
//! checksum, flags, reserved bytes, version string. The version comes
//! before the header checksum because another format may have a different
//! header.

use crate::digest::crc32c;
use crate::error::SnapshotError;

/// The first eight bytes of every snapshot.
pub const MAGIC: [u8; 8] = *b"PIVMSNAP";
/// The format version this crate writes and reads.
pub const FORMAT_VERSION: u32 = 2;
/// The size of the header in format version 2.
pub const HEADER_LEN: usize = 128;
/// The size of the `pivm_version` field.
pub const VERSION_FIELD_LEN: usize = 32;
/// Header flag: the file is a delta, whose memory sections apply to its
/// parent's memory (`Body::parent`). A reader that does not know deltas
/// refuses the file instead of reading it as a full snapshot.
pub const FLAG_DELTA: u32 = 1;
/// Header flag: memory sections are stored as LZ4 blocks (`codec`).
pub const FLAG_LZ4: u32 = 2;
/// Header flag: memory sections are stored as Zstandard blocks (`codec`).
pub const FLAG_ZSTD: u32 = 4;
/// Header flag: the program has several threads (`Body::threads`), which
/// a reader that knows only `Body::frames` would lose.
pub const FLAG_THREADS: u32 = 8;
/// Header flag: the program has several processes or pipes
/// (`Body::family`).
pub const FLAG_PROCESSES: u32 = 16;
/// Header flag: the program keeps time (`Body::timers`), which a reader
/// that does not know it would restart from zero.
pub const FLAG_TIMERS: u32 = 32;
/// Every flag this version defines.
pub const KNOWN_FLAGS: u32 =
    FLAG_DELTA | FLAG_LZ4 | FLAG_ZSTD | FLAG_THREADS | FLAG_PROCESSES | FLAG_TIMERS;
/// Where the header checksum is.
const CHECKSUM_AT: usize = HEADER_LEN - 4;

/// A decoded header.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Header {
    pub format_version: u32,
    /// Features an older reader must refuse: `FLAG_DELTA`, at most one of
    /// `FLAG_LZ4` and `FLAG_ZSTD`, or 0.
    pub flags: u32,
    /// The pivm version that wrote the file (at most 32 bytes of UTF-8).
    pub pivm_version: String,
    /// SHA-256 of the embedded program text.
    pub program_hash: [u8; 32],
    /// The number of memory sections (entries of the section table).
    pub sections: u64,
    /// The file offset just past the last memory section, where the
    /// section table starts (`HEADER_LEN` when there is no section).
    pub memory_end: u64,
    /// The length of the msgpack body, which follows the section table.
    pub body_len: u64,
    /// CRC-32C of the section table followed by the body.
    pub meta_checksum: u32,
}

impl Header {
    /// The header bytes, with the header checksum computed. A
    /// `pivm_version` longer than 32 bytes is cut at a character boundary.
    pub fn encode(&self) -> [u8; HEADER_LEN] {
        let mut h = [0u8; HEADER_LEN];
        h[0..8].copy_from_slice(&MAGIC);
        h[8..12].copy_from_slice(&self.format_version.to_le_bytes());
        h[12..16].copy_from_slice(&self.flags.to_le_bytes());
        let v = truncate_utf8(&self.pivm_version, VERSION_FIELD_LEN);
        h[16..16 + v.len()].copy_from_slice(v.as_bytes());
        h[48..80].copy_from_slice(&self.program_hash);
        h[80..88].copy_from_slice(&self.sections.to_le_bytes());
        h[88..96].copy_from_slice(&self.memory_end.to_le_bytes());
        h[96..104].copy_from_slice(&self.body_len.to_le_bytes());
        h[104..108].copy_from_slice(&self.meta_checksum.to_le_bytes());
        let c = crc32c(&h[0..CHECKSUM_AT]);
        h[CHECKSUM_AT..].copy_from_slice(&c.to_le_bytes());
        h
    }

    /// Decodes and checks a header from the start of `bytes` (which may be
    /// the whole file or only its first bytes).
    pub fn decode(bytes: &[u8]) -> Result<Header, SnapshotError> {
        let truncated = || SnapshotError::TruncatedHeader {
            len: bytes.len() as u64,
            expected: HEADER_LEN as u64,
        };
        if bytes.len() < MAGIC.len() {
            return Err(if MAGIC.starts_with(bytes) {
                truncated()
            } else {
                SnapshotError::BadMagic
            });
        }
        if bytes[0..8] != MAGIC {
            return Err(SnapshotError::BadMagic);
        }
        let Some(v) = bytes.get(8..12) else {
            return Err(truncated());
        };
        let format_version = u32::from_le_bytes([v[0], v[1], v[2], v[3]]);
        if format_version > FORMAT_VERSION {
            return Err(SnapshotError::NewerFormat {
                found: format_version,
                supported: FORMAT_VERSION,
            });
        }
        if format_version != FORMAT_VERSION {
            return Err(SnapshotError::UnsupportedFormat {
                found: format_version,
                supported: FORMAT_VERSION,
            });
        }
        let Some(h) = bytes.get(..HEADER_LEN) else {
            return Err(truncated());
        };
        let le32 = |at: usize| u32::from_le_bytes([h[at], h[at + 1], h[at + 2], h[at + 3]]);
        let le64 = |at: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&h[at..at + 8]);
            u64::from_le_bytes(b)
        };
        let stored = le32(CHECKSUM_AT);
        let computed = crc32c(&h[0..CHECKSUM_AT]);
        if stored != computed {
            return Err(SnapshotError::HeaderChecksum { stored, computed });
        }
        let flags = le32(12);
        if flags & !KNOWN_FLAGS != 0 {
            return Err(SnapshotError::MalformedHeader(format!(
                "unknown flags {:#x}: the snapshot needs a newer pivm",
                flags & !KNOWN_FLAGS
            )));
        }
        if flags & FLAG_LZ4 != 0 && flags & FLAG_ZSTD != 0 {
            return Err(SnapshotError::MalformedHeader(
                "the flags name two compressions".to_string(),
            ));
        }
        if h[108..CHECKSUM_AT].iter().any(|&b| b != 0) {
            return Err(SnapshotError::MalformedHeader(
                "reserved bytes 108..124 are not zero: the snapshot needs a newer pivm".to_string(),
            ));
        }
        let field = &h[16..48];
        let len = field.iter().position(|&b| b == 0).unwrap_or(field.len());
        if field[len..].iter().any(|&b| b != 0) {
            return Err(SnapshotError::MalformedHeader(
                "the pivm version field has bytes after its NUL padding".to_string(),
            ));
        }
        let pivm_version = std::str::from_utf8(&field[..len])
            .map_err(|_| {
                SnapshotError::MalformedHeader("the pivm version is not UTF-8".to_string())
            })?
            .to_string();
        let mut program_hash = [0u8; 32];
        program_hash.copy_from_slice(&h[48..80]);
        Ok(Header {
            format_version,
            flags,
            pivm_version,
            program_hash,
            sections: le64(80),
            memory_end: le64(88),
            body_len: le64(96),
            meta_checksum: le32(104),
        })
    }
}

/// The longest prefix of `s` of at most `max` bytes that ends on a
/// character boundary.
fn truncate_utf8(s: &str, max: usize) -> &str {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Header {
        Header {
            format_version: FORMAT_VERSION,
            flags: 0,
            pivm_version: "0.1.0".to_string(),
            program_hash: [7; 32],
            sections: 3,
            memory_end: 8192,
            body_len: 1234,
            meta_checksum: 0xdead_beef,
        }
    }

    #[test]
    fn round_trip() {
        let h = sample();
        let bytes = h.encode();
        assert_eq!(&bytes[0..8], b"PIVMSNAP");
        assert_eq!(Header::decode(&bytes).unwrap(), h);
    }

    #[test]
    fn long_version_is_cut_at_a_char_boundary() {
        let mut h = sample();
        h.pivm_version = "é".repeat(20); // 40 bytes
        let d = Header::decode(&h.encode()).unwrap();
        assert_eq!(d.pivm_version, "é".repeat(16));
    }

    #[test]
    fn short_prefixes_are_truncated_not_bad_magic() {
        let bytes = sample().encode();
        for len in 0..HEADER_LEN {
            assert!(
                matches!(
                    Header::decode(&bytes[..len]),
                    Err(SnapshotError::TruncatedHeader { .. })
                ),
                "len {len}"
            );
        }
        assert!(matches!(
            Header::decode(b"PIX"),
            Err(SnapshotError::BadMagic)
        ));
    }
}
