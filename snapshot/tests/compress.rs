//! Compressed memory sections (`Codec`): every codec round-trips memory
//! of every kind (zeros, text, random bytes that do not shrink, sections
//! of several blocks), files are smaller where memory compresses, and a
//! corrupt or hostile compressed file is refused with an error, never a
//! panic or an allocation the file does not justify.

mod common;

use common::*;
use pivm_snapshot::codec::BLOCK;
use pivm_snapshot::*;

const CODECS: [Codec; 3] = [Codec::Lz4, Codec::Zstd(1), Codec::Zstd(9)];

/// Bytes that do not compress (xorshift64).
fn noise(n: usize, mut x: u64) -> Vec<u8> {
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// The fixture with a heap of three sections: text over more than two
/// blocks, noise over a block and a half, and a short one.
fn big() -> Snapshot {
    let mut snap = snapshot();
    let text: Vec<u8> = b"pivm compresses what repeats. "
        .iter()
        .copied()
        .cycle()
        .take(2 * BLOCK + 12345)
        .collect();
    let noisy = noise(BLOCK + BLOCK / 2, 7);
    let heap = HEAP + 0x1000;
    let regions = &mut snap.body.memory.regions;
    regions.push(Region {
        start: heap,
        bytes: text,
    });
    let at = heap + 3 * BLOCK as u64;
    regions.push(Region {
        start: at,
        bytes: noisy,
    });
    regions.push(Region {
        start: at + 2 * BLOCK as u64,
        bytes: vec![1, 2, 3],
    });
    snap.body.memory.layout.heap_end = at + 4 * BLOCK as u64;
    snap
}

fn with(codec: Codec) -> Snapshot {
    Snapshot { codec, ..big() }
}

#[test]
fn every_codec_round_trips_and_text_shrinks() {
    let raw = to_bytes(&big()).unwrap();
    for codec in CODECS {
        let bytes = to_bytes(&with(codec)).unwrap();
        let back = from_bytes(&bytes).unwrap();
        assert_eq!(back.codec, Codec::from_flags(codec.flag()));
        assert_eq!(back.body, big().body, "{codec:?}");
        // The text shrinks; the noise is stored raw, so it costs only the
        // block words.
        assert!(
            bytes.len() < raw.len() - 2 * BLOCK,
            "{codec:?}: {} of {}",
            bytes.len(),
            raw.len()
        );
        let h = Header::decode(&bytes).unwrap();
        assert_eq!(h.flags, codec.flag());
    }
}

#[test]
fn files_load_into_memory_and_clipped() {
    let dir = temp_dir("compress-load");
    let snap = big();
    let mut want = vec![0u8; snap.body.memory.layout.heap_end as usize];
    restore_regions(&snap.body.memory.regions, &mut want).unwrap();
    for codec in CODECS {
        let path = dir.join("snap.msgpack");
        write_atomic(&path, &with(codec)).unwrap();
        let f = SnapshotFile::open(&path).unwrap();
        assert_eq!(f.snapshot.codec, Codec::from_flags(codec.flag()));
        let mut mem = vec![0u8; want.len()];
        f.load_into(&mut mem).unwrap();
        assert!(mem == want, "{codec:?}");
        // Clipped in the middle of a block of the text: the part that fits
        // is kept, the rest is checked and dropped.
        let cut = (HEAP + 0x1000) as usize + BLOCK + 777;
        let mut short = vec![0u8; cut];
        f.load_clipped(&mut short).unwrap();
        assert!(short[..] == want[..cut], "{codec:?} clipped");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn every_flipped_byte_of_memory_is_caught() {
    // A smaller file, so every byte of its memory can be flipped.
    let mut snap = snapshot();
    snap.body.memory.regions.push(Region {
        start: HEAP + 0x1000,
        bytes: b"abcabcabcabcabcabcabcabc0123456789".repeat(40),
    });
    for codec in CODECS {
        let bytes = to_bytes(&Snapshot {
            codec,
            ..snap.clone()
        })
        .unwrap();
        let memory_end = Header::decode(&bytes).unwrap().memory_end as usize;
        for i in HEADER_LEN..memory_end {
            let mut b = bytes.clone();
            b[i] ^= 0x55;
            let e = from_bytes(&b).expect_err("a flipped byte must be caught");
            check_message(&e);
            assert!(
                matches!(
                    e,
                    SnapshotError::Section { .. } | SnapshotError::SectionChecksum { .. }
                ),
                "{codec:?}, byte {i}: {e}"
            );
        }
    }
}

#[test]
fn hostile_tables_are_refused_before_anything_is_allocated() {
    let bytes = to_bytes(&with(Codec::Lz4)).unwrap();
    let h = Header::decode(&bytes).unwrap();
    let table = h.memory_end as usize;
    // Rewrites entry `k` (32 bytes: start, len, stored, crc, reserved)
    // with the meta checksum fixed, so only the table's sense is wrong.
    let edit = |k: usize, f: &dyn Fn(&mut [u8])| {
        let mut b = bytes.clone();
        let e = table + k * COMPRESSED_ENTRY_LEN as usize;
        f(&mut b[e..e + COMPRESSED_ENTRY_LEN as usize]);
        let c = pivm_snapshot::digest::crc32c(&b[table..]);
        let mut h = Header::decode(&b).unwrap();
        h.meta_checksum = c;
        b[..HEADER_LEN].copy_from_slice(&h.encode());
        b
    };
    let put = |e: &mut [u8], at: usize, v: u64| e[at..at + 8].copy_from_slice(&v.to_le_bytes());
    // A section claiming a terabyte in a few stored bytes: the per-block
    // words cannot fit.
    let e = from_bytes(&edit(3, &|e| put(e, 8, 1 << 40))).unwrap_err();
    assert!(matches!(e, SnapshotError::Section { .. }), "{e}");
    // A stored length that moves every later section.
    let e = from_bytes(&edit(3, &|e| put(e, 16, 100))).unwrap_err();
    assert!(
        matches!(
            e,
            SnapshotError::Section { .. } | SnapshotError::MalformedHeader(_)
        ),
        "{e}"
    );
    // A longer length with the blocks unchanged: the blocks end early.
    let e = from_bytes(&edit(3, &|e| {
        let len = u64::from_le_bytes(e[8..16].try_into().unwrap());
        put(e, 8, len + 1)
    }))
    .unwrap_err();
    assert!(matches!(e, SnapshotError::Section { .. }), "{e}");
    check_message(&e);
}

#[test]
fn truncated_compressed_files_are_refused() {
    let bytes = to_bytes(&with(Codec::Zstd(1))).unwrap();
    for len in (0..bytes.len()).step_by(997) {
        let e = from_bytes(&bytes[..len]).unwrap_err();
        assert!(
            matches!(
                e,
                SnapshotError::TruncatedHeader { .. } | SnapshotError::TruncatedBody { .. }
            ),
            "{len}: {e}"
        );
    }
}

#[test]
fn codec_names_parse() {
    assert_eq!(Codec::parse("none"), Ok(Codec::None));
    assert_eq!(Codec::parse("lz4"), Ok(Codec::Lz4));
    assert_eq!(Codec::parse("zstd"), Ok(Codec::Zstd(1)));
    assert_eq!(Codec::parse("zstd:12"), Ok(Codec::Zstd(12)));
    for bad in ["zstd:0", "zstd:20", "zstd:x", "gzip", ""] {
        assert!(Codec::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn memory_claimed_beyond_what_a_file_can_hold_is_refused_when_read_whole() {
    // One section of noise, stored raw in 5124 bytes; then its table entry
    // claims 2 GiB (1024 blocks of 5 bytes would fit in what it stores).
    let mut snap = snapshot();
    snap.body.memory.regions = vec![Region {
        start: HEAP,
        bytes: noise(5120, 3),
    }];
    let mut b = to_bytes(&Snapshot {
        codec: Codec::Lz4,
        ..snap
    })
    .unwrap();
    let h = Header::decode(&b).unwrap();
    let e = h.memory_end as usize;
    b[e + 8..e + 16].copy_from_slice(&(1024 * BLOCK as u64).to_le_bytes());
    let c = pivm_snapshot::digest::crc32c(&b[e..]);
    let h = Header {
        meta_checksum: c,
        ..h
    };
    b[..HEADER_LEN].copy_from_slice(&h.encode());
    let err = from_bytes(&b).unwrap_err();
    check_message(&err);
    assert!(err.to_string().contains("claim"), "{err}");
}
