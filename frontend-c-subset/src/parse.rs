//! The parser and type checker: preprocessed tokens to the typed AST of
//! `ast.rs` (recursive descent, chibicc style; each function is preceded by
//! its grammar rule). It does C's type checking as it goes: integer
//! promotions, the usual arithmetic conversions, assignment conversions,
//! array and function decay, pointer arithmetic. Syntax errors stop the
//! parse; type errors are recorded and parsing goes on, so one run reports
//! every type error of a file.

use crate::ast::*;
use crate::ctype::{compatible, ptr_to, usual_arith, Field, FuncTy, StructDef, Ty};
use crate::diag::{Diag, Loc};
use crate::lex::{unescape, TokKind, Token};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

/// A syntax error was reported; parsing stops.
pub struct Fatal;
type PResult<T> = Result<T, Fatal>;

const MAX_DEPTH: usize = 400;
const MAX_EXPR_NODES: usize = 50_000;

#[derive(Clone, Debug)]
enum Sym {
    Local(usize),
    Global(usize),
    Func(usize),
    Typedef(Ty),
    EnumConst(i64),
}

#[derive(Default)]
struct Scope {
    syms: HashMap<String, Sym>,
    tags: HashMap<String, Option<usize>>,
}

#[derive(Default, Clone, Copy)]
struct Attr {
    is_typedef: bool,
    is_static: bool,
    is_extern: bool,
}

struct SwitchCtx {
    ty: Ty,
    cases: Vec<(u64, usize)>,
    default: Option<usize>,
}

struct FnState {
    name: String,
    ret: Ty,
    locals: Vec<LocalVar>,
    labels: HashSet<String>,
    gotos: Vec<(String, Loc)>,
    switches: Vec<SwitchCtx>,
    loops: usize,
    breakables: usize,
    /// Functions this one refers to (for dropping unreferenced statics).
    refs: Vec<usize>,
}

pub struct Parser {
    toks: Vec<Token>,
    pos: usize,
    prog: Program,
    scopes: Vec<Scope>,
    errors: Vec<Diag>,
    func: Option<FnState>,
    depth: usize,
    nodes: usize,
    case_ids: usize,
    last_params: Vec<(Option<String>, Loc)>,
    statics: usize,
}

const KEYWORDS: &[&str] = &[
    "auto",
    "break",
    "case",
    "char",
    "const",
    "continue",
    "default",
    "do",
    "double",
    "else",
    "enum",
    "extern",
    "float",
    "for",
    "goto",
    "if",
    "inline",
    "int",
    "long",
    "register",
    "restrict",
    "return",
    "short",
    "signed",
    "sizeof",
    "static",
    "struct",
    "switch",
    "typedef",
    "union",
    "unsigned",
    "void",
    "volatile",
    "while",
    "_Bool",
    "_Complex",
    "_Imaginary",
    "_Alignof",
    "_Alignas",
    "_Static_assert",
    "_Noreturn",
    "_Thread_local",
    "_Generic",
    "_Atomic",
    "asm",
    "__asm__",
    "__attribute__",
    "__restrict",
    "__inline",
    "__inline__",
    "__extension__",
    "typeof",
    "__typeof__",
    "__const",
    "__volatile__",
];

/// Parses a preprocessed translation unit.
pub fn parse(toks: Vec<Token>) -> Result<Program, Vec<Diag>> {
    let mut p = Parser {
        toks,
        pos: 0,
        prog: Program::default(),
        scopes: vec![Scope::default()],
        errors: Vec::new(),
        func: None,
        depth: 0,
        nodes: 0,
        case_ids: 0,
        last_params: Vec::new(),
        statics: 0,
    };
    let _ = p.translation_unit();
    if p.errors.is_empty() {
        Ok(p.prog)
    } else {
        Err(p.errors)
    }
}

/// Parses an integer literal: its value and C type.
pub fn parse_int_literal(s: &str) -> Option<(u64, Ty)> {
    let lower = s.to_ascii_lowercase();
    let body_end = lower.trim_end_matches(['u', 'l']).len();
    let (digits, suffix) = lower.split_at(body_end);
    let (radix, digits) = if let Some(h) = digits.strip_prefix("0x") {
        (16, h)
    } else if let Some(b) = digits.strip_prefix("0b") {
        (2, b)
    } else if digits.len() > 1 && digits.starts_with('0') {
        (8, &digits[1..])
    } else {
        (10, digits)
    };
    if digits.is_empty() {
        return None;
    }
    let v = u64::from_str_radix(digits, radix).ok()?;
    if !["", "u", "l", "ul", "lu", "ll", "ull", "llu"].contains(&suffix) {
        return None;
    }
    let unsigned = suffix.contains('u');
    let longs = suffix.matches('l').count();
    let fits_int = v <= i32::MAX as u64;
    let fits_uint = v <= u32::MAX as u64;
    let fits_long = v <= i64::MAX as u64;
    let ty = match (unsigned, longs > 0) {
        (false, false) if fits_int => Ty::Int,
        (false, false) if radix != 10 && fits_uint => Ty::UInt,
        (true, false) if fits_uint => Ty::UInt,
        (false, _) if fits_long => {
            if longs == 2 {
                Ty::LLong
            } else {
                Ty::Long
            }
        }
        (false, _) if radix != 10 => Ty::ULong,
        _ => {
            if longs == 2 {
                Ty::ULLong
            } else {
                Ty::ULong
            }
        }
    };
    Some((v, ty))
}

/// The value of a character constant (`'a'`, `'\n'`), as an `int`.
pub fn char_value(text: &str) -> Result<i64, String> {
    let body = &text[1..text.len().saturating_sub(1).max(1)];
    let bytes = unescape(body)?;
    match bytes.len() {
        0 => Err("empty character constant".into()),
        1 => Ok(bytes[0] as i8 as i64),
        n if n <= 4 => Ok(bytes.iter().fold(0i64, |a, &b| (a << 8) | b as i64) as i32 as i64),
        _ => Err("character constant too long".into()),
    }
}

fn parse_float(s: &str) -> Option<(f64, Ty)> {
    let lower = s.to_ascii_lowercase();
    let (body, ty) = if let Some(b) = lower.strip_suffix('f') {
        if b.starts_with("0x") || b.contains(['.', 'e']) {
            (b, Ty::Float)
        } else {
            return None;
        }
    } else {
        (lower.as_str(), Ty::Double)
    };
    if let Some(h) = body.strip_prefix("0x") {
        let (mant, exp) = h.split_once('p')?;
        let exp: i32 = exp.parse().ok()?;
        let (ip, fp) = mant.split_once('.').unwrap_or((mant, ""));
        let mut v = 0f64;
        for c in ip.chars() {
            v = v * 16.0 + c.to_digit(16)? as f64;
        }
        let mut scale = 1.0 / 16.0;
        for c in fp.chars() {
            v += c.to_digit(16)? as f64 * scale;
            scale /= 16.0;
        }
        return Some((v * 2f64.powi(exp), ty));
    }
    if !body
        .bytes()
        .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'+' | b'-'))
    {
        return None;
    }
    let v: f64 = body.parse().ok()?;
    Some((v, ty))
}

/// Sign- or zero-extends `v` from the width of integer type `ty`.
pub fn norm_int(v: i64, ty: &Ty) -> i64 {
    let bits = ty.ir().bits();
    if *ty == Ty::Bool {
        return (v != 0) as i64;
    }
    if bits >= 64 {
        return v;
    }
    let sh = 64 - bits;
    if ty.is_unsigned() {
        ((v as u64) << sh >> sh) as i64
    } else {
        (v << sh) >> sh
    }
}

/// Evaluates an integer constant expression (also `offsetof`-style
/// addresses of members of a null pointer).
pub fn const_int(e: &Expr) -> Option<i64> {
    let ty = &e.ty;
    Some(match &e.kind {
        ExprKind::Int(v) => norm_int(*v as i64, ty),
        ExprKind::Cast(x) => {
            if ty.is_float() {
                return None;
            }
            let v = if x.ty.is_float() {
                let f = const_float(x)?;
                if ty.is_unsigned() {
                    f as u64 as i64
                } else {
                    f as i64
                }
            } else {
                const_int(x)?
            };
            if ty.is_ptr() {
                v
            } else {
                norm_int(v, ty)
            }
        }
        ExprKind::Addr(x) => const_abs_addr(x)?,
        ExprKind::Unary(op, x) => {
            if x.ty.is_float() {
                return match op {
                    UnOp::LogNot => Some((const_float(x)? == 0.0) as i64),
                    _ => None,
                };
            }
            let v = const_int(x)?;
            match op {
                UnOp::Neg => norm_int(v.wrapping_neg(), ty),
                UnOp::BitNot => norm_int(!v, ty),
                UnOp::LogNot => (v == 0) as i64,
            }
        }
        ExprKind::Binary(op, a, b) => {
            if a.ty.is_float() {
                let (x, y) = (const_float(a)?, const_float(b)?);
                return Some(match op {
                    BinOp::Eq => (x == y) as i64,
                    BinOp::Ne => (x != y) as i64,
                    BinOp::Lt => (x < y) as i64,
                    BinOp::Le => (x <= y) as i64,
                    BinOp::Gt => (x > y) as i64,
                    BinOp::Ge => (x >= y) as i64,
                    _ => return None,
                });
            }
            let (x, y) = (const_int(a)?, const_int(b)?);
            let uns = a.ty.is_unsigned();
            let r = match op {
                BinOp::Add if a.ty.is_ptr() => {
                    x.wrapping_add(y.wrapping_mul(elem_size_hint(&a.ty)? as i64))
                }
                BinOp::Sub if a.ty.is_ptr() => {
                    x.wrapping_sub(y.wrapping_mul(elem_size_hint(&a.ty)? as i64))
                }
                BinOp::Add => x.wrapping_add(y),
                BinOp::Sub => x.wrapping_sub(y),
                BinOp::Mul => x.wrapping_mul(y),
                BinOp::Div | BinOp::Rem if y == 0 => return None,
                BinOp::Div if uns => ((x as u64) / (y as u64)) as i64,
                BinOp::Rem if uns => ((x as u64) % (y as u64)) as i64,
                BinOp::Div => x.wrapping_div(y),
                BinOp::Rem => x.wrapping_rem(y),
                BinOp::Shl => x.wrapping_shl(y as u32 & (a.ty.ir().bits() - 1)),
                BinOp::Shr if uns => {
                    ((x as u64).wrapping_shr(y as u32 & (a.ty.ir().bits() - 1))) as i64
                }
                BinOp::Shr => x.wrapping_shr(y as u32 & (a.ty.ir().bits() - 1)),
                BinOp::BitAnd => x & y,
                BinOp::BitOr => x | y,
                BinOp::BitXor => x ^ y,
                BinOp::Eq => (x == y) as i64,
                BinOp::Ne => (x != y) as i64,
                BinOp::Lt if uns => ((x as u64) < (y as u64)) as i64,
                BinOp::Le if uns => ((x as u64) <= (y as u64)) as i64,
                BinOp::Gt if uns => ((x as u64) > (y as u64)) as i64,
                BinOp::Ge if uns => ((x as u64) >= (y as u64)) as i64,
                BinOp::Lt => (x < y) as i64,
                BinOp::Le => (x <= y) as i64,
                BinOp::Gt => (x > y) as i64,
                BinOp::Ge => (x >= y) as i64,
                BinOp::PtrDiff => return None,
            };
            norm_int(r, ty)
        }
        ExprKind::LogAnd(a, b) => (truth(a)? && truth(b)?) as i64,
        ExprKind::LogOr(a, b) => (truth(a)? || truth(b)?) as i64,
        ExprKind::Cond(c, a, b) => {
            if truth(c)? {
                const_int(a)?
            } else {
                const_int(b)?
            }
        }
        ExprKind::Comma(_, _) => return None,
        _ => return None,
    })
}

fn elem_size_hint(t: &Ty) -> Option<u64> {
    // Only used for constant pointer arithmetic on null-based addresses,
    // where the element is a scalar or pointer.
    match t.base()? {
        b if b.is_scalar() => Some(b.ir().bytes() as u64),
        Ty::Void => Some(1),
        _ => None,
    }
}

fn const_abs_addr(lv: &Expr) -> Option<i64> {
    match &lv.kind {
        ExprKind::Member(x, off) => Some(const_abs_addr(x)?.wrapping_add(*off as i64)),
        ExprKind::Deref(p) => const_int(p),
        _ => None,
    }
}

fn truth(e: &Expr) -> Option<bool> {
    if e.ty.is_float() {
        Some(const_float(e)? != 0.0)
    } else {
        Some(const_int(e)? != 0)
    }
}

/// Evaluates an arithmetic constant expression as a double.
pub fn const_float(e: &Expr) -> Option<f64> {
    if e.ty.is_integer() {
        let v = const_int(e)?;
        return Some(if e.ty.is_unsigned() {
            v as u64 as f64
        } else {
            v as f64
        });
    }
    if !e.ty.is_float() {
        return None;
    }
    let r = match &e.kind {
        ExprKind::Float(f) => *f,
        ExprKind::Cast(x) => {
            if x.ty.is_integer() {
                let v = const_int(x)?;
                if x.ty.is_unsigned() {
                    if e.ty == Ty::Float {
                        v as u64 as f32 as f64
                    } else {
                        v as u64 as f64
                    }
                } else if e.ty == Ty::Float {
                    v as f32 as f64
                } else {
                    v as f64
                }
            } else {
                const_float(x)?
            }
        }
        ExprKind::Unary(UnOp::Neg, x) => -const_float(x)?,
        ExprKind::Binary(op, a, b) => {
            let (x, y) = (const_float(a)?, const_float(b)?);
            match op {
                BinOp::Add => x + y,
                BinOp::Sub => x - y,
                BinOp::Mul => x * y,
                BinOp::Div => x / y,
                _ => return None,
            }
        }
        ExprKind::Cond(c, a, b) => {
            if truth(c)? {
                const_float(a)?
            } else {
                const_float(b)?
            }
        }
        _ => return None,
    };
    Some(if e.ty == Ty::Float {
        r as f32 as f64
    } else {
        r
    })
}

fn is_null_const(e: &Expr) -> bool {
    let inner = match &e.kind {
        ExprKind::Cast(x) if e.ty.is_ptr() && matches!(e.ty.base(), Some(Ty::Void)) => x,
        _ => e,
    };
    inner.ty.is_integer() && const_int(inner) == Some(0)
}

impl Parser {
    // ---- tokens ----

    fn peek(&self) -> Option<&Token> {
        self.toks.get(self.pos)
    }
    fn peek_at(&self, n: usize) -> Option<&Token> {
        self.toks.get(self.pos + n)
    }
    fn loc(&self) -> Loc {
        match self.peek() {
            Some(t) => t.loc,
            None => self.toks.last().map(|t| t.loc).unwrap_or_default(),
        }
    }
    fn is(&self, s: &str) -> bool {
        self.peek().is_some_and(|t| t.is(s))
    }
    fn is_at(&self, n: usize, s: &str) -> bool {
        self.peek_at(n).is_some_and(|t| t.is(s))
    }
    fn eat(&mut self, s: &str) -> bool {
        if self.is(s) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn describe(&self) -> String {
        match self.peek() {
            Some(t) => format!("'{}'", t.text),
            None => "end of file".into(),
        }
    }
    fn fatal<T>(&mut self, msg: impl Into<String>) -> PResult<T> {
        let loc = self.loc();
        self.errors.push(Diag::new(loc, msg));
        Err(Fatal)
    }
    fn expect(&mut self, s: &str) -> PResult<()> {
        if self.eat(s) {
            return Ok(());
        }
        let d = self.describe();
        if s == ";" {
            return self.fatal_after_prev(format!("expected ';', found {d}"));
        }
        self.fatal(format!("expected '{s}', found {d}"))
    }
    /// A syntax error located just after the previous token (where a
    /// missing `;` belongs).
    fn fatal_after_prev<T>(&mut self, msg: String) -> PResult<T> {
        let loc = match self.pos.checked_sub(1).and_then(|i| self.toks.get(i)) {
            Some(t) if !t.expanded => Loc {
                col: t.loc.col + t.text.len() as u32,
                ..t.loc
            },
            _ => self.loc(),
        };
        self.errors.push(Diag::new(loc, msg));
        Err(Fatal)
    }
    fn error(&mut self, loc: Loc, msg: impl Into<String>) {
        self.errors.push(Diag::new(loc, msg));
    }
    fn ident(&mut self) -> PResult<(String, Loc)> {
        match self.peek() {
            Some(t) if t.kind == TokKind::Ident && !KEYWORDS.contains(&&*t.text) => {
                let r = (t.text.to_string(), t.loc);
                self.pos += 1;
                Ok(r)
            }
            _ => {
                let d = self.describe();
                self.fatal(format!("expected an identifier, found {d}"))
            }
        }
    }
    fn is_ident(&self) -> bool {
        self.peek()
            .is_some_and(|t| t.kind == TokKind::Ident && !KEYWORDS.contains(&&*t.text))
    }
    fn tname(&self, t: &Ty) -> String {
        t.name(&self.prog.structs)
    }
    fn size_of(&self, t: &Ty) -> Option<u64> {
        t.size(&self.prog.structs)
    }

    // ---- scopes ----

    fn lookup(&self, name: &str) -> Option<&Sym> {
        self.scopes.iter().rev().find_map(|s| s.syms.get(name))
    }
    fn declare(&mut self, name: &str, sym: Sym) {
        if let Some(s) = self.scopes.last_mut() {
            s.syms.insert(name.to_string(), sym);
        }
    }
    fn push_scope(&mut self) {
        self.scopes.push(Scope::default());
    }
    fn pop_scope(&mut self) {
        if self.scopes.len() > 1 {
            self.scopes.pop();
        }
    }

    fn is_typename_tok(&self, t: &Token) -> bool {
        if t.kind != TokKind::Ident {
            return false;
        }
        const TYPE_WORDS: &[&str] = &[
            "void",
            "_Bool",
            "char",
            "short",
            "int",
            "long",
            "float",
            "double",
            "signed",
            "unsigned",
            "struct",
            "union",
            "enum",
            "typedef",
            "static",
            "extern",
            "const",
            "volatile",
            "inline",
            "register",
            "auto",
            "restrict",
            "_Noreturn",
            "_Complex",
            "_Atomic",
            "_Thread_local",
            "_Alignas",
            "__restrict",
            "__inline",
            "__inline__",
            "__extension__",
            "__const",
            "typeof",
            "__typeof__",
            "__attribute__",
        ];
        if TYPE_WORDS.contains(&&*t.text) {
            return true;
        }
        matches!(self.lookup(&t.text), Some(Sym::Typedef(_)))
    }
    fn is_typename(&self) -> bool {
        self.peek().is_some_and(|t| self.is_typename_tok(t))
    }

    // ---- expression nodes ----

    fn mk(&mut self, kind: ExprKind, ty: Ty, loc: Loc) -> Expr {
        self.nodes += 1;
        Expr { kind, ty, loc }
    }
    fn int(&mut self, v: i64, ty: Ty, loc: Loc) -> Expr {
        let bits = (v as u64) & ty.ir().mask();
        self.mk(ExprKind::Int(bits), ty, loc)
    }
    fn cast(&mut self, e: Expr, to: &Ty) -> Expr {
        if e.ty == *to {
            return e;
        }
        let loc = e.loc;
        self.mk(ExprKind::Cast(Box::new(e)), to.clone(), loc)
    }
    /// Array and function decay: the value of an expression used as an
    /// operand.
    fn rval(&mut self, e: Expr) -> Expr {
        match &e.ty {
            Ty::Array(..) | Ty::Func(_) => {
                let t = e.ty.decay();
                let loc = e.loc;
                self.mk(ExprKind::Addr(Box::new(e)), t, loc)
            }
            _ => e,
        }
    }
    fn is_lvalue(e: &Expr) -> bool {
        matches!(
            e.kind,
            ExprKind::Local(_)
                | ExprKind::Global(_)
                | ExprKind::Deref(_)
                | ExprKind::Member(..)
                | ExprKind::Str(_)
                | ExprKind::Object(..)
        )
    }
    fn check_scalar(&mut self, e: &Expr, what: &str) {
        if !e.ty.is_scalar() {
            let n = self.tname(&e.ty);
            self.error(e.loc, format!("{what} must have scalar type, not '{n}'"));
        }
    }

    /// Converts `e` to `to` as assignment does, reporting incompatible
    /// types (`what` says where: "assignment", "return", "argument 2 of 'f'").
    fn assign_conv(&mut self, e: Expr, to: &Ty, what: &str) -> Expr {
        let e = self.rval(e);
        let from = e.ty.clone();
        let ok = if to.is_arith() && from.is_arith() {
            true
        } else if to.is_ptr() && from.is_ptr() {
            let (a, b) = (to.base(), from.base());
            if !matches!(a, Some(Ty::Void))
                && !matches!(b, Some(Ty::Void))
                && !compatible(to, &from)
            {
                let (tn, fnm) = (self.tname(to), self.tname(&from));
                self.error(
                    e.loc,
                    format!("incompatible pointer types in {what}: '{tn}' from '{fnm}'"),
                );
            }
            true
        } else if to.is_ptr() && from.is_integer() {
            if !is_null_const(&e) {
                let (tn, fnm) = (self.tname(to), self.tname(&from));
                self.error(
                    e.loc,
                    format!("incompatible integer to pointer conversion in {what}: '{tn}' from '{fnm}' (add a cast)"),
                );
            }
            true
        } else if *to == Ty::Bool && from.is_ptr() {
            true
        } else if to.is_integer() && from.is_ptr() {
            let (tn, fnm) = (self.tname(to), self.tname(&from));
            self.error(
                e.loc,
                format!("incompatible pointer to integer conversion in {what}: '{tn}' from '{fnm}' (add a cast)"),
            );
            true
        } else if let (Ty::Struct(a), Ty::Struct(b)) = (to, &from) {
            if a != b {
                let (tn, fnm) = (self.tname(to), self.tname(&from));
                self.error(
                    e.loc,
                    format!("incompatible types in {what}: '{tn}' from '{fnm}'"),
                );
            }
            return e;
        } else {
            false
        };
        if !ok {
            let (tn, fnm) = (self.tname(to), self.tname(&from));
            self.error(
                e.loc,
                format!("incompatible types in {what}: '{tn}' from '{fnm}'"),
            );
            return e;
        }
        self.cast(e, to)
    }

    // ---- top level ----

    // translation-unit = (function-definition | declaration)*
    fn translation_unit(&mut self) -> PResult<()> {
        while self.peek().is_some() {
            self.nodes = 0;
            if self.eat(";") {
                continue;
            }
            if self.is("_Static_assert") {
                self.static_assert()?;
                continue;
            }
            let mut attr = Attr::default();
            let loc = self.loc();
            let base = self.declspec(Some(&mut attr))?;
            if self.eat(";") {
                continue;
            }
            let mut first = true;
            loop {
                let (ty, name) = self.declarator(base.clone())?;
                let Some((name, nloc)) = name else {
                    return self.fatal("expected a declarator name");
                };
                if attr.is_typedef {
                    self.declare(&name, Sym::Typedef(ty));
                } else if let Ty::Func(fty) = &ty {
                    let fid = self.declare_func(&name, nloc, (**fty).clone(), attr.is_static);
                    if first && self.is("{") {
                        self.function_def(fid, nloc)?;
                        break;
                    }
                } else {
                    self.global_decl(&name, nloc, ty, attr)?;
                }
                first = false;
                if self.eat(";") {
                    break;
                }
                if !self.eat(",") {
                    let d = self.describe();
                    return self.fatal_after_prev(format!(
                        "expected ',' or ';' after a declarator, found {d}"
                    ));
                }
            }
            let _ = loc;
        }
        for (i, g) in self.prog.globals.iter().enumerate() {
            let _ = i;
            if !g.defined {
                // An extern never defined: an error only if used, which the
                // lowering reports; nothing to do here.
            }
        }
        Ok(())
    }

    // static-assert = "_Static_assert" "(" const-expr "," string ")" ";"
    fn static_assert(&mut self) -> PResult<()> {
        let loc = self.loc();
        self.pos += 1;
        self.expect("(")?;
        let e = self.conditional()?;
        let v = const_int(&e);
        let mut msg = String::new();
        if self.eat(",") {
            if let Some(t) = self.peek().filter(|t| t.kind == TokKind::Str) {
                msg = t.text.trim_matches('"').to_string();
                self.pos += 1;
            }
        }
        self.expect(")")?;
        self.expect(";")?;
        match v {
            Some(0) => self.error(loc, format!("static assertion failed: {msg}")),
            Some(_) => {}
            None => self.error(
                loc,
                "static assertion expression is not an integer constant",
            ),
        }
        Ok(())
    }

    fn declare_func(&mut self, name: &str, loc: Loc, ty: FuncTy, is_static: bool) -> usize {
        let existing = self.scopes[0].syms.get(name).cloned();
        if let Some(Sym::Func(id)) = existing {
            let old = self.prog.funcs[id].ty.clone();
            if !compatible(
                &Ty::Func(Rc::new(old.clone())),
                &Ty::Func(Rc::new(ty.clone())),
            ) {
                self.error(loc, format!("conflicting types for '{name}'"));
            } else if ty.proto && !old.proto {
                self.prog.funcs[id].ty = ty;
            }
            if is_static {
                self.prog.funcs[id].is_static = true;
            }
            if self.scopes.len() > 1 {
                self.declare(name, Sym::Func(id));
            }
            return id;
        }
        if existing.is_some() {
            self.error(
                loc,
                format!("'{name}' redeclared as a different kind of symbol"),
            );
        }
        let id = self.prog.funcs.len();
        self.prog.funcs.push(Function {
            name: name.to_string(),
            ty,
            is_static,
            def: None,
            used: false,
            loc,
        });
        self.scopes[0].syms.insert(name.to_string(), Sym::Func(id));
        if self.scopes.len() > 1 {
            self.declare(name, Sym::Func(id));
        }
        id
    }

    // function-definition = declspec declarator compound-stmt
    fn function_def(&mut self, fid: usize, loc: Loc) -> PResult<()> {
        let fty = self.prog.funcs[fid].ty.clone();
        let name = self.prog.funcs[fid].name.clone();
        if self.prog.funcs[fid].def.is_some() {
            self.error(loc, format!("redefinition of '{name}'"));
        }
        if fty.variadic {
            self.error(
                loc,
                format!("unsupported: defining variadic functions ('{name}'); only the runtime's printf family is variadic"),
            );
        }
        if fty.ret.is_array() || fty.ret.is_func() {
            self.error(loc, "a function cannot return an array or a function");
        }
        if fty.ret.is_struct() && self.size_of(&fty.ret).is_none() {
            let n = self.tname(&fty.ret);
            self.error(loc, format!("return type '{n}' is incomplete"));
        }
        // Definitions with `()` take no parameters.
        if !fty.proto {
            self.prog.funcs[fid].ty.proto = true;
        }
        let names = std::mem::take(&mut self.last_params);
        self.func = Some(FnState {
            name: name.clone(),
            ret: fty.ret.clone(),
            locals: Vec::new(),
            labels: HashSet::new(),
            gotos: Vec::new(),
            switches: Vec::new(),
            loops: 0,
            breakables: 0,
            refs: Vec::new(),
        });
        self.push_scope();
        let mut params = Vec::new();
        for (i, pty) in fty.params.iter().enumerate() {
            let (pname, ploc) = names.get(i).cloned().unwrap_or((None, loc));
            let Some(pname) = pname else {
                self.error(ploc, "parameter name omitted in a function definition");
                continue;
            };
            if pty.is_struct() && self.size_of(pty).is_none() {
                let n = self.tname(pty);
                self.error(
                    ploc,
                    format!("parameter '{pname}' has incomplete type '{n}'"),
                );
            }
            let id = self.new_local(&pname, pty.clone(), ploc);
            params.push(id);
        }
        let body = self.compound_stmt()?;
        self.pop_scope();
        let st = self.func.take();
        let Some(st) = st else { return Ok(()) };
        for (l, gloc) in &st.gotos {
            if !st.labels.contains(l) {
                self.error(*gloc, format!("use of undeclared label '{l}'"));
            }
        }
        self.prog.funcs[fid].def = Some(FuncDef {
            params,
            locals: st.locals,
            refs: st.refs,
            body: match body.kind {
                StmtKind::Block(v) => v,
                _ => vec![body],
            },
        });
        if name == "main" {
            self.prog.funcs[fid].used = true;
        }
        Ok(())
    }

    fn new_local(&mut self, name: &str, ty: Ty, loc: Loc) -> usize {
        let Some(f) = self.func.as_mut() else {
            return 0;
        };
        f.locals.push(LocalVar {
            name: name.to_string(),
            ty,
            addr_taken: false,
            loc,
        });
        let id = f.locals.len() - 1;
        self.declare(name, Sym::Local(id));
        id
    }

    fn global_decl(&mut self, name: &str, loc: Loc, ty: Ty, attr: Attr) -> PResult<()> {
        let existing = self.scopes[0].syms.get(name).cloned();
        let gid = match existing {
            Some(Sym::Global(g)) => {
                let old = self.prog.globals[g].ty.clone();
                if !compatible(&old, &ty) {
                    self.error(loc, format!("conflicting types for '{name}'"));
                } else if matches!(old, Ty::Array(_, None)) {
                    self.prog.globals[g].ty = ty.clone();
                }
                g
            }
            Some(_) => {
                self.error(
                    loc,
                    format!("'{name}' redeclared as a different kind of symbol"),
                );
                return self.skip_init();
            }
            None => {
                self.prog.globals.push(GlobalVar {
                    name: name.to_string(),
                    ty: ty.clone(),
                    init: None,
                    defined: false,
                    loc,
                });
                let g = self.prog.globals.len() - 1;
                self.scopes[0].syms.insert(name.to_string(), Sym::Global(g));
                g
            }
        };
        if !attr.is_extern {
            self.prog.globals[gid].defined = true;
        }
        if self.eat("=") {
            if self.prog.globals[gid].init.is_some() {
                self.error(loc, format!("redefinition of '{name}'"));
            }
            let gty = self.prog.globals[gid].ty.clone();
            let mut out = Vec::new();
            let t = self.initializer(&gty, 0, &mut out, true)?;
            self.prog.globals[gid].ty = t;
            self.prog.globals[gid].init = Some(out);
            self.prog.globals[gid].defined = true;
        }
        let g = &self.prog.globals[gid];
        if g.defined && g.ty.size(&self.prog.structs).is_none() {
            let is_open_array = matches!(g.ty, Ty::Array(_, None));
            if !is_open_array || g.init.is_some() {
                let n = self.tname(&g.ty);
                self.error(loc, format!("variable '{name}' has incomplete type '{n}'"));
            }
        }
        Ok(())
    }

    fn skip_init(&mut self) -> PResult<()> {
        if self.eat("=") {
            let mut out = Vec::new();
            self.initializer(&Ty::Int, 0, &mut out, true)?;
        }
        Ok(())
    }

    // ---- declarations ----

    // declspec = ("void" | "_Bool" | "char" | "short" | "int" | "long" | "float"
    //            | "double" | "signed" | "unsigned" | struct-decl | union-decl
    //            | enum-decl | typedef-name | "typedef" | "static" | "extern"
    //            | "const" | "volatile" | "inline" | "register" | "auto")+
    fn declspec(&mut self, mut attr: Option<&mut Attr>) -> PResult<Ty> {
        const VOID: u32 = 1;
        const BOOL: u32 = 1 << 2;
        const CHAR: u32 = 1 << 4;
        const SHORT: u32 = 1 << 6;
        const INT: u32 = 1 << 8;
        const LONG: u32 = 1 << 10;
        const FLOAT: u32 = 1 << 12;
        const DOUBLE: u32 = 1 << 14;
        const OTHER: u32 = 1 << 16;
        const SIGNED: u32 = 1 << 17;
        const UNSIGNED: u32 = 1 << 18;
        let start = self.loc();
        let mut counter = 0u32;
        let mut ty = Ty::Int;
        while let Some(t) = self.peek().cloned() {
            if !self.is_typename_tok(&t) {
                break;
            }
            let loc = t.loc;
            match &*t.text {
                "typedef" | "static" | "extern" => {
                    let Some(a) = attr.as_deref_mut() else {
                        return self.fatal(format!(
                            "storage class specifier '{}' is not allowed here",
                            t.text
                        ));
                    };
                    match &*t.text {
                        "typedef" => a.is_typedef = true,
                        "static" => a.is_static = true,
                        _ => a.is_extern = true,
                    }
                    self.pos += 1;
                    continue;
                }
                "const" | "volatile" | "inline" | "register" | "auto" | "restrict"
                | "_Noreturn" | "__restrict" | "__inline" | "__inline__" | "__extension__"
                | "__const" => {
                    self.pos += 1;
                    continue;
                }
                "_Complex" => return self.fatal("unsupported: _Complex types"),
                "_Atomic" => return self.fatal("unsupported: _Atomic types"),
                "_Thread_local" => return self.fatal("unsupported: _Thread_local"),
                "_Alignas" => return self.fatal("unsupported: _Alignas"),
                "typeof" | "__typeof__" => return self.fatal("unsupported: typeof"),
                "__attribute__" => {
                    self.skip_attribute()?;
                    continue;
                }
                _ => {}
            }
            let is_td = matches!(self.lookup(&t.text), Some(Sym::Typedef(_)));
            if is_td || matches!(&*t.text, "struct" | "union" | "enum") {
                if counter != 0 {
                    break;
                }
                if is_td {
                    if let Some(Sym::Typedef(td)) = self.lookup(&t.text) {
                        ty = td.clone();
                    }
                    self.pos += 1;
                } else if &*t.text == "enum" {
                    self.pos += 1;
                    ty = self.enum_decl()?;
                } else {
                    self.pos += 1;
                    ty = self.struct_decl(&*t.text == "union")?;
                }
                counter += OTHER;
                continue;
            }
            self.pos += 1;
            counter += match &*t.text {
                "void" => VOID,
                "_Bool" => BOOL,
                "char" => CHAR,
                "short" => SHORT,
                "int" => INT,
                "long" => LONG,
                "float" => FLOAT,
                "double" => DOUBLE,
                "signed" => counter & SIGNED | SIGNED,
                "unsigned" => counter & UNSIGNED | UNSIGNED,
                _ => OTHER,
            };
            ty = match counter {
                VOID => Ty::Void,
                BOOL => Ty::Bool,
                CHAR => Ty::Char,
                c if c == SIGNED + CHAR => Ty::SChar,
                c if c == UNSIGNED + CHAR => Ty::UChar,
                c if [SHORT, SHORT + INT, SIGNED + SHORT, SIGNED + SHORT + INT].contains(&c) => {
                    Ty::Short
                }
                c if c == UNSIGNED + SHORT || c == UNSIGNED + SHORT + INT => Ty::UShort,
                c if [INT, SIGNED, SIGNED + INT].contains(&c) => Ty::Int,
                c if c == UNSIGNED || c == UNSIGNED + INT => Ty::UInt,
                c if [LONG, LONG + INT, SIGNED + LONG, SIGNED + LONG + INT].contains(&c) => {
                    Ty::Long
                }
                c if [
                    LONG + LONG,
                    LONG + LONG + INT,
                    SIGNED + LONG + LONG,
                    SIGNED + LONG + LONG + INT,
                ]
                .contains(&c) =>
                {
                    Ty::LLong
                }
                c if c == UNSIGNED + LONG || c == UNSIGNED + LONG + INT => Ty::ULong,
                c if c == UNSIGNED + LONG + LONG || c == UNSIGNED + LONG + LONG + INT => Ty::ULLong,
                FLOAT => Ty::Float,
                DOUBLE => Ty::Double,
                c if c == LONG + DOUBLE => {
                    self.error(loc, "unsupported: long double");
                    Ty::Double
                }
                _ => {
                    self.error(loc, "invalid combination of type specifiers");
                    return Err(Fatal);
                }
            };
        }
        if counter == 0 && self.pos < self.toks.len() {
            let at_start = self.loc() == start;
            if at_start
                && !attr
                    .as_ref()
                    .is_some_and(|a| a.is_static || a.is_extern || a.is_typedef)
            {
                let d = self.describe();
                return self.fatal(format!("expected a type, found {d}"));
            }
        }
        Ok(ty)
    }

    fn skip_attribute(&mut self) -> PResult<()> {
        self.pos += 1;
        self.expect("(")?;
        let mut level = 1;
        while level > 0 {
            let Some(t) = self.peek() else {
                return self.fatal("unterminated __attribute__");
            };
            if t.is("(") {
                level += 1;
            } else if t.is(")") {
                level -= 1;
            } else if [
                "packed",
                "__packed__",
                "aligned",
                "__aligned__",
                "vector_size",
                "mode",
            ]
            .contains(&&*t.text)
            {
                let name = t.text.to_string();
                return self.fatal(format!(
                    "unsupported: __attribute__(({name})) (it would change the layout)"
                ));
            }
            self.pos += 1;
        }
        Ok(())
    }

    fn skip_qualifiers(&mut self) {
        while self.is("const")
            || self.is("volatile")
            || self.is("restrict")
            || self.is("__restrict")
            || self.is("__const")
        {
            self.pos += 1;
        }
    }

    // declarator = "*"* ("(" declarator ")" | ident?) type-suffix
    fn declarator(&mut self, mut ty: Ty) -> PResult<(Ty, Option<(String, Loc)>)> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.fatal("declarator nested too deeply");
        }
        while self.eat("*") {
            ty = ptr_to(ty);
            self.skip_qualifiers();
        }
        if self.is("(") && self.nested_declarator_follows() {
            let start = self.pos;
            self.pos += 1;
            self.declarator(Ty::Int)?;
            self.expect(")")?;
            ty = self.type_suffix(ty)?;
            let end = self.pos;
            self.pos = start + 1;
            let r = self.declarator(ty)?;
            self.expect(")")?;
            self.pos = end;
            self.depth -= 1;
            return Ok(r);
        }
        let name = if self.is_ident() {
            Some(self.ident()?)
        } else {
            None
        };
        let ty = self.type_suffix(ty)?;
        while self.is("__attribute__") {
            self.skip_attribute()?;
        }
        if self.is("asm") || self.is("__asm__") {
            return self.fatal("unsupported: asm labels");
        }
        self.depth -= 1;
        Ok((ty, name))
    }

    fn nested_declarator_follows(&self) -> bool {
        match self.peek_at(1) {
            Some(t) if t.is("*") || t.is("(") || t.is("[") => !t.is("["),
            Some(t) if t.kind == TokKind::Ident => {
                !self.is_typename_tok(t) && !KEYWORDS.contains(&&*t.text)
            }
            _ => false,
        }
    }

    // abstract-declarator = "*"* ("(" abstract-declarator ")")? type-suffix
    fn type_name(&mut self) -> PResult<Ty> {
        let base = self.declspec(None)?;
        let (ty, name) = self.declarator(base)?;
        if let Some((_, loc)) = name {
            self.error(loc, "unexpected name in a type name");
        }
        Ok(ty)
    }

    // type-suffix = "(" func-params | "[" const-expr? "]" type-suffix | ε
    fn type_suffix(&mut self, ty: Ty) -> PResult<Ty> {
        if self.eat("(") {
            return self.func_params(ty);
        }
        if self.is("[") {
            let loc = self.loc();
            self.pos += 1;
            while self.is("static") || self.is("const") || self.is("restrict") {
                self.pos += 1;
            }
            let len = if self.eat("]") {
                None
            } else {
                let save = self.nodes;
                let e = self.conditional()?;
                self.nodes = save;
                self.expect("]")?;
                match const_int(&e) {
                    Some(n) if n >= 0 && e.ty.is_integer() => Some(n as u64),
                    Some(_) if e.ty.is_integer() => {
                        self.error(e.loc, "array size is negative");
                        Some(1)
                    }
                    _ => {
                        self.error(
                            e.loc,
                            "unsupported: variable-length arrays (the size must be an integer constant)",
                        );
                        Some(1)
                    }
                }
            };
            let inner = self.type_suffix(ty)?;
            if inner.is_func() {
                self.error(loc, "array of functions is not allowed");
            }
            if matches!(inner, Ty::Array(_, None)) {
                self.error(loc, "array has incomplete element type");
            }
            if inner.is_void() {
                self.error(loc, "array of void is not allowed");
            }
            if let (Some(n), Some(es)) = (len, inner.size(&self.prog.structs)) {
                if n.checked_mul(es).is_none_or(|s| s > (1u64 << 40)) {
                    self.error(loc, "array is too large");
                }
            }
            return Ok(Ty::Array(Rc::new(inner), len));
        }
        Ok(ty)
    }

    // func-params = ("void" | param ("," param)* ("," "...")?)? ")"
    // param = declspec declarator
    fn func_params(&mut self, ret: Ty) -> PResult<Ty> {
        if ret.is_func() || ret.is_array() {
            return self.fatal("a function cannot return a function or an array");
        }
        if self.is("void") && self.is_at(1, ")") {
            self.pos += 2;
            self.last_params = Vec::new();
            return Ok(Ty::Func(Rc::new(FuncTy {
                ret,
                params: Vec::new(),
                variadic: false,
                proto: true,
            })));
        }
        if self.eat(")") {
            self.last_params = Vec::new();
            return Ok(Ty::Func(Rc::new(FuncTy {
                ret,
                params: Vec::new(),
                variadic: false,
                proto: false,
            })));
        }
        if self.is_ident() && !self.is_typename() && (self.is_at(1, ",") || self.is_at(1, ")")) {
            return self.fatal("unsupported: K&R-style (identifier list) function declarations");
        }
        let mut params = Vec::new();
        let mut names = Vec::new();
        let mut variadic = false;
        loop {
            if self.eat("...") {
                variadic = true;
                self.expect(")")?;
                break;
            }
            let loc = self.loc();
            let base = self.declspec(None)?;
            let (ty, name) = self.declarator(base)?;
            let ty = match ty {
                Ty::Array(b, _) => Ty::Ptr(b),
                t @ Ty::Func(_) => ptr_to(t),
                t => t,
            };
            if ty.is_void() {
                self.error(loc, "parameter has type void");
            }
            params.push(ty);
            match name {
                Some((n, l)) => names.push((Some(n), l)),
                None => names.push((None, loc)),
            }
            if self.eat(")") {
                break;
            }
            self.expect(",")?;
        }
        self.last_params = names;
        Ok(Ty::Func(Rc::new(FuncTy {
            ret,
            params,
            variadic,
            proto: true,
        })))
    }

    // struct-decl = ident? ("{" struct-members "}")?
    // struct-members = (declspec declarator ("," declarator)* ";")*
    fn struct_decl(&mut self, is_union: bool) -> PResult<Ty> {
        let kw = if is_union { "union" } else { "struct" };
        let tag = if self.is_ident() {
            Some(self.ident()?.0)
        } else {
            None
        };
        if tag.is_none() && !self.is("{") {
            return self.fatal(format!("expected '{{' or a tag after '{kw}'"));
        }
        let has_body = self.is("{");
        let id = if let Some(t) = &tag {
            let found = if has_body || self.is(";") {
                self.scopes.last().and_then(|s| s.tags.get(t).cloned())
            } else {
                self.scopes
                    .iter()
                    .rev()
                    .find_map(|s| s.tags.get(t).cloned())
            };
            match found {
                Some(Some(id)) if !(has_body && self.prog.structs[id].complete) => {
                    if self.prog.structs[id].is_union != is_union {
                        let loc = self.loc();
                        self.error(loc, format!("'{t}' defined as the wrong kind of tag"));
                    }
                    id
                }
                Some(None) => {
                    return self.fatal(format!("'{t}' is an enum tag, not a {kw}"));
                }
                Some(Some(_)) => {
                    return self.fatal(format!("redefinition of '{kw} {t}'"));
                }
                None => self.new_struct(tag.clone(), is_union),
            }
        } else {
            self.new_struct(None, is_union)
        };
        if !self.eat("{") {
            return Ok(Ty::Struct(id));
        }
        let mut fields: Vec<Field> = Vec::new();
        let mut names = HashSet::new();
        while !self.eat("}") {
            if self.peek().is_none() {
                return self.fatal(format!("expected '}}' to end the {kw}"));
            }
            let loc = self.loc();
            let base = self.declspec(None)?;
            if self.eat(";") {
                if base.is_struct() {
                    fields.push(Field {
                        name: None,
                        ty: base,
                        offset: 0,
                    });
                } else {
                    self.error(loc, "declaration does not declare anything");
                }
                continue;
            }
            loop {
                let (ty, name) = self.declarator(base.clone())?;
                if self.is(":") {
                    return self.fatal("unsupported: bit-fields");
                }
                let Some((n, nloc)) = name else {
                    return self.fatal("expected a member name");
                };
                if !names.insert(n.clone()) {
                    self.error(nloc, format!("duplicate member '{n}'"));
                }
                let open_array = matches!(ty, Ty::Array(_, None));
                if !open_array && self.size_of(&ty).is_none() {
                    let tn = self.tname(&ty);
                    self.error(nloc, format!("member '{n}' has incomplete type '{tn}'"));
                }
                fields.push(Field {
                    name: Some(n),
                    ty,
                    offset: 0,
                });
                if self.eat(";") {
                    break;
                }
                self.expect(",")?;
            }
        }
        // Layout: the C rules, which are also the IR's.
        let mut size = 0u64;
        let mut align = 1u64;
        for f in fields.iter_mut() {
            let fs = f.ty.size(&self.prog.structs).unwrap_or(0);
            let fa = f.ty.align(&self.prog.structs);
            align = align.max(fa);
            if is_union {
                f.offset = 0;
                size = size.max(fs);
            } else {
                f.offset = size.div_ceil(fa) * fa;
                size = f.offset + fs;
            }
        }
        let s = &mut self.prog.structs[id];
        s.fields = fields;
        s.size = size.div_ceil(align) * align;
        s.align = align;
        s.complete = true;
        Ok(Ty::Struct(id))
    }

    fn new_struct(&mut self, tag: Option<String>, is_union: bool) -> usize {
        self.prog.structs.push(StructDef {
            tag: tag.clone(),
            is_union,
            fields: Vec::new(),
            size: 0,
            align: 1,
            complete: false,
        });
        let id = self.prog.structs.len() - 1;
        if let (Some(t), Some(s)) = (tag, self.scopes.last_mut()) {
            s.tags.insert(t, Some(id));
        }
        id
    }

    // enum-decl = ident? "{" enum-list? "}" | ident
    // enum-list = ident ("=" const-expr)? ("," ident ("=" const-expr)?)* ","?
    fn enum_decl(&mut self) -> PResult<Ty> {
        let tag = if self.is_ident() {
            Some(self.ident()?.0)
        } else {
            None
        };
        if !self.eat("{") {
            if tag.is_none() {
                return self.fatal("expected '{' or a tag after 'enum'");
            }
            return Ok(Ty::Int);
        }
        if let (Some(t), Some(s)) = (&tag, self.scopes.last_mut()) {
            s.tags.insert(t.clone(), None);
        }
        let mut val: i64 = 0;
        loop {
            if self.eat("}") {
                break;
            }
            let (name, _) = self.ident()?;
            if self.eat("=") {
                let e = self.conditional()?;
                match const_int(&e) {
                    Some(v) => val = v,
                    None => self.error(e.loc, "enumerator value is not an integer constant"),
                }
            }
            self.declare(&name, Sym::EnumConst(val));
            val = val.wrapping_add(1);
            if self.eat("}") {
                break;
            }
            self.expect(",")?;
        }
        Ok(Ty::Int)
    }

    // ---- initializers ----

    /// Parses an initializer for an object of type `ty` at byte `offset`,
    /// appending its pieces to `out`. Returns the type, completed if it was
    /// an array of unknown length. `braced`: whether the caller saw the
    /// start of the object (false inside brace elision).
    // initializer = string | "{" init-list "}" | assign
    // init-list = (designation? initializer ("," designation? initializer)*)? ","?
    // designation = ("[" const-expr "]" | "." ident)+ "="
    fn initializer(
        &mut self,
        ty: &Ty,
        offset: u64,
        out: &mut Vec<InitElem>,
        top: bool,
    ) -> PResult<Ty> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.fatal("initializer nested too deeply");
        }
        let r = self.initializer_inner(ty, offset, out, top);
        self.depth -= 1;
        r
    }

    fn initializer_inner(
        &mut self,
        ty: &Ty,
        offset: u64,
        out: &mut Vec<InitElem>,
        top: bool,
    ) -> PResult<Ty> {
        match ty {
            Ty::Array(elem, len) => {
                let is_char = matches!(**elem, Ty::Char | Ty::SChar | Ty::UChar);
                let str_next = self.peek().is_some_and(|t| t.kind == TokKind::Str);
                let braced_str = self.is("{")
                    && self.peek_at(1).is_some_and(|t| t.kind == TokKind::Str)
                    && self.peek_at(2).is_some_and(|t| t.is("}") || t.is(","));
                if is_char && (str_next || braced_str) {
                    let braced = self.eat("{");
                    let e = self.primary()?;
                    if braced {
                        self.eat(",");
                        self.expect("}")?;
                    }
                    let slen = match e.ty {
                        Ty::Array(_, Some(n)) => n,
                        _ => 1,
                    };
                    let n = len.unwrap_or(slen);
                    if slen > n + 1 {
                        self.error(e.loc, "initializer string is too long for the array");
                    }
                    out.push(InitElem {
                        offset,
                        expr: e,
                        str_len: Some(n),
                    });
                    return Ok(Ty::Array(elem.clone(), Some(n)));
                }
                if self.eat("{") {
                    let n = self.array_init(elem, *len, offset, out, true)?;
                    return Ok(Ty::Array(elem.clone(), Some(len.unwrap_or(n))));
                }
                if top {
                    return self.fatal("an array initializer must be a list in braces");
                }
                let n = self.array_init(elem, *len, offset, out, false)?;
                Ok(Ty::Array(elem.clone(), Some(len.unwrap_or(n))))
            }
            Ty::Struct(id) => {
                if self.eat("{") {
                    self.struct_init(*id, offset, out, true)?;
                    return Ok(ty.clone());
                }
                // A struct-valued expression, or brace elision.
                let save = (self.pos, self.errors.len());
                let e = self.assign()?;
                if e.ty == *ty {
                    out.push(InitElem {
                        offset,
                        expr: e,
                        str_len: None,
                    });
                    return Ok(ty.clone());
                }
                if top {
                    let (tn, en) = (self.tname(ty), self.tname(&e.ty));
                    self.error(e.loc, format!("cannot initialize '{tn}' with '{en}'"));
                    return Ok(ty.clone());
                }
                self.pos = save.0;
                self.errors.truncate(save.1);
                self.struct_init(*id, offset, out, false)?;
                Ok(ty.clone())
            }
            Ty::Func(_) | Ty::Void => self.fatal("this object cannot be initialized"),
            _ => {
                if self.eat("{") {
                    if self.eat("}") {
                        let loc = self.loc();
                        let z = self.int(0, Ty::Int, loc);
                        let z = self.assign_conv(z, ty, "initialization");
                        out.push(InitElem {
                            offset,
                            expr: z,
                            str_len: None,
                        });
                        return Ok(ty.clone());
                    }
                    self.initializer(ty, offset, out, false)?;
                    self.eat(",");
                    self.expect("}")?;
                    return Ok(ty.clone());
                }
                let e = self.assign()?;
                let e = self.assign_conv(e, ty, "initialization");
                out.push(InitElem {
                    offset,
                    expr: e,
                    str_len: None,
                });
                Ok(ty.clone())
            }
        }
    }

    /// Returns the number of elements seen (for arrays of unknown length).
    fn array_init(
        &mut self,
        elem: &Ty,
        len: Option<u64>,
        offset: u64,
        out: &mut Vec<InitElem>,
        braced: bool,
    ) -> PResult<u64> {
        let esz = self.size_of(elem).unwrap_or(0);
        let mut i: u64 = 0;
        let mut max: u64 = 0;
        loop {
            if braced && self.eat("}") {
                break;
            }
            if !braced
                && (self.is("}") || self.is("[") || self.is(".") || len.is_some_and(|n| i >= n))
            {
                break;
            }
            if braced && self.is("[") {
                self.pos += 1;
                let e = self.conditional()?;
                self.expect("]")?;
                match const_int(&e) {
                    Some(k) if k >= 0 => i = k as u64,
                    _ => self.error(
                        e.loc,
                        "array designator is not a non-negative integer constant",
                    ),
                }
                if !self.eat("=") && (self.is("[") || self.is(".")) {
                    self.nested_designation(
                        elem,
                        offset + i * esz,
                        len.is_some_and(|n| i >= n),
                        out,
                    )?;
                    i += 1;
                    max = max.max(i);
                    if !self.eat(",") {
                        self.expect("}")?;
                        break;
                    }
                    continue;
                }
            }
            if len.is_some_and(|n| i >= n) {
                let loc = self.loc();
                self.error(loc, "excess elements in array initializer");
                let mut sink = Vec::new();
                self.initializer(elem, 0, &mut sink, false)?;
            } else {
                if i > (1 << 32) {
                    return self.fatal("array initializer is too large");
                }
                self.initializer(elem, offset + i * esz, out, false)?;
            }
            i += 1;
            max = max.max(i);
            if braced {
                if !self.eat(",") {
                    self.expect("}")?;
                    break;
                }
            } else {
                let more = len.is_none_or(|n| i < n);
                if more
                    && self.is(",")
                    && !self.is_at(1, "}")
                    && !self.is_at(1, ".")
                    && !self.is_at(1, "[")
                {
                    self.pos += 1;
                } else {
                    break;
                }
            }
        }
        Ok(max)
    }

    fn struct_init(
        &mut self,
        id: usize,
        offset: u64,
        out: &mut Vec<InitElem>,
        braced: bool,
    ) -> PResult<()> {
        let fields = self.prog.structs[id].fields.clone();
        let is_union = self.prog.structs[id].is_union;
        if !self.prog.structs[id].complete {
            return self.fatal("initializing a struct of incomplete type");
        }
        let mut i = 0usize;
        loop {
            if braced && self.eat("}") {
                break;
            }
            if !braced
                && (self.is("}")
                    || self.is(".")
                    || self.is("[")
                    || i >= fields.len()
                    || (is_union && i > 0))
            {
                break;
            }
            if braced && self.is(".") {
                self.pos += 1;
                let (name, nloc) = self.ident()?;
                match fields.iter().position(|f| f.name.as_deref() == Some(&name)) {
                    Some(k) => i = k,
                    None => {
                        self.error(nloc, format!("no member named '{name}'"));
                        return Err(Fatal);
                    }
                }
                if self.is("[") || self.is(".") {
                    let f = &fields[i];
                    self.nested_designation(&f.ty.clone(), offset + f.offset, false, out)?;
                    i += 1;
                    if !self.eat(",") {
                        self.expect("}")?;
                        break;
                    }
                    continue;
                }
                self.expect("=")?;
            }
            if i >= fields.len() || (is_union && i > 0 && !self.is_designated_prev()) {
                if i >= fields.len() {
                    let loc = self.loc();
                    self.error(loc, "excess elements in struct initializer");
                    let mut sink = Vec::new();
                    self.initializer(&Ty::Int, 0, &mut sink, false)?;
                }
            } else {
                let f = &fields[i];
                self.initializer(&f.ty.clone(), offset + f.offset, out, false)?;
            }
            i += 1;
            if braced {
                if !self.eat(",") {
                    self.expect("}")?;
                    break;
                }
            } else {
                let more = i < fields.len() && !is_union;
                if more
                    && self.is(",")
                    && !self.is_at(1, "}")
                    && !self.is_at(1, ".")
                    && !self.is_at(1, "[")
                {
                    self.pos += 1;
                } else {
                    break;
                }
            }
        }
        Ok(())
    }

    /// The rest of a designator chain (`[1].x = v`, `.pos.y = v`) after its
    /// first designator, for the sub-object of type `ty` at `offset`.
    // designation-rest = ("[" const-expr "]" | "." ident)* "=" initializer
    fn nested_designation(
        &mut self,
        ty: &Ty,
        offset: u64,
        excess: bool,
        out: &mut Vec<InitElem>,
    ) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.fatal("designator nested too deeply");
        }
        if excess {
            let loc = self.loc();
            self.error(loc, "designator index out of the array's bounds");
        }
        let r = if self.eat("=") {
            let mut sink = Vec::new();
            let dst = if excess { &mut sink } else { out };
            self.initializer(ty, offset, dst, false).map(|_| ())
        } else if self.is("[") {
            let Ty::Array(elem, len) = ty else {
                return self.fatal("array designator for an object that is not an array");
            };
            self.pos += 1;
            let e = self.conditional()?;
            self.expect("]")?;
            let k = match const_int(&e) {
                Some(k) if k >= 0 => k as u64,
                _ => {
                    self.error(
                        e.loc,
                        "array designator is not a non-negative integer constant",
                    );
                    0
                }
            };
            let esz = self.size_of(elem).unwrap_or(0);
            let out_of_range = excess || len.is_some_and(|n| k >= n);
            self.nested_designation(
                &elem.clone(),
                offset + k.min(1 << 32) * esz,
                out_of_range,
                out,
            )
        } else if self.eat(".") {
            let Ty::Struct(id) = ty else {
                return self.fatal("member designator for an object that is not a struct or union");
            };
            let (name, nloc) = self.ident()?;
            let Some((off, fty)) = self.prog.structs[*id].find(&self.prog.structs, &name) else {
                self.error(nloc, format!("no member named '{name}'"));
                return Err(Fatal);
            };
            self.nested_designation(&fty, offset + off, excess, out)
        } else {
            let d = self.describe();
            self.fatal(format!("expected '=' after a designator, found {d}"))
        };
        self.depth -= 1;
        r
    }

    fn is_designated_prev(&self) -> bool {
        self.pos >= 2 && self.toks[self.pos - 1].is("=")
    }

    // ---- statements ----

    // compound-stmt = "{" (declaration | stmt)* "}"
    fn compound_stmt(&mut self) -> PResult<Stmt> {
        let loc = self.loc();
        self.expect("{")?;
        self.push_scope();
        let mut v = Vec::new();
        while !self.eat("}") {
            if self.peek().is_none() {
                self.pop_scope();
                return self.fatal("expected '}' at end of file");
            }
            self.nodes = 0;
            if self.is_typename() && !self.is_at(1, ":") {
                self.local_decl(&mut v)?;
            } else if self.is("_Static_assert") {
                self.static_assert()?;
            } else {
                v.push(self.stmt()?);
            }
        }
        self.pop_scope();
        Ok(Stmt {
            kind: StmtKind::Block(v),
            loc,
        })
    }

    // declaration = declspec (declarator ("=" initializer)? ("," declarator ("=" initializer)?)*)? ";"
    fn local_decl(&mut self, out: &mut Vec<Stmt>) -> PResult<()> {
        let mut attr = Attr::default();
        let base = self.declspec(Some(&mut attr))?;
        if self.eat(";") {
            return Ok(());
        }
        loop {
            let (ty, name) = self.declarator(base.clone())?;
            let Some((name, loc)) = name else {
                return self.fatal("expected a variable name");
            };
            if attr.is_typedef {
                self.declare(&name, Sym::Typedef(ty));
            } else if let Ty::Func(f) = &ty {
                let id = self.declare_func(&name, loc, (**f).clone(), attr.is_static);
                self.declare(&name, Sym::Func(id));
            } else if attr.is_extern {
                match self.scopes[0].syms.get(&name).cloned() {
                    Some(Sym::Global(g)) => self.declare(&name, Sym::Global(g)),
                    _ => {
                        self.prog.globals.push(GlobalVar {
                            name: name.clone(),
                            ty: ty.clone(),
                            init: None,
                            defined: false,
                            loc,
                        });
                        let g = self.prog.globals.len() - 1;
                        self.scopes[0].syms.insert(name.clone(), Sym::Global(g));
                        self.declare(&name, Sym::Global(g));
                    }
                }
            } else if attr.is_static {
                self.statics += 1;
                let fname = self.func.as_ref().map_or(String::new(), |f| f.name.clone());
                let gname = format!("{fname}.{name}.{}", self.statics);
                self.prog.globals.push(GlobalVar {
                    name: gname,
                    ty: ty.clone(),
                    init: None,
                    defined: true,
                    loc,
                });
                let g = self.prog.globals.len() - 1;
                self.declare(&name, Sym::Global(g));
                if self.eat("=") {
                    let mut init = Vec::new();
                    let t = self.initializer(&ty, 0, &mut init, true)?;
                    self.prog.globals[g].ty = t;
                    self.prog.globals[g].init = Some(init);
                }
                if self.size_of(&self.prog.globals[g].ty.clone()).is_none() {
                    let tn = self.tname(&ty);
                    self.error(loc, format!("variable '{name}' has incomplete type '{tn}'"));
                }
            } else {
                if ty.is_void() {
                    self.error(loc, format!("variable '{name}' declared void"));
                }
                let id = self.new_local(&name, ty.clone(), loc);
                let mut init = Vec::new();
                let mut zero = false;
                if self.eat("=") {
                    let t = self.initializer(&ty, 0, &mut init, true)?;
                    let whole = init.len() == 1
                        && init[0].str_len.is_none()
                        && init[0].offset == 0
                        && init[0].expr.ty == t;
                    zero = !t.is_scalar() && !whole;
                    if let Some(f) = self.func.as_mut() {
                        f.locals[id].ty = t;
                    }
                }
                let t = self
                    .func
                    .as_ref()
                    .map(|f| f.locals[id].ty.clone())
                    .unwrap_or(Ty::Int);
                if self.size_of(&t).is_none() && !t.is_void() {
                    let tn = self.tname(&t);
                    self.error(loc, format!("variable '{name}' has incomplete type '{tn}'"));
                }
                out.push(Stmt {
                    kind: StmtKind::Decl {
                        var: id,
                        init,
                        zero,
                    },
                    loc,
                });
            }
            if self.eat(";") {
                return Ok(());
            }
            if !self.eat(",") {
                let d = self.describe();
                return self.fatal_after_prev(format!(
                    "expected ',' or ';' after a declarator, found {d}"
                ));
            }
        }
    }

    fn fstate(&mut self) -> &mut FnState {
        self.func.get_or_insert_with(|| FnState {
            name: String::new(),
            ret: Ty::Void,
            locals: Vec::new(),
            labels: HashSet::new(),
            gotos: Vec::new(),
            switches: Vec::new(),
            loops: 0,
            breakables: 0,
            refs: Vec::new(),
        })
    }

    fn cond_expr(&mut self) -> PResult<Expr> {
        self.expect("(")?;
        let e = self.expr()?;
        self.expect(")")?;
        let e = self.rval(e);
        self.check_scalar(&e, "a condition");
        Ok(e)
    }

    // stmt = "return" expr? ";" | "if" "(" expr ")" stmt ("else" stmt)?
    //      | "switch" "(" expr ")" stmt | "case" const-expr ":" stmt
    //      | "default" ":" stmt | "for" "(" (declaration | expr? ";") expr? ";" expr? ")" stmt
    //      | "while" "(" expr ")" stmt | "do" stmt "while" "(" expr ")" ";"
    //      | "goto" ident ";" | "break" ";" | "continue" ";" | ident ":" stmt
    //      | compound-stmt | expr? ";"
    fn stmt(&mut self) -> PResult<Stmt> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.fatal("statements nested too deeply");
        }
        let r = self.stmt_inner();
        self.depth -= 1;
        r
    }

    fn stmt_inner(&mut self) -> PResult<Stmt> {
        let loc = self.loc();
        let mk = |kind| Ok(Stmt { kind, loc });
        self.nodes = 0;
        let Some(t) = self.peek().cloned() else {
            return self.fatal("expected a statement at end of file");
        };
        if t.kind == TokKind::Ident {
            match &*t.text {
                "return" => {
                    self.pos += 1;
                    let ret = self.fstate().ret.clone();
                    if self.eat(";") {
                        if !ret.is_void() {
                            self.error(loc, "non-void function should return a value");
                        }
                        return mk(StmtKind::Return(None));
                    }
                    let e = self.expr()?;
                    self.expect(";")?;
                    if ret.is_void() {
                        let e = self.rval(e);
                        if !e.ty.is_void() {
                            self.error(e.loc, "void function should not return a value");
                        }
                        return mk(StmtKind::Return(Some(e)));
                    }
                    let e = self.assign_conv(e, &ret, "return");
                    return mk(StmtKind::Return(Some(e)));
                }
                "if" => {
                    self.pos += 1;
                    let c = self.cond_expr()?;
                    let then = self.stmt()?;
                    let els = if self.eat("else") {
                        Some(Box::new(self.stmt()?))
                    } else {
                        None
                    };
                    return mk(StmtKind::If(c, Box::new(then), els));
                }
                "switch" => {
                    self.pos += 1;
                    self.expect("(")?;
                    let e = self.expr()?;
                    self.expect(")")?;
                    let e = self.rval(e);
                    let ty = if e.ty.is_integer() {
                        e.ty.promote()
                    } else {
                        let n = self.tname(&e.ty);
                        self.error(e.loc, format!("switch quantity is not an integer ('{n}')"));
                        Ty::Int
                    };
                    let e = self.cast(e, &ty);
                    self.fstate().switches.push(SwitchCtx {
                        ty,
                        cases: Vec::new(),
                        default: None,
                    });
                    self.fstate().breakables += 1;
                    let body = self.stmt();
                    self.fstate().breakables -= 1;
                    let sw = self.fstate().switches.pop();
                    let body = body?;
                    let Some(sw) = sw else { return Err(Fatal) };
                    return mk(StmtKind::Switch {
                        e,
                        body: Box::new(body),
                        cases: sw.cases,
                        default: sw.default,
                    });
                }
                "case" => {
                    self.pos += 1;
                    let e = self.conditional()?;
                    if self.is("...") {
                        return self.fatal("unsupported: case ranges");
                    }
                    self.expect(":")?;
                    let v = const_int(&e);
                    if v.is_none() {
                        self.error(e.loc, "case label is not an integer constant");
                    }
                    self.case_ids += 1;
                    let id = self.case_ids;
                    let st = self.fstate();
                    let Some(sw) = st.switches.last_mut() else {
                        self.error(loc, "'case' label not within a switch statement");
                        return self.stmt();
                    };
                    let bits = (norm_int(v.unwrap_or(0), &sw.ty) as u64) & sw.ty.ir().mask();
                    let dup = sw.cases.iter().any(|c| c.0 == bits);
                    sw.cases.push((bits, id));
                    if dup {
                        self.error(e.loc, "duplicate case value");
                    }
                    let body = self.stmt()?;
                    return mk(StmtKind::Block(vec![
                        Stmt {
                            kind: StmtKind::Case(id),
                            loc,
                        },
                        body,
                    ]));
                }
                "default" if self.is_at(1, ":") => {
                    self.pos += 2;
                    self.case_ids += 1;
                    let id = self.case_ids;
                    let st = self.fstate();
                    let Some(sw) = st.switches.last_mut() else {
                        self.error(loc, "'default' label not within a switch statement");
                        return self.stmt();
                    };
                    let dup = sw.default.is_some();
                    sw.default = Some(id);
                    if dup {
                        self.error(loc, "multiple default labels in one switch");
                    }
                    let body = self.stmt()?;
                    return mk(StmtKind::Block(vec![
                        Stmt {
                            kind: StmtKind::Case(id),
                            loc,
                        },
                        body,
                    ]));
                }
                "for" => {
                    self.pos += 1;
                    self.expect("(")?;
                    self.push_scope();
                    let mut init = Vec::new();
                    if self.is_typename() {
                        self.local_decl(&mut init)?;
                    } else if !self.eat(";") {
                        let e = self.expr()?;
                        init.push(Stmt {
                            kind: StmtKind::Expr(e),
                            loc,
                        });
                        self.expect(";")?;
                    }
                    let cond = if self.is(";") {
                        None
                    } else {
                        let e = self.expr()?;
                        let e = self.rval(e);
                        self.check_scalar(&e, "a condition");
                        Some(e)
                    };
                    self.expect(";")?;
                    let step = if self.is(")") {
                        None
                    } else {
                        Some(self.expr()?)
                    };
                    self.expect(")")?;
                    self.fstate().loops += 1;
                    self.fstate().breakables += 1;
                    let body = self.stmt();
                    self.fstate().loops -= 1;
                    self.fstate().breakables -= 1;
                    self.pop_scope();
                    return mk(StmtKind::For {
                        init,
                        cond,
                        step,
                        body: Box::new(body?),
                    });
                }
                "while" => {
                    self.pos += 1;
                    let c = self.cond_expr()?;
                    self.fstate().loops += 1;
                    self.fstate().breakables += 1;
                    let body = self.stmt();
                    self.fstate().loops -= 1;
                    self.fstate().breakables -= 1;
                    return mk(StmtKind::While(c, Box::new(body?)));
                }
                "do" => {
                    self.pos += 1;
                    self.fstate().loops += 1;
                    self.fstate().breakables += 1;
                    let body = self.stmt();
                    self.fstate().loops -= 1;
                    self.fstate().breakables -= 1;
                    let body = body?;
                    if !self.eat("while") {
                        let d = self.describe();
                        return self.fatal(format!(
                            "expected 'while' after the body of 'do', found {d}"
                        ));
                    }
                    let c = self.cond_expr()?;
                    self.expect(";")?;
                    return mk(StmtKind::DoWhile(Box::new(body), c));
                }
                "goto" => {
                    self.pos += 1;
                    if self.is("*") {
                        return self.fatal("unsupported: computed goto");
                    }
                    let (l, lloc) = self.ident()?;
                    self.expect(";")?;
                    self.fstate().gotos.push((l.clone(), lloc));
                    return mk(StmtKind::Goto(l));
                }
                "break" => {
                    self.pos += 1;
                    self.expect(";")?;
                    if self.fstate().breakables == 0 {
                        self.error(loc, "'break' statement not in a loop or switch");
                    }
                    return mk(StmtKind::Break);
                }
                "continue" => {
                    self.pos += 1;
                    self.expect(";")?;
                    if self.fstate().loops == 0 {
                        self.error(loc, "'continue' statement not in a loop");
                    }
                    return mk(StmtKind::Continue);
                }
                "asm" | "__asm__" => return self.fatal("unsupported: inline assembly"),
                "else" => return self.fatal("'else' without a previous 'if'"),
                _ => {}
            }
            if self.is_ident() && self.is_at(1, ":") {
                let (l, lloc) = self.ident()?;
                self.pos += 1;
                if !self.fstate().labels.insert(l.clone()) {
                    self.error(lloc, format!("redefinition of label '{l}'"));
                }
                let body = if self.is("}") {
                    Stmt {
                        kind: StmtKind::Block(Vec::new()),
                        loc,
                    }
                } else {
                    self.stmt()?
                };
                return mk(StmtKind::Label(l, Box::new(body)));
            }
        }
        if self.is("{") {
            return self.compound_stmt();
        }
        if self.eat(";") {
            return mk(StmtKind::Block(Vec::new()));
        }
        let e = self.expr()?;
        self.expect(";")?;
        mk(StmtKind::Expr(e))
    }

    // ---- expressions ----

    fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.fatal("expression nested too deeply");
        }
        if self.nodes > MAX_EXPR_NODES {
            return self.fatal("expression is too large");
        }
        Ok(())
    }

    // expr = assign ("," assign)*
    fn expr(&mut self) -> PResult<Expr> {
        let mut e = self.assign()?;
        while self.is(",") {
            let loc = self.loc();
            self.pos += 1;
            let r = self.assign()?;
            let r = self.rval(r);
            let ty = r.ty.clone();
            e = self.mk(ExprKind::Comma(Box::new(e), Box::new(r)), ty, loc);
            if self.nodes > MAX_EXPR_NODES {
                return self.fatal("expression is too large");
            }
        }
        Ok(e)
    }

    // assign = conditional (assign-op assign)?
    // assign-op = "=" | "+=" | "-=" | "*=" | "/=" | "%=" | "&=" | "|=" | "^=" | "<<=" | ">>="
    fn assign(&mut self) -> PResult<Expr> {
        self.enter()?;
        let lhs = self.conditional()?;
        let Some(t) = self.peek().cloned() else {
            self.depth -= 1;
            return Ok(lhs);
        };
        let op = match &*t.text {
            "=" => None,
            "+=" => Some(BinOp::Add),
            "-=" => Some(BinOp::Sub),
            "*=" => Some(BinOp::Mul),
            "/=" => Some(BinOp::Div),
            "%=" => Some(BinOp::Rem),
            "&=" => Some(BinOp::BitAnd),
            "|=" => Some(BinOp::BitOr),
            "^=" => Some(BinOp::BitXor),
            "<<=" => Some(BinOp::Shl),
            ">>=" => Some(BinOp::Shr),
            _ => {
                self.depth -= 1;
                return Ok(lhs);
            }
        };
        if t.kind != TokKind::Punct {
            self.depth -= 1;
            return Ok(lhs);
        }
        self.pos += 1;
        let loc = t.loc;
        let rhs = self.assign()?;
        self.depth -= 1;
        if !Self::is_lvalue(&lhs) || lhs.ty.is_array() || lhs.ty.is_func() {
            self.error(loc, "expression is not assignable");
            return Ok(lhs);
        }
        let ty = lhs.ty.clone();
        let Some(op) = op else {
            let rhs = self.assign_conv(rhs, &ty, "assignment");
            return Ok(self.mk(ExprKind::Assign(Box::new(lhs), Box::new(rhs)), ty, loc));
        };
        let rhs = self.rval(rhs);
        if ty.is_ptr() && matches!(op, BinOp::Add | BinOp::Sub) {
            if !rhs.ty.is_integer() {
                self.error(rhs.loc, "invalid operands to pointer compound assignment");
                return Ok(lhs);
            }
            self.check_pointee(&ty, loc);
            let rhs = self.cast(rhs, &Ty::Long);
            return Ok(self.mk(
                ExprKind::OpAssign {
                    op,
                    lhs: Box::new(lhs),
                    rhs: Box::new(rhs),
                    op_ty: ty.clone(),
                },
                ty,
                loc,
            ));
        }
        let int_only = matches!(
            op,
            BinOp::Rem | BinOp::Shl | BinOp::Shr | BinOp::BitAnd | BinOp::BitOr | BinOp::BitXor
        );
        let ok = if int_only {
            ty.is_integer() && rhs.ty.is_integer()
        } else {
            ty.is_arith() && rhs.ty.is_arith()
        };
        if !ok {
            let (a, b) = (self.tname(&ty), self.tname(&rhs.ty));
            self.error(
                loc,
                format!("invalid operands to compound assignment ('{a}' and '{b}')"),
            );
            return Ok(lhs);
        }
        let op_ty = if matches!(op, BinOp::Shl | BinOp::Shr) {
            ty.promote()
        } else {
            usual_arith(&ty, &rhs.ty)
        };
        let rhs = self.cast(rhs, &op_ty);
        Ok(self.mk(
            ExprKind::OpAssign {
                op,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
                op_ty,
            },
            ty,
            loc,
        ))
    }

    fn check_pointee(&mut self, pty: &Ty, loc: Loc) {
        if let Some(b) = pty.base() {
            if !b.is_void() && self.size_of(b).is_none() {
                let n = self.tname(b);
                self.error(
                    loc,
                    format!("arithmetic on a pointer to incomplete type '{n}'"),
                );
            }
        }
    }

    // conditional = logor ("?" expr ":" conditional)?
    fn conditional(&mut self) -> PResult<Expr> {
        self.enter()?;
        let c = self.binary(0)?;
        if !self.is("?") {
            self.depth -= 1;
            return Ok(c);
        }
        let loc = self.loc();
        self.pos += 1;
        let c = self.rval(c);
        self.check_scalar(&c, "the condition of '?:'");
        let a = self.expr()?;
        self.expect(":")?;
        let b = self.conditional()?;
        self.depth -= 1;
        let (a, b) = (self.rval(a), self.rval(b));
        let ty = if a.ty.is_arith() && b.ty.is_arith() {
            usual_arith(&a.ty, &b.ty)
        } else if a.ty.is_ptr() && b.ty.is_ptr() {
            if matches!(a.ty.base(), Some(Ty::Void)) {
                a.ty.clone()
            } else if matches!(b.ty.base(), Some(Ty::Void)) {
                b.ty.clone()
            } else {
                if !compatible(&a.ty, &b.ty) {
                    self.error(loc, "pointer type mismatch in conditional expression");
                }
                a.ty.clone()
            }
        } else if a.ty.is_ptr() && is_null_const(&b) {
            a.ty.clone()
        } else if b.ty.is_ptr() && is_null_const(&a) {
            b.ty.clone()
        } else if a.ty.is_void() && b.ty.is_void() {
            Ty::Void
        } else if a.ty.is_struct() && a.ty == b.ty {
            a.ty.clone()
        } else {
            let (x, y) = (self.tname(&a.ty), self.tname(&b.ty));
            self.error(
                loc,
                format!("type mismatch in conditional expression ('{x}' and '{y}')"),
            );
            a.ty.clone()
        };
        let (a, b) = if ty.is_void() || ty.is_struct() {
            (a, b)
        } else {
            (self.cast(a, &ty), self.cast(b, &ty))
        };
        Ok(self.mk(
            ExprKind::Cond(Box::new(c), Box::new(a), Box::new(b)),
            ty,
            loc,
        ))
    }

    /// Binary operators by precedence climbing (left associative):
    // logor = logand ("||" logand)*       logand = bitor ("&&" bitor)*
    // bitor = bitxor ("|" bitxor)*        bitxor = bitand ("^" bitand)*
    // bitand = equality ("&" equality)*   equality = relational (("==" | "!=") relational)*
    // relational = shift (("<" | "<=" | ">" | ">=") shift)*
    // shift = add (("<<" | ">>") add)*    add = mul (("+" | "-") mul)*
    // mul = cast (("*" | "/" | "%") cast)*
    fn binary(&mut self, min_prec: u8) -> PResult<Expr> {
        let mut lhs = self.cast_expr()?;
        while let Some(t) = self.peek() {
            if t.kind != TokKind::Punct {
                break;
            }
            let Some(prec) = crate::lex::binary_precedence(&t.text) else {
                break;
            };
            if prec <= min_prec {
                break;
            }
            let op = t.text.clone();
            let loc = t.loc;
            self.pos += 1;
            self.enter()?;
            let rhs = self.binary(prec)?;
            self.depth -= 1;
            lhs = self.binop(&op, lhs, rhs, loc);
        }
        Ok(lhs)
    }

    fn binop(&mut self, op: &str, l: Expr, r: Expr, loc: Loc) -> Expr {
        let (l, r) = (self.rval(l), self.rval(r));
        let bad = |p: &mut Parser, l: &Expr, r: &Expr| {
            let (a, b) = (p.tname(&l.ty), p.tname(&r.ty));
            p.error(
                loc,
                format!("invalid operands to binary '{op}' ('{a}' and '{b}')"),
            );
            p.int(0, Ty::Int, loc)
        };
        let arith = |p: &mut Parser, bop: BinOp, l: Expr, r: Expr| {
            let ty = usual_arith(&l.ty, &r.ty);
            let (l, r) = (p.cast(l, &ty), p.cast(r, &ty));
            p.mk(ExprKind::Binary(bop, Box::new(l), Box::new(r)), ty, loc)
        };
        match op {
            "||" | "&&" => {
                if !l.ty.is_scalar() || !r.ty.is_scalar() {
                    return bad(self, &l, &r);
                }
                let k = if op == "||" {
                    ExprKind::LogOr(Box::new(l), Box::new(r))
                } else {
                    ExprKind::LogAnd(Box::new(l), Box::new(r))
                };
                self.mk(k, Ty::Int, loc)
            }
            "|" | "^" | "&" | "%" => {
                if !l.ty.is_integer() || !r.ty.is_integer() {
                    return bad(self, &l, &r);
                }
                let bop = match op {
                    "|" => BinOp::BitOr,
                    "^" => BinOp::BitXor,
                    "&" => BinOp::BitAnd,
                    _ => BinOp::Rem,
                };
                arith(self, bop, l, r)
            }
            "*" | "/" => {
                if !l.ty.is_arith() || !r.ty.is_arith() {
                    return bad(self, &l, &r);
                }
                arith(self, if op == "*" { BinOp::Mul } else { BinOp::Div }, l, r)
            }
            "<<" | ">>" => {
                if !l.ty.is_integer() || !r.ty.is_integer() {
                    return bad(self, &l, &r);
                }
                let ty = l.ty.promote();
                let (l, r) = (self.cast(l, &ty), self.cast(r, &ty));
                let bop = if op == "<<" { BinOp::Shl } else { BinOp::Shr };
                self.mk(ExprKind::Binary(bop, Box::new(l), Box::new(r)), ty, loc)
            }
            "==" | "!=" | "<" | ">" | "<=" | ">=" => {
                let bop = match op {
                    "==" => BinOp::Eq,
                    "!=" => BinOp::Ne,
                    "<" => BinOp::Lt,
                    ">" => BinOp::Gt,
                    "<=" => BinOp::Le,
                    _ => BinOp::Ge,
                };
                let (l, r) = if l.ty.is_arith() && r.ty.is_arith() {
                    let ty = usual_arith(&l.ty, &r.ty);
                    (self.cast(l, &ty), self.cast(r, &ty))
                } else if l.ty.is_ptr() && r.ty.is_ptr() {
                    let (a, b) = (l.ty.base(), r.ty.base());
                    if !matches!(a, Some(Ty::Void))
                        && !matches!(b, Some(Ty::Void))
                        && !compatible(&l.ty, &r.ty)
                    {
                        let (x, y) = (self.tname(&l.ty), self.tname(&r.ty));
                        self.error(
                            loc,
                            format!("comparison of distinct pointer types ('{x}' and '{y}')"),
                        );
                    }
                    let ty = l.ty.clone();
                    (l, self.cast(r, &ty))
                } else if l.ty.is_ptr() && r.ty.is_integer() {
                    if !is_null_const(&r) {
                        self.error(loc, "comparison between pointer and integer");
                    }
                    let ty = l.ty.clone();
                    (l, self.cast(r, &ty))
                } else if r.ty.is_ptr() && l.ty.is_integer() {
                    if !is_null_const(&l) {
                        self.error(loc, "comparison between pointer and integer");
                    }
                    let ty = r.ty.clone();
                    (self.cast(l, &ty), r)
                } else {
                    return bad(self, &l, &r);
                };
                self.mk(
                    ExprKind::Binary(bop, Box::new(l), Box::new(r)),
                    Ty::Int,
                    loc,
                )
            }
            "+" => {
                if l.ty.is_arith() && r.ty.is_arith() {
                    return arith(self, BinOp::Add, l, r);
                }
                let (p, n) = if l.ty.is_ptr() && r.ty.is_integer() {
                    (l, r)
                } else if r.ty.is_ptr() && l.ty.is_integer() {
                    (r, l)
                } else {
                    return bad(self, &l, &r);
                };
                self.check_pointee(&p.ty, loc);
                let n = self.cast(n, &Ty::Long);
                let ty = p.ty.clone();
                self.mk(
                    ExprKind::Binary(BinOp::Add, Box::new(p), Box::new(n)),
                    ty,
                    loc,
                )
            }
            _ => {
                // "-"
                if l.ty.is_arith() && r.ty.is_arith() {
                    return arith(self, BinOp::Sub, l, r);
                }
                if l.ty.is_ptr() && r.ty.is_integer() {
                    self.check_pointee(&l.ty, loc);
                    let n = self.cast(r, &Ty::Long);
                    let ty = l.ty.clone();
                    return self.mk(
                        ExprKind::Binary(BinOp::Sub, Box::new(l), Box::new(n)),
                        ty,
                        loc,
                    );
                }
                if l.ty.is_ptr() && r.ty.is_ptr() {
                    if !compatible(&l.ty, &r.ty) {
                        self.error(loc, "subtraction of pointers to different types");
                    }
                    self.check_pointee(&l.ty, loc);
                    return self.mk(
                        ExprKind::Binary(BinOp::PtrDiff, Box::new(l), Box::new(r)),
                        Ty::Long,
                        loc,
                    );
                }
                bad(self, &l, &r)
            }
        }
    }

    // cast = "(" type-name ")" cast | "(" type-name ")" "{" init-list "}" postfix-tail | unary
    fn cast_expr(&mut self) -> PResult<Expr> {
        self.enter()?;
        let r = self.cast_inner();
        self.depth -= 1;
        r
    }

    fn cast_inner(&mut self) -> PResult<Expr> {
        if self.is("(") && self.peek_at(1).is_some_and(|t| self.is_typename_tok(t)) {
            let loc = self.loc();
            self.pos += 1;
            let ty = self.type_name()?;
            self.expect(")")?;
            if self.is("{") {
                let e = self.compound_literal(ty, loc)?;
                return self.postfix_tail(e);
            }
            let e = self.cast_expr()?;
            let e = self.rval(e);
            if ty.is_void() {
                return Ok(self.mk(ExprKind::Cast(Box::new(e)), Ty::Void, loc));
            }
            let ok = (ty.is_arith() && e.ty.is_arith())
                || (ty.is_ptr() && (e.ty.is_ptr() || e.ty.is_integer()))
                || (ty.is_integer() && e.ty.is_ptr());
            if !ok {
                let (a, b) = (self.tname(&e.ty), self.tname(&ty));
                self.error(loc, format!("invalid cast from '{a}' to '{b}'"));
                return Ok(e);
            }
            let mut c = self.cast(e, &ty);
            if let ExprKind::Cast(_) = c.kind {
                c.loc = loc;
            } else if c.ty == ty {
                // A cast to the same type is still not an lvalue.
                c = self.mk(ExprKind::Cast(Box::new(c)), ty, loc);
            }
            return Ok(c);
        }
        self.unary()
    }

    fn compound_literal(&mut self, ty: Ty, loc: Loc) -> PResult<Expr> {
        let mut init = Vec::new();
        let t = self.initializer(&ty, 0, &mut init, true)?;
        if self.func.is_some() {
            self.statics += 1;
            let name = format!("lit.{}", self.statics);
            let Some(f) = self.func.as_mut() else {
                return Err(Fatal);
            };
            f.locals.push(LocalVar {
                name,
                ty: t.clone(),
                addr_taken: true,
                loc,
            });
            let id = f.locals.len() - 1;
            Ok(self.mk(ExprKind::Object(Box::new(VarRef::Local(id)), init), t, loc))
        } else {
            self.statics += 1;
            self.prog.globals.push(GlobalVar {
                name: format!("lit.{}", self.statics),
                ty: t.clone(),
                init: Some(init),
                defined: true,
                loc,
            });
            let g = self.prog.globals.len() - 1;
            Ok(self.mk(ExprKind::Global(g), t, loc))
        }
    }

    // unary = ("+" | "-" | "*" | "&" | "!" | "~") cast | ("++" | "--") unary
    //       | "sizeof" unary | "sizeof" "(" type-name ")" | "_Alignof" "(" type-name ")"
    //       | postfix
    fn unary(&mut self) -> PResult<Expr> {
        let Some(t) = self.peek().cloned() else {
            return self.fatal("expected an expression at end of file");
        };
        let loc = t.loc;
        if t.kind == TokKind::Punct {
            match &*t.text {
                "+" | "-" | "~" | "!" => {
                    self.pos += 1;
                    let e = self.cast_expr()?;
                    let e = self.rval(e);
                    return Ok(self.unop(&t.text, e, loc));
                }
                "*" => {
                    self.pos += 1;
                    let e = self.cast_expr()?;
                    let e = self.rval(e);
                    return Ok(self.deref(e, loc));
                }
                "&" => {
                    self.pos += 1;
                    let e = self.cast_expr()?;
                    return Ok(self.addr_of(e, loc));
                }
                "++" | "--" => {
                    self.pos += 1;
                    let e = self.unary()?;
                    return Ok(self.incdec(e, &*t.text == "++", false, loc));
                }
                _ => {}
            }
        }
        if t.is("sizeof") || t.is("_Alignof") {
            self.pos += 1;
            let is_size = t.is("sizeof");
            let ty = if self.is("(") && self.peek_at(1).is_some_and(|t| self.is_typename_tok(t)) {
                self.pos += 1;
                let ty = self.type_name()?;
                self.expect(")")?;
                if self.is("{") {
                    self.compound_literal(ty, loc)?.ty
                } else {
                    ty
                }
            } else {
                let save = self.nodes;
                let e = self.unary()?;
                self.nodes = save;
                e.ty
            };
            let v = if is_size {
                match self.size_of(&ty) {
                    Some(s) => s,
                    None => {
                        let n = self.tname(&ty);
                        self.error(
                            loc,
                            format!("invalid application of 'sizeof' to incomplete type '{n}'"),
                        );
                        1
                    }
                }
            } else {
                ty.align(&self.prog.structs)
            };
            return Ok(self.int(v as i64, Ty::ULong, loc));
        }
        self.postfix()
    }

    fn unop(&mut self, op: &str, e: Expr, loc: Loc) -> Expr {
        match op {
            "!" => {
                self.check_scalar(&e, "the operand of '!'");
                self.mk(ExprKind::Unary(UnOp::LogNot, Box::new(e)), Ty::Int, loc)
            }
            "~" => {
                if !e.ty.is_integer() {
                    self.error(loc, "invalid argument type to unary '~'");
                    return e;
                }
                let ty = e.ty.promote();
                let e = self.cast(e, &ty);
                self.mk(ExprKind::Unary(UnOp::BitNot, Box::new(e)), ty, loc)
            }
            _ => {
                if !e.ty.is_arith() {
                    self.error(loc, format!("invalid argument type to unary '{op}'"));
                    return e;
                }
                let ty = e.ty.promote();
                let e = self.cast(e, &ty);
                if op == "+" {
                    // Still an rvalue.
                    return self.mk(ExprKind::Cast(Box::new(e)), ty, loc);
                }
                self.mk(ExprKind::Unary(UnOp::Neg, Box::new(e)), ty, loc)
            }
        }
    }

    fn deref(&mut self, e: Expr, loc: Loc) -> Expr {
        let Ty::Ptr(b) = &e.ty else {
            let n = self.tname(&e.ty);
            self.error(
                loc,
                format!("indirection requires a pointer operand ('{n}' invalid)"),
            );
            return e;
        };
        let b = (**b).clone();
        if let ExprKind::Addr(inner) = e.kind {
            if inner.ty.is_func() {
                return *inner;
            }
            if inner.ty == b {
                return *inner;
            }
            let e = Expr {
                kind: ExprKind::Addr(inner),
                ty: e.ty,
                loc: e.loc,
            };
            return self.mk(ExprKind::Deref(Box::new(e)), b, loc);
        }
        self.mk(ExprKind::Deref(Box::new(e)), b, loc)
    }

    fn addr_of(&mut self, e: Expr, loc: Loc) -> Expr {
        if e.ty.is_func() {
            return self.rval(e);
        }
        if !Self::is_lvalue(&e) {
            self.error(loc, "cannot take the address of an rvalue");
            return e;
        }
        self.mark_addr_taken(&e);
        let ty = ptr_to(e.ty.clone());
        self.mk(ExprKind::Addr(Box::new(e)), ty, loc)
    }

    fn mark_addr_taken(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Local(id) => {
                if let Some(f) = self.func.as_mut() {
                    if let Some(l) = f.locals.get_mut(*id) {
                        l.addr_taken = true;
                    }
                }
            }
            ExprKind::Member(x, _) => self.mark_addr_taken(x),
            _ => {}
        }
    }

    fn incdec(&mut self, e: Expr, inc: bool, post: bool, loc: Loc) -> Expr {
        if !Self::is_lvalue(&e) || !e.ty.is_scalar() {
            self.error(
                loc,
                format!(
                    "cannot {} this expression",
                    if inc { "increment" } else { "decrement" }
                ),
            );
            return e;
        }
        if e.ty.is_ptr() {
            self.check_pointee(&e.ty, loc);
        }
        let ty = e.ty.clone();
        self.mk(
            ExprKind::IncDec {
                inc,
                post,
                e: Box::new(e),
            },
            ty,
            loc,
        )
    }

    // postfix = primary ("[" expr "]" | "(" func-args ")" | "." ident | "->" ident | "++" | "--")*
    fn postfix(&mut self) -> PResult<Expr> {
        let e = self.primary()?;
        self.postfix_tail(e)
    }

    fn postfix_tail(&mut self, mut e: Expr) -> PResult<Expr> {
        loop {
            if self.nodes > MAX_EXPR_NODES {
                return self.fatal("expression is too large");
            }
            let loc = self.loc();
            if self.eat("[") {
                let i = self.expr()?;
                self.expect("]")?;
                let sum = self.binop("+", e, i, loc);
                if !sum.ty.is_ptr() {
                    self.error(loc, "subscripted value is not an array or pointer");
                    e = sum;
                    continue;
                }
                e = self.deref(sum, loc);
                continue;
            }
            if self.eat("(") {
                e = self.call(e, loc)?;
                continue;
            }
            if self.is(".") || self.is("->") {
                let arrow = self.is("->");
                self.pos += 1;
                let (name, nloc) = self.ident()?;
                if arrow {
                    let p = self.rval(e);
                    if !matches!(p.ty.base(), Some(Ty::Struct(_))) || !p.ty.is_ptr() {
                        let n = self.tname(&p.ty);
                        self.error(
                            nloc,
                            format!(
                                "member reference type '{n}' is not a pointer to a struct or union"
                            ),
                        );
                        return Err(Fatal);
                    }
                    e = self.deref(p, loc);
                }
                let Ty::Struct(id) = e.ty else {
                    let n = self.tname(&e.ty);
                    self.error(
                        nloc,
                        format!("member reference base type '{n}' is not a struct or union"),
                    );
                    return Err(Fatal);
                };
                if !self.prog.structs[id].complete {
                    let n = self.tname(&e.ty);
                    self.error(nloc, format!("member access into incomplete type '{n}'"));
                    return Err(Fatal);
                }
                let Some((off, fty)) = self.prog.structs[id].find(&self.prog.structs, &name) else {
                    let n = self.tname(&e.ty);
                    self.error(nloc, format!("no member named '{name}' in '{n}'"));
                    return Err(Fatal);
                };
                e = self.mk(ExprKind::Member(Box::new(e), off), fty, nloc);
                continue;
            }
            if self.is("++") || self.is("--") {
                let inc = self.is("++");
                self.pos += 1;
                e = self.incdec(e, inc, true, loc);
                continue;
            }
            return Ok(e);
        }
    }

    // func-args = (assign ("," assign)*)? ")"
    fn call(&mut self, callee: Expr, loc: Loc) -> PResult<Expr> {
        let fname = match &callee.kind {
            ExprKind::Func(f) => Some(self.prog.funcs[*f].name.clone()),
            _ => None,
        };
        let callee = self.rval(callee);
        let Some(fty) = callee.ty.func().cloned() else {
            let n = self.tname(&callee.ty);
            self.error(
                loc,
                format!("called object type '{n}' is not a function or function pointer"),
            );
            return Err(Fatal);
        };
        let what = fname.map_or("function pointer".to_string(), |n| format!("'{n}'"));
        let mut args = Vec::new();
        if !self.eat(")") {
            loop {
                let a = self.assign()?;
                args.push(a);
                if self.eat(")") {
                    break;
                }
                self.expect(",")?;
            }
        }
        if fty.proto {
            let n = fty.params.len();
            if args.len() < n || (!fty.variadic && args.len() > n) {
                self.error(
                    loc,
                    format!(
                        "too {} arguments to {what}: expected {}{n}, have {}",
                        if args.len() < n { "few" } else { "many" },
                        if fty.variadic { "at least " } else { "" },
                        args.len()
                    ),
                );
            }
        }
        let mut conv = Vec::new();
        for (i, a) in args.into_iter().enumerate() {
            if let Some(p) = fty.params.get(i).filter(|_| fty.proto) {
                let a = self.assign_conv(a, p, &format!("argument {} of {what}", i + 1));
                conv.push(a);
            } else {
                // Default argument promotions.
                let a = self.rval(a);
                let t = if a.ty == Ty::Float {
                    Ty::Double
                } else if a.ty.is_integer() {
                    a.ty.promote()
                } else {
                    a.ty.clone()
                };
                if a.ty.is_void() {
                    self.error(a.loc, "argument has type void");
                }
                conv.push(self.cast(a, &t));
            }
        }
        let ret = fty.ret.clone();
        Ok(self.mk(ExprKind::Call(Box::new(callee), conv), ret, loc))
    }

    // primary = "(" expr ")" | ident | number | string+ | char
    fn primary(&mut self) -> PResult<Expr> {
        let Some(t) = self.peek().cloned() else {
            return self.fatal("expected an expression at end of file");
        };
        let loc = t.loc;
        match t.kind {
            TokKind::Punct if t.is("(") => {
                self.pos += 1;
                if self.is("{") {
                    return self.fatal("unsupported: statement expressions");
                }
                let e = self.expr()?;
                self.expect(")")?;
                Ok(e)
            }
            TokKind::Num => {
                self.pos += 1;
                if let Some((v, ty)) = parse_int_literal(&t.text) {
                    return Ok(self.mk(ExprKind::Int(v & ty.ir().mask()), ty, loc));
                }
                if t.text.to_ascii_lowercase().ends_with('l') && !t.text.starts_with("0x") {
                    self.error(loc, "unsupported: long double constants");
                    return Ok(self.mk(ExprKind::Float(0.0), Ty::Double, loc));
                }
                match parse_float(&t.text) {
                    Some((v, ty)) => {
                        let v = if ty == Ty::Float { v as f32 as f64 } else { v };
                        Ok(self.mk(ExprKind::Float(v), ty, loc))
                    }
                    None => {
                        self.error(loc, format!("invalid number '{}'", t.text));
                        Ok(self.int(0, Ty::Int, loc))
                    }
                }
            }
            TokKind::Char => {
                self.pos += 1;
                match char_value(&t.text) {
                    Ok(v) => Ok(self.int(v, Ty::Int, loc)),
                    Err(m) => {
                        self.error(loc, m);
                        Ok(self.int(0, Ty::Int, loc))
                    }
                }
            }
            TokKind::Str => {
                let mut bytes = Vec::new();
                while let Some(s) = self.peek().filter(|t| t.kind == TokKind::Str).cloned() {
                    self.pos += 1;
                    let body = &s.text[1..s.text.len() - 1];
                    match unescape(body) {
                        Ok(b) => bytes.extend(b),
                        Err(m) => self.error(s.loc, m),
                    }
                }
                Ok(self.string_lit(bytes, loc))
            }
            TokKind::Ident => {
                if t.is("__func__") || t.is("__FUNCTION__") {
                    self.pos += 1;
                    let name = self.func.as_ref().map_or(String::new(), |f| f.name.clone());
                    return Ok(self.string_lit(name.into_bytes(), loc));
                }
                if t.is("__pivm_nanf") || t.is("__pivm_inff") || t.is("__pivm_huge_val") {
                    self.pos += 1;
                    let (v, ty) = match &*t.text {
                        "__pivm_nanf" => (f64::from_bits(0x7ff8_0000_0000_0000), Ty::Float),
                        "__pivm_inff" => (f64::INFINITY, Ty::Float),
                        _ => (f64::INFINITY, Ty::Double),
                    };
                    return Ok(self.mk(ExprKind::Float(v), ty, loc));
                }
                if KEYWORDS.contains(&&*t.text) {
                    if t.is("_Generic") {
                        return self.fatal("unsupported: _Generic");
                    }
                    return self.fatal(format!("expected an expression, found '{}'", t.text));
                }
                self.pos += 1;
                let name = &*t.text;
                match self.lookup(name).cloned() {
                    Some(Sym::Local(id)) => {
                        let ty = self
                            .func
                            .as_ref()
                            .map_or(Ty::Int, |f| f.locals[id].ty.clone());
                        Ok(self.mk(ExprKind::Local(id), ty, loc))
                    }
                    Some(Sym::Global(g)) => {
                        let ty = self.prog.globals[g].ty.clone();
                        Ok(self.mk(ExprKind::Global(g), ty, loc))
                    }
                    Some(Sym::Func(f)) => {
                        let ty = Ty::Func(Rc::new(self.prog.funcs[f].ty.clone()));
                        match self.func.as_mut() {
                            Some(st) => st.refs.push(f),
                            None => self.prog.funcs[f].used = true,
                        }
                        Ok(self.mk(ExprKind::Func(f), ty, loc))
                    }
                    Some(Sym::EnumConst(v)) => Ok(self.int(v, Ty::Int, loc)),
                    Some(Sym::Typedef(_)) => {
                        self.error(
                            loc,
                            format!("unexpected type name '{name}': expected an expression"),
                        );
                        Err(Fatal)
                    }
                    None => {
                        if self.is("(") {
                            self.error(loc, format!("implicit declaration of function '{name}' (include the header that declares it, or declare it)"));
                            let fty = FuncTy {
                                ret: Ty::Int,
                                params: Vec::new(),
                                variadic: false,
                                proto: false,
                            };
                            return Ok(self.mk(ExprKind::Int(0), Ty::Func(Rc::new(fty)), loc));
                        }
                        self.error(loc, format!("use of undeclared identifier '{name}'"));
                        // An int lvalue, so no error cascades from it.
                        Ok(self.mk(ExprKind::Local(usize::MAX), Ty::Int, loc))
                    }
                }
            }
            _ => {
                let d = self.describe();
                self.fatal(format!("expected an expression, found {d}"))
            }
        }
    }

    fn string_lit(&mut self, mut bytes: Vec<u8>, loc: Loc) -> Expr {
        bytes.push(0);
        let n = bytes.len() as u64;
        self.prog.strings.push(bytes);
        let id = self.prog.strings.len() - 1;
        self.mk(
            ExprKind::Str(id),
            Ty::Array(Rc::new(Ty::Char), Some(n)),
            loc,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_literals_get_c_types() {
        assert_eq!(parse_int_literal("42"), Some((42, Ty::Int)));
        assert_eq!(
            parse_int_literal("2147483648"),
            Some((2147483648, Ty::Long))
        );
        assert_eq!(
            parse_int_literal("0xffffffff"),
            Some((0xffff_ffff, Ty::UInt))
        );
        assert_eq!(parse_int_literal("017"), Some((15, Ty::Int)));
        assert_eq!(parse_int_literal("10u"), Some((10, Ty::UInt)));
        assert_eq!(parse_int_literal("10UL"), Some((10, Ty::ULong)));
        assert_eq!(parse_int_literal("10ll"), Some((10, Ty::LLong)));
        assert_eq!(
            parse_int_literal("18446744073709551615ULL"),
            Some((u64::MAX, Ty::ULLong))
        );
        assert_eq!(parse_int_literal("0x"), None);
        assert_eq!(parse_int_literal("12lul"), None);
        assert_eq!(parse_int_literal("99999999999999999999"), None);
    }

    #[test]
    fn character_constants_are_signed_ints() {
        assert_eq!(char_value("'a'"), Ok(97));
        assert_eq!(char_value("'\\n'"), Ok(10));
        assert_eq!(char_value("'\\xff'"), Ok(-1));
        assert_eq!(char_value("'\\0'"), Ok(0));
        assert_eq!(char_value("'ab'"), Ok(0x6162));
        assert!(char_value("''").is_err());
        assert!(char_value("'\\q'").is_err());
    }

    #[test]
    fn float_literals() {
        assert_eq!(parse_float("1.5"), Some((1.5, Ty::Double)));
        assert_eq!(parse_float("1e3"), Some((1000.0, Ty::Double)));
        assert_eq!(parse_float(".5f"), Some((0.5, Ty::Float)));
        assert_eq!(parse_float("0x1p4"), Some((16.0, Ty::Double)));
        assert_eq!(parse_float("0x1.8p1"), Some((3.0, Ty::Double)));
        assert_eq!(parse_float("1.2.3"), None);
    }

    #[test]
    fn usual_arithmetic_conversions() {
        use crate::ctype::usual_arith;
        assert_eq!(usual_arith(&Ty::Char, &Ty::Short), Ty::Int);
        assert_eq!(usual_arith(&Ty::Int, &Ty::UInt), Ty::UInt);
        assert_eq!(usual_arith(&Ty::Long, &Ty::UInt), Ty::Long);
        assert_eq!(usual_arith(&Ty::ULong, &Ty::LLong), Ty::ULLong);
        assert_eq!(usual_arith(&Ty::LLong, &Ty::ULong), Ty::ULLong);
        assert_eq!(usual_arith(&Ty::Int, &Ty::Float), Ty::Float);
        assert_eq!(usual_arith(&Ty::Float, &Ty::Double), Ty::Double);
        assert_eq!(norm_int(0x1ff, &Ty::Char), -1);
        assert_eq!(norm_int(-1, &Ty::UChar), 255);
        assert_eq!(norm_int(7, &Ty::Bool), 1);
    }

    #[test]
    fn constant_expressions_fold_with_c_semantics() {
        let fold = |src: &str| {
            let text = format!("int v = {src};");
            let mut sm = crate::diag::SourceMap::default();
            let f = sm.add("t.c", text);
            let toks = crate::preprocess::preprocess(&mut sm, f).unwrap();
            let prog = parse(toks).unwrap();
            let init = prog.globals[0].init.clone().unwrap();
            const_int(&init[0].expr)
        };
        assert_eq!(fold("-7 / 2"), Some(-3));
        assert_eq!(fold("-7 % 2"), Some(-1));
        assert_eq!(fold("(unsigned)-1 > 0"), Some(1));
        assert_eq!(fold("-1 < 0u"), Some(0));
        assert_eq!(fold("(char)300"), Some(44));
        assert_eq!(fold("1 << 31 >> 31"), Some(-1));
        assert_eq!(fold("sizeof(long) * 2"), Some(16));
        assert_eq!(fold("(int)2.9"), Some(2));
        assert_eq!(fold("3 > 2 ? 10 : 20"), Some(10));
        assert_eq!(fold("1 / 0"), None);
    }
}
