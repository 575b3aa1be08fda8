//! Multi-file C programs against gcc, on both engines: each folder of
//! `tests/c/multi/` is one program, its `.c` files compiled and linked
//! with `gcc -O0 -w -lm` and run, then run with `pivm run *.c --engine
//! interp|jit -- ARGS`; stdout and the exit code must be identical. The
//! arguments come from an `/* args: ... */` comment in one of its files;
//! compiler options (`-I`, `-D`, `-U`, given to both) from a `cflags`
//! file. Commands run in the program's folder. Without gcc the test
//! fails: it never passes by skipping.

use std::path::{Path, PathBuf};
use std::process::Command;

fn multi_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/c/multi")
}

/// The `.c` files of a program folder, by name.
fn sources(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("readable program folder")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".c"))
        .collect();
    v.sort();
    v
}

fn words_after(text: &str, prefix: &str) -> Option<Vec<String>> {
    text.lines()
        .find_map(|l| l.trim().strip_prefix(prefix))
        .and_then(|rest| rest.trim().strip_suffix("*/"))
        .map(|a| a.split_whitespace().map(String::from).collect())
}

struct Out {
    stdout: Vec<u8>,
    stderr: String,
    code: Option<i32>,
}

fn run(cmd: &mut Command) -> Out {
    let out = cmd.output().expect("the command starts");
    Out {
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code(),
    }
}

#[test]
fn multi_file_programs_match_gcc_on_every_engine() {
    assert!(
        Command::new("gcc").arg("--version").output().is_ok(),
        "gcc is the oracle of this test: install it (apt-get install gcc)"
    );
    let tmp = std::env::temp_dir().join(format!("pivm-c-multi-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("temporary directory");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(multi_dir())
        .expect("tests/c/multi")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 5, "expected the multi-file programs");
    let mut failures = Vec::new();
    for (i, dir) in dirs.iter().enumerate() {
        let files = sources(dir);
        assert!(files.len() >= 2, "{}: a multi-file program", dir.display());
        let mut args = Vec::new();
        for f in &files {
            let text = std::fs::read_to_string(dir.join(f)).expect("readable C file");
            args.extend(words_after(&text, "/* args:").unwrap_or_default());
        }
        let flags: Vec<String> = std::fs::read_to_string(dir.join("cflags"))
            .map(|t| t.split_whitespace().map(String::from).collect())
            .unwrap_or_default();
        let exe = tmp.join(format!("prog{i}"));
        let gcc = run(Command::new("gcc")
            .current_dir(dir)
            .args(["-O0", "-w"])
            .args(&flags)
            .arg("-o")
            .arg(&exe)
            .args(&files)
            .arg("-lm"));
        if gcc.code != Some(0) {
            failures.push(format!(
                "{}: gcc cannot build it:\n{}",
                dir.display(),
                gcc.stderr
            ));
            continue;
        }
        let want = run(Command::new(&exe).current_dir(dir).args(&args));
        for engine in ["interp", "jit"] {
            let got = run(Command::new(env!("CARGO_BIN_EXE_pivm"))
                .current_dir(dir)
                .arg("run")
                .args(&files)
                .args(&flags)
                .args(["--engine", engine, "--snapshot-path"])
                .arg(tmp.join("unused.msgpack"))
                .arg("--")
                .args(&args));
            if got.stdout != want.stdout || got.code != want.code {
                failures.push(format!(
                    "{} (--engine {engine}): exit {:?}, gcc {:?}\n--- gcc ---\n{}\n--- pivm ---\n{}\n--- pivm stderr ---\n{}",
                    dir.display(),
                    got.code,
                    want.code,
                    String::from_utf8_lossy(&want.stdout),
                    String::from_utf8_lossy(&got.stdout),
                    got.stderr
                ));
            }
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `pivm compile a.c b.c -o prog.pir` writes one linked module, which
/// `pivm run prog.pir` runs like the sources.
#[test]
fn compile_links_files_into_one_pir() {
    let dir = multi_dir().join("statics");
    let tmp = std::env::temp_dir().join(format!("pivm-c-multi-pir-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("temporary directory");
    let pir = tmp.join("prog.pir");
    let c = run(Command::new(env!("CARGO_BIN_EXE_pivm"))
        .current_dir(&dir)
        .args(["compile", "a.c", "b.c", "-o"])
        .arg(&pir));
    assert_eq!(c.code, Some(0), "{}", c.stderr);
    let from_pir = run(Command::new(env!("CARGO_BIN_EXE_pivm"))
        .arg("run")
        .arg(&pir)
        .args(["--engine", "interp", "--snapshot-path"])
        .arg(tmp.join("unused.msgpack")));
    let from_c = run(Command::new(env!("CARGO_BIN_EXE_pivm"))
        .current_dir(&dir)
        .args(["run", "a.c", "b.c", "--engine", "interp", "--snapshot-path"])
        .arg(tmp.join("unused.msgpack")));
    let _ = std::fs::remove_dir_all(&tmp);
    assert_eq!(from_pir.code, Some(0), "{}", from_pir.stderr);
    assert_eq!(from_pir.stdout, from_c.stdout);
    // A mix of a .pir and C files is refused.
    let mixed = run(Command::new(env!("CARGO_BIN_EXE_pivm"))
        .current_dir(&dir)
        .args(["compile", "a.c", "b.pir"]));
    assert_ne!(mixed.code, Some(0));
    assert!(
        mixed.stderr.contains("'b.pir' is not a C file"),
        "{}",
        mixed.stderr
    );
}

/// A multi-file program snapshotted (on alternating engines) at up to 12
/// safepoints spread over its run, and resumed on the other engine,
/// prints what the uninterrupted run prints: a snapshot embeds the linked
/// module, and the variadic arguments and `va_list`s are VM memory.
#[test]
fn multi_file_programs_resume_on_the_other_engine() {
    let tmp = std::env::temp_dir().join(format!("pivm-c-multi-snap-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("temporary directory");
    let snap = tmp.join("prog.msgpack");
    let pivm = || Command::new(env!("CARGO_BIN_EXE_pivm"));
    let mut resumed = 0;
    let mut points = 0;
    for name in ["basic", "statics", "variadic"] {
        let dir = multi_dir().join(name);
        let files = sources(&dir);
        let mut args = Vec::new();
        for f in &files {
            let text = std::fs::read_to_string(dir.join(f)).expect("readable C file");
            args.extend(words_after(&text, "/* args:").unwrap_or_default());
        }
        let full = run(pivm()
            .current_dir(&dir)
            .arg("run")
            .args(&files)
            .args(["--engine", "interp", "--stats=count", "--snapshot-path"])
            .arg(&snap)
            .arg("--")
            .args(&args));
        let total: u64 = full
            .stderr
            .split_whitespace()
            .find_map(|w| w.strip_prefix("safepoints="))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{name}: no safepoint count: {}", full.stderr));
        let step = total.div_ceil(12).max(1);
        points += (1..total).step_by(step as usize).count();
        for (i, at) in (1..total).step_by(step as usize).enumerate() {
            let (first, second) = [("jit", "interp"), ("interp", "jit")][i % 2];
            let a = run(pivm()
                .current_dir(&dir)
                .arg("run")
                .args(&files)
                .args([
                    "--engine",
                    first,
                    "--exit-after-snapshot",
                    "--snapshot-after",
                ])
                .arg(at.to_string())
                .arg("--snapshot-path")
                .arg(&snap)
                .arg("--")
                .args(&args));
            assert_eq!(a.code, Some(85), "{name} at {at}: {}", a.stderr);
            let b = run(pivm().arg("resume").arg(&snap).args(["--engine", second]));
            let mut out = a.stdout.clone();
            out.extend_from_slice(&b.stdout);
            assert_eq!(
                (String::from_utf8_lossy(&out), b.code),
                (String::from_utf8_lossy(&full.stdout), full.code),
                "{name}: snapshot at {at} on {first}, resumed on {second}: {}",
                b.stderr
            );
            resumed += 1;
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
    // Small leaves are inlined (`pivm_ir::inline`): `statics` has no
    // safepoint but main's entry.
    assert!(
        resumed == points && resumed >= 10,
        "{resumed} of {points} resumes checked"
    );
}
