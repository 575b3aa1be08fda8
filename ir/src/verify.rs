//! The verifier. Every engine runs only modules it accepts; the frontend's
//! output always passes it. It collects every error, each with its
//! location, instead of stopping at the first.
//!
//! Rules checked:
//! - every named type has a layout (no struct contains itself by value,
//!   no size overflows); a module has at most 4095 functions (function
//!   pointers live in the null page);
//! - every builtin declaration names a builtin of the catalog
//!   (`builtins::Builtin`) with the catalog's signature;
//! - a global's initializer fits in its type, and every global has a layout;
//! - local names are unique in a function; every slot type has a layout;
//! - a function has at least one block; every block ends with exactly one
//!   terminator, and has no terminator before its end;
//! - every local, slot, block, function and builtin an instruction names
//!   exists; constants fit their type;
//! - operand and destination types match the instruction (`ptr` and `i64`
//!   are interchangeable); opcodes accept their types; conversions go
//!   between valid types;
//! - calls pass as many arguments as the callee takes (at least as many for
//!   a variadic builtin), of the callee's types, and write the result only
//!   to a local of the callee's return type;
//! - `ret` matches the function's return type; switch cases are distinct.

use crate::builtins;
use crate::entities::EntityRef;
use crate::error::{VerifyError, VerifyErrors};
use crate::module::{
    AddrOf, Callee, Function, InitItem, InstKind, Module, Operand, SymbolRef, MAX_GLOBAL_ALIGN,
};
use crate::opcodes::OpClass;
use crate::types::{MemType, Type, TypeLayouts};
use std::collections::HashSet;

/// Maximum number of functions of a module.
pub const MAX_FUNCS: usize = 4095;

/// Maximum blocks times locals of one function. Liveness keeps a set of
/// locals per block, and the JIT's SSA construction a table over the
/// blocks per local, so a function costs memory and time in this product
/// (about 4 bytes of JIT memory each: 2^28 is about 1 GiB). Generous for
/// real code (a function of 10,000 blocks and 25,000 locals fits); a
/// generated or hostile function past it is refused instead of exhausting
/// the host.
pub const MAX_FUNC_WEIGHT: u64 = 1 << 28;

/// Checks `module`; returns every error found.
pub fn verify(module: &Module) -> Result<(), VerifyErrors> {
    let mut v = Verifier {
        m: module,
        layouts: TypeLayouts::new(&module.types),
        errors: Vec::new(),
    };
    v.module();
    if v.errors.is_empty() {
        Ok(())
    } else {
        Err(VerifyErrors(v.errors))
    }
}

struct Verifier<'a> {
    m: &'a Module,
    layouts: TypeLayouts,
    errors: Vec<VerifyError>,
}

/// Where in a function an instruction is, made into text only for an
/// error (formatting every instruction's text up front, as a string, cost
/// more than the checks: 11% of `benches/unseen/ray.c` run at size 1).
#[derive(Clone, Copy)]
struct At<'a> {
    floc: &'a str,
    f: &'a Function,
    block: &'a str,
    i: usize,
    kind: &'a InstKind,
}

/// An error's location: text, or an instruction (`At`).
trait Location {
    fn text(self, m: &Module) -> String;
}

impl Location for String {
    fn text(self, _: &Module) -> String {
        self
    }
}

impl Location for &str {
    fn text(self, _: &Module) -> String {
        self.to_string()
    }
}

impl Location for At<'_> {
    fn text(self, m: &Module) -> String {
        format!(
            "{}, {}, inst {} ({})",
            self.floc,
            self.block,
            self.i,
            m.inst_text(self.f, self.kind)
        )
    }
}

impl Verifier<'_> {
    fn err(&mut self, location: impl Location, message: impl Into<String>) {
        self.errors.push(VerifyError {
            location: location.text(self.m),
            message: message.into(),
        });
    }

    fn mem_type_ok(&self, t: &MemType) -> bool {
        self.layouts.of(t).is_some()
    }

    fn module(&mut self) {
        let m = self.m;
        for (id, t) in m.types.iter() {
            if self.layouts.named(id).is_none() {
                self.err(
                    format!("type :{}", t.name),
                    "type has no size: it contains itself by value, nests too deeply, or is too large",
                );
            }
        }
        if m.funcs.len() > MAX_FUNCS {
            self.err(
                "module",
                format!(
                    "{} functions; at most {MAX_FUNCS} are supported",
                    m.funcs.len()
                ),
            );
        }
        for b in m.builtins.values() {
            let loc = format!("declare @{}", b.name);
            match builtins::Builtin::from_name(&b.name) {
                None => self.err(loc, "no such builtin in pivm's runtime"),
                Some(builtin) => {
                    let want = builtin.sig().signature();
                    if want != b.sig {
                        self.err(
                            loc,
                            format!(
                                "signature differs from the runtime's: ({}{}){}",
                                want.params
                                    .iter()
                                    .map(|t| t.name())
                                    .collect::<Vec<_>>()
                                    .join(", "),
                                if want.variadic { ", ..." } else { "" },
                                want.ret.map(|r| format!(" -> {r}")).unwrap_or_default()
                            ),
                        );
                    }
                }
            }
        }
        for g in m.globals.values() {
            let loc = format!("global @{}", g.name);
            if g.align != 0 && !(g.align.is_power_of_two() && g.align <= MAX_GLOBAL_ALIGN) {
                self.err(
                    loc.clone(),
                    format!(
                        "alignment {} is not a power of two up to {MAX_GLOBAL_ALIGN}",
                        g.align
                    ),
                );
            }
            let Some(l) = self.layouts.of(&g.ty) else {
                self.err(loc, "global type has no size");
                continue;
            };
            let mut size = 0u64;
            for item in &g.init {
                size = size.saturating_add(item.size());
                if let InitItem::Scalar(t, v) = item {
                    if v & !t.mask() != 0 {
                        self.err(
                            loc.clone(),
                            format!("initializer value does not fit in {t}"),
                        );
                    }
                }
                if let InitItem::Addr(s, _) = item {
                    let ok = match s {
                        SymbolRef::Global(x) => x.index() < m.globals.len(),
                        SymbolRef::Func(x) => x.index() < m.funcs.len(),
                    };
                    if !ok {
                        self.err(loc.clone(), "initializer points to an undefined symbol");
                    }
                }
            }
            if size > l.size {
                self.err(
                    loc,
                    format!("initializer is {size} bytes, the global only {}", l.size),
                );
            }
        }
        for f in m.funcs.values() {
            self.function(f);
        }
    }

    fn function(&mut self, f: &Function) {
        let floc = format!("function @{}", f.name);
        let mut names = HashSet::new();
        for l in f.locals.values() {
            if !names.insert(&l.name) {
                self.err(floc.clone(), format!("local %{} is declared twice", l.name));
            }
        }
        if f.num_params > f.locals.len() {
            self.err(floc.clone(), "more parameters than locals");
        }
        for s in f.slots.values() {
            if s.align != 0 && !(s.align.is_power_of_two() && s.align <= crate::frame::STACK_ALIGN)
            {
                self.err(
                    floc.clone(),
                    format!(
                        "slot ${}: alignment {} is not a power of two up to {}",
                        s.name,
                        s.align,
                        crate::frame::STACK_ALIGN
                    ),
                );
            }
            if !self.mem_type_ok(&s.ty) {
                self.err(floc.clone(), format!("slot ${} has no size", s.name));
            }
        }
        if f.blocks.is_empty() {
            self.err(floc, "function has no blocks");
            return;
        }
        let weight = f.blocks.len() as u64 * f.locals.len() as u64;
        if weight > MAX_FUNC_WEIGHT {
            self.err(
                floc,
                format!(
                    "function too large: {} blocks times {} locals is {weight}, more than {MAX_FUNC_WEIGHT} \
                     (split it into smaller functions)",
                    f.blocks.len(),
                    f.locals.len()
                ),
            );
            return;
        }
        for (_, b) in f.blocks.iter() {
            if b.insts.is_empty() {
                self.err(
                    format!("{floc}, {}", b.name),
                    "empty block: end it with a terminator (jump, br, switch, ret, unreachable)",
                );
                continue;
            }
            let last = b.insts.len() - 1;
            for (i, inst) in b.insts.iter().enumerate() {
                let loc = At {
                    floc: &floc,
                    f,
                    block: &b.name,
                    i,
                    kind: &inst.kind,
                };
                if i == last && !inst.kind.is_terminator() {
                    self.err(
                        loc,
                        "block does not end with a terminator (jump, br, switch, ret, unreachable)",
                    );
                }
                if i != last && inst.kind.is_terminator() {
                    self.err(loc, "terminator in the middle of a block");
                }
                if inst.origin.is_some_and(|o| self.m.funcs.get(o).is_none()) {
                    self.err(loc, "line's origin is not a function of the module");
                }
                self.inst(f, loc, &inst.kind);
            }
        }
    }

    fn local_type(&mut self, f: &Function, loc: At<'_>, l: crate::Local) -> Option<Type> {
        match f.locals.get(l) {
            Some(d) => Some(d.ty),
            None => {
                self.err(loc, format!("undefined local {l}"));
                None
            }
        }
    }

    fn operand(&mut self, f: &Function, loc: At<'_>, ty: Type, o: &Operand) {
        match o {
            Operand::Local(l) => {
                if let Some(t) = self.local_type(f, loc, *l) {
                    if !t.compatible(ty) {
                        self.err(
                            loc,
                            format!("operand %{} has type {t}, expected {ty}", f.locals[*l].name),
                        );
                    }
                }
            }
            Operand::Const(c) => {
                if c & !ty.mask() != 0 {
                    self.err(loc, format!("constant does not fit in {ty}"));
                }
            }
        }
    }

    fn dst(&mut self, f: &Function, loc: At<'_>, d: crate::Local, ty: Type) {
        if let Some(t) = self.local_type(f, loc, d) {
            if !t.compatible(ty) {
                self.err(
                    loc,
                    format!("result is {ty}, but %{} has type {t}", f.locals[d].name),
                );
            }
        }
    }

    fn block(&mut self, f: &Function, loc: At<'_>, b: crate::Block) {
        if b.index() >= f.blocks.len() {
            self.err(loc, format!("undefined block {b}"));
        }
    }

    fn inst(&mut self, f: &Function, loc: At<'_>, k: &InstKind) {
        for (ty, o) in k.operands() {
            self.operand(f, loc, ty, &o);
        }
        match k {
            InstKind::Unary { op, ty, dst, .. } | InstKind::Binary { op, ty, dst, .. } => {
                let unary = matches!(k, InstKind::Unary { .. });
                let class_ok = matches!(
                    (unary, op.class()),
                    (
                        true,
                        OpClass::IntUnary | OpClass::FloatUnary | OpClass::Copy
                    ) | (
                        false,
                        OpClass::IntBinary
                            | OpClass::IntDivRem
                            | OpClass::FloatBinary
                            | OpClass::IntCompare
                            | OpClass::FloatCompare
                    )
                );
                if !class_ok {
                    self.err(
                        loc,
                        format!("'{}' has the wrong number of operands", op.name()),
                    );
                } else if !op.accepts(*ty) {
                    self.err(loc, format!("'{}' does not operate on {ty}", op.name()));
                }
                self.dst(f, loc, *dst, op.result_type(*ty));
            }
            InstKind::Convert {
                op, from, to, dst, ..
            } => {
                if !op.accepts_conversion(*from, *to) {
                    self.err(
                        loc,
                        format!("'{}' cannot convert {from} to {to}", op.name()),
                    );
                }
                self.dst(f, loc, *dst, *to);
            }
            InstKind::Select { ty, dst, .. } | InstKind::Load { ty, dst, .. } => {
                self.dst(f, loc, *dst, *ty)
            }
            InstKind::Store { .. } | InstKind::Safepoint | InstKind::Unreachable => {}
            InstKind::Addr { dst, of } => {
                let ok = match of {
                    AddrOf::Global(g) => g.index() < self.m.globals.len(),
                    AddrOf::Slot(s) => s.index() < f.slots.len(),
                    AddrOf::Func(x) => x.index() < self.m.funcs.len(),
                };
                if !ok {
                    self.err(loc, "address of an undefined symbol or slot");
                }
                self.dst(f, loc, *dst, Type::Ptr);
            }
            InstKind::Call {
                dst,
                callee,
                args,
                alloc_type,
            } => {
                let sig = match callee {
                    Callee::Func(x) => match self.m.funcs.get(*x) {
                        Some(g) => Some(g.signature()),
                        None => {
                            self.err(loc, format!("call to undefined {x}"));
                            None
                        }
                    },
                    Callee::Builtin(b) => match self.m.builtins.get(*b) {
                        Some(d) => Some(d.sig.clone()),
                        None => {
                            self.err(loc, format!("call to undefined {b}"));
                            None
                        }
                    },
                    Callee::Indirect(_) => None,
                };
                if let Some(sig) = sig {
                    let n = sig.params.len();
                    if args.len() < n || (!sig.variadic && args.len() != n) {
                        self.err(
                            loc,
                            format!(
                                "call passes {} arguments, the callee takes {}{n}",
                                args.len(),
                                if sig.variadic { "at least " } else { "" }
                            ),
                        );
                    }
                    for (i, ((t, _), p)) in args.iter().zip(&sig.params).enumerate() {
                        if !t.compatible(*p) {
                            self.err(
                                loc,
                                format!("argument {} is {t}, the callee takes {p}", i + 1),
                            );
                        }
                    }
                    if let Some(d) = dst {
                        match sig.ret {
                            Some(r) => self.dst(f, loc, *d, r),
                            None => self.err(loc, "the callee returns no value"),
                        }
                    }
                }
                if let Some(t) = alloc_type {
                    if !self.mem_type_ok(t) {
                        self.err(loc, "allocation type has no size");
                    }
                }
            }
            InstKind::Jump { target } => self.block(f, loc, *target),
            InstKind::Branch {
                ty,
                then_dest,
                else_dest,
                ..
            } => {
                if !ty.is_int() {
                    self.err(
                        loc,
                        format!("branch condition must be an integer, not {ty}"),
                    );
                }
                self.block(f, loc, *then_dest);
                self.block(f, loc, *else_dest);
            }
            InstKind::Switch {
                ty, default, cases, ..
            } => {
                if !ty.is_int() {
                    self.err(loc, format!("switch value must be an integer, not {ty}"));
                }
                self.block(f, loc, *default);
                let mut seen = HashSet::new();
                for (k, b) in cases {
                    if k & !ty.mask() != 0 {
                        self.err(loc, format!("case value does not fit in {ty}"));
                    }
                    if !seen.insert(*k) {
                        self.err(loc, "duplicate case value");
                    }
                    self.block(f, loc, *b);
                }
            }
            InstKind::Return { val } => match (val, f.ret) {
                (None, None) => {}
                (Some((t, _)), Some(r)) if t.compatible(r) => {}
                (Some((t, _)), Some(r)) => {
                    self.err(loc, format!("returns {t}, the function returns {r}"))
                }
                (Some(_), None) => self.err(loc, "returns a value from a void function"),
                (None, Some(r)) => {
                    self.err(loc, format!("returns nothing, the function returns {r}"))
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A function of `blocks` blocks (each jumping to the next) and
    /// `locals` locals.
    fn function(blocks: usize, locals: usize) -> String {
        let mut t = String::from("func @main() -> i32 {\n");
        for i in 0..locals {
            t += &format!("    local %l{i}: i32\n");
        }
        for b in 0..blocks {
            t += &format!("b{b}:\n");
            if b + 1 < blocks {
                t += &format!("    jump b{}\n", b + 1);
            } else {
                t += "    ret.i32 0\n";
            }
        }
        t + "}\n"
    }

    #[test]
    fn functions_past_the_weight_bound_are_refused() {
        let big = crate::parse(&function(16_385, 16_385), "big.pir").unwrap();
        let e = verify(&big).unwrap_err().to_string();
        assert!(
            e.contains("function too large: 16385 blocks times 16385 locals"),
            "{e}"
        );
        let fits = crate::parse(&function(16_384, 16_384), "fits.pir").unwrap();
        assert!(verify(&fits).is_ok());
    }
}
