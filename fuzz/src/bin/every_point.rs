//! `pivm-every-point PROG...`: what the `pir` fuzz target checks of each
//! program (a C file compiled as `pivm run` would, or `.pir` text), with
//! a snapshot at every safepoint of its run instead of one, each resumed
//! on the other engine. Slow (a run per safepoint); a failure panics with
//! the first point that differs.

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let files: Vec<String> = std::env::args().skip(1).collect();
    if files.is_empty() {
        eprintln!("usage: pivm-every-point PROG...");
        return ExitCode::from(2);
    }
    for f in files {
        let module = if f.ends_with(".pir") {
            std::fs::read_to_string(&f)
                .map_err(|e| e.to_string())
                .and_then(|t| pivm_ir::parse(&t, &f).map_err(|e| format!("{e:?}")))
        } else {
            pivm_cc::compile_file(Path::new(&f))
        };
        match module.map(pivm_fuzz::pir::every_point) {
            Ok(true) => println!("{f}: every point resumes alike"),
            Ok(false) => println!("{f}: not a program the target runs"),
            Err(e) => {
                eprintln!("{f}: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
