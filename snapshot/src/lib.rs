//! pivm-snapshot: the portable snapshot file format of pivm. The format
//! is specified in SNAPSHOT.md at the repository root.
//!
//! A snapshot file (format version 2) is a fixed 128-byte header
//! (`header`), checked before anything else, then VM memory as raw
//! little-endian sections at page-aligned offsets, each with its CRC-32C,
//! then the section table and a msgpack body (`body`) under one CRC-32C.
//! The body is self-contained: the program as canonical `.pir` text, the
//! memory layout, the allocation table, the logical frames as typed
//! values, I/O state and counters. Nothing in it
//! is host-specific, so a snapshot taken on one architecture and engine
//! resumes on any other.
//!
//! The VM writes a snapshot with
//! `write_atomic(path, &Snapshot::new(body))` and resumes one with
//! `read(path)` then `validate(&snapshot)`, which returns the program
//! ready to run once every frame, local, address and size has been checked
//! against it. To resume without holding memory twice, the VM uses
//! `write_atomic_sections` (memory written straight from where it is) and
//! `SnapshotFile::open`, `validate_file` and `SnapshotFile::load_into`
//! (memory read straight into VM memory).
//!
//! ```
//! use pivm_snapshot::*;
//!
//! let text = "func @main() -> i32 {\nentry:\n    ret.i32 0\n}\n";
//! let mut module = pivm_ir::parse(text, "main.pir").unwrap();
//! pivm_ir::safepoints::place(&mut module);
//! // VM memory indexed by VM address, and where its areas are.
//! let layout = MemoryLayout {
//!     data_start: 0x1000, data_end: 0x1000,
//!     stack_start: 0x1000, stack_end: 0x11000, sp: 0x1000, stack_limit: 0x11000,
//!     heap_start: 0x11000, heap_end: 0x21000, heap_top: 0x11000,
//! };
//! let mem = vec![0u8; 0x21000];
//! let body = Body {
//!     source: Host::current(),
//!     engine: EngineKind::Interp,
//!     history: vec![Hop::now(EngineKind::Interp, 1)],
//!     program: SavedProgram::from_module(&module),
//!     memory: SavedMemory { layout, regions: capture_regions(&mem, &layout), allocations: AllocTable::new() },
//!     // Stopped at resume point 0 of @main: its entry safepoint.
//!     frames: vec![SavedFrame {
//!         func: 0, func_name: "main".into(), resume: 0, stack_base: 0x1000, locals: vec![],
//!     }],
//!     io: IoState::default(),
//!     counters: Counters { safepoints: 1, ..Counters::default() },
//!     extra: Default::default(),
//!     parent: None,
//!     threads: None,
//!     family: None,
//!     timers: None,
//! };
//! let bytes = to_bytes(&Snapshot::new(body)).unwrap(); // or write_atomic(path, ..)
//!
//! let snap = from_bytes(&bytes).unwrap(); // or read(path)
//! let module = validate(&snap).unwrap();
//! assert_eq!(module.funcs.len(), 1);
//! let mut restored = vec![0u8; 0x21000];
//! restore_regions(&snap.body.memory.regions, &mut restored).unwrap();
//! ```

pub mod body;
pub mod chain;
pub mod codec;
pub mod digest;
pub mod direct;
pub mod error;
pub mod export;
pub mod file;
pub mod header;
pub mod heap_table;
pub mod validate;

pub use body::{
    capture_extents, capture_regions, program_hash, program_hash_every_loop, restore_regions, Body,
    ByteString, Counters, Endian, EngineKind, Hop, Host, IoState, MemoryLayout, Parent, Region,
    SavedAllocation, SavedFamily, SavedFd, SavedFile, SavedFrame, SavedMemory, SavedPipe,
    SavedProgram, SavedRand, SavedThread, SavedThreads, SavedTimers, SavedZombie, Value, ValueType,
    MAIN_THREAD, PIVM_VERSION, THREAD_CHILD, THREAD_DONE, THREAD_FUTEX, THREAD_JOIN, THREAD_PIPE,
    THREAD_RUNNABLE, THREAD_SLEEP,
};
pub use chain::{Chain, MAX_CHAIN};
pub use codec::Codec;
pub use direct::Direct;
pub use error::SnapshotError;
pub use file::{
    file_id, from_bytes, no_helper_threads, read, read_header, section_offset, to_bytes,
    write_atomic, write_atomic_sections, write_atomic_sections_via, write_sections_stream,
    write_sections_to, write_to, FileInfo, MemSection, Section, Snapshot, SnapshotFile,
    WriteOptions, COMPRESSED_ENTRY_LEN, PAGE, SECTION_ENTRY_LEN,
};
pub use header::{
    Header, FLAG_DELTA, FLAG_LZ4, FLAG_PROCESSES, FLAG_THREADS, FLAG_TIMERS, FLAG_ZSTD,
    FORMAT_VERSION, HEADER_LEN, MAGIC,
};
pub use heap_table::{AllocEntry, AllocTable};
pub use validate::{
    check_program_matches, validate, validate_file, validate_with, Limits, MAX_TYPE_NESTING,
};
