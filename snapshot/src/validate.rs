//! Validation of a decoded snapshot against its own program, before
//! anything runs. A snapshot is untrusted input: after `validate` accepts
//! it, restoring it can index functions, locals and memory without further
//! checks.
//!
//! Rules checked, in order (each failure is its own `SnapshotError`):
//! - program: the text hashes to the body's hash and the header's; it
//!   nests arrays at most `MAX_TYPE_NESTING` deep on a line (the IR crate
//!   recurses over nested array types); it parses and verifies; it is the canonical text of the module after
//!   `safepoints::place` (so resume points are numbered as the frames were);
//! - layout: each non-empty area (data, stack, heap) has `start <= end`,
//!   starts at or above `contract::NULL_PAGE` and ends at or below
//!   `Limits::max_address`; areas do not overlap;
//!   `stack_start <= sp <= stack_limit <= stack_end`;
//!   `heap_start <= heap_top <= heap_end`;
//! - regions: sorted by start, not overlapping, each inside the areas
//!   (a region may span areas that touch);
//! - allocations: sorted by address, not overlapping, inside
//!   `[heap_start, heap_top)`; a type, if any, parses as a memory type of
//!   the program and has a layout;
//! - frames: at most `Limits::max_frames`; each names an existing function
//!   by index and the same name, and has one value per local recorded with
//!   the local's type; then the frame-chain rule every engine keeps,
//!   `pivm_ir::contract::check_frame_chain` (the outermost frame is
//!   `main`'s, resume points exist and are of the right kind, each call
//!   reaches the next inner frame, values fit their types, shadow-stack
//!   frames are contiguous from `stack_start`, the innermost ending at or
//!   below `sp`);
//! - threads (`Body::threads`): ids increasing, below the next id; each
//!   starts at an existing function (`main` for thread 1, a function of two
//!   pointers for the others) on its stack (the program's for thread 1, in
//!   the heap for the others); a known state; the running thread's frames
//!   are `Body::frames`, an ended one keeps none, one that never ran has one
//!   argument per parameter; every other thread's frames pass the same
//!   frame-chain rule on its own stack, all threads' frames together at
//!   most `Limits::max_frames`;
//! - open files: sorted by handle, handles unique and above the standard
//!   streams, inside the null page, below `next_handle` when it is set;
//!   paths non-empty without NUL; modes as `fopen` takes them; the
//!   standard streams' byte counts at most 2^63 - 1 (`ftell`'s range);
//! - the `rand` state: a table of 31 words, front 3 ahead of rear
//!   (`rand_state_ok`, which the VM applies too).

use pivm_ir::builtins::STDERR;
use pivm_ir::contract::{
    self, ChainLimits, FrameError, FrameView, MAX_STDIN_UNREAD, MAX_STREAM_HANDLE, NULL_PAGE,
};
use pivm_ir::safepoints;
use pivm_ir::{FuncId, Module, ResumeId, Type, TypeLayouts};
use std::collections::BTreeMap;

use crate::body::{
    local_types, Body, Counters, IoState, MemoryLayout, SavedFamily, SavedFrame, MAIN_THREAD,
    THREAD_CHILD, THREAD_DONE, THREAD_FUTEX, THREAD_JOIN, THREAD_PIPE, THREAD_RUNNABLE,
    THREAD_SLEEP,
};
use crate::digest::sha256;
use crate::error::SnapshotError;
use crate::file::{Snapshot, SnapshotFile};
use crate::heap_table::AllocTable;

/// Bounds on what a snapshot may ask of the VM that restores it.
#[derive(Copy, Clone, Debug)]
pub struct Limits {
    /// No memory area may end above this VM address: a hostile layout
    /// must not make the VM reserve absurd amounts of memory.
    pub max_address: u64,
    /// At most this many frames (the VM's call-depth limit).
    pub max_frames: usize,
}

impl Default for Limits {
    /// 1 TiB of address space, a million frames.
    fn default() -> Limits {
        Limits {
            max_address: 1 << 40,
            max_frames: 1 << 20,
        }
    }
}

/// Validates `snap` with the default `Limits`; returns its program, parsed,
/// verified and with safepoints placed, ready to run.
pub fn validate(snap: &Snapshot) -> Result<Module, SnapshotError> {
    validate_with(snap, &Limits::default())
}

/// Validates `snap` (see the module documentation for the rules).
pub fn validate_with(snap: &Snapshot, limits: &Limits) -> Result<Module, SnapshotError> {
    let (module, type_layouts) = validate_head(snap, limits)?;
    validate_rest(snap, module, &type_layouts, limits)
}

/// The program, the layout and the body's memory regions.
fn validate_head(snap: &Snapshot, limits: &Limits) -> Result<(Module, TypeLayouts), SnapshotError> {
    let checked = check_program(snap)?;
    let body = &snap.body;
    check_layout(&body.memory.layout, limits)?;
    let extents = body
        .memory
        .regions
        .iter()
        .map(|r| (r.start, r.bytes.len() as u64));
    check_regions(extents, &body.memory.layout)?;
    Ok(checked)
}

/// Validates a snapshot file before its memory is loaded: the snapshot as
/// `validate_with` does, with the file's memory sections as its regions.
pub fn validate_file(file: &SnapshotFile, limits: &Limits) -> Result<Module, SnapshotError> {
    let snap = &file.snapshot;
    let (module, type_layouts) = validate_head(snap, limits)?;
    let body = &snap.body;
    check_regions(
        file.sections.iter().map(|s| (s.start, s.len)),
        &body.memory.layout,
    )?;
    validate_rest(snap, module, &type_layouts, limits)
}

fn validate_rest(
    snap: &Snapshot,
    module: Module,
    type_layouts: &TypeLayouts,
    limits: &Limits,
) -> Result<Module, SnapshotError> {
    let body = &snap.body;
    check_allocations(
        &body.memory.allocations,
        &body.memory.layout,
        &module,
        type_layouts,
    )?;
    check_frames(body, &module, type_layouts, limits)?;
    check_files(&body.io)?;
    check_rand(&body.counters)?;
    check_timers(body)?;
    if let Some(f) = &body.family {
        check_family(body, f, &module, type_layouts, limits)?;
    }
    Ok(module)
}

/// The most processes a snapshot may hold (the VM's `proc::MAX_PROCESSES`).
pub const MAX_PROCESSES: usize = 256;
/// The most bytes a pipe holds (the VM's `proc::PIPE_CAPACITY`).
pub const PIPE_CAPACITY: usize = 65536;
/// Descriptors a process may have open (the VM's `proc::MAX_FDS`).
pub const MAX_FDS: i32 = 1024;

/// The process table of the top-level body `top`: every other process a
/// body checked like a snapshot's own (layout, regions, allocations,
/// frames and threads, files, rand) against the same program and layout;
/// pids unique; descriptors naming pipes that exist, each pipe's counts
/// the number of its open ends over every process.
fn check_family(
    top: &Body,
    f: &SavedFamily,
    module: &Module,
    type_layouts: &TypeLayouts,
    limits: &Limits,
) -> Result<(), SnapshotError> {
    let err = |why: String| Err(SnapshotError::Threads(format!("process table: {why}")));
    if f.others.len() + f.zombies.len() + 1 > MAX_PROCESSES {
        return err(format!("more than {MAX_PROCESSES} processes"));
    }
    let mut pids = vec![f.pid];
    let mut ends: BTreeMap<u32, (u32, u32)> = BTreeMap::new();
    let mut check_proc = |p: &SavedFamily, nested: bool| -> Result<(), SnapshotError> {
        if p.pid <= 0 || p.pid >= f.next_pid || p.ppid < 0 {
            return err(format!("pid {} (parent {}) is out of range", p.pid, p.ppid));
        }
        if (nested && (!p.others.is_empty() || !p.zombies.is_empty() || !p.pipes.is_empty()))
            || (!nested && !p.memory.is_empty())
        {
            return err(format!("process {} holds processes of its own", p.pid));
        }
        if !matches!(p.fork.as_str(), "none" | "requested" | "done")
            || p.killed.is_some_and(|k| !(1..=64).contains(&k))
        {
            return err(format!("process {}: bad fork or signal state", p.pid));
        }
        let mut prev = 2;
        for fd in &p.fds {
            if fd.fd <= prev || fd.fd >= MAX_FDS {
                return err(format!(
                    "process {}: descriptor {} out of order",
                    p.pid, fd.fd
                ));
            }
            prev = fd.fd;
            let e = ends.entry(fd.pipe).or_default();
            match fd.end.as_str() {
                "read" => e.0 += 1,
                "write" => e.1 += 1,
                _ => {
                    return err(format!(
                        "process {}: pipe end '{}'",
                        p.pid,
                        truncate(&fd.end)
                    ))
                }
            }
        }
        Ok(())
    };
    check_proc(f, false)?;
    let l = &top.memory.layout;
    for b in &f.others {
        let Some(p) = &b.family else {
            return err("a process without its own process record".to_string());
        };
        check_proc(p, true)?;
        if pids.contains(&p.pid) {
            return err(format!("pid {} twice", p.pid));
        }
        pids.push(p.pid);
        let m = &b.memory.layout;
        if (
            m.data_start,
            m.data_end,
            m.stack_start,
            m.stack_end,
            m.heap_start,
        ) != (
            l.data_start,
            l.data_end,
            l.stack_start,
            l.stack_end,
            l.heap_start,
        ) || b.program.hash != top.program.hash
            || !b.program.text.is_empty()
            || b.parent.is_some()
        {
            return err(format!(
                "process {} is not laid out as the program (or names a program or parent of its own)",
                p.pid
            ));
        }
        check_layout(m, limits)?;
        check_regions(p.memory.iter().map(|r| (r.start, r.bytes.len() as u64)), m)?;
        check_allocations(&b.memory.allocations, m, module, type_layouts)?;
        check_frames(b, module, type_layouts, limits)?;
        check_timers(b)?;
        check_files(&b.io)?;
        check_rand(&b.counters)?;
    }
    for z in &f.zombies {
        if pids.contains(&z.pid) || z.pid <= 0 || z.pid >= f.next_pid {
            return err(format!(
                "ended process {} is also running or out of range",
                z.pid
            ));
        }
        pids.push(z.pid);
    }
    let mut prev = None;
    for p in &f.pipes {
        if prev.is_some_and(|q| p.id <= q) || p.id >= f.next_pipe {
            return err(format!("pipe {} out of order or past the next id", p.id));
        }
        prev = Some(p.id);
        if p.bytes.0.len() > PIPE_CAPACITY {
            return err(format!(
                "pipe {} holds more than {PIPE_CAPACITY} bytes",
                p.id
            ));
        }
        if ends.remove(&p.id).unwrap_or_default() != (p.readers, p.writers) {
            return err(format!(
                "pipe {}: {} readers and {} writers recorded, not the open descriptors",
                p.id, p.readers, p.writers
            ));
        }
    }
    if let Some(id) = ends.keys().next() {
        return err(format!(
            "a descriptor names pipe {id}, which does not exist"
        ));
    }
    Ok(())
}

/// Checks that `snap` belongs to `module`: the snapshot's program hash is
/// the hash of `module` with safepoints placed (`body::program_hash`).
pub fn check_program_matches(snap: &Snapshot, module: &Module) -> Result<(), SnapshotError> {
    let expected = crate::body::program_hash(module);
    if snap.program_hash != expected {
        return Err(SnapshotError::ProgramHash {
            what: "the snapshot was taken from a different program",
            expected,
            found: snap.program_hash,
        });
    }
    Ok(())
}

fn check_program(snap: &Snapshot) -> Result<(Module, TypeLayouts), SnapshotError> {
    let program = &snap.body.program;
    if program.hash != snap.program_hash {
        return Err(SnapshotError::ProgramHash {
            what: "the header and the body record different program hashes",
            expected: snap.program_hash,
            found: program.hash,
        });
    }
    let computed = sha256(program.text.as_bytes());
    if computed != program.hash {
        return Err(SnapshotError::ProgramHash {
            what: "the embedded program text does not match its recorded hash",
            expected: program.hash,
            found: computed,
        });
    }
    check_text_limits(&program.text)?;
    // The IR parser, verifier and printer recurse over nested types; the
    // limits above bound that depth, and a thread with a known large stack
    // makes the bound hold whatever stack the caller runs on.
    let text = program.text.clone();
    let worker = std::thread::Builder::new()
        .name("pivm-snapshot-parse".to_string())
        .stack_size(PARSE_STACK)
        .spawn(move || parse_placed(&text))
        .map_err(|e| SnapshotError::Decode(format!("cannot start the parser thread: {e}")))?;
    worker.join().unwrap_or_else(|_| {
        Err(SnapshotError::ProgramLimits(
            "the parser failed".to_string(),
        ))
    })
}

/// Stack of the thread that parses an embedded program.
const PARSE_STACK: usize = 64 << 20;
/// Deepest `[` nesting on one line of an embedded program: the IR's own
/// limit on array nesting, so every program pivm runs can be resumed.
/// (Chains of named types are not nested: the IR computes their layouts
/// without recursion.)
pub const MAX_TYPE_NESTING: usize = pivm_ir::types::MAX_TYPE_DEPTH as usize;

/// Bounds what the IR crate will recurse over: array nesting per line.
fn check_text_limits(text: &str) -> Result<(), SnapshotError> {
    for (no, line) in text.lines().enumerate() {
        let (mut depth, mut max, mut in_str) = (0usize, 0usize, false);
        for b in line.bytes() {
            match b {
                // Strings hold no raw `"` (the printer escapes it).
                b'"' => in_str = !in_str,
                b';' if !in_str => break,
                b'[' if !in_str => {
                    depth += 1;
                    max = max.max(depth);
                }
                b']' if !in_str => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        if max > MAX_TYPE_NESTING {
            return Err(SnapshotError::ProgramLimits(format!(
                "line {} nests arrays {max} deep, more than {MAX_TYPE_NESTING}",
                no + 1
            )));
        }
    }
    Ok(())
}

/// Parses, verifies and checks that `text` is canonical and placed, as
/// pivm places safepoints now or as it did before loops of bounded work
/// stopped polling (`safepoints::place_every_loop`: a snapshot written
/// then resumes with its program as it is); returns the module with its
/// type layouts.
fn parse_placed(text: &str) -> Result<(Module, TypeLayouts), SnapshotError> {
    let mut module = pivm_ir::parse(text, "<snapshot>").map_err(SnapshotError::ProgramParse)?;
    pivm_ir::verify(&module).map_err(SnapshotError::ProgramVerify)?;
    safepoints::place(&mut module);
    let mut canonical = module.to_string();
    if canonical != text {
        // Parsed and verified above.
        let mut every = pivm_ir::parse(text, "<snapshot>").map_err(SnapshotError::ProgramParse)?;
        safepoints::place_every_loop(&mut every);
        let text_every = every.to_string();
        if text_every == text {
            (module, canonical) = (every, text_every);
        }
    }
    if canonical != text {
        let line = canonical
            .lines()
            .zip(text.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| canonical.lines().count().min(text.lines().count()))
            + 1;
        return Err(SnapshotError::ProgramNotCanonical { line });
    }
    let layouts = TypeLayouts::new(&module.types);
    Ok((module, layouts))
}

/// The non-empty areas of a layout, with their names.
fn areas(l: &MemoryLayout) -> Vec<(&'static str, u64, u64)> {
    [
        ("data", l.data_start, l.data_end),
        ("stack", l.stack_start, l.stack_end),
        ("heap", l.heap_start, l.heap_end),
    ]
    .into_iter()
    .filter(|a| a.1 != a.2)
    .collect()
}

fn check_layout(l: &MemoryLayout, limits: &Limits) -> Result<(), SnapshotError> {
    let bad = |s: String| Err(SnapshotError::Layout(s));
    for (name, start, end) in [
        ("data", l.data_start, l.data_end),
        ("stack", l.stack_start, l.stack_end),
        ("heap", l.heap_start, l.heap_end),
    ] {
        if start > end {
            return bad(format!(
                "the {name} area starts at {start:#x}, after its end {end:#x}"
            ));
        }
    }
    let areas = areas(l);
    for &(name, start, end) in &areas {
        if start < NULL_PAGE {
            return bad(format!(
                "the {name} area starts at {start:#x}, inside the null page"
            ));
        }
        if end > limits.max_address {
            return bad(format!(
                "the {name} area ends at {end:#x}, above the limit of {:#x}",
                limits.max_address
            ));
        }
    }
    for (i, a) in areas.iter().enumerate() {
        for b in &areas[i + 1..] {
            if a.1 < b.2 && b.1 < a.2 {
                return bad(format!("the {} and {} areas overlap", a.0, b.0));
            }
        }
    }
    if l.stack_start == l.stack_end {
        return bad("the stack area is empty".to_string());
    }
    if !(l.stack_start <= l.sp && l.sp <= l.stack_limit && l.stack_limit <= l.stack_end) {
        return bad(format!(
            "expected stack start {:#x} <= sp {:#x} <= stack limit {:#x} <= stack end {:#x}",
            l.stack_start, l.sp, l.stack_limit, l.stack_end
        ));
    }
    if !(l.heap_start <= l.heap_top && l.heap_top <= l.heap_end) {
        return bad(format!(
            "expected heap start {:#x} <= heap top {:#x} <= heap end {:#x}",
            l.heap_start, l.heap_top, l.heap_end
        ));
    }
    Ok(())
}

fn check_regions(
    regions: impl Iterator<Item = (u64, u64)>,
    layout: &MemoryLayout,
) -> Result<(), SnapshotError> {
    // Areas that touch merge, so one region may cover both.
    let mut merged: Vec<(u64, u64)> = Vec::new();
    let mut sorted: Vec<(u64, u64)> = areas(layout).iter().map(|a| (a.1, a.2)).collect();
    sorted.sort();
    for (s, e) in sorted {
        match merged.last_mut() {
            Some(last) if last.1 == s => last.1 = e,
            _ => merged.push((s, e)),
        }
    }
    let mut prev_end = 0u64;
    for (index, (start, len)) in regions.enumerate() {
        let err = |reason: String| {
            Err(SnapshotError::Region {
                index,
                start,
                len,
                reason,
            })
        };
        let Some(end) = start.checked_add(len) else {
            return err("wraps around the address space".to_string());
        };
        if index > 0 && start < prev_end {
            return err(format!(
                "overlaps or comes before region {} (regions must be sorted and disjoint)",
                index - 1
            ));
        }
        if !merged.iter().any(|&(s, e)| s <= start && end <= e) {
            return err("is not inside the data, stack or heap area".to_string());
        }
        prev_end = end;
    }
    Ok(())
}

fn check_allocations(
    allocs: &AllocTable,
    layout: &MemoryLayout,
    module: &Module,
    type_layouts: &TypeLayouts,
) -> Result<(), SnapshotError> {
    // Each distinct type is parsed and laid out once.
    let types = pivm_ir::MemTypeParser::new(module);
    let mut bad_type: Vec<Option<String>> = Vec::with_capacity(allocs.types().len());
    for text in allocs.types() {
        bad_type.push(match types.parse(text) {
            Ok(ty) if type_layouts.of(&ty).is_some() => None,
            Ok(_) => Some(format!(
                "has type '{}', which has no layout",
                truncate(text)
            )),
            Err(why) => Some(format!(
                "has type '{}': {} (column {})",
                truncate(text),
                why.message,
                why.col
            )),
        });
    }
    let mut prev: Option<(u64, u64)> = None;
    for (index, a) in allocs.iter().enumerate() {
        let err = |reason: String| {
            Err(SnapshotError::Allocation {
                index,
                addr: a.addr,
                size: a.size,
                reason,
            })
        };
        let Some(end) = a.addr.checked_add(a.size) else {
            return err("wraps around the address space".to_string());
        };
        if a.addr < layout.heap_start || end > layout.heap_top {
            return err(format!(
                "is not inside the heap's used part [{:#x}, {:#x})",
                layout.heap_start, layout.heap_top
            ));
        }
        if let Some((paddr, pend)) = prev {
            if a.addr < pend || a.addr <= paddr {
                return err(format!(
                    "overlaps or comes before allocation {} (allocations must be sorted and disjoint)",
                    index - 1
                ));
            }
        }
        if let Some(Some(why)) = bad_type.get((a.ty as usize).wrapping_sub(1)) {
            return err(why.clone());
        }
        prev = Some((a.addr, end));
    }
    Ok(())
}

/// At most 60 characters of a hostile string, for an error message.
fn truncate(s: &str) -> String {
    match s.char_indices().nth(60) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_string(),
    }
}

/// Where a thread's chain of frames may lie and what its outermost
/// function is.
struct ChainOf {
    stack_start: u64,
    stack_top: u64,
    root: Option<FuncId>,
}

fn check_frames(
    body: &Body,
    module: &Module,
    type_layouts: &TypeLayouts,
    limits: &Limits,
) -> Result<(), SnapshotError> {
    let l = &body.memory.layout;
    let reach = contract::Reach::of(module);
    let main_chain = ChainOf {
        stack_start: l.stack_start,
        stack_top: l.sp,
        root: None,
    };
    let Some(threads) = &body.threads else {
        return check_chain(
            &body.frames,
            module,
            type_layouts,
            &reach,
            limits.max_frames,
            &main_chain,
        );
    };
    let mut budget = limits.max_frames;
    let mut prev = 0u64;
    let mut current = None;
    // The sizes of the heap blocks that hold threads' stacks.
    let wanted: std::collections::BTreeSet<u64> =
        threads.threads.iter().filter_map(|t| t.block).collect();
    let blocks: BTreeMap<u64, u64> = body
        .memory
        .allocations
        .iter()
        .filter(|a| wanted.contains(&a.addr))
        .map(|a| (a.addr, a.size))
        .collect();
    for t in &threads.threads {
        let err = |why: String| Err(SnapshotError::Threads(format!("thread {}: {why}", t.id)));
        if t.id <= prev || t.id >= threads.next_id {
            return err(format!(
                "ids must increase and stay below the next id {}",
                threads.next_id
            ));
        }
        prev = t.id;
        let Some(root) = module
            .funcs
            .get(FuncId(t.root))
            .filter(|f| f.name == t.root_name)
        else {
            return err(format!(
                "its function {} is not @{}",
                t.root,
                truncate(&t.root_name)
            ));
        };
        let is_main = t.id == MAIN_THREAD;
        // A thread pthread_create started calls its trampoline (a function
        // whose address is taken) with two pointers; the thread that runs
        // signal handlers, the signal entry with none
        // (`contract::Reach::starts`).
        let signature_ok = if is_main {
            module.func_by_name("main") == Some(FuncId(t.root))
        } else {
            reach.starts[t.root as usize]
                && (contract::indirect_call_ok(&[Type::Ptr, Type::Ptr], None, &root.signature())
                    || root.num_params == 0)
        };
        if !signature_ok {
            return err(format!(
                "@{} cannot start it (main for thread 1, a function of two pointers whose \
                 address the program takes, or the signal entry, for the others)",
                root.name
            ));
        }
        let (stack_ok, chain) = if is_main {
            (
                (t.stack_start, t.stack_end) == (l.stack_start, l.stack_end) && t.block.is_none(),
                ChainOf {
                    stack_start: l.stack_start,
                    stack_top: l.sp,
                    root: None,
                },
            )
        } else {
            // Its stack follows its thread-specific data in a heap block
            // of its own while it runs (the block is freed when it ends).
            let block_ok = match t.block {
                Some(b) => {
                    b.checked_add(pivm_ir::builtins::THREAD_TLS_SIZE) == Some(t.stack_start)
                        && blocks.get(&b).is_some_and(|&size| {
                            b.checked_add(size).is_some_and(|end| end >= t.stack_end)
                        })
                }
                None => t.state == THREAD_DONE,
            };
            let in_heap = l.heap_start <= t.stack_start
                && t.stack_start < t.stack_end
                && t.stack_end <= l.heap_top
                && t.stack_start % pivm_ir::frame::STACK_ALIGN == 0
                && block_ok;
            (
                in_heap,
                ChainOf {
                    stack_start: t.stack_start,
                    stack_top: t.stack_end,
                    root: Some(FuncId(t.root)),
                },
            )
        };
        if !stack_ok {
            return err(format!(
                "its stack {:#x}..{:#x} is not the program's (thread 1) or within the heap, \
                 after its thread-specific data in a block of its own",
                t.stack_start, t.stack_end
            ));
        }
        let done = t.state == THREAD_DONE;
        if !matches!(
            t.state.as_str(),
            THREAD_RUNNABLE
                | THREAD_FUTEX
                | THREAD_JOIN
                | THREAD_CHILD
                | THREAD_PIPE
                | THREAD_SLEEP
                | THREAD_DONE
        ) {
            return err(format!("state '{}' is unknown", truncate(&t.state)));
        }
        if t.until.is_some() && !matches!(t.state.as_str(), THREAD_FUTEX | THREAD_SLEEP) {
            return err("only a sleeping or waiting thread has a deadline".to_string());
        }
        if t.id == threads.current {
            if !t.frames.is_empty() {
                return err("the running thread's frames must be Body::frames".to_string());
            }
            // A process that was not running when the snapshot was taken
            // may have stopped at a thread that ended or never ran.
            current = Some((!done && t.start.is_none()).then_some(chain));
            continue;
        }
        if done {
            if t.start.is_some() || !t.frames.is_empty() || t.block.is_some() {
                return err("an ended thread keeps no frames, start or stack".to_string());
            }
            continue;
        }
        if let Some(args) = &t.start {
            if !t.frames.is_empty() || t.state != THREAD_RUNNABLE || args.len() != root.num_params {
                return err(format!(
                    "a thread that never ran is runnable, has no frames and one argument per \
                     parameter of @{}",
                    root.name
                ));
            }
            continue;
        }
        budget = budget.saturating_sub(t.frames.len());
        check_chain(&t.frames, module, type_layouts, &reach, budget, &chain)?;
    }
    match current {
        None => Err(SnapshotError::Threads(format!(
            "the running thread {} is not in the table",
            threads.current
        ))),
        Some(Some(chain)) => {
            check_chain(&body.frames, module, type_layouts, &reach, budget, &chain)
        }
        Some(None) if body.frames.is_empty() => Ok(()),
        Some(None) => Err(SnapshotError::Threads(format!(
            "thread {} has ended or never ran, but has frames",
            threads.current
        ))),
    }
}

fn check_chain(
    frames: &[SavedFrame],
    module: &Module,
    type_layouts: &TypeLayouts,
    reach: &contract::Reach,
    max_frames: usize,
    at: &ChainOf,
) -> Result<(), SnapshotError> {
    if frames.len() > max_frames {
        return Err(SnapshotError::Frames(FrameError::TooManyFrames {
            count: frames.len(),
            max: max_frames as u64,
        }));
    }
    // What only the file can get wrong: a function's index and name
    // disagree, or a value's recorded type is not its local's.
    for (i, fr) in frames.iter().enumerate() {
        let Some(f) = module.funcs.get(FuncId(fr.func)) else {
            return Err(SnapshotError::Frames(FrameError::MissingFunction {
                frame: i,
                func: FuncId(fr.func),
            }));
        };
        if f.name != fr.func_name {
            return Err(SnapshotError::FunctionName {
                frame: i,
                func: fr.func,
                name: truncate(&fr.func_name),
                actual: f.name.clone(),
            });
        }
        check_local_types(i, fr, f)?;
    }
    // The rest is the rule every engine keeps.
    let bits: Vec<Vec<u64>> = frames
        .iter()
        .map(|fr| fr.locals.iter().map(|v| v.bits).collect())
        .collect();
    let views: Vec<FrameView> = frames
        .iter()
        .zip(&bits)
        .map(|(fr, locals)| FrameView {
            func: FuncId(fr.func),
            resume: ResumeId(fr.resume),
            stack_base: fr.stack_base,
            locals,
        })
        .collect();
    let chain = ChainLimits {
        stack_start: at.stack_start,
        stack_top: at.stack_top,
        max_depth: max_frames as u64,
        root: at.root,
    };
    contract::check_frame_chain(module, type_layouts, reach, &views, &chain)
        .map_err(SnapshotError::Frames)
}

/// Checks that frame `i` has one value per local of `f`, each recorded
/// with its local's type.
fn check_local_types(
    i: usize,
    fr: &SavedFrame,
    f: &pivm_ir::Function,
) -> Result<(), SnapshotError> {
    if fr.locals.len() != f.locals.len() {
        return Err(SnapshotError::Frames(FrameError::LocalCount {
            frame: i,
            func: f.name.clone(),
            expected: f.locals.len(),
            found: fr.locals.len(),
        }));
    }
    for ((v, expected), decl) in fr.locals.iter().zip(local_types(f)).zip(f.locals.values()) {
        if v.ty != expected {
            return Err(SnapshotError::LocalType {
                frame: i,
                func: f.name.clone(),
                local: decl.name.clone(),
                expected: expected.name(),
                found: v.ty.name(),
            });
        }
    }
    Ok(())
}

fn check_files(io: &IoState) -> Result<(), SnapshotError> {
    let mut prev: Option<u64> = None;
    for f in &io.files {
        let err = |reason: String| {
            Err(SnapshotError::OpenFile {
                handle: f.handle,
                reason,
            })
        };
        if f.handle <= STDERR || f.handle > MAX_STREAM_HANDLE {
            return err(format!(
                "the handle must be between {} and {MAX_STREAM_HANDLE}",
                STDERR + 1
            ));
        }
        if prev.is_some_and(|p| f.handle <= p) {
            return err("handles must be sorted and unique".to_string());
        }
        if f.path.contains('\0') || f.path.is_empty() != f.temp.is_some() {
            return err(
                "the path contains a NUL byte, or is empty but for a tmpfile's".to_string(),
            );
        }
        if !valid_mode(&f.mode) {
            return err(format!("'{}' is not an fopen mode", truncate(&f.mode)));
        }
        if f.offset > i64::MAX as u64 {
            return err(format!(
                "offset {} is past the largest file offset",
                f.offset
            ));
        }
        if io.next_handle != 0 && f.handle >= io.next_handle {
            return err(format!(
                "the handle is not below the next handle {}",
                io.next_handle
            ));
        }
        prev = Some(f.handle);
    }
    for (what, n) in [
        ("stdout_written", io.stdout_written),
        ("stderr_written", io.stderr_written),
        ("stdin_consumed", io.stdin_consumed),
    ] {
        if n > i64::MAX as u64 {
            return Err(SnapshotError::IoState(format!(
                "{what} {n} is past the largest stream position (2^63 - 1)"
            )));
        }
    }
    if io.stdin_unread.len() > MAX_STDIN_UNREAD {
        return Err(SnapshotError::IoState(format!(
            "{} bytes pushed back onto stdin, more than {}",
            io.stdin_unread.len(),
            MAX_STDIN_UNREAD
        )));
    }
    if io.next_handle > MAX_STREAM_HANDLE + 1 {
        return Err(SnapshotError::IoState(format!(
            "the next file handle {} is past the largest handle {MAX_STREAM_HANDLE}",
            io.next_handle
        )));
    }
    Ok(())
}

/// The words of the `rand` generator's table (glibc's TYPE_3).
pub const RAND_DEG: usize = 31;
/// How far `front` is ahead of `rear` in that table (glibc's SEP_3).
pub const RAND_SEP: usize = 3;

/// Whether a `rand` state of a `len`-word table with indexes `front` and
/// `rear` is one the generator can be in: the one rule the validator and
/// the VM both apply.
pub fn rand_state_ok(len: usize, front: usize, rear: usize) -> bool {
    len == RAND_DEG && front < len && rear < len && (front + RAND_DEG - rear) % RAND_DEG == RAND_SEP
}

/// The most a snapshot's monotonic clock may read: 2^62 ns, 146 years of
/// running (so that C's signed arithmetic on deadlines cannot overflow
/// near it).
pub const MAX_CLOCK: u64 = 1 << 62;

fn check_timers(b: &Body) -> Result<(), SnapshotError> {
    match &b.timers {
        Some(t) if t.clock > MAX_CLOCK => Err(SnapshotError::Timers(format!(
            "the monotonic clock reads {} ns, more than the {MAX_CLOCK} a program can have run",
            t.clock
        ))),
        _ => Ok(()),
    }
}

fn check_rand(c: &Counters) -> Result<(), SnapshotError> {
    let Some(r) = &c.rand else {
        return Ok(());
    };
    let n = r.table.len();
    if !rand_state_ok(n, r.front as usize, r.rear as usize) {
        return Err(SnapshotError::Rand(format!(
            "a table of {n} words with indexes front {} and rear {} is not a state of the \
             generator (31 words, front 3 ahead of rear)",
            r.front, r.rear
        )));
    }
    Ok(())
}

/// `r`, `w` or `a`, then at most one `+` and at most one `b`, in any order.
fn valid_mode(mode: &str) -> bool {
    let b = mode.as_bytes();
    match b.split_first() {
        Some((first, rest)) if b"rwa".contains(first) => {
            rest.len() <= 2
                && rest.iter().all(|c| b"+b".contains(c))
                && !(rest.len() == 2 && rest[0] == rest[1])
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes() {
        for m in ["r", "w", "a", "r+", "rb", "rb+", "r+b", "a+"] {
            assert!(valid_mode(m), "{m}");
        }
        for m in ["", "x", "r++", "rbb", "r+b+", "+r", "rw"] {
            assert!(!valid_mode(m), "{m}");
        }
    }
}
