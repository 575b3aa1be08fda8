//! The lexer: C source text to preprocessing tokens (identifiers, pp-numbers,
//! character constants, string literals, punctuators). Numbers and literals
//! keep their spelling; the parser converts them, the preprocessor needs the
//! spelling for `#` and `##`. Comments and backslash-newlines vanish here.

use crate::diag::{Diag, Loc};
use std::rc::Rc;

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum TokKind {
    Ident,
    Num,
    Char,
    Str,
    Punct,
    /// An unterminated string literal or character constant (to the end
    /// of the line).
    BadStr,
    BadChar,
}

/// The macros a token came out of, which it must not expand again.
pub type HideSet = Rc<Vec<Rc<str>>>;

/// A preprocessing token.
#[derive(Clone, Debug)]
pub struct Token {
    pub kind: TokKind,
    pub text: Rc<str>,
    pub loc: Loc,
    /// First token of a source line (directives start with such a `#`).
    pub bol: bool,
    /// Preceded by white space (matters for `#` stringizing and for
    /// telling `#define F(x)` from `#define F (x)`).
    pub space: bool,
    /// Macros that must not expand this token again (Prosser's hide set).
    pub hide: HideSet,
    /// Produced by a macro expansion (such a `#` never starts a directive).
    pub expanded: bool,
}

impl Token {
    pub fn is(&self, s: &str) -> bool {
        matches!(self.kind, TokKind::Punct | TokKind::Ident) && &*self.text == s
    }
}

const PUNCTS: &[&str] = &[
    "<<=", ">>=", "...", "==", "!=", "<=", ">=", "->", "+=", "-=", "*=", "/=", "%=", "&=", "|=",
    "^=", "&&", "||", "++", "--", "<<", ">>", "##",
];

/// Splits `text` (file number `file`) into tokens.
pub fn tokenize(text: &str, file: u32) -> Result<Vec<Token>, Diag> {
    tokenize_at(text, file, 1, 1)
}

/// Translation phase 2: `text` with every backslash-newline removed, and
/// the offsets (in the result) where one was, in order. Only when there
/// is one (most text has none, and is lexed as it is).
fn splice_lines(text: &str) -> Option<(String, Vec<usize>)> {
    let b = text.as_bytes();
    let spliced_at = |i: usize| match b.get(i + 1) {
        Some(b'\n') => Some(2),
        Some(b'\r') if b.get(i + 2) == Some(&b'\n') => Some(3),
        _ => None,
    };
    let first = (0..b.len()).find(|&i| b[i] == b'\\' && spliced_at(i).is_some())?;
    let mut out = String::with_capacity(text.len());
    let mut at = Vec::new();
    let mut from = 0;
    let mut i = first;
    while i < b.len() {
        match (b[i], spliced_at(i)) {
            (b'\\', Some(n)) => {
                out.push_str(&text[from..i]);
                at.push(out.len());
                i += n;
                from = i;
            }
            _ => i += 1,
        }
    }
    out.push_str(&text[from..]);
    Some((out, at))
}

/// Like `tokenize`, starting at `line`:`col` (for re-lexing pasted tokens).
/// Lines are spliced first (phase 2: a backslash-newline vanishes even
/// inside an identifier or a number); locations stay those of the
/// physical lines.
pub fn tokenize_at(text: &str, file: u32, line: u32, col: u32) -> Result<Vec<Token>, Diag> {
    let spliced = splice_lines(text);
    let (text, splices) = match &spliced {
        Some((t, at)) => (t.as_str(), at.as_slice()),
        None => (text, &[][..]),
    };
    let b = text.as_bytes();
    let mut toks = Vec::new();
    let mut i = 0usize;
    let mut line = line;
    let mut line_start = 0usize;
    let col0 = col.saturating_sub(1);
    let mut bol = true;
    let mut space = false;
    let empty: HideSet = Rc::new(Vec::new());
    // The physical line and column of offset `i`: the splices between
    // the start of its logical line and `i` each began a physical line.
    let loc_of = |i: usize, line: u32, line_start: usize| {
        let from = splices.partition_point(|&s| s <= line_start);
        let to = splices.partition_point(|&s| s <= i);
        let (line, start) = match to.checked_sub(1).filter(|&k| k >= from) {
            Some(k) => (line + (to - from) as u32, splices[k]),
            None => (line, line_start),
        };
        Loc {
            file,
            line,
            col: (i - start) as u32 + 1 + if start == 0 { col0 } else { 0 },
        }
    };
    while i < b.len() {
        let c = b[i];
        if c == b'\n' {
            line = loc_of(i, line, line_start).line + 1;
            i += 1;
            line_start = i;
            bol = true;
            space = false;
            continue;
        }
        if c == b' ' || c == b'\t' || c == b'\r' || c == 0x0c || c == 0x0b {
            i += 1;
            space = true;
            continue;
        }
        if c == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            space = true;
            continue;
        }
        if c == b'/' && b.get(i + 1) == Some(&b'*') {
            let start = loc_of(i, line, line_start);
            i += 2;
            loop {
                if i + 1 >= b.len() {
                    return Err(Diag::new(start, "unterminated comment"));
                }
                if b[i] == b'*' && b[i + 1] == b'/' {
                    i += 2;
                    break;
                }
                if b[i] == b'\n' {
                    line = loc_of(i, line, line_start).line + 1;
                    line_start = i + 1;
                }
                i += 1;
            }
            space = true;
            continue;
        }
        let loc = loc_of(i, line, line_start);
        let start = i;
        let kind;
        if c.is_ascii_digit() || (c == b'.' && b.get(i + 1).is_some_and(|d| d.is_ascii_digit())) {
            // pp-number
            i += 1;
            while i < b.len() {
                let d = b[i];
                let exp_sign =
                    matches!(d, b'+' | b'-') && matches!(b[i - 1], b'e' | b'E' | b'p' | b'P');
                if exp_sign || d.is_ascii_alphanumeric() || d == b'.' || d == b'_' {
                    i += 1;
                } else {
                    break;
                }
            }
            kind = TokKind::Num;
        } else if let Some(q) = quote_at(b, i) {
            // A string literal or character constant, with its encoding
            // prefix (`L`, `u`, `U`, `u8`) if any.
            let quote = b[q];
            match scan_quoted(b, q, quote) {
                Some(end) => {
                    i = end;
                    kind = if quote == b'"' {
                        TokKind::Str
                    } else {
                        TokKind::Char
                    };
                }
                None => {
                    // An error only if it survives preprocessing (skipped
                    // groups may hold apostrophes in prose).
                    while i < b.len() && b[i] != b'\n' {
                        i += 1;
                    }
                    kind = if quote == b'"' {
                        TokKind::BadStr
                    } else {
                        TokKind::BadChar
                    };
                }
            }
        } else if c.is_ascii_alphabetic() || c == b'_' {
            i += 1;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            kind = TokKind::Ident;
        } else if let Some(p) = PUNCTS.iter().find(|p| b[i..].starts_with(p.as_bytes())) {
            i += p.len();
            kind = TokKind::Punct;
        } else if b"+-*/%&|^~!=<>?:;,.()[]{}#".contains(&c) {
            i += 1;
            kind = TokKind::Punct;
        } else {
            // Any other printable character is a preprocessing token of
            // its own (C11 6.4p1: `\` may be stringized); `is_stray` tells
            // the preprocessor to refuse it if it survives to the parser.
            // A control character is no C text: the file does not lex (and
            // an included one is never quoted).
            let ch = text[i..].chars().next().unwrap_or('?');
            if ch.is_control() {
                return Err(Diag::new(loc, format!("unexpected character '{ch}'")));
            }
            i += ch.len_utf8();
            kind = TokKind::Punct;
        }
        toks.push(Token {
            kind,
            text: Rc::from(&text[start..i]),
            loc,
            bol,
            space,
            hide: empty.clone(),
            expanded: false,
        });
        bol = false;
        space = false;
    }
    Ok(toks)
}

/// A token of a character that is no punctuator (`\`, `@`, `$`, a
/// non-ASCII character): fine in the preprocessor, an error after it.
pub fn is_stray(t: &Token) -> bool {
    t.kind == TokKind::Punct
        && t.text.len() <= 4
        && t.text.chars().count() == 1
        && !b"+-*/%&|^~!=<>?:;,.()[]{}#".contains(&t.text.as_bytes()[0])
}

/// Returns the index just past the closing quote, or `None` if the literal
/// is not closed on its line.
fn scan_quoted(b: &[u8], start: usize, q: u8) -> Option<usize> {
    let mut i = start + 1;
    while i < b.len() {
        match b[i] {
            b'\n' => return None,
            b'\\' if b.get(i + 1) == Some(&b'\n') => return None,
            b'\\' => i += 2,
            c if c == q => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// Where the opening quote is if a literal starts at `i`: a quote, or
/// an encoding prefix (`L`, `u`, `U` before either quote, `u8` before
/// `"`) and then one.
fn quote_at(b: &[u8], i: usize) -> Option<usize> {
    let is_quote = |j: usize| matches!(b.get(j), Some(b'"' | b'\''));
    match b[i] {
        b'"' | b'\'' => Some(i),
        b'L' | b'U' if is_quote(i + 1) => Some(i + 1),
        b'u' if is_quote(i + 1) => Some(i + 1),
        b'u' if b.get(i + 1) == Some(&b'8') && b.get(i + 2) == Some(&b'"') => Some(i + 2),
        _ => None,
    }
}

/// The precedence of a C binary operator (1 for `||` up to 10 for `*`),
/// shared by the parser and the preprocessor's `#if` evaluator.
pub fn binary_precedence(op: &str) -> Option<u8> {
    Some(match op {
        "||" => 1,
        "&&" => 2,
        "|" => 3,
        "^" => 4,
        "&" => 5,
        "==" | "!=" => 6,
        "<" | ">" | "<=" | ">=" => 7,
        "<<" | ">>" => 8,
        "+" | "-" => 9,
        "*" | "/" | "%" => 10,
        _ => return None,
    })
}
