//! Bombs for the compiler: inputs a few KiB long whose cost grew without
//! bound (exponential macro and include expansion, declarators parsed
//! twice per level, types doubling through typedefs) or whose nesting
//! overflowed the compiler's stack. Each must fail quickly with its own
//! error, or compile, never crash; and chains that are not nesting
//! (`case` labels, `else if`) must compile however long they are.

use std::time::{Duration, Instant};

/// Compiles `src`: the result, checked to take under `secs` seconds.
fn compile(src: &str, secs: u64) -> Result<pivm_ir::Module, String> {
    let t = Instant::now();
    let r = pivm_cc::compile(src, "bomb.c");
    assert!(
        t.elapsed() < Duration::from_secs(secs),
        "took {:?} for {}...",
        t.elapsed(),
        src.chars().take(80).collect::<String>()
    );
    if let Err(e) = &r {
        assert!(!e.contains("internal compiler error"), "{e}");
    }
    r
}

/// Compiles `src`, which must fail with `want` in its first error.
fn refused(src: &str, want: &str) {
    let e = compile(src, 20)
        .err()
        .unwrap_or_else(|| panic!("compiled: {want}"));
    let first = e.lines().next().unwrap_or("");
    assert!(first.contains(want), "want '{want}', got: {first}");
}

fn main_returning(expr: &str) -> String {
    format!("int main(void) {{ int a = 1; int *p = &a; return {expr}; }}\n")
}

#[test]
fn macros_that_grow_exponentially_stop_at_the_expansion_budget() {
    let mut doubling = "#define A0 x\n".to_string();
    for i in 1..60 {
        doubling += &format!("#define A{i} A{} A{}\n", i - 1, i - 1);
    }
    doubling += "int main(void) { int x = 0; return A59; }\n";
    refused(&doubling, "macro expansion is too large");

    let mut calls = "#define F0(x) x x\n".to_string();
    for i in 1..40 {
        calls += &format!("#define F{i}(x) F{}(F{}(x))\n", i - 1, i - 1);
    }
    calls += "int main(void) { int y = 0; return F39(y); }\n";
    refused(&calls, "macro expansion is too large");

    // Each level copies the arguments of the levels inside it.
    let n = 100_000;
    let nested = format!(
        "#define f(x) x\nint main(void) {{ return {}1{}; }}\n",
        "f(".repeat(n),
        ")".repeat(n)
    );
    refused(&nested, "macro expansion is too large");
    let deep = format!(
        "#define f(x) x\nint main(void) {{ return {}1{}; }}\n",
        "f(".repeat(300),
        ")".repeat(300)
    );
    refused(&deep, "macro calls nested deeper than 256 in arguments");
    let fine = format!(
        "#define f(x) (x)\nint main(void) {{ return {}1{}; }}\n",
        "f(".repeat(200),
        ")".repeat(200)
    );
    compile(&fine, 20).unwrap();
}

#[test]
fn headers_that_include_each_other_twice_stop_at_the_include_budget() {
    let dir = std::env::temp_dir().join(format!("pivm-cc-incbomb-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for i in 0..40 {
        let next = format!("#include \"h{}.h\"\n", i + 1);
        std::fs::write(dir.join(format!("h{i}.h")), next.repeat(2)).unwrap();
    }
    std::fs::write(dir.join("h40.h"), "extern int x;\n").unwrap();
    let main = dir.join("main.c");
    std::fs::write(&main, "#include \"h0.h\"\nint main(void) { return 0; }\n").unwrap();
    let t = Instant::now();
    let e = pivm_cc::compile_file(&main).unwrap_err();
    assert!(t.elapsed() < Duration::from_secs(20), "{:?}", t.elapsed());
    assert!(e.contains("too many includes"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let n = 100_000;
    let wrap =
        |open: &str, mid: &str, close: &str| format!("{}{mid}{}", open.repeat(n), close.repeat(n));
    for (open, mid, close, what) in [
        ("(", "1", ")", "expression"),
        ("- ", "1", "", "expression"),
        ("++", "a", "", "expression"),
        ("sizeof ", "1", "", "expression"),
        ("(int)", "1", "", "declarator"),
        ("*&", "a", "", "expression"),
        ("a ? 1 : ", "0", "", "expression"),
        ("a = ", "0", "", "expression"),
        ("p[", "0", "]", "expression"),
    ] {
        let want = format!("{what} nested too deeply");
        refused(&main_returning(&wrap(open, mid, close)), &want);
    }
    for (src, want) in [
        (
            format!("int main(void) {{ {} return 0; }}", wrap("{", "", "}")),
            "statement nested too deeply",
        ),
        (
            format!(
                "int main(void) {{ int a = 0; {} a++; return a; }}",
                wrap("while (a) ", "", "")
            ),
            "nested too deeply",
        ),
        (
            format!(
                "int {}; int main(void) {{ return 0; }}",
                wrap("(", "p", ")")
            ),
            "declarator nested too deeply",
        ),
        (
            format!("int a{}; int main(void) {{ return 0; }}", "[1]".repeat(n)),
            "nested too deeply",
        ),
        (
            format!(
                "int main(void) {{ int a = {}; return a; }}",
                wrap("{", "1", "}")
            ),
            "initializer nested too deeply",
        ),
        (
            format!(
                "{} int x; {} int main(void) {{ return 0; }}",
                (0..n)
                    .map(|i| format!("struct s{i} {{"))
                    .collect::<String>(),
                "} m;".repeat(n)
            ),
            "struct or union nested too deeply",
        ),
        (
            format!("int {}p; int main(void) {{ return 0; }}", "*".repeat(n)),
            "type is too complex",
        ),
    ] {
        refused(&src, want);
    }
}

#[test]
fn nesting_within_the_limit_compiles() {
    let n = 250;
    for src in [
        main_returning(&format!("{}a{}", "(".repeat(n), ")".repeat(n))),
        main_returning(&format!("{}a", "- ".repeat(n))),
        format!("int main(void) {{ {} return 0; {} }}", "{".repeat(n), "}".repeat(n)),
        format!("int {}p{}; int main(void) {{ return 0; }}", "(".repeat(n - 2), ")".repeat(n - 2)),
        format!("char a{}; int main(void) {{ return 0; }}", "[1]".repeat(n - 2)),
        format!("int {}p; int main(void) {{ return 0; }}", "*".repeat(n)),
        // A chain of structs each holding the next: laid out however long.
        format!(
            "struct s0 {{ int x; }};\n{}struct s{} g;\nint main(void) {{ g{x} = 7; return g{x}; }}\n",
            (1..n).map(|i| format!("struct s{i} {{ struct s{} x; }};\n", i - 1)).collect::<String>(),
            n - 1,
            x = ".x".repeat(n)
        ),
    ] {
        compile(&src, 20).unwrap_or_else(|e| panic!("{e}"));
    }
}

/// Each level of a nested declarator parsed the levels inside it twice:
/// 24 levels took 7 s, 40 would take days.
#[test]
fn nested_declarators_are_parsed_once() {
    let src = format!(
        "int {}p{}; int (*{}q{})(int); int main(void) {{ return 0; }}",
        "(".repeat(40),
        ")".repeat(40),
        "(*".repeat(40),
        ")".repeat(40)
    );
    compile(&src, 5).unwrap_or_else(|e| panic!("{e}"));
}

/// Typedefs that each use the previous one twice double the type at each
/// step: comparing or printing it took exponential time.
#[test]
fn types_that_double_through_typedefs_are_refused() {
    let mut src = "typedef int t0;\n".to_string();
    for i in 1..=40 {
        src += &format!("typedef t{} (*t{i})(t{}, t{});\n", i - 1, i - 1, i - 1);
    }
    for tail in [
        "t40 a; int main(void) { int *b = a; return 0; }\n",
        "t40 a, b; int main(void) { a = b; return a == b; }\n",
    ] {
        refused(&(src.clone() + tail), "type is too complex");
    }
    let mut ok = "typedef int t0;\n".to_string();
    for i in 1..=6 {
        ok += &format!("typedef t{} (*t{i})(t{}, t{});\n", i - 1, i - 1, i - 1);
    }
    compile(
        &(ok + "t6 a, b; int main(void) { a = b; return a == b; }\n"),
        20,
    )
    .unwrap_or_else(|e| panic!("{e}"));
}

/// Long runs of labels and `else if` are chains, not nesting.
#[test]
fn long_chains_of_labels_and_else_ifs_compile() {
    // As long as a function may be (blocks times locals within the IR's
    // bound: `a_function_too_large_for_the_ir_is_refused...`).
    let n = 8_000;
    let cases: String = (0..n).map(|i| format!("case {i}: ")).collect();
    let labels: String = (0..n).map(|i| format!("l{i}: ")).collect();
    let else_ifs: String = (0..n)
        .map(|i| format!("if (a == {i}) b = {i}; else "))
        .collect();
    for src in [
        format!("int main(int c, char **v) {{ switch (c) {{ {cases} return 1; }} return 0; }}"),
        format!("int main(void) {{ {labels} return 0; }}"),
        format!("int main(int a, char **v) {{ int b = 0; {else_ifs} b = -1; return b; }}"),
    ] {
        compile(&src, 60).unwrap_or_else(|e| panic!("{e}"));
    }
}

/// One error repeated along a long line: at most 50 are shown, so the
/// output does not grow as the square of the line.
#[test]
fn errors_are_capped() {
    let src = main_returning(&format!("a{}", "++".repeat(100_000)));
    let e = compile(&src, 20).unwrap_err();
    assert!(e.len() < 100_000, "{} bytes of errors", e.len());
    assert!(
        e.ends_with("more errors not shown\n"),
        "{}",
        &e[e.len() - 200..]
    );
}

#[test]
fn a_function_too_large_for_the_ir_is_refused_before_it_costs_gigabytes() {
    // 20,000 statements in one function: 40,001 blocks times 20,003
    // locals, which took the JIT 3 GB and 18 s before the bound.
    let body = "  if (a) a++;\n".repeat(20_000);
    let src = format!("int main(void) {{ int a = 1;\n{body}  return a; }}\n");
    refused(&src, "function 'main' is too large for pivm");
    // A tenth of it compiles.
    let body = "  if (a) a++;\n".repeat(2_000);
    let src = format!("int main(void) {{ int a = 1;\n{body}  return a; }}\n");
    assert!(compile(&src, 20).is_ok());
}
