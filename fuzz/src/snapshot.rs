//! Target `snapshot`: an untrusted snapshot file, as `pivm inspect` and
//! `pivm resume` read it.
//!
//! Checks, for any bytes:
//! - the in-memory reader (`from_bytes`) and the validator accept or
//!   refuse, never panic; `pivm inspect`'s text and JSON views of what
//!   they accept render;
//! - the resume path (`Chain::open`, `validate_file`, `restore`,
//!   memory read straight into VM memory) accepts only what the
//!   in-memory reader and the validator accept;
//! - what it accepts resumes the same on the interpreter and the JIT
//!   (bounded like the `pir` target): same outcome, output and state, and
//!   the JIT compiles every program a snapshot validates with.
//!
//! Random bytes rarely get past a snapshot's checksums, so the target
//! starts from valid snapshots (`seeds`) and mutates them with `mutate`:
//! most mutations decode the snapshot, change fields of its body (layout,
//! frames and their values, memory regions and bytes, allocations, files,
//! counters, the program text with its hash) and encode it again with
//! every checksum right; the rest change bytes and then recompute the
//! checksums (`fix_checksums`), mostly.

use crate::engines::{self, assert_same, FUEL};
use pivm::{Interpreter, JitEngine};
use pivm_snapshot::digest::crc32c;
use pivm_snapshot::{
    section_offset, SavedAllocation, SavedFile, SavedFrame, SavedProgram, SavedRand, Snapshot,
    Value, ValueType, HEADER_LEN, SECTION_ENTRY_LEN,
};

pub fn run(data: &[u8]) {
    let accepted = pivm_snapshot::from_bytes(data)
        .ok()
        .and_then(|s| pivm_snapshot::validate(&s).ok().map(|m| (s, m)));
    if let Some((snap, module)) = &accepted {
        let header = pivm_snapshot::Header::decode(data)
            .unwrap_or_else(|e| panic!("an accepted snapshot's header does not decode: {e}"));
        let size = data.len() as u64;
        // A file alone: no chain to follow.
        let chain = pivm::inspect::ChainView {
            members: Vec::new(),
            error: None,
        };
        let stored = snap.body.memory.region_bytes();
        pivm::inspect::text("fuzz.snap", size, &header, snap, stored, module, &chain);
        pivm::inspect::json("fuzz.snap", size, &header, snap, stored, module, &chain);
    }
    let Ok(restored) = engines::restore(data, FUEL) else {
        return;
    };
    assert!(
        accepted.is_some(),
        "pivm resume restores a snapshot that from_bytes and validate refuse"
    );
    let module = &restored.runtime.prog.module;
    if engines::waits_for_time(module) {
        return;
    }
    let clock = engines::reads_time(module);
    let mut interp = engines::resume(&mut Interpreter::new(), restored);
    let again = engines::restore(data, FUEL)
        .unwrap_or_else(|e| panic!("a snapshot restored once is refused the second time: {e}"));
    let mut jit = engines::resume(&mut JitEngine::new(), again);
    if !clock {
        assert_same(
            &mut jit,
            &mut interp,
            "resumed on the jit vs the interpreter",
        );
    }
}

/// A small xorshift generator for mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    fn chance(&mut self, one_in: u64) -> bool {
        self.next().is_multiple_of(one_in)
    }
    /// A value near `v` or at an edge: what breaks bounds checks.
    fn near(&mut self, v: u64) -> u64 {
        match self.below(12) {
            0 => 0,
            1 => 1,
            2 => v.wrapping_sub(1),
            3 => v.wrapping_add(1),
            4 => v.wrapping_add(16),
            5 => v.wrapping_sub(16),
            6 => v.wrapping_add(4096),
            7 => v.wrapping_sub(4096),
            8 => u64::MAX - self.below(16) as u64,
            9 => 1 << self.below(64),
            10 => v ^ (1 << self.below(64)),
            _ => self.next(),
        }
    }
}

/// Mutates the fields of the snapshot file `data` (1 to 4 changes chosen
/// by `seed`) and encodes it again with every checksum right. `None` when
/// `data` does not decode or the mutated body cannot be encoded.
pub fn mutate(data: &[u8], seed: u64) -> Option<Vec<u8>> {
    let mut snap = pivm_snapshot::from_bytes(data).ok()?;
    let mut rng = Rng(seed | 1);
    for _ in 0..1 + rng.below(4) {
        mutate_once(&mut snap, &mut rng);
    }
    pivm_snapshot::to_bytes(&snap).ok()
}

fn mutate_once(snap: &mut Snapshot, rng: &mut Rng) {
    let other = rng.next();
    let b = &mut snap.body;
    match rng.below(9) {
        0 => {
            let l = &mut b.memory.layout;
            let fields = [
                &mut l.data_start,
                &mut l.data_end,
                &mut l.stack_start,
                &mut l.stack_end,
                &mut l.sp,
                &mut l.stack_limit,
                &mut l.heap_start,
                &mut l.heap_end,
                &mut l.heap_top,
            ];
            let i = rng.below(fields.len());
            let field = fields.into_iter().nth(i).unwrap();
            *field = rng.near(*field);
        }
        1 | 2 => mutate_frames(&mut b.frames, rng),
        3 => {
            let regions = &mut b.memory.regions;
            let i = rng.below(regions.len());
            let Some(r) = regions.get_mut(i) else {
                return;
            };
            match rng.below(5) {
                // A word of memory: pointers, lengths, anything the program
                // reads back.
                0..=2 if !r.bytes.is_empty() => {
                    let at = rng.below(r.bytes.len());
                    let end = (at + 8).min(r.bytes.len());
                    let old = r.bytes[at..end]
                        .iter()
                        .rev()
                        .fold(0u64, |a, &x| a << 8 | x as u64);
                    let new = rng.near(old).to_le_bytes();
                    r.bytes[at..end].copy_from_slice(&new[..end - at]);
                }
                3 => r.start = rng.near(r.start),
                _ => {
                    let len = rng.near(r.bytes.len() as u64) % (1 << 16);
                    r.bytes.resize(len as usize, 0);
                }
            }
        }
        4 => {
            let top = b.memory.layout.heap_top;
            b.memory.allocations.edit(|allocs| {
                let i = rng.below(allocs.len());
                match (rng.below(5), allocs.get_mut(i)) {
                    (0, Some(a)) => a.addr = rng.near(a.addr),
                    (1, Some(a)) => a.size = rng.near(a.size),
                    (2, Some(a)) => {
                        let types = [
                            "i32",
                            "ptr",
                            "[4 x i8]",
                            "[0 x i64]",
                            "%nope",
                            "i32 i32",
                            "",
                        ];
                        a.ty = Some(types[rng.below(types.len())].into());
                    }
                    (3, Some(_)) => {
                        allocs.remove(i);
                    }
                    _ => {
                        allocs.push(SavedAllocation {
                            addr: rng.near(top),
                            size: rng.near(16),
                            ty: None,
                        });
                    }
                }
            });
        }
        5 => {
            let io = &mut b.io;
            match rng.below(6) {
                0 => io.next_handle = rng.near(io.next_handle),
                1 => io.stdin_consumed = rng.near(io.stdin_consumed),
                2 => io.stdout_pending.extend_from_slice(b"pending\n"),
                3 => io.stdout_written = rng.near(io.stdout_written),
                _ => {
                    let paths = [
                        "out.txt",
                        "/etc/passwd",
                        "../x",
                        "",
                        "a\0b",
                        "/proc/self/mem",
                    ];
                    let modes = ["r", "w", "a+", "rb+", "x", "rr"];
                    io.files.push(SavedFile {
                        handle: rng.near(16),
                        path: paths[rng.below(paths.len())].to_string(),
                        mode: modes[rng.below(modes.len())].to_string(),
                        offset: rng.near(0),
                        eof: rng.chance(2),
                        temp: None,
                    });
                }
            }
        }
        6 => {
            let c = &mut b.counters;
            match rng.below(4) {
                0 => c.call_depth_limit = rng.near(c.call_depth_limit as u64) as u32,
                1 => c.rand = None,
                _ => {
                    let r = c.rand.get_or_insert(SavedRand {
                        table: vec![1],
                        front: 0,
                        rear: 0,
                    });
                    match rng.below(3) {
                        0 => r.front = rng.near(r.front as u64) as u32,
                        1 => r.rear = rng.near(r.rear as u64) as u32,
                        _ => r.table.resize(rng.below(70), other as u32),
                    }
                }
            }
        }
        7 => {
            let text = mutate_text(&b.program.text, rng);
            b.program = SavedProgram::from_text(text);
            if !rng.chance(8) {
                snap.program_hash = b.program.hash;
            }
        }
        _ => {
            snap.pivm_version = ["", "0.0.0", "9.9.9", "x\u{1b}[2J"][rng.below(4)].to_string();
            b.source.arch = "s390x".into();
        }
    }
}

/// One change to the frames: which function, resume point, stack base,
/// values and types of locals, or the order and number of frames.
fn mutate_frames(frames: &mut Vec<SavedFrame>, rng: &mut Rng) {
    let n = frames.len();
    let i = rng.below(n);
    if rng.chance(6) && n > 0 {
        match rng.below(3) {
            0 | 1 => drop_or_double(frames, i, rng),
            _ => frames.swap(i, rng.below(n)),
        }
        return;
    }
    let Some(f) = frames.get_mut(i) else {
        return;
    };
    match rng.below(7) {
        0 => f.func = rng.near(f.func as u64) as u32 % 64,
        1 => f.resume = rng.near(f.resume as u64) as u32 % 64,
        2 => f.stack_base = rng.near(f.stack_base),
        3 => f.func_name = ["main", "", "nope"][rng.below(3)].to_string(),
        4 if !f.locals.is_empty() => {
            let j = rng.below(f.locals.len());
            let types = [
                ValueType::I8,
                ValueType::I16,
                ValueType::I32,
                ValueType::I64,
                ValueType::F32,
                ValueType::F64,
                ValueType::Ptr,
            ];
            f.locals[j].ty = types[rng.below(types.len())];
        }
        5 => {
            if rng.chance(2) {
                f.locals.pop();
            } else {
                f.locals.push(Value {
                    ty: ValueType::I32,
                    bits: 0,
                });
            }
        }
        _ if !f.locals.is_empty() => {
            // Mostly a value of the local's type, which the validator
            // lets through to the resume.
            let j = rng.below(f.locals.len());
            let v = &mut f.locals[j];
            let bits = rng.near(v.bits);
            v.bits = if rng.chance(4) {
                bits
            } else {
                bits & pivm_ir::Type::from(v.ty).mask()
            };
        }
        _ => {}
    }
}

/// Removes element `i` of `v`, or puts a copy of it beside it.
fn drop_or_double<T: Clone>(v: &mut Vec<T>, i: usize, rng: &mut Rng) {
    if rng.chance(2) {
        v.remove(i);
    } else {
        let copy = v[i].clone();
        v.insert(i, copy);
    }
}

/// The program text with one line dropped, doubled, or one number in it
/// changed.
fn mutate_text(text: &str, rng: &mut Rng) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    if lines.is_empty() {
        return text.to_string();
    }
    let i = rng.below(lines.len());
    match rng.below(3) {
        0 | 1 => drop_or_double(&mut lines, i, rng),
        _ => {
            let l = &lines[i];
            let digits: Vec<usize> = l
                .char_indices()
                .filter(|(_, c)| c.is_ascii_digit())
                .map(|(at, _)| at)
                .collect();
            if let Some(&at) = digits.get(rng.below(digits.len())) {
                let end = l[at..]
                    .find(|c: char| !c.is_ascii_digit())
                    .map_or(l.len(), |e| at + e);
                let v: u64 = l[at..end].parse().unwrap_or(0);
                lines[i] = format!("{}{}{}", &l[..at], rng.near(v) % 100_000, &l[end..]);
            }
        }
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

/// Recomputes the checksums of the snapshot file `bytes` in place, as far
/// as its header and section table can be followed: each section's, the
/// table and body's, then the header's. Bytes that do not have the shape
/// of a snapshot are left as they are.
pub fn fix_checksums(bytes: &mut [u8]) {
    if bytes.len() < HEADER_LEN {
        return;
    }
    let le64 = |b: &[u8], at: usize| u64::from_le_bytes(b[at..at + 8].try_into().unwrap());
    let (sections, memory_end, body_len) = (le64(bytes, 80), le64(bytes, 88), le64(bytes, 96));
    let table_len = sections.checked_mul(SECTION_ENTRY_LEN);
    let end = table_len
        .and_then(|t| t.checked_add(memory_end))
        .and_then(|t| t.checked_add(body_len));
    if end == Some(bytes.len() as u64) && memory_end >= HEADER_LEN as u64 {
        let (memory_end, table_len) = (memory_end as usize, table_len.unwrap() as usize);
        let mut at = HEADER_LEN as u64;
        for e in 0..sections as usize {
            let entry = memory_end + e * SECTION_ENTRY_LEN as usize;
            let (start, len) = (le64(bytes, entry), le64(bytes, entry + 8));
            let Some(offset) = section_offset(at, start) else {
                break;
            };
            let Some(file_end) = offset.checked_add(len).filter(|&e| e <= memory_end as u64) else {
                break;
            };
            let crc = crc32c(&bytes[offset as usize..file_end as usize]);
            bytes[entry + 16..entry + 20].copy_from_slice(&crc.to_le_bytes());
            at = file_end;
        }
        let meta = crc32c(&bytes[memory_end..memory_end + table_len + body_len as usize]);
        bytes[104..108].copy_from_slice(&meta.to_le_bytes());
    }
    let header = crc32c(&bytes[..124]);
    bytes[124..128].copy_from_slice(&header.to_le_bytes());
}
