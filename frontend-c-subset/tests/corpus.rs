//! Compiles every C program of the repository (`tests/c/*.c`,
//! `examples/*.c`) to IR: the module must verify (the compiler checks it)
//! and its `.pir` text must read back to the same module. Running the
//! programs against gcc is `vm/tests/c_corpus.rs`.

use std::path::{Path, PathBuf};

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

#[test]
fn every_c_program_compiles_verifies_and_round_trips() {
    let mut files = c_files(&repo().join("tests/c"));
    files.extend(c_files(&repo().join("examples")));
    assert!(
        files.len() >= 30,
        "expected the C corpus, found {} files",
        files.len()
    );
    let mut failures = Vec::new();
    for f in &files {
        match pivm_cc::compile_file(f) {
            Ok(m) => {
                pivm_ir::verify(&m).expect("compile returns verified modules");
                let text = m.to_string();
                match pivm_ir::parse(&text, "roundtrip") {
                    Ok(back) => {
                        if back.to_string() != text {
                            failures
                                .push(format!("{}: .pir text does not round-trip", f.display()));
                        }
                    }
                    Err(e) => {
                        failures.push(format!("{}: printed IR does not parse: {e}", f.display()))
                    }
                }
            }
            Err(e) => failures.push(format!("{}:\n{e}", f.display())),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn instructions_carry_source_lines_and_allocations_carry_types() {
    let src = "#include <stdlib.h>\nstruct node { int v; struct node *next; };\nint main(void) {\n    struct node *n = malloc(sizeof *n);\n    int *a = (int *)calloc(4, sizeof(int));\n    free(a);\n    free(n);\n    return 0;\n}\n";
    let m = pivm_cc::compile(src, "alloc.c").unwrap();
    let text = m.to_string();
    assert!(text.contains("call @malloc(i64 16) as :node"), "{text}");
    assert!(text.contains("as i32"), "{text}");
    assert!(text.contains("line 4"), "{text}");
    assert_eq!(m.source.as_deref(), Some("alloc.c"));
}

#[test]
fn unaliased_scalars_are_named_locals_and_shadows_get_suffixes() {
    let src = "int main(void) {\n    int x = 1;\n    { int x = 2; x++; }\n    int y;\n    int *p = &y;\n    *p = x;\n    return y;\n}\n";
    let m = pivm_cc::compile(src, "names.c").unwrap();
    let text = m.to_string();
    assert!(text.contains("local %x: i32"), "{text}");
    assert!(text.contains("local %x.1: i32"), "{text}");
    assert!(text.contains("slot $y: i32"), "{text}");
    assert!(!text.contains("local %y:"), "{text}");
}

/// A local declared without an initializer is defined where its
/// declaration is reached, so one set on some paths only (Lua's
/// `lua_Number n1; if (tonumberns(v1, n1) && ...)`) is not live at the
/// loop's safepoint, nor kept in the frames saved there.
#[test]
fn uninitialized_locals_are_not_live_before_their_declaration() {
    let src = "int main(int argc, char **argv) {\n    double s = 0;\n    for (int i = 0; i < argc; i++) {\n        double n;\n        if (argv[i][0] == 'x') n = 2;\n        if (argv[i][0] == 'x') s += n;\n    }\n    return (int)s;\n}\n";
    let mut m = pivm_cc::compile(src, "uninit.c").unwrap();
    pivm_ir::safepoints::place(&mut m);
    let f = &m.funcs[m.func_by_name("main").unwrap()];
    let n = f
        .locals
        .iter()
        .position(|(_, l)| l.name == "n")
        .expect("a local n");
    let live = pivm_ir::liveness::frame_liveness(&m, f);
    assert!(!live.is_empty());
    for (k, set) in live.iter().enumerate() {
        assert!(!set.contains(n), "n is live at resume point {k}");
    }
}

#[test]
fn struct_layouts_match_the_ir() {
    let src = "struct a { char c; double d; short s; };\nstruct b { char x; struct a in[2]; int tail[3]; };\nunion u { char c[5]; int i; };\nstruct b gb; union u gu;\nint main(void) { return sizeof(struct b) + sizeof(union u); }\n";
    let m = pivm_cc::compile(src, "layout.c").unwrap();
    let layouts = pivm_ir::TypeLayouts::new(&m.types);
    let size = |name: &str| {
        let (id, _) = m.types.iter().find(|(_, t)| t.name == name).unwrap();
        layouts.named(id).unwrap().size
    };
    // gcc x86_64: struct a = 24, struct b = 8 + 48 + 12 -> 72, union u = 8.
    assert_eq!(size("a"), 24);
    assert_eq!(size("b"), 72);
    assert_eq!(size("u"), 8);
}
