//! Corrupt and hostile files: every one gives its specific error, none
//! panics, and none makes the reader allocate what the file does not hold.

mod common;

use common::*;
use pivm_snapshot::digest::crc32c;
use pivm_snapshot::*;

fn good() -> Vec<u8> {
    to_bytes(&snapshot()).unwrap()
}

/// A file with the given header fields and body bytes, checksums right.
fn file_with(body: &[u8], edit: impl FnOnce(&mut Header)) -> Vec<u8> {
    let mut h = Header {
        format_version: FORMAT_VERSION,
        flags: 0,
        pivm_version: PIVM_VERSION.to_string(),
        program_hash: snapshot().program_hash,
        sections: 0,
        memory_end: HEADER_LEN as u64,
        body_len: body.len() as u64,
        meta_checksum: crc32c(body),
    };
    edit(&mut h);
    let mut out = h.encode().to_vec();
    out.extend_from_slice(body);
    out
}

fn err(bytes: &[u8]) -> SnapshotError {
    let e = from_bytes(bytes).expect_err("corrupt input must be rejected");
    check_message(&e);
    e
}

#[test]
fn truncated_at_every_length() {
    let bytes = good();
    for len in 0..bytes.len() {
        match err(&bytes[..len]) {
            SnapshotError::TruncatedHeader { len: l, expected } => {
                assert!(len < HEADER_LEN);
                assert_eq!((l, expected), (len as u64, HEADER_LEN as u64));
            }
            SnapshotError::TruncatedBody { len: l, expected } => {
                assert!(len >= HEADER_LEN);
                assert_eq!(l, (len - HEADER_LEN) as u64);
                assert_eq!(expected, (bytes.len() - HEADER_LEN) as u64);
            }
            e => panic!("length {len}: {e}"),
        }
    }
    from_bytes(&bytes).unwrap();
}

#[test]
fn truncated_files_on_disk() {
    let dir = temp_dir("corrupt-truncated");
    let path = dir.join("snap.msgpack");
    let bytes = good();
    for len in [0, 5, 8, 50, HEADER_LEN, HEADER_LEN + 1, bytes.len() - 1] {
        std::fs::write(&path, &bytes[..len]).unwrap();
        let e = read(&path).unwrap_err();
        check_message(&e);
        assert!(
            matches!(
                e,
                SnapshotError::TruncatedHeader { .. } | SnapshotError::TruncatedBody { .. }
            ),
            "length {len}: {e}"
        );
    }
    let e = read(&dir.join("absent.msgpack")).unwrap_err();
    assert!(matches!(e, SnapshotError::Io { .. }), "{e}");
    check_message(&e);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn message_for_a_truncated_body() {
    let bytes = good();
    let e = err(&bytes[..HEADER_LEN + 3]);
    let expected = format!(
        "snapshot is truncated: body is 3 bytes, expected {}",
        bytes.len() - HEADER_LEN
    );
    assert!(e.to_string().starts_with(&expected), "{e}");
}

#[test]
fn every_flipped_header_byte() {
    let bytes = good();
    for pos in 0..HEADER_LEN {
        for mask in [0x01u8, 0x80, 0xff] {
            let mut b = bytes.clone();
            b[pos] ^= mask;
            let e = err(&b);
            let ok = match pos {
                0..=7 => matches!(e, SnapshotError::BadMagic),
                8..=11 => matches!(
                    e,
                    SnapshotError::NewerFormat { .. } | SnapshotError::UnsupportedFormat { .. }
                ),
                _ => matches!(e, SnapshotError::HeaderChecksum { .. }),
            };
            assert!(ok, "byte {pos} ^ {mask:#x}: {e}");
        }
    }
}

#[test]
fn flipped_body_bytes() {
    let bytes = good();
    // Every byte of the first 512 and a spread of the rest.
    let positions = (HEADER_LEN..bytes.len())
        .filter(|p| *p < HEADER_LEN + 512 || p % 7 == 0)
        .collect::<Vec<_>>();
    let memory_end = Header::decode(&bytes).unwrap().memory_end as usize;
    for pos in positions {
        let mut b = bytes.clone();
        b[pos] ^= 0x20;
        let e = err(&b);
        if pos < memory_end {
            // Memory: a section's checksum, or padding that must be zero.
            assert!(
                matches!(
                    e,
                    SnapshotError::SectionChecksum { .. } | SnapshotError::Section { .. }
                ),
                "byte {pos}: {e}"
            );
            assert!(e.to_string().contains("the file is corrupt"), "{e}");
        } else {
            assert!(
                matches!(e, SnapshotError::BodyChecksum { .. }),
                "byte {pos}: {e}"
            );
            assert!(e
                .to_string()
                .starts_with("checksum mismatch: the file is corrupt"));
        }
    }
}

#[test]
fn wrong_magic() {
    let mut b = good();
    b[..8].copy_from_slice(b"\x7fELF\x02\x01\x01\x00");
    assert_eq!(err(&b).to_string(), "not a pivm snapshot (bad magic)");
    assert!(matches!(err(b"{\"json\": true}"), SnapshotError::BadMagic));
    assert!(matches!(err(b"PIVMSNAX"), SnapshotError::BadMagic));
    assert!(matches!(err(b"x"), SnapshotError::BadMagic));
}

#[test]
fn newer_and_unsupported_format_versions() {
    let body = rmp_serde::to_vec_named(&snapshot().body).unwrap();
    let e = err(&file_with(&body, |h| h.format_version = 7));
    assert!(
        matches!(
            e,
            SnapshotError::NewerFormat {
                found: 7,
                supported: FORMAT_VERSION
            }
        ),
        "{e}"
    );
    assert!(
        e.to_string()
            .starts_with("snapshot format version 7 is newer than this pivm supports (2)"),
        "{e}"
    );
    // A newer format is recognised even if its header is longer and
    // its layout unknown: only magic and version are read.
    let mut future = b"PIVMSNAP".to_vec();
    future.extend_from_slice(&3u32.to_le_bytes());
    assert!(matches!(
        err(&future),
        SnapshotError::NewerFormat { found: 3, .. }
    ));
    let e = err(&file_with(&body, |h| h.format_version = 0));
    assert!(
        matches!(e, SnapshotError::UnsupportedFormat { found: 0, .. }),
        "{e}"
    );
}

#[test]
fn malformed_header_fields() {
    let body = rmp_serde::to_vec_named(&snapshot().body).unwrap();
    // An unknown flag, and two compressions at once.
    for flags in [64, FLAG_LZ4 | FLAG_ZSTD] {
        let e = err(&file_with(&body, |h| h.flags = flags));
        assert!(matches!(e, SnapshotError::MalformedHeader(_)), "{e}");
    }
    // A version string that is not UTF-8 (header checksum recomputed).
    let mut b = file_with(&body, |_| {});
    b[16] = 0xff;
    let c = crc32c(&b[..124]);
    b[124..128].copy_from_slice(&c.to_le_bytes());
    assert!(matches!(err(&b), SnapshotError::MalformedHeader(_)));
    // Bytes after the NUL padding.
    let mut b = file_with(&body, |_| {});
    b[47] = b'x';
    let c = crc32c(&b[..124]);
    b[124..128].copy_from_slice(&c.to_le_bytes());
    assert!(matches!(err(&b), SnapshotError::MalformedHeader(_)));
}

#[test]
fn huge_declared_lengths_allocate_nothing() {
    let body = rmp_serde::to_vec_named(&snapshot().body).unwrap();
    for huge in [1u64 << 60, u64::MAX, body.len() as u64 + 1] {
        let b = file_with(&body, |h| h.body_len = huge);
        let e = err(&b);
        assert!(
            matches!(e, SnapshotError::TruncatedBody { expected, .. } if expected == huge)
                || (huge == u64::MAX && matches!(e, SnapshotError::MalformedHeader(_))),
            "{e}"
        );
        let dir = temp_dir("corrupt-huge");
        let path = dir.join("snap.msgpack");
        std::fs::write(&path, &b).unwrap();
        let e = read(&path).unwrap_err();
        assert!(
            matches!(
                e,
                SnapshotError::TruncatedBody { .. } | SnapshotError::MalformedHeader(_)
            ),
            "{e}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[test]
fn trailing_bytes() {
    let mut b = good();
    b.extend_from_slice(b"junk");
    let e = err(&b);
    assert!(
        matches!(e, SnapshotError::TrailingBytes { extra: 4 }),
        "{e}"
    );
}

#[test]
fn malformed_bodies_with_valid_checksums() {
    let hostile: Vec<Vec<u8>> = vec![
        vec![],
        vec![0xc0],                         // nil
        vec![0x80],                         // an empty map: fields missing
        b"\xa5hello".to_vec(),              // a string
        vec![0xc6, 0xff, 0xff, 0xff, 0xff], // bin with a 4 GiB length
        vec![0xdd, 0xff, 0xff, 0xff, 0xff], // array with 4 G elements
        vec![0xdf, 0xff, 0xff, 0xff, 0xff], // map with 4 G entries
        vec![0x91; 100_000],                // deeply nested arrays
        {
            // A map whose first key is unknown, with deeply nested value.
            let mut v = vec![0x81, 0xa1, b'z'];
            v.extend(std::iter::repeat_n(0x91u8, 100_000));
            v
        },
    ];
    for body in hostile {
        let e = err(&file_with(&body, |_| {}));
        assert!(
            matches!(e, SnapshotError::Decode(_)),
            "body {:02x?}: {e}",
            &body[..body.len().min(8)]
        );
    }
}

#[test]
fn hostile_lengths_inside_a_valid_body() {
    // The real body with its pending output's length prefix rewritten to
    // claim 4 GiB: the decoder must fail at the end of the input.
    let mut snap = snapshot();
    snap.body.io.stdout_pending = vec![0x5a; 300];
    let body = rmp_serde::to_vec_named(&snap.body).unwrap();
    let at = body
        .windows(3)
        .position(|w| w == [0xc5, 0x01, 0x2c]) // bin16, length 300
        .expect("the pending output's bin header");
    let mut evil = body[..at].to_vec();
    evil.extend_from_slice(&[0xc6, 0xff, 0xff, 0xff, 0xf0]);
    evil.extend_from_slice(&body[at + 3..]);
    let e = err(&file_with(&evil, |_| {}));
    assert!(matches!(e, SnapshotError::Decode(_)), "{e}");
}

#[test]
fn mismatched_program_hash() {
    // Header and body disagree.
    let mut snap = snapshot();
    snap.program_hash[0] ^= 1;
    let e = err(&to_bytes(&snap).unwrap());
    assert!(matches!(e, SnapshotError::ProgramHash { .. }), "{e}");
    assert!(e.to_string().starts_with("program hash mismatch"), "{e}");

    // Header and body agree, but the text was changed after hashing.
    let mut body = body();
    body.program.text = body.program.text.replace("i32 7", "i32 8");
    let snap = Snapshot::new(body);
    let back = from_bytes(&to_bytes(&snap).unwrap()).unwrap();
    let e = validate(&back).unwrap_err();
    check_message(&e);
    assert!(matches!(e, SnapshotError::ProgramHash { .. }), "{e}");

    // The snapshot belongs to another program.
    let other = pivm_ir::parse(&SOURCE.replace("i32 7", "i32 8"), "other.pir").unwrap();
    let e = check_program_matches(&snapshot(), &other).unwrap_err();
    assert!(matches!(e, SnapshotError::ProgramHash { .. }), "{e}");
}
