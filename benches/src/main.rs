//! pivm-bench: whole-program benchmarks, measured side by side in one run.
//!
//! Every figure compares variants of the same program run alternately
//! (gcc -O2, pivm JIT, JIT without polls, interpreter, wasmtime) so machine
//! drift hits all of them alike; each figure is the median of several runs
//! with min–max, and ratios are computed pair by pair. It also reproduces
//! the tables of the papers pivm descends from (Process Introspection,
//! psncC/R, ghost processes) and measures snapshot pause, size and resume.
//!
//! `pivm-bench --quick` runs tiny sizes (CI runs it so the driver never
//! rots); the full run writes benches/RESULTS.md and benches/ratios.svg.

mod report;
mod run;

use clap::Parser;
use run::{Runner, Variant};
use std::path::PathBuf;
use std::process::ExitCode;

/// The sections of the report, in order.
const SECTIONS: [&str; 6] = ["speed", "latency", "pi", "psnc", "ghost", "snapshot"];

#[derive(Parser, Debug)]
#[command(
    name = "pivm-bench",
    about = "Whole-program benchmarks of pivm, measured side by side: gcc -O2, the JIT with \
             and without polls, the interpreter, wasmtime; snapshot pause, size and resume."
)]
struct Options {
    /// The repository: examples are found here.
    #[arg(skip = repo_root())]
    root: PathBuf,
    /// Tiny sizes, one run each (CI runs it so the driver never rots)
    #[arg(long)]
    quick: bool,
    /// Runs per figure, whose median is reported [default: 1 with --quick, else 5]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    runs: Option<u32>,
    /// Where RESULTS.md and ratios.svg (-quick with --quick) go [default: benches/ in the repository]
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// The pivm binary (built in release mode if missing) [default: target/release/pivm]
    #[arg(long, value_name = "PATH")]
    pivm: Option<PathBuf>,
    /// Add the wasmtime columns (installs clang and wasmtime if missing)
    #[arg(long)]
    wasm: bool,
    /// Only these sections, comma-separated [default: all]
    #[arg(long, value_name = "SECTIONS", value_delimiter = ',', value_parser = SECTIONS, default_values = SECTIONS, hide_default_value = true)]
    only: Vec<String>,
}

/// The repository this binary was built from.
fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default()
}

impl Options {
    fn runs(&self) -> usize {
        match self.runs {
            Some(n) => n as usize,
            None if self.quick => 1,
            None => 5,
        }
    }

    fn out(&self) -> PathBuf {
        self.out
            .clone()
            .unwrap_or_else(|| self.root.join("benches"))
    }

    fn pivm(&self) -> PathBuf {
        self.pivm
            .clone()
            .unwrap_or_else(|| self.root.join("target/release/pivm"))
    }
}

/// A benchmark program: an example and its arguments at full and quick size.
struct Program {
    name: &'static str,
    file: &'static str,
    full: &'static [&'static str],
    quick: &'static [&'static str],
}

const PROGRAMS: &[Program] = &[
    Program {
        name: "matmul",
        file: "examples/matmul.c",
        full: &["500"],
        quick: &["20"],
    },
    Program {
        name: "quicksort",
        file: "examples/quicksort.c",
        full: &["21"],
        quick: &["10"],
    },
    Program {
        name: "sor",
        file: "examples/sor.c",
        full: &["1500"],
        quick: &["20"],
    },
    Program {
        name: "mgs",
        file: "examples/mgs.c",
        full: &["400"],
        quick: &["20"],
    },
    Program {
        name: "nbody",
        file: "examples/nbody.c",
        full: &["2000000"],
        quick: &["1000"],
    },
    Program {
        name: "binarytrees",
        file: "examples/binarytrees.c",
        full: &["16"],
        quick: &["6"],
    },
    Program {
        name: "fannkuch",
        file: "examples/fannkuch.c",
        full: &["10"],
        quick: &["6"],
    },
    Program {
        name: "spectralnorm",
        file: "examples/spectralnorm.c",
        full: &["1500"],
        quick: &["50"],
    },
    Program {
        name: "mandelbrot",
        file: "examples/mandelbrot.c",
        full: &["1500"],
        quick: &["40"],
    },
    Program {
        name: "hashtable",
        file: "examples/hashtable.c",
        full: &["400000"],
        quick: &["1000"],
    },
    Program {
        name: "mallocwrite",
        file: "examples/mallocwrite.c",
        full: &["256"],
        quick: &["2"],
    },
    Program {
        name: "allocchurn",
        file: "examples/allocchurn.c",
        full: &["2000000"],
        quick: &["2000"],
    },
];

fn main() -> ExitCode {
    let o = Options::parse();
    match bench(&o) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pivm-bench: error: {e}");
            ExitCode::from(1)
        }
    }
}

fn bench(o: &Options) -> Result<(), String> {
    let root = &o.root;
    let out = o.out();
    std::fs::create_dir_all(&out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let runner = Runner::new(root, &o.pivm(), o.runs())?;
    let mut rep = report::Report::new(o.quick, o.runs(), runner.machine());
    let want = |s: &str| o.only.iter().any(|x| x == s);

    if want("speed") {
        let wasm = if o.wasm {
            runner.wasm_toolchain()
        } else {
            Err("not requested (--wasm)".into())
        };
        if let Err(why) = &wasm {
            rep.note(format!("wasmtime columns skipped: {why}"));
        }
        rep.note(
            "Every variant runs code compiled before it is timed: gcc's binary, clang's \
             wasm module, pivm's IR (`pivm compile`, the C frontend); a pivm time includes \
             the JIT's compile, as a wasmtime time includes Cranelift's."
                .into(),
        );
        for p in PROGRAMS {
            let args = if o.quick { p.quick } else { p.full };
            let src = root.join(p.file);
            if !src.exists() {
                rep.note(format!("{}: {} is missing, skipped", p.name, p.file));
                continue;
            }
            let mut variants = vec![
                Variant::gcc(&runner, &src)?,
                Variant::pivm("jit", &["--engine", "jit"]),
                Variant::pivm("jit-nopoll", &["--engine", "jit", "--no-safepoints"]),
            ];
            // At full sizes the interpreter would take minutes per program.
            if o.quick {
                variants.push(Variant::pivm("interp", &["--engine", "interp"]));
            }
            if let Ok(tc) = &wasm {
                variants.push(Variant::wasm(&runner, tc, &src, false)?);
                variants.push(Variant::wasm(&runner, tc, &src, true)?);
            }
            eprintln!("speed: {} {}", p.name, args.join(" "));
            let row = runner.side_by_side(&src, args, &variants)?;
            rep.speed_row(p.name, args, row);
        }
    }
    if want("latency") {
        for p in PROGRAMS {
            let args = if o.quick { p.quick } else { p.full };
            let src = root.join(p.file);
            if src.exists() {
                eprintln!("latency: {} {}", p.name, args.join(" "));
                rep.latency_row(p.name, args, runner.latency(&src, args)?);
            }
        }
    }
    if want("pi") {
        let sizes: &[u32] = if o.quick {
            &[16, 32]
        } else {
            &[32, 64, 128, 256, 512]
        };
        for &n in sizes {
            rep.pi_row(
                "matmul",
                n,
                runner.poll_table_row(&root.join("examples/matmul.c"), &n.to_string())?,
            );
        }
        let sizes: &[u32] = if o.quick {
            &[10, 11]
        } else {
            &[17, 18, 19, 20, 21]
        };
        for &n in sizes {
            rep.pi_row(
                "quicksort",
                n,
                runner.poll_table_row(&root.join("examples/quicksort.c"), &n.to_string())?,
            );
        }
    }
    // The seed tables snapshot long runs at a moment in time: each size
    // runs several times longer than `after` (a run that ends first is an
    // error, not a row).
    let after = if o.quick { "30ms" } else { "300ms" };
    if want("psnc") {
        let sizes: &[u32] = if o.quick {
            &[600, 800]
        } else {
            &[1000, 2000, 3000]
        };
        for &n in sizes {
            let src = root.join("examples/matmul.c");
            let c = runner.snapshot_costs_at(&src, &n.to_string(), after)?;
            rep.snapshot_row("psnc", "matmul", &format!("{n}²"), c);
        }
    }
    if want("ghost") {
        let sizes: &[u32] = if o.quick {
            &[400, 500]
        } else {
            &[700, 1000, 1500, 2000]
        };
        for &n in sizes {
            let src = root.join("examples/mgs.c");
            let c = runner.snapshot_costs_at(&src, &n.to_string(), after)?;
            rep.snapshot_row("ghost", "mgs", &n.to_string(), c);
        }
    }
    if want("snapshot") {
        let sizes: &[u32] = if o.quick {
            &[1, 4]
        } else {
            &[1, 16, 64, 256, 1024]
        };
        for &mb in sizes {
            rep.snapshot_row(
                "heap",
                "mallocwrite",
                &format!("{mb} MB"),
                runner.snapshot_costs(&root.join("examples/mallocwrite.c"), &mb.to_string())?,
            );
        }
        if !o.quick {
            rep.note(runner.dd_throughput(1024)?);
        }
    }
    let md = out.join(if o.quick {
        "RESULTS-quick.md"
    } else {
        "RESULTS.md"
    });
    std::fs::write(&md, rep.markdown())
        .map_err(|e| format!("cannot write {}: {e}", md.display()))?;
    let svg = out.join(if o.quick {
        "ratios-quick.svg"
    } else {
        "ratios.svg"
    });
    std::fs::write(&svg, rep.svg()).map_err(|e| format!("cannot write {}: {e}", svg.display()))?;
    eprintln!("wrote {} and {}", md.display(), svg.display());
    if let Some(bad) = rep.mismatches() {
        return Err(format!("outputs differ between variants: {bad}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn options_are_consistent() {
        Options::command().debug_assert();
        let o = Options::try_parse_from(["pivm-bench", "--quick", "--only", "pi,ghost"]).unwrap();
        assert_eq!(
            (o.runs(), o.only.as_slice()),
            (1, &["pi".to_string(), "ghost".into()][..])
        );
        let o = Options::try_parse_from(["pivm-bench", "--runs", "3"]).unwrap();
        assert_eq!((o.runs(), o.only.len()), (3, SECTIONS.len()));
        assert!(Options::try_parse_from(["pivm-bench", "--only", "nope"]).is_err());
        assert!(Options::try_parse_from(["pivm-bench", "--runs", "0"]).is_err());
    }
}
