//! Programs C forbids, with gcc as the oracle: every `tests/c/invalid/NAME.c`
//! (one translation unit) and `tests/c/invalid/NAME/` (the `.c` files of
//! one program) must be refused by gcc (`-std=c99 -pedantic-errors`;
//! `-fsyntax-only` for one file, a link for a folder) and by pivm-cc with
//! a located error (`file:line:col: error: ...`) and exactly the
//! diagnostics of `NAME.err`. `PIVM_TEST_BLESS=1` rewrites the `.err`
//! files. Without gcc the test fails: it never passes by skipping.

use std::path::{Path, PathBuf};
use std::process::Command;

fn is_located_error(line: &str) -> bool {
    let mut parts = line.splitn(4, ':');
    let (Some(file), Some(l), Some(c), Some(rest)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    !file.is_empty()
        && l.parse::<u32>().is_ok_and(|n| n > 0)
        && c.parse::<u32>().is_ok_and(|n| n > 0)
        && rest.starts_with(" error: ")
}

#[test]
fn invalid_programs_are_refused_like_gcc() {
    assert!(
        Command::new("gcc").arg("--version").output().is_ok(),
        "gcc is the oracle of this test: install it (apt-get install gcc)"
    );
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/c/invalid");
    let bless = std::env::var_os("PIVM_TEST_BLESS").is_some_and(|v| v == "1");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/c/invalid")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir() || p.extension().is_some_and(|x| x == "c"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 40, "expected the invalid programs");
    let tmp = std::env::temp_dir().join(format!("pivm-invalid-{}", std::process::id()));
    let mut failures = Vec::new();
    for case in &cases {
        let name = case.file_stem().unwrap().to_string_lossy().into_owned();
        // Files as the diagnostics name them (relative to `dir`).
        let files: Vec<String> = if case.is_dir() {
            let mut v: Vec<String> = std::fs::read_dir(case)
                .unwrap()
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".c"))
                .map(|n| format!("{name}/{n}"))
                .collect();
            v.sort();
            v
        } else {
            vec![format!("{name}.c")]
        };
        let mut gcc = Command::new("gcc");
        gcc.current_dir(&dir).args(["-std=c99", "-pedantic-errors"]);
        if case.is_dir() {
            gcc.arg("-o").arg(&tmp);
        } else {
            gcc.arg("-fsyntax-only");
        }
        let refused_by_gcc = !gcc
            .args(&files)
            .output()
            .expect("gcc runs")
            .status
            .success();
        if !refused_by_gcc {
            failures.push(format!("{name}: gcc accepts it: not an invalid program"));
        }
        let units = files
            .iter()
            .map(|f| (f.clone(), std::fs::read_to_string(dir.join(f)).unwrap()))
            .collect();
        let got = match pivm_cc::compile_units(units, &pivm_cc::Options::default()) {
            Ok(_) => {
                failures.push(format!("{name}: compiled, but gcc refuses it"));
                continue;
            }
            Err(e) => e,
        };
        assert!(!got.contains("internal compiler error"), "{name}: {got}");
        if !got.lines().next().is_some_and(is_located_error) {
            failures.push(format!("{name}: the first error has no location:\n{got}"));
        }
        let err_path = dir.join(format!("{name}.err"));
        if bless {
            std::fs::write(&err_path, &got).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&err_path).unwrap_or_default();
        if want != got {
            failures.push(format!(
                "{name}: diagnostics differ (PIVM_TEST_BLESS=1 to accept):\n--- want\n{want}--- got\n{got}"
            ));
        }
    }
    let _ = std::fs::remove_file(&tmp);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
