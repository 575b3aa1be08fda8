//! The network commands: `serve` (receive programs and run them),
//! `migrate` (move a running program) and `snapshot --to` (copy one). The
//! protocol is `pivm::migrate`'s; the receiver is `pivm::serve`.

use super::args::{MigrateArgs, ServeArgs, SnapshotArgs};
use super::exit::{Exit, Fail, Result};
use pivm::control;
use pivm::migrate::{Mode, Token};
use std::io::IsTerminal;
use std::path::Path;

fn token(path: &Path) -> Result<Token> {
    Token::load(path).map_err(|e| Fail::new(Exit::Input, e))
}

pub fn serve(a: ServeArgs) -> Result<u8> {
    let opts = pivm::serve::ServeOptions {
        listen: a.listen,
        token: token(&a.token_file)?,
        once: a.once,
        engine: match a.engine {
            super::args::EngineChoice::Jit => "jit".into(),
            super::args::EngineChoice::Interp => "interp".into(),
        },
        dir: a.dir,
        stats: a.stats,
        limits: Default::default(),
    };
    pivm::serve::serve(opts).map_err(|e| Fail::new(Exit::Input, format!("serve: {e}")))
}

pub fn migrate(a: MigrateArgs) -> Result<u8> {
    send(
        a.pid,
        &a.to,
        &a.token_file,
        Mode::Move,
        a.with_files,
        a.stats,
    )
}

pub fn duplicate(a: SnapshotArgs) -> Result<u8> {
    let to = a.to.as_deref().unwrap_or_default();
    let token_file = a.token_file.as_deref().unwrap_or(Path::new(""));
    send(a.pid, to, token_file, Mode::Copy, a.with_files, true)
}

/// Asks process `pid` to send its program to `to`, shows progress on a
/// terminal, and reports the outcome.
fn send(
    pid: u32,
    to: &str,
    token_file: &Path,
    mode: Mode,
    with_files: bool,
    stats: bool,
) -> Result<u8> {
    let token = token(token_file)?;
    let tty = std::io::stderr().is_terminal();
    let t = std::time::Instant::now();
    let progress = |line: &str| {
        if let Some(p) = line.strip_prefix("progress ") {
            if tty {
                pivm::eprint_ok!("\rpivm: sending: {p}    ");
            } else if stats {
                pivm::eprintln_ok!(
                    "pivm: stats: {p} at_ms={:.0}",
                    t.elapsed().as_secs_f64() * 1000.0
                );
            }
        }
    };
    let r = control::request_migration(pid, to, &token, mode, with_files, progress);
    if tty {
        pivm::eprintln_ok!();
    }
    match r {
        Ok(summary) => {
            let what = match mode {
                Mode::Move => "moved",
                Mode::Copy => "copied",
            };
            println!("process {pid} {what} to {to}");
            if stats {
                pivm::eprintln_ok!("pivm: stats: {summary}");
            }
            Ok(0)
        }
        Err(e) => Err(Fail {
            code: e.exit_code(),
            message: e
                .to_string()
                .replacen("snapshot failed", "migration failed", 1),
        }),
    }
}
