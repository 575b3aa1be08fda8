//! The typed AST the parser builds and the lowering reads. Every
//! expression carries its C type; implicit conversions are explicit `Cast`
//! nodes, so lowering never has to redo C's typing rules.

use crate::ctype::{BitField, FuncTy, StructDef, Ty};
use crate::diag::Loc;
use pivm_ir::{EntityRef, EntityVec};

/// Declares `u32` newtypes indexing the tables of a `TranslationUnit` (used with
/// `pivm_ir::EntityVec`).
macro_rules! ids {
    ($($(#[$m:meta])* $name:ident;)*) => {$(
        $(#[$m])*
        #[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
        pub struct $name(pub u32);

        impl EntityRef for $name {
            fn new(index: usize) -> Self {
                $name(u32::try_from(index).expect("table index fits in u32"))
            }
            fn index(self) -> usize {
                self.0 as usize
            }
        }
    )*};
}

ids! {
    /// A struct or union: index into `TranslationUnit::structs`.
    StructId;
    /// A file-scope variable (or static local, or file-scope compound
    /// literal): index into `TranslationUnit::globals`.
    GlobalVarId;
    /// A function: index into `TranslationUnit::funcs`.
    FunctionId;
    /// A string literal: index into `TranslationUnit::strings`.
    StrId;
    /// A local variable or parameter: index into `FuncDef::locals`.
    LocalId;
    /// A `case` or `default` label, unique in the program.
    CaseId;
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Shl,
    Shr,
    BitAnd,
    BitOr,
    BitXor,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// Pointer minus pointer, in elements (result `long`).
    PtrDiff,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum UnOp {
    Neg,
    BitNot,
    LogNot,
}

#[derive(Clone, Debug)]
pub struct Expr {
    pub kind: ExprKind,
    pub ty: Ty,
    pub loc: Loc,
}

#[derive(Clone, Debug)]
pub enum ExprKind {
    /// An integer constant, its bits (the type gives the width).
    Int(u64),
    Float(f64),
    /// A string literal: index into `TranslationUnit::strings`.
    Str(StrId),
    /// A local variable of the current function.
    Local(LocalId),
    Global(GlobalVarId),
    /// A function designator: index into `TranslationUnit::funcs`.
    Func(FunctionId),
    Unary(UnOp, Box<Expr>),
    /// Arithmetic, bitwise and comparison operators, operands already
    /// converted to their common type (for `ptr + n`, `n` is a `long`).
    Binary(BinOp, Box<Expr>, Box<Expr>),
    LogAnd(Box<Expr>, Box<Expr>),
    LogOr(Box<Expr>, Box<Expr>),
    /// `lhs = rhs`, `rhs` converted to the type of `lhs`.
    Assign(Box<Expr>, Box<Expr>),
    /// `lhs op= rhs`: computed in `op_ty` (rhs already converted to it,
    /// except for pointer `+=`/`-=` where rhs is a `long`).
    OpAssign {
        op: BinOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
        op_ty: Ty,
    },
    /// `++x`, `x--`...
    IncDec {
        inc: bool,
        post: bool,
        e: Box<Expr>,
    },
    /// Converts to `ty`.
    Cast(Box<Expr>),
    Cond(Box<Expr>, Box<Expr>, Box<Expr>),
    Comma(Box<Expr>, Box<Expr>),
    Addr(Box<Expr>),
    Deref(Box<Expr>),
    /// A member of a struct-typed expression, at a byte offset.
    Member(Box<Expr>, u64),
    /// A bit-field member of a struct-typed expression: its storage unit,
    /// of type `unit`, at byte `offset`. The node's type is the field's
    /// promoted type (`BitField::value_ty`).
    BitMember {
        base: Box<Expr>,
        offset: u64,
        unit: Ty,
        bits: BitField,
    },
    /// A call; `callee` is a function pointer (a decayed designator for a
    /// direct call); arguments are converted to the parameter types.
    Call(Box<Expr>, Vec<Expr>),
    /// `sizeof` of a variably modified type (`ExprKind::VlaSize(t)` has
    /// type `unsigned long`), computed when evaluated.
    VlaSize(Ty),
    /// A compound literal or other anonymous object: a local (or global)
    /// variable with its initializer, evaluated to the object.
    Object(Box<VarRef>, Vec<InitElem>),
    /// GNU's statement expression `({ s; ...; e; })`: the statements run,
    /// then the value is `e`'s (the last statement, when it is an
    /// expression; `None` and type void otherwise).
    StmtExpr(Vec<Stmt>, Option<Box<Expr>>),
    /// GNU's `&&label`: the label's number in its function (from 1, in
    /// the order of their first `&&`), a `void *` that only `goto *`
    /// jumps to (no code address: a program cannot read code).
    LabelAddr(String, u64),
}

#[derive(Clone, Debug)]
pub enum VarRef {
    Local(LocalId),
    Global(GlobalVarId),
}

/// One piece of an initializer: a scalar, a struct copy, or a string
/// literal into a char array, at a byte offset of the object.
#[derive(Clone, Debug)]
pub struct InitElem {
    pub offset: u64,
    pub expr: Expr,
    /// For a string literal initializing a char or wide-char array: the
    /// array's size in bytes.
    pub str_len: Option<u64>,
    /// For a bit-field: its place in the storage unit at `offset`, of
    /// the type of `expr`.
    pub bits: Option<BitField>,
}

/// A local variable or parameter.
#[derive(Clone, Debug)]
pub struct LocalVar {
    pub name: String,
    pub ty: Ty,
    pub addr_taken: bool,
    /// Declared `register`: its address may not be taken.
    pub is_register: bool,
    /// The alignment `_Alignas` or `aligned` asks of it (0: its type's).
    pub align: u64,
    pub loc: Loc,
}

#[derive(Clone, Debug)]
pub struct GlobalVar {
    pub name: String,
    pub ty: Ty,
    /// `None`: zero-initialized (tentative definition) or extern.
    pub init: Option<Vec<InitElem>>,
    pub defined: bool,
    /// Internal linkage or none (`static` at file scope, static locals,
    /// file-scope compound literals): its IR name is made unique, as
    /// two translation units may each have one of this name.
    pub is_static: bool,
    /// The strictest alignment its declarations ask (`_Alignas`,
    /// `__attribute__((aligned))`; 0: none beyond its type's).
    pub align: u64,
    /// Its first declaration.
    pub loc: Loc,
}

#[derive(Clone, Debug)]
pub struct FuncDef {
    pub params: Vec<LocalId>,
    pub locals: EntityVec<LocalId, LocalVar>,
    /// The functions the body refers to.
    pub refs: Vec<FunctionId>,
    /// The labels whose address `&&` takes, numbered from 1 in order.
    pub label_addrs: Vec<String>,
    /// Whether it calls `alloca` (whose blocks it frees when it returns).
    pub uses_alloca: bool,
    pub body: Vec<Stmt>,
}

#[derive(Clone, Debug)]
pub struct FunctionDecl {
    pub name: String,
    pub ty: FuncTy,
    pub is_static: bool,
    pub def: Option<FuncDef>,
    /// Where its definition is (its first declaration is `loc`).
    pub def_loc: Option<Loc>,
    /// Referred to from outside any function (a global initializer), or
    /// `main`: a root of the functions to emit.
    pub used: bool,
    pub loc: Loc,
}

impl FunctionDecl {
    /// Whether this is the runtime's `alloca`, which the lowering
    /// expands in place (`lower/vla.rs`): declared, defined nowhere.
    pub fn is_alloca(&self) -> bool {
        self.name == "alloca" && self.def.is_none()
    }
}

#[derive(Clone, Debug)]
pub struct Stmt {
    pub kind: StmtKind,
    pub loc: Loc,
}

#[derive(Clone, Debug)]
pub enum StmtKind {
    Expr(Expr),
    /// A local definition and its initializer (`zero` first: the rest of
    /// an aggregate is zero-filled).
    Decl {
        var: LocalId,
        init: Vec<InitElem>,
        zero: bool,
    },
    /// `if (c1) s1 else if (c2) s2 ... else s`: the arms in order, each
    /// a condition and its statement, then the final `else`. A chain of
    /// `else if` is one statement, not a nest.
    If {
        arms: Vec<(Expr, Stmt)>,
        els: Option<Box<Stmt>>,
    },
    While(Expr, Box<Stmt>),
    DoWhile(Box<Stmt>, Expr),
    For {
        init: Vec<Stmt>,
        cond: Option<Expr>,
        step: Option<Expr>,
        body: Box<Stmt>,
    },
    /// `cases`: (value, case id); ids match `Case` statements in the body.
    Switch {
        e: Expr,
        body: Box<Stmt>,
        cases: Vec<(u64, CaseId)>,
        default: Option<CaseId>,
    },
    Case(CaseId),
    Break,
    Continue,
    Goto(String),
    /// GNU's computed goto `goto *e;`: to the label whose `&&` `e` is.
    GotoIndirect(Expr),
    /// A label: where `goto` jumps to (the labeled statement follows).
    Label(String),
    Return(Option<Expr>),
    Block(Vec<Stmt>),
}

/// A parsed program: one translation unit, or several linked (their
/// external symbols one entity each, their statics apart).
#[derive(Debug, Default)]
pub struct TranslationUnit {
    pub structs: EntityVec<StructId, StructDef>,
    pub globals: EntityVec<GlobalVarId, GlobalVar>,
    pub funcs: EntityVec<FunctionId, FunctionDecl>,
    /// String literal contents, with their terminating NUL.
    pub strings: EntityVec<StrId, Vec<u8>>,
}
