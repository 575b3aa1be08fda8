//! The commands: `compile`, `run`, `resume`, `snapshot`, `inspect` and
//! `compact`.
//! Each returns the exit status, or a `Fail` with its own (see `exit.rs`).

use super::args::{
    CcOpts, CompactArgs, CompileArgs, EngineChoice, InspectArgs, ResumeArgs, RunArgs, RunOpts,
    SnapshotArgs,
};
use super::exit::{Exit, Fail, Result};
use super::run::{build_engine, Run};
use pivm::control;
use pivm::incremental::Incremental;
use pivm::snapshot::{self as snap, Lineage};
use pivm::{Entry, Program, Runtime};
use pivm_ir::Type;
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// Loads a program: one `.pir` file (parse + verify), or `.c` files
/// (compiled with `cc`'s options and linked).
pub(super) fn load(paths: &[PathBuf], cc: &CcOpts) -> Result<pivm_ir::Module> {
    let is_c = |p: &PathBuf| p.as_os_str().as_encoded_bytes().ends_with(b".c");
    if paths.iter().any(is_c) || paths.len() > 1 {
        if let Some(p) = paths.iter().find(|p| !is_c(p)) {
            return Err(Fail::new(
                Exit::Input,
                format!(
                    "'{}' is not a C file: a program is one .pir file, or C files (.c)",
                    p.display()
                ),
            ));
        }
        for p in paths {
            std::fs::metadata(p).map_err(|e| {
                Fail::new(Exit::Input, format!("cannot read '{}': {e}", p.display()))
            })?;
        }
        return pivm_cc::compile_files(paths, &cc.options()).map_err(|diags| {
            pivm::eprintln_ok!("{}", diags.trim_end());
            let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
            Fail::new(
                Exit::Compile,
                format!("could not compile '{}'", names.join("', '")),
            )
        });
    }
    let Some(path) = paths.first() else {
        return Err(Fail::new(Exit::Input, "no program given"));
    };
    let name = path.display();
    let unreadable =
        |e: std::io::Error| Fail::new(Exit::Input, format!("cannot read '{name}': {e}"));
    let text = std::fs::read(path).map_err(unreadable)?;
    let text = String::from_utf8(text).map_err(|e| {
        let ok = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = ok.iter().filter(|&&b| b == b'\n').count() + 1;
        let col = ok.len() - ok.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1) + 1;
        Fail::new(
            Exit::Compile,
            format!("{name}:{line}:{col}: invalid UTF-8 (a .pir file is text)"),
        )
    })?;
    let module = pivm_ir::parse(&text, &path.to_string_lossy()).map_err(|e| {
        Fail::new(
            Exit::Compile,
            format!("{}:{}:{}: {}", e.file, e.line, e.col, e.message),
        )
    })?;
    if let Err(errs) = pivm_ir::verify(&module) {
        let n = errs.0.len();
        for e in &errs.0 {
            pivm::eprintln_ok!("pivm: error: {name}: {e}");
        }
        return Err(Fail::new(
            Exit::Compile,
            format!(
                "{name}: {n} verifier error{}",
                if n == 1 { "" } else { "s" }
            ),
        ));
    }
    Ok(module)
}

/// The streams of a run or resume, with its preopened directories.
fn io(opts: &RunOpts) -> Result<pivm::io::Io> {
    let mut dirs = pivm::fs::Dirs::none();
    for d in opts.preopens() {
        dirs.add(&d.host, &d.guest, d.read_only)
            .map_err(|e| Fail::new(Exit::Input, format!("--dir: {e}")))?;
    }
    Ok(pivm::io::Io::default().with_dirs(dirs))
}

/// A program can only start at a `@main` taking `()` or `(argc, argv)`:
/// without one it is a program error, not an engine failure.
fn check_main(module: &pivm_ir::Module, name: &str) -> Result<()> {
    let Some(main) = module.func_by_name("main") else {
        return Err(Fail::new(
            Exit::Compile,
            format!("{name}: the program has no function @main"),
        ));
    };
    let params: Vec<Type> = module.funcs[main].params().collect();
    match params.as_slice() {
        [] | [Type::I32, Type::Ptr] | [Type::I32, Type::I64] => Ok(()),
        _ => Err(Fail::new(
            Exit::Compile,
            format!("{name}: @main must take () or (i32, ptr) and return i32"),
        )),
    }
}

pub fn compile(a: CompileArgs) -> Result<u8> {
    let mut module = load(&a.inputs, &a.cc)?;
    if a.optimized {
        pivm_ir::optimize(&mut module);
    }
    let text = module.to_string();
    match a.output {
        // `-o -` is standard output, as for gcc.
        Some(o) if o.as_os_str() != "-" => std::fs::write(&o, text)
            .map_err(|e| Fail::new(Exit::Write, format!("cannot write '{}': {e}", o.display())))?,
        _ => to_stdout(&text)?,
    }
    Ok(0)
}

/// Writes `text` to standard output. A reader that went away (`pivm
/// inspect ... | head`) ends the output quietly; any other failure is a
/// write error, not a panic.
fn to_stdout(text: &str) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Fail::new(
            Exit::Write,
            format!("cannot write the output: {e}"),
        )),
    }
}

/// `text` with every control character but newline and tab shown as an
/// escape (`\x1b`), so strings from an untrusted snapshot cannot drive the
/// terminal.
fn printable(text: &str) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() && c != '\n' && c != '\t' {
            let _ = write!(out, "\\x{{{:02x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

pub fn run(a: RunArgs) -> Result<u8> {
    let opts = &a.opts;
    let (files, args) = a.split();
    // The first file names the program (argv[0], the snapshot's default
    // path).
    let first = files.first().cloned().unwrap_or_default();
    let what = first.to_string_lossy().into_owned();
    let t = std::time::Instant::now();
    let mut module = load(&files, &a.cc)?;
    check_main(&module, &what)?;
    // A fresh start runs the optimized module (and a snapshot embeds it);
    // a resume runs the module its snapshot embeds, as it is.
    pivm_ir::optimize(&mut module);
    let config = opts.config();
    let prog = Program::new(module, config.stack_size)
        .map_err(|e| Fail::new(Exit::Compile, format!("{what}: {e}")))?;
    // Data and stack that do not fit VM memory are the program's error
    // (like a link error), not pivm's.
    let needs = prog
        .mem
        .heap_start
        .saturating_add(pivm_ir::contract::MAX_ACCESS);
    if needs > config.reserve {
        return Err(Fail::new(
            Exit::Compile,
            format!(
                "{what}: its globals and stack need {needs} bytes, more than the {} bytes of VM memory",
                config.reserve
            ),
        ));
    }
    let mut rt = Runtime::new(Arc::new(prog), config, io(opts)?)
        .map_err(|e| Fail::new(Exit::Internal, e.to_string()))?;
    let load = t.elapsed();
    let (mut engine, compile) = build_engine(opts.engine, opts, &rt.prog, &what)?;
    if opts.stats.is_some() && opts.engine == EngineChoice::Jit {
        pivm::eprintln_ok!(
            "pivm: stats: load_ms={:.3} compile_ms={:.3}",
            snap::ms(load),
            snap::ms(compile)
        );
    }
    let path = opts
        .snapshot_path
        .clone()
        .unwrap_or_else(|| snap::default_path(&first));
    let mut argv = vec![what.clone()];
    argv.extend(args);
    let chain = opts.incremental.map(|k| Incremental::new(k, path.clone()));
    let run = Run {
        opts,
        path,
        what,
        lineage: Lineage::default(),
        chain: RefCell::new(chain),
    };
    run.drive(&mut rt, engine.as_mut(), Entry::Start { args: argv })
}

pub fn resume(mut a: ResumeArgs) -> Result<u8> {
    let opts = &a.opts;
    // Started by `pivm serve` while a migration still arrives: the members
    // so far are loaded now, and the chain to resume comes with "go".
    let mut preloaded = None;
    if let Some(standby) = pivm::serve::standby(&opts.config()) {
        let s = standby.map_err(|e| Fail::new(Exit::Input, e))?;
        for d in &s.dirs {
            let spec = super::args::dir_spec(d).map_err(|e| Fail::new(Exit::Input, e))?;
            a.opts.dirs.push(spec);
        }
        a.snapshot = s.path;
        preloaded = s.preloaded;
    }
    let opts = &a.opts;
    let what = a.snapshot.to_string_lossy().into_owned();
    let bad = |e: String| Fail::new(Exit::Input, format!("{what}: {e}"));
    let t = Instant::now();
    let chain = pivm_snapshot::Chain::open(&a.snapshot).map_err(|e| bad(e.to_string()))?;
    let module = pivm_snapshot::validate_file(chain.newest(), &pivm_snapshot::Limits::default())
        .map_err(|e| bad(e.to_string()))?;
    resume_validated(&a.snapshot, chain, module, preloaded, opts, t, &mut || {
        Ok(())
    })
}

/// Resumes the newest snapshot of `chain` (at `snapshot`), validated into
/// `module`, with the members `preloaded` already (`pivm serve`); `t` is
/// when loading began. `restored` runs once the snapshot is loaded, before
/// the program does.
pub(super) fn resume_validated(
    snapshot: &Path,
    chain: pivm_snapshot::Chain,
    module: pivm_ir::Module,
    preloaded: Option<snap::Preloaded>,
    opts: &RunOpts,
    t: Instant,
    restored: &mut dyn FnMut() -> Result<()>,
) -> Result<u8> {
    let what = snapshot.to_string_lossy().into_owned();
    let bad = |e: String| Fail::new(Exit::Input, format!("{what}: {e}"));
    let members_preloaded = preloaded.as_ref().map_or(0, |p| p.ids.len());
    let state = snap::restore(&chain, module, opts.config(), io(opts)?, preloaded)
        .map_err(|e| bad(e.message))?;
    restored()?;
    let load = t.elapsed();
    let restored_members = chain.members.len();
    let mut rt = state.runtime;
    let (mut engine, compile) = build_engine(opts.engine, opts, &rt.prog, &what)?;
    if opts.stats.is_some() {
        pivm::eprintln_ok!(
            "pivm: stats: load_ms={:.3} compile_ms={:.3}{}",
            snap::ms(load),
            snap::ms(compile),
            if members_preloaded > 0 {
                format!(" preloaded={members_preloaded}/{}", restored_members)
            } else {
                String::new()
            }
        );
    }
    let path = opts.snapshot_path.clone().unwrap_or_else(|| {
        snap::default_path(Path::new(
            rt.prog.module.source.as_deref().unwrap_or(what.as_str()),
        ))
    });
    let incremental = opts.incremental.map(|k| {
        let mut c = Incremental::new(k, path.clone());
        c.continue_chain(snapshot, &chain, &rt.mem);
        c
    });
    drop(chain);
    // A `pivm serve` that started this resume waits to hear it runs.
    pivm::serve::notify_running();
    let run = Run {
        opts,
        path,
        what,
        lineage: state.lineage,
        chain: RefCell::new(incremental),
    };
    run.drive(
        &mut rt,
        engine.as_mut(),
        Entry::Rewind {
            frames: state.frames,
        },
    )
}

pub fn snapshot(a: SnapshotArgs) -> Result<u8> {
    let pid = a.pid;
    let out = match a.output {
        Some(p) if p.is_relative() => Some(
            std::env::current_dir()
                .map_err(|e| {
                    Fail::new(
                        Exit::Internal,
                        format!("cannot find the current directory: {e}"),
                    )
                })?
                .join(p),
        ),
        p => p,
    };
    let t = Instant::now();
    match control::request_snapshot(pid, out.as_deref(), a.exit) {
        Ok(r) => {
            println!(
                "snapshot of process {pid} written to {} ({} bytes) in {:.1} ms",
                r.path.display(),
                r.bytes,
                snap::ms(t.elapsed())
            );
            Ok(0)
        }
        Err(e) => Err(Fail {
            code: e.exit_code(),
            message: e.to_string(),
        }),
    }
}

pub fn inspect(a: InspectArgs) -> Result<u8> {
    let path = &a.snapshot;
    let name = path.to_string_lossy();
    let bad = |e: String| Fail::new(Exit::Input, format!("{name}: {e}"));
    // Memory is checked section by section through one block buffer,
    // never held: a file cannot make inspect hold what it claims.
    let file = pivm_snapshot::SnapshotFile::open(path).map_err(|e| bad(e.to_string()))?;
    let header = pivm_snapshot::read_header(path).map_err(|e| bad(e.to_string()))?;
    let module = pivm_snapshot::validate_file(&file, &pivm_snapshot::Limits::default())
        .map_err(|e| bad(e.to_string()))?;
    file.load_clipped(&mut []).map_err(|e| bad(e.to_string()))?;
    let stored = file.memory_bytes();
    let snapshot = file.snapshot;
    let size = std::fs::metadata(path).map_or(0, |m| m.len());
    let (chain, broken) =
        pivm_snapshot::Chain::open_partial(path).map_err(|e| bad(e.to_string()))?;
    let chain = pivm::inspect::ChainView::new(&chain, broken.map(|e| e.to_string()));
    if a.json {
        // JSON escapes control characters itself.
        let mut text =
            pivm::inspect::json(&name, size, &header, &snapshot, stored, &module, &chain);
        text.push('\n');
        to_stdout(&text)?;
    } else {
        let text = pivm::inspect::text(&name, size, &header, &snapshot, stored, &module, &chain);
        to_stdout(&printable(&text))?;
    }
    match chain.error {
        // The chain cannot be resumed: say so in the status too.
        Some(e) => Err(bad(e)),
        None => Ok(0),
    }
}

pub fn compact(a: CompactArgs) -> Result<u8> {
    let name = a.snapshot.to_string_lossy();
    let bad = |e: String| Fail::new(Exit::Input, format!("{name}: {e}"));
    let chain = pivm_snapshot::Chain::open(&a.snapshot).map_err(|e| bad(e.to_string()))?;
    pivm_snapshot::validate_file(chain.newest(), &pivm_snapshot::Limits::default())
        .map_err(|e| bad(e.to_string()))?;
    let snap::Compacted {
        mut snapshot,
        image,
        extents,
    } = snap::compact(&chain).map_err(|e| bad(e.message))?;
    if let Some(c) = a.compress {
        snapshot.codec = c;
    }
    let mem_sections: Vec<pivm_snapshot::MemSection> = extents
        .iter()
        .map(|&(s, e)| pivm_snapshot::MemSection {
            start: s,
            bytes: &image[s as usize..e as usize],
        })
        .collect();
    let info = pivm_snapshot::write_atomic_sections(&a.output, &snapshot, &mem_sections, true)
        .map_err(|e| {
            Fail::new(
                Exit::Write,
                format!("cannot write {}: {e}", a.output.display()),
            )
        })?;
    println!(
        "{} members folded into {} ({} bytes)",
        chain.members.len(),
        a.output.display(),
        info.len
    );
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::printable;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(printable("a\tb\nc"), "a\tb\nc");
        assert_eq!(
            printable("x\u{1b}[2Jy\r\u{7f}"),
            "x\\x{1b}[2Jy\\x{0d}\\x{7f}"
        );
    }
}
