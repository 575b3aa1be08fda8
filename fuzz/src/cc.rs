//! Target `cc`: C source through the C frontend as `pivm run prog.c` and
//! `pivm compile` take it (preprocess, parse, type-check, lower, place
//! safepoints, verify).
//!
//! Checks, for any UTF-8 input: the frontend returns a module or its
//! diagnostics, never panics (its thread's panic would show as an
//! internal compiler error) and never produces IR the verifier refuses;
//! and the module prints as `.pir` text that parses and verifies, the
//! same text again (`pivm compile` output is a program `pivm run` loads);
//! optimized as `pivm run` does, it still verifies and reads back.
//!
//! The source is named in a folder that does not exist, so a quoted
//! `#include` of a relative path finds nothing.

pub const NAME: &str = "/nonexistent-pivm-fuzz/fuzz.c";

pub fn run(data: &[u8]) {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    let module = match pivm_cc::compile(src, NAME) {
        Ok(m) => m,
        Err(diags) => {
            assert!(
                !diags.contains("internal compiler error"),
                "the C frontend failed:\n{diags}"
            );
            return;
        }
    };
    let text = module.to_string();
    let again = pivm_ir::parse(&text, "fuzz.pir")
        .unwrap_or_else(|e| panic!("the compiled module does not parse: {e:?}\n{text}"));
    if let Err(e) = pivm_ir::verify(&again) {
        panic!("the compiled module, read back, does not verify:\n{e}\n{text}");
    }
    assert!(
        again.to_string() == text,
        "the compiled module reads back differently:\n{text}"
    );
    // As `pivm run` runs it: optimized, it still verifies, and its text
    // (with inlined instructions' origins) reads back the same.
    let mut opt = again;
    pivm_ir::optimize(&mut opt);
    if let Err(e) = pivm_ir::verify(&opt) {
        panic!("the optimized module does not verify:\n{e}\n{opt}");
    }
    let text = opt.to_string();
    let back = pivm_ir::parse(&text, "fuzz.pir")
        .unwrap_or_else(|e| panic!("the optimized module does not parse: {e:?}\n{text}"));
    assert!(
        back.to_string() == text,
        "the optimized module reads back differently:\n{text}"
    );
}
