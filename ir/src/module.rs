//! The IR: a module of types, globals, builtin declarations and functions.
//! Functions are basic blocks of three-address instructions over typed,
//! named locals (not SSA): a logical frame is the values of all locals.

use crate::entities::{Block, BuiltinId, EntityVec, FuncId, GlobalId, Local, SlotId, TypeId};
use crate::opcodes::Opcode;
use crate::types::{MemType, Type, TypeDef};

/// An instruction operand: a local or a constant whose type the
/// instruction gives. Constants hold their bits zero-extended.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum Operand {
    Local(Local),
    Const(u64),
}

/// What a `call` calls.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Callee {
    Func(FuncId),
    Builtin(BuiltinId),
    /// A function pointer (see `Module::func_ptr`).
    Indirect(Operand),
}

/// What `addr` takes the address of.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum AddrOf {
    Global(GlobalId),
    Slot(SlotId),
    /// A function pointer value.
    Func(FuncId),
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub enum InstKind {
    /// `%d = op.T %a` for `IntUnary`, `FloatUnary` and `Copy` opcodes.
    Unary {
        op: Opcode,
        ty: Type,
        dst: Local,
        a: Operand,
    },
    /// `%d = op.T %a, %b` for binary and compare opcodes.
    Binary {
        op: Opcode,
        ty: Type,
        dst: Local,
        a: Operand,
        b: Operand,
    },
    /// `%d = op.F.T %a`.
    Convert {
        op: Opcode,
        from: Type,
        to: Type,
        dst: Local,
        a: Operand,
    },
    /// `%d = select.T %c, %a, %b`: `%a` if the i32 `%c` is nonzero, else
    /// `%b`, its bits unchanged as by `copy` (a NaN keeps its payload). It
    /// cannot trap. The optimizer makes it from a branch around a few
    /// instructions that cannot trap (`ifconv`).
    Select {
        ty: Type,
        dst: Local,
        cond: Operand,
        a: Operand,
        b: Operand,
    },
    /// `%d = load.T %addr`.
    Load { ty: Type, dst: Local, addr: Operand },
    /// `store.T %addr, %val`.
    Store {
        ty: Type,
        addr: Operand,
        val: Operand,
    },
    /// `%d = addr @global | $slot | @func`.
    Addr { dst: Local, of: AddrOf },
    /// `[%d =] call @f(T %a, ...) [as MEMTYPE]`; `call %fp(...)` for an
    /// indirect call. `alloc_type` tells allocation builtins the type of what
    /// they allocate (`T *p = malloc(...)` gives `as T`).
    Call {
        dst: Option<Local>,
        callee: Callee,
        args: Vec<(Type, Operand)>,
        alloc_type: Option<MemType>,
    },
    /// A poll point; placed by `safepoints::place`.
    Safepoint,
    /// `jump block`.
    Jump { target: Block },
    /// `br.T %c, then, else`: `then` if `%c` is nonzero.
    Branch {
        ty: Type,
        cond: Operand,
        then_dest: Block,
        else_dest: Block,
    },
    /// `switch.T %v, default [k: block, ...]`.
    Switch {
        ty: Type,
        val: Operand,
        default: Block,
        cases: Vec<(u64, Block)>,
    },
    /// `ret` or `ret.T %v`.
    Return { val: Option<(Type, Operand)> },
    /// `unreachable`: traps.
    Unreachable,
}

impl InstKind {
    pub fn is_terminator(&self) -> bool {
        matches!(
            self,
            InstKind::Jump { .. }
                | InstKind::Branch { .. }
                | InstKind::Switch { .. }
                | InstKind::Return { .. }
                | InstKind::Unreachable
        )
    }

    /// Whether this instruction is a resume point: a safepoint, or a call
    /// that can unwind (one to a function of the module).
    pub fn is_resume_point(&self) -> bool {
        matches!(
            self,
            InstKind::Safepoint
                | InstKind::Call {
                    callee: Callee::Func(_) | Callee::Indirect(_),
                    ..
                }
        )
    }

    /// Whether this instruction writes a local, and only that, and cannot
    /// trap: no load, store, call or division. Running it where the
    /// program would not, or twice, is not seen.
    pub fn is_speculatable(&self) -> bool {
        match self {
            InstKind::Unary { .. }
            | InstKind::Convert { .. }
            | InstKind::Select { .. }
            | InstKind::Addr { .. } => true,
            InstKind::Binary { op, .. } => op.class() != crate::opcodes::OpClass::IntDivRem,
            _ => false,
        }
    }

    /// The local this instruction writes, if any.
    pub fn dst(&self) -> Option<Local> {
        match self {
            InstKind::Unary { dst, .. }
            | InstKind::Binary { dst, .. }
            | InstKind::Convert { dst, .. }
            | InstKind::Select { dst, .. }
            | InstKind::Load { dst, .. }
            | InstKind::Addr { dst, .. } => Some(*dst),
            InstKind::Call { dst, .. } => *dst,
            _ => None,
        }
    }

    /// The local this instruction writes, if any, to rename it.
    pub fn dst_mut(&mut self) -> Option<&mut Local> {
        match self {
            InstKind::Unary { dst, .. }
            | InstKind::Binary { dst, .. }
            | InstKind::Convert { dst, .. }
            | InstKind::Select { dst, .. }
            | InstKind::Load { dst, .. }
            | InstKind::Addr { dst, .. } => Some(dst),
            InstKind::Call { dst, .. } => dst.as_mut(),
            _ => None,
        }
    }

    /// The successors of a terminator, in order (with repeats).
    pub fn successors(&self) -> Vec<Block> {
        match self {
            InstKind::Jump { target } => vec![*target],
            InstKind::Branch {
                then_dest,
                else_dest,
                ..
            } => vec![*then_dest, *else_dest],
            InstKind::Switch { default, cases, .. } => {
                let mut v = vec![*default];
                v.extend(cases.iter().map(|c| c.1));
                v
            }
            _ => Vec::new(),
        }
    }

    /// Every operand this instruction reads, with the type it is read at.
    pub fn operands(&self) -> Operands<'_> {
        let none: std::slice::Iter<'_, (Type, Operand)> = [].iter();
        let (head, rest) = match self {
            InstKind::Unary { ty, a, .. } => ([Some((*ty, *a)), None, None], none),
            InstKind::Binary { ty, a, b, .. } => ([Some((*ty, *a)), Some((*ty, *b)), None], none),
            InstKind::Convert { from, a, .. } => ([Some((*from, *a)), None, None], none),
            InstKind::Select { ty, cond, a, b, .. } => (
                [Some((Type::I32, *cond)), Some((*ty, *a)), Some((*ty, *b))],
                none,
            ),
            InstKind::Load { addr, .. } => ([Some((Type::Ptr, *addr)), None, None], none),
            InstKind::Store { ty, addr, val } => {
                ([Some((Type::Ptr, *addr)), Some((*ty, *val)), None], none)
            }
            InstKind::Call { callee, args, .. } => {
                let fp = match callee {
                    Callee::Indirect(fp) => Some((Type::Ptr, *fp)),
                    _ => None,
                };
                ([fp, None, None], args.iter())
            }
            InstKind::Branch { ty, cond, .. } => ([Some((*ty, *cond)), None, None], none),
            InstKind::Switch { ty, val, .. } => ([Some((*ty, *val)), None, None], none),
            InstKind::Return { val } => ([*val, None, None], none),
            InstKind::Addr { .. }
            | InstKind::Safepoint
            | InstKind::Jump { .. }
            | InstKind::Unreachable => ([None, None, None], none),
        };
        Operands { head, i: 0, rest }
    }
}

/// The operands an instruction reads, with the type each is read as, in
/// order (`InstKind::operands`); no allocation (the optimizer's passes
/// walk them for every instruction, several times per function).
pub struct Operands<'a> {
    head: [Option<(Type, Operand)>; 3],
    i: usize,
    rest: std::slice::Iter<'a, (Type, Operand)>,
}

impl Iterator for Operands<'_> {
    type Item = (Type, Operand);

    fn next(&mut self) -> Option<(Type, Operand)> {
        while self.i < 3 {
            let x = self.head[self.i];
            self.i += 1;
            if x.is_some() {
                return x;
            }
        }
        self.rest.next().copied()
    }
}

/// An instruction with its source line (0 when unknown).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Inst {
    pub kind: InstKind,
    pub line: u32,
    /// The function the instruction was written in, when it is not the
    /// one holding it (it was inlined, `inline`): its `line` is in that
    /// function's source, and a trap it raises is reported there.
    pub origin: Option<FuncId>,
}

impl Function {
    /// Per block: the indices of its successors (those of its terminator,
    /// with repeats).
    pub fn successor_lists(&self) -> Vec<Vec<usize>> {
        self.blocks
            .values()
            .map(|d| {
                d.insts
                    .last()
                    .map(|t| {
                        t.kind
                            .successors()
                            .iter()
                            .map(|b| crate::EntityRef::index(*b))
                            .collect()
                    })
                    .unwrap_or_default()
            })
            .collect()
    }

    /// Per block: the indices of the blocks whose terminator branches to
    /// it, each once (`predecessors` of `successor_lists`).
    pub fn predecessor_lists(&self) -> Vec<Vec<usize>> {
        predecessors(&self.successor_lists())
    }
}

/// Per block: the blocks that `succs` (per block, its successors' indices,
/// as `Function::successor_lists`) lead to it from, each once (a switch's
/// many cases to one block are one edge to the analyses that walk them).
pub fn predecessors(succs: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let mut preds: Vec<Vec<usize>> = vec![Vec::new(); succs.len()];
    for (b, ss) in succs.iter().enumerate() {
        for &s in ss {
            if !preds[s].contains(&b) {
                preds[s].push(b);
            }
        }
    }
    preds
}

impl Inst {
    pub fn new(kind: InstKind, line: u32) -> Inst {
        Inst {
            kind,
            line,
            origin: None,
        }
    }

    /// The function a trap at this instruction of `f` is reported in.
    pub fn func(&self, f: FuncId) -> FuncId {
        self.origin.unwrap_or(f)
    }
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct BlockData {
    /// The label in `.pir` text.
    pub name: String,
    pub insts: Vec<Inst>,
}

/// A local: its source name (C variable name, or a number for a temporary)
/// and type.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct LocalDecl {
    pub name: String,
    pub ty: Type,
}

/// A shadow-stack slot: memory in the function's stack frame.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SlotDecl {
    pub name: String,
    pub ty: MemType,
    /// An alignment stricter than its type's (`align N`: a power of two
    /// up to `frame::STACK_ALIGN`, what shadow-stack frames are aligned
    /// to), or 0: the type's.
    pub align: u64,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Function {
    pub name: String,
    /// The source file its `line`s are in, when it is not the module's
    /// (a function of another file of a multi-file program, or of a
    /// header): `Module::func_source`.
    pub source: Option<String>,
    /// The first `num_params` locals are the parameters.
    pub num_params: usize,
    pub ret: Option<Type>,
    pub locals: EntityVec<Local, LocalDecl>,
    pub slots: EntityVec<SlotId, SlotDecl>,
    /// `blocks[block0]` is the entry.
    pub blocks: EntityVec<Block, BlockData>,
}

impl Function {
    pub fn params(&self) -> impl Iterator<Item = Type> + '_ {
        self.locals.values().take(self.num_params).map(|l| l.ty)
    }

    pub fn signature(&self) -> Signature {
        Signature {
            params: self.params().collect(),
            ret: self.ret,
            variadic: false,
        }
    }
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Signature {
    pub params: Vec<Type>,
    pub ret: Option<Type>,
    pub variadic: bool,
}

/// A symbol a global initializer can point to.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum SymbolRef {
    Global(GlobalId),
    Func(FuncId),
}

/// A piece of a global's initial bytes, laid out one after another.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum InitItem {
    /// A scalar value, little-endian, `ty.bytes()` long.
    Scalar(Type, u64),
    Bytes(Vec<u8>),
    Zero(u64),
    /// An 8-byte address of a symbol plus an offset.
    Addr(SymbolRef, i64),
}

impl InitItem {
    pub fn size(&self) -> u64 {
        match self {
            InitItem::Scalar(t, _) => t.bytes() as u64,
            InitItem::Bytes(b) => b.len() as u64,
            InitItem::Zero(n) => *n,
            InitItem::Addr(..) => 8,
        }
    }
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Global {
    pub name: String,
    pub ty: MemType,
    /// An alignment stricter than its type's (`align N`: a power of two
    /// up to `MAX_GLOBAL_ALIGN`), or 0: the type's.
    pub align: u64,
    /// Initial contents; bytes past the end of `init` are zero.
    pub init: Vec<InitItem>,
}

/// The strictest alignment a global may ask (`Global::align`): a page.
pub const MAX_GLOBAL_ALIGN: u64 = 4096;

/// A declaration of a runtime function the module calls.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct BuiltinDecl {
    pub name: String,
    pub sig: Signature,
}

#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Module {
    /// The source file the module was compiled from, if any.
    pub source: Option<String>,
    pub types: EntityVec<TypeId, TypeDef>,
    pub globals: EntityVec<GlobalId, Global>,
    pub builtins: EntityVec<BuiltinId, BuiltinDecl>,
    pub funcs: EntityVec<FuncId, Function>,
}

impl Module {
    /// The source file function `f`'s lines are in: its own `source`,
    /// else the module's.
    pub fn func_source(&self, f: FuncId) -> Option<&str> {
        let func = self.funcs.get(f)?;
        func.source.as_deref().or(self.source.as_deref())
    }

    pub fn func_by_name(&self, name: &str) -> Option<FuncId> {
        self.funcs
            .iter()
            .find(|(_, f)| f.name == name)
            .map(|(id, _)| id)
    }

    /// The value of a pointer to function `f`. Function pointers are small
    /// integers inside the never-mapped null page, so they can never be
    /// mistaken for data and a load or store through one traps.
    pub fn func_ptr(f: FuncId) -> u64 {
        f.0 as u64 + 1
    }

    /// The catalog builtin a declaration names (`None` only in a module
    /// the verifier rejects).
    pub fn builtin(&self, id: BuiltinId) -> Option<crate::Builtin> {
        crate::Builtin::from_name(&self.builtins.get(id)?.name)
    }

    /// The program's `errno`: the global `int errno` that the math and
    /// I/O builtins (and the JIT's inline `sqrt`) set, if the module has
    /// one (C's `errno.h` defines it).
    pub fn errno(&self) -> Option<crate::GlobalId> {
        self.globals
            .iter()
            .find(|(_, g)| g.name == "errno" && g.ty == crate::MemType::Scalar(crate::Type::I32))
            .map(|(id, _)| id)
    }

    /// The function a function-pointer value designates, if any.
    pub fn func_from_ptr(&self, p: u64) -> Option<FuncId> {
        let i = p.checked_sub(1)?;
        (i < self.funcs.len() as u64).then_some(FuncId(i as u32))
    }
}
