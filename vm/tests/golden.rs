//! Data-driven golden tests: every `tests/pir/*.pir` runs under the `pivm`
//! binary, on each engine (`ENGINES`), and its stdout and exit code must
//! equal the expectations in the comments at the top of the file (the same
//! for every engine):
//!
//! ```text
//! ; args: a b            (optional: program arguments)
//! ; expect-exit: 0
//! ; expect-stdout:
//! ; |first line
//! ; |second line
//! ; expect-stdout-noeol                 (stdout does not end with a newline)
//! ; expect-error: substring of stderr   (parse, verify or trap errors)
//! ```
//!
//! `PIVM_TEST_BLESS=1` rewrites `expect-exit` and `expect-stdout` from the
//! actual run; otherwise a mismatch prints a diff. Every
//! `tests/pir/malformed/*.pir` holds `; error: substring` and must fail
//! with exit 65, a located `pivm: error:` message containing the
//! substring, and no panic.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn pir_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "pir"))
        .collect();
    v.sort();
    v
}

#[derive(Default, Debug)]
struct Expect {
    args: Vec<String>,
    exit: Option<i32>,
    stdout: Option<String>,
    error: Option<String>,
    noeol: bool,
}

fn parse_header(text: &str) -> Expect {
    let mut e = Expect::default();
    let mut in_stdout = false;
    for line in text.lines() {
        let Some(c) = line.strip_prefix(';') else {
            break;
        };
        let c = c.strip_prefix(' ').unwrap_or(c);
        if let Some(rest) = c.strip_prefix('|') {
            if in_stdout {
                let s = e.stdout.get_or_insert_with(String::new);
                s.push_str(rest);
                s.push('\n');
            }
            continue;
        }
        in_stdout = false;
        if let Some(v) = c.strip_prefix("args:") {
            e.args = v.split_whitespace().map(String::from).collect();
        } else if let Some(v) = c.strip_prefix("expect-exit:") {
            e.exit = Some(v.trim().parse().expect("expect-exit takes a number"));
        } else if c.trim_end() == "expect-stdout:" {
            in_stdout = true;
            e.stdout.get_or_insert_with(String::new);
        } else if let Some(v) = c.strip_prefix("expect-error:") {
            e.error = Some(v.trim().to_string());
        } else if c.trim_end() == "expect-stdout-noeol" {
            e.noeol = true;
        }
    }
    if e.noeol {
        if let Some(s) = &mut e.stdout {
            s.pop();
        }
    }
    e
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Every engine runs every golden program with the same expectations (an
/// interpreter-only build, `--no-default-features`, has no JIT).
const ENGINES: &[&str] = if cfg!(feature = "jit") {
    &["interp", "jit"]
} else {
    &["interp"]
};

/// How long a golden program may run: a program that no longer ends
/// (e.g. a recursion an optimization made a loop) fails its test with
/// exit code 124 (coreutils' `timeout`) instead of hanging the suite.
const TIMEOUT: &str = "120";

/// Runs `pivm run PATH [--engine ENGINE] -- ARGS` (the default engine
/// when `engine` is `None`), killed after `TIMEOUT` seconds.
fn run(path: &Path, engine: Option<&str>, args: &[String]) -> Run {
    let out = Command::new("timeout")
        .args(["--kill-after=5", TIMEOUT, env!("CARGO_BIN_EXE_pivm")])
        .arg("run")
        .arg(path)
        .args(engine.iter().flat_map(|e| ["--engine", e]))
        .arg("--")
        .args(args)
        .current_dir(root())
        .output()
        .expect("cannot run pivm");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A line diff of expected vs actual text.
fn diff(want: &str, got: &str) -> String {
    let (w, g): (Vec<&str>, Vec<&str>) = (want.lines().collect(), got.lines().collect());
    let mut s = String::from("--- expected\n+++ actual\n");
    let n = w.len().max(g.len());
    for i in 0..n {
        match (w.get(i), g.get(i)) {
            (Some(a), Some(b)) if a == b => s.push_str(&format!(" {a}\n")),
            (a, b) => {
                if let Some(a) = a {
                    s.push_str(&format!("-{a}\n"));
                }
                if let Some(b) = b {
                    s.push_str(&format!("+{b}\n"));
                }
            }
        }
    }
    s
}

/// Rewrites the expectation lines of `text` from an actual run.
fn bless(text: &str, r: &Run) -> String {
    let mut head = Vec::new();
    let mut body_start = 0;
    let mut skipping = false;
    for (i, line) in text.lines().enumerate() {
        let Some(c) = line.strip_prefix(';') else {
            body_start = i;
            break;
        };
        body_start = i + 1;
        let c = c.strip_prefix(' ').unwrap_or(c);
        if c.starts_with('|') && skipping {
            continue;
        }
        skipping = false;
        if c.starts_with("expect-exit:") || c.starts_with("expect-stdout") {
            skipping = true;
            continue;
        }
        head.push(line.to_string());
    }
    let mut out = head.join("\n");
    if !out.is_empty() {
        out.push('\n');
    }
    out.push_str(&format!("; expect-exit: {}\n", r.code));
    if !r.stdout.is_empty() {
        out.push_str("; expect-stdout:\n");
        for l in r.stdout.lines() {
            out.push_str(&format!("; |{l}\n"));
        }
        if !r.stdout.ends_with('\n') {
            out.push_str("; expect-stdout-noeol\n");
        }
    }
    for l in text.lines().skip(body_start) {
        out.push_str(l);
        out.push('\n');
    }
    out
}

#[test]
fn golden_pir() {
    // stdio.pir writes a file under target/tmp (relative to the root),
    // which does not exist when CARGO_TARGET_DIR points elsewhere.
    std::fs::create_dir_all(root().join("target/tmp")).unwrap();
    let dir = root().join("tests/pir");
    let files = pir_files(&dir);
    assert!(!files.is_empty(), "no tests in {}", dir.display());
    let blessing = std::env::var_os("PIVM_TEST_BLESS").is_some_and(|v| v == "1");
    let mut failures = Vec::new();
    for (f, engine) in files
        .iter()
        .flat_map(|f| ENGINES.iter().map(move |e| (f, *e)))
    {
        let text = std::fs::read_to_string(f).unwrap();
        let e = parse_header(&text);
        let r = run(f, Some(engine), &e.args);
        let name = format!(
            "{} (--engine {engine})",
            f.strip_prefix(root()).unwrap_or(f).display()
        );
        if r.stderr.contains("panicked") || r.stderr.contains("internal error") {
            failures.push(format!("{name}: pivm crashed:\n{}", r.stderr));
            continue;
        }
        if let Some(sub) = &e.error {
            if !r.stderr.contains(sub.as_str()) {
                failures.push(format!(
                    "{name}: stderr does not contain {sub:?}:\n{}",
                    r.stderr
                ));
            }
        } else if !r.stderr.is_empty() && e.exit == Some(0) {
            failures.push(format!("{name}: unexpected stderr:\n{}", r.stderr));
        }
        let want_out = e.stdout.clone().unwrap_or_default();
        let ok = e.exit == Some(r.code) && want_out == r.stdout;
        if ok {
            continue;
        }
        if blessing {
            std::fs::write(f, bless(&text, &r)).unwrap();
            eprintln!("blessed {name}");
            continue;
        }
        let mut msg = format!("{name}: ");
        if e.exit != Some(r.code) {
            msg.push_str(&format!("exit code {} (expected {:?}) ", r.code, e.exit));
        }
        if want_out != r.stdout {
            msg.push_str(&format!("stdout differs:\n{}", diff(&want_out, &r.stdout)));
        }
        msg.push_str(&format!("\nstderr:\n{}", r.stderr));
        failures.push(msg);
    }
    assert!(
        failures.is_empty(),
        "{} of {} golden tests failed (PIVM_TEST_BLESS=1 to accept):\n\n{}",
        failures.len(),
        files.len() * ENGINES.len(),
        failures.join("\n\n")
    );
}

/// Whether `s` holds `:LINE:COL:` (a parse error location) or a verifier
/// location (`function @f`, `global @g`, `declare @b`, `type :t`, `module`).
fn located(s: &str) -> bool {
    let parse_loc = s.split(':').collect::<Vec<_>>().windows(3).any(|w| {
        !w[1].is_empty()
            && w[1].bytes().all(|b| b.is_ascii_digit())
            && !w[2].is_empty()
            && w[2].bytes().all(|b| b.is_ascii_digit())
    });
    parse_loc
        || ["function @", "global @", "declare @", "type :", "module"]
            .iter()
            .any(|w| s.contains(w))
}

#[test]
fn malformed_pir() {
    let dir = root().join("tests/pir/malformed");
    let files = pir_files(&dir);
    assert!(files.len() >= 10, "too few malformed tests");
    let mut failures = Vec::new();
    for f in &files {
        let text = String::from_utf8_lossy(&std::fs::read(f).unwrap()).into_owned();
        let name = f.strip_prefix(root()).unwrap_or(f).display().to_string();
        let want = text
            .lines()
            .find_map(|l| l.strip_prefix("; error:"))
            .map(|s| s.trim().to_string())
            .unwrap_or_else(|| panic!("{name} has no '; error:' line"));
        let r = run(f, None, &[]);
        let first = r.stderr.lines().next().unwrap_or("");
        if r.code != 65
            || !r.stderr.contains(&want)
            || !first.starts_with("pivm: error: ")
            || !located(first)
            || r.stderr.contains("panicked")
        {
            failures.push(format!(
                "{name}: exit {} (want 65), want a located error containing {want:?}, got:\n{}",
                r.code, r.stderr
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Invalid UTF-8 is a located error too. The file is made here: a
/// non-UTF-8 `.pir` in the repository would break the IR round-trip test.
#[test]
fn non_utf8_input() {
    let dir = std::env::temp_dir().join(format!("pivm-utf8-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("bad_utf8.pir");
    std::fs::write(&f, b"func @main() -> i32 {\n\xff\xfe\n}\n").unwrap();
    let r = run(&f, None, &[]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(r.code, 65, "{}", r.stderr);
    assert!(
        r.stderr.starts_with("pivm: error: ")
            && r.stderr.contains("bad_utf8.pir:2:1: invalid UTF-8"),
        "{}",
        r.stderr
    );
}

/// Command-line misuse: usage errors are clap's, with exit 2 (`no command`
/// prints the help), unreadable files exit 66; the depth limit applies;
/// both engines run.
#[test]
fn cli_errors() {
    let pivm = |args: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_pivm"))
            .args(args)
            .current_dir(root())
            .output()
            .unwrap();
        (
            o.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let fib = "examples/fib.pir";
    for (args, code, msg) in [
        (&[][..], 2, "Usage: pivm <COMMAND>"),
        (&["frobnicate"][..], 2, "unrecognized subcommand"),
        (&["run"][..], 2, "required arguments were not provided"),
        (
            &["run", fib, "--bogus"][..],
            2,
            "unexpected argument '--bogus'",
        ),
        (
            &["run", fib, "--snapshot-after"][..],
            2,
            "a value is required",
        ),
        (
            &["run", fib, "--max-depth", "x"][..],
            2,
            "invalid value 'x'",
        ),
        (
            &["run", fib, "--engine", "warp"][..],
            2,
            "[possible values: jit, interp]",
        ),
        (&["run", "no/such/file.pir"][..], 66, "cannot read"),
        (&["compile", "no/such/file.c"][..], 66, "cannot read"),
    ] {
        let (c, err) = pivm(args);
        assert_eq!(c, code, "pivm {args:?}: {err}");
        let prefix = match code {
            2 if args.is_empty() => "",
            2 => "error: ",
            _ => "pivm: error: ",
        };
        assert!(
            err.starts_with(prefix) && err.contains(msg),
            "pivm {args:?}: {err}"
        );
    }
    let (c, err) = pivm(&["run", fib, "--max-depth", "5"]);
    assert_eq!(c, 139, "{err}");
    assert!(err.contains("stack overflow in function 'fib'"), "{err}");
    for engine in ENGINES {
        let o = Command::new(env!("CARGO_BIN_EXE_pivm"))
            .args([
                "run",
                fib,
                "--engine",
                engine,
                "--snapshot-after",
                "500",
                "--",
                "20",
            ])
            .current_dir(root())
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&o.stdout),
            "fib(20) = 6765\n",
            "{engine}"
        );
        assert_eq!(o.status.code(), Some(0), "{engine}");
    }
}

/// An interpreter-only pivm (`--no-default-features`) runs on the
/// interpreter by default and refuses `--engine jit` with a clear message.
#[test]
#[cfg(not(feature = "jit"))]
fn interpreter_only_build_refuses_the_jit() {
    let sort = root().join("examples/sort.pir");
    let run = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_pivm"))
            .arg("run")
            .arg(&sort)
            .args(extra)
            .args(["--", "100"])
            .output()
            .unwrap()
    };
    let o = run(&[]);
    assert!(o.status.success(), "{o:?}");
    assert!(String::from_utf8_lossy(&o.stdout).contains("(ok)"), "{o:?}");
    let o = run(&["--engine", "jit"]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("built without the JIT"), "{err}");
}
