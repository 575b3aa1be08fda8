//! Every `.pir` file in the repository parses, verifies (unless it is an
//! expected-error test), and prints back to itself: the printer and the
//! parser are exact inverses. Comment lines and blank lines are not part of
//! the canonical text and are ignored in the comparison.

use std::path::{Path, PathBuf};

fn pir_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if p.is_dir() {
            if name != "target" && !name.starts_with('.') {
                pir_files(&p, out);
            }
        } else if name.ends_with(".pir") {
            out.push(p);
        }
    }
}

/// The text without comments, trailing blanks and blank lines.
fn canonical_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.split(" ;").next().unwrap_or("").trim_end().to_string())
        .filter(|l| !l.trim_start().starts_with(';') && !l.is_empty())
        .collect()
}

#[test]
fn every_pir_file_round_trips() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut files = Vec::new();
    pir_files(root, &mut files);
    files.sort();
    assert!(
        !files.is_empty(),
        "no .pir files found under {}",
        root.display()
    );
    let mut checked = 0;
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        // Negative tests (expected parse errors) are not canonical text.
        if text.contains("; error:") || text.contains("; parse-error") {
            continue;
        }
        let m = match pivm_ir::parse(&text, &f.display().to_string()) {
            Ok(m) => m,
            Err(e) => panic!("{e}"),
        };
        let printed = m.to_string();
        let again = pivm_ir::parse(&printed, "printed").expect("printed text parses");
        assert_eq!(again, m, "{}: parse(print(m)) != m", f.display());
        let want = canonical_lines(&text);
        let got = canonical_lines(&printed);
        if want != got {
            let first = want
                .iter()
                .zip(&got)
                .position(|(a, b)| a != b)
                .unwrap_or(want.len().min(got.len()));
            panic!(
                "{} is not canonical at its {}th non-comment line:\n  file:    {:?}\n  printed: {:?}",
                f.display(),
                first + 1,
                want.get(first),
                got.get(first)
            );
        }
        checked += 1;
    }
    assert!(checked > 0);
}
