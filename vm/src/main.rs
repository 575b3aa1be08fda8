//! The `pivm` command line: `run`, `resume`, `snapshot`, `inspect` and
//! `compile`. It turns every failure into a `pivm: error: ...` line and a
//! distinct exit code (usage 64, compile/parse/verify 65, unreadable input
//! or bad snapshot 66, internal 70, a trap its `TrapKind::exit_code`, 85
//! after a snapshot taken to exit), and never panics on any input.
//!
//! `drive` runs a program on an engine and serves its snapshots: each
//! `Outcome::Snapshot` is written (in a forked child unless the run exits
//! after it) and the engine rewinds at once from the frames it captured.

use anyhow::{anyhow, bail, Context};
use pivm::control;
use pivm::snapshot::{self as snap, Background, Job, Lineage, Written};
use pivm::{Config, Engine, Entry, Interpreter, Outcome, Program, Runtime};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

const EXIT_USAGE: u8 = 64;
const EXIT_COMPILE: u8 = 65;
const EXIT_INPUT: u8 = 66;
const EXIT_INTERNAL: u8 = 70;
/// A snapshot was taken and the program stopped (HTCondor's convention).
const EXIT_SNAPSHOT: u8 = 85;

const USAGE: &str = "usage:
  pivm compile PROG.c [-o OUT.pir]
  pivm run PROG.pir|PROG.c [--engine jit|interp] [SNAPSHOT OPTIONS] [RUN OPTIONS] [-- ARGS...]
  pivm resume SNAP.msgpack [--engine jit|interp] [SNAPSHOT OPTIONS] [RUN OPTIONS]
  pivm snapshot --at-next-safepoint --pid PID [-o PATH] [--exit]
  pivm inspect SNAP.msgpack [--json]

  --engine jit (the default) compiles to native code; interp interprets
snapshot options:
  --snapshot-path PATH     where snapshots go (default: PROG.msgpack here)
  --snapshot-after N       at the N-th safepoint reached (deterministic)
  --snapshot-every DUR     every DUR (500ms, 2s, 1m), continuing after each
  --snapshot-on SIGNAL     on USR1, USR2, HUP (continue) or TERM, INT (exit 85)
  --exit-after-snapshot    exit with code 85 after the snapshot
run options:
  --max-depth N            call depth limit (a deeper call traps)
  --stack-size BYTES       shadow stack size
  --stats                  print timings and counts (counts every safepoint)
  --stats=nocount          print timings without counting every safepoint
  --no-safepoints          for measurement only: the jit compiles without
                           polls, so no snapshot can be taken
exit codes: the program's own; 85 after a snapshot taken to exit; 64 usage;
  65 compile error; 66 unreadable input or bad snapshot; 70 internal error;
  134 abort, 136 division by zero, 132 unreachable, 139 memory fault or stack
  overflow (the signal a native build would die of, plus 128)";

/// A failure with the exit code it gives; its message is already printed
/// when `printed` is set.
#[derive(Debug)]
struct Fail {
    code: u8,
    message: String,
}

fn fail(code: u8, message: impl Into<String>) -> anyhow::Error {
    anyhow!(Fail {
        code,
        message: message.into()
    })
}

impl std::fmt::Display for Fail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Fail {}

fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        eprintln!("pivm: error: internal error: {info}");
    }));
    let args: Vec<String> = std::env::args().skip(1).collect();
    match std::panic::catch_unwind(|| run_cli(&args)) {
        Ok(Ok(code)) => ExitCode::from(code),
        Ok(Err(e)) => {
            let code = match e.downcast_ref::<Fail>() {
                Some(f) => f.code,
                None => EXIT_INTERNAL,
            };
            if !e.to_string().is_empty() {
                eprintln!("pivm: error: {e:#}");
            }
            ExitCode::from(code)
        }
        Err(_) => ExitCode::from(EXIT_INTERNAL),
    }
}

fn run_cli(args: &[String]) -> anyhow::Result<u8> {
    match args.first().map(String::as_str) {
        Some("run") => cmd_run(&args[1..]),
        Some("compile") => cmd_compile(&args[1..]),
        Some("resume") => cmd_resume(&args[1..]),
        Some("snapshot") => cmd_snapshot(&args[1..]),
        Some("inspect") => cmd_inspect(&args[1..]),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            Ok(0)
        }
        Some(other) => Err(fail(
            EXIT_USAGE,
            format!("unknown command '{other}'\n{USAGE}"),
        )),
        None => Err(fail(EXIT_USAGE, format!("no command given\n{USAGE}"))),
    }
}

fn number<T: std::str::FromStr>(flag: &str, v: Option<&String>) -> anyhow::Result<T> {
    let v = v.ok_or_else(|| fail(EXIT_USAGE, format!("{flag} needs a value")))?;
    v.parse()
        .map_err(|_| fail(EXIT_USAGE, format!("{flag}: '{v}' is not a valid number")))
}

/// Loads a `.pir` (parse + verify) or `.c` (compile) program.
fn load(path: &str) -> anyhow::Result<pivm_ir::Module> {
    if path.ends_with(".c") {
        if let Err(e) = std::fs::metadata(path) {
            bail!(fail(EXIT_INPUT, format!("cannot read '{path}': {e}")));
        }
        return pivm_cc::compile_file(Path::new(path)).map_err(|diags| {
            eprintln!("{}", diags.trim_end());
            fail(EXIT_COMPILE, format!("could not compile '{path}'"))
        });
    }
    let text =
        std::fs::read(path).map_err(|e| fail(EXIT_INPUT, format!("cannot read '{path}': {e}")))?;
    let text = String::from_utf8(text).map_err(|e| {
        let ok = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = ok.iter().filter(|&&b| b == b'\n').count() + 1;
        let col = ok.len() - ok.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1) + 1;
        fail(
            EXIT_COMPILE,
            format!("{path}:{line}:{col}: invalid UTF-8 (a .pir file is text)"),
        )
    })?;
    let module = pivm_ir::parse(&text, path).map_err(|e| {
        fail(
            EXIT_COMPILE,
            format!("{}:{}:{}: {}", e.file, e.line, e.col, e.message),
        )
    })?;
    if let Err(errs) = pivm_ir::verify(&module) {
        let n = errs.0.len();
        for e in &errs.0 {
            eprintln!("pivm: error: {path}: {e}");
        }
        bail!(fail(
            EXIT_COMPILE,
            format!(
                "{path}: {n} verifier error{}",
                if n == 1 { "" } else { "s" }
            )
        ));
    }
    Ok(module)
}

fn cmd_compile(args: &[String]) -> anyhow::Result<u8> {
    let mut input = None;
    let mut output = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "-o" => {
                output = Some(
                    it.next()
                        .ok_or_else(|| fail(EXIT_USAGE, "-o needs a file name"))?,
                )
            }
            s if s.starts_with('-') && s.len() > 1 => {
                bail!(fail(EXIT_USAGE, format!("unknown option '{s}'\n{USAGE}")))
            }
            _ if input.is_none() => input = Some(a),
            _ => bail!(fail(EXIT_USAGE, format!("unexpected argument '{a}'"))),
        }
    }
    let input = input.ok_or_else(|| fail(EXIT_USAGE, format!("no input file\n{USAGE}")))?;
    let module = load(input)?;
    let text = module.to_string();
    match output {
        Some(o) => std::fs::write(o, text).with_context(|| format!("cannot write '{o}'"))?,
        None => print!("{text}"),
    }
    Ok(0)
}

/// Options of `run` and `resume` besides the program.
struct RunOpts {
    engine: String,
    no_safepoints: bool,
    config: Config,
    path: Option<PathBuf>,
    every: Option<Duration>,
    signals: Vec<(i32, bool)>,
    exit: bool,
    stats: bool,
}

impl RunOpts {
    fn new() -> RunOpts {
        RunOpts {
            engine: "jit".into(),
            no_safepoints: false,
            config: Config::default(),
            path: None,
            every: None,
            signals: Vec::new(),
            exit: false,
            stats: false,
        }
    }

    /// Parses the option at `args[*i]` if it is one of these, advancing
    /// `i` past its value; `Ok(false)` if it is not.
    fn parse(&mut self, args: &[String], i: &mut usize) -> anyhow::Result<bool> {
        let a = args[*i].as_str();
        let mut value = || -> anyhow::Result<&String> {
            *i += 1;
            args.get(*i)
                .ok_or_else(|| fail(EXIT_USAGE, format!("{a} needs a value")))
        };
        match a {
            "--engine" => self.engine = value()?.clone(),
            "--no-safepoints" => self.no_safepoints = true,
            "--snapshot-path" => self.path = Some(PathBuf::from(value()?)),
            "--snapshot-after" => {
                let n: u64 = number(a, Some(value()?))?;
                if n == 0 {
                    bail!(fail(EXIT_USAGE, "--snapshot-after must be at least 1"));
                }
                self.config.snapshot_after = Some(n);
            }
            "--snapshot-every" => {
                let v = value()?;
                self.every = Some(control::parse_duration(v).ok_or_else(|| {
                    fail(
                        EXIT_USAGE,
                        format!("--snapshot-every: '{v}' is not a duration (like 500ms, 2s, 1m)"),
                    )
                })?);
            }
            "--snapshot-on" => {
                let v = value()?;
                let sig = control::parse_signal(&v.to_ascii_uppercase()).ok_or_else(|| {
                    fail(
                        EXIT_USAGE,
                        format!("--snapshot-on: unknown signal '{v}' (expected USR1, USR2, HUP, TERM or INT)"),
                    )
                })?;
                self.signals.push(sig);
            }
            "--exit-after-snapshot" => self.exit = true,
            "--stats" => {
                self.stats = true;
                self.config.count_safepoints = true;
            }
            // Stats without counting every safepoint: polls stay on their
            // fast path, so timings and request latencies are those of a
            // normal run (`safepoints=` then counts only served requests).
            "--stats=nocount" => self.stats = true,
            "--max-depth" => self.config.max_depth = number(a, Some(value()?))?,
            "--stack-size" => self.config.stack_size = number(a, Some(value()?))?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn engine(&self) -> anyhow::Result<(Box<dyn Engine>, pivm_snapshot::Engine)> {
        if self.no_safepoints {
            let snapshots = self.config.snapshot_after.is_some()
                || self.path.is_some()
                || self.every.is_some()
                || !self.signals.is_empty()
                || self.exit;
            if snapshots {
                bail!(fail(
                    EXIT_USAGE,
                    "--no-safepoints cannot be combined with snapshot options: without polls no snapshot can be taken"
                ));
            }
            if self.engine != "jit" {
                bail!(fail(
                    EXIT_USAGE,
                    "--no-safepoints applies to --engine jit only"
                ));
            }
        }
        Ok(match self.engine.as_str() {
            "interp" => (Box::new(Interpreter::new()), pivm_snapshot::Engine::Interp),
            "jit" => (
                Box::new(pivm::JitEngine::with_options(pivm_jit::Options {
                    safepoints: !self.no_safepoints,
                })),
                pivm_snapshot::Engine::Jit,
            ),
            other => bail!(fail(
                EXIT_USAGE,
                format!("unknown engine '{other}' (expected interp or jit)")
            )),
        })
    }
}

fn cmd_run(args: &[String]) -> anyhow::Result<u8> {
    let mut input = None;
    let mut opts = RunOpts::new();
    let mut prog_args = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        if a == "--" {
            prog_args.extend(args[i + 1..].iter().cloned());
            break;
        }
        if !opts.parse(args, &mut i)? {
            match a.as_str() {
                s if s.starts_with('-') && s.len() > 1 => {
                    bail!(fail(EXIT_USAGE, format!("unknown option '{s}'\n{USAGE}")))
                }
                _ if input.is_none() => input = Some(a.clone()),
                _ => prog_args.push(a.clone()),
            }
        }
        i += 1;
    }
    let input = input.ok_or_else(|| fail(EXIT_USAGE, format!("no program given\n{USAGE}")))?;
    let (mut engine, kind) = opts.engine()?;
    let module = load(&input)?;
    let prog = Program::new(module, opts.config.stack_size)
        .map_err(|e| fail(EXIT_COMPILE, format!("{input}: {e}")))?;
    let mut rt = Runtime::new(Arc::new(prog), opts.config.clone(), pivm::io::Io::default())
        .map_err(|e| fail(EXIT_INTERNAL, e.to_string()))?;
    if kind == pivm_snapshot::Engine::Jit {
        // Compile before the run so the compile time is its own figure.
        let mut jit = pivm::JitEngine::with_options(pivm_jit::Options {
            safepoints: !opts.no_safepoints,
        });
        let d = jit
            .prepare(&rt.prog)
            .map_err(|e| fail(EXIT_COMPILE, format!("{input}: {e}")))?;
        engine = Box::new(jit);
        if opts.stats {
            eprintln!("pivm: stats: compile_ms={:.3}", snap::ms(d));
        }
    }
    let mut argv = vec![input.clone()];
    argv.extend(prog_args);
    let path = opts
        .path
        .clone()
        .unwrap_or_else(|| snap::default_path(Path::new(&input)));
    let run = Run {
        opts: &opts,
        kind,
        path,
        what: input,
        lineage: Lineage::default(),
    };
    run.drive(&mut rt, engine.as_mut(), Entry::Start { args: argv })
}

fn cmd_resume(args: &[String]) -> anyhow::Result<u8> {
    let mut input = None;
    let mut opts = RunOpts::new();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        if !opts.parse(args, &mut i)? {
            match a.as_str() {
                s if s.starts_with('-') && s.len() > 1 => {
                    bail!(fail(EXIT_USAGE, format!("unknown option '{s}'\n{USAGE}")))
                }
                _ if input.is_none() => input = Some(a.clone()),
                _ => bail!(fail(EXIT_USAGE, format!("unexpected argument '{a}'"))),
            }
        }
        i += 1;
    }
    let input = input.ok_or_else(|| fail(EXIT_USAGE, format!("no snapshot given\n{USAGE}")))?;
    let (mut engine, kind) = opts.engine()?;
    let t = Instant::now();
    let bad = |e: String| fail(EXIT_INPUT, format!("{input}: {e}"));
    let snapshot = pivm_snapshot::read(Path::new(&input)).map_err(|e| bad(e.to_string()))?;
    let module = pivm_snapshot::validate(&snapshot).map_err(|e| bad(e.to_string()))?;
    let restored = snap::restore(
        &snapshot,
        module,
        opts.config.clone(),
        pivm::io::Io::default(),
    )
    .map_err(|e| bad(e.message))?;
    let load = t.elapsed();
    let mut rt = restored.runtime;
    let compile = match kind {
        pivm_snapshot::Engine::Jit => {
            let mut jit = pivm::JitEngine::with_options(pivm_jit::Options {
                safepoints: !opts.no_safepoints,
            });
            let d = jit
                .prepare(&rt.prog)
                .map_err(|e| fail(EXIT_COMPILE, format!("{input}: {e}")))?;
            engine = Box::new(jit);
            d
        }
        pivm_snapshot::Engine::Interp => Duration::ZERO,
    };
    if opts.stats {
        eprintln!(
            "pivm: stats: load_ms={:.3} compile_ms={:.3}",
            snap::ms(load),
            snap::ms(compile)
        );
    }
    let path = opts.path.clone().unwrap_or_else(|| {
        snap::default_path(Path::new(
            rt.prog.module.source.as_deref().unwrap_or(input.as_str()),
        ))
    });
    let run = Run {
        opts: &opts,
        kind,
        path,
        what: input.clone(),
        lineage: restored.lineage,
    };
    run.drive(
        &mut rt,
        engine.as_mut(),
        Entry::Rewind {
            frames: restored.frames,
        },
    )
}

/// One run or resume of a program and how its snapshots are taken.
struct Run<'a> {
    opts: &'a RunOpts,
    kind: pivm_snapshot::Engine,
    /// The default snapshot path.
    path: PathBuf,
    /// The program or snapshot, for messages.
    what: String,
    lineage: Lineage,
}

impl Run<'_> {
    /// Starts the request sources, runs the program and serves its
    /// snapshots until it exits; cleans up (socket, writer) at the end.
    fn drive(&self, rt: &mut Runtime, engine: &mut dyn Engine, entry: Entry) -> anyhow::Result<u8> {
        if let Some(every) = self.opts.every {
            control::start_timer(rt.poll.clone(), every)
                .map_err(|e| fail(EXIT_INTERNAL, format!("cannot start the timer: {e}")))?;
        }
        control::watch_signals(rt.poll.clone(), &self.opts.signals)
            .map_err(|e| fail(EXIT_INTERNAL, format!("cannot watch signals: {e}")))?;
        let socket = match control::listen(rt.poll.clone()) {
            Ok(s) => Some(s),
            Err(e) => {
                eprintln!("pivm: warning: no control socket ({e}): pivm snapshot --pid will not reach this run");
                None
            }
        };
        let result = self.serve(rt, engine, entry);
        snap::refuse(
            rt.poll.take(),
            "the program ended before reaching a safepoint",
        );
        if let Some(s) = socket {
            s.remove();
        }
        if self.opts.stats {
            eprintln!("pivm: stats: safepoints={}", rt.safepoints_reached);
        }
        result
    }

    fn serve(
        &self,
        rt: &mut Runtime,
        engine: &mut dyn Engine,
        mut entry: Entry,
    ) -> anyhow::Result<u8> {
        let mut program: Option<pivm_snapshot::Program> = None;
        let mut pending: Option<(Background, Duration)> = None;
        let mut taken = 0u64;
        let nofork = std::env::var_os("PIVM_SNAPSHOT_NOFORK").is_some_and(|v| v != "0");
        let finish_pending = |pending: &mut Option<(Background, Duration)>| -> anyhow::Result<()> {
            if let Some((bg, pause)) = pending.take() {
                let mut w = bg.finish();
                w.pause = pause;
                self.report(&w)?;
            }
            Ok(())
        };
        // When the last snapshot was taken, until the program runs again.
        let mut paused: Option<Instant> = None;
        loop {
            if let (Some(at), Some((_, pause))) = (paused.take(), pending.as_mut()) {
                *pause = at.elapsed();
            }
            let out = engine
                .run(rt, entry)
                .map_err(|e| fail(EXIT_COMPILE, format!("{}: {e}", self.what)));
            let out = match out {
                Ok(o) => o,
                Err(e) => {
                    finish_pending(&mut pending)?;
                    return Err(e);
                }
            };
            let frames = match out {
                Outcome::Exit(_) | Outcome::Trap(_) => {
                    finish_pending(&mut pending)?;
                    if let Outcome::Trap(ref t) = out {
                        eprintln!("pivm: trap: {t}");
                    }
                    return Ok(out.exit_code() as u8);
                }
                Outcome::Snapshot(frames) => frames,
            };
            let at = rt.served_at.take().unwrap_or_else(Instant::now);
            let served = std::mem::take(&mut rt.served);
            finish_pending(&mut pending)?;
            taken += 1;
            let exit = self.opts.exit || served.iter().any(|r| r.exit);
            let latency = served
                .iter()
                .map(|r| at.saturating_duration_since(r.at))
                .max()
                .unwrap_or_default();
            let mut targets: Vec<(PathBuf, Vec<pivm::poll::Request>)> = Vec::new();
            if served.is_empty() {
                targets.push((self.path.clone(), Vec::new()));
            }
            for r in served {
                let p = r.path.clone().unwrap_or_else(|| self.path.clone());
                match targets.iter_mut().find(|t| t.0 == p) {
                    Some(t) => t.1.push(r),
                    None => targets.push((p, vec![r])),
                }
            }
            let job = Job {
                targets,
                at,
                latency,
                seq: taken,
            };
            rt.io.flush();
            let program =
                program.get_or_insert_with(|| pivm_snapshot::Program::from_module(&rt.prog.module));
            let build = || snap::body_of(rt, &frames, self.kind, &self.lineage, program, taken - 1);
            if exit || nofork {
                let w = snap::write_sync(job, build);
                self.report(&w)?;
                if exit {
                    return Ok(EXIT_SNAPSHOT);
                }
            } else {
                match snap::write_forked(job, build) {
                    Ok(bg) => pending = Some((bg, Duration::ZERO)),
                    Err((job, why)) => {
                        eprintln!("pivm: warning: cannot fork the snapshot writer ({why}): writing in-process");
                        let build = || {
                            snap::body_of(rt, &frames, self.kind, &self.lineage, program, taken - 1)
                        };
                        self.report(&snap::write_sync(job, build))?;
                    }
                }
                paused = Some(at);
            }
            entry = Entry::Rewind { frames };
        }
    }

    /// Prints the stats line of a finished snapshot; a failed write is an error.
    fn report(&self, w: &Written) -> anyhow::Result<()> {
        if self.opts.stats {
            eprintln!("{}", w.stats_line());
        }
        match &w.result {
            Ok(_) => Ok(()),
            Err(e) => Err(fail(
                EXIT_INTERNAL,
                format!(
                    "cannot write the snapshot to {}: {e}",
                    w.paths
                        .iter()
                        .map(|p| p.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
        }
    }
}

fn cmd_snapshot(args: &[String]) -> anyhow::Result<u8> {
    let mut pid = None;
    let mut out = None;
    let mut exit = false;
    let mut at_next = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--at-next-safepoint" => at_next = true,
            "--pid" => pid = Some(number::<u32>("--pid", it.next())?),
            "-o" => {
                out = Some(PathBuf::from(
                    it.next()
                        .ok_or_else(|| fail(EXIT_USAGE, "-o needs a file name"))?,
                ))
            }
            "--exit" => exit = true,
            _ => bail!(fail(
                EXIT_USAGE,
                format!("unexpected argument '{a}'\n{USAGE}")
            )),
        }
    }
    if !at_next {
        bail!(fail(
            EXIT_USAGE,
            "pivm snapshot needs --at-next-safepoint (the only mode there is)"
        ));
    }
    let pid = pid.ok_or_else(|| fail(EXIT_USAGE, format!("--pid PID is required\n{USAGE}")))?;
    let out = match out {
        Some(p) if p.is_relative() => Some(
            std::env::current_dir()
                .context("cannot find the current directory")?
                .join(p),
        ),
        p => p,
    };
    let t = Instant::now();
    match control::request_snapshot(pid, out.as_deref(), exit) {
        Ok(r) => {
            println!(
                "snapshot of process {pid} written to {} ({} bytes) in {:.1} ms",
                r.path.display(),
                r.bytes,
                snap::ms(t.elapsed())
            );
            Ok(0)
        }
        Err(e) => Err(fail(e.exit_code(), e.to_string())),
    }
}

fn cmd_inspect(args: &[String]) -> anyhow::Result<u8> {
    let mut input = None;
    let mut json = false;
    for a in args {
        match a.as_str() {
            "--json" => json = true,
            s if s.starts_with('-') && s.len() > 1 => {
                bail!(fail(EXIT_USAGE, format!("unknown option '{s}'\n{USAGE}")))
            }
            _ if input.is_none() => input = Some(a.clone()),
            _ => bail!(fail(EXIT_USAGE, format!("unexpected argument '{a}'"))),
        }
    }
    let input = input.ok_or_else(|| fail(EXIT_USAGE, format!("no snapshot given\n{USAGE}")))?;
    let bad = |e: String| fail(EXIT_INPUT, format!("{input}: {e}"));
    let path = Path::new(&input);
    let snapshot = pivm_snapshot::read(path).map_err(|e| bad(e.to_string()))?;
    let header = pivm_snapshot::read_header(path).map_err(|e| bad(e.to_string()))?;
    let module = pivm_snapshot::validate(&snapshot).map_err(|e| bad(e.to_string()))?;
    let size = std::fs::metadata(path).map_or(0, |m| m.len());
    if json {
        println!(
            "{}",
            pivm::inspect::json(&input, size, &header, &snapshot, &module)
        );
    } else {
        print!(
            "{}",
            pivm::inspect::text(&input, size, &header, &snapshot, &module)
        );
    }
    Ok(0)
}
