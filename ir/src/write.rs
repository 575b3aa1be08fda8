//! The `.pir` printer: `Display` for `Module`. `parse::parse` reads exactly
//! what this writes, and `print(parse(text))` is the canonical text.

use crate::entities::EntityVec;
use crate::module::{
    AddrOf, Callee, Function, Global, InitItem, Inst, InstKind, Module, Operand, SymbolRef,
};
use crate::opcodes::sext;
use crate::types::{AggKind, MemType, Type, TypeDef};
use crate::TypeId;
use std::fmt::{self, Write};

/// Writes a constant of type `ty`: integers in signed decimal, `ptr` in
/// unsigned decimal, finite floats in the shortest decimal that reads back
/// to the same bits, other floats (NaN, infinities) as `0x` bits.
pub fn fmt_const(ty: Type, bits: u64) -> String {
    match ty {
        Type::Ptr => format!("{bits}"),
        Type::F32 => {
            let x = f32::from_bits(bits as u32);
            if x.is_finite() {
                format!("{x:?}")
            } else {
                format!("0x{:08x}", bits as u32)
            }
        }
        Type::F64 => {
            let x = f64::from_bits(bits);
            if x.is_finite() {
                format!("{x:?}")
            } else {
                format!("0x{bits:016x}")
            }
        }
        _ => format!("{}", sext(ty, bits)),
    }
}

/// Escapes bytes for a `"..."` literal: printable ASCII stays, `"`, `\`
/// and everything else become `\xx` (two hex digits).
pub fn escape_bytes(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len());
    for &b in bytes {
        if (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\' {
            s.push(b as char);
        } else {
            let _ = write!(s, "\\{b:02x}");
        }
    }
    s
}

/// Displays a memory type (`i32`, `:node`, `[4 x f64]`).
pub struct MemTypeDisplay<'a> {
    pub ty: &'a MemType,
    pub types: &'a EntityVec<TypeId, TypeDef>,
}

impl fmt::Display for MemTypeDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.ty {
            MemType::Scalar(t) => write!(f, "{t}"),
            MemType::Named(id) => match self.types.get(*id) {
                Some(def) => write!(f, ":{}", def.name),
                None => write!(f, ":?{}", id.0),
            },
            MemType::Array(elem, n) => write!(
                f,
                "[{n} x {}]",
                MemTypeDisplay {
                    ty: elem,
                    types: self.types
                }
            ),
        }
    }
}

impl Module {
    pub fn mem_type(&self, ty: &MemType) -> String {
        MemTypeDisplay {
            ty,
            types: &self.types,
        }
        .to_string()
    }

    fn symbol_name(&self, s: SymbolRef) -> &str {
        match s {
            SymbolRef::Global(g) => &self.globals[g].name,
            SymbolRef::Func(f) => &self.funcs[f].name,
        }
    }

    fn write_global(&self, f: &mut fmt::Formatter<'_>, g: &Global) -> fmt::Result {
        write!(f, "global @{}: {}", g.name, self.mem_type(&g.ty))?;
        if g.align != 0 {
            write!(f, " align {}", g.align)?;
        }
        if !g.init.is_empty() {
            f.write_str(" = {")?;
            for (i, item) in g.init.iter().enumerate() {
                f.write_str(if i == 0 { " " } else { ", " })?;
                match item {
                    InitItem::Scalar(t, v) => write!(f, "{t} {}", fmt_const(*t, *v))?,
                    InitItem::Bytes(b) => write!(f, "bytes \"{}\"", escape_bytes(b))?,
                    InitItem::Zero(n) => write!(f, "zero {n}")?,
                    InitItem::Addr(s, off) => {
                        write!(f, "ptr @{}", self.symbol_name(*s))?;
                        if *off != 0 {
                            write!(f, " {off:+}")?;
                        }
                    }
                }
            }
            f.write_str(" }")?;
        }
        writeln!(f)
    }

    /// The text of one instruction, without indentation or line marker.
    pub fn inst_text(&self, func: &Function, inst: &InstKind) -> String {
        let local = |l: crate::Local| -> String {
            match func.locals.get(l) {
                Some(d) => format!("%{}", d.name),
                None => format!("%?{}", l.0),
            }
        };
        let opnd = |ty: Type, o: &Operand| -> String {
            match o {
                Operand::Local(l) => local(*l),
                Operand::Const(c) => fmt_const(ty, *c),
            }
        };
        let block = |b: crate::Block| -> String {
            match func.blocks.get(b) {
                Some(d) => d.name.clone(),
                None => format!("{b}"),
            }
        };
        match inst {
            InstKind::Unary { op, ty, dst, a } => {
                format!("{} = {}.{ty} {}", local(*dst), op.name(), opnd(*ty, a))
            }
            InstKind::Binary { op, ty, dst, a, b } => format!(
                "{} = {}.{ty} {}, {}",
                local(*dst),
                op.name(),
                opnd(*ty, a),
                opnd(*ty, b)
            ),
            InstKind::Convert {
                op,
                from,
                to,
                dst,
                a,
            } => format!(
                "{} = {}.{from}.{to} {}",
                local(*dst),
                op.name(),
                opnd(*from, a)
            ),
            InstKind::Select {
                ty,
                dst,
                cond,
                a,
                b,
            } => format!(
                "{} = select.{ty} {}, {}, {}",
                local(*dst),
                opnd(Type::I32, cond),
                opnd(*ty, a),
                opnd(*ty, b)
            ),
            InstKind::Load { ty, dst, addr } => {
                format!("{} = load.{ty} {}", local(*dst), opnd(Type::Ptr, addr))
            }
            InstKind::Store { ty, addr, val } => {
                format!("store.{ty} {}, {}", opnd(Type::Ptr, addr), opnd(*ty, val))
            }
            InstKind::Addr { dst, of } => {
                let target = match of {
                    AddrOf::Global(g) => format!("@{}", self.globals[*g].name),
                    AddrOf::Func(fid) => format!("@{}", self.funcs[*fid].name),
                    AddrOf::Slot(s) => match func.slots.get(*s) {
                        Some(d) => format!("${}", d.name),
                        None => format!("$?{}", s.0),
                    },
                };
                format!("{} = addr {target}", local(*dst))
            }
            InstKind::Call {
                dst,
                callee,
                args,
                alloc_type,
            } => {
                let mut s = String::new();
                if let Some(d) = dst {
                    let _ = write!(s, "{} = ", local(*d));
                }
                s.push_str("call ");
                match callee {
                    Callee::Func(fid) => {
                        let _ = write!(s, "@{}", self.funcs[*fid].name);
                    }
                    Callee::Builtin(b) => {
                        let _ = write!(s, "@{}", self.builtins[*b].name);
                    }
                    Callee::Indirect(o) => s.push_str(&opnd(Type::Ptr, o)),
                }
                s.push('(');
                for (i, (t, a)) in args.iter().enumerate() {
                    if i > 0 {
                        s.push_str(", ");
                    }
                    let _ = write!(s, "{t} {}", opnd(*t, a));
                }
                s.push(')');
                if let Some(t) = alloc_type {
                    let _ = write!(s, " as {}", self.mem_type(t));
                }
                s
            }
            InstKind::Safepoint => "safepoint".to_string(),
            InstKind::Jump { target } => format!("jump {}", block(*target)),
            InstKind::Branch {
                ty,
                cond,
                then_dest,
                else_dest,
            } => format!(
                "br.{ty} {}, {}, {}",
                opnd(*ty, cond),
                block(*then_dest),
                block(*else_dest)
            ),
            InstKind::Switch {
                ty,
                val,
                default,
                cases,
            } => {
                let mut s = format!("switch.{ty} {}, {} [", opnd(*ty, val), block(*default));
                for (i, (k, b)) in cases.iter().enumerate() {
                    if i > 0 {
                        s.push_str(", ");
                    }
                    let _ = write!(s, "{}: {}", fmt_const(*ty, *k), block(*b));
                }
                s.push(']');
                s
            }
            InstKind::Return { val: None } => "ret".to_string(),
            InstKind::Return { val: Some((t, v)) } => format!("ret.{t} {}", opnd(*t, v)),
            InstKind::Unreachable => "unreachable".to_string(),
        }
    }

    fn write_func(&self, f: &mut fmt::Formatter<'_>, func: &Function) -> fmt::Result {
        write!(f, "func @{}(", func.name)?;
        for (i, l) in func.locals.values().take(func.num_params).enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "%{}: {}", l.name, l.ty)?;
        }
        f.write_str(")")?;
        if let Some(r) = func.ret {
            write!(f, " -> {r}")?;
        }
        if let Some(src) = &func.source {
            write!(f, " source \"{}\"", escape_bytes(src.as_bytes()))?;
        }
        f.write_str(" {\n")?;
        for l in func.locals.values().skip(func.num_params) {
            writeln!(f, "    local %{}: {}", l.name, l.ty)?;
        }
        for s in func.slots.values() {
            write!(f, "    slot ${}: {}", s.name, self.mem_type(&s.ty))?;
            if s.align != 0 {
                write!(f, " align {}", s.align)?;
            }
            writeln!(f)?;
        }
        for b in func.blocks.values() {
            writeln!(f, "{}:", b.name)?;
            let mut at = (0, None);
            for Inst { kind, line, origin } in &b.insts {
                if (*line, *origin) != at {
                    match origin.and_then(|o| self.funcs.get(o)) {
                        Some(g) => writeln!(f, "    line {line} in @{}", g.name)?,
                        None => writeln!(f, "    line {line}")?,
                    }
                    at = (*line, *origin);
                }
                writeln!(f, "    {}", self.inst_text(func, kind))?;
            }
        }
        f.write_str("}\n")
    }
}

impl fmt::Display for Module {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sections = 0;
        let mut section = |f: &mut fmt::Formatter<'_>| -> fmt::Result {
            sections += 1;
            if sections > 1 {
                f.write_str("\n")?;
            }
            Ok(())
        };
        if let Some(src) = &self.source {
            section(f)?;
            writeln!(f, "source \"{}\"", escape_bytes(src.as_bytes()))?;
        }
        if !self.types.is_empty() {
            section(f)?;
            for t in self.types.values() {
                write!(f, "type :{} = ", t.name)?;
                if t.kind == AggKind::Union {
                    f.write_str("union ")?;
                }
                f.write_str("{")?;
                for (i, fld) in t.fields.iter().enumerate() {
                    f.write_str(if i == 0 { " " } else { ", " })?;
                    f.write_str(&self.mem_type(fld))?;
                }
                f.write_str(if t.fields.is_empty() { "}\n" } else { " }\n" })?;
            }
        }
        if !self.globals.is_empty() {
            section(f)?;
            for g in self.globals.values() {
                self.write_global(f, g)?;
            }
        }
        if !self.builtins.is_empty() {
            section(f)?;
            for b in self.builtins.values() {
                write!(f, "declare @{}(", b.name)?;
                for (i, p) in b.sig.params.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{p}")?;
                }
                if b.sig.variadic {
                    f.write_str(if b.sig.params.is_empty() {
                        "..."
                    } else {
                        ", ..."
                    })?;
                }
                f.write_str(")")?;
                if let Some(r) = b.sig.ret {
                    write!(f, " -> {r}")?;
                }
                f.write_str("\n")?;
            }
        }
        for func in self.funcs.values() {
            section(f)?;
            self.write_func(f, func)?;
        }
        Ok(())
    }
}
