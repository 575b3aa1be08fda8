//! The `pivm` command line: `args` defines it (clap), `commands` carries
//! out `compile`, `run`, `resume`, `snapshot` and `inspect`, `run` is the
//! loop that runs a program and serves its snapshots, and `exit` is the
//! table of exit statuses; `batch` is `run --checkpoint-dir`.

pub mod args;
pub mod batch;
pub mod commands;
pub mod exit;
pub mod net;
pub mod run;

use args::{Cli, Command, EngineChoice};
use clap::{CommandFactory, Parser};
use exit::Result;

/// Parses the command line; usage errors and `--help` exit here (status
/// 2 and 0), with clap's messages.
pub fn parse() -> Cli {
    let cli = Cli::parse();
    if let Err(e) = check(&cli) {
        e.exit();
    }
    cli
}

/// The checks clap's attributes cannot express.
fn check(cli: &Cli) -> std::result::Result<(), clap::Error> {
    let (name, opts) = match &cli.command {
        Command::Run(a) => ("run", &a.opts),
        Command::Resume(a) => ("resume", &a.opts),
        _ => return Ok(()),
    };
    let jit_only = [
        (opts.no_safepoints, "--no-safepoints"),
        (opts.profile.is_some(), "--profile"),
    ];
    if let Some((_, flag)) = jit_only
        .iter()
        .find(|(set, _)| *set && opts.engine != EngineChoice::Jit)
    {
        let mut cmd = Cli::command();
        cmd.build();
        let sub = cmd
            .find_subcommand_mut(name)
            .expect("run and resume are subcommands");
        return Err(sub.error(
            clap::error::ErrorKind::ArgumentConflict,
            format!("{flag} applies to --engine jit only"),
        ));
    }
    Ok(())
}

/// Carries out a parsed command line; returns the exit status.
pub fn execute(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Compile(a) => commands::compile(a),
        Command::Run(a) => match a.batch.checkpoint_dir.clone() {
            Some(dir) => batch::run(a, dir),
            None => commands::run(a),
        },
        Command::Resume(a) => commands::resume(a),
        Command::Snapshot(a) if a.to.is_some() => net::duplicate(a),
        Command::Snapshot(a) => commands::snapshot(a),
        Command::Serve(a) => net::serve(a),
        Command::Migrate(a) => net::migrate(a),
        Command::Inspect(a) => commands::inspect(a),
        Command::Compact(a) => commands::compact(a),
    }
}
