//! `pivm inspect`: a validated snapshot described for people (`text`) or
//! scripts (`json`): header, source host and engine, the history of hops,
//! the program, the frames as a backtrace with every local's value, a
//! heap summary by allocation type and the I/O state. The JSON is written
//! by the tiny `Json` value below, so the workspace needs no JSON crate.

use pivm_ir::safepoints::resume_points;
use pivm_ir::{Module, Type};
use pivm_snapshot::{Header, Snapshot, Value};
use std::collections::BTreeMap;
use std::fmt::{self, Write};

/// A JSON value; `Display` writes it compactly.
pub enum Json {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(&'static str, Json)>),
}

impl fmt::Display for Json {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Json::Null => f.write_str("null"),
            Json::Bool(b) => write!(f, "{b}"),
            Json::Int(i) => write!(f, "{i}"),
            Json::Float(x) if x.is_finite() => write!(f, "{x:?}"),
            Json::Float(x) => write!(f, "\"{x}\""),
            Json::Str(s) => {
                f.write_char('"')?;
                for c in s.chars() {
                    match c {
                        '"' => f.write_str("\\\"")?,
                        '\\' => f.write_str("\\\\")?,
                        '\n' => f.write_str("\\n")?,
                        '\r' => f.write_str("\\r")?,
                        '\t' => f.write_str("\\t")?,
                        c if (c as u32) < 0x20 => write!(f, "\\u{:04x}", c as u32)?,
                        c => f.write_char(c)?,
                    }
                }
                f.write_char('"')
            }
            Json::Arr(v) => {
                f.write_char('[')?;
                for (i, x) in v.iter().enumerate() {
                    if i > 0 {
                        f.write_char(',')?;
                    }
                    write!(f, "{x}")?;
                }
                f.write_char(']')
            }
            Json::Obj(v) => {
                f.write_char('{')?;
                for (i, (k, x)) in v.iter().enumerate() {
                    if i > 0 {
                        f.write_char(',')?;
                    }
                    write!(f, "{}:{x}", Json::Str(k.to_string()))?;
                }
                f.write_char('}')
            }
        }
    }
}

fn s(v: impl Into<String>) -> Json {
    Json::Str(v.into())
}

fn n(v: impl Into<i128>) -> Json {
    Json::Int(v.into())
}

/// A typed value as C would print it, and as JSON.
fn value(v: &Value) -> (String, Json) {
    let b = v.bits;
    match Type::from(v.ty) {
        Type::I8 => (b as i8).to_string(),
        Type::I16 => (b as i16).to_string(),
        Type::I32 => (b as i32).to_string(),
        Type::I64 => (b as i64).to_string(),
        Type::F32 => {
            let x = f32::from_bits(b as u32) as f64;
            return (format!("{x:?}"), Json::Float(x));
        }
        Type::F64 => {
            let x = f64::from_bits(b);
            return (format!("{x:?}"), Json::Float(x));
        }
        Type::Ptr => return (format!("{b:#x}"), n(b)),
    }
    .parse::<i128>()
    .map(|i| (i.to_string(), n(i)))
    .unwrap_or_else(|_| (String::new(), Json::Null))
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

/// The description of `snap` (whose program is `module`) as JSON.
pub fn json(path: &str, size: u64, header: &Header, snap: &Snapshot, module: &Module) -> Json {
    let b = &snap.body;
    let hex = pivm_snapshot::digest::hex(&header.program_hash);
    let history = b
        .history
        .iter()
        .map(|h| {
            Json::Obj(vec![
                ("arch", s(&h.arch)),
                ("os", s(&h.os)),
                ("engine", s(h.engine.name())),
                ("unix_time_ms", n(h.unix_time_ms)),
                ("time", s(utc(h.unix_time_ms))),
                ("safepoints", n(h.safepoints)),
            ])
        })
        .collect();
    let frames = b
        .frames
        .iter()
        .enumerate()
        .map(|(i, fr)| {
            let f = &module.funcs[pivm_ir::FuncId(fr.func)];
            let rps = resume_points(f);
            let rp = rps[fr.resume as usize];
            let line = f.blocks[rp.block].insts[rp.inst].line;
            let locals = f
                .locals
                .values()
                .zip(&fr.locals)
                .map(|(d, v)| {
                    let (_, j) = value(v);
                    Json::Obj(vec![
                        ("name", s(&d.name)),
                        ("type", s(v.ty.name())),
                        ("value", j),
                        ("bits", n(v.bits)),
                    ])
                })
                .collect();
            Json::Obj(vec![
                ("index", n(i as u64)),
                ("function", s(&fr.func_name)),
                ("resume_point", n(fr.resume)),
                ("kind", s(if rp.is_call { "call" } else { "safepoint" })),
                ("line", n(line)),
                ("stack_base", n(fr.stack_base)),
                ("locals", Json::Arr(locals)),
            ])
        })
        .collect();
    let heap = heap_summary(snap)
        .into_iter()
        .map(|(ty, (count, bytes))| {
            Json::Obj(vec![
                ("type", s(ty)),
                ("count", n(count)),
                ("bytes", n(bytes)),
            ])
        })
        .collect();
    let l = &b.memory.layout;
    let io = &b.io;
    Json::Obj(vec![
        ("path", s(path)),
        ("size", n(size)),
        (
            "header",
            Json::Obj(vec![
                ("format_version", n(header.format_version)),
                ("pivm_version", s(&header.pivm_version)),
                ("program_hash", s(hex)),
            ]),
        ),
        (
            "source",
            Json::Obj(vec![
                ("arch", s(&b.source.arch)),
                ("os", s(&b.source.os)),
                (
                    "endian",
                    s(match b.source.endian {
                        pivm_snapshot::Endian::Little => "little",
                        pivm_snapshot::Endian::Big => "big",
                    }),
                ),
                ("pivm_version", s(&b.source.pivm_version)),
            ]),
        ),
        ("engine", s(b.engine.name())),
        ("history", Json::Arr(history)),
        (
            "program",
            Json::Obj(vec![
                (
                    "source",
                    module.source.as_ref().map_or(Json::Null, |p| s(p.clone())),
                ),
                (
                    "functions",
                    Json::Arr(module.funcs.values().map(|f| s(&f.name)).collect()),
                ),
                ("text_bytes", n(b.program.text.len() as u64)),
            ]),
        ),
        ("frames", Json::Arr(frames)),
        (
            "memory",
            Json::Obj(vec![
                ("data", n(l.data_end - l.data_start)),
                ("stack_used", n(l.sp - l.stack_start)),
                ("heap_top", n(l.heap_top)),
                ("heap_used", n(l.heap_top - l.heap_start)),
                (
                    "region_bytes",
                    n(b.memory
                        .regions
                        .iter()
                        .map(|r| r.bytes.len() as u64)
                        .sum::<u64>()),
                ),
                ("allocations", n(b.memory.allocations.len() as u64)),
            ]),
        ),
        ("heap", Json::Arr(heap)),
        (
            "io",
            Json::Obj(vec![
                ("stdout_written", n(io.stdout_written)),
                ("stderr_written", n(io.stderr_written)),
                ("stdin_consumed", n(io.stdin_consumed)),
                ("stdin_eof", Json::Bool(io.stdin_eof)),
                (
                    "files",
                    Json::Arr(
                        io.files
                            .iter()
                            .map(|f| {
                                Json::Obj(vec![
                                    ("handle", n(f.handle)),
                                    ("path", s(&f.path)),
                                    ("mode", s(&f.mode)),
                                    ("offset", n(f.offset)),
                                    ("eof", Json::Bool(f.eof)),
                                ])
                            })
                            .collect(),
                    ),
                ),
            ]),
        ),
        (
            "counters",
            Json::Obj(vec![
                ("safepoints", n(b.counters.safepoints)),
                ("snapshots", n(b.counters.snapshots)),
                ("call_depth_limit", n(b.counters.call_depth_limit)),
            ]),
        ),
    ])
}

/// Count and bytes of the live allocations, by type (`bytes` when unknown).
fn heap_summary(snap: &Snapshot) -> BTreeMap<String, (u64, u64)> {
    let mut m: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for a in &snap.body.memory.allocations {
        let e = m
            .entry(a.ty.clone().unwrap_or_else(|| "bytes".into()))
            .or_default();
        e.0 += 1;
        e.1 += a.size;
    }
    m
}

/// The description of `snap` for people.
pub fn text(path: &str, size: u64, header: &Header, snap: &Snapshot, module: &Module) -> String {
    let b = &snap.body;
    let mut o = String::new();
    let _ = writeln!(o, "snapshot {path} ({size} bytes)");
    let _ = writeln!(
        o,
        "format version {}, written by pivm {}, program sha256 {}",
        header.format_version,
        header.pivm_version,
        pivm_snapshot::digest::hex(&header.program_hash)
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
    let src = module.source.as_deref().unwrap_or("?");
    for (i, fr) in b.frames.iter().enumerate() {
        let f = &module.funcs[pivm_ir::FuncId(fr.func)];
        let rp = resume_points(f)[fr.resume as usize];
        let line = f.blocks[rp.block].insts[rp.inst].line;
        let kind = if rp.is_call { "call" } else { "safepoint" };
        let _ = writeln!(
            o,
            "  #{i} {} at {src}:{line} ({kind}, resume point {})",
            fr.func_name, fr.resume
        );
        for (d, v) in f.locals.values().zip(&fr.locals) {
            let _ = writeln!(o, "       {} {} = {}", v.ty.name(), d.name, value(v).0);
        }
    }
    let l = &b.memory.layout;
    let heap = heap_summary(snap);
    let _ = writeln!(
        o,
        "\nheap: {} allocations, {} bytes used up to the top ({} bytes of memory stored)",
        b.memory.allocations.len(),
        l.heap_top - l.heap_start,
        b.memory
            .regions
            .iter()
            .map(|r| r.bytes.len() as u64)
            .sum::<u64>()
    );
    for (ty, (count, bytes)) in heap {
        let _ = writeln!(o, "  {ty:<24} {count:>8} allocations {bytes:>12} bytes");
    }
    let io = &b.io;
    let _ = writeln!(
        o,
        "\ni/o: {} bytes written to stdout, {} to stderr, {} read from stdin{}",
        io.stdout_written,
        io.stderr_written,
        io.stdin_consumed,
        if io.stdin_eof { " (at eof)" } else { "" }
    );
    for f in &io.files {
        let _ = writeln!(
            o,
            "  file {} '{}' mode {} at offset {}{}",
            f.handle,
            f.path,
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
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_json() {
        assert_eq!(utc(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(utc(951_782_400_123), "2000-02-29T00:00:00.123Z");
        let j = Json::Obj(vec![(
            "a\"",
            Json::Arr(vec![n(1u8), Json::Float(0.5), s("x\n")]),
        )]);
        assert_eq!(j.to_string(), r#"{"a\"":[1,0.5,"x\n"]}"#);
    }
}
