//! GNU's computed goto (`goto *p`) where `p` is no label's address: gcc's
//! program jumps anywhere; pivm's traps at the goto's line, on both
//! engines (the label addresses, the other cases, are compared with gcc
//! by `c_corpus` on `tests/c/computed_goto.c`).

use std::process::Command;

#[test]
fn a_computed_goto_to_no_label_traps_at_its_line_on_both_engines() {
    let dir = std::env::temp_dir().join(format!("pivm-cgoto-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
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
    let p = src.to_str().unwrap();
    for engine in ["interp", "jit"] {
        let o = Command::new(env!("CARGO_BIN_EXE_pivm"))
            .args(["run", "--engine", engine, p])
            .output()
            .expect("cannot run pivm");
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(String::from_utf8_lossy(&o.stdout), "before\n", "{engine}");
        assert_eq!(o.status.code(), Some(132), "{engine}: {err}");
        assert!(
            err.contains("pivm: trap: unreachable code executed in function 'main' at ")
                && err.contains("bad.c:7"),
            "{engine}: {err}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
