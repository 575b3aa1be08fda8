//! pivm-cc: compiles a C99 subset to pivm IR.
//!
//! The pipeline, one module per phase: `lex` (text to tokens), `preprocess`
//! (`#include` of `headers` and local files, macros, conditionals), `parse`
//! (tokens to the typed AST of `ast`, doing C's type checking with the types
//! of `ctype`), `lower` (AST to `pivm_ir::Module`), then safepoint placement
//! and the IR verifier. Errors are rendered by `diag`. `arith` maps C's
//! operators and conversions to IR opcodes for both the lowering and the
//! constant evaluator.

mod arith;
pub mod ast;
pub mod ctype;
pub mod diag;
pub mod headers;
mod headers_bsd;
mod headers_getopt;
mod headers_wide;
pub mod lex;
pub mod lower;
pub mod parse;
pub mod preprocess;

pub use preprocess::{Options, MAX_INCLUDE_BYTES};

use std::path::{Path, PathBuf};

/// Stack for the compiler thread: the parser and the lowering recurse on
/// the nesting of the program, which the parser bounds.
const STACK_SIZE: usize = 256 << 20;

/// Compiles the C file at `path` (its `#include "..."` relative to its
/// folder) to a verified IR module with safepoints placed. On failure
/// returns the rendered diagnostics (`prog.c:LINE:COL: error: ...`, the
/// source line and a caret), one or more.
pub fn compile_file(path: &Path) -> Result<pivm_ir::Module, String> {
    compile_files(&[path.to_path_buf()], &Options::default())
}

/// Compiles a program of one or more C files (translation units), each
/// preprocessed with `opts`, and links them: one verified IR module.
pub fn compile_files(paths: &[PathBuf], opts: &Options) -> Result<pivm_ir::Module, String> {
    let mut units = Vec::new();
    for path in paths {
        let bytes = std::fs::read(path)
            .map_err(|e| format!("{}: error: cannot read: {e}", path.display()))?;
        let src = String::from_utf8(bytes)
            .map_err(|_| format!("{}: error: the file is not UTF-8 text", path.display()))?;
        units.push((path.display().to_string(), src));
    }
    compile_units(units, opts)
}

/// Compiles C source text; `file` names it in diagnostics (and local
/// `#include "..."` files are looked up in its folder).
pub fn compile(src: &str, file: &str) -> Result<pivm_ir::Module, String> {
    compile_units(
        vec![(file.to_string(), src.to_string())],
        &Options::default(),
    )
}

/// Compiles translation units given as (name, source text) and links
/// them into one program (`parse::parse_units` has the linkage rules).
pub fn compile_units(
    units: Vec<(String, String)>,
    opts: &Options,
) -> Result<pivm_ir::Module, String> {
    let opts = opts.clone();
    let worker = std::thread::Builder::new()
        .name("pivm-cc".into())
        .stack_size(STACK_SIZE)
        .spawn(move || compile_on_this_thread(&units, &opts));
    match worker {
        Ok(h) => h.join().unwrap_or_else(|_| {
            Err("error: internal compiler error (the C frontend panicked)".into())
        }),
        Err(e) => Err(format!("error: cannot start the compiler thread: {e}")),
    }
}

fn compile_on_this_thread(
    units: &[(String, String)],
    opts: &Options,
) -> Result<pivm_ir::Module, String> {
    let mut sm = diag::SourceMap::default();
    let mut toks = Vec::new();
    let mut errors = Vec::new();
    for (name, src) in units {
        let main = sm.add(name, src.clone());
        match preprocess::preprocess_with(&mut sm, main, opts) {
            Ok(t) => toks.push(t),
            Err(d) => errors.extend(d),
        }
    }
    if !errors.is_empty() {
        return Err(diag::render(&sm, &errors));
    }
    let names: Vec<&str> = units.iter().map(|(n, _)| n.as_str()).collect();
    let file = names.join(", ");
    let system = (0..sm.files.len() as u32)
        .filter(|&f| sm.files[f as usize].system)
        .collect();
    let prog = parse::parse_units_in(toks, system).map_err(|d| diag::render(&sm, &d))?;
    let files: Vec<String> = sm.files.iter().map(|f| f.name.clone()).collect();
    let mut module = lower::lower_files(&prog, &file, &files).map_err(|d| diag::render(&sm, &d))?;
    pivm_ir::safepoints::place(&mut module);
    // A function past the IR's size bound is the program's limit, not a
    // compiler bug.
    for f in module.funcs.values() {
        let weight = f.blocks.len() as u64 * f.locals.len() as u64;
        if weight > pivm_ir::verify::MAX_FUNC_WEIGHT {
            return Err(format!(
                "{file}: error: function '{}' is too large for pivm: {} blocks times {} locals \
                 (temporaries included) is more than {}; split it into smaller functions",
                f.name,
                f.blocks.len(),
                f.locals.len(),
                pivm_ir::verify::MAX_FUNC_WEIGHT
            ));
        }
    }
    if let Err(e) = pivm_ir::verify(&module) {
        return Err(format!(
            "{file}: error: internal compiler error: the generated IR does not verify:\n{e}"
        ));
    }
    Ok(module)
}
