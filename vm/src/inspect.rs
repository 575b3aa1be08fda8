//! `pivm inspect`: a validated snapshot described for people (`text`) or
//! scripts (`json`): header, source host and engine, the history of hops,
//! the program, the frames as a backtrace with every local's value, a
//! heap summary by allocation type and the I/O state. The JSON is a
//! `serde_json` rendering of the view structs below: the body's own types
//! where they say exactly what is shown (hosts, engines, open files), and
//! small views for what is computed from the program (resume points, lines,
//! typed values, dates, the heap summary), and the chain of a delta: each
//! member's kind, size, parent and time, newest first.

use pivm_ir::safepoints::resume_points;
use pivm_ir::{Module, Type};
use pivm_snapshot::{Chain, EngineKind, Header, Host, SavedFile, SavedFrame, Snapshot, Value};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;

/// A local's value in JSON: an integer (pointers too), a finite float, or
/// the name of a non-finite one (`inf`, `-inf`, `NaN`), which JSON numbers
/// cannot hold.
#[derive(Serialize, Debug, PartialEq)]
#[serde(untagged)]
pub enum Num {
    Int(i128),
    Float(f64),
    NonFinite(String),
}

impl Num {
    fn float(x: f64) -> Num {
        if x.is_finite() {
            Num::Float(x)
        } else {
            Num::NonFinite(x.to_string())
        }
    }
}

/// A typed value as C would print it, and as JSON.
fn value(v: &Value) -> (String, Num) {
    let b = v.bits;
    let i: i128 = match Type::from(v.ty) {
        Type::I8 => (b as i8).into(),
        Type::I16 => (b as i16).into(),
        Type::I32 => (b as i32).into(),
        Type::I64 => (b as i64).into(),
        Type::F32 => {
            let x = f32::from_bits(b as u32) as f64;
            return (format!("{x:?}"), Num::float(x));
        }
        Type::F64 => {
            let x = f64::from_bits(b);
            return (format!("{x:?}"), Num::float(x));
        }
        Type::Ptr => return (format!("{b:#x}"), Num::Int(b.into())),
    };
    (i.to_string(), Num::Int(i))
}

/// A Unix time in milliseconds as an ISO 8601 UTC date.
pub fn utc(ms: u64) -> String {
    let secs = ms / 1000;
    let days = (secs / 86400) as i64;
    let rem = secs % 86400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + (m <= 2) as i64;
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60,
        ms % 1000
    )
}

#[derive(Serialize)]
struct Inspect<'a> {
    path: &'a str,
    size: u64,
    header: HeaderView<'a>,
    source: &'a Host,
    engine: EngineKind,
    history: Vec<HopView<'a>>,
    program: ProgramView<'a>,
    frames: Vec<FrameView<'a>>,
    /// Every thread of a program that started several (the running one's
    /// frames are `frames`).
    threads: Option<Vec<ThreadView<'a>>>,
    /// Every process of a program that forked (the running one first).
    processes: Option<Vec<ProcessView<'a>>>,
    memory: MemoryView,
    heap: Vec<HeapView>,
    io: IoView<'a>,
    counters: CountersView,
    chain: &'a ChainView,
}

/// The chain a snapshot heads: its members as far as they could be
/// followed, newest first, and why it could not be followed further.
#[derive(Serialize, Debug)]
pub struct ChainView {
    pub members: Vec<MemberView>,
    pub error: Option<String>,
}

/// One member of a chain.
#[derive(Serialize, Debug)]
pub struct MemberView {
    pub path: String,
    /// `full` or `delta`.
    pub kind: &'static str,
    pub size: u64,
    /// The file id, lowercase hexadecimal.
    pub id: String,
    /// The parent's file name, for a delta.
    pub parent: Option<String>,
    /// When it was taken (its last hop).
    pub unix_time_ms: u64,
    pub time: String,
}

impl ChainView {
    /// The view of `chain`, broken by `error` if it could not be followed
    /// to a full snapshot.
    pub fn new(chain: &Chain, error: Option<String>) -> ChainView {
        let members = chain
            .members
            .iter()
            .zip(&chain.paths)
            .map(|(f, p)| {
                let b = &f.snapshot.body;
                let ms = b.history.last().map_or(0, |h| h.unix_time_ms);
                MemberView {
                    path: p.to_string_lossy().into_owned(),
                    kind: if b.parent.is_some() { "delta" } else { "full" },
                    size: std::fs::metadata(p).map_or(0, |m| m.len()),
                    id: pivm_snapshot::digest::hex(&f.id),
                    parent: b.parent.as_ref().map(|p| p.name.clone()),
                    unix_time_ms: ms,
                    time: utc(ms),
                }
            })
            .collect();
        ChainView { members, error }
    }
}

#[derive(Serialize)]
struct HeaderView<'a> {
    format_version: u32,
    pivm_version: &'a str,
    /// Lowercase hexadecimal.
    program_hash: String,
    /// How memory sections are stored: `raw`, `lz4` or `zstd`.
    memory: &'static str,
}

#[derive(Serialize)]
struct HopView<'a> {
    arch: &'a str,
    os: &'a str,
    engine: EngineKind,
    unix_time_ms: u64,
    /// `unix_time_ms` as an ISO 8601 UTC date.
    time: String,
    safepoints: u64,
}

#[derive(Serialize)]
struct ProgramView<'a> {
    /// The source file the program was compiled from, if known.
    source: Option<&'a str>,
    functions: Vec<&'a str>,
    text_bytes: u64,
}

#[derive(Serialize)]
struct FrameView<'a> {
    index: u64,
    function: &'a str,
    /// The function the code at the resume point was written in, when
    /// the optimizer inlined it into `function` (whose frame holds its
    /// locals).
    #[serde(skip_serializing_if = "Option::is_none")]
    inlined: Option<&'a str>,
    resume_point: u32,
    /// `call` or `safepoint`.
    kind: &'static str,
    /// The source file of `line` (its function's, else the program's).
    file: Option<&'a str>,
    line: u32,
    stack_base: u64,
    locals: Vec<LocalView<'a>>,
}

#[derive(Serialize)]
struct ProcessView<'a> {
    pid: i32,
    ppid: i32,
    running: bool,
    /// The wait status of an ended child nobody has waited for.
    ended: Option<i32>,
    /// Its running (or last) thread's frames, innermost first.
    frames: Vec<FrameView<'a>>,
    threads: Option<Vec<ThreadView<'a>>>,
}

/// The views of the threads of a body.
fn thread_views<'a>(module: &'a Module, b: &'a pivm_snapshot::Body) -> Option<Vec<ThreadView<'a>>> {
    b.threads.as_ref().map(|th| {
        th.threads
            .iter()
            .map(|t| ThreadView {
                id: t.id,
                running: t.id == th.current,
                state: &t.state,
                arg: t.arg,
                until: t.until,
                detached: t.detached,
                start: &t.root_name,
                frames: frame_views(module, &t.frames),
            })
            .collect()
    })
}

/// The views of every process of a top-level body.
fn process_views<'a>(
    module: &'a Module,
    b: &'a pivm_snapshot::Body,
) -> Option<Vec<ProcessView<'a>>> {
    let f = b.family.as_ref()?;
    let mut v = vec![ProcessView {
        pid: f.pid,
        ppid: f.ppid,
        running: true,
        ended: None,
        frames: frame_views(module, &b.frames),
        threads: thread_views(module, b),
    }];
    for o in &f.others {
        let p = o.family.as_ref()?;
        v.push(ProcessView {
            pid: p.pid,
            ppid: p.ppid,
            running: false,
            ended: None,
            frames: frame_views(module, &o.frames),
            threads: thread_views(module, o),
        });
    }
    for z in &f.zombies {
        v.push(ProcessView {
            pid: z.pid,
            ppid: z.ppid,
            running: false,
            ended: Some(z.status),
            frames: Vec::new(),
            threads: None,
        });
    }
    Some(v)
}

#[derive(Serialize)]
struct ThreadView<'a> {
    id: u64,
    running: bool,
    /// `runnable`, `futex` (blocked on the i32 at `arg`), `join` (until
    /// thread `arg` ends), `child` (waiting for process `arg`, as an i32,
    /// -1 any), `pipe` (blocked on pipe `arg`), `sleep`, or `done` (ended
    /// with value `arg`).
    state: &'a str,
    arg: u64,
    /// The deadline of its sleep or timed wait on the monotonic clock.
    until: Option<u64>,
    detached: bool,
    /// Its outermost function.
    start: &'a str,
    /// Innermost first; empty for the running thread (its frames are the
    /// snapshot's), one that never ran and one that ended.
    frames: Vec<FrameView<'a>>,
}

/// Where a frame of `module` stands: the resume point's kind (a call or
/// a safepoint), the function its code was written in if the optimizer
/// inlined it into the frame's (`Inst::origin`), and that code's source
/// file and line.
struct Place<'a> {
    is_call: bool,
    inlined: Option<&'a str>,
    file: Option<&'a str>,
    line: u32,
}

fn place<'a>(module: &'a Module, fr: &SavedFrame) -> Place<'a> {
    let fid = pivm_ir::FuncId(fr.func);
    let f = &module.funcs[fid];
    let rp = resume_points(f)[fr.resume as usize];
    let inst = &f.blocks[rp.block].insts[rp.inst];
    let at = inst.func(fid);
    Place {
        is_call: rp.is_call,
        inlined: (at != fid).then(|| module.funcs[at].name.as_str()),
        file: module.func_source(at),
        line: inst.line,
    }
}

/// The views of `frames` (innermost first) of `module`.
fn frame_views<'a>(module: &'a Module, frames: &'a [SavedFrame]) -> Vec<FrameView<'a>> {
    frames
        .iter()
        .enumerate()
        .map(|(i, fr)| {
            let f = &module.funcs[pivm_ir::FuncId(fr.func)];
            let at = place(module, fr);
            let locals = f
                .locals
                .values()
                .zip(&fr.locals)
                .map(|(d, v)| LocalView {
                    name: &d.name,
                    ty: v.ty.name(),
                    value: value(v).1,
                    bits: v.bits,
                })
                .collect();
            FrameView {
                index: i as u64,
                function: &fr.func_name,
                inlined: at.inlined,
                resume_point: fr.resume,
                kind: if at.is_call { "call" } else { "safepoint" },
                file: at.file,
                line: at.line,
                stack_base: fr.stack_base,
                locals,
            }
        })
        .collect()
}

#[derive(Serialize)]
struct LocalView<'a> {
    name: &'a str,
    #[serde(rename = "type")]
    ty: &'static str,
    value: Num,
    bits: u64,
}

#[derive(Serialize)]
struct MemoryView {
    data: u64,
    stack_used: u64,
    heap_top: u64,
    heap_used: u64,
    region_bytes: u64,
    allocations: u64,
}

#[derive(Serialize)]
struct HeapView {
    #[serde(rename = "type")]
    ty: String,
    count: u64,
    bytes: u64,
}

#[derive(Serialize)]
struct IoView<'a> {
    stdout_written: u64,
    stderr_written: u64,
    stdin_consumed: u64,
    stdin_eof: bool,
    stdin_unread: &'a [u8],
    files: &'a [SavedFile],
}

#[derive(Serialize)]
struct CountersView {
    safepoints: u64,
    snapshots: u64,
    call_depth_limit: u32,
}

/// The description of `snap` (whose program is `module`) as one line of
/// JSON.
pub fn json(
    path: &str,
    size: u64,
    header: &Header,
    snap: &Snapshot,
    stored: u64,
    module: &Module,
    chain: &ChainView,
) -> String {
    let b = &snap.body;
    let history = b
        .history
        .iter()
        .map(|h| HopView {
            arch: &h.arch,
            os: &h.os,
            engine: h.engine,
            unix_time_ms: h.unix_time_ms,
            time: utc(h.unix_time_ms),
            safepoints: h.safepoints,
        })
        .collect();
    let frames = frame_views(module, &b.frames);
    let threads = thread_views(module, b);
    let processes = process_views(module, b);
    let heap = heap_summary(snap)
        .into_iter()
        .map(|(ty, (count, bytes))| HeapView { ty, count, bytes })
        .collect();
    let l = &b.memory.layout;
    let io = &b.io;
    let view = Inspect {
        path,
        size,
        header: HeaderView {
            format_version: header.format_version,
            pivm_version: &header.pivm_version,
            program_hash: pivm_snapshot::digest::hex(&header.program_hash),
            memory: pivm_snapshot::Codec::from_flags(header.flags).name(),
        },
        source: &b.source,
        engine: b.engine,
        history,
        program: ProgramView {
            source: module.source.as_deref(),
            functions: module.funcs.values().map(|f| f.name.as_str()).collect(),
            text_bytes: b.program.text.len() as u64,
        },
        frames,
        threads,
        processes,
        memory: MemoryView {
            data: l.data_end - l.data_start,
            stack_used: l.sp - l.stack_start,
            heap_top: l.heap_top,
            heap_used: l.heap_top - l.heap_start,
            region_bytes: stored,
            allocations: b.memory.allocations.len() as u64,
        },
        heap,
        io: IoView {
            stdout_written: io.stdout_written,
            stderr_written: io.stderr_written,
            stdin_consumed: io.stdin_consumed,
            stdin_eof: io.stdin_eof,
            stdin_unread: &io.stdin_unread,
            files: &io.files,
        },
        counters: CountersView {
            safepoints: b.counters.safepoints,
            snapshots: b.counters.snapshots,
            call_depth_limit: b.counters.call_depth_limit,
        },
        chain,
    };
    // Cannot fail: every key is a string and every value serializable.
    serde_json::to_string(&view).expect("the inspect view serializes")
}

/// The thread table of body `b`, if it has one; `running`: `b` is the
/// process that was running (else one that waited for its turn).
fn threads_text(o: &mut String, module: &Module, b: &pivm_snapshot::Body, running: bool) {
    let clock = b.timers.as_ref().map_or(0, |t| t.clock);
    if let Some(th) = &b.threads {
        let _ = writeln!(o, "\nthreads ({}, in creation order):", th.threads.len());
        for t in &th.threads {
            let runnable = t.state == pivm_snapshot::THREAD_RUNNABLE;
            let mut state = match t.state.as_str() {
                _ if t.id == th.current && running && runnable => "running".to_string(),
                pivm_snapshot::THREAD_FUTEX => format!("blocked on the futex at {:#x}", t.arg),
                pivm_snapshot::THREAD_JOIN => format!("joining thread {}", t.arg),
                pivm_snapshot::THREAD_DONE => format!("ended with {:#x}", t.arg),
                pivm_snapshot::THREAD_CHILD => match t.arg as u32 as i32 {
                    -1 => "waiting for a child".to_string(),
                    pid => format!("waiting for process {pid}"),
                },
                pivm_snapshot::THREAD_PIPE => format!("blocked on pipe {}", t.arg),
                pivm_snapshot::THREAD_SLEEP => "asleep".to_string(),
                _ if t.start.is_some() => "not started".to_string(),
                _ => "runnable".to_string(),
            };
            if let Some(until) = t.until {
                state += &format!(", {} more", millis(until.saturating_sub(clock)));
            }
            let _ = writeln!(
                o,
                "  thread {} ({}{}) from @{}",
                t.id,
                state,
                if t.detached { ", detached" } else { "" },
                t.root_name
            );
            if t.id == th.current {
                let _ = writeln!(o, "       (its frames are the process's backtrace)");
            }
            backtrace(o, module, &t.frames, false);
        }
    }
}

/// `ns` nanoseconds, in milliseconds.
fn millis(ns: u64) -> String {
    format!("{:.3} ms", ns as f64 / 1e6)
}

/// The clock and the process's timer of body `b`, if it keeps time.
fn timers_text(o: &mut String, b: &pivm_snapshot::Body) {
    let Some(t) = &b.timers else { return };
    let _ = write!(o, "\nmonotonic clock: {} s", t.clock as f64 / 1e9);
    match t.alarm {
        Some(at) => {
            let _ = write!(o, "; SIGALRM in {}", millis(at.saturating_sub(t.clock)));
            if t.interval != 0 {
                let _ = write!(o, ", then every {}", millis(t.interval));
            }
            let _ = writeln!(o);
        }
        None => {
            let _ = writeln!(o, "; no timer set");
        }
    }
}

/// Writes `frames` (innermost first) as backtrace lines, with every
/// local's value if `locals`.
fn backtrace(o: &mut String, module: &Module, frames: &[SavedFrame], locals: bool) {
    for (i, fr) in frames.iter().enumerate() {
        let f = &module.funcs[pivm_ir::FuncId(fr.func)];
        let at = place(module, fr);
        let kind = if at.is_call { "call" } else { "safepoint" };
        let func = match at.inlined {
            Some(g) => format!("{g} (inlined into {})", fr.func_name),
            None => fr.func_name.clone(),
        };
        let _ = writeln!(
            o,
            "  #{i} {func} at {}:{} ({kind}, resume point {})",
            at.file.unwrap_or("?"),
            at.line,
            fr.resume
        );
        for (d, v) in f.locals.values().zip(&fr.locals).filter(|_| locals) {
            let _ = writeln!(o, "       {} {} = {}", v.ty.name(), d.name, value(v).0);
        }
    }
}

/// Count and bytes of the live allocations, by type (`bytes` when unknown).
/// Counted per type number of the packed table first, so a long text is
/// compared once, not once per allocation.
fn heap_summary(snap: &Snapshot) -> BTreeMap<String, (u64, u64)> {
    let table = &snap.body.memory.allocations;
    let mut by_ty = vec![(0u64, 0u64); table.types().len() + 1];
    for a in table.iter() {
        if let Some(e) = by_ty.get_mut(a.ty as usize) {
            e.0 += 1;
            e.1 += a.size;
        }
    }
    let mut m: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for (k, (count, bytes)) in by_ty.into_iter().enumerate() {
        if count == 0 {
            continue;
        }
        let text = table.type_text(k as u32).map_or("bytes", |t| &**t);
        let e = m.entry(text.to_string()).or_default();
        e.0 += count;
        e.1 += bytes;
    }
    m
}

/// The description of `snap` for people.
pub fn text(
    path: &str,
    size: u64,
    header: &Header,
    snap: &Snapshot,
    stored: u64,
    module: &Module,
    chain: &ChainView,
) -> String {
    let b = &snap.body;
    let mut o = String::new();
    let _ = writeln!(o, "snapshot {path} ({size} bytes)");
    let _ = writeln!(
        o,
        "format version {}, written by pivm {}, program sha256 {}, memory {}",
        header.format_version,
        header.pivm_version,
        pivm_snapshot::digest::hex(&header.program_hash),
        pivm_snapshot::Codec::from_flags(header.flags).name()
    );
    let endian = match b.source.endian {
        pivm_snapshot::Endian::Little => "little-endian",
        pivm_snapshot::Endian::Big => "big-endian",
    };
    let _ = writeln!(
        o,
        "taken on {} {} ({endian}, pivm {}) by the {} engine",
        b.source.arch,
        b.source.os,
        b.source.pivm_version,
        b.engine.name()
    );
    let _ = writeln!(o, "\nhistory ({} hops, oldest first):", b.history.len());
    for (i, h) in b.history.iter().enumerate() {
        let _ = writeln!(
            o,
            "  {}. {} {} {:<6} {}  {} safepoints",
            i + 1,
            h.arch,
            h.os,
            h.engine.name(),
            utc(h.unix_time_ms),
            h.safepoints
        );
    }
    let names: Vec<&str> = module.funcs.values().map(|f| f.name.as_str()).collect();
    let _ = writeln!(
        o,
        "\nprogram {} ({} functions: {})",
        module.source.as_deref().unwrap_or("<unknown source>"),
        names.len(),
        names.join(", ")
    );
    let _ = writeln!(o, "\nbacktrace (innermost first):");
    backtrace(&mut o, module, &b.frames, true);
    threads_text(&mut o, module, b, true);
    timers_text(&mut o, b);
    if let Some(f) = &b.family {
        let _ = writeln!(
            o,
            "\nprocesses ({} running or blocked, {} ended and not waited for, {} pipes):",
            1 + f.others.len(),
            f.zombies.len(),
            f.pipes.len()
        );
        let _ = writeln!(
            o,
            "  process {} (parent {}): running, its frames are the backtrace above",
            f.pid, f.ppid
        );
        for ob in &f.others {
            let Some(p) = &ob.family else { continue };
            let _ = writeln!(o, "  process {} (parent {}):", p.pid, p.ppid);
            backtrace(&mut o, module, &ob.frames, false);
            threads_text(&mut o, module, ob, false);
            timers_text(&mut o, ob);
        }
        for z in &f.zombies {
            let _ = writeln!(
                o,
                "  process {} (parent {}): ended, wait status {:#x}",
                z.pid, z.ppid, z.status
            );
        }
        for p in &f.pipes {
            let _ = writeln!(
                o,
                "  pipe {}: {} bytes unread, {} readers, {} writers",
                p.id,
                p.bytes.0.len(),
                p.readers,
                p.writers
            );
        }
    }
    let l = &b.memory.layout;
    let heap = heap_summary(snap);
    let _ = writeln!(
        o,
        "\nheap: {} allocations, {} bytes used up to the top ({} bytes of memory stored)",
        b.memory.allocations.len(),
        l.heap_top - l.heap_start,
        stored
    );
    for (ty, (count, bytes)) in heap {
        let _ = writeln!(o, "  {ty:<24} {count:>8} allocations {bytes:>12} bytes");
    }
    let io = &b.io;
    let _ = writeln!(
        o,
        "\ni/o: {} bytes written to stdout, {} to stderr, {} read from stdin{}{}",
        io.stdout_written,
        io.stderr_written,
        io.stdin_consumed,
        if io.stdin_eof { " (at eof)" } else { "" },
        match io.stdin_unread.len() {
            0 => String::new(),
            n => format!(" ({n} pushed back)"),
        }
    );
    for f in &io.files {
        let name = match &f.temp {
            Some(bytes) => format!("tmpfile ({} bytes)", bytes.len()),
            None => format!("'{}'", f.path),
        };
        let _ = writeln!(
            o,
            "  file {} {name} mode {} at offset {}{}",
            f.handle,
            f.mode,
            f.offset,
            if f.eof { " (at eof)" } else { "" }
        );
    }
    let _ = writeln!(
        o,
        "\ncounters: {} safepoints, {} earlier snapshots, call depth limit {}",
        b.counters.safepoints, b.counters.snapshots, b.counters.call_depth_limit
    );
    if chain.members.len() > 1 || chain.error.is_some() {
        let _ = writeln!(
            o,
            "\nchain ({} members, newest first):",
            chain.members.len()
        );
        for (i, m) in chain.members.iter().enumerate() {
            let _ = writeln!(
                o,
                "  {}. {} {:<5} {:>12} bytes  {}  id {}{}",
                i + 1,
                m.path,
                m.kind,
                m.size,
                m.time,
                &m.id[..16],
                m.parent
                    .as_ref()
                    .map_or(String::new(), |p| format!(", parent {p}"))
            );
        }
        if let Some(e) = &chain.error {
            let _ = writeln!(o, "  broken: {e}");
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(utc(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(utc(951_782_400_123), "2000-02-29T00:00:00.123Z");
    }

    #[test]
    fn values_in_json() {
        use pivm_snapshot::ValueType as T;
        let v = |ty, bits| value(&Value { ty, bits }).1;
        assert_eq!(v(T::I8, 0xff), Num::Int(-1));
        assert_eq!(v(T::I64, u64::MAX), Num::Int(-1));
        assert_eq!(v(T::Ptr, u64::MAX), Num::Int(u64::MAX.into()));
        let json = |n: Num| serde_json::to_string(&n).unwrap();
        assert_eq!(json(v(T::F64, 0.5f64.to_bits())), "0.5");
        assert_eq!(json(v(T::F32, f32::INFINITY.to_bits().into())), r#""inf""#);
        assert_eq!(json(v(T::F64, f64::NAN.to_bits())), r#""NaN""#);
        assert_eq!(json(v(T::Ptr, u64::MAX)), "18446744073709551615");
    }

    #[test]
    fn strings_are_escaped() {
        let h = HeaderView {
            format_version: 1,
            pivm_version: "a\"b\\c\n\u{1}\u{7f}é",
            program_hash: String::new(),
            memory: "raw",
        };
        assert_eq!(
            serde_json::to_string(&h).unwrap(),
            "{\"format_version\":1,\"pivm_version\":\"a\\\"b\\\\c\\n\\u0001\u{7f}é\",\"program_hash\":\"\",\"memory\":\"raw\"}"
        );
    }
}
