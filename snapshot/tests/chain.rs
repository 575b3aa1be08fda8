//! Chains (SNAPSHOT.md, "Deltas and chains"): a full snapshot and deltas
//! written with `write_atomic_sections`, followed by `Chain::open` and
//! loaded into the newest member's memory image; the delta flag and the
//! parent field must agree; missing, altered and foreign ancestors and
//! parent names that leave the directory are refused.

mod common;

use common::*;
use pivm_snapshot::*;
use std::path::Path;

/// VM memory as `layout()` covers it, every byte `fill`.
fn memory(fill: u8) -> Vec<u8> {
    let l = layout();
    vec![fill; l.heap_end as usize]
}

/// Writes `snap` at `dir/name` with the pages of `mem` in `pages` (VM
/// addresses) as its sections.
fn write(dir: &Path, name: &str, snap: &Snapshot, mem: &[u8], pages: &[u64]) -> FileInfo {
    let secs: Vec<MemSection> = pages
        .iter()
        .map(|&p| MemSection {
            start: p,
            bytes: &mem[p as usize..p as usize + 4096],
        })
        .collect();
    file::write_atomic_sections(&dir.join(name), snap, &secs, true).unwrap()
}

fn delta_of(parent: &str, id: [u8; 32]) -> Snapshot {
    let mut s = snapshot();
    s.body.parent = Some(Parent {
        name: parent.to_string(),
        id,
    });
    s
}

#[test]
fn a_chain_loads_as_its_newest_member() {
    let dir = temp_dir("chain-load");
    let mut mem = memory(0);
    mem[HEAP as usize..HEAP as usize + 3 * 4096].fill(1);
    let full = write(
        &dir,
        "s.full",
        &snapshot(),
        &mem,
        &[HEAP, HEAP + 4096, HEAP + 8192],
    );
    // Delta 1: the second page changed; delta 2: the third one, to zero.
    mem[HEAP as usize + 4096] = 2;
    let d1 = write(
        &dir,
        "s.d1",
        &delta_of("s.full", full.id),
        &mem,
        &[HEAP + 4096],
    );
    mem[HEAP as usize + 8192..HEAP as usize + 3 * 4096].fill(0);
    write(&dir, "s", &delta_of("s.d1", d1.id), &mem, &[HEAP + 8192]);
    let chain = Chain::open(&dir.join("s")).unwrap();
    assert_eq!(chain.members.len(), 3);
    assert_eq!(chain.members[2].id, full.id);
    assert_eq!(
        chain.newest().snapshot.body.parent.as_ref().unwrap().name,
        "s.d1"
    );
    let mut image = vec![0u8; mem.len()];
    chain.load_into(&mut image).unwrap();
    assert!(image == mem, "the image is the newest member's memory");
    // A shorter image: what lies past its end is read, checked, not kept.
    let mut short = vec![0u8; HEAP as usize + 4096 + 10];
    chain.load_into(&mut short).unwrap();
    assert_eq!(short[HEAP as usize], 1);
    assert_eq!(short[HEAP as usize + 4096], 2);
    // A full snapshot is a chain of one, its own id that of its file.
    let one = Chain::open(&dir.join("s.full")).unwrap();
    assert!(one.is_full());
    let bytes = std::fs::read(dir.join("s.full")).unwrap();
    let h = Header::decode(&bytes).unwrap();
    let meta = &bytes[h.memory_end as usize..];
    assert_eq!(file_id(&bytes[..HEADER_LEN], meta), full.id);
    let _ = std::fs::remove_dir_all(&dir);
}

fn chain_err(path: &Path) -> String {
    match Chain::open(path) {
        Ok(_) => panic!("{} must be refused", path.display()),
        Err(e) => {
            check_message(&e);
            e.to_string()
        }
    }
}

#[test]
fn broken_chains_are_refused_with_the_ancestor_named() {
    let dir = temp_dir("chain-bad");
    let mem = memory(3);
    let full = write(&dir, "s.full", &snapshot(), &mem, &[HEAP]);
    write(&dir, "s", &delta_of("s.full", full.id), &mem, &[HEAP]);
    assert!(Chain::open(&dir.join("s")).is_ok());
    // Missing.
    std::fs::rename(dir.join("s.full"), dir.join("elsewhere")).unwrap();
    let e = chain_err(&dir.join("s"));
    assert!(e.contains("s.full") && e.contains("cannot be read"), "{e}");
    // Replaced by another valid snapshot: another id.
    let mut other = snapshot();
    other.body.counters.safepoints += 1;
    write(&dir, "s.full", &other, &mem, &[HEAP]);
    let e = chain_err(&dir.join("s"));
    assert!(e.contains("altered or replaced"), "{e}");
    // A snapshot of another program, whose id the delta names.
    let mut foreign = snapshot();
    foreign.body.program =
        SavedProgram::from_text(foreign.body.program.text.replace("main", "mian"));
    foreign.program_hash = foreign.body.program.hash;
    let f = write(&dir, "s.foreign", &foreign, &mem, &[HEAP]);
    write(&dir, "s", &delta_of("s.foreign", f.id), &mem, &[HEAP]);
    let e = chain_err(&dir.join("s"));
    assert!(e.contains("another program"), "{e}");
    // A parent outside the directory.
    for name in ["../s.full", "/etc/passwd", "..", ""] {
        write(&dir, "s", &delta_of(name, full.id), &mem, &[HEAP]);
        let e = chain_err(&dir.join("s"));
        assert!(e.contains("not a plain file name"), "{name}: {e}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_delta_flag_and_the_parent_agree() {
    let dir = temp_dir("chain-flag");
    let mem = memory(0);
    let p = dir.join("s");
    // A delta written, then its flag cleared (checksums resealed).
    write(&dir, "s", &delta_of("s.full", [7; 32]), &mem, &[HEAP]);
    let mut b = std::fs::read(&p).unwrap();
    let mut h = Header::decode(&b).unwrap();
    assert_eq!(h.flags, FLAG_DELTA);
    h.flags = 0;
    b[..HEADER_LEN].copy_from_slice(&h.encode());
    std::fs::write(&p, &b).unwrap();
    let e = chain_err(&p);
    assert!(e.contains("does not flag a delta"), "{e}");
    // A full snapshot with the flag set.
    write(&dir, "s", &snapshot(), &mem, &[HEAP]);
    let mut b = std::fs::read(&p).unwrap();
    let mut h = Header::decode(&b).unwrap();
    h.flags = FLAG_DELTA;
    b[..HEADER_LEN].copy_from_slice(&h.encode());
    std::fs::write(&p, &b).unwrap();
    let e = chain_err(&p);
    assert!(e.contains("names no parent"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}
