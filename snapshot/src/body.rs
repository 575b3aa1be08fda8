//! The snapshot body: the serialized types, encoded as msgpack maps with
//! named fields (SNAPSHOT.md gives the schema field by field).
//!
//! These are the format's own structs, never runtime structs with derives:
//! the VM fills them when it captures a program and reads them when it
//! restores one. They hold no host address and nothing host-specific, only
//! IR ids, typed values and VM memory bytes. Large byte strings (memory
//! regions, pending output, generator state) are msgpack `bin` values,
//! written in bulk, never element by element.
//!
//! Compatibility rule: a field added later must be `#[serde(default)]` so
//! that older snapshots still decode; readers ignore fields they do not
//! know. Anything an older reader would misread needs a new format version.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use pivm_ir::safepoints;
use pivm_ir::{EntityRef, FuncId, Module, Type};

use crate::digest::sha256;
use crate::error::SnapshotError;

/// The version of pivm this crate belongs to (the workspace version).
pub const PIVM_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Everything a snapshot holds after its fixed header.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Body {
    /// The host the snapshot was taken on.
    pub source: Host,
    /// The engine the snapshot was taken on.
    pub engine: EngineKind,
    /// Every run of the program so far, oldest first; the last entry is the
    /// run that took this snapshot. A resumed program's next snapshot
    /// copies this list and appends its own hop (`Body::push_hop`).
    #[serde(default)]
    pub history: Vec<Hop>,
    /// The program, self-contained.
    pub program: SavedProgram,
    /// VM memory: layout numbers, live bytes, allocation table.
    pub memory: SavedMemory,
    /// The logical stack, innermost frame first.
    pub frames: Vec<SavedFrame>,
    /// Standard streams and open files.
    #[serde(default)]
    pub io: IoState,
    /// Runtime counters and generator state.
    #[serde(default)]
    pub counters: Counters,
    /// Runtime state this schema has no field for yet, by name (for
    /// example an allocator's free list). Readers skip names they do not
    /// know; the VM documents the names it writes.
    #[serde(default)]
    pub extra: BTreeMap<String, ByteString>,
    /// For a delta snapshot (header flag `FLAG_DELTA`), the snapshot its
    /// memory sections apply to; `None` for a full snapshot.
    #[serde(default)]
    pub parent: Option<Parent>,
    /// The threads of a program that has started more than one (header
    /// flag `FLAG_THREADS`); `None`: one thread, whose frames are `frames`.
    #[serde(default)]
    pub threads: Option<SavedThreads>,
    /// The process this body is and, in the top-level body, the program's
    /// other processes and pipes (header flag `FLAG_PROCESSES`); `None`:
    /// a program that never forked or made a pipe.
    #[serde(default)]
    pub family: Option<SavedFamily>,
    /// The monotonic clock and this process's real-time timer, for a
    /// program that reads the clock or sets deadlines on it (header flag
    /// `FLAG_TIMERS`; the VM's `timer`).
    #[serde(default)]
    pub timers: Option<SavedTimers>,
}

/// Time, as a resume goes on from it: every deadline (a thread's `until`,
/// the timer's `alarm`, and any the program keeps in its memory) is on
/// the monotonic clock, which reads `clock` at the snapshot and goes on
/// from there on the resuming host.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
pub struct SavedTimers {
    /// The monotonic clock at the snapshot, in nanoseconds.
    pub clock: u64,
    /// When the process's timer next sends SIGALRM, if it is armed.
    pub alarm: Option<u64>,
    /// Its interval (0: once).
    pub interval: u64,
}

/// A process of a program that has several, or pipes (the VM's `proc`).
/// In the top-level body (the process that was running) it also holds
/// every other process, each a body of its own (its memory in its
/// record's `memory`, its program text empty: the top-level body's), the
/// ended children not waited for, and the pipes.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
pub struct SavedFamily {
    pub pid: i32,
    pub ppid: i32,
    /// Its open pipe ends.
    pub fds: Vec<SavedFd>,
    /// A fork in progress: `none`, `requested` (served before the
    /// process goes on), or `done` (`__pivm_fork_result` returns
    /// `fork_value` next).
    pub fork: String,
    pub fork_value: i32,
    /// A signal was made pending by another process: its handlers run
    /// before it goes on.
    pub signalled: bool,
    /// A signal's default action ends it before it goes on.
    pub killed: Option<i32>,
    /// A write to a pipe without readers raised SIGPIPE: the write
    /// returns EPIPE when called again.
    pub epipe: bool,
    pub others: Vec<Body>,
    pub zombies: Vec<SavedZombie>,
    pub pipes: Vec<SavedPipe>,
    pub next_pid: i32,
    pub next_pipe: u32,
    /// The first process's exit status, once it has ended.
    pub root_status: Option<i32>,
    /// The memory of a process that is not the top-level body's (whose
    /// memory is the file's sections), sorted, not overlapping.
    pub memory: Vec<Region>,
}

/// An open pipe end: descriptor, pipe, `read` or `write`.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
pub struct SavedFd {
    pub fd: i32,
    pub pipe: u32,
    pub end: String,
}

/// A child that ended and was not waited for, with its wait status.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
pub struct SavedZombie {
    pub pid: i32,
    pub ppid: i32,
    pub status: i32,
}

/// A pipe: its unread bytes and how many descriptors of each end are open.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
pub struct SavedPipe {
    pub id: u32,
    pub bytes: ByteString,
    pub readers: u32,
    pub writers: u32,
}

/// Every thread of a program and its schedule (the VM's `sched`). The
/// running thread's frames are `Body::frames`; every other thread is its
/// own frames, or its start function and arguments if it never ran.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
pub struct SavedThreads {
    /// The id of the running thread.
    pub current: u64,
    /// The id the next thread created gets.
    pub next_id: u64,
    /// Safepoints left in the running thread's turn.
    pub slice_left: u64,
    /// The running thread asked to switch at its next safepoint.
    pub switch_now: bool,
    /// A switch is due before the running thread goes on.
    pub switch_due: bool,
    /// The schedule's clock (`SavedThread::since`).
    pub clock: u64,
    /// Every thread, in creation order (ids increasing).
    pub threads: Vec<SavedThread>,
}

/// One thread of `SavedThreads`.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
pub struct SavedThread {
    pub id: u64,
    /// `THREAD_RUNNABLE`, `THREAD_FUTEX` (blocked on the i32 at `arg`),
    /// `THREAD_JOIN` (blocked until thread `arg` ends), `THREAD_CHILD`
    /// (in waitpid for pid `arg` as an i32, -1 any), `THREAD_PIPE`
    /// (reading or writing pipe `arg`), `THREAD_SLEEP` (asleep until
    /// `until`) or `THREAD_DONE` (ended with value `arg`, not joined yet).
    pub state: String,
    pub arg: u64,
    /// When it blocked, on the schedule's clock (wakes go oldest first).
    pub since: u64,
    pub detached: bool,
    /// Its outermost function: `main` for thread 1, else the trampoline
    /// `pthread_create` named; index and name, checked like a frame's.
    pub root: u32,
    pub root_name: String,
    /// The arguments of `root` while the thread has never run.
    pub start: Option<Vec<u64>>,
    /// Its frames, innermost first (empty for the running thread, one
    /// that never ran, and one that ended).
    pub frames: Vec<SavedFrame>,
    /// Its shadow stack `[stack_start, stack_end)`: the program's stack for
    /// thread 1, a part of `block` for the others.
    pub stack_start: u64,
    pub stack_end: u64,
    /// The heap block of its stack and thread-specific data, while it runs.
    pub block: Option<u64>,
    /// Its thread-specific data block, 0 if never asked for.
    pub tls: u64,
    /// The deadline of its sleep or timed wait on the monotonic clock.
    #[serde(default)]
    pub until: Option<u64>,
    /// A signal handler interrupted its sleep (which returns EINTR).
    #[serde(default)]
    pub interrupted: bool,
}

/// The first thread's id: the one that runs `main`.
pub const MAIN_THREAD: u64 = 1;
pub const THREAD_RUNNABLE: &str = "runnable";
pub const THREAD_FUTEX: &str = "futex";
pub const THREAD_JOIN: &str = "join";
pub const THREAD_DONE: &str = "done";
pub const THREAD_CHILD: &str = "child";
pub const THREAD_PIPE: &str = "pipe";
pub const THREAD_SLEEP: &str = "sleep";

impl Body {
    /// Appends the hop of the run that is taking this snapshot.
    pub fn push_hop(&mut self, hop: Hop) {
        self.history.push(hop);
    }
}

/// The parent of a delta snapshot: a file in the same directory, named
/// and identified (SNAPSHOT.md, "Deltas and chains").
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Parent {
    /// The parent's file name (no directory part).
    pub name: String,
    /// The parent's id (`SnapshotFile::id`).
    #[serde(with = "serde_bytes")]
    pub id: [u8; 32],
}

impl Parent {
    /// Whether `name` is a plain file name: not empty, not `.` or `..`,
    /// no `/` and no NUL, so a delta can only name a file beside itself.
    pub fn name_is_plain(&self) -> bool {
        let n = &self.name;
        !n.is_empty() && n != "." && n != ".." && !n.contains(['/', '\\', '\0'])
    }
}

/// A byte string stored as one msgpack `bin` value.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ByteString(#[serde(with = "serde_bytes")] pub Vec<u8>);

/// A host: machine architecture, operating system, byte order.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Host {
    /// `std::env::consts::ARCH`: `x86_64`, `aarch64`, `s390x`, `riscv64`...
    pub arch: String,
    /// `std::env::consts::OS`: `linux`, `macos`...
    pub os: String,
    /// The host's native byte order (VM memory is little-endian regardless).
    pub endian: Endian,
    /// The pivm version that ran on this host.
    pub pivm_version: String,
}

impl Host {
    /// The host this code runs on.
    pub fn current() -> Host {
        Host {
            arch: std::env::consts::ARCH.to_string(),
            os: std::env::consts::OS.to_string(),
            endian: if cfg!(target_endian = "big") {
                Endian::Big
            } else {
                Endian::Little
            },
            pivm_version: PIVM_VERSION.to_string(),
        }
    }
}

/// Byte order, stored as `"little"` or `"big"`.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Endian {
    Little,
    Big,
}

/// An execution engine, stored as `"jit"` or `"interp"`.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EngineKind {
    Jit,
    Interp,
}

impl EngineKind {
    pub fn name(self) -> &'static str {
        match self {
            EngineKind::Jit => "jit",
            EngineKind::Interp => "interp",
        }
    }
}

/// One run of the program between a start (or resume) and a snapshot.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Hop {
    pub arch: String,
    pub os: String,
    pub engine: EngineKind,
    /// When the snapshot ending this hop was taken: milliseconds since the
    /// Unix epoch (UTC).
    pub unix_time_ms: u64,
    /// Safepoints reached during this hop alone.
    pub safepoints: u64,
}

impl Hop {
    /// A hop on the current host ending now.
    pub fn now(engine: EngineKind, safepoints: u64) -> Hop {
        let host = Host::current();
        let unix_time_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis().min(u64::MAX as u128) as u64);
        Hop {
            arch: host.arch,
            os: host.os,
            engine,
            unix_time_ms,
            safepoints,
        }
    }
}

/// The program: a module after `safepoints::place`, as canonical `.pir`
/// text, and the SHA-256 of that text.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct SavedProgram {
    pub text: String,
    #[serde(with = "serde_bytes")]
    pub hash: [u8; 32],
}

impl SavedProgram {
    /// The program of `module`: safepoints are placed on a copy (placement
    /// is idempotent, so a module the VM already placed is unchanged), and
    /// the copy is printed.
    pub fn from_module(module: &Module) -> SavedProgram {
        let mut placed = module.clone();
        safepoints::place(&mut placed);
        SavedProgram::from_text(placed.to_string())
    }

    /// The program of a module whose safepoints are placed already, as
    /// they are: what an engine runs, perhaps as an older pivm placed them
    /// (`validate::parse_placed`), so the snapshot's resume points are
    /// numbered in it.
    pub fn from_placed(module: &Module) -> SavedProgram {
        SavedProgram::from_text(module.to_string())
    }

    /// A program from text that is already canonical and placed.
    pub fn from_text(text: String) -> SavedProgram {
        let hash = sha256(text.as_bytes());
        SavedProgram { text, hash }
    }
}

/// The program hash of `module`: what `SavedProgram::from_module(module).hash`
/// would be. Compare it with a snapshot's `program_hash` to check that a
/// snapshot belongs to a given program.
pub fn program_hash(module: &Module) -> [u8; 32] {
    SavedProgram::from_module(module).hash
}

/// The program hash of `module` placed as pivm placed safepoints before
/// loops of bounded work stopped polling (`safepoints::place_every_loop`):
/// a snapshot written then has it, and still resumes.
pub fn program_hash_every_loop(module: &Module) -> [u8; 32] {
    let mut placed = module.clone();
    safepoints::place_every_loop(&mut placed);
    SavedProgram::from_text(placed.to_string()).hash
}

/// VM memory.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct SavedMemory {
    pub layout: MemoryLayout,
    /// The contents of memory, sorted by `start`, not overlapping. Bytes of
    /// the three areas that no region covers are zero. Not part of the
    /// msgpack body: a file stores them as raw memory sections before it
    /// (`file.rs`), and `read` fills this from them.
    #[serde(skip)]
    pub regions: Vec<Region>,
    /// Every live heap allocation, sorted by `addr`, packed in memory as
    /// in the file (`heap_table`), under the name `heap`; files that store
    /// a list of maps under `allocations` read alike.
    #[serde(rename = "heap", alias = "allocations")]
    pub allocations: crate::heap_table::AllocTable,
}

impl SavedMemory {
    /// The bytes of memory its regions hold.
    pub fn region_bytes(&self) -> u64 {
        self.regions.iter().map(|r| r.bytes.len() as u64).sum()
    }
}

/// The layout of VM memory: three areas `[start, end)` of VM addresses
/// (data, stack, heap) and the current positions inside them.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
pub struct MemoryLayout {
    /// Globals and string literals.
    pub data_start: u64,
    pub data_end: u64,
    /// The shadow stack; it grows upward from `stack_start`.
    pub stack_start: u64,
    pub stack_end: u64,
    /// Shadow-stack pointer: the first free byte.
    pub sp: u64,
    /// No frame may extend past this address (`VmCtx::stack_limit`).
    pub stack_limit: u64,
    /// The heap.
    pub heap_start: u64,
    pub heap_end: u64,
    /// The allocator's high-water mark: no allocation extends past it.
    pub heap_top: u64,
}

/// Bytes of VM memory starting at VM address `start`.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Region {
    pub start: u64,
    #[serde(with = "serde_bytes")]
    pub bytes: Vec<u8>,
}

impl Region {
    /// The address just past the region (saturating).
    pub fn end(&self) -> u64 {
        self.start.saturating_add(self.bytes.len() as u64)
    }
}

/// Size of the pages `capture_regions` skips when they are all zero.
pub const CAPTURE_PAGE: u64 = 4096;

/// Whether the page `bytes` is all zero (word by word, so it vectorizes).
fn is_zero(bytes: &[u8]) -> bool {
    let (head, words, tail) = {
        // SAFETY: every bit pattern is a valid u64.
        unsafe { bytes.align_to::<u64>() }
    };
    head.iter().all(|&b| b == 0)
        && tail.iter().all(|&b| b == 0)
        && words
            .chunks(64)
            .all(|c| c.iter().fold(0, |a, &w| a | w) == 0)
}

/// The extents `[start, end)` of `mem` (VM memory indexed by VM address,
/// `mem[0]` is address 0) worth saving: the data, stack and heap areas of
/// `layout`, clipped to `mem.len()`, without their all-zero pages (pages
/// are the `CAPTURE_PAGE`-aligned blocks of VM addresses, clipped to the
/// areas). Adjacent non-zero pages make one extent.
///
/// `candidates`, when given, are sorted disjoint extents outside which
/// memory is known to be zero without reading it (pages the host never
/// backed): only pages meeting them are read, so untouched memory is
/// neither scanned nor faulted in. The result is the same with or without
/// them.
pub fn capture_extents(
    mem: &[u8],
    layout: &MemoryLayout,
    candidates: Option<&[(u64, u64)]>,
) -> Vec<(u64, u64)> {
    let mut areas = [
        (layout.data_start, layout.data_end),
        (layout.stack_start, layout.stack_end),
        (layout.heap_start, layout.heap_end),
    ];
    areas.sort();
    let len = mem.len() as u64;
    let all = [(0, len)];
    let candidates = candidates.unwrap_or(&all);
    let mut out: Vec<(u64, u64)> = Vec::new();
    for (start, end) in areas {
        let end = end.min(len);
        for &(cs, ce) in candidates {
            let (s, e) = (start.max(cs), end.min(ce));
            let mut page = s;
            while page < e {
                let page_end = (page / CAPTURE_PAGE + 1)
                    .saturating_mul(CAPTURE_PAGE)
                    .min(e);
                if !is_zero(&mem[page as usize..page_end as usize]) {
                    match out.last_mut() {
                        Some(r) if r.1 == page => r.1 = page_end,
                        _ => out.push((page, page_end)),
                    }
                }
                page = page_end;
            }
        }
    }
    out
}

/// The regions of `mem` (VM memory indexed by VM address) worth saving:
/// the bytes of `capture_extents(mem, layout, None)`, copied.
pub fn capture_regions(mem: &[u8], layout: &MemoryLayout) -> Vec<Region> {
    capture_extents(mem, layout, None)
        .into_iter()
        .map(|(s, e)| Region {
            start: s,
            bytes: mem[s as usize..e as usize].to_vec(),
        })
        .collect()
}

/// Writes `regions` into `mem` (indexed by VM address). Bytes no region
/// covers are left as they are: pass zeroed memory. Fails if a region does
/// not fit in `mem` (`validate` has already checked regions against the
/// layout, so this only happens if `mem` is smaller than the layout).
pub fn restore_regions(regions: &[Region], mem: &mut [u8]) -> Result<(), SnapshotError> {
    for (index, r) in regions.iter().enumerate() {
        let fits = r.start.checked_add(r.bytes.len() as u64);
        match fits {
            Some(end) if end <= mem.len() as u64 => {
                mem[r.start as usize..end as usize].copy_from_slice(&r.bytes);
            }
            _ => {
                return Err(SnapshotError::Region {
                    index,
                    start: r.start,
                    len: r.bytes.len() as u64,
                    reason: format!("does not fit in {} bytes of VM memory", mem.len()),
                })
            }
        }
    }
    Ok(())
}

/// A live heap allocation.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct SavedAllocation {
    pub addr: u64,
    pub size: u64,
    /// The IR memory type of the allocated objects in `.pir` syntax
    /// (`i32`, `:node`, `[4 x f64]`), or `None` when unknown (plain bytes).
    /// Shared: the allocations of one type hold one text (`heap_table`).
    pub ty: Option<std::sync::Arc<str>>,
}

/// One logical frame: a function activation stopped at a resume point.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct SavedFrame {
    /// The function's index in the module.
    pub func: u32,
    /// The function's name, checked against the index.
    pub func_name: String,
    /// The resume point id (`safepoints::resume_points`).
    pub resume: u32,
    /// VM address of the activation's shadow-stack frame.
    pub stack_base: u64,
    /// The value of every local, in declaration order (parameters first).
    pub locals: Vec<Value>,
}

impl SavedFrame {
    /// The serialized form of an IR frame of `module`; the local types come
    /// from the function's declarations.
    pub fn from_ir(
        frame: &pivm_ir::frame::Frame,
        module: &Module,
    ) -> Result<SavedFrame, SnapshotError> {
        let f = module.funcs.get(frame.func).ok_or_else(|| {
            SnapshotError::FrameMismatch(format!("there is no function {}", frame.func.0))
        })?;
        if f.locals.len() != frame.locals.len() {
            return Err(SnapshotError::FrameMismatch(format!(
                "@{} has {} locals, the frame {}",
                f.name,
                f.locals.len(),
                frame.locals.len()
            )));
        }
        Ok(SavedFrame {
            func: frame.func.0,
            func_name: f.name.clone(),
            resume: frame.resume.0,
            stack_base: frame.stack_base,
            locals: f
                .locals
                .values()
                .zip(&frame.locals)
                .map(|(d, &bits)| Value {
                    ty: d.ty.into(),
                    bits,
                })
                .collect(),
        })
    }

    /// The IR frame (types are dropped: the function declares them).
    pub fn to_ir(&self) -> pivm_ir::frame::Frame {
        pivm_ir::frame::Frame {
            func: FuncId::new(self.func as usize),
            resume: pivm_ir::ResumeId(self.resume),
            stack_base: self.stack_base,
            locals: self.locals.iter().map(|v| v.bits).collect(),
        }
    }
}

/// A typed scalar value: the bits zero-extended to 64, floats as their
/// IEEE-754 bits.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Value {
    pub ty: ValueType,
    pub bits: u64,
}

/// The type tag of a value, stored as its `.pir` name.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ValueType {
    I8,
    I16,
    I32,
    I64,
    F32,
    F64,
    Ptr,
}

impl From<Type> for ValueType {
    fn from(t: Type) -> ValueType {
        match t {
            Type::I8 => ValueType::I8,
            Type::I16 => ValueType::I16,
            Type::I32 => ValueType::I32,
            Type::I64 => ValueType::I64,
            Type::F32 => ValueType::F32,
            Type::F64 => ValueType::F64,
            Type::Ptr => ValueType::Ptr,
        }
    }
}

impl From<ValueType> for Type {
    fn from(t: ValueType) -> Type {
        match t {
            ValueType::I8 => Type::I8,
            ValueType::I16 => Type::I16,
            ValueType::I32 => Type::I32,
            ValueType::I64 => Type::I64,
            ValueType::F32 => Type::F32,
            ValueType::F64 => Type::F64,
            ValueType::Ptr => Type::Ptr,
        }
    }
}

impl ValueType {
    pub fn name(self) -> &'static str {
        Type::from(self).name()
    }
}

/// Standard streams and open files.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
pub struct IoState {
    /// Bytes the program has written to stdout so far (flushed to the host).
    pub stdout_written: u64,
    /// Bytes the program has written to stderr so far.
    pub stderr_written: u64,
    /// Bytes the program has read from stdin so far.
    pub stdin_consumed: u64,
    /// Output written by the program but not yet flushed to stdout: the
    /// resumed program writes it first.
    #[serde(with = "serde_bytes")]
    pub stdout_pending: Vec<u8>,
    /// Same for stderr.
    #[serde(with = "serde_bytes")]
    pub stderr_pending: Vec<u8>,
    /// Whether a read from stdin has hit end of file.
    #[serde(default)]
    pub stdin_eof: bool,
    /// Bytes `ungetc` pushed back onto stdin and not read again, the last
    /// pushed last (the next read returns it); at most `pivm_ir::contract::MAX_STDIN_UNREAD`.
    #[serde(default, with = "serde_bytes")]
    pub stdin_unread: Vec<u8>,
    /// Files opened with `fopen` and not closed, sorted by handle.
    pub files: Vec<SavedFile>,
    /// The handle the next `fopen` returns; 0 when not recorded (the VM
    /// then picks one above every open handle).
    #[serde(default)]
    pub next_handle: u64,
}

/// A file opened with `fopen`.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct SavedFile {
    /// The `FILE *` value the program holds: a small integer in the null
    /// page above the standard streams (`pivm_ir::builtins::STDERR`).
    pub handle: u64,
    /// The path as the program passed it to `fopen`.
    pub path: String,
    /// The `fopen` mode: `r`, `w` or `a`, then optionally `+` and `b`.
    pub mode: String,
    /// The current position, in bytes from the start of the file.
    pub offset: u64,
    /// The end-of-file indicator (`feof`).
    #[serde(default)]
    pub eof: bool,
    /// For a file `tmpfile` made (its `path` is empty): its whole
    /// content, which is on no host; nil for a file of the preopens.
    #[serde(default, with = "serde_bytes")]
    pub temp: Option<Vec<u8>>,
}

/// Runtime counters.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
pub struct Counters {
    /// Safepoints reached since the program first started, over every hop
    /// (what `--snapshot-after` counts).
    pub safepoints: u64,
    /// Snapshots taken before this one, over every hop.
    pub snapshots: u64,
    /// The call-depth limit the program ran with (0: the VM's default).
    pub call_depth_limit: u32,
    /// The state of `rand`; `None` when the program never called it (the
    /// state after `srand(1)`).
    #[serde(default)]
    pub rand: Option<SavedRand>,
    /// The last serial given to an activation of a function that calls
    /// `setjmp` (`pivm_ir::jmp`; 0: none yet).
    #[serde(default)]
    pub jmp_serial: u64,
}

/// The state of `rand`: glibc's TYPE_3 additive feedback generator
/// (`r[i] = r[i-3] + r[i-31]`), which pivm implements so that programs
/// print the same numbers as natively.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct SavedRand {
    /// The generator's table (31 words for TYPE_3).
    pub table: Vec<u32>,
    /// Indexes into `table` of glibc's `fptr` and `rptr`.
    pub front: u32,
    pub rear: u32,
}

/// Used by validation: the local types of a function, as value types.
pub(crate) fn local_types(f: &pivm_ir::Function) -> impl Iterator<Item = ValueType> + '_ {
    f.locals.values().map(|l| ValueType::from(l.ty))
}
