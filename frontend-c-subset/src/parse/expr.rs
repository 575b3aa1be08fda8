//! Expressions, by precedence: comma, assignment, conditional, binary
//! operators, casts, unary and postfix operators, primaries.

use super::*;

impl Parser {
    // expr = assign ("," assign)*
    pub(super) fn expr(&mut self) -> PResult<Expr> {
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
    pub(super) fn assign(&mut self) -> PResult<Expr> {
        let lhs = self.conditional()?;
        let Some(t) = self.peek().cloned() else {
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
            _ => return Ok(lhs),
        };
        if t.kind != TokKind::Punct {
            return Ok(lhs);
        }
        self.pos += 1;
        let loc = t.loc;
        let rhs = self.nested("expression", Self::assign)?;
        if !Self::is_lvalue(&lhs) || lhs.ty.is_array() || lhs.ty.is_func() {
            self.error(loc, "expression is not assignable");
            return Ok(lhs);
        }
        self.check_writable(&lhs, "assignment", loc);
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

    // conditional = logor ("?" expr ":" conditional)?
    pub(super) fn conditional(&mut self) -> PResult<Expr> {
        let c = self.binary(0)?;
        if !self.is("?") {
            return Ok(c);
        }
        let loc = self.loc();
        self.pos += 1;
        let mut c = self.rval(c);
        self.check_scalar(&c, "the condition of '?:'");
        // GNU's `c ?: b`: `c ? c : b` with `c` evaluated once (through a
        // temporary, unless it is a constant or a variable's value).
        let mut first = None;
        let (a, b) = if self.eat(":") {
            let b = self.nested("expression", |p| p.conditional())?;
            let plain = matches!(
                c.kind,
                ExprKind::Int(_) | ExprKind::Float(_) | ExprKind::Local(_) | ExprKind::Global(_)
            );
            if !plain && self.func.is_some() {
                let (id, set) = self.temp_named("elvis", c, loc);
                c = self.mk(ExprKind::Local(id), set.ty.clone(), loc);
                first = Some(set);
            }
            (c.clone(), b)
        } else {
            self.nested("expression", |p| {
                let a = p.expr()?;
                p.expect(":")?;
                Ok((a, p.conditional()?))
            })?
        };
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
        let cond = self.mk(
            ExprKind::Cond(Box::new(c), Box::new(a), Box::new(b)),
            ty.clone(),
            loc,
        );
        Ok(match first {
            Some(set) => self.mk(ExprKind::Comma(Box::new(set), Box::new(cond)), ty, loc),
            None => cond,
        })
    }

    /// Binary operators by precedence climbing (left associative):
    // logor = logand ("||" logand)*       logand = bitor ("&&" bitor)*
    // bitor = bitxor ("|" bitxor)*        bitxor = bitand ("^" bitand)*
    // bitand = equality ("&" equality)*   equality = relational (("==" | "!=") relational)*
    // relational = shift (("<" | "<=" | ">" | ">=") shift)*
    // shift = add (("<<" | ">>") add)*    add = mul (("+" | "-") mul)*
    // mul = cast (("*" | "/" | "%") cast)*
    pub(super) fn binary(&mut self, min_prec: u8) -> PResult<Expr> {
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
            // Recurses only to a higher precedence: at most one level per
            // precedence.
            let rhs = self.binary(prec)?;
            lhs = self.binop(&op, lhs, rhs, loc);
        }
        Ok(lhs)
    }

    // cast = "(" type-name ")" cast | "(" type-name ")" "{" init-list "}" postfix-tail | unary
    pub(super) fn cast_expr(&mut self) -> PResult<Expr> {
        if self.nodes > MAX_EXPR_NODES {
            return self.fatal("expression is too large");
        }
        self.nested("expression", Self::cast_inner)
    }

    /// `cast`, inside the depth bound of `cast_expr`.
    pub(super) fn cast_inner(&mut self) -> PResult<Expr> {
        if self.is("(") && self.peek_at(1).is_some_and(|t| self.is_typename_tok(t)) {
            let loc = self.loc();
            self.pos += 1;
            let ty = self.type_name()?;
            self.expect(")")?;
            if self.is("{") {
                if ty.is_vm() {
                    self.vla_drop_pending();
                    return self
                        .fatal("a compound literal cannot have a variable-length array type");
                }
                let e = self.compound_literal(ty, loc)?;
                return self.postfix_tail(e);
            }
            if ty.is_vm() {
                let e = self.cast_expr()?;
                let e = self.rval(e);
                let c = self.mk(ExprKind::Cast(Box::new(e)), ty.clone(), loc);
                if !ty.is_ptr() {
                    let n = self.tname(&ty);
                    self.error(loc, format!("invalid cast to '{n}'"));
                }
                return Ok(self.vla_wrap(c));
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

    // compound-literal = "{" init-list "}"   (after "(" type-name ")")
    /// An anonymous object: a local inside a function, else a global.
    pub(super) fn compound_literal(&mut self, ty: Ty, loc: Loc) -> PResult<Expr> {
        let mut init = Vec::new();
        let t = self.initializer(&ty, 0, &mut init, true)?;
        if self.func.is_some() {
            self.statics += 1;
            let name = format!("lit.{}", self.statics);
            let Some(f) = self.func.as_mut() else {
                return Err(Fatal);
            };
            let id = f.locals.push(LocalVar {
                name,
                ty: t.clone(),
                addr_taken: true,
                is_register: false,
                align: 0,
                loc,
            });
            Ok(self.mk(ExprKind::Object(Box::new(VarRef::Local(id)), init), t, loc))
        } else {
            self.statics += 1;
            let g = self.prog.globals.push(GlobalVar {
                name: format!("lit.{}", self.statics),
                ty: t.clone(),
                init: Some(init),
                defined: true,
                is_static: true,
                align: 0,
                loc,
            });
            Ok(self.mk(ExprKind::Global(g), t, loc))
        }
    }

    // unary = ("+" | "-" | "*" | "&" | "!" | "~") cast | ("++" | "--") unary
    //       | "sizeof" unary | "sizeof" "(" type-name ")" | "_Alignof" "(" type-name ")"
    //       | postfix
    pub(super) fn unary(&mut self) -> PResult<Expr> {
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
                    if let ExprKind::Local(id) = e.kind {
                        let reg = self.func.as_ref().and_then(|f| f.locals.get(id));
                        if let Some(v) = reg.filter(|v| v.is_register) {
                            let msg =
                                format!("address of register variable '{}' requested", v.name);
                            self.error(loc, msg);
                        }
                    }
                    return Ok(self.addr_of(e, loc));
                }
                "&&" if self.peek_at(1).is_some_and(|n| n.kind == TokKind::Ident) => {
                    self.pos += 1;
                    let (l, lloc) = self.ident()?;
                    if self.func.is_none() {
                        return self.fatal("label addresses are allowed only inside functions");
                    }
                    let f = self.fstate();
                    f.gotos.push((l.clone(), lloc));
                    f.computed.get_or_insert(loc);
                    let n = match f.label_addrs.iter().position(|x| *x == l) {
                        Some(i) => i,
                        None => {
                            f.label_addrs.push(l.clone());
                            f.label_addrs.len() - 1
                        }
                    };
                    return Ok(self.mk(
                        ExprKind::LabelAddr(l, n as u64 + 1),
                        ptr_to(Ty::Void),
                        loc,
                    ));
                }
                "++" | "--" => {
                    self.pos += 1;
                    let e = self.nested("expression", Self::unary)?;
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
                let e = self.nested("expression", Self::unary)?;
                self.nodes = save;
                if matches!(e.kind, ExprKind::BitMember { .. }) {
                    let what = if is_size { "sizeof" } else { "_Alignof" };
                    self.error(
                        loc,
                        format!("invalid application of '{what}' to a bit-field"),
                    );
                }
                e.ty
            };
            if is_size && ty.is_vm() {
                let e = self.mk(ExprKind::VlaSize(ty), Ty::ULong, loc);
                return Ok(self.vla_wrap(e));
            }
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

    // postfix = primary ("[" expr "]" | "(" func-args ")" | "." ident | "->" ident | "++" | "--")*
    pub(super) fn postfix(&mut self) -> PResult<Expr> {
        let e = self.primary()?;
        self.postfix_tail(e)
    }

    // postfix-tail = ("[" expr "]" | "(" func-args ")" | "." ident | "->" ident | "++" | "--")*
    pub(super) fn postfix_tail(&mut self, mut e: Expr) -> PResult<Expr> {
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
                let Some((off, fty, bits)) =
                    self.prog.structs[id].find_member(&self.prog.structs, &name)
                else {
                    let n = self.tname(&e.ty);
                    self.error(nloc, format!("no member named '{name}' in '{n}'"));
                    return Err(Fatal);
                };
                e = match bits {
                    Some(bits) => {
                        let ty = bits.value_ty(&fty);
                        let kind = ExprKind::BitMember {
                            base: Box::new(e),
                            offset: off,
                            unit: fty,
                            bits,
                        };
                        self.mk(kind, ty, nloc)
                    }
                    None => self.mk(ExprKind::Member(Box::new(e), off), fty, nloc),
                };
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
    pub(super) fn call(&mut self, callee: Expr, loc: Loc) -> PResult<Expr> {
        let fname = match &callee.kind {
            ExprKind::Func(f) => Some(self.prog.funcs[*f].name.clone()),
            _ => None,
        };
        if let ExprKind::Func(f) = callee.kind {
            if self.prog.funcs[f].is_alloca() {
                self.fstate().uses_alloca = true;
            }
        }
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
    /// gcc's builtins answered at compile time, at `name(`: `__builtin_constant_p(e)`
    /// (1 for an integer or floating constant, as gcc without optimization
    /// says; `e` is not evaluated), `__builtin_types_compatible_p(T1, T2)`
    /// (C's compatible types, qualifiers aside), `__builtin_choose_expr(c,
    /// a, b)` (`a` if the constant `c` is nonzero, else `b`, unconverted;
    /// the other is not evaluated). `None` for another name.
    fn gnu_query(&mut self, name: &str, loc: Loc) -> PResult<Option<Expr>> {
        match name {
            "__builtin_constant_p" => {
                self.pos += 2;
                let e = self.assign()?;
                self.expect(")")?;
                let c = const_int(&e).is_some() || matches!(e.kind, ExprKind::Float(_));
                Ok(Some(self.int(c as i64, Ty::Int, loc)))
            }
            "__builtin_types_compatible_p" => {
                self.pos += 2;
                let a = self.type_name()?;
                self.expect(",")?;
                let b = self.type_name()?;
                self.expect(")")?;
                let c = self.same_type(&a, &b);
                Ok(Some(self.int(c as i64, Ty::Int, loc)))
            }
            "__builtin_choose_expr" => {
                self.pos += 2;
                let c = self.assign()?;
                self.expect(",")?;
                let a = self.assign()?;
                self.expect(",")?;
                let b = self.assign()?;
                self.expect(")")?;
                match const_int(&c) {
                    Some(v) => Ok(Some(if v != 0 { a } else { b })),
                    None => {
                        self.error(
                            c.loc,
                            "the first argument of '__builtin_choose_expr' is not an integer constant",
                        );
                        Err(Fatal)
                    }
                }
            }
            _ => Ok(None),
        }
    }

    pub(super) fn primary(&mut self) -> PResult<Expr> {
        let Some(t) = self.peek().cloned() else {
            return self.fatal("expected an expression at end of file");
        };
        let loc = t.loc;
        match t.kind {
            TokKind::Punct if t.is("(") => {
                self.pos += 1;
                if self.is("{") {
                    return self.nested("statement expression", |p| p.stmt_expr(loc));
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
                let lower = t.text.to_ascii_lowercase();
                let float_like = if lower.starts_with("0x") {
                    lower.contains(['.', 'p'])
                } else {
                    lower.contains(['.', 'e'])
                };
                if !float_like {
                    let msg = if lower.len() > 1
                        && lower.starts_with('0')
                        && lower.bytes().all(|b| b.is_ascii_digit())
                    {
                        format!("invalid digit in octal constant '{}'", t.text)
                    } else {
                        format!("invalid or too large integer constant '{}'", t.text)
                    };
                    self.error(loc, msg);
                    return Ok(self.int(0, Ty::Int, loc));
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
                let ty = char_type(&t.text);
                match char_value(&t.text) {
                    Ok(v) => Ok(self.int(v, ty, loc)),
                    Err(m) => {
                        self.error(loc, m);
                        Ok(self.int(0, ty, loc))
                    }
                }
            }
            TokKind::Str => Ok(self.string_literals(loc)),
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
                if atomic::is_atomic_builtin(&t.text)
                    && self.is_at(1, "(")
                    && self.lookup(&t.text).is_none()
                {
                    return self.atomic_builtin();
                }
                if self.is_at(1, "(") && self.lookup(&t.text).is_none() {
                    if let Some(e) = self.gnu_query(&t.text, loc)? {
                        return Ok(e);
                    }
                }
                if KEYWORDS.contains(&&*t.text) {
                    if t.is("_Generic") {
                        return self.generic_selection();
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
                            .and_then(|f| f.locals.get(id))
                            .map_or(Ty::Int, |v| v.ty.clone());
                        Ok(self.mk(ExprKind::Local(id), ty, loc))
                    }
                    Some(Sym::Global(g)) => {
                        let ty = self.global_ty(g);
                        Ok(self.mk(ExprKind::Global(g), ty, loc))
                    }
                    Some(Sym::Func(f)) => {
                        let ty = Ty::Func(Rc::new(self.func_ty(f)));
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
                        Ok(self.mk(ExprKind::Local(LocalId(u32::MAX)), Ty::Int, loc))
                    }
                }
            }
            _ => {
                let d = self.describe();
                self.fatal(format!("expected an expression, found {d}"))
            }
        }
    }

    /// A string literal (its bytes, the NUL added here) as a `char` array.
    pub(super) fn string_lit(&mut self, bytes: Vec<u8>, loc: Loc) -> Expr {
        self.string_of(bytes, Prefix::None, loc)
    }

    /// A string literal of the element type of `prefix`: its bytes
    /// (little-endian code units) and then a zero unit.
    fn string_of(&mut self, mut bytes: Vec<u8>, prefix: Prefix, loc: Loc) -> Expr {
        let unit = (prefix.unit_bits() / 8) as usize;
        bytes.extend(std::iter::repeat_n(0, unit));
        let n = (bytes.len() / unit) as u64;
        let id = self.prog.strings.push(bytes);
        self.mk(
            ExprKind::Str(id),
            Ty::Array(Rc::new(prefix.char_type()), Some(n)),
            loc,
        )
    }

    // string = STRING+  (adjacent literals concatenated, C11 6.4.5p5: a
    // wide prefix wins over none or `u8`; two different wide ones are an
    // error, as in gcc)
    fn string_literals(&mut self, loc: Loc) -> Expr {
        let start = self.pos;
        let mut prefix = Prefix::None;
        while let Some(s) = self.peek().filter(|t| t.kind == TokKind::Str).cloned() {
            self.pos += 1;
            let p = Prefix::split(&s.text).0;
            if p.is_wide() && prefix.is_wide() && p != prefix
                || p.is_wide() && prefix == Prefix::U8
                || p == Prefix::U8 && prefix.is_wide()
            {
                self.error(
                    s.loc,
                    "unsupported non-standard concatenation of string literals",
                );
            } else if p != Prefix::None {
                prefix = p;
            }
        }
        let bits = prefix.unit_bits();
        let mut bytes = Vec::new();
        for i in start..self.pos {
            let s = self.toks[i].clone();
            let quoted = Prefix::split(&s.text).1;
            let body = &quoted[1..quoted.len() - 1];
            match literal_units(body, bits) {
                Ok(u) => bytes.extend(units_to_bytes(&u, bits)),
                Err(m) => self.error(s.loc, m),
            }
        }
        self.string_of(bytes, prefix, loc)
    }
}
