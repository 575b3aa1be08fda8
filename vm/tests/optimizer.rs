//! What `pivm_ir::optimize` changes, seen from outside. Self tail calls
//! run as loops (`pivm_ir::tailrec`): a recursion in tail position far
//! deeper than `--max-depth` finishes on both engines with gcc's output
//! (it would overflow the VM's stack as calls), and a trap in a function
//! made a loop still names that function and the line. A function copied
//! for the callback it is passed (`pivm_ir::specialize`) reports a trap
//! in its body as the original's, at its line. A recursion inlined into
//! itself needs no more shadow stack than its plain frames.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
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

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pivm-tail-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn tail_recursion_deeper_than_the_depth_limit_finishes() {
    let prog = repo().join("tests/c/tail_calls.c");
    let p = prog.to_str().unwrap();
    let dir = scratch("deep");
    let exe = dir.join("gcc");
    let st = Command::new("gcc")
        .args(["-O0", "-o", exe.to_str().unwrap(), p])
        .status()
        .expect("cannot run gcc");
    assert!(st.success());
    let want = Command::new(&exe).output().unwrap();
    let want = String::from_utf8(want.stdout).unwrap();
    // `deep(20000, 0)` recurses 20,000 times in tail position; the rest
    // of the program stays within 2,000 calls.
    assert!(want.contains("deep 30000"), "{want}");
    for engine in ["interp", "jit"] {
        let (code, out, err) = pivm(&["run", "--engine", engine, "--max-depth", "2000", p]);
        assert_eq!((code, out.as_str()), (0, want.as_str()), "{engine}: {err}");
    }
    // As calls, `deep` would overflow at 2,000. Calls that are not a
    // function's own tail calls still count: `is_even` and `is_odd` call
    // each other 1,001 deep.
    let (code, _, err) = pivm(&["run", "--max-depth", "1000", p]);
    assert_eq!(code, 139, "{err}");
    assert!(err.contains("stack overflow in function 'is_"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

const WALK: &str = r#"#include <stdio.h>
#include <stdlib.h>

struct cell { struct cell *next; int v; };

static int walk(struct cell *c, int skip) {
    if (skip == 0) return c->v;
    return c->v + walk(c->next, skip - 1);
}

int main(int argc, char **argv) {
    struct cell *head = NULL;
    for (int i = 0; i < 50; i++) {
        struct cell *c = malloc(sizeof *c);
        c->next = head;
        c->v = i;
        head = c;
    }
    printf("%d\n", walk(head, atoi(argv[1])));
    return 0;
}
"#;

#[test]
fn a_trap_in_a_function_made_a_loop_names_it_and_its_line() {
    let dir = scratch("walk");
    let src = dir.join("walk.c");
    std::fs::write(&src, WALK).unwrap();
    let p = src.to_str().unwrap();
    let (code, text, err) = pivm(&["compile", "--optimized", p]);
    assert_eq!(code, 0, "{err}");
    assert!(text.contains("tail.entry:"), "walk is not a loop:\n{text}");
    for engine in ["interp", "jit"] {
        let (code, out, err) = pivm(&["run", "--engine", engine, p, "--", "49"]);
        assert_eq!((code, out.as_str()), (0, "1225\n"), "{engine}: {err}");
        // The 51st cell is past the list's end: NULL.
        let (code, _, err) = pivm(&["run", "--engine", engine, p, "--", "50"]);
        assert_eq!(code, 139, "{engine}: {err}");
        let want = format!("pivm: trap: null pointer dereference in function 'walk' at {p}:7");
        assert!(err.contains(&want), "{engine}: wanted '{want}' in:\n{err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

const APPLY: &str = r#"#include <stdio.h>
#include <stdlib.h>

static int twice(int x) { return 2 * x; }

static int mean_of(const int *v, int n, int (*f)(int)) {
    int s = 0;
    for (int i = 0; i < n; i++) s += f(v[i]);
    return s / n;
}

int main(int argc, char **argv) {
    int v[4] = { 1, 2, 3, 4 };
    printf("%d %d\n", mean_of(v, atoi(argv[1]), twice), mean_of(v + 1, 3, twice));
    return 0;
}
"#;

#[test]
fn a_trap_in_a_function_copied_for_its_callback_names_the_original() {
    let dir = scratch("apply");
    let src = dir.join("apply.c");
    std::fs::write(&src, APPLY).unwrap();
    let p = src.to_str().unwrap();
    let (code, text, err) = pivm(&["compile", "--optimized", p]);
    assert_eq!(code, 0, "{err}");
    let copy = text
        .split("func @mean_of.twice(")
        .nth(1)
        .and_then(|t| t.split("\n}\n").next())
        .unwrap_or_else(|| panic!("no copy of mean_of:\n{text}"));
    assert!(text.contains("call @mean_of.twice("), "{text}");
    assert!(
        !copy.contains("call %"),
        "the callback is still called through a pointer:\n{copy}"
    );
    for engine in ["interp", "jit"] {
        let (code, out, err) = pivm(&["run", "--engine", engine, p, "--", "4"]);
        assert_eq!((code, out.as_str()), (0, "5 6\n"), "{engine}: {err}");
        let (code, _, err) = pivm(&["run", "--engine", engine, p, "--", "0"]);
        assert_eq!(code, 136, "{engine}: {err}");
        let want = format!("pivm: trap: integer division by zero in function 'mean_of' at {p}:9");
        assert!(err.contains(&want), "{engine}: wanted '{want}' in:\n{err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A recursion inlined into itself needs no more shadow stack than its
/// plain frames (`pivm_ir::inline::inline_recursive` leaves a function
/// with slots and two calls of itself alone): 4,200 frames of a
/// 240-byte array fit a 1 MiB stack on both engines, 4,400 do not.
#[test]
fn a_recursion_with_local_arrays_fits_the_stack_its_frames_need() {
    let prog = repo().join("tests/c/recursion_frames.c");
    let p = prog.to_str().unwrap();
    for engine in ["interp", "jit"] {
        let run = |depth| {
            let args = [
                "run",
                "--engine",
                engine,
                "--stack-size",
                "1048576",
                p,
                "--",
                depth,
            ];
            pivm(&args)
        };
        let (code, out, err) = run("4200");
        assert_eq!((code, out.as_str()), (0, "-31\n"), "{engine}: {err}");
        let (code, _, err) = run("4400");
        assert_eq!(code, 139, "{engine}: {err}");
        assert!(
            err.contains("stack overflow in function 'walk'"),
            "{engine}: {err}"
        );
    }
}
