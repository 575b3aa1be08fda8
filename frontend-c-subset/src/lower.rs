//! Lowering: the typed AST to a `pivm_ir::Module`.
//!
//! - C scalars whose address is never taken live in IR locals named after
//!   them (a shadowing variable gets `x.1`, temporaries are numbers like
//!   `%7`); address-taken scalars, arrays, structs and compound literals
//!   live in shadow-stack slots (`slot $name`).
//! - Structs and unions go in the module's type table (`type :name`); an
//!   expression of struct type lowers to the address of the struct.
//! - Struct arguments and results by value (the pivm-cc calling
//!   convention): the caller passes the address of its struct and the
//!   callee copies it into its own slot on entry, so the callee can modify
//!   its parameter freely. A function returning a struct takes a hidden
//!   first parameter `%sret`, the address of a caller-allocated slot, copies
//!   its result there and returns nothing.
//! - `T *p = malloc(...)` (and calloc/realloc, through casts, in
//!   assignments, initializers and returns) passes `as T` to the allocator.
//! - Static locals and string literals are globals (`@f.n.1`, `@str.3`);
//!   global initializers are evaluated to bytes and symbol addresses.

use crate::arith::{binop_opcode, conversion, truth_opcode, unop_opcode, Conversion};
use crate::ast::*;
use crate::ctype::{Structs, Ty};
use crate::diag::{Diag, Loc};
use crate::parse::{const_bits, const_int, const_truth};
use pivm_ir::frame::STACK_ALIGN;
use pivm_ir::opcodes::{eval_binary, eval_convert};
use pivm_ir::types::{align_up, Layout, TypeLayouts};
use pivm_ir::Builtin;
use pivm_ir::{
    AddrOf, AggKind, Block, BlockData, BuiltinDecl, BuiltinId, Callee, EntityRef, EntityVec,
    FuncId, Global, GlobalId, InitItem, Inst, InstKind, Local, LocalDecl, MemType, Module, Opcode,
    Operand, SlotDecl, SlotId, SymbolRef, Type, TypeDef, TypeId,
};
use std::collections::{HashMap, HashSet};

mod bits;
mod vla;

/// Runtime functions the lowering calls by itself (struct copies, zeroing).
const INTERNAL_BUILTINS: &[Builtin] = &[Builtin::Memcpy, Builtin::Memmove, Builtin::Memset];

pub fn lower(prog: &TranslationUnit, source: &str) -> Result<Module, Vec<Diag>> {
    lower_files(prog, source, &[])
}

/// `lower`, with the names of the files `Loc::file` numbers (the
/// compiler's `SourceMap`): each function whose definition is in a file
/// other than `source` gets that file as its IR `source`.
pub fn lower_files(
    prog: &TranslationUnit,
    source: &str,
    files: &[String],
) -> Result<Module, Vec<Diag>> {
    let mut l = Lower {
        prog,
        files,
        m: Module {
            source: Some(source.to_string()),
            ..Module::default()
        },
        struct_types: HashMap::new(),
        type_names: HashSet::new(),
        globals: vec![None; prog.globals.len()].into(),
        strings: vec![None; prog.strings.len()].into(),
        funcs: vec![None; prog.funcs.len()].into(),
        func_names: vec![String::new(); prog.funcs.len()].into(),
        builtins: HashMap::new(),
        errors: Vec::new(),
        global_names: HashSet::new(),
    };
    l.module();
    if l.errors.is_empty() {
        Ok(l.m)
    } else {
        Err(l.errors)
    }
}

struct Lower<'a> {
    prog: &'a TranslationUnit,
    m: Module,
    struct_types: HashMap<StructId, TypeId>,
    /// File names by `Loc::file` (may be empty: no function sources).
    files: &'a [String],
    type_names: HashSet<String>,
    globals: EntityVec<GlobalVarId, Option<GlobalId>>,
    strings: EntityVec<StrId, Option<GlobalId>>,
    funcs: EntityVec<FunctionId, Option<FuncId>>,
    /// The IR name of each function emitted: its C name, made unique
    /// for a static one (`helper.1`) when another unit has one too.
    func_names: EntityVec<FunctionId, String>,
    builtins: HashMap<Builtin, BuiltinId>,
    errors: Vec<Diag>,
    global_names: HashSet<String>,
}

#[derive(Copy, Clone)]
enum Storage {
    Reg(Local),
    Mem(SlotId),
    /// A variable-length array: the local holding its address.
    Vla(Local),
}

#[derive(Copy, Clone)]
enum LVal {
    Reg(Local),
    Mem(Operand),
    /// A bit-field: the address of its storage unit, the unit's IR type.
    Bits(Operand, Type, crate::ctype::BitField),
}

#[derive(Copy, Clone)]
enum PtrVal {
    Abs(i64),
    Sym(SymbolRef, i64),
}

struct FnCx {
    id: FunctionId,
    f: pivm_ir::Function,
    cur: Block,
    terminated: bool,
    line: u32,
    vars: EntityVec<LocalId, Option<Storage>>,
    local_names: HashSet<String>,
    slot_names: HashSet<String>,
    tmp: usize,
    blocks: usize,
    breaks: Vec<Block>,
    conts: Vec<Block>,
    labels: HashMap<String, Block>,
    cases: HashMap<CaseId, Block>,
    sret: Option<Local>,
    /// Blocks in the order code was placed in them (the final layout, so
    /// only loops make retreating edges, where safepoints go).
    order: Vec<Block>,
    ret: Ty,
    is_main: bool,
    vla: vla::VlaCx,
    /// In a function that calls `alloca`: the local holding the newest
    /// of its blocks, each of which begins with the one before (`alloca`).
    alloca: Option<Local>,
}

fn is_struct_copy(t: &Ty) -> bool {
    t.is_struct()
}

/// The global `err.h` defines for the program's name (`keep_progname`).
const PROGNAME: &str = "__pivm_progname";

impl<'a> Lower<'a> {
    fn structs(&self) -> &'a Structs {
        &self.prog.structs
    }
    fn size(&self, t: &Ty) -> u64 {
        t.size(self.structs()).unwrap_or(0)
    }
    fn err(&mut self, loc: Loc, msg: impl Into<String>) {
        self.errors.push(Diag::new(loc, msg));
    }

    // ---- types ----

    fn mem_type(&mut self, t: &Ty) -> MemType {
        match t {
            Ty::Array(b, n) => MemType::Array(Box::new(self.mem_type(b)), n.unwrap_or(0)),
            Ty::Struct(id) => MemType::Named(self.struct_type(*id)),
            Ty::Void | Ty::Func(_) => MemType::Scalar(Type::I8),
            // 16 bytes, the value in the first 8.
            Ty::LongDouble => MemType::Array(Box::new(MemType::Scalar(Type::F64)), 2),
            t => MemType::Scalar(t.ir()),
        }
    }

    fn struct_type(&mut self, id: StructId) -> TypeId {
        if let Some(t) = self.struct_types.get(&id) {
            return *t;
        }
        let s = &self.prog.structs[id];
        let base = s.tag.clone().unwrap_or_else(|| "anon".to_string());
        let mut name = base.clone();
        let mut n = 1;
        while !self.type_names.insert(name.clone()) {
            name = format!("{base}.{n}");
            n += 1;
        }
        let tid = self.m.types.push(TypeDef {
            name,
            kind: if s.is_union {
                AggKind::Union
            } else {
                AggKind::Struct
            },
            fields: Vec::new(),
        });
        self.struct_types.insert(id, tid);
        if s.fields.iter().any(|f| f.bits.is_some()) {
            let (kind, fields) = self.bit_struct_fields(id, tid);
            self.m.types[tid].kind = kind;
            self.m.types[tid].fields = fields;
            return tid;
        }
        // Fields; padding follows from the IR's layout rules, which are C's.
        let fields: Vec<MemType> = s
            .fields
            .iter()
            .map(|f| f.ty.clone())
            .collect::<Vec<_>>()
            .iter()
            .map(|t| self.mem_type(t))
            .collect();
        self.m.types[tid].fields = self.padded(id, fields);
        tid
    }

    /// The IR fields of struct `id`, with byte arrays added where its C
    /// layout has more padding than the IR's rules give (a member's
    /// `_Alignas` or `aligned`, in it or in a struct it holds), and a
    /// member as a byte array of its size where C places it below its IR
    /// alignment (`packed`) or the struct's C alignment is below the
    /// member's IR one, so every member is at its C offset and the size is
    /// C's. The IR type's alignment may stay below C's (a global's is
    /// raised by `align_globals`): memory accesses use C's offsets.
    fn padded(&self, id: StructId, fields: Vec<MemType>) -> Vec<MemType> {
        let s = &self.prog.structs[id];
        let pad = |n: u64| MemType::Array(Box::new(MemType::Scalar(Type::I8)), n);
        // The named types `fields` refer to are lowered already.
        let layouts = TypeLayouts::new(&self.m.types);
        let mut out = Vec::with_capacity(fields.len());
        let mut end = 0u64;
        let mut align = 1u64;
        for (f, mt) in s.fields.iter().zip(fields) {
            let mut l = layouts.of(&mt).unwrap_or(Layout { size: 0, align: 1 });
            let mt = if l.align > s.align || !f.offset.is_multiple_of(l.align) {
                l.align = 1;
                pad(l.size)
            } else {
                mt
            };
            align = align.max(l.align);
            if s.is_union {
                end = end.max(l.size);
            } else {
                if align_up(end, l.align) < f.offset {
                    out.push(pad(f.offset - end));
                    end = f.offset;
                }
                end = align_up(end, l.align) + l.size;
            }
            out.push(mt);
        }
        if align_up(end, align) < s.size {
            out.push(pad(if s.is_union { s.size } else { s.size - end }));
        }
        out
    }

    /// The module's declaration of `b`, added on first use.
    fn builtin(&mut self, b: Builtin) -> BuiltinId {
        if let Some(id) = self.builtins.get(&b) {
            return *id;
        }
        let id = self.m.builtins.push(BuiltinDecl {
            name: b.name().to_string(),
            sig: b.sig().signature(),
        });
        self.builtins.insert(b, id);
        id
    }

    fn unique_global_name(&mut self, base: &str) -> String {
        let mut name = base.to_string();
        let mut n = 1;
        while !self.global_names.insert(name.clone()) {
            name = format!("{base}.{n}");
            n += 1;
        }
        name
    }

    // ---- module ----

    fn module(&mut self) {
        let prog = self.prog;
        // External names first, as they are: statics get what is left.
        for f in prog.funcs.values() {
            if f.def.is_some() && !f.is_static {
                self.global_names.insert(f.name.clone());
                if Builtin::from_name(&f.name).is_some_and(|b| INTERNAL_BUILTINS.contains(&b)) {
                    self.err(
                        f.loc,
                        format!(
                            "defining '{}' is not supported: pivm's runtime provides it",
                            f.name
                        ),
                    );
                }
            }
        }
        for g in prog.globals.values() {
            if g.defined && !g.is_static {
                self.global_names.insert(g.name.clone());
            }
        }
        // Globals first (initializers may point to functions: ids below).
        // Emit the functions reachable from the external ones and from
        // global initializers: unused statics (most of the headers' C
        // functions) are dropped, as gcc drops them.
        let mut keep: EntityVec<FunctionId, bool> = vec![false; prog.funcs.len()].into();
        let mut work: Vec<FunctionId> = prog
            .funcs
            .iter()
            .filter(|(_, f)| f.def.is_some() && (f.used || !f.is_static))
            .map(|(i, _)| i)
            .collect();
        while let Some(i) = work.pop() {
            if keep[i] {
                continue;
            }
            keep[i] = true;
            if let Some(d) = &prog.funcs[i].def {
                work.extend(d.refs.iter().copied().filter(|&r| keep.get(r).is_some()));
            }
        }
        let mut fid = 0u32;
        for (i, f) in prog.funcs.iter() {
            if f.def.is_some() && keep[i] {
                self.funcs[i] = Some(FuncId(fid));
                fid += 1;
                self.func_names[i] = if f.is_static {
                    self.unique_global_name(&f.name)
                } else {
                    f.name.clone()
                };
            }
        }
        for (i, g) in prog.globals.iter() {
            if g.defined {
                self.global(i);
            }
        }
        for (i, f) in prog.funcs.iter() {
            if self.funcs[i].is_some() {
                self.function(i, f);
            }
        }
        self.align_globals();
    }

    /// Each global's C alignment, where it is more than its IR type's
    /// (`_Alignas` or `aligned` on it, or in its struct type, and `long
    /// double`, 16 in C and 8 in the IR): the IR global's `align`.
    fn align_globals(&mut self) {
        let layouts = TypeLayouts::new(&self.m.types);
        for (i, g) in self.prog.globals.iter() {
            let Some(id) = self.globals[i] else { continue };
            let want = g.align.max(g.ty.align(self.structs()));
            let has = layouts.of(&self.m.globals[id].ty).map_or(1, |l| l.align);
            if want <= has {
                continue;
            }
            if want > pivm_ir::MAX_GLOBAL_ALIGN {
                let msg = format!(
                    "unsupported: '{}' needs an alignment of {want}: pivm aligns variables to at most {}",
                    g.name,
                    pivm_ir::MAX_GLOBAL_ALIGN
                );
                self.err(g.loc, msg);
                continue;
            }
            self.m.globals[id].align = want;
        }
    }

    fn global_id(&mut self, i: GlobalVarId, loc: Loc) -> Option<GlobalId> {
        if let Some(g) = self.globals[i] {
            return Some(g);
        }
        let g = &self.prog.globals[i];
        if !g.defined {
            self.errors.push(
                Diag::new(
                    loc,
                    format!(
                        "undefined reference to '{}' (declared extern, defined in no file of the program)",
                        g.name
                    ),
                )
                .note(g.loc, format!("'{}' is declared here", g.name)),
            );
            return None;
        }
        Some(self.global(i))
    }

    fn global(&mut self, i: GlobalVarId) -> GlobalId {
        if let Some(g) = self.globals[i] {
            return g;
        }
        let g = &self.prog.globals[i];
        let ty = self.mem_type(&g.ty);
        let name = if g.is_static {
            self.unique_global_name(&g.name)
        } else {
            g.name.clone()
        };
        let id = self.m.globals.push(Global {
            name,
            ty,
            align: 0,
            init: Vec::new(),
        });
        self.globals[i] = Some(id);
        if let Some(init) = &g.init {
            let size = self.size(&g.ty);
            let items = self.global_init(init, size);
            self.m.globals[id].init = items;
        }
        id
    }

    /// The global holding string literal `s`, of type `ty` (an array).
    fn string_global(&mut self, s: StrId, ty: &Ty) -> GlobalId {
        if let Some(g) = self.strings[s] {
            return g;
        }
        let bytes = self.prog.strings[s].clone();
        let name = self.unique_global_name(&format!("str.{}", s.0));
        // A wide literal is an array of its code units (aligned as gcc
        // aligns them); its bytes are the same either way.
        let unit = ty.base().map_or(Type::I8, Ty::ir);
        let id = self.m.globals.push(Global {
            name,
            ty: MemType::Array(
                Box::new(MemType::Scalar(unit)),
                bytes.len() as u64 / unit.bytes() as u64,
            ),
            align: 0,
            init: vec![InitItem::Bytes(bytes)],
        });
        self.strings[s] = Some(id);
        id
    }

    fn global_init(&mut self, init: &[InitElem], size: u64) -> Vec<InitItem> {
        let mut bytes = vec![0u8; size as usize];
        let mut relocs: Vec<(u64, SymbolRef, i64)> = Vec::new();
        for el in init {
            let off = el.offset;
            let e = &el.expr;
            if let Some(n) = el.str_len {
                if let ExprKind::Str(s) = e.kind {
                    let src = &self.prog.strings[s];
                    let k = (n as usize).min(src.len());
                    let end = (off as usize + k).min(bytes.len());
                    let start = (off as usize).min(end);
                    bytes[start..end].copy_from_slice(&src[..end - start]);
                }
                continue;
            }
            let ty = &e.ty;
            let (val, width): (u64, usize) = if ty.is_arith() {
                match const_bits(e) {
                    Some(v) => (v, ty.ir().bytes() as usize),
                    None => {
                        self.err(e.loc, "initializer element is not a compile-time constant");
                        continue;
                    }
                }
            } else if ty.is_ptr() {
                match self.const_ptr(e) {
                    Some(PtrVal::Abs(v)) => (v as u64, 8),
                    Some(PtrVal::Sym(s, a)) => {
                        relocs.push((off, s, a));
                        continue;
                    }
                    None => {
                        self.err(e.loc, "initializer element is not a compile-time constant");
                        continue;
                    }
                }
            } else {
                self.err(e.loc, "initializer element is not a compile-time constant");
                continue;
            };
            let o = off as usize;
            if o + width <= bytes.len() {
                match el.bits {
                    Some(b) => bits::merge_bits(&mut bytes[o..], width, b, val),
                    None => bytes[o..o + width].copy_from_slice(&val.to_le_bytes()[..width]),
                }
            }
        }
        relocs.sort_by_key(|r| r.0);
        let mut items = Vec::new();
        let mut pos = 0usize;
        let push_bytes = |items: &mut Vec<InitItem>, b: &[u8]| {
            let mut i = 0;
            while i < b.len() {
                if b[i] == 0 {
                    let mut j = i;
                    while j < b.len() && b[j] == 0 {
                        j += 1;
                    }
                    if j - i >= 8 || j == b.len() {
                        items.push(InitItem::Zero((j - i) as u64));
                        i = j;
                        continue;
                    }
                }
                let mut j = i;
                while j < b.len() && !(b[j] == 0 && b[j..].iter().take(8).all(|&x| x == 0)) {
                    j += 1;
                }
                if j == i {
                    j = i + 1;
                }
                items.push(InitItem::Bytes(b[i..j].to_vec()));
                i = j;
            }
        };
        for (off, s, a) in relocs {
            let o = off as usize;
            if o < pos || o + 8 > bytes.len() {
                continue;
            }
            push_bytes(&mut items, &bytes[pos..o]);
            items.push(InitItem::Addr(s, a));
            pos = o + 8;
        }
        // Trailing zeros need no item.
        let mut end = bytes.len();
        while end > pos && bytes[end - 1] == 0 {
            end -= 1;
        }
        push_bytes(&mut items, &bytes[pos..end]);
        items
    }

    fn const_ptr(&mut self, e: &Expr) -> Option<PtrVal> {
        match &e.kind {
            ExprKind::Int(v) => Some(PtrVal::Abs(*v as i64)),
            ExprKind::Cast(x) if x.ty.is_ptr() => self.const_ptr(x),
            ExprKind::Cast(x) if x.ty.is_integer() => const_int(x).map(PtrVal::Abs),
            ExprKind::Addr(lv) => self.const_addr(lv),
            ExprKind::Binary(op @ (BinOp::Add | BinOp::Sub), p, n) if p.ty.is_ptr() => {
                let base = self.const_ptr(p)?;
                let k = const_bits(n)?;
                let es = match p.ty.base() {
                    Some(Ty::Void) | None => 1,
                    Some(b) => self.size(b),
                };
                let d = eval_binary(Opcode::Mul, Type::I64, k, es).ok()?;
                let o = if *op == BinOp::Sub {
                    Opcode::Sub
                } else {
                    Opcode::Add
                };
                let add = |a: i64| {
                    eval_binary(o, Type::Ptr, a as u64, d)
                        .ok()
                        .map(|v| v as i64)
                };
                Some(match base {
                    PtrVal::Abs(v) => PtrVal::Abs(add(v)?),
                    PtrVal::Sym(s, a) => PtrVal::Sym(s, add(a)?),
                })
            }
            ExprKind::Cond(c, a, b) => {
                let v = const_truth(c)?;
                self.const_ptr(if v { a } else { b })
            }
            ExprKind::LabelAddr(_, n) => Some(PtrVal::Abs(*n as i64)),
            _ => None,
        }
    }

    fn const_addr(&mut self, lv: &Expr) -> Option<PtrVal> {
        match &lv.kind {
            ExprKind::Global(g) => {
                let id = self.global_id(*g, lv.loc)?;
                Some(PtrVal::Sym(SymbolRef::Global(id), 0))
            }
            ExprKind::Str(s) => {
                let g = self.string_global(*s, &lv.ty);
                Some(PtrVal::Sym(SymbolRef::Global(g), 0))
            }
            ExprKind::Func(f) => match self.funcs[*f] {
                Some(id) => Some(PtrVal::Sym(SymbolRef::Func(id), 0)),
                None => {
                    let name = self.prog.funcs[*f].name.clone();
                    self.err(lv.loc, format!("cannot take the address of '{name}': it is not defined in this program"));
                    None
                }
            },
            ExprKind::Member(x, off) => match self.const_addr(x)? {
                PtrVal::Abs(v) => Some(PtrVal::Abs(v.wrapping_add(*off as i64))),
                PtrVal::Sym(s, a) => Some(PtrVal::Sym(s, a.wrapping_add(*off as i64))),
            },
            ExprKind::Deref(p) => self.const_ptr(p),
            _ => None,
        }
    }

    // ---- functions ----

    /// The file function `func` is defined in, if not the module's.
    fn func_source(&self, func: &FunctionDecl) -> Option<String> {
        let loc = func.def_loc.unwrap_or(func.loc);
        let name = self.files.get(loc.file as usize)?;
        (self.m.source.as_deref() != Some(name.as_str())).then(|| name.clone())
    }

    fn function(&mut self, id: FunctionId, func: &'a FunctionDecl) {
        let Some(def) = &func.def else { return };
        let sret = func.ty.ret.is_struct();
        let mut cx = FnCx {
            id,
            f: pivm_ir::Function {
                name: self.func_names[id].clone(),
                source: self.func_source(func),
                num_params: 0,
                ret: if func.ty.ret.is_void() || sret {
                    None
                } else {
                    Some(func.ty.ret.ir())
                },
                locals: EntityVec::new(),
                slots: EntityVec::new(),
                blocks: EntityVec::new(),
            },
            cur: Block(0),
            terminated: false,
            line: func.loc.line,
            vars: vec![None; def.locals.len()].into(),
            local_names: HashSet::new(),
            slot_names: HashSet::new(),
            tmp: 0,
            blocks: 0,
            breaks: Vec::new(),
            conts: Vec::new(),
            labels: HashMap::new(),
            cases: HashMap::new(),
            sret: None,
            order: vec![Block(0)],
            ret: func.ty.ret.clone(),
            is_main: func.name == "main" && !func.is_static,
            vla: vla::VlaCx::new(def),
            alloca: None,
        };
        let entry = cx.f.blocks.push(BlockData {
            name: "entry".into(),
            insts: Vec::new(),
        });
        cx.cur = entry;
        if sret {
            cx.sret = Some(self.named_local(&mut cx, "sret", Type::Ptr));
        }
        // Parameters.
        let mut param_locals = Vec::new();
        for &p in &def.params {
            let v = &def.locals[p];
            let ty = if v.ty.is_struct() {
                Type::Ptr
            } else {
                v.ty.ir()
            };
            let l = self.named_local(&mut cx, &v.name, ty);
            param_locals.push((p, l));
        }
        cx.f.num_params = cx.f.locals.len();
        // Storage of every variable.
        for (i, v) in def.locals.iter() {
            if v.ty.is_vla_object() {
                cx.vars[i] = Some(Storage::Vla(self.named_local(&mut cx, &v.name, Type::Ptr)));
                continue;
            }
            let in_mem = v.addr_taken || !v.ty.is_scalar();
            if let Some((_, l)) = param_locals.iter().find(|(p, _)| *p == i) {
                if !in_mem {
                    cx.vars[i] = Some(Storage::Reg(*l));
                    continue;
                }
            }
            cx.vars[i] = Some(if in_mem {
                let mt = self.mem_type(&v.ty);
                let slot = self.named_slot(&mut cx, &v.name, mt);
                // Its C alignment where it is more than its IR type's
                // (`_Alignas` or `aligned` on it or in its struct type, a
                // `long double`), up to the frames' (the parser refuses
                // more).
                let want = v.align.max(v.ty.align(self.structs())).min(STACK_ALIGN);
                if want > self.ir_align(&cx.f.slots[slot].ty) {
                    cx.f.slots[slot].align = want;
                }
                Storage::Mem(slot)
            } else {
                Storage::Reg(self.named_local(&mut cx, &v.name, v.ty.ir()))
            });
        }
        // Copy memory-resident parameters into their slots.
        for (p, l) in &param_locals {
            let v = &def.locals[*p];
            if let Some(Storage::Mem(s)) = cx.vars[*p] {
                let a = self.slot_addr(&mut cx, s);
                if v.ty.is_struct() {
                    let n = self.size(&v.ty);
                    self.copy_mem(&mut cx, a, Operand::Local(*l), n);
                } else {
                    self.emit(
                        &mut cx,
                        InstKind::Store {
                            ty: v.ty.ir(),
                            addr: a,
                            val: Operand::Local(*l),
                        },
                    );
                }
            }
        }
        if cx.is_main && param_locals.len() >= 2 {
            self.keep_progname(&mut cx, param_locals[1].1);
        }
        if def.uses_alloca {
            // After the parameters; 0 (no block) on entry, as every local.
            cx.alloca = Some(self.named_local(&mut cx, "alloca.head", Type::Ptr));
        }
        for s in &def.body {
            self.stmt(&mut cx, s);
        }
        if !cx.terminated {
            let val = cx.f.ret.map(|t| (t, Operand::Const(0)));
            self.vla_free_from(&mut cx, 0);
            self.alloca_free(&mut cx);
            self.run_atexit(&mut cx);
            self.emit(&mut cx, InstKind::Return { val });
        }
        let mut f = cx.f;
        finish_blocks(&mut f, &cx.order);
        if let Some(fid) = self
            .funcs
            .values()
            .position(|x| x.is_some_and(|id| id == FuncId(self.m.funcs.len() as u32)))
        {
            let _ = fid;
        }
        self.m.funcs.push(f);
    }

    fn named_local(&mut self, cx: &mut FnCx, name: &str, ty: Type) -> Local {
        let mut n = name.to_string();
        let mut k = 1;
        while !cx.local_names.insert(n.clone()) {
            n = format!("{name}.{k}");
            k += 1;
        }
        cx.f.locals.push(LocalDecl { name: n, ty })
    }

    fn named_slot(&mut self, cx: &mut FnCx, name: &str, ty: MemType) -> SlotId {
        let mut n = name.to_string();
        let mut k = 1;
        while !cx.slot_names.insert(n.clone()) {
            n = format!("{name}.{k}");
            k += 1;
        }
        cx.f.slots.push(SlotDecl {
            name: n,
            ty,
            align: 0,
        })
    }

    /// The IR alignment of `t` (the module's types as lowered so far).
    fn ir_align(&self, t: &MemType) -> u64 {
        match t {
            MemType::Scalar(s) => u64::from(s.bytes()),
            MemType::Array(e, _) => self.ir_align(e),
            MemType::Named(id) => self.m.types[*id]
                .fields
                .iter()
                .map(|f| self.ir_align(f))
                .max()
                .unwrap_or(1),
        }
    }

    fn tmp(&mut self, cx: &mut FnCx, ty: Type) -> Local {
        cx.tmp += 1;
        let name = cx.tmp.to_string();
        cx.local_names.insert(name.clone());
        cx.f.locals.push(LocalDecl { name, ty })
    }

    fn tmp_slot(&mut self, cx: &mut FnCx, ty: MemType) -> SlotId {
        self.named_slot(cx, "tmp", ty)
    }

    fn new_block(&mut self, cx: &mut FnCx, prefix: &str) -> Block {
        cx.blocks += 1;
        let name = format!("{prefix}{}", cx.blocks);
        cx.f.blocks.push(BlockData {
            name,
            insts: Vec::new(),
        })
    }

    fn emit(&mut self, cx: &mut FnCx, k: InstKind) {
        if cx.terminated {
            let b = self.new_block(cx, "dead");
            cx.order.push(b);
            cx.cur = b;
            cx.terminated = false;
        }
        let term = k.is_terminator();
        cx.f.blocks[cx.cur].insts.push(Inst::new(k, cx.line));
        if term {
            cx.terminated = true;
        }
    }

    fn switch_to(&mut self, cx: &mut FnCx, b: Block) {
        if !cx.terminated {
            self.emit(cx, InstKind::Jump { target: b });
        }
        cx.order.push(b);
        cx.cur = b;
        cx.terminated = false;
    }

    fn jump(&mut self, cx: &mut FnCx, b: Block) {
        self.emit(cx, InstKind::Jump { target: b });
    }

    // ---- small emitters ----

    fn slot_addr(&mut self, cx: &mut FnCx, s: SlotId) -> Operand {
        let d = self.tmp(cx, Type::Ptr);
        self.emit(
            cx,
            InstKind::Addr {
                dst: d,
                of: AddrOf::Slot(s),
            },
        );
        Operand::Local(d)
    }

    fn global_addr(&mut self, cx: &mut FnCx, g: GlobalId) -> Operand {
        let d = self.tmp(cx, Type::Ptr);
        self.emit(
            cx,
            InstKind::Addr {
                dst: d,
                of: AddrOf::Global(g),
            },
        );
        Operand::Local(d)
    }

    fn bin(&mut self, cx: &mut FnCx, op: Opcode, ty: Type, a: Operand, b: Operand) -> Operand {
        if let (Operand::Const(x), Operand::Const(y)) = (a, b) {
            if let Ok(v) = pivm_ir::opcodes::eval_binary(op, ty, x, y) {
                return Operand::Const(v);
            }
        }
        let d = self.tmp(cx, op.result_type(ty));
        self.emit(
            cx,
            InstKind::Binary {
                op,
                ty,
                dst: d,
                a,
                b,
            },
        );
        Operand::Local(d)
    }

    fn un(&mut self, cx: &mut FnCx, op: Opcode, ty: Type, a: Operand) -> Operand {
        if let Operand::Const(x) = a {
            return Operand::Const(pivm_ir::opcodes::eval_unary(op, ty, x));
        }
        let d = self.tmp(cx, ty);
        self.emit(cx, InstKind::Unary { op, ty, dst: d, a });
        Operand::Local(d)
    }

    fn conv(&mut self, cx: &mut FnCx, op: Opcode, from: Type, to: Type, a: Operand) -> Operand {
        if let Operand::Const(x) = a {
            return Operand::Const(eval_convert(op, from, to, x));
        }
        let d = self.tmp(cx, to);
        self.emit(
            cx,
            InstKind::Convert {
                op,
                from,
                to,
                dst: d,
                a,
            },
        );
        Operand::Local(d)
    }

    fn add_offset(&mut self, cx: &mut FnCx, a: Operand, off: u64) -> Operand {
        if off == 0 {
            return a;
        }
        self.bin(cx, Opcode::Add, Type::Ptr, a, Operand::Const(off))
    }

    fn call_builtin(&mut self, cx: &mut FnCx, builtin: Builtin, args: Vec<(Type, Operand)>) {
        let b = self.builtin(builtin);
        self.emit(
            cx,
            InstKind::Call {
                dst: None,
                callee: Callee::Builtin(b),
                args,
                alloc_type: None,
            },
        );
    }

    fn copy_mem(&mut self, cx: &mut FnCx, dst: Operand, src: Operand, n: u64) {
        self.call_builtin(
            cx,
            Builtin::Memmove,
            vec![
                (Type::Ptr, dst),
                (Type::Ptr, src),
                (Type::I64, Operand::Const(n)),
            ],
        );
    }

    fn zero_mem(&mut self, cx: &mut FnCx, dst: Operand, n: u64) {
        self.call_builtin(
            cx,
            Builtin::Memset,
            vec![
                (Type::Ptr, dst),
                (Type::I32, Operand::Const(0)),
                (Type::I64, Operand::Const(n)),
            ],
        );
    }

    fn load(&mut self, cx: &mut FnCx, lv: LVal, ty: &Ty) -> Operand {
        match lv {
            LVal::Reg(l) => Operand::Local(l),
            LVal::Bits(a, unit, bits) => self.load_bits(cx, a, unit, bits, ty),
            LVal::Mem(a) => {
                if !ty.is_scalar() {
                    return a;
                }
                let d = self.tmp(cx, ty.ir());
                self.emit(
                    cx,
                    InstKind::Load {
                        ty: ty.ir(),
                        dst: d,
                        addr: a,
                    },
                );
                Operand::Local(d)
            }
        }
    }

    fn store(&mut self, cx: &mut FnCx, lv: LVal, ty: &Ty, v: Operand) {
        match lv {
            LVal::Bits(a, unit, bits) => self.store_bits(cx, a, unit, bits, ty, v),
            LVal::Reg(l) => {
                self.emit(
                    cx,
                    InstKind::Unary {
                        op: Opcode::Copy,
                        ty: ty.ir(),
                        dst: l,
                        a: v,
                    },
                );
            }
            LVal::Mem(a) => {
                if ty.is_struct() {
                    let n = self.size(ty);
                    self.copy_mem(cx, a, v, n);
                } else {
                    self.emit(
                        cx,
                        InstKind::Store {
                            ty: ty.ir(),
                            addr: a,
                            val: v,
                        },
                    );
                }
            }
        }
    }

    /// Converts a value of C type `from` to C type `to`.
    fn convert(&mut self, cx: &mut FnCx, v: Operand, from: &Ty, to: &Ty) -> Operand {
        if to.is_void() || from.is_void() {
            return Operand::Const(0);
        }
        if !from.is_scalar() || !to.is_scalar() {
            return v;
        }
        match conversion(from, to) {
            Conversion::Same => v,
            Conversion::Truth => {
                let t = self.truth(cx, v, from);
                self.conv(cx, Opcode::Trunc, Type::I32, Type::I8, t)
            }
            Conversion::One((op, ft, tt)) => self.conv(cx, op, ft, tt, v),
            Conversion::Two((op1, ft1, tt1), (op2, ft2, tt2)) => {
                let w = self.conv(cx, op1, ft1, tt1, v);
                self.conv(cx, op2, ft2, tt2, w)
            }
        }
    }

    /// `v != 0` as an i32 0/1.
    fn truth(&mut self, cx: &mut FnCx, v: Operand, ty: &Ty) -> Operand {
        let (op, t) = truth_opcode(ty);
        self.bin(cx, op, t, v, Operand::Const(0))
    }

    // ---- statements ----

    fn stmt(&mut self, cx: &mut FnCx, s: &Stmt) {
        cx.line = s.loc.line;
        match &s.kind {
            StmtKind::Expr(e) => self.expr_discard(cx, e),
            StmtKind::Decl { var, init, zero } => self.decl(cx, *var, init, *zero, s.loc),
            StmtKind::Block(v) => {
                cx.vla.scopes.push(Vec::new());
                for s in v {
                    self.stmt(cx, s);
                }
                self.vla_scope_end(cx);
            }
            StmtKind::If { arms, els } => {
                let end = self.new_block(cx, "endif");
                for (i, (c, t)) in arms.iter().enumerate() {
                    if i > 0 {
                        cx.line = c.loc.line;
                    }
                    let then_b = self.new_block(cx, "then");
                    let else_b = if i + 1 < arms.len() || els.is_some() {
                        self.new_block(cx, "else")
                    } else {
                        end
                    };
                    self.cond_br(cx, c, then_b, else_b);
                    self.switch_to(cx, then_b);
                    self.stmt(cx, t);
                    if else_b != end {
                        self.jump(cx, end);
                        self.switch_to(cx, else_b);
                    }
                }
                if let Some(e) = els {
                    self.stmt(cx, e);
                }
                self.switch_to(cx, end);
            }
            StmtKind::While(c, body) => {
                let head = self.new_block(cx, "while");
                let body_b = self.new_block(cx, "body");
                let end = self.new_block(cx, "endwhile");
                self.switch_to(cx, head);
                cx.line = s.loc.line;
                self.cond_br(cx, c, body_b, end);
                self.switch_to(cx, body_b);
                cx.breaks.push(end);
                cx.vla.break_depth.push(cx.vla.scopes.len());
                cx.conts.push(head);
                cx.vla.cont_depth.push(cx.vla.scopes.len());
                self.stmt(cx, body);
                cx.breaks.pop();
                cx.vla.break_depth.pop();
                cx.conts.pop();
                cx.vla.cont_depth.pop();
                self.jump(cx, head);
                self.switch_to(cx, end);
            }
            StmtKind::DoWhile(body, c) => {
                let body_b = self.new_block(cx, "do");
                let cond_b = self.new_block(cx, "dowhile");
                let end = self.new_block(cx, "enddo");
                self.switch_to(cx, body_b);
                cx.breaks.push(end);
                cx.vla.break_depth.push(cx.vla.scopes.len());
                cx.conts.push(cond_b);
                cx.vla.cont_depth.push(cx.vla.scopes.len());
                self.stmt(cx, body);
                cx.breaks.pop();
                cx.vla.break_depth.pop();
                cx.conts.pop();
                cx.vla.cont_depth.pop();
                self.switch_to(cx, cond_b);
                cx.line = c.loc.line;
                self.cond_br(cx, c, body_b, end);
                self.switch_to(cx, end);
            }
            StmtKind::For {
                init,
                cond,
                step,
                body,
            } => {
                cx.vla.scopes.push(Vec::new());
                for s in init {
                    self.stmt(cx, s);
                }
                let head = self.new_block(cx, "for");
                let body_b = self.new_block(cx, "body");
                let step_b = self.new_block(cx, "step");
                let end = self.new_block(cx, "endfor");
                self.switch_to(cx, head);
                cx.line = s.loc.line;
                match cond {
                    Some(c) => self.cond_br(cx, c, body_b, end),
                    None => self.jump(cx, body_b),
                }
                self.switch_to(cx, body_b);
                cx.breaks.push(end);
                cx.vla.break_depth.push(cx.vla.scopes.len());
                cx.conts.push(step_b);
                cx.vla.cont_depth.push(cx.vla.scopes.len());
                self.stmt(cx, body);
                cx.breaks.pop();
                cx.vla.break_depth.pop();
                cx.conts.pop();
                cx.vla.cont_depth.pop();
                self.switch_to(cx, step_b);
                cx.line = s.loc.line;
                if let Some(st) = step {
                    self.expr_discard(cx, st);
                }
                self.jump(cx, head);
                self.switch_to(cx, end);
                self.vla_scope_end(cx);
            }
            StmtKind::Switch {
                e,
                body,
                cases,
                default,
            } => {
                let v = self.expr(cx, e);
                let end = self.new_block(cx, "endswitch");
                let mut table = Vec::new();
                for (val, id) in cases {
                    // The values of a GNU case range share their label.
                    let b = match cx.cases.get(id) {
                        Some(b) => *b,
                        None => {
                            let b = self.new_block(cx, "case");
                            cx.cases.insert(*id, b);
                            b
                        }
                    };
                    table.push((*val, b));
                }
                let def_b = match default {
                    Some(id) => {
                        let b = self.new_block(cx, "default");
                        cx.cases.insert(*id, b);
                        b
                    }
                    None => end,
                };
                self.emit(
                    cx,
                    InstKind::Switch {
                        ty: e.ty.ir(),
                        val: v,
                        default: def_b,
                        cases: table,
                    },
                );
                cx.breaks.push(end);
                cx.vla.break_depth.push(cx.vla.scopes.len());
                self.stmt(cx, body);
                cx.breaks.pop();
                cx.vla.break_depth.pop();
                self.switch_to(cx, end);
            }
            StmtKind::Case(id) => {
                if let Some(b) = cx.cases.get(id).copied() {
                    self.switch_to(cx, b);
                }
            }
            StmtKind::Break => {
                if let Some(b) = cx.breaks.last().copied() {
                    let d = cx.vla.break_depth.last().copied().unwrap_or(0);
                    self.vla_free_from(cx, d);
                    self.jump(cx, b);
                }
            }
            StmtKind::Continue => {
                if let Some(b) = cx.conts.last().copied() {
                    let d = cx.vla.cont_depth.last().copied().unwrap_or(0);
                    self.vla_free_from(cx, d);
                    self.jump(cx, b);
                }
            }
            StmtKind::Goto(l) => {
                let b = self.label_block(cx, l);
                self.vla_goto(cx, l);
                self.jump(cx, b);
            }
            StmtKind::Label(l) => {
                let b = self.label_block(cx, l);
                self.switch_to(cx, b);
            }
            StmtKind::GotoIndirect(e) => {
                // A switch over the labels whose address is taken; any
                // other value traps (the parser refuses it with VLAs).
                let v = self.expr(cx, e);
                let v = self.convert(cx, v, &e.ty, &Ty::ULong);
                let names = self
                    .cur_def(cx)
                    .map(|d| d.label_addrs.clone())
                    .unwrap_or_default();
                let cases: Vec<(u64, Block)> = names
                    .iter()
                    .enumerate()
                    .map(|(i, l)| (i as u64 + 1, self.label_block(cx, l)))
                    .collect();
                let bad = self.new_block(cx, "goto.bad.");
                self.emit(
                    cx,
                    InstKind::Switch {
                        ty: Type::I64,
                        val: v,
                        default: bad,
                        cases,
                    },
                );
                self.switch_to(cx, bad);
                self.emit(cx, InstKind::Unreachable);
            }
            StmtKind::Return(e) => {
                let val = match e {
                    None => cx.f.ret.map(|t| (t, Operand::Const(0))),
                    Some(e) => {
                        let v = self.expr_hinted(cx, e, &cx.ret.clone());
                        cx.line = s.loc.line;
                        if let Some(sret) = cx.sret {
                            let n = self.size(&e.ty);
                            self.copy_mem(cx, Operand::Local(sret), v, n);
                            None
                        } else {
                            cx.f.ret.map(|t| (t, v))
                        }
                    }
                };
                // After the value: freeing changes no local.
                self.vla_free_from(cx, 0);
                self.alloca_free(cx);
                self.run_atexit(cx);
                self.emit(cx, InstKind::Return { val });
            }
        }
    }

    /// At `main`'s entry, when its file includes `err.h` (which defines
    /// `PROGNAME`): `argv[0]` (from the local `argv`) stored there, for
    /// the program's name in `err`'s and `warn`'s messages.
    fn keep_progname(&mut self, cx: &mut FnCx, argv: Local) {
        let Some(i) = self
            .prog
            .globals
            .iter()
            .find_map(|(i, g)| (g.name == PROGNAME && !g.is_static && g.defined).then_some(i))
        else {
            return;
        };
        let g = self.global(i);
        let name = self.tmp(cx, Type::Ptr);
        self.emit(
            cx,
            InstKind::Load {
                ty: Type::Ptr,
                dst: name,
                addr: Operand::Local(argv),
            },
        );
        let at = self.global_addr(cx, g);
        self.emit(
            cx,
            InstKind::Store {
                ty: Type::Ptr,
                addr: at,
                val: Operand::Local(name),
            },
        );
    }

    /// Before `main` returns: a call to the `atexit` handlers' runner
    /// (`__pivm_atexit_run`, stdlib.h), when the program has it, so
    /// returning from main runs them as `exit` does.
    fn run_atexit(&mut self, cx: &mut FnCx) {
        if !cx.is_main {
            return;
        }
        let runner = self.prog.funcs.iter().find_map(|(i, f)| {
            (f.name == "__pivm_atexit_run" && f.def.is_some())
                .then_some(self.funcs[i])
                .flatten()
        });
        if let Some(fid) = runner {
            self.emit(
                cx,
                InstKind::Call {
                    dst: None,
                    callee: Callee::Func(fid),
                    args: Vec::new(),
                    alloc_type: None,
                },
            );
        }
    }

    fn label_block(&mut self, cx: &mut FnCx, l: &str) -> Block {
        if let Some(b) = cx.labels.get(l) {
            return *b;
        }
        let b = self.new_block(cx, &format!("L.{l}."));
        cx.labels.insert(l.to_string(), b);
        b
    }

    fn decl(&mut self, cx: &mut FnCx, var: LocalId, init: &[InitElem], zero: bool, loc: Loc) {
        let Some(st) = cx.vars.get(var).copied().flatten() else {
            return;
        };
        let Some(fdef) = self.cur_def(cx) else { return };
        let ty = fdef.locals[var].ty.clone();
        match st {
            Storage::Reg(l) => {
                if let Some(el) = init.first() {
                    let v = self.expr_hinted(cx, &el.expr, &ty);
                    cx.line = loc.line;
                    self.store(cx, LVal::Reg(l), &ty, v);
                } else {
                    // No initializer: the value is indeterminate each time
                    // the declaration is reached (C11 6.2.4), so it may be
                    // 0. Defining it here ends its liveness at the
                    // declaration: a variable set on some paths only (Lua's
                    // `lua_Number n1; if (tonumberns(v1, n1) && ...)`) is
                    // otherwise live from the function's entry through
                    // every loop, kept in every frame and carried around
                    // every back edge by the JIT.
                    cx.line = loc.line;
                    self.store(cx, LVal::Reg(l), &ty, Operand::Const(0));
                }
            }
            Storage::Vla(l) => self.vla_alloc(cx, var, l, &ty),
            Storage::Mem(s) => {
                if init.is_empty() {
                    return;
                }
                let a = self.slot_addr(cx, s);
                self.init_object(cx, a, &ty, init, zero);
            }
        }
    }

    fn cur_def(&self, cx: &FnCx) -> Option<&'a FuncDef> {
        self.prog.funcs[cx.id].def.as_ref()
    }

    fn init_object(&mut self, cx: &mut FnCx, a: Operand, ty: &Ty, init: &[InitElem], zero: bool) {
        if zero {
            let n = self.size(ty);
            self.zero_mem(cx, a, n);
        }
        for el in init {
            let dst = self.add_offset(cx, a, el.offset);
            if let (Some(n), ExprKind::Str(s)) = (el.str_len, &el.expr.kind) {
                let len = self.prog.strings[*s].len() as u64;
                let g = self.string_global(*s, &el.expr.ty);
                let src = self.global_addr(cx, g);
                self.copy_mem(cx, dst, src, n.min(len));
                continue;
            }
            let v = self.expr_hinted(cx, &el.expr, &el.expr.ty.clone());
            let lv = match el.bits {
                Some(b) => LVal::Bits(dst, el.expr.ty.ir(), b),
                None => LVal::Mem(dst),
            };
            self.store(cx, lv, &el.expr.ty, v);
        }
    }

    // ---- expressions ----

    fn cond_br(&mut self, cx: &mut FnCx, e: &Expr, t: Block, f: Block) {
        match &e.kind {
            ExprKind::LogAnd(a, b) => {
                let mid = self.new_block(cx, "and");
                self.cond_br(cx, a, mid, f);
                self.switch_to(cx, mid);
                self.cond_br(cx, b, t, f);
            }
            ExprKind::LogOr(a, b) => {
                let mid = self.new_block(cx, "or");
                self.cond_br(cx, a, t, mid);
                self.switch_to(cx, mid);
                self.cond_br(cx, b, t, f);
            }
            ExprKind::Unary(UnOp::LogNot, a) => self.cond_br(cx, a, f, t),
            _ => {
                let v = self.expr(cx, e);
                let (ty, v) = if e.ty.is_float() {
                    (Type::I32, self.truth(cx, v, &e.ty))
                } else {
                    (e.ty.ir(), v)
                };
                self.emit(
                    cx,
                    InstKind::Branch {
                        ty,
                        cond: v,
                        then_dest: t,
                        else_dest: f,
                    },
                );
            }
        }
    }

    /// Lowers `e` for its effects only (`i++` needs no copy of `i`).
    fn expr_discard(&mut self, cx: &mut FnCx, e: &Expr) {
        match &e.kind {
            ExprKind::IncDec {
                inc,
                post: true,
                e: x,
            } => {
                let pre = Expr {
                    kind: ExprKind::IncDec {
                        inc: *inc,
                        post: false,
                        e: x.clone(),
                    },
                    ty: e.ty.clone(),
                    loc: e.loc,
                };
                self.expr(cx, &pre);
            }
            ExprKind::Comma(a, b) => {
                self.expr_discard(cx, a);
                self.expr_discard(cx, b);
            }
            ExprKind::Cast(x) if e.ty.is_void() => self.expr_discard(cx, x),
            _ => {
                self.expr(cx, e);
            }
        }
    }

    /// Lowers `e`, whose value goes to an object of type `target`: a call
    /// to an allocator learns the type it allocates.
    fn expr_hinted(&mut self, cx: &mut FnCx, e: &Expr, target: &Ty) -> Operand {
        let mut inner = e;
        while let ExprKind::Cast(x) = &inner.kind {
            if !x.ty.is_ptr() || !inner.ty.is_ptr() {
                break;
            }
            inner = x;
        }
        if let (ExprKind::Call(callee, args), Ty::Ptr(pointee)) = (&inner.kind, target) {
            if let Some(b) = self.direct_builtin(callee) {
                if b.is_alloc()
                    && !pointee.is_void()
                    && pointee.size(self.structs()).is_some_and(|s| s > 0)
                {
                    let mt = self.mem_type(pointee);
                    return self.call(cx, inner, callee, args, Some(mt));
                }
            }
        }
        self.expr(cx, e)
    }

    /// The runtime function a call's callee names directly, if any.
    fn direct_builtin(&self, callee: &Expr) -> Option<Builtin> {
        if let ExprKind::Addr(f) = &callee.kind {
            if let ExprKind::Func(id) = f.kind {
                let func = &self.prog.funcs[id];
                if func.def.is_none() {
                    return Builtin::from_name(&func.name);
                }
            }
        }
        None
    }

    fn lval(&mut self, cx: &mut FnCx, e: &Expr) -> LVal {
        match &e.kind {
            ExprKind::Local(id) => match cx.vars.get(*id).copied().flatten() {
                Some(Storage::Reg(l)) => LVal::Reg(l),
                Some(Storage::Mem(s)) => LVal::Mem(self.slot_addr(cx, s)),
                Some(Storage::Vla(l)) => LVal::Mem(Operand::Local(l)),
                None => LVal::Mem(Operand::Const(0)),
            },
            ExprKind::Global(g) => match self.global_id(*g, e.loc) {
                Some(id) => LVal::Mem(self.global_addr(cx, id)),
                None => LVal::Mem(Operand::Const(0)),
            },
            ExprKind::Str(s) => {
                let g = self.string_global(*s, &e.ty);
                LVal::Mem(self.global_addr(cx, g))
            }
            ExprKind::Deref(p) => LVal::Mem(self.expr(cx, p)),
            ExprKind::Member(b, off) => {
                let base = self.lval_addr(cx, b);
                LVal::Mem(self.add_offset(cx, base, *off))
            }
            ExprKind::BitMember {
                base,
                offset,
                unit,
                bits,
            } => {
                let a = self.lval_addr(cx, base);
                LVal::Bits(self.add_offset(cx, a, *offset), unit.ir(), *bits)
            }
            ExprKind::Object(v, init) => {
                let a = match **v {
                    VarRef::Local(id) => match cx.vars.get(id).copied().flatten() {
                        Some(Storage::Mem(s)) => self.slot_addr(cx, s),
                        _ => Operand::Const(0),
                    },
                    VarRef::Global(g) => match self.global_id(g, e.loc) {
                        Some(id) => self.global_addr(cx, id),
                        None => Operand::Const(0),
                    },
                };
                self.init_object(cx, a, &e.ty, init, true);
                LVal::Mem(a)
            }
            _ => {
                // An rvalue of struct type (a call, an assignment, ?:):
                // its value is its address.
                let v = self.expr(cx, e);
                LVal::Mem(v)
            }
        }
    }

    fn expr(&mut self, cx: &mut FnCx, e: &Expr) -> Operand {
        if e.loc.line != 0 {
            cx.line = e.loc.line;
        }
        match &e.kind {
            ExprKind::Int(v) => Operand::Const(*v & e.ty.ir().mask()),
            ExprKind::Float(f) => Operand::Const(if e.ty == Ty::Float {
                (*f as f32).to_bits() as u64
            } else {
                f.to_bits()
            }),
            ExprKind::Local(_)
            | ExprKind::Global(_)
            | ExprKind::Str(_)
            | ExprKind::Deref(_)
            | ExprKind::Member(..)
            | ExprKind::BitMember { .. }
            | ExprKind::Object(..) => {
                if e.ty.is_func() {
                    return Operand::Const(0);
                }
                let lv = self.lval(cx, e);
                self.load(cx, lv, &e.ty)
            }
            ExprKind::Func(_) => Operand::Const(0),
            ExprKind::VlaSize(t) => self.dyn_size(cx, t),
            ExprKind::LabelAddr(_, n) => Operand::Const(*n),
            ExprKind::StmtExpr(stmts, value) => {
                for s in stmts {
                    self.stmt(cx, s);
                }
                match value {
                    Some(v) => self.expr(cx, v),
                    None => Operand::Const(0),
                }
            }
            ExprKind::Addr(x) => {
                if let ExprKind::Func(f) = x.kind {
                    return match self.funcs[f] {
                        Some(id) => {
                            let d = self.tmp(cx, Type::Ptr);
                            self.emit(
                                cx,
                                InstKind::Addr {
                                    dst: d,
                                    of: AddrOf::Func(id),
                                },
                            );
                            Operand::Local(d)
                        }
                        None => {
                            let name = self.prog.funcs[f].name.clone();
                            self.err(x.loc, format!("cannot take the address of '{name}': it is not defined in this program (runtime functions have no address)"));
                            Operand::Const(0)
                        }
                    };
                }
                if let ExprKind::Deref(p) = &x.kind {
                    return self.expr(cx, p);
                }
                match self.lval(cx, x) {
                    LVal::Mem(a) => a,
                    LVal::Reg(l) => {
                        self.err(x.loc, "internal error: address of a register variable");
                        Operand::Local(l)
                    }
                    LVal::Bits(..) => {
                        self.err(x.loc, "internal error: address of a bit-field");
                        Operand::Const(0)
                    }
                }
            }
            ExprKind::Cast(x) => {
                let v = if e.ty.is_ptr() {
                    self.expr_hinted(cx, x, &e.ty)
                } else {
                    self.expr(cx, x)
                };
                self.convert(cx, v, &x.ty, &e.ty)
            }
            ExprKind::Unary(op, x) => {
                let v = self.expr(cx, x);
                let t = x.ty.ir();
                let o = unop_opcode(*op, &x.ty);
                match op {
                    UnOp::LogNot => self.bin(cx, o, t, v, Operand::Const(0)),
                    UnOp::Neg | UnOp::BitNot => self.un(cx, o, t, v),
                }
            }
            ExprKind::Binary(op, a, b) => {
                let x = self.expr(cx, a);
                let y = self.expr(cx, b);
                cx.line = e.loc.line;
                self.binary(cx, *op, &a.ty, x, y)
            }
            ExprKind::LogAnd(..) | ExprKind::LogOr(..) => {
                let r = self.tmp(cx, Type::I32);
                let t = self.new_block(cx, "true");
                let f = self.new_block(cx, "false");
                let end = self.new_block(cx, "endlog");
                self.cond_br(cx, e, t, f);
                self.switch_to(cx, t);
                self.copy(cx, r, Type::I32, Operand::Const(1));
                self.jump(cx, end);
                self.switch_to(cx, f);
                self.copy(cx, r, Type::I32, Operand::Const(0));
                self.switch_to(cx, end);
                Operand::Local(r)
            }
            ExprKind::Assign(l, r) => {
                if l.ty.is_struct() {
                    let src = self.expr(cx, r);
                    let dst = self.lval(cx, l);
                    self.store(cx, dst, &l.ty, src);
                    return match dst {
                        LVal::Mem(a) | LVal::Bits(a, ..) => a,
                        LVal::Reg(x) => Operand::Local(x),
                    };
                }
                let v = self.expr_hinted(cx, r, &l.ty);
                let dst = self.lval(cx, l);
                cx.line = e.loc.line;
                self.store(cx, dst, &l.ty, v);
                self.stored_value(cx, dst, &l.ty, v)
            }
            ExprKind::OpAssign {
                op,
                lhs,
                rhs,
                op_ty,
            } => {
                let dst = self.lval(cx, lhs);
                let old = self.load(cx, dst, &lhs.ty);
                let r = self.expr(cx, rhs);
                cx.line = e.loc.line;
                let v = if lhs.ty.is_ptr() {
                    self.binary(cx, *op, &lhs.ty, old, r)
                } else {
                    let o = self.convert(cx, old, &lhs.ty, op_ty);
                    let v = self.binary(cx, *op, op_ty, o, r);
                    self.convert(cx, v, op_ty, &lhs.ty)
                };
                let v = self.stable(cx, v, &lhs.ty);
                self.store(cx, dst, &lhs.ty, v);
                self.stored_value(cx, dst, &lhs.ty, v)
            }
            ExprKind::IncDec { inc, post, e: x } => {
                let dst = self.lval(cx, x);
                let old = self.load(cx, dst, &x.ty);
                let old = if *post {
                    self.stable(cx, old, &x.ty)
                } else {
                    old
                };
                let new = if x.ty.is_ptr() {
                    let op = if *inc { BinOp::Add } else { BinOp::Sub };
                    self.binary(cx, op, &x.ty, old, Operand::Const(1))
                } else {
                    let pt = if x.ty == Ty::Bool {
                        Ty::Int
                    } else {
                        x.ty.promote()
                    };
                    let o = self.convert(cx, old, &x.ty, &pt);
                    let one = if pt == Ty::Float {
                        Operand::Const(1f32.to_bits() as u64)
                    } else if pt == Ty::Double {
                        Operand::Const(1f64.to_bits())
                    } else {
                        Operand::Const(1)
                    };
                    let op = if *inc { BinOp::Add } else { BinOp::Sub };
                    let v = self.binary(cx, op, &pt, o, one);
                    self.convert(cx, v, &pt, &x.ty)
                };
                let new = self.stable(cx, new, &x.ty);
                self.store(cx, dst, &x.ty, new);
                if *post {
                    old
                } else {
                    self.stored_value(cx, dst, &x.ty, new)
                }
            }
            ExprKind::Cond(c, a, b) => {
                let t = self.new_block(cx, "cthen");
                let f = self.new_block(cx, "celse");
                let end = self.new_block(cx, "cend");
                let res = if e.ty.is_void() {
                    None
                } else {
                    Some(self.tmp(cx, e.ty.ir()))
                };
                self.cond_br(cx, c, t, f);
                self.switch_to(cx, t);
                let v = self.expr(cx, a);
                if let Some(r) = res {
                    self.copy(cx, r, e.ty.ir(), v);
                }
                self.jump(cx, end);
                self.switch_to(cx, f);
                let v = self.expr(cx, b);
                if let Some(r) = res {
                    self.copy(cx, r, e.ty.ir(), v);
                }
                self.switch_to(cx, end);
                res.map_or(Operand::Const(0), Operand::Local)
            }
            ExprKind::Comma(a, b) => {
                self.expr(cx, a);
                self.expr(cx, b)
            }
            ExprKind::Call(callee, args) => self.call(cx, e, callee, args, None),
        }
    }

    fn copy(&mut self, cx: &mut FnCx, dst: Local, ty: Type, v: Operand) {
        self.emit(
            cx,
            InstKind::Unary {
                op: Opcode::Copy,
                ty,
                dst,
                a: v,
            },
        );
    }

    /// A copy of `v` that later stores cannot change (for a value read
    /// from a variable before the variable is updated).
    fn snapshot(&mut self, cx: &mut FnCx, v: Operand, ty: &Ty) -> Operand {
        match v {
            Operand::Local(_) if ty.is_scalar() => {
                let t = self.tmp(cx, ty.ir());
                self.copy(cx, t, ty.ir(), v);
                Operand::Local(t)
            }
            _ => v,
        }
    }

    /// `v` itself unless it is a named variable (whose value could change
    /// before the result is used).
    fn stable(&mut self, cx: &mut FnCx, v: Operand, ty: &Ty) -> Operand {
        match v {
            Operand::Local(l) if cx.f.locals[l].name.parse::<u64>().is_err() => {
                self.snapshot(cx, v, ty)
            }
            _ => v,
        }
    }

    fn binary(&mut self, cx: &mut FnCx, op: BinOp, ty: &Ty, a: Operand, b: Operand) -> Operand {
        let t = ty.ir();
        if ty.is_ptr() && matches!(op, BinOp::Add | BinOp::Sub) {
            let es = self.elem_size(cx, ty);
            let n = if es == Operand::Const(1) {
                b
            } else {
                self.bin(cx, Opcode::Mul, Type::I64, b, es)
            };
            let o = if op == BinOp::Add {
                Opcode::Add
            } else {
                Opcode::Sub
            };
            return self.bin(cx, o, Type::Ptr, a, n);
        }
        if op == BinOp::PtrDiff {
            let es = self.elem_size(cx, ty);
            let d = self.bin(cx, Opcode::Sub, Type::I64, a, b);
            if es == Operand::Const(1) {
                return d;
            }
            return self.bin(cx, Opcode::SDiv, Type::I64, d, es);
        }
        let o = binop_opcode(op, ty);
        // Division by a constant zero must trap at run time, not fold.
        if matches!(o, Opcode::SDiv | Opcode::UDiv | Opcode::SRem | Opcode::URem)
            && b == Operand::Const(0)
        {
            let d = self.tmp(cx, t);
            self.emit(
                cx,
                InstKind::Binary {
                    op: o,
                    ty: t,
                    dst: d,
                    a,
                    b,
                },
            );
            return Operand::Local(d);
        }
        self.bin(cx, o, t, a, b)
    }

    /// A call to a variadic function of the program (pivm-cc's
    /// convention): its variadic arguments `var` (promoted, the last of
    /// `ir_args`) go in 8-byte cells of a slot of the caller, in order (a
    /// struct in as many cells as it fills), and the slot's address is
    /// the last argument, the callee's `__va_area`. A `va_list` points
    /// into it: VM memory, the same on every host and in snapshots.
    fn va_area(&mut self, cx: &mut FnCx, var: &[Expr], ir_args: &mut Vec<(Type, Operand)>) {
        let vals = ir_args.split_off(ir_args.len() - var.len().min(ir_args.len()));
        let cells = |l: &Self, t: &Ty| l.size(t).div_ceil(8).max(1);
        let n: u64 = var.iter().map(|a| cells(self, &a.ty)).sum();
        let slot = self.tmp_slot(
            cx,
            MemType::Array(Box::new(MemType::Scalar(Type::I64)), n.max(1)),
        );
        let base = self.slot_addr(cx, slot);
        let mut off = 0;
        for (a, (_, v)) in var.iter().zip(vals) {
            let at = self.add_offset(cx, base, off);
            if a.ty.is_struct() {
                let size = self.size(&a.ty);
                self.copy_mem(cx, at, v, size);
            } else if a.ty.is_integer() {
                let w = self.convert(cx, v, &a.ty, &Ty::Long);
                self.store(cx, LVal::Mem(at), &Ty::Long, w);
            } else {
                self.store(cx, LVal::Mem(at), &a.ty, v);
            }
            off += 8 * cells(self, &a.ty);
        }
        ir_args.push((Type::Ptr, base));
    }

    fn call(
        &mut self,
        cx: &mut FnCx,
        e: &Expr,
        callee: &Expr,
        args: &[Expr],
        alloc_type: Option<MemType>,
    ) -> Operand {
        let fty = callee.ty.func().cloned();
        let ret_ty = e.ty.clone();
        if let (ExprKind::Addr(f), [n]) = (&callee.kind, args) {
            if let ExprKind::Func(id) = f.kind {
                if self.prog.funcs[id].is_alloca() {
                    return self.alloca(cx, n);
                }
            }
        }
        // Which function?
        let mut target: Option<Callee> = None;
        let mut builtin_sig = None;
        let mut direct = None;
        if let ExprKind::Addr(f) = &callee.kind {
            if let ExprKind::Func(id) = f.kind {
                let func = &self.prog.funcs[id];
                match self.funcs[id] {
                    Some(fid) => {
                        target = Some(Callee::Func(fid));
                        direct = Some(id);
                    }
                    None => match Builtin::from_name(&func.name) {
                        Some(b) if func.def.is_none() => {
                            builtin_sig = Some(b.sig());
                            target = Some(Callee::Builtin(self.builtin(b)));
                        }
                        _ => {
                            let name = func.name.clone();
                            let mut d = Diag::new(e.loc, format!("undefined function '{name}': it is declared but defined in no file of the program, and pivm's runtime has no function of that name"))
                                .note(func.loc, format!("'{name}' is declared here"));
                            let hidden = self
                                .prog
                                .funcs
                                .values()
                                .find(|g| g.name == name && g.is_static && g.def.is_some());
                            if let Some(at) = hidden.and_then(|g| g.def_loc) {
                                d = d.note(at, format!("a static '{name}' is defined here, visible in its own file only"));
                            }
                            self.errors.push(d);
                            return Operand::Const(0);
                        }
                    },
                }
            }
        }
        let mut ir_args = Vec::new();
        let sret_slot = if ret_ty.is_struct() {
            let mt = self.mem_type(&ret_ty);
            let s = self.tmp_slot(cx, mt);
            let a = self.slot_addr(cx, s);
            ir_args.push((Type::Ptr, a));
            Some(a)
        } else {
            None
        };
        let callee_op = if target.is_none() {
            Some(self.expr(cx, callee))
        } else {
            None
        };
        // Arguments are evaluated right to left, as gcc does on x86_64, so
        // programs that (unwisely) depend on the order print the same.
        let mut vals = Vec::with_capacity(args.len());
        for a in args.iter().rev() {
            let v = self.expr(cx, a);
            let t = if a.ty.is_struct() {
                Type::Ptr
            } else {
                a.ty.ir()
            };
            vals.push((t, v));
        }
        ir_args.extend(vals.into_iter().rev());
        if builtin_sig.is_none() {
            if let Some(f) = fty.as_ref().filter(|f| f.variadic && f.proto) {
                let fixed = f.params.len();
                self.va_area(cx, &args[fixed.min(args.len())..], &mut ir_args);
            }
        }
        cx.line = e.loc.line;
        if let Some(id) = direct {
            let def = &self.prog.funcs[id];
            {
                if let Some(d) = &def.def {
                    let mut want: Vec<Type> = Vec::new();
                    if def.ty.ret.is_struct() {
                        want.push(Type::Ptr);
                    }
                    for &p in &d.params {
                        let t = &d.locals[p].ty;
                        want.push(if t.is_struct() { Type::Ptr } else { t.ir() });
                    }
                    let same = want.len() == ir_args.len()
                        && want
                            .iter()
                            .zip(&ir_args)
                            .all(|(w, (t, _))| w.compatible(*t));
                    if !same {
                        let name = def.name.clone();
                        self.err(e.loc, format!("this call to '{name}' does not match its definition (declare '{name}' with a prototype)"));
                        return Operand::Const(0);
                    }
                }
            }
        }
        if let Some(b) = builtin_sig {
            let ok_params = b.params.len() <= ir_args.len()
                && b.params
                    .iter()
                    .zip(&ir_args)
                    .all(|(p, (t, _))| p.compatible(*t));
            let ok_ret = match (b.ret, ret_ty.is_void()) {
                (None, false) => false,
                (Some(r), false) => r.compatible(ret_ty.ir()),
                _ => true,
            };
            if !ok_params || !ok_ret || (!b.variadic && b.params.len() != ir_args.len()) {
                self.err(e.loc, format!("the declaration of '{}' does not match pivm's runtime function (include the standard header instead of declaring it)", b.name));
                return Operand::Const(0);
            }
        }
        let _ = fty;
        let dst = if ret_ty.is_void() || ret_ty.is_struct() {
            None
        } else {
            Some(self.tmp(cx, ret_ty.ir()))
        };
        let callee = match target {
            Some(c) => c,
            None => Callee::Indirect(callee_op.unwrap_or(Operand::Const(0))),
        };
        self.emit(
            cx,
            InstKind::Call {
                dst,
                callee,
                args: ir_args,
                alloc_type,
            },
        );
        if let Some(a) = sret_slot {
            return a;
        }
        dst.map_or(Operand::Const(0), Operand::Local)
    }
}

/// Drops unreachable blocks and ends any block still open with
/// `unreachable`.
fn finish_blocks(f: &mut pivm_ir::Function, order: &[Block]) {
    for b in f.blocks.values_mut() {
        if !b.insts.last().is_some_and(|i| i.kind.is_terminator()) {
            let line = b.insts.last().map_or(0, |i| i.line);
            b.insts.push(Inst::new(InstKind::Unreachable, line));
        }
    }
    let n = f.blocks.len();
    let mut reach = vec![false; n];
    let mut work = vec![0usize];
    while let Some(b) = work.pop() {
        if b >= n || reach[b] {
            continue;
        }
        reach[b] = true;
        if let Some(last) = f.blocks[Block(b as u32)].insts.last() {
            for s in last.kind.successors() {
                work.push(s.index());
            }
        }
    }
    // Layout: entry first, then placement order, then anything else.
    let mut layout: Vec<usize> = Vec::new();
    let mut placed = vec![false; n];
    for b in std::iter::once(0)
        .chain(order.iter().map(|b| b.index()))
        .chain(0..n)
    {
        if b < n && reach[b] && !placed[b] {
            placed[b] = true;
            layout.push(b);
        }
    }
    let mut map = vec![None; n];
    for (k, &i) in layout.iter().enumerate() {
        map[i] = Some(Block(k as u32));
    }
    let old = std::mem::take(&mut f.blocks);
    let mut blocks: Vec<BlockData> = Vec::new();
    for &i in &layout {
        let mut b = old.as_slice()[i].clone();
        if let Some(last) = b.insts.last_mut() {
            let m = |x: &mut Block| {
                if let Some(y) = map[x.index()] {
                    *x = y;
                }
            };
            match &mut last.kind {
                InstKind::Jump { target } => m(target),
                InstKind::Branch {
                    then_dest,
                    else_dest,
                    ..
                } => {
                    m(then_dest);
                    m(else_dest);
                }
                InstKind::Switch { default, cases, .. } => {
                    m(default);
                    for c in cases {
                        m(&mut c.1);
                    }
                }
                _ => {}
            }
        }
        blocks.push(b);
    }
    f.blocks = EntityVec::from(blocks);
    let _ = is_struct_copy;
}
