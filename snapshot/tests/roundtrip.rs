//! Round trips: a snapshot written and read back (in memory, through a
//! file, through `write_to`) is equal to the original and validates.

mod common;

use common::*;
use pivm_snapshot::*;
use serde::Serialize;
use std::io::Cursor;

#[test]
fn bytes_round_trip() {
    let snap = snapshot();
    let bytes = to_bytes(&snap).unwrap();
    assert_eq!(&bytes[..8], MAGIC);
    assert_eq!(from_bytes(&bytes).unwrap(), snap);
}

#[test]
fn file_round_trip_and_validate() {
    let dir = temp_dir("roundtrip");
    let path = dir.join("snap.msgpack");
    let snap = snapshot();
    write_atomic(&path, &snap).unwrap();
    let back = read(&path).unwrap();
    assert_eq!(back, snap);
    let module = validate(&back).unwrap();
    assert_eq!(module.to_string(), snap.body.program.text);
    check_program_matches(&back, &module).unwrap();
    check_program_matches(&back, &module_unplaced()).unwrap();
    // Only the snapshot is left in the directory: no temporary file.
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("snap.msgpack")]);
    let header = read_header(&path).unwrap();
    assert_eq!(header.format_version, FORMAT_VERSION);
    assert_eq!(header.pivm_version, PIVM_VERSION);
    assert_eq!(header.program_hash, snap.body.program.hash);
    std::fs::remove_dir_all(&dir).unwrap();
}

fn module_unplaced() -> pivm_ir::Module {
    pivm_ir::parse(SOURCE, "fixture.pir").unwrap()
}

#[test]
fn streamed_write_is_byte_identical() {
    let snap = snapshot();
    let mut cur = Cursor::new(Vec::new());
    write_to(&mut cur, &snap).unwrap();
    assert_eq!(cur.into_inner(), to_bytes(&snap).unwrap());
}

#[test]
fn floats_keep_their_exact_bits() {
    let mut snap = snapshot();
    let nan = f64::NAN.to_bits() | 0x1234; // a NaN payload
    snap.body.frames[0].locals[3] = v(ValueType::F64, nan);
    let back = from_bytes(&to_bytes(&snap).unwrap()).unwrap();
    assert_eq!(back.body.frames[0].locals[3].bits, nan);
}

#[test]
fn large_memory_is_written_in_bulk() {
    let mut snap = snapshot();
    let big: Vec<u8> = (0..8u32 << 20).map(|i| (i ^ (i >> 9)) as u8).collect();
    snap.body.memory.layout.heap_end = HEAP + (16 << 20);
    snap.body.memory.regions[2].bytes = big.clone();
    let bytes = to_bytes(&snap).unwrap();
    // Raw memory sections: the file costs the header, a page of padding
    // per section at most and the body over the raw data, and the heap
    // region is stored verbatim at an offset congruent to its address.
    assert!(bytes.len() < big.len() + 4 * 4096, "{} bytes", bytes.len());
    let at = bytes
        .windows(64)
        .position(|w| w == &big[..64])
        .expect("the region is stored raw");
    assert_eq!(at as u64 % PAGE, HEAP % PAGE);
    assert_eq!(&bytes[at..at + big.len()], &big[..]);
    let back = from_bytes(&bytes).unwrap();
    assert_eq!(back.body.memory.regions[2].bytes, big);
    validate(&back).unwrap();
}

#[test]
fn ir_frames_convert_both_ways() {
    let m = module();
    let snap = snapshot();
    for f in &snap.body.frames {
        let ir = f.to_ir();
        assert_eq!(&SavedFrame::from_ir(&ir, &m).unwrap(), f);
    }
    let mut bad = snap.body.frames[0].to_ir();
    bad.locals.pop();
    assert!(matches!(
        SavedFrame::from_ir(&bad, &m),
        Err(SnapshotError::FrameMismatch(_))
    ));
    bad.func = pivm_ir::FuncId(9);
    assert!(SavedFrame::from_ir(&bad, &m).is_err());
}

#[test]
fn capture_and_restore_memory() {
    let l = layout();
    let mut mem = vec![0u8; (l.heap_start + 3 * 4096) as usize];
    mem[DATA as usize] = 1;
    mem[(STACK + 4096 * 2 + 5) as usize] = 2;
    mem[(STACK + 4096 * 3) as usize] = 3;
    mem[(HEAP + 4096 * 2 + 4095) as usize] = 4;
    let regions = capture_regions(&mem, &l);
    // data page, two adjacent stack pages merged, one heap page.
    let shape: Vec<(u64, usize)> = regions.iter().map(|r| (r.start, r.bytes.len())).collect();
    assert_eq!(
        shape,
        vec![
            (DATA, 4096),
            (STACK + 2 * 4096, 2 * 4096),
            (HEAP + 2 * 4096, 4096)
        ]
    );
    let mut back = vec![0u8; mem.len()];
    restore_regions(&regions, &mut back).unwrap();
    assert_eq!(back, mem);
    let mut small = vec![0u8; 100];
    assert!(restore_regions(&regions, &mut small).is_err());
    let mut snap = snapshot();
    snap.body.memory.regions = regions;
    validate(&snap).unwrap();
}

#[test]
fn a_resumed_program_appends_its_hop() {
    let first = from_bytes(&to_bytes(&snapshot()).unwrap()).unwrap();
    let mut body = first.body.clone();
    body.engine = EngineKind::Interp;
    body.push_hop(Hop::now(EngineKind::Interp, 5));
    let second = from_bytes(&to_bytes(&Snapshot::new(body)).unwrap()).unwrap();
    assert_eq!(second.body.history.len(), first.body.history.len() + 1);
    assert_eq!(second.body.history[..2], first.body.history[..]);
    assert_eq!(second.body.history[2].engine, EngineKind::Interp);
}

/// A later minor revision of the body with a field this version does not
/// know: readers skip it (the compatibility rule of SNAPSHOT.md).
#[derive(Serialize)]
struct FutureBody {
    #[serde(flatten)]
    body: Body,
    gpu_state: Vec<u32>,
}

#[test]
fn unknown_fields_are_ignored() {
    let snap = snapshot();
    let future = FutureBody {
        body: snap.body.clone(),
        gpu_state: vec![1, 2, 3],
    };
    let body = rmp_serde::to_vec_named(&future).unwrap();
    let header = Header {
        format_version: FORMAT_VERSION,
        flags: 0,
        pivm_version: "0.2.0".to_string(),
        program_hash: snap.program_hash,
        sections: 0,
        memory_end: HEADER_LEN as u64,
        body_len: body.len() as u64,
        meta_checksum: pivm_snapshot::digest::crc32c(&body),
    };
    let mut bytes = header.encode().to_vec();
    bytes.extend_from_slice(&body);
    let back = from_bytes(&bytes).unwrap();
    let mut expected = snap.body.clone();
    expected.memory.regions.clear(); // memory is not in the msgpack body
    assert_eq!(back.body, expected);
    assert_eq!(back.pivm_version, "0.2.0");
}

#[test]
fn optional_sections_may_be_absent() {
    // An older writer without io, counters, history and extra.
    #[derive(Serialize)]
    struct Minimal<'a> {
        source: &'a Host,
        engine: EngineKind,
        program: &'a SavedProgram,
        memory: &'a SavedMemory,
        frames: &'a [SavedFrame],
    }
    let snap = snapshot();
    let b = &snap.body;
    let body = rmp_serde::to_vec_named(&Minimal {
        source: &b.source,
        engine: b.engine,
        program: &b.program,
        memory: &b.memory,
        frames: &b.frames,
    })
    .unwrap();
    let header = Header {
        format_version: FORMAT_VERSION,
        flags: 0,
        pivm_version: PIVM_VERSION.to_string(),
        program_hash: snap.program_hash,
        sections: 0,
        memory_end: HEADER_LEN as u64,
        body_len: body.len() as u64,
        meta_checksum: pivm_snapshot::digest::crc32c(&body),
    };
    let mut bytes = header.encode().to_vec();
    bytes.extend_from_slice(&body);
    let back = from_bytes(&bytes).unwrap();
    assert!(back.body.history.is_empty());
    assert_eq!(back.body.io, IoState::default());
    assert_eq!(back.body.counters, Counters::default());
    validate(&back).unwrap();
}
