//! Lua 5.4, unmodified, as the proof that pivm runs real C: the sources
//! of the `lua-src` crate (a dev-dependency: cargo fetches them, nothing
//! is committed) with the driver `examples/lua/main.c`, built by pivm as
//! one translation unit (`examples/lua/onelua.c`) and as separate files,
//! run the scripts of `tests/lua/` with the output, exit status and
//! error messages of the same driver built with `gcc -O2`, on both
//! engines; a script stopped in its middle on one engine resumes on the
//! other with the same output, and `pivm inspect` shows the C stack
//! inside the Lua VM. Without gcc the test fails: it never passes by
//! skipping.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

const PIVM: &str = env!("CARGO_BIN_EXE_pivm");

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The host's target triple, as rustc names it.
fn host_triple() -> String {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_string());
    let out = Command::new(rustc)
        .arg("-vV")
        .output()
        .expect("rustc -vV runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.lines()
        .find_map(|l| l.strip_prefix("host: "))
        .expect("rustc -vV names the host")
        .to_string()
}

/// The folder of Lua 5.4's sources inside the `lua-src` package, found
/// with `cargo metadata` (where cargo unpacked the dev-dependency). Only
/// the host's packages: a fresh machine has not downloaded the others
/// (Windows-only ones), and `--offline` cannot.
fn lua_sources() -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| env!("CARGO").to_string());
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--offline", "--locked"])
        .args(["--filter-platform", &host_triple()])
        .arg("--manifest-path")
        .arg(repo().join("Cargo.toml"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "cargo metadata failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).expect("cargo metadata JSON");
    let manifest = meta["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .find(|p| p["name"] == "lua-src")
        .and_then(|p| p["manifest_path"].as_str())
        .expect("the lua-src package (a dev-dependency of pivm)");
    let root = Path::new(manifest).parent().expect("package folder");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .expect("lua-src's folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("lua-5.4"))
        })
        .collect();
    dirs.sort();
    dirs.pop().expect("lua-src ships Lua 5.4")
}

/// Lua's library and core files: every `.c` of the folder (lua-src ships
/// neither lua.c nor luac.c; they would be left out).
fn lua_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("Lua's sources")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "c"))
        .filter(|p| !p.ends_with("lua.c") && !p.ends_with("luac.c"))
        .collect();
    v.sort();
    assert!(v.len() >= 30, "expected Lua's sources, found {}", v.len());
    v
}

/// The driver built three ways, once for all tests.
struct Builds {
    /// `gcc -O2`, one unit: the oracle.
    gcc: PathBuf,
    /// pivm, one translation unit.
    one: PathBuf,
    /// pivm, Lua's files and the driver as separate units.
    multi: PathBuf,
}

fn check(what: &str, o: &Output) {
    assert!(
        o.status.success(),
        "{what} failed ({:?}):\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
}

fn builds() -> &'static Builds {
    static B: OnceLock<Builds> = OnceLock::new();
    B.get_or_init(|| {
        let lua = lua_sources();
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("lua");
        std::fs::create_dir_all(&dir).expect("the builds' directory");
        let examples = repo().join("examples/lua");
        let b = Builds {
            gcc: dir.join("lua-gcc"),
            one: dir.join("lua-one.pir"),
            multi: dir.join("lua-multi.pir"),
        };
        let gcc = Command::new("gcc")
            .args(["-O2", "-w", "-I"])
            .arg(&lua)
            .arg(examples.join("onelua.c"))
            .arg("-o")
            .arg(&b.gcc)
            .arg("-lm")
            .output()
            .expect("gcc is the oracle of this test: install it (apt-get install gcc)");
        check("gcc", &gcc);
        let compile = |files: &[PathBuf], out: &Path| {
            let o = Command::new(PIVM)
                .args(["compile", "-I"])
                .arg(&lua)
                .args(files)
                .arg("-o")
                .arg(out)
                .output()
                .expect("pivm runs");
            check(&format!("pivm compile {}", out.display()), &o);
        };
        compile(&[examples.join("onelua.c")], &b.one);
        let mut separate = vec![examples.join("main.c")];
        separate.extend(lua_files(&lua));
        compile(&separate, &b.multi);
        b
    })
}

/// The Lua scripts of `tests/lua/`.
fn scripts() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(repo().join("tests/lua"))
        .expect("tests/lua")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "lua"))
        .collect();
    v.sort();
    v
}

/// A fresh directory of its own holding a copy of `script`, to run it in
/// (the scripts create and remove files there; pivm preopens it). Tests
/// run in parallel, so each directory has a number of its own.
fn workdir(script: &Path) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let name = script.file_name().expect("script name");
    let w = std::env::temp_dir().join(format!(
        "pivm-lua-{}-run{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&w);
    std::fs::create_dir_all(&w).expect("working directory");
    std::fs::copy(script, w.join(name)).expect("copy of the script");
    w
}

/// Runs `cmd` in a fresh directory holding `script`, removed after.
fn run_in(script: &Path, cmd: &mut Command) -> Output {
    let w = workdir(script);
    let out = cmd.current_dir(&w).output().expect("the command starts");
    let _ = std::fs::remove_dir_all(&w);
    out
}

/// The gcc-built driver on `script` in its own directory, with an empty
/// environment as pivm gives programs, in UTC as pivm's time.h is.
fn gcc_run(script: &Path) -> Output {
    run_in(
        script,
        Command::new(&builds().gcc)
            .env_clear()
            .env("TZ", "UTC")
            .arg(script.file_name().expect("script name")),
    )
}

fn pivm_run(pir: &Path, engine: &str, script: &Path, extra: &[&str]) -> Output {
    run_in(
        script,
        Command::new(PIVM)
            .arg("run")
            .arg(pir)
            .args(["--dir", ".", "--engine", engine])
            .args(extra)
            .arg("--")
            .arg(script.file_name().expect("script name")),
    )
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Every script on `pir` with both engines against gcc: stdout, stderr
/// (Lua's error messages and tracebacks) and the exit status.
fn scripts_match_gcc(pir: &Path, build: &str) {
    let scripts = scripts();
    assert!(scripts.len() >= 4, "expected the Lua scripts of tests/lua");
    let mut failures = Vec::new();
    for s in &scripts {
        let want = gcc_run(s);
        for engine in ["jit", "interp"] {
            let got = pivm_run(pir, engine, s, &[]);
            if got.stdout != want.stdout
                || got.stderr != want.stderr
                || got.status.code() != want.status.code()
            {
                failures.push(format!(
                    "{} ({build}, --engine {engine}): exit {:?}, gcc {:?}\n--- gcc stdout ---\n{}\n--- pivm stdout ---\n{}\n--- gcc stderr ---\n{}\n--- pivm stderr ---\n{}",
                    s.display(),
                    got.status.code(),
                    want.status.code(),
                    text(&want.stdout),
                    text(&got.stdout),
                    text(&want.stderr),
                    text(&got.stderr)
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn lua_as_one_unit_matches_gcc_on_both_engines() {
    scripts_match_gcc(&builds().one, "one unit");
}

#[test]
fn lua_as_separate_files_matches_gcc_on_both_engines() {
    scripts_match_gcc(&builds().multi, "separate files");
}

/// The `key=value` of pivm's `--stats` line that has `key`.
fn stat(o: &Output, key: &str) -> Option<u64> {
    text(&o.stderr)
        .lines()
        .filter_map(|l| l.strip_prefix("pivm: stats:"))
        .flat_map(|l| l.split_whitespace())
        .filter_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
        .find_map(|v| v.parse().ok())
}

/// A script stopped halfway (a snapshot at the middle safepoint of its
/// run) on one engine, resumed on the other: the two outputs together
/// are gcc's, and `pivm inspect` of the snapshot shows where Lua was.
fn resumes_on_the_other_engine(from: &str, to: &str) {
    let script = repo().join("tests/lua/coroutines.lua");
    let want = gcc_run(&script);
    let one = &builds().one;
    let full = pivm_run(one, from, &script, &["--stats"]);
    assert_eq!(full.stdout, want.stdout, "{}", text(&full.stderr));
    let total = stat(&full, "safepoints").expect("pivm --stats counts safepoints");
    assert!(total > 1000, "{total} safepoints: the script is too short");
    let w = workdir(&script);
    let snap = w.join("lua.msgpack");
    let first = Command::new(PIVM)
        .current_dir(&w)
        .arg("run")
        .arg(one)
        .args(["--dir", ".", "--engine", from])
        .arg("--snapshot-after")
        .arg((total / 2).to_string())
        .arg("--snapshot-path")
        .arg(&snap)
        .args(["--exit-after-snapshot", "--", "coroutines.lua"])
        .output()
        .expect("pivm runs");
    assert_eq!(first.status.code(), Some(85), "{}", text(&first.stderr));
    assert!(
        !first.stdout.is_empty() && first.stdout.len() < want.stdout.len(),
        "the snapshot is not in the middle of the output"
    );
    let inspect = Command::new(PIVM)
        .arg("inspect")
        .arg(&snap)
        .output()
        .expect("pivm runs");
    check("pivm inspect", &inspect);
    let shown = text(&inspect.stdout);
    let backtrace = shown
        .split_once("\nbacktrace")
        .map(|(_, b)| b)
        .expect("inspect shows a backtrace");
    // A function copied for the callback it is passed carries a suffix
    // (`pivm_ir::specialize`: `luaD_rawrunprotected.f_call`).
    for f in ["main", "lua_pcallk", "luaD_rawrunprotected", "luaV_execute"] {
        assert!(
            backtrace.contains(&format!(" {f} at ")) || backtrace.contains(&format!(" {f}.")),
            "the backtrace has no {f}:\n{backtrace}"
        );
    }
    let second = Command::new(PIVM)
        .current_dir(&w)
        .arg("resume")
        .arg(&snap)
        .args(["--dir", ".", "--engine", to])
        .output()
        .expect("pivm runs");
    assert_eq!(second.status.code(), Some(0), "{}", text(&second.stderr));
    let _ = std::fs::remove_dir_all(&w);
    let mut got = first.stdout;
    got.extend_from_slice(&second.stdout);
    assert_eq!(text(&got), text(&want.stdout));
}

#[test]
fn lua_snapshot_on_the_jit_resumes_on_the_interpreter() {
    resumes_on_the_other_engine("jit", "interp");
}

#[test]
fn lua_snapshot_on_the_interpreter_resumes_on_the_jit() {
    resumes_on_the_other_engine("interp", "jit");
}
