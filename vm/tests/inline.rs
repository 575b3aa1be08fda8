//! Inlined leaves (`pivm_ir::inline`) trap where they were written: a
//! trap in a small function inlined into its caller names that function
//! and its line, as without inlining, on both engines: a null pointer
//! through an accessor, an out-of-bounds store, a division by zero, a
//! builtin's trap (strlen of a bad pointer) and a load through a bad
//! pointer in a struct (`tests/c/inlined_leaves.c`, whose modes 1..5 trap).
//! `pivm compile --optimized` shows each of those functions inlined, so the
//! test fails if they stop being inlined instead of testing nothing.

use std::path::{Path, PathBuf};
use std::process::Command;

fn prog() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/c/inlined_leaves.c")
}

fn pivm(args: &[&str]) -> (i32, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_pivm"))
        .args(args)
        .output()
        .expect("cannot run pivm");
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// The line of the program that contains `text` (1-based).
fn line_of(text: &str) -> usize {
    let src = std::fs::read_to_string(prog()).unwrap();
    src.lines()
        .position(|l| l.contains(text))
        .unwrap_or_else(|| panic!("no line contains {text:?}"))
        + 1
}

#[test]
fn a_trap_in_an_inlined_leaf_names_the_leaf_and_its_line() {
    let p = prog();
    let p = p.to_str().unwrap();
    let (code, inlined, err) = pivm(&["compile", "--optimized", p]);
    assert_eq!(code, 0, "{err}");
    let cases = [
        (
            "1",
            139,
            "null pointer dereference",
            "get",
            "return g->cells",
        ),
        ("2", 139, "memory access out of bounds", "put", "= v;"),
        (
            "3",
            136,
            "integer division by zero",
            "ratio",
            "return a / b",
        ),
        ("4", 139, "null pointer dereference", "digest", "strlen(s)"),
        (
            "5",
            139,
            "null pointer dereference",
            "get",
            "return g->cells",
        ),
    ];
    for (mode, status, kind, func, text) in cases {
        assert!(
            !inlined.contains(&format!("call @{func}(")),
            "@{func} is not inlined:\n{inlined}"
        );
        assert!(
            inlined.contains(&format!("in @{func}\n")),
            "no line of @{func} in main:\n{inlined}"
        );
        let want = format!(
            "pivm: trap: {kind} in function '{func}' at {p}:{}",
            line_of(text)
        );
        for engine in ["interp", "jit"] {
            let (code, _, err) = pivm(&["run", "--engine", engine, p, "--", mode]);
            assert_eq!(code, status, "mode {mode} on {engine}: {err}");
            assert!(
                err.contains(&want),
                "mode {mode} on {engine}: wanted '{want}' in:\n{err}"
            );
        }
    }
}
