//! The seed corpora of the targets, made from the repository's examples
//! and tests each time they are needed (a snapshot seed must be written
//! by this pivm, so none is kept in git):
//! - `pir`: every `.pir` file, and every C program compiled to `.pir`;
//! - `cc`: every C source and header;
//! - `snapshot`: snapshots of the `.pir` seeds at their first safepoint
//!   and at a later one (interpreter), those `pivm resume` restores within
//!   the targets' bounds and at most `MAX_SNAPSHOT` bytes;
//! - `control`: a few request lines.

use crate::engines::{self, FUEL};
use pivm::Interpreter;
use pivm_snapshot::EngineKind;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// The largest snapshot seed: small files keep the target fast.
pub const MAX_SNAPSHOT: usize = 128 << 10;

/// The folders of the repository whose files seed the corpora.
const SOURCES: [&str; 2] = ["examples", "tests"];

/// Names `m`'s source files relative to `repo`, so that a seed (and the
/// snapshot point the `pir` target picks by hashing it) is the same in
/// every checkout.
fn relative_sources(m: &mut pivm_ir::Module, repo: &Path) {
    let relative = |s: &mut Option<String>| {
        if let Some(r) = s
            .as_deref()
            .and_then(|p| Path::new(p).strip_prefix(repo).ok())
        {
            *s = Some(r.to_string_lossy().into_owned());
        }
    };
    relative(&mut m.source);
    for f in m.funcs.values_mut() {
        relative(&mut f.source);
    }
}

/// Writes the seeds of every target into `out/TARGET/`, from the
/// repository at `repo`; returns how many each target got.
pub fn write_all(repo: &Path, out: &Path) -> io::Result<Vec<(&'static str, usize)>> {
    let mut files = Vec::new();
    for dir in SOURCES {
        walk(&repo.join(dir), &mut files)?;
    }
    files.sort();
    let named = |p: &Path| {
        p.strip_prefix(repo)
            .unwrap_or(p)
            .to_string_lossy()
            .replace('/', "_")
    };
    let ext = |p: &Path, e: &str| p.extension().is_some_and(|x| x == e);
    let mut pir: Vec<(String, String)> = Vec::new();
    let mut cc: Vec<(String, Vec<u8>)> = Vec::new();
    for p in &files {
        if ext(p, "pir") {
            pir.push((named(p), fs::read_to_string(p)?));
        } else if ext(p, "c") || ext(p, "h") {
            cc.push((named(p), fs::read(p)?));
            if ext(p, "c") {
                if let Ok(mut m) = pivm_cc::compile_file(p) {
                    relative_sources(&mut m, repo);
                    pir.push((format!("{}.pir", named(p)), m.to_string()));
                }
            }
        }
    }
    let mut snaps = Vec::new();
    for (name, text) in &pir {
        for (i, bytes) in snapshots(text).into_iter().enumerate() {
            snaps.push((format!("{name}.{i}.snap"), bytes));
        }
    }
    let control: Vec<(String, Vec<u8>)> = [
        "snapshot\n",
        "snapshot exit=1\n",
        "snapshot exit=0 path=/tmp/a b.msgpack\n",
        "snapshot path=/tmp/x\r\n",
        "snapshot exit=2\n",
        "hello\n",
        "snapshot exit=1",
    ]
    .iter()
    .enumerate()
    .map(|(i, l)| (format!("line{i}"), l.as_bytes().to_vec()))
    .collect();
    let pir = pir.into_iter().map(|(n, t)| (n, t.into_bytes())).collect();
    let mut counts = Vec::new();
    for (target, seeds) in [
        ("pir", pir),
        ("cc", cc),
        ("snapshot", snaps),
        ("control", control),
    ] {
        let dir = out.join(target);
        fs::create_dir_all(&dir)?;
        for (name, bytes) in &seeds {
            fs::write(dir.join(name), bytes)?;
        }
        counts.push((target, seeds.len()));
    }
    Ok(counts)
}

/// Every file beneath `dir`.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
    for e in fs::read_dir(dir)? {
        let p = e?.path();
        if p.is_dir() {
            walk(&p, out)?;
        } else {
            out.push(p);
        }
    }
    Ok(())
}

/// Snapshots of the program `text` at its first safepoint and at one
/// near the middle of its bounded run, those `pivm resume` restores.
fn snapshots(text: &str) -> Vec<Vec<u8>> {
    let Some(prog) = pivm_ir::parse(text, "seed.pir")
        .ok()
        .and_then(crate::pir::program)
    else {
        return Vec::new();
    };
    let mut interp = Interpreter::new();
    let total = engines::start(&mut interp, &prog, FUEL)
        .rt
        .safepoints_reached;
    let mut points = vec![1, total / 2];
    points.dedup();
    points
        .into_iter()
        .filter(|&n| n >= 1)
        .filter_map(|n| {
            let ran = engines::start(&mut interp, &prog, n);
            let bytes = engines::snapshot_bytes(&ran, ran.frames()?, EngineKind::Interp);
            let fits = bytes.len() <= MAX_SNAPSHOT && engines::restore(&bytes, FUEL).is_ok();
            fits.then_some(bytes)
        })
        .collect()
}
