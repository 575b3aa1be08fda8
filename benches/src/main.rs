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

use run::{Runner, Variant};
use std::path::PathBuf;
use std::process::ExitCode;

struct Options {
    /// The repository: examples are found here.
    root: PathBuf,
    quick: bool,
    runs: usize,
    out: PathBuf,
    pivm: PathBuf,
    wasm: bool,
    sections: Vec<String>,
}

const USAGE: &str = "usage: pivm-bench [--quick] [--runs N] [--out DIR] [--pivm PATH] [--wasm] [--only speed,pi,psnc,ghost,snapshot]";

fn parse_args() -> Result<Options, String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default();
    let mut o = Options {
        root: root.clone(),
        quick: false,
        runs: 0,
        out: root.join("benches"),
        pivm: root.join("target/release/pivm"),
        wasm: false,
        sections: ["speed", "pi", "psnc", "ghost", "snapshot"]
            .map(String::from)
            .to_vec(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match a.as_str() {
            "--quick" => o.quick = true,
            "--wasm" => o.wasm = true,
            "--runs" => {
                o.runs = value("--runs")?
                    .parse()
                    .map_err(|_| "--runs takes a number".to_string())?
            }
            "--out" => o.out = PathBuf::from(value("--out")?),
            "--pivm" => o.pivm = PathBuf::from(value("--pivm")?),
            "--only" => o.sections = value("--only")?.split(',').map(String::from).collect(),
            "-h" | "--help" => return Err(USAGE.to_string()),
            _ => return Err(format!("unknown argument '{a}'\n{USAGE}")),
        }
    }
    if o.runs == 0 {
        o.runs = if o.quick { 1 } else { 5 };
    }
    Ok(o)
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
];

fn main() -> ExitCode {
    let o = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("pivm-bench: {e}");
            return ExitCode::from(64);
        }
    };
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
    std::fs::create_dir_all(&o.out)
        .map_err(|e| format!("cannot create {}: {e}", o.out.display()))?;
    let runner = Runner::new(root, &o.pivm, o.runs)?;
    let mut rep = report::Report::new(o.quick, o.runs, runner.machine());
    let want = |s: &str| o.sections.iter().any(|x| x == s);

    if want("speed") {
        let wasm = if o.wasm {
            runner.wasm_toolchain()
        } else {
            Err("not requested (--wasm)".into())
        };
        if let Err(why) = &wasm {
            rep.note(format!("wasmtime columns skipped: {why}"));
        }
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
            if o.quick || runner.interp_affordable(p.name) {
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
    // The seed tables snapshot long runs at a moment in time.
    let after = if o.quick { "30ms" } else { "300ms" };
    if want("psnc") {
        let sizes: &[u32] = if o.quick {
            &[300, 400]
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
            &[300, 400]
        } else {
            &[500, 1000, 1500, 2000]
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
    let md = o.out.join(if o.quick {
        "RESULTS-quick.md"
    } else {
        "RESULTS.md"
    });
    std::fs::write(&md, rep.markdown())
        .map_err(|e| format!("cannot write {}: {e}", md.display()))?;
    let svg = o.out.join(if o.quick {
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
