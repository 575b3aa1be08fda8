//! Validation of a decoded snapshot against its own program, before
//! anything runs. A snapshot is untrusted input: after `validate` accepts
//! it, restoring it can index functions, locals and memory without further
//! checks.
//!
//! Rules checked, in order (each failure is its own `SnapshotError`):
//! - program: the text hashes to the body's hash and the header's; it
//!   nests arrays at most `MAX_TYPE_NESTING` deep on a line and its named
//!   types weigh at most `MAX_TYPE_WEIGHT` (the IR crate recurses over
//!   both); it parses and verifies; it is the canonical text of the module after
//!   `safepoints::place` (so resume points are numbered as the frames were);
//! - layout: each non-empty area (data, stack, heap) has `start <= end`,
//!   starts at or above `MIN_ADDRESS` and ends at or below
//!   `Limits::max_address`; areas do not overlap;
//!   `stack_start <= sp <= stack_limit <= stack_end`;
//!   `heap_start <= heap_top <= heap_end`;
//! - regions: sorted by start, not overlapping, each inside the areas
//!   (a region may span areas that touch);
//! - allocations: sorted by address, not overlapping, inside
//!   `[heap_start, heap_top)`; a type, if any, parses as a memory type of
//!   the program and has a layout;
//! - frames: at least one, at most `Limits::max_frames`; each names an
//!   existing function by index and the same name; its resume point
//!   exists; the innermost is at a safepoint and every other at a call
//!   that calls the next inner frame's function (directly, or through the
//!   function pointer the frame holds, with a matching signature); it has one value per local, each of
//!   the local's type and fitting it; stack bases are 16-byte aligned, at
//!   or above `stack_start`, and each frame (base plus the size of its
//!   function's shadow frame) ends at or below its callee's base, the
//!   innermost at or below `sp`;
//! - open files: sorted by handle, handles unique and above the standard
//!   streams, inside the null page, below `next_handle` when it is set;
//!   paths non-empty without NUL; modes as `fopen` takes them;
//! - the `rand` state: a table of 1 to 64 words, indexes inside it.

use std::collections::HashMap;

use pivm_ir::builtins::STDERR;
use pivm_ir::frame::{FrameLayout, STACK_ALIGN};
use pivm_ir::safepoints::{self, ResumePoint};
use pivm_ir::{Callee, FuncId, InstKind, MemType, Module, Operand, Type, TypeLayouts};

use crate::body::{local_types, Allocation, Body, Counters, Frame, IoState, MemoryLayout, Region};
use crate::digest::sha256;
use crate::error::SnapshotError;
use crate::file::Snapshot;

/// The lowest valid VM address of a memory area: the first page is never
/// mapped, so that a null dereference traps (DESIGN.md, "Memory").
pub const MIN_ADDRESS: u64 = 4096;

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
    let (module, type_layouts) = check_program(snap)?;
    let body = &snap.body;
    check_layout(&body.memory.layout, limits)?;
    check_regions(&body.memory.regions, &body.memory.layout)?;
    check_allocations(
        &body.memory.allocations,
        &body.memory.layout,
        &module,
        &type_layouts,
    )?;
    check_frames(body, &module, &type_layouts, limits)?;
    check_files(&body.io)?;
    check_rand(&body.counters)?;
    Ok(module)
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
/// Deepest `[` nesting on one line of an embedded program.
pub const MAX_TYPE_NESTING: usize = 32;
/// Most weight of the named types of an embedded program: each `type`
/// line weighs one plus its deepest `[` nesting. A chain of struct types
/// each containing the next makes the layout computation recurse this
/// deep, on the VM's stack too, so the bound keeps it to a few thousand
/// frames.
pub const MAX_TYPE_WEIGHT: usize = 4096;

/// Bounds what the IR crate will recurse over: array nesting per line and
/// the weight of the named types.
fn check_text_limits(text: &str) -> Result<(), SnapshotError> {
    let mut weight = 0usize;
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
        if line.starts_with("type ") {
            weight += 1 + max;
        }
    }
    if weight > MAX_TYPE_WEIGHT {
        return Err(SnapshotError::ProgramLimits(format!(
            "its named types weigh {weight} (one per type plus its array nesting), \
             more than {MAX_TYPE_WEIGHT}"
        )));
    }
    Ok(())
}

/// Parses, verifies and checks that `text` is canonical and placed;
/// returns the module with its type layouts.
fn parse_placed(text: &str) -> Result<(Module, TypeLayouts), SnapshotError> {
    let mut module = pivm_ir::parse(text, "<snapshot>").map_err(SnapshotError::ProgramParse)?;
    pivm_ir::verify(&module).map_err(SnapshotError::ProgramVerify)?;
    safepoints::place(&mut module);
    let canonical = module.to_string();
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
        if start < MIN_ADDRESS {
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

fn check_regions(regions: &[Region], layout: &MemoryLayout) -> Result<(), SnapshotError> {
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
    for (index, r) in regions.iter().enumerate() {
        let len = r.bytes.len() as u64;
        let err = |reason: String| {
            Err(SnapshotError::Region {
                index,
                start: r.start,
                len,
                reason,
            })
        };
        let Some(end) = r.start.checked_add(len) else {
            return err("wraps around the address space".to_string());
        };
        if index > 0 && r.start < prev_end {
            return err(format!(
                "overlaps or comes before region {} (regions must be sorted and disjoint)",
                index - 1
            ));
        }
        if !merged.iter().any(|&(s, e)| s <= r.start && end <= e) {
            return err("is not inside the data, stack or heap area".to_string());
        }
        prev_end = end;
    }
    Ok(())
}

fn check_allocations(
    allocs: &[Allocation],
    layout: &MemoryLayout,
    module: &Module,
    type_layouts: &TypeLayouts,
) -> Result<(), SnapshotError> {
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
        if let Some(text) = &a.ty {
            let ty = match parse_mem_type(text, module) {
                Ok(t) => t,
                Err(why) => return err(format!("has type '{}': {why}", truncate(text))),
            };
            if type_layouts.of(&ty).is_none() {
                return err(format!("has type '{text}', which has no layout"));
            }
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

/// Deepest array nesting `parse_mem_type` accepts, so that hostile text
/// cannot exhaust the stack.
const MAX_TYPE_DEPTH: usize = 64;

/// Parses a memory type in `.pir` syntax (`i32`, `:node`, `[4 x f64]`),
/// resolving struct names in `module`.
pub fn parse_mem_type(text: &str, module: &Module) -> Result<MemType, String> {
    let mut p = TypeParser {
        s: text.as_bytes(),
        i: 0,
        module,
    };
    let t = p.ty(0)?;
    p.skip_ws();
    if p.i != p.s.len() {
        return Err(format!("unexpected text at column {}", p.i + 1));
    }
    Ok(t)
}

struct TypeParser<'a> {
    s: &'a [u8],
    i: usize,
    module: &'a Module,
}

impl TypeParser<'_> {
    fn skip_ws(&mut self) {
        while self.s.get(self.i) == Some(&b' ') {
            self.i += 1;
        }
    }

    fn word(&mut self) -> &str {
        let start = self.i;
        while self
            .s
            .get(self.i)
            .is_some_and(|&c| c.is_ascii_alphanumeric() || c == b'_' || c == b'.')
        {
            self.i += 1;
        }
        // Only ASCII bytes were taken, so this is valid UTF-8.
        std::str::from_utf8(&self.s[start..self.i]).unwrap_or("")
    }

    // ty = scalar | ":" name | "[" count "x" ty "]"
    fn ty(&mut self, depth: usize) -> Result<MemType, String> {
        if depth > MAX_TYPE_DEPTH {
            return Err("arrays nested too deeply".to_string());
        }
        self.skip_ws();
        match self.s.get(self.i) {
            Some(b':') => {
                self.i += 1;
                let name = self.word().to_string();
                self.module
                    .types
                    .iter()
                    .find(|(_, d)| d.name == name)
                    .map(|(id, _)| MemType::Named(id))
                    .ok_or_else(|| format!("the program has no type :{name}"))
            }
            Some(b'[') => {
                self.i += 1;
                self.skip_ws();
                let n: u64 = self
                    .word()
                    .parse()
                    .map_err(|_| "expected an array length".to_string())?;
                self.skip_ws();
                if self.word() != "x" {
                    return Err("expected 'x' after the array length".to_string());
                }
                let elem = self.ty(depth + 1)?;
                self.skip_ws();
                if self.s.get(self.i) != Some(&b']') {
                    return Err("expected ']'".to_string());
                }
                self.i += 1;
                Ok(MemType::Array(Box::new(elem), n))
            }
            _ => {
                let w = self.word().to_string();
                Type::from_name(&w)
                    .map(MemType::Scalar)
                    .ok_or_else(|| format!("'{}' is not a type", truncate(&w)))
            }
        }
    }
}

fn check_frames(
    body: &Body,
    module: &Module,
    type_layouts: &TypeLayouts,
    limits: &Limits,
) -> Result<(), SnapshotError> {
    let frames = &body.frames;
    if frames.is_empty() {
        return Err(SnapshotError::NoFrames);
    }
    if frames.len() > limits.max_frames {
        return Err(SnapshotError::TooManyFrames {
            count: frames.len(),
            max: limits.max_frames,
        });
    }
    // Per function: resume points and shadow-frame size, computed once
    // (a deep recursion repeats the same function many times).
    let mut cache: HashMap<u32, (Vec<ResumePoint>, u64)> = HashMap::new();
    let layout = &body.memory.layout;
    for (i, fr) in frames.iter().enumerate() {
        let id = FuncId(fr.func);
        let Some(f) = module.funcs.get(id) else {
            return Err(SnapshotError::MissingFunction {
                frame: i,
                func: fr.func,
                name: truncate(&fr.func_name),
            });
        };
        if f.name != fr.func_name {
            return Err(SnapshotError::FunctionName {
                frame: i,
                func: fr.func,
                name: truncate(&fr.func_name),
                actual: f.name.clone(),
            });
        }
        let (rps, frame_size) = cache.entry(fr.func).or_insert_with(|| {
            (
                safepoints::resume_points(f),
                FrameLayout::new(f, type_layouts).size,
            )
        });
        let Some(rp) = rps.get(fr.resume as usize) else {
            return Err(SnapshotError::BadResumePoint {
                frame: i,
                func: f.name.clone(),
                resume: fr.resume,
                count: rps.len(),
            });
        };
        let innermost = i == 0;
        if rp.is_call == innermost {
            return Err(SnapshotError::ResumePointKind {
                frame: i,
                func: f.name.clone(),
                resume: fr.resume,
                expected: if innermost { "safepoint" } else { "call" },
            });
        }
        check_locals(i, fr, f)?;
        if !innermost {
            check_call(i, fr, f, rp, &frames[i - 1], module)?;
        }
        let base_err = |reason: String| {
            Err(SnapshotError::StackBase {
                frame: i,
                func: f.name.clone(),
                base: fr.stack_base,
                reason,
            })
        };
        if fr.stack_base % STACK_ALIGN != 0 {
            return base_err(format!("is not aligned to {STACK_ALIGN} bytes"));
        }
        if fr.stack_base < layout.stack_start {
            return base_err(format!(
                "is below the stack start {:#x}",
                layout.stack_start
            ));
        }
        let (bound, what) = if innermost {
            (layout.sp, "the stack pointer".to_string())
        } else {
            (
                frames[i - 1].stack_base,
                format!("the base of frame {}, which it calls", i - 1),
            )
        };
        if fr
            .stack_base
            .checked_add(*frame_size)
            .is_none_or(|e| e > bound)
        {
            return base_err(format!(
                "plus the frame size {frame_size} passes {what} ({bound:#x})"
            ));
        }
    }
    Ok(())
}

fn check_locals(i: usize, fr: &Frame, f: &pivm_ir::Function) -> Result<(), SnapshotError> {
    if fr.locals.len() != f.locals.len() {
        return Err(SnapshotError::LocalCount {
            frame: i,
            func: f.name.clone(),
            expected: f.locals.len(),
            found: fr.locals.len(),
        });
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
        if v.bits & !Type::from(v.ty).mask() != 0 {
            return Err(SnapshotError::LocalValue {
                frame: i,
                func: f.name.clone(),
                local: decl.name.clone(),
                ty: v.ty.name(),
                bits: v.bits,
            });
        }
    }
    Ok(())
}

/// Checks that the call frame `fr` stopped at calls `inner`'s function.
fn check_call(
    i: usize,
    fr: &Frame,
    f: &pivm_ir::Function,
    rp: &ResumePoint,
    inner: &Frame,
    module: &Module,
) -> Result<(), SnapshotError> {
    let Some(InstKind::Call {
        callee, args, dst, ..
    }) = f
        .blocks
        .get(rp.block)
        .and_then(|b| b.insts.get(rp.inst))
        .map(|inst| &inst.kind)
    else {
        // `resume_points` only returns calls as call resume points.
        return Ok(());
    };
    let (target, desc) = match callee {
        Callee::Func(id) => (Some(*id), format!("@{}", module.funcs[*id].name)),
        Callee::Indirect(op) => {
            let value = match op {
                Operand::Const(c) => *c,
                // `check_locals` ran first: the index is in range.
                Operand::Local(l) => fr.locals[l.0 as usize].bits,
            };
            let target = module.func_from_ptr(value);
            let desc = match target {
                Some(id) => format!("@{} through a function pointer", module.funcs[id].name),
                None => format!("function pointer {value:#x}, which is no function"),
            };
            (target, desc)
        }
        Callee::Builtin(_) => (None, "a builtin".to_string()),
    };
    // An indirect call reaches its target only if the signatures agree
    // (the rule of `pivm_jit::abi::indirect_call_ok`, which both engines
    // apply; otherwise the call traps and cannot be on the stack).
    let signature_ok = match (callee, target) {
        (Callee::Indirect(_), Some(id)) => {
            let sig = module.funcs[id].signature();
            args.len() == sig.params.len()
                && args
                    .iter()
                    .zip(&sig.params)
                    .all(|(a, p)| a.0.compatible(*p))
                && dst.is_none_or(|d| sig.ret.is_some_and(|r| r.compatible(f.locals[d].ty)))
        }
        _ => true,
    };
    if target != Some(FuncId(inner.func)) || !signature_ok {
        let desc = if signature_ok {
            desc
        } else {
            format!("{desc} with a different signature")
        };
        return Err(SnapshotError::CallMismatch {
            frame: i,
            func: f.name.clone(),
            resume: fr.resume,
            callee: desc,
            inner: truncate(&inner.func_name),
        });
    }
    Ok(())
}

/// Highest valid stream handle: handles live in the never-mapped null page.
const MAX_HANDLE: u64 = MIN_ADDRESS - 1;

fn check_files(io: &IoState) -> Result<(), SnapshotError> {
    let mut prev: Option<u64> = None;
    for f in &io.files {
        let err = |reason: String| {
            Err(SnapshotError::OpenFile {
                handle: f.handle,
                reason,
            })
        };
        if f.handle <= STDERR || f.handle > MAX_HANDLE {
            return err(format!(
                "the handle must be between {} and {MAX_HANDLE}",
                STDERR + 1
            ));
        }
        if prev.is_some_and(|p| f.handle <= p) {
            return err("handles must be sorted and unique".to_string());
        }
        if f.path.is_empty() || f.path.contains('\0') {
            return err("the path is empty or contains a NUL byte".to_string());
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
    if io.next_handle > MAX_HANDLE + 1 {
        return Err(SnapshotError::IoState(format!(
            "the next file handle {} is past the largest handle {MAX_HANDLE}",
            io.next_handle
        )));
    }
    Ok(())
}

/// Longest generator table accepted (glibc's largest type uses 63 words).
const MAX_RAND_TABLE: usize = 64;

fn check_rand(c: &Counters) -> Result<(), SnapshotError> {
    let Some(r) = &c.rand else {
        return Ok(());
    };
    let n = r.table.len();
    if n == 0 || n > MAX_RAND_TABLE {
        return Err(SnapshotError::Rand(format!(
            "its table has {n} words, expected 1 to {MAX_RAND_TABLE}"
        )));
    }
    if r.front as usize >= n || r.rear as usize >= n {
        return Err(SnapshotError::Rand(format!(
            "its indexes {} and {} are not below the table size {n}",
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

    #[test]
    fn mem_types() {
        let m = pivm_ir::parse("type :node = { i32, ptr }\n", "t").unwrap();
        let node = m.func_by_name("x");
        assert!(node.is_none());
        for t in ["i32", "ptr", ":node", "[4 x f64]", "[2 x [3 x :node]]"] {
            let parsed = parse_mem_type(t, &m).unwrap();
            assert_eq!(m.mem_type(&parsed), t);
        }
        for t in [
            "", "i33", ":nope", "[x i32]", "[4 i32]", "[4 x i32", "i32 i32",
        ] {
            assert!(parse_mem_type(t, &m).is_err(), "{t}");
        }
        let deep = "[1 x ".repeat(10_000) + "i8" + &"]".repeat(10_000);
        assert!(parse_mem_type(&deep, &m).is_err());
    }
}
