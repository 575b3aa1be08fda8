//! Types: declaration specifiers, declarators, type names, function
//! parameter lists, struct/union and enum declarations (with struct layout).

use super::*;
use crate::ctype::{MAX_TYPE_DEPTH, MAX_TYPE_PARTS};
use pivm_ir::opcodes::eval_binary;
use pivm_ir::{Opcode, Type};

impl Parser {
    // declspec = ("void" | "_Bool" | "char" | "short" | "int" | "long" | "float"
    //            | "double" | "signed" | "unsigned" | struct-decl | union-decl
    //            | enum-decl | typedef-name | "typedef" | "static" | "extern"
    //            | "const" | "volatile" | "inline" | "register" | "auto")+
    pub(super) fn declspec(&mut self, mut attr: Option<&mut Attr>) -> PResult<Ty> {
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
        self.last_enum_unsigned = false;
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
                    if a.is_typedef || a.is_static || a.is_extern {
                        self.error(loc, "multiple storage classes in declaration specifiers");
                    }
                    match &*t.text {
                        "typedef" => a.is_typedef = true,
                        "static" => a.is_static = true,
                        _ => a.is_extern = true,
                    }
                    self.pos += 1;
                    continue;
                }
                "inline" | "__inline" | "__inline__" => {
                    if let Some(a) = attr.as_deref_mut() {
                        a.is_inline = true;
                    }
                    self.pos += 1;
                    continue;
                }
                "register" => {
                    if let Some(a) = attr.as_deref_mut() {
                        a.is_register = true;
                    }
                    self.pos += 1;
                    continue;
                }
                "const" | "__const" => {
                    if let Some(a) = attr.as_deref_mut() {
                        a.is_const = true;
                    }
                    self.pos += 1;
                    continue;
                }
                "volatile" | "auto" | "restrict" | "_Noreturn" | "__restrict" | "__extension__" => {
                    self.pos += 1;
                    continue;
                }
                "_Complex" => return self.fatal("unsupported: _Complex types"),
                "__int128" | "__int128_t" | "__uint128_t" => {
                    return self.fatal("unsupported: __int128 (128-bit integers)")
                }
                // `_Atomic(T)` is T and `_Atomic` qualifies nothing: pivm
                // runs one thread at a time, and an expression has no
                // safepoint inside (docs/DESIGN.md "Threads").
                "_Atomic" if self.is_at(1, "(") => {
                    if counter != 0 {
                        break;
                    }
                    self.pos += 2;
                    ty = self.type_name()?;
                    self.expect(")")?;
                    counter += OTHER;
                    continue;
                }
                "_Atomic" => {
                    self.pos += 1;
                    continue;
                }
                "_Thread_local" => {
                    let Some(a) = attr.as_deref_mut() else {
                        return self.fatal("'_Thread_local' is not allowed here");
                    };
                    a.is_thread_local = true;
                    self.pos += 1;
                    continue;
                }
                "_Alignas" => {
                    let Some(a) = attr.as_deref_mut() else {
                        return self.fatal("'_Alignas' is not allowed here");
                    };
                    let mut a = *a;
                    self.alignas(&mut a)?;
                    if let Some(to) = attr.as_deref_mut() {
                        *to = a;
                    }
                    continue;
                }
                "typeof" | "__typeof__" => {
                    if counter != 0 {
                        break;
                    }
                    ty = self.typeof_specifier()?;
                    counter += OTHER;
                    continue;
                }
                "__attribute__" => {
                    let got = self.attribute()?;
                    match attr.as_deref_mut() {
                        Some(a) => Self::add_attrs(a, got),
                        None if got.align != 0 => {
                            let msg = "unsupported: __attribute__((aligned)) in a type name";
                            self.error(got.loc, msg);
                        }
                        None => {}
                    }
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
                c if c == LONG + DOUBLE => Ty::LongDouble,
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

    // typeof = ("typeof" | "__typeof__") "(" (type-name | expr) ")"
    /// The type named, or the type of the expression (not evaluated).
    fn typeof_specifier(&mut self) -> PResult<Ty> {
        self.pos += 1;
        self.expect("(")?;
        let ty = if self.is_typename() {
            self.type_name()?
        } else {
            let save = self.nodes;
            let e = self.nested("expression", Self::expr)?;
            self.nodes = save;
            e.ty
        };
        self.expect(")")?;
        Ok(ty)
    }

    // alignas = "_Alignas" "(" (type-name | const-expr) ")"
    /// An alignment specifier, the strictest so far kept in `attr`.
    fn alignas(&mut self, attr: &mut Attr) -> PResult<()> {
        let loc = self.loc();
        self.pos += 1;
        self.expect("(")?;
        let n = if self.is_typename() {
            let t = self.type_name()?;
            if self.size_of(&t).is_none() {
                let tn = self.tname(&t);
                self.error(loc, format!("'_Alignas' of incomplete type '{tn}'"));
            }
            t.align(&self.prog.structs)
        } else {
            self.alignment_value("'_Alignas' needs an integer constant or a type")?
        };
        self.expect(")")?;
        Self::raise_align(attr, n, loc, false);
        Ok(())
    }

    /// An alignment written as a constant expression (`_Alignas`,
    /// `aligned`): a power of 2 up to 2^28, or 0, which asks nothing (gcc
    /// ignores `aligned(0)` with a warning), else reported and 0.
    fn alignment_value(&mut self, not_constant: &str) -> PResult<u64> {
        let save = self.nodes;
        let e = self.conditional()?;
        self.nodes = save;
        let n = match const_int(&e) {
            Some(0) if e.ty.is_integer() => 0,
            Some(n) if e.ty.is_integer() && n > 0 && n & (n - 1) == 0 => n as u64,
            Some(n) if e.ty.is_integer() => {
                let msg = format!("requested alignment {n} is not a positive power of 2");
                self.error(e.loc, msg);
                0
            }
            _ => {
                self.error(e.loc, not_constant);
                0
            }
        };
        if n > 1 << 28 {
            self.error(e.loc, format!("requested alignment {n} is too large"));
            return Ok(0);
        }
        Ok(n)
    }

    /// Keeps the strictest alignment asked of a declaration (`n` at `loc`,
    /// from `aligned` if `from_attr`).
    fn raise_align(attr: &mut Attr, n: u64, loc: Loc, from_attr: bool) {
        if n > attr.align {
            if attr.align == 0 {
                attr.align_loc = loc;
            }
            attr.align = n;
            attr.align_attr = from_attr;
        }
    }

    // attribute = "__attribute__" "(" balanced-tokens ")"
    /// Skips an attribute, refusing those that would change a layout,
    /// except `aligned` (`aligned_attribute`) and `packed`, which it
    /// returns.
    pub(super) fn attribute(&mut self) -> PResult<AttrLayout> {
        self.pos += 1;
        self.expect("(")?;
        let mut level = 1;
        let mut got = AttrLayout::default();
        while level > 0 {
            let Some(t) = self.peek() else {
                return self.fatal("unterminated __attribute__");
            };
            if t.is("(") {
                level += 1;
            } else if t.is(")") {
                level -= 1;
            } else if [
                "constructor",
                "__constructor__",
                "destructor",
                "__destructor__",
            ]
            .contains(&&*t.text)
            {
                self.init_attribute()?;
                continue;
            } else if t.is("aligned") || t.is("__aligned__") {
                let loc = self.loc();
                let align = self.aligned_attribute()?;
                got.merge(AttrLayout {
                    align,
                    loc,
                    packed: false,
                });
                continue;
            } else if t.is("packed") || t.is("__packed__") {
                got.packed = true;
            } else if let Some(why) = refused_attribute(&t.text) {
                let name = t.text.to_string();
                return self.fatal(format!("unsupported: __attribute__(({name})) ({why})"));
            }
            self.pos += 1;
        }
        Ok(got)
    }

    /// `attr` with what `got` asks of the declared object.
    fn add_attrs(attr: &mut Attr, got: AttrLayout) {
        Self::raise_align(attr, got.align, got.loc, true);
        attr.packed |= got.packed;
    }

    /// `attr` with what the last declarator's attributes ask
    /// (`decl_attrs`): for that declarator only.
    pub(super) fn with_decl_align(&mut self, mut attr: Attr) -> Attr {
        let got = std::mem::take(&mut self.decl_attrs);
        Self::add_attrs(&mut attr, got);
        attr
    }

    /// An attribute where neither an alignment nor packing can be
    /// honoured: `aligned` refused (`what` names the place), `packed`
    /// and the others skipped.
    pub(super) fn skip_attribute(&mut self, what: &str) -> PResult<()> {
        let got = self.attribute()?;
        if got.align != 0 {
            self.error(
                got.loc,
                format!("unsupported: __attribute__((aligned)) {what}"),
            );
        }
        Ok(())
    }

    // aligned = ("aligned" | "__aligned__") ("(" const-expr ")")?
    /// The alignment `aligned` asks: its argument, a power of 2, or
    /// without one the target's largest (16, gcc's x86_64
    /// `__BIGGEST_ALIGNMENT__`).
    fn aligned_attribute(&mut self) -> PResult<u64> {
        self.pos += 1;
        if !self.eat("(") {
            return Ok(16);
        }
        let n = self.alignment_value("'aligned' needs an integer constant")?;
        self.expect(")")?;
        Ok(n)
    }

    // qualifiers = ("const" | "volatile" | "restrict" | "__restrict" | "__const" | "_Atomic")*
    pub(super) fn skip_qualifiers(&mut self) {
        while self.is("const")
            || self.is("volatile")
            || self.is("restrict")
            || self.is("__restrict")
            || self.is("__const")
            || (self.is("_Atomic") && !self.is_at(1, "("))
        {
            self.pos += 1;
        }
    }

    // declarator = "*"* ("(" declarator ")" | ident?) type-suffix
    /// The type must be within `Ty::within_limits`.
    pub(super) fn declarator(&mut self, ty: Ty) -> PResult<(Ty, Option<(String, Loc)>)> {
        let loc = self.loc();
        let r = self.nested("declarator", |p| p.declarator_inner(ty))?;
        if !r.0.within_limits() {
            self.errors.push(Diag::new(
                loc,
                format!(
                    "type is too complex: more than {MAX_TYPE_DEPTH} levels or \
                     {MAX_TYPE_PARTS} parts of pointers, arrays and functions"
                ),
            ));
            return Err(Fatal);
        }
        Ok(r)
    }

    /// `declarator`, inside its depth bound.
    fn declarator_inner(&mut self, mut ty: Ty) -> PResult<(Ty, Option<(String, Loc)>)> {
        while self.eat("*") {
            ty = ptr_to(ty);
            self.skip_qualifiers();
        }
        if self.is("(") && self.nested_declarator_follows() {
            // The suffix after the parentheses applies first: skip to it
            // (without parsing the inside, which would make each level
            // parse the ones inside it twice), then parse the inside once.
            let start = self.pos;
            self.pos = self.matching_paren()? + 1;
            ty = self.type_suffix(ty)?;
            let end = self.pos;
            self.pos = start + 1;
            let r = self.declarator(ty)?;
            self.expect(")")?;
            self.pos = end;
            return Ok(r);
        }
        let name = if self.is_ident() {
            Some(self.ident()?)
        } else {
            None
        };
        let ty = self.type_suffix(ty)?;
        self.decl_attrs = AttrLayout::default();
        while self.is("__attribute__") {
            let got = self.attribute()?;
            self.decl_attrs.merge(got);
        }
        if self.is("asm") || self.is("__asm__") {
            return self.fatal("unsupported: asm labels");
        }
        Ok((ty, name))
    }

    /// At a "(": the index of the ")" that closes it.
    fn matching_paren(&mut self) -> PResult<usize> {
        let mut level = 0usize;
        for (i, t) in self.toks.iter().enumerate().skip(self.pos) {
            if t.is("(") {
                level += 1;
            } else if t.is(")") {
                level -= 1;
                if level == 0 {
                    return Ok(i);
                }
            }
        }
        self.fatal("expected ')' to close the declarator")
    }

    /// At a "(": whether it opens a nested declarator (`(*p)[3]`) rather
    /// than a parameter list.
    pub(super) fn nested_declarator_follows(&self) -> bool {
        match self.peek_at(1) {
            Some(t) if t.is("*") || t.is("(") || t.is("[") => !t.is("["),
            Some(t) if t.kind == TokKind::Ident => {
                !self.is_typename_tok(t) && !KEYWORDS.contains(&&*t.text)
            }
            _ => false,
        }
    }

    // abstract-declarator = "*"* ("(" abstract-declarator ")")? type-suffix
    pub(super) fn type_name(&mut self) -> PResult<Ty> {
        let base = self.declspec(None)?;
        let (ty, name) = self.declarator(base)?;
        if let Some((_, loc)) = name {
            self.error(loc, "unexpected name in a type name");
        }
        Ok(ty)
    }

    // type-suffix = "(" func-params | "[" const-expr? "]" type-suffix | ε
    pub(super) fn type_suffix(&mut self, ty: Ty) -> PResult<Ty> {
        if self.eat("(") {
            return self.func_params(ty);
        }
        if self.is("[") {
            let loc = self.loc();
            self.pos += 1;
            while self.is("static") || self.is("const") || self.is("restrict") {
                self.pos += 1;
            }
            let mut vla = None;
            let len = if self.eat("]") {
                None
            } else if self.is("*") && self.is_at(1, "]") {
                if self.vla.in_params == 0 {
                    self.error(loc, "'[*]' is allowed only in a function prototype");
                }
                self.pos += 2;
                vla = Some(crate::ctype::VlaLen::Star);
                None
            } else {
                let save = self.nodes;
                let start = self.pos;
                let e = self.conditional()?;
                self.nodes = save;
                let end = self.pos;
                self.expect("]")?;
                match const_int(&e) {
                    Some(n) if n >= 0 && e.ty.is_integer() => Some(n as u64),
                    Some(_) if e.ty.is_integer() => {
                        self.error(e.loc, "array size is negative");
                        Some(1)
                    }
                    _ if !e.ty.is_integer() => {
                        let n = self.tname(&e.ty);
                        self.error(e.loc, format!("size of array has non-integer type '{n}'"));
                        Some(1)
                    }
                    _ => match self.vla_len(e, start, end) {
                        Some(l) => {
                            vla = Some(l);
                            None
                        }
                        None => Some(1),
                    },
                }
            };
            let inner = self.nested("declarator", |p| p.type_suffix(ty))?;
            if inner.is_func() {
                self.error(loc, "array of functions is not allowed");
            }
            if matches!(inner, Ty::Array(_, None)) {
                self.error(loc, "array has incomplete element type");
            }
            if let Some(l) = vla {
                return Ok(Ty::Vla(Rc::new(inner), l));
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
    pub(super) fn func_params(&mut self, ret: Ty) -> PResult<Ty> {
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
            return self.knr_identifier_list(ret);
        }
        // The parameters are in scope in the lengths of later ones.
        self.push_scope();
        self.vla.in_params += 1;
        let r = self.param_list(ret);
        self.vla.in_params -= 1;
        self.pop_scope();
        r
    }

    // param-list = param ("," param)* ("," "...")? ")"
    fn param_list(&mut self, ret: Ty) -> PResult<Ty> {
        let mut params = Vec::new();
        let mut names: Vec<(Option<String>, Loc)> = Vec::new();
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
                Ty::Array(b, _) | Ty::Vla(b, _) => Ty::Ptr(b),
                t @ Ty::Func(_) => ptr_to(t),
                t => t,
            };
            if ty.is_void() {
                self.error(loc, "parameter has type void");
            }
            params.push(ty);
            match name {
                Some((n, l)) => {
                    if names.iter().any(|(m, _)| m.as_ref() == Some(&n)) {
                        self.error(l, format!("redefinition of parameter '{n}'"));
                    }
                    if let Some(s) = self.scopes.last_mut() {
                        // Not an object here: only its name and type.
                        s.syms.insert(n.clone(), Sym::Local(LocalId(u32::MAX)));
                    }
                    names.push((Some(n), l))
                }
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
    pub(super) fn struct_decl(&mut self, is_union: bool) -> PResult<Ty> {
        let kw = if is_union { "union" } else { "struct" };
        // `struct __attribute__((...)) tag`, as after the body.
        let mut whole = AttrLayout::default();
        while self.is("__attribute__") {
            let got = self.attribute()?;
            whole.merge(got);
        }
        let tloc = self.loc();
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
        if self.defining.contains(&id) {
            let t = tag.as_deref().unwrap_or("");
            self.error(tloc, format!("nested redefinition of '{kw} {t}'"));
        }
        self.defining.push(id);
        let fields = self.nested("struct or union", |p| p.struct_members(kw));
        self.defining.pop();
        let (mut fields, mut aligns) = fields?;
        // `__attribute__((aligned(N)))` or `packed` right after the body
        // is the type's, as before its tag: at least that alignment (and
        // a size rounded up to it); every member packed.
        while self.is("__attribute__") {
            let got = self.attribute()?;
            whole.merge(got);
        }
        if whole.packed {
            for a in &mut aligns {
                a.packed = true;
            }
        }
        // gcc packs bit-fields across their units: not laid out so here.
        let pack = self.pack;
        let structs = &self.prog.structs;
        if let Some(f) = fields.iter().zip(&aligns).find(|(f, a)| {
            f.bits.is_some() && (a.packed || (pack != 0 && f.ty.align(structs) > pack))
        }) {
            let what = f.0.name.as_deref().unwrap_or("(unnamed)");
            let place = match f.1.packed {
                true => format!("a packed {kw}"),
                false => format!("a {kw} under #pragma pack({pack})"),
            };
            let msg = format!("unsupported: bit-field '{what}' in {place} (gcc packs bit-fields across their units)");
            self.error(tloc, msg);
        }
        // Layout: the C rules (System V, as gcc), which are also the IR's
        // (`_Alignas`, `aligned` and `packed` aside: the lowering pads the
        // IR type to match, or makes members byte arrays).
        let (size, align) = self.layout(&mut fields, is_union, &aligns);
        let align = align.max(whole.align);
        let s = &mut self.prog.structs[id];
        s.fields = fields;
        s.size = size.div_ceil(align) * align;
        s.align = align;
        s.complete = true;
        Ok(Ty::Struct(id))
    }

    /// The members of a struct or union body, after its "{" up to its "}",
    /// and what each asks of its place (`_Alignas`, `aligned`, `packed`).
    fn struct_members(&mut self, kw: &str) -> PResult<(Vec<Field>, Vec<MemberAttrs>)> {
        let mut fields: Vec<Field> = Vec::new();
        let mut aligns: Vec<MemberAttrs> = Vec::new();
        let mut names = HashSet::new();
        // The last member, if it is an open array: only the last may be.
        let mut flexible: Option<Loc> = None;
        while !self.eat("}") {
            if self.peek().is_none() {
                return self.fatal(format!("expected '}}' to end the {kw}"));
            }
            if self.is("_Static_assert") {
                self.static_assert()?;
                continue;
            }
            if self.is("__pivm_pack") {
                self.pack_directive()?;
                continue;
            }
            let loc = self.loc();
            let mut attr = Attr::default();
            let base = self.declspec(Some(&mut attr))?;
            let enum_unsigned = self.last_enum_unsigned;
            if attr.is_typedef || attr.is_static || attr.is_extern || attr.is_thread_local {
                let msg = format!("a {kw} member cannot have a storage class");
                self.errors.push(Diag::new(loc, msg));
                return Err(Fatal);
            }
            if self.eat(";") {
                if base.is_struct() {
                    if let Some(at) = flexible.take() {
                        self.error(at, "flexible array member not at end of struct");
                    }
                    fields.push(Field {
                        name: None,
                        ty: base,
                        offset: 0,
                        bits: None,
                    });
                    aligns.push(MemberAttrs::of(&attr));
                } else {
                    self.error(loc, "declaration does not declare anything");
                }
                continue;
            }
            loop {
                let (ty, name) = self.declarator(base.clone())?;
                if self.is(":") {
                    if let Some(at) = flexible.take() {
                        self.error(at, "flexible array member not at end of struct");
                    }
                    self.last_enum_unsigned = enum_unsigned;
                    let f = self.bitfield_member(ty, name, &mut names)?;
                    fields.push(f);
                    aligns.push(MemberAttrs {
                        align: 0,
                        packed: attr.packed,
                    });
                    if self.eat(";") {
                        break;
                    }
                    self.expect(",")?;
                    continue;
                }
                let Some((n, nloc)) = name else {
                    return self.fatal("expected a member name");
                };
                if !names.insert(n.clone()) {
                    self.error(nloc, format!("duplicate member '{n}'"));
                }
                let open_array = matches!(ty, Ty::Array(_, None));
                if let Some(at) = flexible.take() {
                    self.error(at, "flexible array member not at end of struct");
                }
                if open_array {
                    flexible = Some(nloc);
                }
                if ty.is_vm() {
                    self.vla_drop_pending();
                    self.error(
                        nloc,
                        format!("member '{n}' has a variably modified type (a struct or union member's array sizes must be constants)"),
                    );
                } else if !open_array && self.size_of(&ty).is_none() {
                    let tn = self.tname(&ty);
                    self.error(nloc, format!("member '{n}' has incomplete type '{tn}'"));
                }
                let attr = self.with_decl_align(attr);
                let _ = self.check_alignas(&attr, &ty, &n);
                fields.push(Field {
                    name: Some(n),
                    ty,
                    offset: 0,
                    bits: None,
                });
                aligns.push(MemberAttrs::of(&attr));
                if self.eat(";") {
                    break;
                }
                self.expect(",")?;
            }
        }
        Ok((fields, aligns))
    }

    /// A new, incomplete struct or union, its tag declared in the innermost
    /// scope.
    pub(super) fn new_struct(&mut self, tag: Option<String>, is_union: bool) -> StructId {
        let id = self.prog.structs.push(StructDef {
            tag: tag.clone(),
            is_union,
            fields: Vec::new(),
            size: 0,
            align: 1,
            complete: false,
        });
        if let (Some(t), Some(s)) = (tag, self.scopes.last_mut()) {
            s.tags.insert(t, Some(id));
        }
        id
    }

    // enum-decl = ident? "{" enum-list? "}" | ident
    // enum-list = ident ("=" const-expr)? ("," ident ("=" const-expr)?)* ","?
    pub(super) fn enum_decl(&mut self) -> PResult<Ty> {
        while self.is("__attribute__") {
            self.skip_attribute("on an enum")?;
        }
        let tloc = self.loc();
        let tag = if self.is_ident() {
            Some(self.ident()?.0)
        } else {
            None
        };
        if !self.eat("{") {
            if tag.is_none() {
                return self.fatal("expected '{' or a tag after 'enum'");
            }
            self.last_enum_unsigned = tag
                .and_then(|t| self.enum_unsigned.get(&t).copied())
                .unwrap_or(false);
            return Ok(Ty::Int);
        }
        if let (Some(t), Some(s)) = (&tag, self.scopes.last_mut()) {
            let wrong_kind = matches!(s.tags.get(t), Some(Some(_)));
            let again = !s.enums.insert(t.clone());
            s.tags.insert(t.clone(), None);
            if wrong_kind {
                self.error(tloc, format!("'{t}' defined as the wrong kind of tag"));
            } else if again {
                self.error(tloc, format!("redefinition of 'enum {t}'"));
            }
        }
        let mut val: i64 = 0;
        let mut negative = false;
        loop {
            if self.eat("}") {
                break;
            }
            let (name, nloc) = self.ident()?;
            if self.eat("=") {
                let e = self.conditional()?;
                match const_int(&e) {
                    Some(v) => val = v,
                    None => self.error(e.loc, "enumerator value is not an integer constant"),
                }
            }
            self.declare(&name, nloc, Sym::EnumConst(val));
            negative |= val < 0;
            val = eval_binary(Opcode::Add, Type::I64, val as u64, 1).unwrap_or(0) as i64;
            if self.eat("}") {
                break;
            }
            self.expect(",")?;
        }
        self.last_enum_unsigned = !negative;
        if let Some(t) = tag {
            self.enum_unsigned.insert(t, !negative);
        }
        Ok(Ty::Int)
    }
}

/// What a member's declaration asks of its place: an alignment
/// (`_Alignas`, `aligned`; 0: none) and `packed`.
#[derive(Clone, Copy, Default)]
pub(super) struct MemberAttrs {
    pub align: u64,
    pub packed: bool,
}

impl MemberAttrs {
    fn of(attr: &Attr) -> MemberAttrs {
        MemberAttrs {
            align: attr.align,
            packed: attr.packed,
        }
    }
}

/// Why an attribute named `name` is refused, if it is: what ignoring it
/// would change is not only a hint (the others are skipped).
fn refused_attribute(name: &str) -> Option<&'static str> {
    let name = name
        .strip_prefix("__")
        .and_then(|n| n.strip_suffix("__"))
        .unwrap_or(name);
    match name {
        "vector_size" | "mode" => Some("it would change the layout"),
        "cleanup" => Some("it would run code where a variable's scope ends"),
        "transparent_union" => Some("it would change how arguments are passed"),
        _ => None,
    }
}
