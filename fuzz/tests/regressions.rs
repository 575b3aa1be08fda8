//! Every input kept in `fuzz/regressions/TARGET/` (each once a crash,
//! hang or wrong answer found by fuzzing, since fixed) goes through the
//! function its fuzz target calls, which panics on a bug: each must now
//! be handled cleanly.

use std::path::Path;

#[test]
fn regressions_are_handled_cleanly() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("regressions");
    let mut ran = 0;
    for (target, run) in pivm_fuzz::TARGETS {
        let Ok(dir) = std::fs::read_dir(root.join(target)) else {
            continue;
        };
        let mut files: Vec<_> = dir.map(|e| e.unwrap().path()).collect();
        files.sort();
        for f in files {
            let data = std::fs::read(&f).unwrap();
            eprintln!("{target}: {}", f.display());
            run(&data);
            ran += 1;
        }
    }
    eprintln!("{ran} regression inputs handled");
}

/// The seed corpora are written, and every seed passes its target (a
/// failure here is a bug found without fuzzing at all).
#[test]
fn seeds_pass_their_targets() {
    let out = std::env::temp_dir().join(format!("pivm-fuzz-seeds-{}", std::process::id()));
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let counts = pivm_fuzz::seeds::write_all(&repo, &out).unwrap();
    for (target, run) in pivm_fuzz::TARGETS {
        let n = counts.iter().find(|c| c.0 == target).unwrap().1;
        assert!(n > 0, "no seeds for {target}");
        let mut files: Vec<_> = std::fs::read_dir(out.join(target))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for f in files {
            eprintln!("{target}: {}", f.display());
            let t = std::time::Instant::now();
            run(&std::fs::read(&f).unwrap());
            eprintln!("  {:?}", t.elapsed());
        }
    }
    std::fs::remove_dir_all(&out).unwrap();
}
