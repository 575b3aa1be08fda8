//! Each function names the source file its lines are in: a program of
//! several files (`tests/c/sources/`: main.c, lib.c and a function
//! defined in util.h) reports a trap in lib.c as lib.c's, and `pivm
//! inspect` shows a backtrace whose frames name lib.c (or util.h) and
//! main.c, on both engines; the snapshot resumes on the other engine.

use std::path::{Path, PathBuf};
use std::process::Command;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/c/sources")
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn pivm(args: &[&str]) -> Out {
    let o = Command::new(env!("CARGO_BIN_EXE_pivm"))
        .args(args)
        .current_dir(dir())
        .env_remove("PIVM_SNAPSHOT_NOFORK")
        .output()
        .expect("cannot run pivm");
    Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

/// The line of `file` that contains `text` (1-based).
fn line_of(file: &str, text: &str) -> usize {
    let src = std::fs::read_to_string(dir().join(file)).unwrap();
    src.lines()
        .position(|l| l.contains(text))
        .expect("the line is there")
        + 1
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pivm-sources-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn a_trap_names_the_file_of_its_function() {
    let line = line_of("lib.c", "a / b");
    for engine in ["interp", "jit"] {
        let o = pivm(&["run", "main.c", "lib.c", "--engine", engine, "--", "1"]);
        assert_ne!(o.code, 0, "{engine}: {}", o.stderr);
        let want = format!("integer division by zero in function 'divide' at lib.c:{line}");
        assert!(
            o.stderr.contains(&want),
            "{engine}: wanted '{want}' in:\n{}",
            o.stderr
        );
    }
}

/// A snapshot inside `spin` (lib.c) called from `main` (main.c), and one
/// inside `count_up` (util.h), inlined into `main`: the backtrace names
/// each frame's file, and the function an inlined loop was written in,
/// in text and JSON, and the program resumes on the other engine with
/// the output of an uninterrupted run.
#[test]
fn inspect_names_the_file_of_each_frame() {
    let tmp = scratch("inspect");
    // `count_up` is inlined into `main` (called once): its loop is in
    // main's frame, shown as the function it was written in.
    let cases = [
        ("0", "spin", "lib.c", line_of("lib.c", "for (long i"), false),
        (
            "2",
            "count_up",
            "util.h",
            line_of("util.h", "for (long i"),
            true,
        ),
    ];
    for (mode, func, file, loop_line, inlined) in cases {
        let whole = pivm(&["run", "main.c", "lib.c", "--", mode]);
        assert_eq!(whole.code, 0, "{}", whole.stderr);
        for (engine, other) in [("interp", "jit"), ("jit", "interp")] {
            let snap = tmp.join(format!("{mode}-{engine}.msgpack"));
            let s = snap.to_str().unwrap();
            let o = pivm(&[
                "run",
                "main.c",
                "lib.c",
                "--engine",
                engine,
                "--snapshot-after",
                "5000",
                "--exit-after-snapshot",
                "--snapshot-path",
                s,
                "--",
                mode,
            ]);
            assert_eq!(o.code, 85, "{engine}: {}", o.stderr);
            let text = pivm(&["inspect", s]);
            assert_eq!(text.code, 0, "{}", text.stderr);
            let call_line = line_of("main.c", &format!("printf(\"%ld\\n\", {func}("));
            // The function, or a copy the optimizer made of it
            // (`@spin.const`: every call passes it the same constant).
            let inner = format!(" at {file}:{loop_line} ");
            let outer = format!("#1 main at main.c:{call_line} ");
            let named = if inlined {
                format!("#0 {func} (inlined into main) ")
            } else {
                format!("#0 {func} ")
            };
            assert!(
                text.stdout.lines().any(|l| {
                    let l = l.trim_start();
                    l.contains(&inner)
                        && (l.starts_with(&named) || l.starts_with(&format!("#0 {func}.")))
                }),
                "{engine}: no '{named}{inner}' in:\n{}",
                text.stdout
            );
            assert_eq!(
                text.stdout.contains(&outer),
                !inlined,
                "{engine}: '{outer}' in:\n{}",
                text.stdout
            );
            let json = pivm(&["inspect", s, "--json"]);
            assert_eq!(json.code, 0, "{}", json.stderr);
            let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
            let frames = v["frames"].as_array().expect("frames");
            assert_eq!(frames[0]["file"], file, "{engine}");
            assert_eq!(frames[0]["line"], loop_line as u64, "{engine}");
            if inlined {
                assert_eq!(frames.len(), 1, "{engine}");
                assert_eq!(frames[0]["function"], "main", "{engine}");
                assert_eq!(frames[0]["inlined"], func, "{engine}");
            } else {
                assert_eq!(frames[1]["file"], "main.c", "{engine}");
                assert!(frames[0].get("inlined").is_none(), "{engine}");
            }
            let resumed = pivm(&["resume", s, "--engine", other]);
            assert_eq!(resumed.code, 0, "{other}: {}", resumed.stderr);
            assert_eq!(
                o.stdout + &resumed.stdout,
                whole.stdout,
                "{engine} -> {other}"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
}

/// A single-file program keeps the module's one `source`: no function
/// of its own file carries one, while functions of an embedded header
/// do.
#[test]
fn functions_carry_a_source_only_outside_the_main_file() {
    let module = pivm_cc::compile_files(
        &[dir().join("main.c"), dir().join("lib.c")],
        &pivm_cc::Options::default(),
    )
    .expect("compiles");
    let source_of = |name: &str| {
        let f = module.func_by_name(name).expect("the function is there");
        module.func_source(f).map(str::to_string)
    };
    let main_c = dir().join("main.c").display().to_string();
    let lib_c = dir().join("lib.c").display().to_string();
    let util_h = dir().join("util.h").display().to_string();
    assert_eq!(source_of("divide").as_deref(), Some(lib_c.as_str()));
    assert_eq!(source_of("count_up").as_deref(), Some(util_h.as_str()));
    assert!(source_of("main").is_some_and(|s| s.contains(&main_c)));
    let single = pivm_cc::compile(
        "#include <stdio.h>\nint main(void) { perror(\"x\"); return 0; }\n",
        "one.c",
    )
    .expect("compiles");
    let main = single.func_by_name("main").unwrap();
    assert_eq!(single.funcs[main].source, None);
    assert_eq!(single.func_source(main), Some("one.c"));
    let perror = single.func_by_name("perror").unwrap();
    assert_eq!(single.func_source(perror), Some("stdio.h"));
    // The source of each function survives the text form.
    let text = single.to_string();
    let back = pivm_ir::parse(&text, "one.pir").expect("parses");
    assert_eq!(back, single);
}
