//! The `pivm` command line: `pivm run` and `pivm compile`. It turns every
//! failure into a `pivm: error: ...` line and a distinct exit code (usage
//! 64, compile/parse/verify 65, unreadable input 66, internal 70, a trap
//! its `TrapKind::exit_code`), and never panics on any input.

use anyhow::{anyhow, bail, Context};
use pivm::{Config, Engine, Entry, Interpreter, Outcome, Program, Runtime};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

const EXIT_USAGE: u8 = 64;
const EXIT_COMPILE: u8 = 65;
const EXIT_INPUT: u8 = 66;
const EXIT_INTERNAL: u8 = 70;

const USAGE: &str = "usage:
  pivm run PROG.pir|PROG.c [--engine jit|interp] [--snapshot-after N]
           [--max-depth N] [--stack-size BYTES] [--no-safepoints] [-- ARGS...]
  --engine jit (the default) compiles to native code; interp interprets.
  --no-safepoints: for measurement only: the jit compiles without polls,
           so no snapshot can be taken (not with snapshot options)
  pivm compile PROG.c [-o OUT.pir]";

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

fn cmd_run(args: &[String]) -> anyhow::Result<u8> {
    let mut input = None;
    let mut engine = "jit".to_string();
    let mut no_safepoints = false;
    let mut config = Config::default();
    let mut prog_args = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        match a.as_str() {
            "--" => {
                prog_args.extend(args[i + 1..].iter().cloned());
                break;
            }
            "--engine" => {
                i += 1;
                engine = args
                    .get(i)
                    .ok_or_else(|| fail(EXIT_USAGE, "--engine needs a value"))?
                    .clone();
            }
            "--snapshot-after" => {
                i += 1;
                let n: u64 = number(a, args.get(i))?;
                if n == 0 {
                    bail!(fail(EXIT_USAGE, "--snapshot-after must be at least 1"));
                }
                config.snapshot_after = Some(n);
            }
            "--no-safepoints" => no_safepoints = true,
            "--max-depth" => {
                i += 1;
                config.max_depth = number(a, args.get(i))?;
            }
            "--stack-size" => {
                i += 1;
                config.stack_size = number(a, args.get(i))?;
            }
            s if s.starts_with('-') && s.len() > 1 => {
                bail!(fail(EXIT_USAGE, format!("unknown option '{s}'\n{USAGE}")))
            }
            _ if input.is_none() => input = Some(a.clone()),
            _ => prog_args.push(a.clone()),
        }
        i += 1;
    }
    let input = input.ok_or_else(|| fail(EXIT_USAGE, format!("no program given\n{USAGE}")))?;
    if no_safepoints && config.snapshot_after.is_some() {
        bail!(fail(
            EXIT_USAGE,
            "--no-safepoints cannot be combined with snapshot options: without polls no snapshot can be taken"
        ));
    }
    if no_safepoints && engine != "jit" {
        bail!(fail(
            EXIT_USAGE,
            "--no-safepoints applies to --engine jit only"
        ));
    }
    let mut engine: Box<dyn Engine> = match engine.as_str() {
        "interp" => Box::new(Interpreter::new()),
        "jit" => Box::new(pivm::JitEngine::with_options(pivm_jit::Options {
            safepoints: !no_safepoints,
        })),
        other => bail!(fail(
            EXIT_USAGE,
            format!("unknown engine '{other}' (expected interp or jit)")
        )),
    };
    let module = load(&input)?;
    let prog = Program::new(module, config.stack_size)
        .map_err(|e| fail(EXIT_COMPILE, format!("{input}: {e}")))?;
    let mut rt = Runtime::new(Arc::new(prog), config, pivm::io::Io::default())
        .map_err(|e| fail(EXIT_INTERNAL, e.to_string()))?;
    let mut argv = vec![input.clone()];
    argv.extend(prog_args);
    let mut entry = Entry::Start { args: argv };
    loop {
        let out = engine
            .run(&mut rt, entry)
            .map_err(|e| fail(EXIT_COMPILE, format!("{input}: {e}")))?;
        match out {
            Outcome::Exit(_) => return Ok(out.exit_code() as u8),
            Outcome::Trap(ref t) => {
                eprintln!("pivm: trap: {t}");
                return Ok(out.exit_code() as u8);
            }
            // No snapshot file yet: continue at once from the frames just
            // captured, as the protocol does after writing one.
            Outcome::Snapshot(frames) => entry = Entry::Rewind { frames },
        }
    }
}
