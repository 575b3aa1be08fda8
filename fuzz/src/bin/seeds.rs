//! `pivm-fuzz-seeds OUT [REPO]`: writes the seed corpus of every fuzz
//! target into `OUT/TARGET/`, from the examples and tests of the
//! repository at `REPO` (default: the one this was built from).

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let Some(out) = args.next().map(PathBuf::from) else {
        eprintln!("usage: pivm-fuzz-seeds OUT [REPO]");
        return ExitCode::from(2);
    };
    let repo = args.next().map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".."),
        PathBuf::from,
    );
    match pivm_fuzz::seeds::write_all(&repo, &out) {
        Ok(counts) => {
            for (target, n) in counts {
                println!("{target}: {n} seeds in {}", out.join(target).display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("pivm-fuzz-seeds: {e}");
            ExitCode::FAILURE
        }
    }
}
