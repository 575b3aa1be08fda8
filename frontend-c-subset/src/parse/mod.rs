//! The parser and type checker: preprocessed tokens to the typed AST of
//! `ast.rs` (recursive descent, chibicc style; each function is preceded by
//! its grammar rule). It does C's type checking as it goes: integer
//! promotions, the usual arithmetic conversions, assignment conversions,
//! array and function decay, pointer arithmetic. Syntax errors stop the
//! parse; type errors are recorded and parsing goes on, so one run reports
//! every type error of a file.
//!
//! One file per part: this one holds the parser's state, token and scope
//! helpers; `decl` (translation unit, declarations), `types` (declaration
//! specifiers, declarators, struct/union/enum), `init` (initializers),
//! `stmt` (statements), `expr` (expressions), `typeck` (the typing of
//! expressions and C's implicit conversions), `literals` (number and
//! character literals) and `const_eval` (constant expressions).

use crate::ast::*;
use crate::ctype::{
    compatible, compatible_decl, ptr_to, same_struct_across, usual_arith, Field, FuncTy, StructDef,
    Ty,
};
use crate::diag::{Diag, Loc};
use crate::lex::{TokKind, Token};
use pivm_ir::{EntityRef, EntityVec};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

mod atomic;
mod bitfield;
mod const_eval;
mod decl;
mod expr;
mod generic;
mod init;
mod inits;
mod knr;
pub(crate) mod literals;
mod stmt;
mod typeck;
mod types;
mod vla;

use const_eval::is_null_const;
pub use const_eval::{const_bits, const_float, const_int, const_truth, norm_int};
use literals::{char_type, literal_units, parse_float, units_to_bytes, Prefix};
pub use literals::{char_value, parse_int_literal};

/// A syntax error was reported; parsing stops.
pub struct Fatal;
type PResult<T> = Result<T, Fatal>;

/// How deeply a program may nest, all kinds together: a parenthesis or
/// operator in an expression, a statement inside another, a declarator,
/// an initializer brace, a struct body each count one level. The parser,
/// the lowering and the drop of the syntax tree recurse on it (on the
/// compiler thread's stack, `STACK_SIZE`, with room to spare). Chains that
/// are not nesting (labels, `else if`) do not count.
pub const MAX_NESTING: usize = 256;
/// The most nodes of one expression (a long `a + b + ...` chain is as
/// deep as it is long in the tree the lowering recurses on).
const MAX_EXPR_NODES: usize = 50_000;

#[derive(Clone, Debug)]
enum Sym {
    Local(LocalId),
    Global(GlobalVarId),
    Func(FunctionId),
    Typedef(Ty),
    EnumConst(i64),
}

#[derive(Default)]
struct Scope {
    syms: HashMap<String, Sym>,
    /// Where each of `syms` was declared (last).
    locs: HashMap<String, Loc>,
    /// Struct and union tags; `None` for an enum tag.
    tags: HashMap<String, Option<StructId>>,
    /// The enum tags defined (with a body) in this scope.
    enums: HashSet<String>,
}

#[derive(Default, Clone, Copy)]
struct Attr {
    is_typedef: bool,
    is_static: bool,
    is_extern: bool,
    is_inline: bool,
    is_register: bool,
    /// `const` among the specifiers.
    is_const: bool,
    /// `_Thread_local`: static storage duration (pivm runs one thread),
    /// allowed on variables at file scope or with `static`/`extern`.
    is_thread_local: bool,
    /// The strictest `_Alignas` or `__attribute__((aligned))` (0: none).
    align: u64,
    /// Where the first of them is.
    align_loc: Loc,
    /// Whether that is an `__attribute__((aligned))` (for messages).
    align_attr: bool,
    /// `__attribute__((packed))` (on a member: aligned to 1).
    packed: bool,
}

/// What an `__attribute__((...))` says of a layout: the strictest
/// `aligned` (0: none) and where, and whether it is `packed`.
#[derive(Default, Clone, Copy)]
struct AttrLayout {
    align: u64,
    loc: Loc,
    packed: bool,
}

impl AttrLayout {
    /// Both attributes' requests.
    fn merge(&mut self, o: AttrLayout) {
        if o.align > self.align {
            (self.align, self.loc) = (o.align, o.loc);
        }
        self.packed |= o.packed;
    }
}

/// Where a definition was: its translation unit and location.
#[derive(Clone, Copy)]
struct DefAt {
    unit: usize,
    loc: Loc,
    /// A global's: with an initializer (not tentative). A function's:
    /// an `inline` definition (another translation unit may have one too).
    strong: bool,
}

struct SwitchCtx {
    ty: Ty,
    cases: Vec<(u64, CaseId)>,
    default: Option<CaseId>,
}

struct FnState {
    name: String,
    ret: Ty,
    locals: EntityVec<LocalId, LocalVar>,
    labels: HashSet<String>,
    gotos: Vec<(String, Loc)>,
    switches: Vec<SwitchCtx>,
    loops: usize,
    breakables: usize,
    /// Functions this one refers to (for dropping unreferenced statics).
    refs: Vec<FunctionId>,
    /// The labels `&&` takes the address of, in order (`LabelAddr`).
    label_addrs: Vec<String>,
    /// Where the first `&&label` or `goto *` is, if any.
    computed: Option<Loc>,
    /// The statement expressions being read, and where the first label
    /// inside one is, if any.
    stmt_exprs: usize,
    stmt_expr_label: Option<Loc>,
    /// Whether the function calls `alloca` (`FuncDef::uses_alloca`).
    uses_alloca: bool,
}

pub struct Parser {
    toks: Vec<Token>,
    pos: usize,
    /// The files that are pivm's embedded headers (`parse_units_in`).
    system: HashSet<u32>,
    /// The initializer being read has had a designator (`initializer`).
    init_designated: bool,
    /// The indices of its elements that later ones override.
    init_dead: HashSet<usize>,
    prog: TranslationUnit,
    scopes: Vec<Scope>,
    errors: Vec<Diag>,
    func: Option<FnState>,
    depth: usize,
    nodes: usize,
    case_ids: usize,
    last_params: Vec<(Option<String>, Loc)>,
    /// The identifier list of a K&R definition's declarator (`knr`).
    knr: Option<Vec<(String, Loc)>>,
    statics: usize,
    /// The translation unit being parsed (index in `parse_units`).
    unit: usize,
    /// The symbols of external linkage declared so far, in every unit.
    ext_funcs: HashMap<String, FunctionId>,
    ext_globals: HashMap<String, GlobalVarId>,
    /// This unit's view of its functions and variables of linkage: the
    /// type its declarations give (its struct ids, its prototype); the
    /// program's entity has its definition's type.
    fview: HashMap<FunctionId, FuncTy>,
    gview: HashMap<GlobalVarId, Ty>,
    /// First definitions of the variables (tentative or initialized).
    gdefs: HashMap<GlobalVarId, DefAt>,
    /// Definitions of the functions.
    fdefs: HashMap<FunctionId, DefAt>,
    /// Variables declared `const` (`const_object`): of the program, and
    /// of the function being parsed.
    const_globals: HashSet<GlobalVarId>,
    const_locals: HashSet<LocalId>,
    /// The structs whose bodies are being parsed, outermost first.
    defining: Vec<StructId>,
    /// Whether the type the last `declspec` read is an enum with no
    /// negative enumerator (gcc's `unsigned int`: a bit-field of it is
    /// unsigned).
    last_enum_unsigned: bool,
    /// What the attributes after the last declarator ask.
    decl_attrs: AttrLayout,
    /// The cap `#pragma pack` puts on member alignments (0: none), as the
    /// preprocessor's `__pivm_pack(N);` set it.
    pack: u64,
    /// That, for each enum tag defined.
    enum_unsigned: HashMap<String, bool>,
    vla: vla::VlaState,
    /// Pointers declared `const T *` (`generic.rs`): of the program, and
    /// of the function being parsed.
    const_pointee_globals: HashSet<GlobalVarId>,
    const_pointee_locals: HashSet<LocalId>,
    /// A `constructor` or `destructor` attribute read, waiting for its
    /// declarator (`inits.rs`): destructor, priority, where.
    init_attr: Option<(bool, u64, Loc)>,
    /// The constructors and destructors of the program.
    inits: Vec<inits::Init>,
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
pub fn parse(toks: Vec<Token>) -> Result<TranslationUnit, Vec<Diag>> {
    parse_units(vec![toks])
}

/// Parses preprocessed translation units into one program, linking them
/// with C's rules (C99 6.2.2, 6.9): a `static` function or variable is
/// its unit's alone (two units may each have one of a name); one of
/// external linkage is one entity in all units, whose declarations must
/// agree, defined in one unit at most (tentative definitions merge
/// within a unit only, as with gcc's `-fno-common`). An `inline`
/// function may be defined in several units. Errors name both places.
/// Undefined symbols are reported by the lowering, where they are used.
pub fn parse_units(units: Vec<Vec<Token>>) -> Result<TranslationUnit, Vec<Diag>> {
    parse_units_in(units, HashSet::new())
}

/// `parse_units`, where the files `system` are pivm's embedded headers: a
/// program's definition of a function one of them defines replaces the
/// header's (as a program's definition replaces the C library's).
pub fn parse_units_in(
    units: Vec<Vec<Token>>,
    system: HashSet<u32>,
) -> Result<TranslationUnit, Vec<Diag>> {
    let mut p = Parser {
        system,
        toks: Vec::new(),
        pos: 0,
        init_designated: false,
        init_dead: HashSet::new(),
        prog: TranslationUnit::default(),
        scopes: vec![Scope::default()],
        errors: Vec::new(),
        func: None,
        depth: 0,
        nodes: 0,
        case_ids: 0,
        last_params: Vec::new(),
        knr: None,
        statics: 0,
        unit: 0,
        ext_funcs: HashMap::new(),
        ext_globals: HashMap::new(),
        fview: HashMap::new(),
        gview: HashMap::new(),
        gdefs: HashMap::new(),
        fdefs: HashMap::new(),
        const_globals: HashSet::new(),
        const_locals: HashSet::new(),
        defining: Vec::new(),
        last_enum_unsigned: false,
        decl_attrs: AttrLayout::default(),
        pack: 0,
        enum_unsigned: HashMap::new(),
        vla: vla::VlaState::default(),
        const_pointee_globals: HashSet::new(),
        const_pointee_locals: HashSet::new(),
        init_attr: None,
        inits: Vec::new(),
    };
    for (unit, toks) in units.into_iter().enumerate() {
        p.unit = unit;
        p.toks = toks;
        p.pos = 0;
        p.scopes = vec![Scope::default()];
        p.fview.clear();
        p.gview.clear();
        p.const_globals.clear();
        p.func = None;
        p.depth = 0;
        p.defining.clear();
        if p.translation_unit().is_err() {
            break;
        }
    }
    p.kinds_across_units();
    p.add_inits();
    if p.errors.is_empty() {
        Ok(p.prog)
    } else {
        Err(p.errors)
    }
}

impl Parser {
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

    fn lookup(&self, name: &str) -> Option<&Sym> {
        self.scopes.iter().rev().find_map(|s| s.syms.get(name))
    }

    /// Declares `name` in the innermost scope. A second declaration in
    /// one scope is an error unless C allows it: the same function or
    /// variable of linkage again (its callers check the types), or a
    /// typedef of the same type (C11).
    fn declare(&mut self, name: &str, loc: Loc, sym: Sym) {
        let Some(s) = self.scopes.last() else {
            return;
        };
        if let Some(old) = s.syms.get(name) {
            let prev = s.locs.get(name).copied().unwrap_or(loc);
            if let Some(msg) = self.clash(name, old, &sym) {
                let d = Diag::new(loc, msg)
                    .note(prev, format!("previous declaration of '{name}' is here"));
                self.errors.push(d);
            }
        }
        if let Some(s) = self.scopes.last_mut() {
            s.syms.insert(name.to_string(), sym);
            s.locs.insert(name.to_string(), loc);
        }
    }

    /// Why declaring `new` where `old` is declared in the same scope is
    /// an error, if it is.
    fn clash(&self, name: &str, old: &Sym, new: &Sym) -> Option<String> {
        // A variable with linkage: at file scope, or `extern` in a block
        // (a static local is named after its function).
        let linked = |s: &Sym| match s {
            Sym::Global(g) => self.prog.globals[*g].name == name,
            Sym::Func(_) => true,
            _ => false,
        };
        let unlinked_var = |s: &Sym| match s {
            Sym::Local(_) => true,
            Sym::Global(g) => self.prog.globals[*g].name != name,
            _ => false,
        };
        match (old, new) {
            (Sym::Func(a), Sym::Func(b)) if a == b => None,
            (Sym::Global(a), Sym::Global(b)) if a == b => None,
            (Sym::Typedef(a), Sym::Typedef(b)) => {
                let same = compatible_decl(a, b, &|x, y| x == y);
                (!same).then(|| format!("conflicting types for typedef '{name}'"))
            }
            (Sym::EnumConst(_), Sym::EnumConst(_)) => {
                Some(format!("redeclaration of enumerator '{name}'"))
            }
            (a, b) if unlinked_var(a) && unlinked_var(b) => {
                Some(format!("redefinition of '{name}'"))
            }
            (a, Sym::Global(_)) if unlinked_var(a) => Some(format!(
                "extern declaration of '{name}' follows declaration with no linkage"
            )),
            (a, b) if linked(a) && unlinked_var(b) => Some(format!(
                "declaration of '{name}' with no linkage follows extern declaration"
            )),
            _ => Some(format!("'{name}' redeclared as a different kind of symbol")),
        }
    }

    /// The type of variable `g` as this translation unit declares it.
    fn global_ty(&self, g: GlobalVarId) -> Ty {
        self.gview
            .get(&g)
            .cloned()
            .unwrap_or_else(|| self.prog.globals[g].ty.clone())
    }

    /// The type of function `f` as this translation unit declares it.
    fn func_ty(&self, f: FunctionId) -> FuncTy {
        self.fview
            .get(&f)
            .cloned()
            .unwrap_or_else(|| self.prog.funcs[f].ty.clone())
    }

    fn push_scope(&mut self) {
        self.scopes.push(Scope::default());
        self.vla_scope_push();
    }

    fn pop_scope(&mut self) {
        if self.scopes.len() > 1 {
            self.scopes.pop();
            self.vla_scope_pop();
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
            "__int128",
            "__int128_t",
            "__uint128_t",
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

    /// The current function's state (an empty one if there is none, so
    /// callers need not check).
    fn fstate(&mut self) -> &mut FnState {
        self.func.get_or_insert_with(|| FnState {
            name: String::new(),
            ret: Ty::Void,
            locals: EntityVec::new(),
            labels: HashSet::new(),
            gotos: Vec::new(),
            switches: Vec::new(),
            loops: 0,
            breakables: 0,
            refs: Vec::new(),
            label_addrs: Vec::new(),
            computed: None,
            stmt_exprs: 0,
            stmt_expr_label: None,
            uses_alloca: false,
        })
    }

    /// Enters one level of nesting of `what` (`leave` leaves it).
    fn enter(&mut self, what: &str) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return self.fatal(format!(
                "{what} nested too deeply (more than {MAX_NESTING} levels of nesting)"
            ));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    /// Runs `f` one level of nesting of `what` deeper.
    fn nested<T>(&mut self, what: &str, f: impl FnOnce(&mut Self) -> PResult<T>) -> PResult<T> {
        self.enter(what)?;
        let r = f(self);
        self.leave();
        r
    }
}
