//! Differential test of the C frontend and the engines, with gcc as the
//! oracle: every `tests/c/*.c` and `examples/*.c` is compiled with
//! `gcc -O0 -w -pthread -lm` and run, then run with `pivm run FILE.c --engine interp`
//! and `--engine jit`; stdout and the exit code must be identical byte for
//! byte. Without gcc the test fails: it never passes by skipping. A program's arguments come from an
//! `/* args: ... */` comment in it. Every run has a fresh working
//! directory of its own, which pivm preopens (`--dir .`), so programs may
//! create, rename and remove files there.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn c_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "c"))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// The arguments an `/* args: a b c */` comment gives.
fn program_args(src: &str) -> Vec<String> {
    src.lines()
        .find_map(|l| l.trim().strip_prefix("/* args:"))
        .and_then(|rest| rest.strip_suffix("*/"))
        .map(|a| a.split_whitespace().map(String::from).collect())
        .unwrap_or_default()
}

struct Run {
    stdout: Vec<u8>,
    stderr: String,
    code: Option<i32>,
}

/// A native program killed by a signal has the status a shell shows,
/// 128 + the signal: what pivm exits with when a signal's default action
/// ends the program.
fn run(cmd: &mut Command) -> Run {
    use std::os::unix::process::ExitStatusExt;
    let out = cmd.output().expect("the command starts");
    Run {
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out
            .status
            .code()
            .or_else(|| out.status.signal().map(|s| 128 + s)),
    }
}

/// A fresh empty directory `dir/name` to run a program in.
fn workdir(dir: &Path, name: &str) -> PathBuf {
    let w = dir.join(name);
    let _ = std::fs::remove_dir_all(&w);
    std::fs::create_dir_all(&w).expect("working directory");
    w
}

/// `pivm run FILE` on `engine`, killed after 120 seconds (exit code 124,
/// coreutils' `timeout`): a program that no longer ends fails its test
/// instead of hanging the suite.
fn pivm(file: &Path, engine: &str, flags: &[&str], args: &[String], cwd: &Path) -> Run {
    run(Command::new("timeout")
        .args(["--kill-after=5", "120", env!("CARGO_BIN_EXE_pivm")])
        .current_dir(cwd)
        .arg("run")
        .arg(file)
        .args(["--dir", ".", "--engine", engine])
        .args(flags)
        .arg("--")
        .args(args))
}

/// `f` compiled with gcc into `exe` and run in a fresh `cwd`.
fn gcc(f: &Path, exe: &Path, args: &[String], cwd: &Path) -> Result<Run, String> {
    let cc = run(Command::new("gcc")
        .args(["-O0", "-w", "-o"])
        .arg(exe)
        .arg(f)
        .args(["-pthread", "-lm"]));
    if cc.code != Some(0) {
        return Err(format!(
            "{}: gcc cannot compile it:\n{}",
            f.display(),
            cc.stderr
        ));
    }
    let mut native = Command::new(exe);
    native.current_dir(cwd).args(args);
    // Every signal's disposition the default, as pivm gives its programs,
    // whatever this test inherited (`nohup` ignores SIGHUP, a shell
    // without job control SIGINT and SIGQUIT in background jobs; the
    // mask std empties itself): `signals_mask.c` prints what
    // `signal` returns.
    // SAFETY: between fork and exec only sigaction, which is
    // async-signal-safe, on a zeroed struct of the child's own stack.
    unsafe {
        native.pre_exec(|| {
            for sig in 1..=64 {
                if sig != libc::SIGKILL && sig != libc::SIGSTOP {
                    let mut sa: libc::sigaction = std::mem::zeroed();
                    sa.sa_sigaction = libc::SIG_DFL;
                    // Invalid numbers (glibc's 32 and 33) fail: nothing to reset.
                    libc::sigaction(sig, &sa, std::ptr::null_mut());
                }
            }
            Ok(())
        });
    }
    Ok(run(&mut native))
}

/// A mismatch of `got` (pivm with `how`) against gcc's `want`, if any.
fn mismatch(f: &Path, how: &str, got: &Run, want: &Run) -> Option<String> {
    (got.stdout != want.stdout || got.code != want.code).then(|| {
        format!(
            "{} ({how}): exit {:?}, gcc {:?}\n--- gcc stdout ---\n{}\n--- pivm stdout ---\n{}\n--- pivm stderr ---\n{}",
            f.display(),
            got.code,
            want.code,
            String::from_utf8_lossy(&want.stdout),
            String::from_utf8_lossy(&got.stdout),
            got.stderr
        )
    })
}

#[test]
fn c_programs_match_gcc_on_every_engine() {
    let dir = std::env::temp_dir().join(format!("pivm-c-corpus-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary directory");
    assert!(
        Command::new("gcc").arg("--version").output().is_ok(),
        "gcc is the oracle of this test: install it (apt-get install gcc)"
    );
    let mut files = c_files(&repo().join("tests/c"));
    files.extend(c_files(&repo().join("examples")));
    assert!(
        files.len() >= 30,
        "expected the C corpus, found {}",
        files.len()
    );
    let engines = ["interp", "jit"];
    let mut failures = Vec::new();
    for (i, f) in files.iter().enumerate() {
        let src = std::fs::read_to_string(f).expect("readable C file");
        let args = program_args(&src);
        let exe = dir.join(format!("prog{i}"));
        let want = match gcc(f, &exe, &args, &workdir(&dir, &format!("gcc{i}"))) {
            Ok(w) => w,
            Err(e) => {
                failures.push(e);
                continue;
            }
        };
        for engine in &engines {
            let got = pivm(
                f,
                engine,
                &[],
                &args,
                &workdir(&dir, &format!("{engine}{i}")),
            );
            failures.extend(mismatch(f, &format!("--engine {engine}"), &got, &want));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The programs whose counted loops the JIT lowers in unrolled rounds
/// with forwarded loads, and whose other small loops in copies that poll
/// once (jit/src/lower/hoist.rs, forward.rs), also
/// without safepoints (no polls: a different unrolled body) and counting
/// them (`--stats`: not unrolled).
#[test]
fn hoisted_loops_match_gcc_with_and_without_polls() {
    let dir = std::env::temp_dir().join(format!("pivm-c-loops-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary directory");
    let mut failures = Vec::new();
    let files = [
        "tests/c/loop_rounds.c",
        "tests/c/forwarding.c",
        "tests/c/plain_loops.c",
        "tests/c/offset_loops.c",
        "tests/c/quotient_loops.c",
        "tests/cross/loops.c",
    ];
    for (i, f) in files.iter().enumerate() {
        let f = repo().join(f);
        let src = std::fs::read_to_string(&f).expect("readable C file");
        let args = program_args(&src);
        let exe = dir.join(format!("prog{i}"));
        let want = gcc(&f, &exe, &args, &workdir(&dir, &format!("gcc{i}"))).expect("gcc runs it");
        for flags in [&["--no-safepoints"][..], &["--stats"][..]] {
            let got = pivm(&f, "jit", flags, &args, &workdir(&dir, &format!("jit{i}")));
            failures.extend(mismatch(&f, &flags.join(" "), &got, &want));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
