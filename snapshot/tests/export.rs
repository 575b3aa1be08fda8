//! The three exports (directory, memory, stream) write the same bytes; a
//! stream imported into a directory gives files that open, chain and load
//! like any others; damaged and hostile streams are refused, and nothing
//! of a refused member is left as a file.

mod common;

use common::*;
use pivm_snapshot::export::{self, Export, Frame, Import, Limits, ToDir, ToMemory, ToStream};
use pivm_snapshot::*;

/// Memory covering `layout()`, with a few non-zero pages.
fn memory() -> Vec<u8> {
    let mut mem = vec![0u8; layout().heap_end as usize];
    for (i, b) in mem[HEAP as usize..HEAP as usize + 3 * 4096]
        .iter_mut()
        .enumerate()
    {
        *b = (i * 7 % 251) as u8;
    }
    mem
}

fn sections(mem: &[u8]) -> Vec<MemSection<'_>> {
    vec![MemSection {
        start: HEAP,
        bytes: &mem[HEAP as usize..HEAP as usize + 3 * 4096],
    }]
}

/// A full member `m0` and a delta `m1` over it, exported to `e`.
fn export_chain(e: &mut dyn Export, mem: &mut [u8]) -> (FileInfo, FileInfo) {
    let full = e.export("m0", &snapshot(), &sections(mem)).unwrap();
    mem[HEAP as usize + 5] ^= 0xff;
    let mut delta = snapshot();
    delta.body.parent = Some(Parent {
        name: "m0".into(),
        id: full.id,
    });
    let secs = [MemSection {
        start: HEAP,
        bytes: &mem[HEAP as usize..HEAP as usize + 4096],
    }];
    let d = e.export("m1", &delta, &secs).unwrap();
    (full, d)
}

#[test]
fn every_export_writes_the_same_bytes_and_a_stream_imports_as_files() {
    let dir = temp_dir("export-same");
    let (mut m1, mut m2, mut m3) = (memory(), memory(), memory());
    let mut to_mem = ToMemory::default();
    let ids_mem = export_chain(&mut to_mem, &mut m1);
    let mut to_dir = ToDir {
        dir: dir.join("files"),
    };
    std::fs::create_dir_all(&to_dir.dir).unwrap();
    let ids_dir = export_chain(&mut to_dir, &mut m2);
    let mut stream = ToStream { out: Vec::new() };
    let ids_stream = export_chain(&mut stream, &mut m3);
    assert_eq!(ids_mem, ids_dir);
    assert_eq!(ids_mem, ids_stream);
    let got = std::fs::create_dir_all(dir.join("in"));
    got.unwrap();
    let mut import = Import::new(dir.join("in"), Limits::default());
    let mut inp = &stream.out[..];
    for name in ["m0", "m1"] {
        assert_eq!(
            import.next(&mut inp).unwrap(),
            Frame::Member(dir.join("in").join(name))
        );
        let bytes = std::fs::read(dir.join("in").join(name)).unwrap();
        assert!(
            bytes == to_mem.files[name],
            "{name}: the stream's file is the memory export's"
        );
        assert!(bytes == std::fs::read(dir.join("files").join(name)).unwrap());
    }
    assert!(inp.is_empty());
    let chain = Chain::open(&dir.join("in").join("m1")).unwrap();
    let mut image = vec![0u8; m3.len()];
    chain.load_into(&mut image).unwrap();
    assert!(image == m3);
}

/// The stream of one full member.
fn one_member() -> Vec<u8> {
    let mem = memory();
    let mut s = ToStream { out: Vec::new() };
    s.export("m0", &snapshot(), &sections(&mem)).unwrap();
    s.out
}

fn import(bytes: &[u8], limits: Limits) -> Result<Frame, SnapshotError> {
    let dir = temp_dir("export-bad");
    let mut imp = Import::new(dir.clone(), limits);
    let r = imp.next(&mut &bytes[..]);
    if r.is_err() {
        let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert!(left.is_empty(), "a refused member leaves no file: {left:?}");
    }
    r
}

#[test]
fn damaged_and_hostile_streams_are_refused() {
    let good = one_member();
    assert!(import(&good, Limits::default()).is_ok());
    // Cut anywhere: refused.
    for cut in [1, 9, 12, 100, good.len() / 2, good.len() - 1] {
        assert!(
            import(&good[..cut], Limits::default()).is_err(),
            "cut at {cut}"
        );
    }
    // One byte of memory flipped (in the first DATA frame's payload):
    // the section checksum catches it.
    let mut flipped = good.clone();
    let data = 9 + 2 + 9 + 4000;
    flipped[data] ^= 1;
    let e = import(&flipped, Limits::default()).unwrap_err().to_string();
    assert!(e.contains("checksum"), "{e}");
    // A name that leaves the directory, a huge frame, a stray frame.
    let mut name = Vec::new();
    export::write_frame(&mut name, export::MEMBER, b"../x").unwrap();
    assert!(import(&name, Limits::default()).is_err());
    let mut huge = vec![export::MEMBER];
    huge.extend_from_slice(&u64::MAX.to_le_bytes());
    let e = import(&huge, Limits::default()).unwrap_err().to_string();
    assert!(e.contains("at most"), "{e}");
    let mut stray = Vec::new();
    export::write_frame(&mut stray, export::DATA, b"abc").unwrap();
    assert!(import(&stray, Limits::default()).is_err());
    // Past the byte limit.
    let tight = Limits {
        total_bytes: 1000,
        ..Limits::default()
    };
    let e = import(&good, tight).unwrap_err().to_string();
    assert!(e.contains("bytes in all"), "{e}");
}

#[test]
fn carried_files_land_beneath_the_import_directory() {
    let dir = temp_dir("export-files");
    let mut s = ToStream { out: Vec::new() };
    s.send_file("data/in.txt", &mut &b"hello"[..]).unwrap();
    s.send_file("/abs/x", &mut &b""[..]).unwrap();
    let mut imp = Import::new(dir.clone(), Limits::default());
    let mut inp = &s.out[..];
    let Frame::File { guest, path } = imp.next(&mut inp).unwrap() else {
        panic!("a file")
    };
    assert_eq!(guest, "data/in.txt");
    assert_eq!(path, dir.join("files/cwd/data/in.txt"));
    assert_eq!(std::fs::read(&path).unwrap(), b"hello");
    let Frame::File { path, .. } = imp.next(&mut inp).unwrap() else {
        panic!("a file")
    };
    assert_eq!(path, dir.join("files/root/abs/x"));
    let mut evil = ToStream { out: Vec::new() };
    evil.send_file("../../etc/x", &mut &b"x"[..]).unwrap();
    assert!(Import::new(dir.clone(), Limits::default())
        .next(&mut &evil.out[..])
        .is_err());
}
