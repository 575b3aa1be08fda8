//! GNU C whose gcc program goes wrong where pivm's traps, on both engines
//! (the well-behaved cases are compared with gcc by `c_corpus`, on
//! `tests/c/computed_goto.c` and `tests/c/alloca.c`): a computed goto
//! (`goto *p`) where `p` is no label's address (gcc's jumps anywhere), an
//! `alloca` of a negative size (gcc's moves the stack pointer anywhere).

use std::path::{Path, PathBuf};
use std::process::Command;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pivm-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `src` on both engines: the output `out`, exit status `code`, and
/// a trap message with `msg` in `main` at `at`.
fn traps_on_both(src: &Path, out: &str, code: i32, msg: &str, at: &str) {
    for engine in ["interp", "jit"] {
        let o = Command::new(env!("CARGO_BIN_EXE_pivm"))
            .args(["run", "--engine", engine, src.to_str().unwrap()])
            .output()
            .expect("cannot run pivm");
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(String::from_utf8_lossy(&o.stdout), out, "{engine}");
        assert_eq!(o.status.code(), Some(code), "{engine}: {err}");
        assert!(
            err.contains(&format!("pivm: trap: {msg} in function 'main' at ")) && err.contains(at),
            "{engine}: {err}"
        );
    }
}

#[test]
fn a_computed_goto_to_no_label_traps_at_its_line_on_both_engines() {
    let dir = scratch("cgoto");
    let src = dir.join("bad.c");
    std::fs::write(
        &src,
        "#include <stdio.h>\n\
         int main(int argc, char **argv) {\n\
         \x20   void *p = &&a;\n\
         \x20   printf(\"before\\n\");\n\
         \x20   if (argc > 1) p = &&b;\n\
         \x20   p = (char *)p + argc * 5;\n\
         \x20   goto *p;\n\
         a:\n\
         \x20   printf(\"a\\n\");\n\
         b:\n\
         \x20   return 0;\n\
         }\n",
    )
    .unwrap();
    traps_on_both(
        &src,
        "before\n",
        132,
        "unreachable code executed",
        "bad.c:7",
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_alloca_of_a_negative_size_traps_at_its_line_on_both_engines() {
    let dir = scratch("alloca");
    let src = dir.join("neg.c");
    std::fs::write(
        &src,
        "#include <alloca.h>\n\
         #include <stdio.h>\n\
         int main(int argc, char **argv) {\n\
         \x20   printf(\"before\\n\");\n\
         \x20   char *p = alloca(argc - 2);\n\
         \x20   return p == 0;\n\
         }\n",
    )
    .unwrap();
    traps_on_both(
        &src,
        "before\n",
        134,
        "variable-length array size is not positive or is too large for the heap",
        "neg.c:5",
    );
    let _ = std::fs::remove_dir_all(&dir);
}
