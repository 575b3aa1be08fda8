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
        // A compound literal inside an initializer starts an object of its
        // own: the outer one's designator state comes back after it.
        let outer = if top {
            Some((
                std::mem::replace(&mut self.init_designated, false),
                std::mem::take(&mut self.init_dead),
            ))
        } else {
            None
        };
        // An initializer that covers its whole subobject (braced, a string,
        // a scalar, a struct value) overrides what earlier designated
        // initializers put there (C11 6.7.9p19): `{[0][1] = 7, [0] = {8}}`
        // leaves x[0][1] zero. Only after a designator can that happen.
        let braced = self.is("{") || self.peek().is_some_and(|t| t.kind == TokKind::Str);
        let aggregate = matches!(ty, Ty::Array(..) | Ty::Struct(_));
        if self.init_designated && (braced || !aggregate) {
            self.overridden(out, out.len(), ty, offset);
        }
        let start = out.len();
        let t = self.nested("initializer", |p| p.initializer_inner(ty, offset, out, top))?;
        if self.init_designated
            && !braced
            && aggregate
            && out.len() == start + 1
            && out[start].expr.ty == *ty
        {
            self.overridden(out, start, ty, offset);
        }
        if let Some((designated, dead)) = outer {
            self.init_designated = designated;
            let dead = std::mem::replace(&mut self.init_dead, dead);
            if !dead.is_empty() {
                let mut i = 0;
                out.retain(|_| {
                    i += 1;
                    !dead.contains(&(i - 1))
                });
            }
        }
        Ok(t)
    }

    /// Marks dead (removed when the whole initializer is read: indices of
    /// `out` stay valid until then) the first `upto` elements of `out`
    /// that lie in the object of type `ty` at `offset`, and the struct
    /// values that overlap it (a designation into a member of a struct
    /// initialized by one struct expression discards that expression, as
    /// gcc does: the rest of the struct is zero).
    fn overridden(&mut self, out: &[InitElem], upto: usize, ty: &Ty, offset: u64) {
        let end = offset.saturating_add(self.size_of(ty).unwrap_or(0));
        // A scalar target may be a bit-field: the other bit-fields of its
        // storage unit (same offset) stay.
        let scalar = !matches!(ty, Ty::Array(..) | Ty::Struct(_));
        for (i, e) in out[..upto].iter().enumerate() {
            let size = match (&e.expr.ty, e.str_len) {
                (Ty::Struct(_), None) => self.size_of(&e.expr.ty).unwrap_or(0),
                _ => 0,
            };
            let inside = e.offset >= offset && e.offset < end && !(scalar && e.bits.is_some());
            let around = e.offset < end && e.offset + size > offset;
            if inside || around {
                self.init_dead.insert(i);
            }
        }
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
                        bits: None,
                    });
                    return Ok(Ty::Array(elem.clone(), Some(n)));
                }
                if self.eat("{") {
                    let n = self.array_init(elem, *len, offset, out, true, 0)?;
                    return Ok(Ty::Array(elem.clone(), Some(len.unwrap_or(n))));
                }
                if top {
                    return self.fatal("an array initializer must be a list in braces");
                }
                let n = self.array_init(elem, *len, offset, out, false, 0)?;
                Ok(Ty::Array(elem.clone(), Some(len.unwrap_or(n))))
            }
            Ty::Struct(id) => {
                if self.eat("{") {
                    self.struct_init(*id, offset, out, true, 0)?;
                    return Ok(ty.clone());
                }
                // A struct-valued expression, or brace elision.
                let save = (self.pos, self.errors.len());
                let e = self.assign()?;
                if e.ty == *ty {
                    if let Some(init) = self.file_scope_literal(&e) {
                        // `struct S s = (struct S){1, 2};` at file scope:
                        // the literal's initializer, as gcc takes it.
                        out.extend(init.into_iter().map(|el| InitElem {
                            offset: offset + el.offset,
                            ..el
                        }));
                        return Ok(ty.clone());
                    }
                    out.push(InitElem {
                        offset,
                        expr: e,
                        str_len: None,
                        bits: None,
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
                self.struct_init(*id, offset, out, false, 0)?;
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
                            bits: None,
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
                    bits: None,
                });
                Ok(ty.clone())
            }
        }
    }

    /// Returns the number of elements seen (for arrays of unknown length),
    /// reading from element `start` on.
    // array-init = "{" init-list "}" | initializer ("," initializer)*   (brace elision)
    pub(super) fn array_init(
        &mut self,
        elem: &Ty,
        len: Option<u64>,
        offset: u64,
        out: &mut Vec<InitElem>,
        braced: bool,
        start: u64,
    ) -> PResult<u64> {
        let esz = self.size_of(elem).unwrap_or(0);
        let mut i: u64 = start;
        let mut max: u64 = start;
        loop {
            if braced && self.eat("}") {
                break;
            }
            if !braced
                && (self.is("}") || self.is("[") || self.is(".") || len.is_some_and(|n| i >= n))
            {
                break;
            }
            let mut range = None;
            if braced && self.is("[") {
                self.init_designated = true;
                self.pos += 1;
                let e = self.conditional()?;
                match const_int(&e) {
                    Some(k) if k >= 0 => i = k as u64,
                    _ => self.error(
                        e.loc,
                        "array designator is not a non-negative integer constant",
                    ),
                }
                range = self.range_designator(i, len)?;
                self.expect("]")?;
                if !self.eat("=") && (self.is("[") || self.is(".")) {
                    let first = out.len();
                    self.nested_designation(
                        elem,
                        offset + i * esz,
                        len.is_some_and(|n| i >= n),
                        out,
                    )?;
                    if let Some(last) = range {
                        self.fill_range(out, first, esz, last - i);
                        i = last;
                    }
                    i += 1;
                    max = max.max(i);
                    if !self.eat(",") {
                        self.expect("}")?;
                        break;
                    }
                    continue;
                }
            }
            let first = out.len();
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
                if let Some(last) = range {
                    self.fill_range(out, first, esz, last - i);
                    i = last;
                }
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

    /// A struct's or union's initializer, from member `start` on.
    // struct-init = "{" init-list "}" | initializer ("," initializer)*   (brace elision)
    pub(super) fn struct_init(
        &mut self,
        id: StructId,
        offset: u64,
        out: &mut Vec<InitElem>,
        braced: bool,
        start: usize,
    ) -> PResult<()> {
        let fields = self.prog.structs[id].fields.clone();
        let is_union = self.prog.structs[id].is_union;
        if !self.prog.structs[id].complete {
            return self.fatal("initializing a struct of incomplete type");
        }
        let mut i = start;
        loop {
            // Unnamed bit-fields take no part in initialization.
            while fields
                .get(i)
                .is_some_and(|f| f.name.is_none() && f.bits.is_some())
            {
                i += 1;
            }
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
                self.init_designated = true;
                self.pos += 1;
                let (name, nloc) = self.ident()?;
                match fields.iter().position(|f| f.name.as_deref() == Some(&name)) {
                    Some(k) => i = k,
                    None => {
                        // A member of an anonymous struct or union member:
                        // designated inside it, continued after it.
                        let Some(k) = self.anonymous_holding(&fields, &name) else {
                            self.error(nloc, format!("no member named '{name}'"));
                            return Err(Fatal);
                        };
                        self.pos -= 2;
                        let f = &fields[k];
                        self.nested_designation(&f.ty.clone(), offset + f.offset, false, out)?;
                        i = k + 1;
                        if !self.eat(",") {
                            self.expect("}")?;
                            break;
                        }
                        continue;
                    }
                }
                if self.is("[") || self.is(".") {
                    let f = &fields[i];
                    if f.bits.is_some() {
                        let n = f.name.clone().unwrap_or_default();
                        return self.fatal(format!("bit-field '{n}' is not an aggregate"));
                    }
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
                if matches!(f.ty, Ty::Array(_, None)) {
                    let loc = self.loc();
                    self.error(
                        loc,
                        "unsupported: initializing a flexible array member (a GNU extension)",
                    );
                    return Err(Fatal);
                }
                let (ty, bits, start) = (f.ty.clone(), f.bits, out.len());
                self.initializer(&ty, offset + f.offset, out, false)?;
                mark_bits(&mut out[start..], bits);
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

    /// After an array designator's first index `lo`: GNU C's range
    /// designator `[lo ... hi]`, its last index if there is one (an array
    /// of `len` elements, if known, must hold it).
    fn range_designator(&mut self, lo: u64, len: Option<u64>) -> PResult<Option<u64>> {
        if !self.eat("...") {
            return Ok(None);
        }
        let e = self.conditional()?;
        let hi = match const_int(&e) {
            Some(k) if k >= 0 => k as u64,
            _ => {
                self.error(
                    e.loc,
                    "array designator is not a non-negative integer constant",
                );
                return Ok(None);
            }
        };
        if hi < lo {
            self.error(e.loc, "empty index range in initializer");
            return Ok(None);
        }
        if len.is_some_and(|n| hi >= n) {
            self.error(
                e.loc,
                "array index range in initializer exceeds array bounds",
            );
            return Ok(None);
        }
        // Each element of the range is an initializer of its own.
        if hi - lo >= MAX_RANGE {
            self.error(
                e.loc,
                format!("unsupported: an index range in an initializer of more than {MAX_RANGE} elements"),
            );
            return Err(Fatal);
        }
        Ok(Some(hi))
    }

    /// A range designator's initializer, read for its first element into
    /// `out[first..]`, copied to the `more` elements after it (`esz`
    /// bytes each). Its value is evaluated once (as gcc does), so in a
    /// function a value with side effects, which each copy would
    /// repeat, is refused.
    fn fill_range(&mut self, out: &mut Vec<InitElem>, first: usize, esz: u64, more: u64) {
        if self.func.is_some() {
            if let Some(e) = out[first..].iter().find(|e| !pure(&e.expr)) {
                let loc = e.expr.loc;
                self.error(
                    loc,
                    "unsupported: a range designator's value with side effects",
                );
                return;
            }
        }
        let one: Vec<InitElem> = out[first..].to_vec();
        for k in 1..=more {
            out.extend(one.iter().map(|e| InitElem {
                offset: e.offset + k * esz,
                ..e.clone()
            }));
        }
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
            let range = self.range_designator(k, *len)?;
            self.expect("]")?;
            let esz = self.size_of(elem).unwrap_or(0);
            let out_of_range = excess || len.is_some_and(|n| k >= n);
            let first = out.len();
            self.nested_designation(
                &elem.clone(),
                offset + k.min(1 << 32) * esz,
                out_of_range,
                out,
            )
            .and_then(|()| {
                let k = match range {
                    Some(last) if !out_of_range => {
                        self.fill_range(out, first, esz, last - k);
                        last
                    }
                    _ => k,
                };
                // Initializers after a designation go on with the next
                // subobject of the same array (C11 6.7.9p17).
                if out_of_range || !self.continues_elided(len.is_some_and(|n| k + 1 < n)) {
                    return Ok(());
                }
                self.pos += 1;
                self.array_init(elem, *len, offset, out, false, k + 1)
                    .map(|_| ())
            })
        } else if self.eat(".") {
            let Ty::Struct(id) = ty else {
                return self.fatal("member designator for an object that is not a struct or union");
            };
            let (name, nloc) = self.ident()?;
            let Some((off, fty, bits)) =
                self.prog.structs[*id].find_member(&self.prog.structs, &name)
            else {
                self.error(nloc, format!("no member named '{name}'"));
                return Err(Fatal);
            };
            if bits.is_some() && !self.is("=") {
                return self.fatal(format!("bit-field '{name}' is not an aggregate"));
            }
            let id = *id;
            let start = out.len();
            self.nested_designation(&fty, offset + off, excess, out)
                .and_then(|()| {
                    mark_bits(&mut out[start..], bits);
                    // Go on with the next member (of a struct; a union has
                    // none), as after an array designation.
                    let s = &self.prog.structs[id];
                    let next = s
                        .fields
                        .iter()
                        .position(|f| f.name.as_deref() == Some(&name))
                        .map(|k| k + 1);
                    match next {
                        Some(k)
                            if !excess
                                && !s.is_union
                                && self.continues_elided(k < s.fields.len()) =>
                        {
                            self.pos += 1;
                            self.struct_init(id, offset, out, false, k)
                        }
                        _ => Ok(()),
                    }
                })
        } else {
            let d = self.describe();
            self.fatal(format!("expected '=' after a designator, found {d}"))
        };
        self.leave();
        r
    }

    /// Whether a designated initializer is followed by more initializers
    /// for the rest of its aggregate (`, v` but not `, }` or `, [k] =` or
    /// `, .m =`), given whether the aggregate has `more` subobjects.
    fn continues_elided(&self, more: bool) -> bool {
        more && self.is(",") && !self.is_at(1, "}") && !self.is_at(1, "[") && !self.is_at(1, ".")
    }

    /// The anonymous struct or union member of `fields` that holds a member
    /// named `name`.
    fn anonymous_holding(&self, fields: &[Field], name: &str) -> Option<usize> {
        fields.iter().position(|f| {
            f.name.is_none()
                && matches!(f.ty, Ty::Struct(id)
                    if self.prog.structs[id].find(&self.prog.structs, name).is_some())
        })
    }

    /// The initializer of `e` if it is a compound literal at file scope (a
    /// global named `lit.N`, a name no identifier can have).
    fn file_scope_literal(&self, e: &Expr) -> Option<Vec<InitElem>> {
        let ExprKind::Global(g) = &e.kind else {
            return None;
        };
        let g = &self.prog.globals[*g];
        if self.func.is_some() || !g.name.starts_with("lit.") {
            return None;
        }
        g.init.clone()
    }

    /// Whether the previous token ended a designation (`.x =`).
    pub(super) fn is_designated_prev(&self) -> bool {
        self.pos >= 2 && self.toks[self.pos - 1].is("=")
    }
}

/// Marks the pieces an initializer of a bit-field gave (one scalar) as
/// writing that bit-field.
fn mark_bits(pieces: &mut [InitElem], bits: Option<crate::ctype::BitField>) {
    if bits.is_some() {
        for el in pieces {
            el.bits = bits;
        }
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

/// The most elements a range designator (`[lo ... hi]`) covers.
const MAX_RANGE: u64 = 1 << 20;

/// Whether evaluating `e` has no side effect (no call, assignment,
/// increment or statement), so that evaluating it again gives the same.
fn pure(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Int(_)
        | ExprKind::Float(_)
        | ExprKind::Str(_)
        | ExprKind::Local(_)
        | ExprKind::Global(_)
        | ExprKind::Func(_)
        | ExprKind::LabelAddr(..) => true,
        ExprKind::Unary(_, a)
        | ExprKind::Cast(a)
        | ExprKind::Addr(a)
        | ExprKind::Deref(a)
        | ExprKind::Member(a, _) => pure(a),
        ExprKind::Binary(_, a, b)
        | ExprKind::LogAnd(a, b)
        | ExprKind::LogOr(a, b)
        | ExprKind::Comma(a, b) => pure(a) && pure(b),
        ExprKind::Cond(a, b, c) => pure(a) && pure(b) && pure(c),
        _ => false,
    }
}
