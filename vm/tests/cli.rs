//! The `pivm` command line: `--help` of every command documents every
//! option and the exit-code table; usage errors are clap's, with exit 2;
//! each failure exits with its own status from the table (compile error,
//! unreadable input or bad snapshot, unwritable output, trap, snapshot
//! taken to exit).

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A fresh scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pivm-clitest-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs pivm in the repository with `args`.
fn pivm(args: &[&str]) -> Out {
    let o = Command::new(env!("CARGO_BIN_EXE_pivm"))
        .args(args)
        .current_dir(repo())
        .env_remove("PIVM_SNAPSHOT_NOFORK")
        .output()
        .expect("cannot run pivm");
    Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

const RUN_OPTIONS: &[&str] = &[
    "--engine",
    "jit",
    "interp",
    "--snapshot-path",
    "--snapshot-after",
    "--snapshot-every",
    "--snapshot-on",
    "--exit-after-snapshot",
    "--max-depth",
    "--stack-size",
    "--stats",
    "nocount",
    "--no-safepoints",
    "--profile",
    "perfmap",
    "--probe-latency",
    "--help",
];

#[test]
fn help_documents_every_command_option_and_exit_code() {
    for top in [&["--help"][..], &["-h"], &["help"]] {
        let o = pivm(top);
        assert_eq!(o.code, 0, "pivm {top:?}: {}", o.stderr);
        for word in [
            "compile",
            "run",
            "resume",
            "snapshot",
            "inspect",
            "--version",
        ] {
            assert!(
                o.stdout.contains(word),
                "pivm {top:?}: no {word}:\n{}",
                o.stdout
            );
        }
    }
    let o = pivm(&["--help"]);
    let table = o
        .stdout
        .split_once("Exit status:")
        .unwrap_or_else(|| panic!("no exit-code table:\n{}", o.stdout))
        .1;
    for code in [
        "2", "65", "66", "70", "71", "74", "85", "132", "134", "136", "139", "1", "3", "4", "5",
    ] {
        assert!(
            table
                .lines()
                .any(|l| l.trim_start().starts_with(&format!("{code} "))),
            "exit code {code} missing from:\n{table}"
        );
    }
    let per_command: &[(&str, &[&str])] = &[
        ("compile", &["PROG", "-o", "--help"]),
        ("run", RUN_OPTIONS),
        ("resume", RUN_OPTIONS),
        (
            "snapshot",
            &["--at-next-safepoint", "--pid", "-o", "--exit", "--help"],
        ),
        ("inspect", &["SNAP.msgpack", "--json", "--help"]),
    ];
    for (cmd, options) in per_command {
        for help in [vec![*cmd, "--help"], vec!["help", *cmd]] {
            let o = pivm(&help);
            assert_eq!(o.code, 0, "pivm {help:?}: {}", o.stderr);
            for opt in *options {
                assert!(
                    o.stdout.contains(opt),
                    "pivm {help:?} does not mention {opt}:\n{}",
                    o.stdout
                );
            }
        }
    }
    let o = pivm(&["run", "--help"]);
    assert!(o.stdout.contains("ARGS"), "{}", o.stdout);
}

#[test]
fn usage_errors_are_clap_errors_with_exit_2() {
    let fib = "examples/fib.pir";
    for (args, msg) in [
        (&[][..], "Usage:"),
        (&["frobnicate"][..], "unrecognized subcommand 'frobnicate'"),
        (&["run"][..], "required arguments were not provided"),
        (&["resume"][..], "required arguments were not provided"),
        (&["inspect"][..], "required arguments were not provided"),
        (&["compile"][..], "required arguments were not provided"),
        (&["compile", fib, "-o"][..], "a value is required"),
        (
            &["run", fib, "--bogus"][..],
            "unexpected argument '--bogus'",
        ),
        (
            &["inspect", "x.msgpack", "--bogus"][..],
            "unexpected argument",
        ),
        (&["run", fib, "--snapshot-after"][..], "a value is required"),
        (
            &["run", fib, "--snapshot-after", "0"][..],
            "invalid value '0'",
        ),
        (&["run", fib, "--max-depth", "x"][..], "invalid value 'x'"),
        (
            &["run", fib, "--stack-size", "-1"][..],
            "unexpected argument",
        ),
        (&["run", fib, "--snapshot-every", "5"][..], "not a duration"),
        (&["run", fib, "--snapshot-on", "KILL"][..], "unknown signal"),
        (&["run", fib, "--stats=everything"][..], "invalid value"),
        (
            &["run", fib, "--engine", "bogus"][..],
            "invalid value 'bogus'",
        ),
        (
            &["resume", "x.msgpack", "--engine", "warp"][..],
            "[possible values: jit, interp]",
        ),
        (
            &["run", fib, "--no-safepoints", "--snapshot-after", "5"][..],
            "cannot be used with",
        ),
        (
            &["run", fib, "--no-safepoints", "--engine", "interp"][..],
            "--engine jit only",
        ),
        (
            &["run", fib, "--profile=perfmap", "--engine", "interp"][..],
            "--profile applies to --engine jit only",
        ),
        (
            &["run", fib, "--profile=gprof"][..],
            "invalid value 'gprof'",
        ),
        (&["snapshot", "--pid", "1"][..], "--at-next-safepoint"),
        (&["snapshot", "--at-next-safepoint"][..], "--pid <PID>"),
        (
            &["snapshot", "--at-next-safepoint", "--pid", "x"][..],
            "invalid value 'x'",
        ),
    ] {
        let o = pivm(args);
        assert_eq!(o.code, 2, "pivm {args:?}: {}", o.stderr);
        assert!(
            o.stderr.contains(msg),
            "pivm {args:?}: want '{msg}' in: {}",
            o.stderr
        );
        assert!(o.stdout.is_empty(), "pivm {args:?}: {}", o.stdout);
        if !args.is_empty() {
            assert!(
                o.stderr.starts_with("error: "),
                "pivm {args:?}: {}",
                o.stderr
            );
        }
    }
}

#[test]
fn program_arguments_before_or_after_options() {
    for args in [
        &["run", "examples/fib.pir", "--engine", "interp", "--", "10"][..],
        &["run", "examples/fib.pir", "10", "--engine", "interp"],
        &["run", "--engine", "interp", "examples/fib.pir", "10"],
        &["run", "examples/fib.pir", "--stats=nocount", "--", "10"],
    ] {
        let o = pivm(args);
        assert_eq!(o.code, 0, "pivm {args:?}: {}", o.stderr);
        assert_eq!(o.stdout, "fib(10) = 55\n", "pivm {args:?}");
    }
    let o = pivm(&["run", "examples/fib.pir", "--stats=nocount", "--", "10"]);
    assert!(
        o.stderr.contains("pivm: stats: load_ms=") && o.stderr.contains(" compile_ms="),
        "{}",
        o.stderr
    );
    assert!(
        o.stderr.contains("pivm: stats: safepoints="),
        "{}",
        o.stderr
    );
}

#[test]
fn exit_code_table_is_respected() {
    let dir = scratch("exits");
    let d = |f: &str| dir.join(f).to_str().unwrap().to_string();

    // 65: the program does not compile, parse or verify.
    std::fs::write(d("bad.c"), "int main(void) { return nope; }\n").unwrap();
    std::fs::write(
        d("nomain.pir"),
        "func @f() -> i32 {\nentry:\n    ret.i32 0\n}\n",
    )
    .unwrap();
    std::fs::write(
        d("badmain.pir"),
        "func @main(%a: i64) -> i32 {\nentry:\n    ret.i32 0\n}\n",
    )
    .unwrap();
    // Globals bigger than VM memory: the program's error, not pivm's (70).
    std::fs::write(
        d("huge.c"),
        "static char big[8589934592];\nint main(void) { big[5] = 1; return big[5]; }\n",
    )
    .unwrap();
    for args in [
        vec!["run", "tests/pir/malformed/garbage.pir"],
        vec!["compile", "tests/pir/malformed/type_error.pir"],
        vec!["run", &d("bad.c")],
        vec!["compile", &d("bad.c")],
        vec!["run", &d("huge.c")],
    ] {
        let o = pivm(&args);
        assert_eq!(o.code, 65, "pivm {args:?}: {}", o.stderr);
        assert!(o.stderr.contains("pivm: error: "), "{}", o.stderr);
    }
    // A .pir without a runnable @main parses and verifies but cannot
    // start: a program error, not an engine failure.
    for (f, msg) in [
        ("nomain.pir", "has no function @main"),
        ("badmain.pir", "@main must take"),
    ] {
        for engine in ["jit", "interp"] {
            let o = pivm(&["run", &d(f), "--engine", engine]);
            assert_eq!(o.code, 65, "{f} {engine}: {}", o.stderr);
            assert!(o.stderr.contains(msg), "{f} {engine}: {}", o.stderr);
        }
    }

    // 66: an input cannot be read, or a snapshot is bad.
    std::fs::write(d("garbage.msgpack"), b"not a snapshot at all").unwrap();
    for args in [
        vec!["run", "no/such/file.pir"],
        vec!["run", "no/such/file.c"],
        vec!["compile", "no/such/file.c"],
        vec!["resume", "no/such/snap.msgpack"],
        vec!["inspect", "no/such/snap.msgpack"],
        vec!["resume", &d("garbage.msgpack")],
        vec!["inspect", &d("garbage.msgpack")],
    ] {
        let o = pivm(&args);
        assert_eq!(o.code, 66, "pivm {args:?}: {}", o.stderr);
        assert!(o.stderr.starts_with("pivm: error: "), "{}", o.stderr);
        assert!(!o.stderr.contains("internal"), "{}", o.stderr);
    }

    // 74: an output cannot be written.
    let o = pivm(&["compile", "examples/fib.pir", "-o", "no/such/dir/fib.pir"]);
    assert_eq!(o.code, 74, "{}", o.stderr);
    // A snapshot that cannot be written is not one: the program continues
    // (even though it was to exit) and exits with its own status.
    let o = pivm(&[
        "run",
        "examples/fib.pir",
        "--snapshot-after",
        "10",
        "--snapshot-path",
        "no/such/dir/fib.msgpack",
        "--exit-after-snapshot",
        "--",
        "15",
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(
        o.stdout,
        pivm(&["run", "examples/fib.pir", "--", "15"]).stdout
    );
    assert!(
        o.stderr
            .contains("pivm: snapshot failed: cannot write the snapshot")
            && o.stderr.contains("; the program continues"),
        "{}",
        o.stderr
    );

    // A trap: its TrapKind::exit_code, on both engines.
    for engine in ["jit", "interp"] {
        let o = pivm(&["run", "tests/pir/trap_div.pir", "--engine", engine]);
        assert_eq!(o.code, 136, "{engine}: {}", o.stderr);
        assert!(
            o.stderr.contains("pivm: trap: integer division by zero"),
            "{}",
            o.stderr
        );
        let o = pivm(&[
            "run",
            "examples/fib.pir",
            "--engine",
            engine,
            "--max-depth",
            "5",
        ]);
        assert_eq!(o.code, 139, "{engine}: {}", o.stderr);
    }

    // 85: a snapshot taken to exit; resuming it finishes the program.
    let snap = d("fib.msgpack");
    for engine in ["jit", "interp"] {
        let o = pivm(&[
            "run",
            "examples/fib.pir",
            "--engine",
            engine,
            "--snapshot-after",
            "100",
            "--snapshot-path",
            &snap,
            "--exit-after-snapshot",
            "--",
            "15",
        ]);
        assert_eq!(o.code, 85, "{engine}: {}", o.stderr);
        let r = pivm(&["resume", &snap, "--engine", engine, "--stats"]);
        assert_eq!(r.code, 0, "{engine}: {}", r.stderr);
        assert_eq!(format!("{}{}", o.stdout, r.stdout), "fib(15) = 610\n");
        assert!(r.stderr.contains("load_ms="), "{}", r.stderr);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// README.md's exit-status table has a row for every status of the table
/// at the end of `pivm --help`.
#[test]
fn readme_lists_every_exit_status() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let help = pivm(&["--help"]).stdout;
    let table = help.split_once("Exit status:").unwrap().1;
    let table = table.split_once("Exit status of pivm snapshot").unwrap().0;
    let codes: Vec<&str> = table
        .lines()
        .filter_map(|l| l.strip_prefix("  ")?.split_whitespace().next())
        .filter(|c| c.starts_with(|ch: char| ch.is_ascii_digit()))
        .collect();
    assert!(codes.len() >= 10, "{table}");
    for code in codes {
        assert!(
            readme.contains(&format!("| {code} |")),
            "README.md has no row for exit status {code}"
        );
    }
}

/// Runs pivm with `args` (from the repository) and returns the perf map
/// it wrote, /tmp/perf-PID.map (removed).
fn perfmap(args: &[&str]) -> String {
    let child = Command::new(env!("CARGO_BIN_EXE_pivm"))
        .args(args)
        .current_dir(repo())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let map = PathBuf::from(format!("/tmp/perf-{}.map", child.id()));
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "pivm {args:?}: {o:?}");
    let text = std::fs::read_to_string(&map).unwrap();
    let _ = std::fs::remove_file(&map);
    text
}

/// `--profile=perfmap` writes /tmp/perf-PID.map: one `START LENGTH NAME`
/// line per function of the program, in hexadecimal, with code that does
/// not overlap.
#[test]
fn profile_perfmap_names_every_function() {
    let text = perfmap(&["run", "examples/fib.pir", "--profile=perfmap", "--", "15"]);
    let mut spans: Vec<(u64, u64, String)> = text
        .lines()
        .map(|l| {
            let mut it = l.splitn(3, ' ');
            let a = u64::from_str_radix(it.next().unwrap(), 16).unwrap();
            let n = u64::from_str_radix(it.next().unwrap(), 16).unwrap();
            (a, n, it.next().unwrap().to_string())
        })
        .collect();
    let mut names: Vec<&str> = spans.iter().map(|s| s.2.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["fib", "main"], "{text}");
    spans.sort();
    assert!(spans.iter().all(|s| s.0 > 0 && s.1 > 0), "{text}");
    assert!(spans[0].0 + spans[0].1 <= spans[1].0, "{text}");
}

/// perf skips a perf-map line whose name is shorter than 3 bytes: a short
/// function name is padded with spaces to 3.
#[test]
fn profile_perfmap_pads_short_names() {
    let dir = scratch("short-names");
    let src = dir.join("short.c");
    std::fs::write(
        &src,
        "static int f(int x) { return x * 3; }\nstatic int ok(int x) { return f(x) + 1; }\n\
         int main(int c, char **v) { (void)v; return ok(c) == 4 ? 0 : 1; }\n",
    )
    .unwrap();
    let text = perfmap(&["run", "--profile=perfmap", src.to_str().unwrap()]);
    let names: Vec<&str> = text
        .lines()
        .filter_map(|l| l.splitn(3, ' ').nth(2))
        .collect();
    assert!(names.iter().all(|n| n.len() >= 3), "{text:?}");
    let mut trimmed: Vec<&str> = names.iter().map(|n| n.trim_end()).collect();
    trimmed.sort_unstable();
    // Every function of the module has a line, inlined or not.
    assert_eq!(trimmed, ["f", "main", "ok"], "{text:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--probe-latency`: requests for a safepoint without a snapshot change
/// nothing the program does, and their latencies are reported, ordered.
#[test]
fn latency_probes_leave_the_run_alone_and_are_reported() {
    let plain = pivm(&["run", "examples/fib.pir", "--", "30"]);
    assert_eq!(plain.code, 0, "{}", plain.stderr);
    for (engine, arg) in [("jit", "34"), ("interp", "30")] {
        let want = pivm(&["run", "examples/fib.pir", "--engine", engine, "--", arg]);
        let o = pivm(&[
            "run",
            "examples/fib.pir",
            "--engine",
            engine,
            "--probe-latency",
            "1ms",
            "--",
            arg,
        ]);
        assert_eq!((o.code, &o.stdout), (0, &want.stdout), "{}", o.stderr);
        let line = o
            .stderr
            .lines()
            .find(|l| l.starts_with("pivm: stats: probes="))
            .unwrap_or_else(|| panic!("no probe line: {}", o.stderr));
        let get = |k: &str| -> f64 {
            line.split_whitespace()
                .find_map(|kv| kv.strip_prefix(k)?.strip_prefix('=')?.parse().ok())
                .unwrap_or_else(|| panic!("no {k} in {line}"))
        };
        assert!(get("probes") >= 1.0, "{engine}: {line}");
        for pre in ["probe_", "probe_cpu_"] {
            let (p50, p99, max) = (
                get(&format!("{pre}p50_us")),
                get(&format!("{pre}p99_us")),
                get(&format!("{pre}max_us")),
            );
            assert!(p50 <= p99 && p99 <= max && max > 0.0, "{engine}: {line}");
        }
    }
    let o = pivm(&[
        "run",
        "examples/fib.pir",
        "--probe-latency",
        "0ms",
        "--",
        "3",
    ]);
    assert_eq!(o.code, 2, "{}", o.stderr);
}

/// `pivm inspect ... | head`: a reader that goes away ends the output
/// quietly (exit 0), never with a panic.
#[test]
fn inspect_into_a_closed_pipe_exits_quietly() {
    let dir = scratch("inspect-pipe");
    let snap = dir.join("s.msgpack");
    let o = pivm(&[
        "run",
        "examples/fib.pir",
        "--snapshot-after",
        "50",
        "--snapshot-path",
        snap.to_str().unwrap(),
        "--exit-after-snapshot",
    ]);
    assert_eq!(o.code, 85, "{}", o.stderr);
    for json in [false, true] {
        let mut args = vec!["inspect", snap.to_str().unwrap()];
        if json {
            args.push("--json");
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_pivm"))
            .args(&args)
            .current_dir(repo())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let o = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(0), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A message pivm cannot write (stderr a full device) does not change how
/// it ends: a compile error still exits 65 and a trap with the status it
/// has when its message is written, never an abort.
#[test]
fn unwritable_stderr_keeps_the_exit_status() {
    let dir = scratch("full-stderr");
    let bad = dir.join("bad.c");
    std::fs::write(&bad, "int main(void) { return undeclared; }\n").unwrap();
    let out = dir.join("bad.pir");
    let full = || {
        std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full")
    };
    let run = |args: &[&str], err: std::process::Stdio| {
        Command::new(env!("CARGO_BIN_EXE_pivm"))
            .args(args)
            .current_dir(repo())
            .stdout(std::process::Stdio::null())
            .stderr(err)
            .status()
            .expect("cannot run pivm")
            .code()
    };
    let compile = [
        "compile",
        bad.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ];
    assert_eq!(run(&compile, full().into()), Some(65));
    let trap = ["run", "tests/pir/trap_div.pir"];
    let want = run(&trap, std::process::Stdio::null());
    assert!(want.is_some_and(|c| c != 0 && c != 134), "{want:?}");
    assert_eq!(run(&trap, full().into()), want);
}

/// `compile -o -` writes the IR to standard output, as `gcc -o -` does,
/// the same text as without `-o`, and leaves no file named `-`.
#[test]
fn compile_to_dash_is_standard_output() {
    let plain = pivm(&["compile", "examples/fib.pir"]);
    assert_eq!(plain.code, 0, "{}", plain.stderr);
    let dash = pivm(&["compile", "examples/fib.pir", "-o", "-"]);
    assert_eq!(dash.code, 0, "{}", dash.stderr);
    assert!(dash.stdout.contains("func @main"), "{}", dash.stdout);
    assert_eq!(dash.stdout, plain.stdout);
    assert!(
        !repo().join("-").exists(),
        "compile -o - wrote a file named -"
    );
}

/// err.h's messages name the program as glibc's do, by the last part of
/// `argv[0]` (`pivm run` passes the program's file), on stderr, and
/// `errx` exits with its status; both engines print the same.
#[test]
fn err_h_names_the_program_on_stderr() {
    for engine in ["interp", "jit"] {
        let o = pivm(&["run", "--engine", engine, "tests/c/err_functions.c"]);
        assert_eq!(o.code, 3, "{engine}: {}", o.stderr);
        assert_eq!(o.stdout, "after warn, errno 2\n", "{engine}");
        assert_eq!(
            o.stderr,
            "err_functions.c: cannot open data.txt: No such file or directory\n\
             err_functions.c: Permission denied\n\
             err_functions.c: 3 items, done\n\
             err_functions.c: \n\
             err_functions.c: reported 42\n\
             err_functions.c: giving up after 2 tries\n",
            "{engine}"
        );
    }
}

/// What pivm has no host for fails as documented, not at compile time:
/// `popen` (no command processor, as `system`) is NULL with ENOSYS and
/// `pclose` -1 with ECHILD; `fdopen` gives the standard streams for their
/// descriptors and NULL with EBADF for any other; `isatty` is 0.
#[test]
fn popen_fdopen_and_isatty_without_a_host() {
    let dir = scratch("popen");
    let prog = dir.join("popen.c");
    std::fs::write(
        &prog,
        r#"#include <errno.h>
#include <stdio.h>
#include <unistd.h>
int main(void) {
    FILE *out = fdopen(1, "w");
    fprintf(out, "fdopen(1) is stdout: %d\n", out == stdout);
    errno = 0;
    int none = fdopen(5, "r") == NULL;
    printf("fdopen(5): %d %d\n", none, errno == EBADF);
    errno = 0;
    FILE *p = popen("echo hi", "r");
    printf("popen: %d %d\n", p == NULL, errno == ENOSYS);
    errno = 0;
    int r = pclose(stdin);
    printf("pclose: %d %d\n", r, errno == ECHILD);
    printf("isatty: %d %d\n", isatty(0), isatty(9));
    return 0;
}
"#,
    )
    .unwrap();
    for engine in ["interp", "jit"] {
        let o = pivm(&["run", "--engine", engine, prog.to_str().unwrap()]);
        assert_eq!(o.code, 0, "{engine}: {}", o.stderr);
        assert_eq!(
            o.stdout,
            "fdopen(1) is stdout: 1\nfdopen(5): 1 1\npopen: 1 1\npclose: -1 1\nisatty: 0 0\n",
            "{engine}"
        );
    }
}
