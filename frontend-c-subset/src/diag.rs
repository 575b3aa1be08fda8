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
    /// Whether errors may show its content (source lines, tokens in
    /// messages): not for an included file that is not C source by name
    /// (`.h`, `.c`) or does not even lex, so an error never shows the
    /// content of whatever file `#include` named (`/etc/shadow`).
    pub quote: bool,
    /// Set for the name a `#line` directive gives: its line `n` is line
    /// `n - delta` of file `file` (excerpts come from there).
    pub lines_of: Option<(u32, i64)>,
    /// One of pivm's embedded headers.
    pub system: bool,
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
            quote: true,
            lines_of: None,
            system: false,
        });
        (self.files.len() - 1) as u32
    }

    pub fn name(&self, file: u32) -> &str {
        self.files
            .get(file as usize)
            .map_or("?", |f| f.name.as_str())
    }
}

/// One error at a location, with notes pointing to the other places it
/// involves (the earlier definition of a redefined symbol).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diag {
    pub loc: Loc,
    pub msg: String,
    pub notes: Vec<(Loc, String)>,
}

impl Diag {
    pub fn new(loc: Loc, msg: impl Into<String>) -> Diag {
        Diag {
            loc,
            msg: msg.into(),
            notes: Vec::new(),
        }
    }

    /// This error with a note at `loc`.
    pub fn note(mut self, loc: Loc, msg: impl Into<String>) -> Diag {
        self.notes.push((loc, msg.into()));
        self
    }
}

/// The longest source excerpt an error shows, in characters.
const EXCERPT: usize = 120;
/// The longest message (it may quote a token), in characters.
const MESSAGE: usize = 300;
/// The most diagnostics shown: each costs a look through its file, and
/// one error repeated along a long line (`a++++...`) would make output
/// as large as the line times its length.
pub const MAX_SHOWN: usize = 50;

/// `s` with control characters (but tab) escaped, so an error never
/// sends a terminal escape sequence.
fn escaped(s: &str) -> String {
    let mut out = String::new();
    for ch in s.chars() {
        if ch.is_control() && ch != '\t' {
            out.extend(ch.escape_default());
        } else {
            out.push(ch);
        }
    }
    out
}

/// A message, escaped and cut to `MESSAGE` characters.
fn short(msg: &str) -> String {
    let e = escaped(msg);
    if e.chars().count() <= MESSAGE {
        return e;
    }
    let mut cut: String = e.chars().take(MESSAGE).collect();
    cut.push_str("...");
    cut
}

/// Renders diagnostics: each error, then its notes, as a
/// `file:line:col: error: message` line with the source line and a caret
/// (`excerpt`). At most `MAX_SHOWN`, then how many more.
pub fn render(sm: &SourceMap, diags: &[Diag]) -> String {
    let mut out = String::new();
    let mut hidden = Vec::new();
    if let Some(more) = diags.len().checked_sub(MAX_SHOWN).filter(|&n| n > 0) {
        let name = escaped(sm.name(diags[MAX_SHOWN].loc.file));
        let shown = render(sm, &diags[..MAX_SHOWN]);
        return format!("{shown}{name}: error: {more} more errors not shown\n");
    }
    for d in diags {
        let lines = std::iter::once(("error", d.loc, &d.msg))
            .chain(d.notes.iter().map(|(l, m)| ("note", *l, m)));
        for (kind, loc, msg) in lines {
            let file = sm.files.get(loc.file as usize);
            if file.is_some_and(|f| !f.quote) {
                // Its location only, once per file: the message could quote it.
                if !hidden.contains(&loc.file) {
                    hidden.push(loc.file);
                    let name = escaped(sm.name(loc.file));
                    let _ = writeln!(
                        out,
                        "{name}:{}:{}: error: the included file is not C source \
                         (not named .h or .c, or it does not lex); its content is not shown",
                        loc.line, loc.col
                    );
                }
                continue;
            }
            excerpt(&mut out, sm, kind, loc, msg);
        }
    }
    out
}

/// One `file:line:col: KIND: message` line, then the source line and a
/// caret line (tabs kept so the caret lines up). The source line is
/// escaped and, if long, cut to a window of `EXCERPT` characters around
/// the column.
fn excerpt(out: &mut String, sm: &SourceMap, kind: &str, loc: Loc, msg: &str) {
    let name = escaped(sm.name(loc.file));
    let msg = short(msg);
    let _ = writeln!(out, "{name}:{}:{}: {kind}: {msg}", loc.line, loc.col);
    let Some(mut f) = sm.files.get(loc.file as usize) else {
        return;
    };
    let mut line_no = loc.line as i64;
    if let Some((physical, delta)) = f.lines_of {
        let Some(p) = sm.files.get(physical as usize) else {
            return;
        };
        f = p;
        line_no -= delta;
    }
    let nth = usize::try_from(line_no - 1).unwrap_or(usize::MAX);
    let Some(line) = f.text.split('\n').nth(nth) else {
        return;
    };
    let line = line.trim_end_matches('\r');
    let chars: Vec<char> = line.chars().collect();
    let col = (loc.col as usize).saturating_sub(1);
    let (from, to, more) = if chars.len() <= EXCERPT {
        (0, chars.len(), false)
    } else {
        let from = col.saturating_sub(EXCERPT / 2).min(chars.len() - EXCERPT);
        (from, from + EXCERPT, true)
    };
    let shown: String = chars[from..to].iter().collect();
    let lead = if more && from > 0 { "..." } else { "" };
    let tail = if more && to < chars.len() { "..." } else { "" };
    let _ = writeln!(out, "{lead}{}{tail}", escaped(&shown));
    let mut caret = " ".repeat(lead.len());
    for &ch in &chars[from..to.min(col.max(from))] {
        let w = escaped(&ch.to_string()).chars().count();
        caret.push_str(&if ch == '\t' {
            "\t".into()
        } else {
            " ".repeat(w)
        });
    }
    caret.push('^');
    let _ = writeln!(out, "{caret}");
}
