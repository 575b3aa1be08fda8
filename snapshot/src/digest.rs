//! The digests of the format, from well-kept crates.
//!
//! CRC-32C (Castagnoli, "CRC-32/ISCSI": polynomial 0x1EDC6F41 reflected,
//! initial value and final XOR 0xFFFFFFFF; the check value of `123456789`
//! is 0xE3069283) protects the header and the body. The `crc32c` crate uses
//! the SSE4.2 / ARMv8 CRC instructions when the CPU has them (detected at
//! run time) and a slicing-by-8 table elsewhere (s390x, riscv64), so
//! snapshots of hundreds of megabytes are checked at memory speed.
//!
//! SHA-256 (FIPS 180-4) of the program text is the program hash, from
//! RustCrypto's `sha2`.

use sha2::{Digest, Sha256};

/// The CRC-32C of `bytes`.
pub fn crc32c(bytes: &[u8]) -> u32 {
    ::crc32c::crc32c(bytes)
}

/// The CRC-32C of the bytes whose CRC-32C is `crc` followed by `bytes`:
/// `crc32c_append(crc32c(a), b) == crc32c(a ++ b)`, and `crc32c` of nothing
/// is 0, so a stream is checksummed by appending from 0.
pub fn crc32c_append(crc: u32, bytes: &[u8]) -> u32 {
    ::crc32c::crc32c_append(crc, bytes)
}

/// The SHA-256 digest of `bytes`.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// Lowercase hexadecimal of `bytes` (how hashes appear in messages).
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bit-by-bit reference CRC-32C.
    fn slow_crc32c(bytes: &[u8]) -> u32 {
        let mut c = !0u32;
        for &b in bytes {
            c ^= b as u32;
            for _ in 0..8 {
                let mask = (c & 1).wrapping_neg();
                c = (c >> 1) ^ (0x82F6_3B78 & mask);
            }
        }
        !c
    }

    #[test]
    fn crc32c_check_values() {
        assert_eq!(crc32c(b"123456789"), 0xE306_9283);
        assert_eq!(crc32c(b""), 0);
        // RFC 3720 B.4: 32 bytes of zeros, of ones.
        assert_eq!(crc32c(&[0u8; 32]), 0x8A91_36AA);
        assert_eq!(crc32c(&[0xffu8; 32]), 0x62A8_AB43);
    }

    /// The example version-1 header SNAPSHOT.md used to show: its header
    /// checksum (bytes 92..96, `ed 16 95 cd`) is the CRC-32C of its first
    /// 92 bytes.
    #[test]
    fn crc32c_of_the_documented_header() {
        let mut h = Vec::new();
        h.extend_from_slice(b"PIVMSNAP");
        h.extend_from_slice(&1u32.to_le_bytes());
        h.extend_from_slice(&0u32.to_le_bytes());
        let mut version = [0u8; 32];
        version[..5].copy_from_slice(b"0.1.0");
        h.extend_from_slice(&version);
        h.extend_from_slice(&[
            0x37, 0xd1, 0x9f, 0xaa, 0x9b, 0xd6, 0x33, 0xf7, 0xff, 0x85, 0x04, 0x09, 0x69, 0x5a,
            0x8c, 0x6b, 0x4a, 0xce, 0x69, 0x96, 0xb6, 0xd1, 0x0a, 0xc6, 0x91, 0xcf, 0xa1, 0xa2,
            0x1b, 0x12, 0x53, 0x7f,
        ]);
        h.extend_from_slice(&1234u64.to_le_bytes());
        h.extend_from_slice(&0xE306_9283u32.to_le_bytes());
        assert_eq!(h.len(), 92);
        assert_eq!(crc32c(&h).to_le_bytes(), [0xed, 0x16, 0x95, 0xcd]);
    }

    #[test]
    fn crc32c_agrees_with_reference_at_every_alignment() {
        let data: Vec<u8> = (0..5000u32).map(|i| (i * 7 + i / 13) as u8).collect();
        for start in 0..9 {
            for len in [0, 1, 7, 8, 9, 15, 16, 17, 100, 999, 1000, 4000] {
                let d = &data[start..start + len];
                assert_eq!(crc32c(d), slow_crc32c(d), "start {start} len {len}");
            }
        }
        let mut c = 0;
        for part in data.chunks(13) {
            c = crc32c_append(c, part);
        }
        assert_eq!(c, slow_crc32c(&data));
    }

    #[test]
    fn sha256_fips_vectors() {
        assert_eq!(
            hex(&sha256(b"")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            hex(&sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex(&sha256(
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
            )),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        );
        let million_a = vec![b'a'; 1_000_000];
        assert_eq!(
            hex(&sha256(&million_a)),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        );
    }
}
