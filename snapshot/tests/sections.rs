//! Memory sections (format version 2): hostile section tables, damaged
//! section bytes and padding, sections outside the areas, absurd lengths,
//! reading straight into VM memory, and old-version files. Every case has
//! its specific error and none panics or allocates what the file does not
//! hold.

mod common;

use common::*;
use pivm_snapshot::digest::crc32c;
use pivm_snapshot::*;

fn good() -> Vec<u8> {
    to_bytes(&snapshot()).unwrap()
}

fn err(bytes: &[u8]) -> SnapshotError {
    let e = from_bytes(bytes).expect_err("corrupt input must be rejected");
    check_message(&e);
    e
}

/// Recomputes the meta and header checksums after an edit.
fn reseal(b: &mut [u8]) {
    let h = Header::decode(&b[..HEADER_LEN]).unwrap_or_else(|_| {
        // The edit may have broken the header checksum: fix it first.
        let c = crc32c(&b[..124]);
        b[124..128].copy_from_slice(&c.to_le_bytes());
        Header::decode(&b[..HEADER_LEN]).unwrap()
    });
    let meta = crc32c(&b[h.memory_end as usize..]);
    b[104..108].copy_from_slice(&meta.to_le_bytes());
    let c = crc32c(&b[..124]);
    b[124..128].copy_from_slice(&c.to_le_bytes());
}

/// `good()` with its section table edited (entries of 24 bytes: start,
/// len, checksum, reserved), checksums recomputed.
fn with_table(edit: impl FnOnce(&mut [[u8; 24]])) -> Vec<u8> {
    let mut b = good();
    let h = Header::decode(&b).unwrap();
    let at = h.memory_end as usize;
    let n = h.sections as usize;
    let mut entries: Vec<[u8; 24]> = (0..n)
        .map(|i| b[at + 24 * i..at + 24 * (i + 1)].try_into().unwrap())
        .collect();
    edit(&mut entries);
    for (i, e) in entries.iter().enumerate() {
        b[at + 24 * i..at + 24 * (i + 1)].copy_from_slice(e);
    }
    reseal(&mut b);
    b
}

fn set64(e: &mut [u8; 24], at: usize, v: u64) {
    e[at..at + 8].copy_from_slice(&v.to_le_bytes());
}

fn get64(e: &[u8; 24], at: usize) -> u64 {
    u64::from_le_bytes(e[at..at + 8].try_into().unwrap())
}

#[test]
fn the_fixture_has_sections_at_congruent_offsets() {
    let b = good();
    let h = Header::decode(&b).unwrap();
    assert_eq!(h.sections, 3);
    let snap = snapshot();
    let mut at = HEADER_LEN as u64;
    for r in &snap.body.memory.regions {
        let off = section_offset(at, r.start).unwrap();
        assert_eq!(off % PAGE, r.start % PAGE);
        assert_eq!(&b[off as usize..off as usize + r.bytes.len()], &r.bytes[..]);
        assert!(b[at as usize..off as usize].iter().all(|&x| x == 0));
        at = off + r.bytes.len() as u64;
    }
    assert_eq!(at, h.memory_end);
}

#[test]
fn truncated_inside_a_section() {
    let b = good();
    let h = Header::decode(&b).unwrap();
    let cut = (h.memory_end - 10) as usize;
    let e = err(&b[..cut]);
    assert!(matches!(e, SnapshotError::TruncatedBody { .. }), "{e}");
    // On disk, too; and a file that shrinks after it was opened fails
    // when its memory is read, before anything runs.
    let dir = temp_dir("sections-truncated");
    let path = dir.join("snap.msgpack");
    std::fs::write(&path, &b).unwrap();
    let file = SnapshotFile::open(&path).unwrap();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(HEADER_LEN as u64 + 5)
        .unwrap();
    let mut mem = vec![0u8; 0x200000];
    let e = file.load_into(&mut mem).unwrap_err();
    assert!(matches!(e, SnapshotError::Io { .. }), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_section_checksums() {
    // A flipped memory byte.
    let mut b = good();
    let snap = snapshot();
    let r = &snap.body.memory.regions[1];
    let h = Header::decode(&b).unwrap();
    let pos = b[HEADER_LEN..h.memory_end as usize]
        .windows(r.bytes.len())
        .position(|w| w == &r.bytes[..])
        .unwrap()
        + HEADER_LEN;
    b[pos] ^= 1;
    let e = err(&b);
    assert!(
        matches!(e, SnapshotError::SectionChecksum { index: 1, .. }),
        "{e}"
    );
    assert!(e
        .to_string()
        .starts_with("checksum mismatch in memory section 1"));
    // A wrong checksum in the table (table checksum right).
    let b = with_table(|t| t[0][16] ^= 0x40);
    let e = err(&b);
    assert!(
        matches!(e, SnapshotError::SectionChecksum { index: 0, .. }),
        "{e}"
    );
    // Straight into memory: the same error, before anything runs.
    let dir = temp_dir("sections-crc");
    let path = dir.join("snap.msgpack");
    std::fs::write(&path, &b).unwrap();
    let file = SnapshotFile::open(&path).unwrap();
    validate_file(&file, &Limits::default()).unwrap();
    let mut mem = vec![0u8; (HEAP + 0x100000) as usize];
    let e = file.load_into(&mut mem).unwrap_err();
    assert!(
        matches!(e, SnapshotError::SectionChecksum { index: 0, .. }),
        "{e}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn nonzero_padding_is_corrupt() {
    let mut b = good();
    // The padding right after the header (the first section is at 0x1000).
    assert!(b[HEADER_LEN..4096].iter().all(|&x| x == 0));
    b[200] = 1;
    let e = err(&b);
    assert!(
        matches!(e, SnapshotError::Section { index: 0, ref reason, .. } if reason.contains("padding")),
        "{e}"
    );
}

#[test]
fn overlapping_and_unordered_sections() {
    let b = with_table(|t| {
        let s = get64(&t[0], 0);
        set64(&mut t[1], 0, s);
    });
    let e = err(&b);
    assert!(
        matches!(e, SnapshotError::Section { index: 1, ref reason, .. } if reason.contains("overlaps")),
        "{e}"
    );
    let b = with_table(|t| t.swap(0, 2));
    assert!(matches!(err(&b), SnapshotError::Section { index: 1, .. }));
}

#[test]
fn absurd_section_lengths_and_counts() {
    for len in [0u64, 1 << 40, u64::MAX, u64::MAX - 4095] {
        let b = with_table(|t| set64(&mut t[2], 8, len));
        let e = err(&b);
        assert!(
            matches!(e, SnapshotError::Section { index: 2, .. }),
            "len {len}: {e}"
        );
    }
    // A start that wraps with its length.
    let b = with_table(|t| set64(&mut t[2], 0, u64::MAX - 10));
    assert!(matches!(err(&b), SnapshotError::Section { index: 2, .. }));
    // Reserved bits.
    let b = with_table(|t| t[0][20] = 1);
    assert!(matches!(err(&b), SnapshotError::Section { index: 0, .. }));
    // A shorter section: the sections no longer end where memory ends.
    let b = with_table(|t| {
        let l = get64(&t[2], 8);
        set64(&mut t[2], 8, l - 1)
    });
    assert!(matches!(err(&b), SnapshotError::MalformedHeader(_)));
    // Header counts and offsets that do not fit the file: refused before
    // anything is allocated.
    for (field, v) in [
        (80, 1u64 << 60),
        (80, u64::MAX),
        (88, 0),
        (88, u64::MAX - 100),
        (96, u64::MAX),
    ] {
        let mut b = good();
        b[field..field + 8].copy_from_slice(&v.to_le_bytes());
        let c = crc32c(&b[..124]);
        b[124..128].copy_from_slice(&c.to_le_bytes());
        let e = err(&b);
        assert!(
            matches!(
                e,
                SnapshotError::MalformedHeader(_)
                    | SnapshotError::TruncatedBody { .. }
                    | SnapshotError::TrailingBytes { .. }
            ),
            "field {field} = {v}: {e}"
        );
    }
}

#[test]
fn sections_outside_the_areas_are_refused_before_loading() {
    let snap = snapshot();
    let l = snap.body.memory.layout;
    let outside = [0u8; 100];
    for start in [0u64, 100, l.heap_end, l.heap_end - 50, 1 << 40] {
        let mut cur = std::io::Cursor::new(Vec::new());
        let secs = [MemSection {
            start,
            bytes: &outside,
        }];
        let mut s = snap.clone();
        s.body.memory.regions.clear();
        write_sections_to(&mut cur, &s, &secs).unwrap();
        let bytes = cur.into_inner();
        let dir = temp_dir("sections-outside");
        let path = dir.join("snap.msgpack");
        std::fs::write(&path, &bytes).unwrap();
        let file = SnapshotFile::open(&path).unwrap();
        let e = validate_file(&file, &Limits::default()).unwrap_err();
        check_message(&e);
        assert!(matches!(e, SnapshotError::Region { .. }), "{start:#x}: {e}");
        let e = validate(&from_bytes(&bytes).unwrap()).unwrap_err();
        assert!(matches!(e, SnapshotError::Region { .. }), "{start:#x}: {e}");
        // A caller that loads anyway into too small a memory gets an
        // error, not a panic.
        let mut small = vec![0u8; 64];
        assert!(file.load_into(&mut small).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[test]
fn the_writer_refuses_overlapping_sections() {
    let snap = snapshot();
    let a = [1u8; 100];
    let secs = [
        MemSection {
            start: HEAP,
            bytes: &a,
        },
        MemSection {
            start: HEAP + 50,
            bytes: &a,
        },
    ];
    let mut cur = std::io::Cursor::new(Vec::new());
    let e = write_sections_to(&mut cur, &snap, &secs).unwrap_err();
    assert!(matches!(e, SnapshotError::Encode(_)), "{e}");
}

#[test]
fn loading_straight_into_memory_matches_the_regions() {
    let dir = temp_dir("sections-load");
    let path = dir.join("snap.msgpack");
    let snap = snapshot();
    write_atomic(&path, &snap).unwrap();
    let file = SnapshotFile::open(&path).unwrap();
    assert!(file.snapshot.body.memory.regions.is_empty());
    let module = validate_file(&file, &Limits::default()).unwrap();
    assert_eq!(module.to_string(), snap.body.program.text);
    assert_eq!(file.memory_bytes(), snap.body.memory.region_bytes());
    let n = (HEAP + 0x100000) as usize;
    let (mut direct, mut expected) = (vec![0u8; n], vec![0u8; n]);
    file.load_into(&mut direct).unwrap();
    restore_regions(&snap.body.memory.regions, &mut expected).unwrap();
    assert!(direct == expected);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn version_1_files_are_refused_with_a_clear_message() {
    // A version-1 file: 96-byte header, memory inside the msgpack body.
    let body = rmp_serde::to_vec_named(&snapshot().body).unwrap();
    let mut b = Vec::new();
    b.extend_from_slice(b"PIVMSNAP");
    b.extend_from_slice(&1u32.to_le_bytes());
    b.extend_from_slice(&0u32.to_le_bytes());
    b.extend_from_slice(&[0u8; 32]);
    b.extend_from_slice(&snapshot().program_hash);
    b.extend_from_slice(&(body.len() as u64).to_le_bytes());
    b.extend_from_slice(&crc32c(&body).to_le_bytes());
    let c = crc32c(&b);
    b.extend_from_slice(&c.to_le_bytes());
    b.extend_from_slice(&body);
    let e = err(&b);
    assert!(
        matches!(
            e,
            SnapshotError::UnsupportedFormat {
                found: 1,
                supported: 2
            }
        ),
        "{e}"
    );
    let msg = e.to_string();
    assert!(
        msg.starts_with("snapshot format version 1 is not supported (this pivm reads version 2"),
        "{msg}"
    );
    assert!(msg.contains("resume them with that pivm"), "{msg}");
}
