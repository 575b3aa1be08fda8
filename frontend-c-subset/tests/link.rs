//! Linking translation units (`compile_units`): what pivm-cc decides
//! beyond what gcc's linker checks, and what it must accept.

use pivm_cc::{compile_units, Options};

fn units(files: &[(&str, &str)]) -> Result<pivm_ir::Module, String> {
    let v = files
        .iter()
        .map(|(n, s)| (n.to_string(), s.to_string()))
        .collect();
    compile_units(v, &Options::default())
}

#[test]
fn conflicting_types_across_units_name_both_places() {
    let err = units(&[
        (
            "a.c",
            "long f(int);\nint main(void) { return (int)f(1); }\n",
        ),
        ("b.c", "int f(int x) { return x; }\n"),
    ])
    .unwrap_err();
    assert!(
        err.contains("b.c:1:5: error: conflicting types for 'f'"),
        "{err}"
    );
    assert!(
        err.contains("a.c:1:6: note: 'f' is declared here with another type"),
        "{err}"
    );
    let err = units(&[
        (
            "a.c",
            "extern char buf[];\nint main(void) { return buf[0]; }\n",
        ),
        ("b.c", "char *buf;\n"),
    ])
    .unwrap_err();
    assert!(
        err.contains("b.c:1:7: error: conflicting types for 'buf'"),
        "{err}"
    );
}

#[test]
fn units_share_structs_inline_functions_and_keep_their_statics() {
    let header = "struct p { int x, y; };\n\
                  inline int twice(int v) { return 2 * v; }\n\
                  static int hidden(void) { return 1; }\n\
                  struct p make(int x);\n\
                  extern struct p origin;\n";
    let a = format!(
        "{header}struct p origin = {{1, 2}};\n\
         int main(void) {{ struct p q = make(twice(3)); return q.x + origin.y + hidden(); }}\n"
    );
    let b = format!(
        "{header}struct p make(int x) {{ struct p r = origin; r.x = x + hidden(); return r; }}\n"
    );
    let m = units(&[("a.c", &a), ("b.c", &b)]).unwrap();
    let names: Vec<&str> = m.funcs.values().map(|f| f.name.as_str()).collect();
    assert!(
        names.contains(&"hidden") && names.contains(&"hidden.1"),
        "{names:?}"
    );
    assert_eq!(
        names.iter().filter(|n| **n == "twice").count(),
        1,
        "{names:?}"
    );
}

#[test]
fn options_define_undefine_and_search_folders() {
    let dir = std::env::temp_dir().join(format!("pivm-cc-link-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("k.h"), "#define K (N + 1)\n").unwrap();
    let src = "#include <k.h>\n#ifdef GONE\n#error GONE must be undefined\n#endif\n\
               int main(void) { return K; }\n";
    let opts = Options {
        include_dirs: vec![dir.clone()],
        macros: vec![
            ("N".into(), Some("41".into())),
            ("GONE".into(), Some(String::new())),
            ("GONE".into(), None),
        ],
    };
    let r = compile_units(vec![("m.c".into(), src.into())], &opts);
    let _ = std::fs::remove_dir_all(&dir);
    let m = r.unwrap();
    assert!(m.to_string().contains("42"), "{m}");
}
