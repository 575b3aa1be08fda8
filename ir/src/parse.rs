//! The `.pir` parser. It reads exactly what `write.rs` prints; the grammar
//! is in ir/PIR.md. The format is line-oriented: every declaration,
//! label and instruction is one line, and `;` starts a comment.

use crate::entities::{Block, BuiltinId, EntityVec, FuncId, GlobalId, Local, TypeId};
use crate::error::ParseError;
use crate::module::{
    AddrOf, BlockData, BuiltinDecl, Callee, Function, Global, InitItem, Inst, InstKind, LocalDecl,
    Module, Operand, Signature, SlotDecl, SymbolRef, MAX_GLOBAL_ALIGN,
};
use crate::opcodes::{OpClass, Opcode};
use crate::types::{AggKind, MemType, Type, TypeDef};
use std::collections::HashMap;

#[derive(Clone, PartialEq, Debug)]
enum Tok {
    Local(String),
    Sym(String),
    Slot(String),
    TypeName(String),
    Ident(String),
    Num(String),
    Str(Vec<u8>),
    Punct(&'static str),
}

impl Tok {
    fn describe(&self) -> String {
        match self {
            Tok::Local(s) => format!("'%{s}'"),
            Tok::Sym(s) => format!("'@{s}'"),
            Tok::Slot(s) => format!("'${s}'"),
            Tok::TypeName(s) => format!("':{s}'"),
            Tok::Ident(s) | Tok::Num(s) => format!("'{s}'"),
            Tok::Str(_) => "a string".to_string(),
            Tok::Punct(p) => format!("'{p}'"),
        }
    }
}

fn is_name_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'.'
}

/// A line of tokens with their 1-based columns.
struct Line {
    no: usize,
    toks: Vec<(usize, Tok)>,
    /// Column just past the last character, for "expected ..." at the end.
    end: usize,
}

fn lex_line(file: &str, no: usize, text: &str) -> Result<Line, ParseError> {
    let b = text.as_bytes();
    let mut toks = Vec::new();
    let mut i = 0;
    let err = |col: usize, message: String| ParseError {
        file: file.to_string(),
        line: no,
        col,
        message,
    };
    while i < b.len() {
        let c = b[i];
        let col = i + 1;
        if c == b' ' || c == b'\t' || c == b'\r' {
            i += 1;
            continue;
        }
        if c == b';' {
            break;
        }
        let name = |start: usize| -> (String, usize) {
            let mut j = start;
            while j < b.len() && is_name_char(b[j]) {
                j += 1;
            }
            (text[start..j].to_string(), j)
        };
        match c {
            b'%' | b'@' | b'$' => {
                let (n, j) = name(i + 1);
                if n.is_empty() {
                    return Err(err(col, format!("expected a name after '{}'", c as char)));
                }
                toks.push((
                    col,
                    match c {
                        b'%' => Tok::Local(n),
                        b'@' => Tok::Sym(n),
                        _ => Tok::Slot(n),
                    },
                ));
                i = j;
            }
            b':' if i + 1 < b.len() && is_name_char(b[i + 1]) => {
                let (n, j) = name(i + 1);
                toks.push((col, Tok::TypeName(n)));
                i = j;
            }
            b'"' => {
                let mut j = i + 1;
                let mut bytes = Vec::new();
                loop {
                    match b.get(j) {
                        None => return Err(err(col, "unterminated string".into())),
                        Some(b'"') => break,
                        Some(b'\\') => {
                            let hex = text.get(j + 1..j + 3).unwrap_or("");
                            match u8::from_str_radix(hex, 16) {
                                Ok(v) if hex.len() == 2 => bytes.push(v),
                                _ => {
                                    return Err(err(
                                        j + 1,
                                        "bad escape: write a byte as \\ and two hex digits".into(),
                                    ))
                                }
                            }
                            j += 3;
                        }
                        Some(&ch) => {
                            bytes.push(ch);
                            j += 1;
                        }
                    }
                }
                toks.push((col, Tok::Str(bytes)));
                i = j + 1;
            }
            b'-' if b.get(i + 1) == Some(&b'>') => {
                toks.push((col, Tok::Punct("->")));
                i += 2;
            }
            b'.' if text[i..].starts_with("...") => {
                toks.push((col, Tok::Punct("...")));
                i += 3;
            }
            b'0'..=b'9' | b'-' | b'+' => {
                let mut j = i + 1;
                while j < b.len() {
                    let d = b[j];
                    let exp_sign = (d == b'-' || d == b'+')
                        && matches!(b[j - 1], b'e' | b'E')
                        && !text[i..j].contains(['x', 'X']);
                    if d.is_ascii_alphanumeric() || d == b'.' || d == b'_' || exp_sign {
                        j += 1;
                    } else {
                        break;
                    }
                }
                if j == i + 1 && (c == b'-' || c == b'+') {
                    return Err(err(col, format!("unexpected '{}'", c as char)));
                }
                toks.push((col, Tok::Num(text[i..j].to_string())));
                i = j;
            }
            _ if c.is_ascii_alphabetic() || c == b'_' => {
                let (n, j) = name(i);
                toks.push((col, Tok::Ident(n)));
                i = j;
            }
            _ => {
                let p = match c {
                    b'=' => "=",
                    b',' => ",",
                    b'(' => "(",
                    b')' => ")",
                    b'{' => "{",
                    b'}' => "}",
                    b'[' => "[",
                    b']' => "]",
                    b':' => ":",
                    _ => {
                        let ch = text[i..].chars().next().unwrap_or('?');
                        return Err(err(col, format!("unexpected character '{ch}'")));
                    }
                };
                toks.push((col, Tok::Punct(p)));
                i += 1;
            }
        }
    }
    Ok(Line {
        no,
        toks,
        end: text.trim_end().len() + 1,
    })
}

/// A cursor over one line's tokens.
struct Cur<'a> {
    file: &'a str,
    line: &'a Line,
    pos: usize,
}

impl<'a> Cur<'a> {
    fn err_at(&self, col: usize, message: impl Into<String>) -> ParseError {
        ParseError {
            file: self.file.to_string(),
            line: self.line.no,
            col,
            message: message.into(),
        }
    }
    fn col(&self) -> usize {
        self.line
            .toks
            .get(self.pos)
            .map_or(self.line.end, |(c, _)| *c)
    }
    fn err(&self, message: impl Into<String>) -> ParseError {
        self.err_at(self.col(), message)
    }
    fn peek(&self) -> Option<&'a Tok> {
        self.line.toks.get(self.pos).map(|(_, t)| t)
    }
    fn next(&mut self) -> Option<&'a Tok> {
        let t = self.peek();
        if t.is_some() {
            self.pos += 1;
        }
        t
    }
    fn expected(&self, what: &str) -> ParseError {
        match self.peek() {
            Some(t) => self.err(format!("expected {what}, found {}", t.describe())),
            None => self.err(format!("expected {what} at end of line")),
        }
    }
    fn is_punct(&self, p: &str) -> bool {
        matches!(self.peek(), Some(Tok::Punct(q)) if *q == p)
    }
    fn eat(&mut self, p: &str) -> bool {
        if self.is_punct(p) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn expect(&mut self, p: &str) -> Result<(), ParseError> {
        if self.eat(p) {
            Ok(())
        } else {
            Err(self.expected(&format!("'{p}'")))
        }
    }
    fn ident(&mut self, what: &str) -> Result<&'a str, ParseError> {
        match self.peek() {
            Some(Tok::Ident(s)) => {
                self.pos += 1;
                Ok(s)
            }
            _ => Err(self.expected(what)),
        }
    }
    fn keyword(&mut self, kw: &str) -> Result<(), ParseError> {
        match self.peek() {
            Some(Tok::Ident(s)) if s == kw => {
                self.pos += 1;
                Ok(())
            }
            _ => Err(self.expected(&format!("'{kw}'"))),
        }
    }
    fn end(&self) -> Result<(), ParseError> {
        match self.peek() {
            None => Ok(()),
            Some(t) => Err(self.err(format!("unexpected {} at end of line", t.describe()))),
        }
    }
    fn scalar_type(&mut self) -> Result<Type, ParseError> {
        let col = self.col();
        let s = self.ident("a type")?;
        Type::from_name(s).ok_or_else(|| {
            self.err_at(
                col,
                format!("unknown type '{s}' (expected i8, i16, i32, i64, f32, f64 or ptr)"),
            )
        })
    }
    fn number(&mut self, what: &str) -> Result<(usize, &'a str), ParseError> {
        let col = self.col();
        match self.peek() {
            Some(Tok::Num(s)) => {
                self.pos += 1;
                Ok((col, s))
            }
            _ => Err(self.expected(what)),
        }
    }
    fn u64(&mut self, what: &str) -> Result<u64, ParseError> {
        let (col, s) = self.number(what)?;
        parse_uint(s).ok_or_else(|| self.err_at(col, format!("expected {what}, found '{s}'")))
    }
    fn constant(&mut self, ty: Type) -> Result<u64, ParseError> {
        let (col, s) = self.number(&format!("a {ty} constant"))?;
        parse_const(ty, s).map_err(|m| self.err_at(col, m))
    }
}

fn parse_uint(s: &str) -> Option<u64> {
    if let Some(h) = s.strip_prefix("0x") {
        u64::from_str_radix(h, 16).ok()
    } else {
        s.parse::<u64>().ok()
    }
}

/// Parses a constant of type `ty` (see `write::fmt_const`).
pub(crate) fn parse_const(ty: Type, s: &str) -> Result<u64, String> {
    if ty.is_float() {
        if let Some(h) = s.strip_prefix("0x") {
            return u64::from_str_radix(h, 16)
                .ok()
                .filter(|v| v & !ty.mask() == 0)
                .ok_or_else(|| format!("bad {ty} bit pattern '{s}'"));
        }
        return match ty {
            Type::F32 => s.parse::<f32>().map(|x| x.to_bits() as u64),
            _ => s.parse::<f64>().map(f64::to_bits),
        }
        .map_err(|_| format!("bad {ty} constant '{s}'"));
    }
    let (neg, digits) = match s.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, s),
    };
    let mag = parse_uint(digits).ok_or_else(|| format!("bad {ty} constant '{s}'"))?;
    let bits = ty.bits();
    let fits = if neg {
        bits == 64 && mag <= 1 << 63 || bits < 64 && mag <= 1 << (bits - 1)
    } else {
        mag & !ty.mask() == 0
    };
    if !fits {
        return Err(format!("constant '{s}' does not fit in {ty}"));
    }
    Ok(if neg { mag.wrapping_neg() } else { mag } & ty.mask())
}

#[derive(Copy, Clone)]
enum Sym {
    Global(GlobalId),
    Builtin(BuiltinId),
    Func(FuncId),
}

struct Parser<'a> {
    file: &'a str,
    lines: Vec<Line>,
    module: Module,
    syms: HashMap<String, Sym>,
    type_names: HashMap<String, TypeId>,
}

/// Parses `.pir` text. `file` names the input in error messages.
pub fn parse(text: &str, file: &str) -> Result<Module, ParseError> {
    let mut lines = Vec::new();
    for (i, l) in text.lines().enumerate() {
        let line = lex_line(file, i + 1, l)?;
        if !line.toks.is_empty() {
            lines.push(line);
        }
    }
    let mut p = Parser {
        file,
        lines,
        module: Module::default(),
        syms: HashMap::new(),
        type_names: HashMap::new(),
    };
    p.declare_names()?;
    p.parse_module()?;
    Ok(p.module)
}

/// Parses one memory type in `.pir` syntax (`i32`, `:node`, `[4 x f64]`),
/// naming the types of `module`: what a snapshot records of an allocation.
/// Errors name column positions in `text` (the "file" is `<type>`). To
/// parse many, make one `MemTypeParser`.
pub fn parse_mem_type(text: &str, module: &Module) -> Result<MemType, ParseError> {
    MemTypeParser::new(module).parse(text)
}

/// Parses memory types naming the types of one module, the table of type
/// names built once: a snapshot's allocation table may hold millions of
/// types, and a module thousands of type names. Each distinct text is
/// parsed once: millions of allocations share a few types.
pub struct MemTypeParser {
    parser: Parser<'static>,
    parsed: std::cell::RefCell<HashMap<String, MemType>>,
}

impl MemTypeParser {
    pub fn new(module: &Module) -> MemTypeParser {
        MemTypeParser {
            parser: Parser {
                file: "<type>",
                lines: Vec::new(),
                module: Module::default(),
                syms: HashMap::new(),
                type_names: module
                    .types
                    .iter()
                    .map(|(id, d)| (d.name.clone(), id))
                    .collect(),
            },
            parsed: Default::default(),
        }
    }

    /// Parses `text`, a memory type (see `parse_mem_type`).
    pub fn parse(&self, text: &str) -> Result<MemType, ParseError> {
        if let Some(t) = self.parsed.borrow().get(text) {
            return Ok(t.clone());
        }
        let t = self.parse_text(text)?;
        self.parsed.borrow_mut().insert(text.to_string(), t.clone());
        Ok(t)
    }

    fn parse_text(&self, text: &str) -> Result<MemType, ParseError> {
        let file = self.parser.file;
        let line = lex_line(file, 1, text)?;
        let mut c = Cur {
            file,
            line: &line,
            pos: 0,
        };
        let t = self.parser.mem_type(&mut c)?;
        c.end()?;
        Ok(t)
    }
}

impl<'a> Parser<'a> {
    fn cur(&self, i: usize) -> Cur<'_> {
        Cur {
            file: self.file,
            line: &self.lines[i],
            pos: 0,
        }
    }

    /// First pass: give every type, global, builtin and function its id, so
    /// later lines can refer to names defined further down.
    fn declare_names(&mut self) -> Result<(), ParseError> {
        for i in 0..self.lines.len() {
            let mut c = Cur {
                file: self.file,
                line: &self.lines[i],
                pos: 0,
            };
            let Some(Tok::Ident(kw)) = c.next() else {
                continue;
            };
            let col = c.col();
            match (kw.as_str(), c.next()) {
                ("type", Some(Tok::TypeName(n))) => {
                    if self.type_names.contains_key(n) {
                        return Err(c.err_at(col, format!("type ':{n}' is defined twice")));
                    }
                    let id = self.module.types.push(TypeDef {
                        name: n.clone(),
                        kind: AggKind::Struct,
                        fields: Vec::new(),
                    });
                    self.type_names.insert(n.clone(), id);
                }
                ("global" | "declare" | "func", Some(Tok::Sym(n))) => {
                    if self.syms.contains_key(n) {
                        return Err(c.err_at(col, format!("'@{n}' is defined twice")));
                    }
                    let sym = match kw.as_str() {
                        "global" => Sym::Global(self.module.globals.push(Global {
                            name: n.clone(),
                            ty: MemType::Scalar(Type::I8),
                            align: 0,
                            init: Vec::new(),
                        })),
                        "declare" => Sym::Builtin(self.module.builtins.push(BuiltinDecl {
                            name: n.clone(),
                            sig: Signature {
                                params: Vec::new(),
                                ret: None,
                                variadic: false,
                            },
                        })),
                        _ => Sym::Func(self.module.funcs.push(Function {
                            name: n.clone(),
                            source: None,
                            num_params: 0,
                            ret: None,
                            locals: EntityVec::new(),
                            slots: EntityVec::new(),
                            blocks: EntityVec::new(),
                        })),
                    };
                    self.syms.insert(n.clone(), sym);
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn parse_module(&mut self) -> Result<(), ParseError> {
        let mut i = 0;
        let mut seen_func = false;
        while i < self.lines.len() {
            let mut c = self.cur(i);
            let col = c.col();
            let kw = c.ident("'source', 'type', 'global', 'declare' or 'func'")?;
            match kw {
                "source" => {
                    let Some(Tok::Str(s)) = c.next() else {
                        return Err(c.expected("a string"));
                    };
                    c.end()?;
                    self.module.source = Some(String::from_utf8_lossy(s).into_owned());
                    i += 1;
                }
                "type" => {
                    let (id, def) = self.type_def(&mut c)?;
                    self.module.types[id] = def;
                    i += 1;
                }
                "global" => {
                    let (id, g) = self.global(&mut c)?;
                    self.module.globals[id] = g;
                    i += 1;
                }
                "declare" => {
                    let (id, d) = self.declare(&mut c)?;
                    self.module.builtins[id] = d;
                    i += 1;
                }
                "func" => {
                    seen_func = true;
                    i = self.function(i)?;
                }
                other => {
                    return Err(c.err_at(
                        col,
                        format!(
                        "expected 'source', 'type', 'global', 'declare' or 'func', found '{other}'"
                    ),
                    ))
                }
            }
        }
        let _ = seen_func;
        Ok(())
    }

    fn mem_type(&self, c: &mut Cur) -> Result<MemType, ParseError> {
        self.mem_type_at(c, 0)
    }

    fn mem_type_at(&self, c: &mut Cur, depth: u32) -> Result<MemType, ParseError> {
        let col = c.col();
        if depth > crate::types::MAX_TYPE_DEPTH {
            return Err(c.err("array types nest too deeply"));
        }
        match c.peek() {
            Some(Tok::TypeName(n)) => {
                c.next();
                match self.type_names.get(n) {
                    Some(id) => Ok(MemType::Named(*id)),
                    None => Err(c.err_at(col, format!("undefined type ':{n}'"))),
                }
            }
            Some(Tok::Punct("[")) => {
                c.next();
                let n = c.u64("an array length")?;
                c.keyword("x")?;
                let elem = self.mem_type_at(c, depth + 1)?;
                c.expect("]")?;
                Ok(MemType::Array(Box::new(elem), n))
            }
            _ => Ok(MemType::Scalar(c.scalar_type()?)),
        }
    }

    // type-def = "type" ":" NAME "=" ["union"] "{" [memtype {"," memtype}] "}"
    fn type_def(&self, c: &mut Cur) -> Result<(TypeId, TypeDef), ParseError> {
        let Some(Tok::TypeName(name)) = c.next() else {
            return Err(c.expected("a type name like ':point'"));
        };
        c.expect("=")?;
        let kind = if matches!(c.peek(), Some(Tok::Ident(s)) if s == "union") {
            c.next();
            AggKind::Union
        } else {
            AggKind::Struct
        };
        c.expect("{")?;
        let mut fields = Vec::new();
        if !c.eat("}") {
            loop {
                fields.push(self.mem_type(c)?);
                if c.eat("}") {
                    break;
                }
                c.expect(",")?;
            }
        }
        c.end()?;
        Ok((
            self.type_names[name],
            TypeDef {
                name: name.clone(),
                kind,
                fields,
            },
        ))
    }

    fn sym(&self, c: &mut Cur) -> Result<(usize, Sym, String), ParseError> {
        let col = c.col();
        match c.next() {
            Some(Tok::Sym(n)) => match self.syms.get(n) {
                Some(s) => Ok((col, *s, n.clone())),
                None => Err(c.err_at(col, format!("undefined symbol '@{n}'"))),
            },
            _ => {
                c.pos = c.pos.saturating_sub(1);
                Err(c.expected("a symbol like '@name'"))
            }
        }
    }

    // global = "global" "@" NAME ":" memtype ["align" N] ["=" "{" item {"," item} "}"]
    // item = scalar-type CONST | "bytes" STRING | "zero" N | "ptr" "@" NAME [+N|-N]
    fn global(&self, c: &mut Cur) -> Result<(GlobalId, Global), ParseError> {
        let Some(Tok::Sym(name)) = c.next() else {
            return Err(c.expected("a global name like '@g'"));
        };
        let Sym::Global(id) = self.syms[name] else {
            unreachable!("declare_names registered every global")
        };
        c.expect(":")?;
        let ty = self.mem_type(c)?;
        let align = parse_align(c, MAX_GLOBAL_ALIGN)?;
        let mut init = Vec::new();
        if c.eat("=") {
            c.expect("{")?;
            loop {
                let col = c.col();
                let kw =
                    c.ident("an initializer item ('i32 5', 'bytes \"..\"', 'zero 8', 'ptr @g')")?;
                let item = match kw {
                    "bytes" => match c.next() {
                        Some(Tok::Str(b)) => InitItem::Bytes(b.clone()),
                        _ => return Err(c.expected("a string")),
                    },
                    "zero" => InitItem::Zero(c.u64("a byte count")?),
                    "ptr" if matches!(c.peek(), Some(Tok::Sym(_))) => {
                        let (scol, s, n) = self.sym(c)?;
                        let target = match s {
                            Sym::Global(g) => SymbolRef::Global(g),
                            Sym::Func(f) => SymbolRef::Func(f),
                            Sym::Builtin(_) => {
                                return Err(c.err_at(
                                    scol,
                                    format!("'@{n}' is a builtin; only globals and functions have addresses"),
                                ))
                            }
                        };
                        let off = match c.peek() {
                            Some(Tok::Num(s)) if s.starts_with(['+', '-']) => {
                                let (ncol, s) = c.number("an offset")?;
                                let v = s.trim_start_matches('+');
                                v.parse::<i64>()
                                    .map_err(|_| c.err_at(ncol, format!("bad offset '{s}'")))?
                            }
                            _ => 0,
                        };
                        InitItem::Addr(target, off)
                    }
                    t => match Type::from_name(t) {
                        Some(ty) => InitItem::Scalar(ty, c.constant(ty)?),
                        None => {
                            return Err(
                                c.err_at(col, format!("expected an initializer item, found '{t}'"))
                            )
                        }
                    },
                };
                init.push(item);
                if c.eat("}") {
                    break;
                }
                c.expect(",")?;
            }
        }
        c.end()?;
        Ok((
            id,
            Global {
                name: name.clone(),
                ty,
                align,
                init,
            },
        ))
    }

    // declare = "declare" "@" NAME "(" [type {"," type}] ["," "..."] ")" ["->" type]
    fn declare(&self, c: &mut Cur) -> Result<(BuiltinId, BuiltinDecl), ParseError> {
        let Some(Tok::Sym(name)) = c.next() else {
            return Err(c.expected("a builtin name like '@printf'"));
        };
        let Sym::Builtin(id) = self.syms[name] else {
            unreachable!("declare_names registered every builtin")
        };
        c.expect("(")?;
        let mut params = Vec::new();
        let mut variadic = false;
        if !c.eat(")") {
            loop {
                if c.eat("...") {
                    variadic = true;
                    c.expect(")")?;
                    break;
                }
                params.push(c.scalar_type()?);
                if c.eat(")") {
                    break;
                }
                c.expect(",")?;
            }
        }
        let ret = if c.eat("->") {
            Some(c.scalar_type()?)
        } else {
            None
        };
        c.end()?;
        Ok((
            id,
            BuiltinDecl {
                name: name.clone(),
                sig: Signature {
                    params,
                    ret,
                    variadic,
                },
            },
        ))
    }

    /// Parses the function starting at line `start`; returns the index of
    /// the line after its closing `}`.
    // func = "func" "@" NAME "(" [param {"," param}] ")" ["->" type]
    //        ["source" STRING] "{"
    //        {"local" "%" NAME ":" type} {"slot" "$" NAME ":" memtype}
    //        {LABEL ":" {["line" N ["in" "@" FUNC]] inst}} "}"
    fn function(&mut self, start: usize) -> Result<usize, ParseError> {
        let mut func;
        let fid;
        {
            let mut c = self.cur(start);
            c.next(); // func
            let Some(Tok::Sym(name)) = c.next() else {
                return Err(c.expected("a function name like '@main'"));
            };
            let Sym::Func(id) = self.syms[name] else {
                unreachable!("declare_names registered every function")
            };
            fid = id;
            func = Function {
                name: name.clone(),
                source: None,
                num_params: 0,
                ret: None,
                locals: EntityVec::new(),
                slots: EntityVec::new(),
                blocks: EntityVec::new(),
            };
            c.expect("(")?;
            if !c.eat(")") {
                loop {
                    let Some(Tok::Local(n)) = c.next() else {
                        c.pos = c.pos.saturating_sub(1);
                        return Err(c.expected("a parameter like '%n: i32'"));
                    };
                    c.expect(":")?;
                    let ty = c.scalar_type()?;
                    func.locals.push(LocalDecl {
                        name: n.clone(),
                        ty,
                    });
                    if c.eat(")") {
                        break;
                    }
                    c.expect(",")?;
                }
            }
            func.num_params = func.locals.len();
            if c.eat("->") {
                func.ret = Some(c.scalar_type()?);
            }
            if matches!(c.peek(), Some(Tok::Ident(s)) if s == "source") {
                c.pos += 1;
                let Some(Tok::Str(s)) = c.next() else {
                    return Err(c.expected("a string"));
                };
                func.source = Some(String::from_utf8_lossy(s).into_owned());
            }
            c.expect("{")?;
            c.end()?;
        }
        // Find the closing brace and the block labels.
        let mut end = None;
        let mut labels: HashMap<String, Block> = HashMap::new();
        for i in start + 1..self.lines.len() {
            let l = &self.lines[i];
            match l.toks.as_slice() {
                [(_, Tok::Punct("}"))] => {
                    end = Some(i);
                    break;
                }
                [(col, Tok::Ident(n)), (_, Tok::Punct(":"))] => {
                    if labels.contains_key(n) {
                        return Err(self
                            .cur(i)
                            .err_at(*col, format!("block '{n}' is defined twice")));
                    }
                    let b = func.blocks.push(BlockData {
                        name: n.clone(),
                        insts: Vec::new(),
                    });
                    labels.insert(n.clone(), b);
                }
                [(col, Tok::Ident(kw)), ..] if kw == "func" => {
                    return Err(self.cur(i).err_at(
                        *col,
                        format!(
                            "function '@{}' has no closing '}}' before this line",
                            func.name
                        ),
                    ))
                }
                _ => {}
            }
        }
        let Some(end) = end else {
            let c = self.cur(start);
            return Err(c.err_at(1, format!("function '@{}' has no closing '}}'", func.name)));
        };
        let mut local_names: HashMap<String, Local> = func
            .locals
            .iter()
            .map(|(l, d)| (d.name.clone(), l))
            .collect();
        if local_names.len() != func.locals.len() {
            return Err(self.cur(start).err("two parameters have the same name"));
        }
        let mut slot_names = HashMap::new();
        let mut block: Option<Block> = None;
        let mut line_no = 0u32;
        let mut origin: Option<FuncId> = None;
        for i in start + 1..end {
            let mut c = self.cur(i);
            let col = c.col();
            match c.peek() {
                Some(Tok::Ident(n)) if n == "local" || n == "slot" => {
                    if block.is_some() {
                        return Err(c.err(format!(
                            "'{n}' declarations must come before the first block"
                        )));
                    }
                    c.next();
                    if n == "local" {
                        let Some(Tok::Local(name)) = c.next() else {
                            c.pos -= 1;
                            return Err(c.expected("a local like '%x'"));
                        };
                        c.expect(":")?;
                        let ty = c.scalar_type()?;
                        c.end()?;
                        if local_names.contains_key(name) {
                            return Err(c.err_at(col, format!("local '%{name}' is declared twice")));
                        }
                        let l = func.locals.push(LocalDecl {
                            name: name.clone(),
                            ty,
                        });
                        local_names.insert(name.clone(), l);
                    } else {
                        let Some(Tok::Slot(name)) = c.next() else {
                            c.pos -= 1;
                            return Err(c.expected("a slot like '$buf'"));
                        };
                        c.expect(":")?;
                        let ty = self.mem_type(&mut c)?;
                        let align = parse_align(&mut c, crate::frame::STACK_ALIGN)?;
                        c.end()?;
                        if slot_names.contains_key(name) {
                            return Err(c.err_at(col, format!("slot '${name}' is declared twice")));
                        }
                        let s = func.slots.push(SlotDecl {
                            name: name.clone(),
                            ty,
                            align,
                        });
                        slot_names.insert(name.clone(), s);
                    }
                }
                Some(Tok::Ident(n))
                    if c.line.toks.len() == 2 && matches!(c.line.toks[1].1, Tok::Punct(":")) =>
                {
                    block = Some(labels[n]);
                    line_no = 0;
                    origin = None;
                }
                Some(Tok::Ident(n)) if n == "line" => {
                    c.next();
                    let v = c.u64("a source line number")?;
                    line_no =
                        u32::try_from(v).map_err(|_| c.err_at(col, "line number too large"))?;
                    origin = None;
                    if matches!(c.peek(), Some(Tok::Ident(n)) if n == "in") {
                        c.next();
                        match self.sym(&mut c)? {
                            (_, Sym::Func(f), _) => origin = Some(f),
                            (scol, _, n) => {
                                return Err(c.err_at(
                                    scol,
                                    format!("'@{n}' is not a function of the module"),
                                ))
                            }
                        }
                    }
                    c.end()?;
                }
                _ => {
                    let Some(b) = block else {
                        return Err(c.err(
                            "expected a block label like 'block0:' before the first instruction",
                        ));
                    };
                    let names = Names {
                        locals: &local_names,
                        slots: &slot_names,
                        labels: &labels,
                    };
                    let kind = self.inst(&mut c, &func, &names)?;
                    c.end()?;
                    func.blocks[b].insts.push(Inst {
                        kind,
                        line: line_no,
                        origin,
                    });
                }
            }
        }
        self.module.funcs[fid] = func;
        Ok(end + 1)
    }

    fn inst(&self, c: &mut Cur, func: &Function, names: &Names) -> Result<InstKind, ParseError> {
        let mut dst = None;
        if let Some(Tok::Local(_)) = c.peek() {
            dst = Some(names.local(c)?);
            c.expect("=")?;
        }
        let col = c.col();
        let mnemonic = c.ident("an instruction")?;
        let mut parts = mnemonic.split('.');
        let base = parts.next().unwrap_or("");
        let mut tys = Vec::new();
        for t in parts {
            tys.push(
                Type::from_name(t)
                    .ok_or_else(|| c.err_at(col, format!("unknown type '{t}' in '{mnemonic}'")))?,
            );
        }
        let want_types = |n: usize| -> Result<(), ParseError> {
            if tys.len() == n {
                Ok(())
            } else {
                let form = match n {
                    0 => format!("'{base}' takes no type suffix"),
                    1 => format!("'{base}' needs one type suffix, as in '{base}.i32'"),
                    _ => format!("'{base}' needs two type suffixes, as in '{base}.i32.i64'"),
                };
                Err(c.err_at(col, form))
            }
        };
        let need_dst = |d: Option<Local>| -> Result<Local, ParseError> {
            d.ok_or_else(|| {
                c.err_at(
                    col,
                    format!("'{base}' needs a destination, as in '%x = {mnemonic} ...'"),
                )
            })
        };
        let no_dst = |d: Option<Local>| -> Result<(), ParseError> {
            match d {
                None => Ok(()),
                Some(_) => Err(c.err_at(col, format!("'{base}' does not produce a value"))),
            }
        };
        if let Some(op) = Opcode::from_name(base) {
            let dst = need_dst(dst)?;
            return Ok(match op.class() {
                OpClass::Convert => {
                    want_types(2)?;
                    let a = names.operand(c, tys[0])?;
                    InstKind::Convert {
                        op,
                        from: tys[0],
                        to: tys[1],
                        dst,
                        a,
                    }
                }
                OpClass::IntUnary | OpClass::FloatUnary | OpClass::Copy => {
                    want_types(1)?;
                    let a = names.operand(c, tys[0])?;
                    InstKind::Unary {
                        op,
                        ty: tys[0],
                        dst,
                        a,
                    }
                }
                _ => {
                    want_types(1)?;
                    let a = names.operand(c, tys[0])?;
                    c.expect(",")?;
                    let b = names.operand(c, tys[0])?;
                    InstKind::Binary {
                        op,
                        ty: tys[0],
                        dst,
                        a,
                        b,
                    }
                }
            });
        }
        Ok(match base {
            "select" => {
                want_types(1)?;
                let dst = need_dst(dst)?;
                let cond = names.operand(c, Type::I32)?;
                c.expect(",")?;
                let a = names.operand(c, tys[0])?;
                c.expect(",")?;
                let b = names.operand(c, tys[0])?;
                InstKind::Select {
                    ty: tys[0],
                    dst,
                    cond,
                    a,
                    b,
                }
            }
            "load" => {
                want_types(1)?;
                let dst = need_dst(dst)?;
                InstKind::Load {
                    ty: tys[0],
                    dst,
                    addr: names.operand(c, Type::Ptr)?,
                }
            }
            "store" => {
                want_types(1)?;
                no_dst(dst)?;
                let addr = names.operand(c, Type::Ptr)?;
                c.expect(",")?;
                InstKind::Store {
                    ty: tys[0],
                    addr,
                    val: names.operand(c, tys[0])?,
                }
            }
            "addr" => {
                want_types(0)?;
                let dst = need_dst(dst)?;
                let of = match c.peek() {
                    Some(Tok::Slot(n)) => {
                        let scol = c.col();
                        c.next();
                        AddrOf::Slot(
                            *names
                                .slots
                                .get(n)
                                .ok_or_else(|| c.err_at(scol, format!("undefined slot '${n}'")))?,
                        )
                    }
                    _ => {
                        let (scol, s, n) = self.sym(c)?;
                        match s {
                            Sym::Global(g) => AddrOf::Global(g),
                            Sym::Func(f) => AddrOf::Func(f),
                            Sym::Builtin(_) => {
                                return Err(c.err_at(
                                    scol,
                                    format!("'@{n}' is a builtin; take the address of a global, a slot or a function"),
                                ))
                            }
                        }
                    }
                };
                InstKind::Addr { dst, of }
            }
            "call" => {
                want_types(0)?;
                let callee = match c.peek() {
                    Some(Tok::Local(_)) => Callee::Indirect(names.operand(c, Type::Ptr)?),
                    _ => match self.sym(c)? {
                        (_, Sym::Func(f), _) => Callee::Func(f),
                        (_, Sym::Builtin(b), _) => Callee::Builtin(b),
                        (scol, Sym::Global(_), n) => {
                            return Err(
                                c.err_at(scol, format!("'@{n}' is a global, not a function"))
                            )
                        }
                    },
                };
                c.expect("(")?;
                let mut args = Vec::new();
                if !c.eat(")") {
                    loop {
                        let ty = c.scalar_type()?;
                        args.push((ty, names.operand(c, ty)?));
                        if c.eat(")") {
                            break;
                        }
                        c.expect(",")?;
                    }
                }
                let alloc_type = if matches!(c.peek(), Some(Tok::Ident(s)) if s == "as") {
                    c.next();
                    Some(self.mem_type(c)?)
                } else {
                    None
                };
                InstKind::Call {
                    dst,
                    callee,
                    args,
                    alloc_type,
                }
            }
            "safepoint" | "jump" | "br" | "switch" | "ret" | "unreachable" => {
                no_dst(dst)?;
                match base {
                    "safepoint" => {
                        want_types(0)?;
                        InstKind::Safepoint
                    }
                    "unreachable" => {
                        want_types(0)?;
                        InstKind::Unreachable
                    }
                    "jump" => {
                        want_types(0)?;
                        InstKind::Jump {
                            target: names.block(c)?,
                        }
                    }
                    "br" => {
                        want_types(1)?;
                        let cond = names.operand(c, tys[0])?;
                        c.expect(",")?;
                        let then_dest = names.block(c)?;
                        c.expect(",")?;
                        let else_dest = names.block(c)?;
                        InstKind::Branch {
                            ty: tys[0],
                            cond,
                            then_dest,
                            else_dest,
                        }
                    }
                    "switch" => {
                        want_types(1)?;
                        let ty = tys[0];
                        let val = names.operand(c, ty)?;
                        c.expect(",")?;
                        let default = names.block(c)?;
                        c.expect("[")?;
                        let mut cases = Vec::new();
                        if !c.eat("]") {
                            loop {
                                let k = c.constant(ty)?;
                                c.expect(":")?;
                                cases.push((k, names.block(c)?));
                                if c.eat("]") {
                                    break;
                                }
                                c.expect(",")?;
                            }
                        }
                        InstKind::Switch {
                            ty,
                            val,
                            default,
                            cases,
                        }
                    }
                    _ => {
                        if tys.is_empty() {
                            InstKind::Return { val: None }
                        } else {
                            want_types(1)?;
                            InstKind::Return {
                                val: Some((tys[0], names.operand(c, tys[0])?)),
                            }
                        }
                    }
                }
            }
            _ => {
                let _ = func;
                return Err(c.err_at(col, format!("unknown instruction '{base}'")));
            }
        })
    }
}

struct Names<'n> {
    locals: &'n HashMap<String, Local>,
    slots: &'n HashMap<String, crate::SlotId>,
    labels: &'n HashMap<String, Block>,
}

impl Names<'_> {
    fn local(&self, c: &mut Cur) -> Result<Local, ParseError> {
        let col = c.col();
        match c.next() {
            Some(Tok::Local(n)) => self.locals.get(n).copied().ok_or_else(|| {
                c.err_at(
                    col,
                    format!("undefined local '%{n}': declare it with 'local %{n}: TYPE'"),
                )
            }),
            _ => {
                c.pos = c.pos.saturating_sub(1);
                Err(c.expected("a local like '%x'"))
            }
        }
    }

    fn operand(&self, c: &mut Cur, ty: Type) -> Result<Operand, ParseError> {
        match c.peek() {
            Some(Tok::Local(_)) => Ok(Operand::Local(self.local(c)?)),
            Some(Tok::Num(_)) => Ok(Operand::Const(c.constant(ty)?)),
            _ => Err(c.expected(&format!("a local or a {ty} constant"))),
        }
    }

    fn block(&self, c: &mut Cur) -> Result<Block, ParseError> {
        let col = c.col();
        match c.next() {
            Some(Tok::Ident(n)) => self
                .labels
                .get(n)
                .copied()
                .ok_or_else(|| c.err_at(col, format!("undefined block '{n}'"))),
            _ => {
                c.pos = c.pos.saturating_sub(1);
                Err(c.expected("a block label"))
            }
        }
    }
}

/// An optional `align N` (a power of two up to `max`; 0 without one).
fn parse_align(c: &mut Cur, max: u64) -> Result<u64, ParseError> {
    if !matches!(c.peek(), Some(Tok::Ident(s)) if s == "align") {
        return Ok(0);
    }
    c.next();
    let (col, s) = c.number("an alignment")?;
    parse_uint(s)
        .filter(|&a| a.is_power_of_two() && a <= max)
        .ok_or_else(|| {
            c.err_at(
                col,
                format!("expected an alignment (a power of two up to {max}), found '{s}'"),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_round_trip_at_every_type() {
        for (ty, s, bits) in [
            (Type::I8, "-128", 0x80),
            (Type::I8, "255", 0xff),
            (Type::I32, "-1", 0xffff_ffff),
            (Type::I64, "-9223372036854775808", 1 << 63),
            (Type::Ptr, "18446744073709551615", u64::MAX),
            (Type::F64, "0.1", 0.1f64.to_bits()),
            (Type::F32, "-0.0", (-0.0f32).to_bits() as u64),
            (Type::F64, "0x7ff8000000000000", f64::NAN.to_bits()),
        ] {
            assert_eq!(parse_const(ty, s), Ok(bits), "{ty} {s}");
        }
        assert!(parse_const(Type::I8, "256").is_err());
        assert!(parse_const(Type::I8, "-129").is_err());
        assert!(parse_const(Type::F32, "0x1ffffffff").is_err());
    }

    #[test]
    fn global_alignments_round_trip_and_are_checked() {
        let src =
            "global @a: [8 x f64] align 64\nglobal @b: i8\nglobal @c: i32 align 4096 = { i32 7 }\n";
        let m = parse(src, "t").unwrap();
        let aligns: Vec<u64> = m.globals.values().map(|g| g.align).collect();
        assert_eq!(aligns, [64, 0, 4096]);
        assert_eq!(m.to_string(), src);
        crate::verify(&m).unwrap();
        for bad in ["3", "0", "8192", "-8", "x", "18446744073709551616"] {
            let src = format!("global @a: i8 align {bad}\n");
            let e = parse(&src, "t").unwrap_err().to_string();
            assert!(e.contains("alignment"), "{bad}: {e}");
        }
        let mut m = parse("global @a: i8\n", "t").unwrap();
        m.globals[crate::GlobalId(0)].align = 24;
        let e = crate::verify(&m).unwrap_err().to_string();
        assert!(e.contains("alignment 24 is not a power of two"), "{e}");
    }

    #[test]
    fn slot_alignments_round_trip_place_slots_and_are_checked() {
        let src = "func @f() {\n    slot $a: i8\n    slot $b: [3 x i8] align 16\n    slot $c: i32 align 8\nentry:\n    ret\n}\n";
        let m = parse(src, "t").unwrap();
        assert_eq!(m.to_string(), src);
        crate::verify(&m).unwrap();
        let layouts = crate::types::TypeLayouts::new(&m.types);
        let frames = crate::frame::frame_layouts(&m, &layouts);
        assert_eq!(frames[0].slot_offsets, [0, 16, 24]);
        assert_eq!(frames[0].size, 32);
        for bad in ["32", "3", "0"] {
            let src = src.replace("align 16", &format!("align {bad}"));
            let e = parse(&src, "t").unwrap_err().to_string();
            assert!(e.contains("alignment"), "{bad}: {e}");
        }
        let mut m = m;
        m.funcs[crate::FuncId(0)].slots[crate::SlotId(0)].align = 64;
        let e = crate::verify(&m).unwrap_err().to_string();
        assert!(e.contains("slot $a: alignment 64"), "{e}");
    }

    #[test]
    fn mem_types_parse_alone() {
        let m = parse("type :node = { i32, ptr }\n", "t").unwrap();
        for t in ["i32", "ptr", ":node", "[4 x f64]", "[2 x [3 x :node]]"] {
            let parsed = parse_mem_type(t, &m).unwrap();
            assert_eq!(m.mem_type(&parsed), t);
        }
        for t in [
            "", "i33", ":nope", "[x i32]", "[4 i32]", "[4 x i32", "i32 i32",
        ] {
            assert!(parse_mem_type(t, &m).is_err(), "{t}");
        }
        let deep = "[1 x ".repeat(10_000) + "i8" + &"]".repeat(10_000);
        assert!(parse_mem_type(&deep, &m).is_err());
    }

    #[test]
    fn hostile_nesting_is_an_error_not_a_stack_overflow() {
        let deep = format!(
            "global @g: {}i8{}\n",
            "[1 x ".repeat(100_000),
            "]".repeat(100_000)
        );
        let e = parse(&deep, "t.pir").unwrap_err();
        assert!(e.message.contains("nest too deeply"), "{e}");
        let mut chain = String::new();
        for i in 0..100_000 {
            chain.push_str(&format!("type :t{i} = {{ :t{} }}\n", i + 1));
        }
        chain.push_str("type :t100000 = { i8 }\n");
        // Each type contains the next: the layouts are computed without
        // recursion, on a small stack.
        std::thread::Builder::new()
            .stack_size(256 << 10)
            .spawn(move || {
                let m = parse(&chain, "t.pir").unwrap();
                crate::verify(&m).unwrap();
                let l = crate::TypeLayouts::new(&m.types);
                assert_eq!(l.named(crate::TypeId(0)).map(|l| l.size), Some(1));
            })
            .unwrap()
            .join()
            .unwrap();
    }

    #[test]
    fn errors_have_line_and_column() {
        let e = parse("func @f() {\nblock0:\n    frob.i32 1\n}\n", "t.pir").unwrap_err();
        assert_eq!((e.line, e.col), (3, 5));
        assert!(e.message.contains("unknown instruction 'frob'"), "{e}");
        let e = parse("func @f() {\nblock0:\n    ret\n", "t.pir").unwrap_err();
        assert!(e.message.contains("no closing"), "{e}");
        assert_eq!(e.to_string().split(':').next(), Some("t.pir"));
    }
}
