//! Negative tests: every `tests/c/errors/NAME.c` must fail to compile with
//! exactly the diagnostics in `NAME.err` (message, location, source line,
//! caret). `PIVM_TEST_BLESS=1` rewrites the `.err` files; otherwise a
//! difference is shown as a unified-style diff.

use std::path::Path;

fn diff(want: &str, got: &str) -> String {
    let (w, g): (Vec<&str>, Vec<&str>) = (want.lines().collect(), got.lines().collect());
    let mut out = String::new();
    let n = w.len().max(g.len());
    for i in 0..n {
        match (w.get(i), g.get(i)) {
            (Some(a), Some(b)) if a == b => out.push_str(&format!(" {a}\n")),
            (a, b) => {
                if let Some(a) = a {
                    out.push_str(&format!("-{a}\n"));
                }
                if let Some(b) = b {
                    out.push_str(&format!("+{b}\n"));
                }
            }
        }
    }
    out
}

#[test]
fn error_diagnostics_match_their_golden_files() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/c/errors");
    let bless = std::env::var_os("PIVM_TEST_BLESS").is_some_and(|v| v == "1");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "c"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 20,
        "expected the negative tests in {}",
        dir.display()
    );
    let mut failures = Vec::new();
    for f in &files {
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        let src = std::fs::read_to_string(f).unwrap();
        let got = match pivm_cc::compile(&src, &name) {
            Ok(_) => {
                failures.push(format!("{name}: compiled, but it must fail"));
                continue;
            }
            Err(e) => e,
        };
        assert!(!got.contains("internal compiler error"), "{name}: {got}");
        let err_path = f.with_extension("err");
        if bless {
            std::fs::write(&err_path, &got).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&err_path).unwrap_or_default();
        if want != got {
            failures.push(format!(
                "{name}: diagnostics differ (PIVM_TEST_BLESS=1 to accept):\n{}",
                diff(&want, &got)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
