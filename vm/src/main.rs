//! The `pivm` command line: `run`, `resume`, `snapshot`, `inspect` and
//! `compile` (see `cli`). It turns every failure into a `pivm: error: ...`
//! line and a distinct exit status (`cli::exit`), and never panics on any
//! input: a panic is reported as an internal error.

mod cli;

use cli::exit::Exit;
use std::process::ExitCode;

fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        pivm::eprintln_ok!("pivm: error: internal error: {info}");
    }));
    // Silences that hook in forked snapshot writers (fork safety).
    pivm::snapshot::install_panic_hook();
    match std::panic::catch_unwind(|| cli::execute(cli::parse())) {
        Ok(Ok(code)) => ExitCode::from(code),
        Ok(Err(fail)) => {
            pivm::eprintln_ok!("pivm: error: {fail}");
            ExitCode::from(fail.code)
        }
        Err(_) => ExitCode::from(Exit::Internal.code()),
    }
}
