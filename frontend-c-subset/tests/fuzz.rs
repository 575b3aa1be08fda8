//! The frontend never panics: truncated and byte-mutated versions of the
//! C corpus, and a few pathological inputs, must compile or fail with
//! diagnostics, never crash (a panic would surface as an internal error).

use std::path::Path;

fn check(src: &str, what: &str) {
    if let Err(e) = pivm_cc::compile(src, "fuzz.c") {
        assert!(
            !e.contains("internal compiler error"),
            "{what}: {e}\n--- input ---\n{src}"
        );
    }
}

/// A small deterministic generator (xorshift).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn truncated_and_mutated_corpus_files_do_not_panic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/c");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "c"))
        .collect();
    files.sort();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    const SPICE: &[u8] = b"{}()[];,*&+-<>=!~?:#\"'\\/ \n0123456789abcxyz_.";
    // PIVM_FUZZ_ITERS raises the number of mutants per file for a longer run.
    let iters: usize = std::env::var("PIVM_FUZZ_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12);
    files.extend(
        std::fs::read_dir(dir.join("../../examples"))
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "c")),
    );
    for f in &files {
        let src = std::fs::read(f).unwrap();
        for k in 1..8 {
            let cut = src.len() * k / 8;
            check(&String::from_utf8_lossy(&src[..cut]), "truncated");
        }
        for _ in 0..iters {
            let mut m = src.clone();
            for _ in 0..1 + rng.next() % 4 {
                let i = (rng.next() as usize) % m.len().max(1);
                let c = SPICE[(rng.next() as usize) % SPICE.len()];
                match rng.next() % 3 {
                    0 => m[i] = c,
                    1 => m.insert(i, c),
                    _ => {
                        m.remove(i);
                    }
                }
            }
            check(&String::from_utf8_lossy(&m), "mutated");
        }
    }
}

#[test]
fn pathological_inputs_do_not_panic() {
    let deep_parens = format!(
        "int main(void) {{ return {}1{}; }}",
        "(".repeat(5000),
        ")".repeat(5000)
    );
    let long_chain = format!(
        "int main(void) {{ int x = 1; return {}; }}",
        vec!["x"; 30000].join("+")
    );
    let deep_blocks = format!(
        "int main(void) {{ {} return 0; {} }}",
        "{".repeat(3000),
        "}".repeat(3000)
    );
    let many_stars = format!("int {}p; int main(void) {{ return 0; }}", "*".repeat(3000));
    let self_include = "#include __FILE__\nint main(void) { return 0; }".to_string();
    let macro_bomb = "#define a b b\n#define b c c\n#define c d d\n#define d e e\n#define e f f\nint main(void) { int f = 0; return a; }".to_string();
    for (src, what) in [
        (deep_parens, "deep parentheses"),
        (long_chain, "long operator chain"),
        (deep_blocks, "deep blocks"),
        (many_stars, "many pointer levels"),
        (self_include, "self include"),
        (macro_bomb, "macro growth"),
        ("".to_string(), "empty"),
        ("\0\u{1}\u{7f}".to_string(), "control characters"),
        (
            "int main(void) { return 1 / 0; }".to_string(),
            "constant division by zero",
        ),
        (
            "int a[1ul << 62]; int main(void) { return 0; }".to_string(),
            "huge array",
        ),
        (
            "struct s { struct s x; }; int main(void) { return 0; }".to_string(),
            "recursive struct",
        ),
        (
            "int main(void) { switch (1) { case 1 ... 3: ; } }".to_string(),
            "case range",
        ),
        ("#if 1 /\n#endif".to_string(), "bad #if"),
        (
            "#define f(x) #y\nint i = f(1);".to_string(),
            "bad stringize",
        ),
        ("int x = 'abcde';".to_string(), "long char constant"),
        ("int main(void) { goto *p; }".to_string(), "computed goto"),
    ] {
        check(&src, what);
    }
}
