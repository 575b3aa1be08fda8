//! Atomic writes: an interrupted write never damages the previous snapshot.

mod common;

use common::*;
use pivm_snapshot::*;
use std::io::Write;

fn second_snapshot() -> Snapshot {
    let mut b = body();
    b.counters.safepoints = 1000;
    b.frames[0].locals[1] = v(ValueType::I32, 4);
    Snapshot::new(b)
}

/// A crash after part of the new snapshot reached the temporary file, and
/// before the rename: the target still holds the previous snapshot.
#[test]
fn interrupted_write_leaves_previous_snapshot() {
    let dir = temp_dir("atomic-interrupted");
    let path = dir.join("snap.msgpack");
    let first = snapshot();
    write_atomic(&path, &first).unwrap();

    let new_bytes = to_bytes(&second_snapshot()).unwrap();
    for cut in [0, 10, HEADER_LEN, new_bytes.len() / 2, new_bytes.len() - 1] {
        let tmp = file::temp_path_for(&path);
        assert_eq!(
            tmp.parent(),
            path.parent(),
            "temporary file in the same directory"
        );
        let mut f = std::fs::File::create(&tmp).unwrap();
        f.write_all(&new_bytes[..cut]).unwrap();
        drop(f); // killed here: no fsync, no rename
        assert_eq!(read(&path).unwrap(), first, "cut at {cut}");
        // The orphaned temporary file is itself rejected, not misread.
        let err = read(&tmp).unwrap_err();
        assert!(
            matches!(
                err,
                SnapshotError::TruncatedHeader { .. } | SnapshotError::TruncatedBody { .. }
            ),
            "{err}"
        );
    }

    // The next write succeeds despite the leftovers and replaces the target.
    write_atomic(&path, &second_snapshot()).unwrap();
    assert_eq!(read(&path).unwrap(), second_snapshot());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The kill happens in a real child process, between writing the
/// temporary file and renaming it: the child is this test binary run with
/// an environment variable, and sends itself SIGKILL half-way through its
/// write.
#[cfg(unix)]
#[test]
fn killed_writer_process_leaves_previous_snapshot() {
    if let Ok(p) = std::env::var("PIVM_SNAPSHOT_CHILD_WRITE") {
        let path = std::path::PathBuf::from(p);
        let bytes = to_bytes(&second_snapshot()).unwrap();
        let tmp = file::temp_path_for(&path);
        let mut f = std::fs::File::create(tmp).unwrap();
        f.write_all(&bytes[..bytes.len() / 3]).unwrap();
        let pid = std::process::id().to_string();
        let _ = std::process::Command::new("kill")
            .args(["-9", &pid])
            .status();
        loop {
            std::thread::sleep(std::time::Duration::from_secs(1));
        }
    }
    let dir = temp_dir("atomic-killed");
    let path = dir.join("snap.msgpack");
    write_atomic(&path, &snapshot()).unwrap();
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "killed_writer_process_leaves_previous_snapshot",
            "--nocapture",
        ])
        .env("PIVM_SNAPSHOT_CHILD_WRITE", &path)
        .status()
        .unwrap();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(
        status.signal(),
        Some(9),
        "the child must be killed mid-write"
    );
    // Its temporary file is left behind; the snapshot is the previous one.
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 2);
    assert_eq!(read(&path).unwrap(), snapshot());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn failed_write_reports_the_path_and_keeps_nothing() {
    let dir = temp_dir("atomic-fail");
    let path = dir.join("missing-dir").join("snap.msgpack");
    let err = write_atomic(&path, &snapshot()).unwrap_err();
    check_message(&err);
    assert!(matches!(err, SnapshotError::Io { .. }), "{err}");
    assert!(err.to_string().contains("missing-dir"), "{err}");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn overwriting_keeps_one_file() {
    let dir = temp_dir("atomic-overwrite");
    let path = dir.join("snap.msgpack");
    for _ in 0..3 {
        write_atomic(&path, &snapshot()).unwrap();
    }
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A durable write of more memory than the writeback window (8 MiB):
/// writeback is started and waited for while memory is written (with the
/// real `sync_file_range` where the host has it), and the file reads back
/// the same.
#[test]
fn durable_write_larger_than_the_writeback_window() {
    let dir = temp_dir("atomic-writeback");
    let path = dir.join("snap.msgpack");
    let mut snap = snapshot();
    snap.body.memory.layout.heap_end = HEAP + (80 << 20);
    let heap: Vec<u8> = (0..80u32 << 20).map(|i| (i % 253) as u8 | 1).collect();
    let secs = [MemSection {
        start: HEAP,
        bytes: &heap,
    }];
    snap.body.memory.regions.clear();
    let len = file::write_atomic_sections(&path, &snap, &secs, true).unwrap();
    let meta = std::fs::metadata(&path).unwrap();
    assert_eq!(meta.len(), len.len);
    // The program's memory is readable by its owner only.
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    let back = read(&path).unwrap();
    assert_eq!(back.body.memory.regions.len(), 1);
    assert!(back.body.memory.regions[0].bytes == heap);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Every way of writing (direct from memory, direct through a copy,
/// through the page cache, not fsynced), sections large enough for their
/// checksums to be made on a second thread, at aligned and unaligned
/// addresses: the file reads back with every section's checksum checked
/// and its bytes where they were.
#[test]
fn every_write_mode_reads_back_with_its_checksums() {
    let dir = temp_dir("atomic-modes");
    let path = dir.join("snap.msgpack");
    let mut snap = snapshot();
    snap.body.memory.layout.heap_end = HEAP + (64 << 20);
    snap.body.memory.regions.clear();
    // Memory on a page, as VM memory is (direct writes straight from it).
    let mut backing = vec![0u8; (48 << 20) + 4096];
    let at = backing.as_ptr().align_offset(4096);
    let heap = &mut backing[at..at + (48 << 20)];
    for (i, b) in heap.iter_mut().enumerate() {
        *b = (i % 251) as u8 ^ 0x5a;
    }
    let heap = &*heap;
    // Three sections of different bytes: page-aligned, odd start, and a
    // partial last page.
    let secs = [
        MemSection {
            start: HEAP,
            bytes: &heap[..20 << 20],
        },
        MemSection {
            start: HEAP + (21 << 20) + 3,
            bytes: &heap[(21 << 20) + 3..40 << 20],
        },
        MemSection {
            start: HEAP + (41 << 20),
            bytes: &heap[(41 << 20) + 1..(48 << 20) - 100],
        },
    ];
    let mut first: Option<Vec<u8>> = None;
    for direct in [Direct::Off, Direct::Copied, Direct::Memory] {
        for durable in [false, true] {
            let opts = WriteOptions {
                durable,
                direct,
                direct_min: 0,
            };
            let tmp = file::temp_path_for(&path);
            let info = write_atomic_sections_via(&path, &tmp, &snap, &secs, opts).unwrap();
            assert_eq!(std::fs::metadata(&path).unwrap().len(), info.len);
            assert!(!tmp.exists());
            let back = read(&path).unwrap_or_else(|e| panic!("{opts:?}: {e}"));
            let regions = &back.body.memory.regions;
            assert_eq!(regions.len(), 3, "{opts:?}");
            for (r, s) in regions.iter().zip(&secs) {
                assert_eq!(r.start, s.start, "{opts:?}");
                assert!(r.bytes == s.bytes, "{opts:?}");
            }
            // Every way writes the same bytes.
            let bytes = std::fs::read(&path).unwrap();
            match &first {
                None => first = Some(bytes),
                Some(f) => assert!(*f == bytes, "{opts:?}"),
            }
        }
    }
    // Compressed, direct I/O asked for or not: the same bytes, read back.
    let lz = dir.join("lz.msgpack");
    let compressed = Snapshot {
        codec: Codec::Lz4,
        ..snap.clone()
    };
    let mut lz_bytes = Vec::new();
    for direct in [Direct::Memory, Direct::Off] {
        let opts = WriteOptions {
            durable: true,
            direct,
            direct_min: 0,
        };
        write_atomic_sections_via(&lz, &file::temp_path_for(&lz), &compressed, &secs, opts)
            .unwrap();
        let back = read(&lz).unwrap();
        assert!(back.body.memory.regions[2].bytes == secs[2].bytes);
        lz_bytes.push(std::fs::read(&lz).unwrap());
    }
    assert!(lz_bytes[0] == lz_bytes[1]);
    // The last raw file (direct from memory, fsynced) loaded straight into
    // memory, checksums made on a second thread.
    let size = (HEAP + (64 << 20)) as usize;
    let mut expected = vec![0u8; size];
    for s in &secs {
        let at = s.start as usize;
        expected[at..at + s.bytes.len()].copy_from_slice(s.bytes);
    }
    let mut mem = vec![0u8; size];
    SnapshotFile::open(&path)
        .unwrap()
        .load_into(&mut mem)
        .unwrap();
    assert!(mem == expected);
    // Memory too small for the last section: refused before any read.
    let mut small = vec![0u8; (HEAP + (45 << 20)) as usize];
    let e = SnapshotFile::open(&path)
        .unwrap()
        .load_into(&mut small)
        .unwrap_err();
    assert!(matches!(e, SnapshotError::Section { index: 2, .. }), "{e}");
    assert!(small.iter().all(|&b| b == 0));
    // One byte changed in the middle section: its checksum, and only
    // its, fails.
    let h = read_header(&path).unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    let middle = (h.memory_end / 2) as usize;
    bytes[middle] ^= 1;
    std::fs::write(&path, &bytes).unwrap();
    let e = SnapshotFile::open(&path)
        .unwrap()
        .load_into(&mut mem)
        .unwrap_err();
    assert!(
        matches!(e, SnapshotError::SectionChecksum { index: 1, .. }),
        "{e}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
