//! Initializers: scalars, strings into char arrays, braced lists with
//! brace elision and designators, flattened to `InitElem`s at byte offsets.

use super::*;

impl Parser {
    /// Parses an initializer for an object of type `ty` at byte `offset`,
    /// appending its pieces to `out`. Returns the type, completed if it was
    /// an array of unknown length. `braced`: whether the caller saw the
    /// start of the object (false inside brace elision).
    // initializer = string | "{" init-list "}" | assign
    // init-list = (designation? initializer ("," designation? initializer)*)? ","?
    // designation = ("[" const-expr "]" | "." ident)+ "="
    pub(super) fn initializer(
        &mut self,
        ty: &Ty,
        offset: u64,
        out: &mut Vec<InitElem>,
        top: bool,
    ) -> PResult<Ty> {
        self.nested("initializer", |p| p.initializer_inner(ty, offset, out, top))
    }

    /// `initializer`, inside its depth bound.
    pub(super) fn initializer_inner(
        &mut self,
        ty: &Ty,
        offset: u64,
        out: &mut Vec<InitElem>,
        top: bool,
    ) -> PResult<Ty> {
        match ty {
            Ty::Array(elem, len) => {
                let is_char = matches!(
                    **elem,
                    Ty::Char | Ty::SChar | Ty::UChar | Ty::Short | Ty::UShort | Ty::Int | Ty::UInt
                );
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
                    let (slen, unit) = match &e.ty {
                        Ty::Array(u, Some(n)) => (*n, (**u).clone()),
                        _ => (1, Ty::Char),
                    };
                    if !string_fits(elem, &unit) {
                        self.error(
                            e.loc,
                            "array of inappropriate type initialized from string constant",
                        );
                    }
                    let n = len.unwrap_or(slen);
                    if slen > n + 1 {
                        self.error(e.loc, "initializer string is too long for the array");
                    }
                    out.push(InitElem {
                        offset,
                        expr: e,
                        str_len: Some(n * unit.ir().bytes() as u64),
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
    // array-init = "{" init-list "}" | initializer ("," initializer)*   (brace elision)
    pub(super) fn array_init(
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

    // struct-init = "{" init-list "}" | initializer ("," initializer)*   (brace elision)
    pub(super) fn struct_init(
        &mut self,
        id: StructId,
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
    pub(super) fn nested_designation(
        &mut self,
        ty: &Ty,
        offset: u64,
        excess: bool,
        out: &mut Vec<InitElem>,
    ) -> PResult<()> {
        self.enter("designator")?;
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
        self.leave();
        r
    }

    /// Whether the previous token ended a designation (`.x =`).
    pub(super) fn is_designated_prev(&self) -> bool {
        self.pos >= 2 && self.toks[self.pos - 1].is("=")
    }
}

/// Whether an array of `elem` may be initialized from a string literal
/// of `unit`s (C11 6.7.9p14-15): char arrays from plain and `u8`
/// literals, and wide ones from literals of their size (gcc, like
/// glibc's `wchar_t`, takes `int` and `unsigned int` alike).
fn string_fits(elem: &Ty, unit: &Ty) -> bool {
    let chars = |t: &Ty| matches!(t, Ty::Char | Ty::SChar | Ty::UChar);
    if chars(elem) || chars(unit) {
        return chars(elem) && chars(unit);
    }
    elem.ir() == unit.ir()
}
