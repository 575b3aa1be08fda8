//! Diagnostics: source locations, the files they point into, and rendering
//! in the `prog.c:LINE:COL: error: message` form with the source line and a
//! caret under the column (chibicc `verror_at` style).

use std::fmt::Write;

/// A position in a source file: file index in the `SourceMap`, 1-based
/// line and column.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Loc {
    pub file: u32,
    pub line: u32,
    pub col: u32,
}

/// One source text the compiler read: the main file, a local include, or
/// an embedded standard header.
#[derive(Debug)]
pub struct SourceFile {
    pub name: String,
    pub text: String,
}

/// Every file read while compiling one translation unit.
#[derive(Debug, Default)]
pub struct SourceMap {
    pub files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn add(&mut self, name: &str, text: String) -> u32 {
        self.files.push(SourceFile {
            name: name.to_string(),
            text,
        });
        (self.files.len() - 1) as u32
    }

    pub fn name(&self, file: u32) -> &str {
        self.files
            .get(file as usize)
            .map_or("?", |f| f.name.as_str())
    }
}

/// One error at a location.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diag {
    pub loc: Loc,
    pub msg: String,
}

impl Diag {
    pub fn new(loc: Loc, msg: impl Into<String>) -> Diag {
        Diag {
            loc,
            msg: msg.into(),
        }
    }
}

/// Renders diagnostics: the `file:line:col: error: message` line, then the
/// source line and a caret line (tabs kept so the caret lines up).
pub fn render(sm: &SourceMap, diags: &[Diag]) -> String {
    let mut out = String::new();
    for d in diags {
        let name = sm.name(d.loc.file);
        let _ = writeln!(out, "{name}:{}:{}: error: {}", d.loc.line, d.loc.col, d.msg);
        let Some(f) = sm.files.get(d.loc.file as usize) else {
            continue;
        };
        let Some(line) = f
            .text
            .split('\n')
            .nth((d.loc.line as usize).wrapping_sub(1))
        else {
            continue;
        };
        let line = line.trim_end_matches('\r');
        let _ = writeln!(out, "{line}");
        let mut caret = String::new();
        for (i, ch) in line.chars().enumerate() {
            if i + 1 >= d.loc.col as usize {
                break;
            }
            caret.push(if ch == '\t' { '\t' } else { ' ' });
        }
        caret.push('^');
        let _ = writeln!(out, "{caret}");
    }
    out
}
