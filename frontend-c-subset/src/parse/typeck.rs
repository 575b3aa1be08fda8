//! Type checking of expressions: building the typed nodes, with C's
//! implicit conversions (decay, integer promotions, the usual arithmetic
//! conversions, assignment conversions) made explicit as `Cast` nodes, and
//! the checks of operand types of each operator.

use super::*;

impl Parser {
    /// A new expression node (counted against `MAX_EXPR_NODES`).
    pub(super) fn mk(&mut self, kind: ExprKind, ty: Ty, loc: Loc) -> Expr {
        self.nodes += 1;
        Expr { kind, ty, loc }
    }

    /// An integer constant of type `ty`.
    pub(super) fn int(&mut self, v: i64, ty: Ty, loc: Loc) -> Expr {
        let bits = (v as u64) & ty.ir().mask();
        self.mk(ExprKind::Int(bits), ty, loc)
    }

    /// `e` converted to `to` (no node if it already has that type).
    pub(super) fn cast(&mut self, e: Expr, to: &Ty) -> Expr {
        if e.ty == *to {
            return e;
        }
        let loc = e.loc;
        self.mk(ExprKind::Cast(Box::new(e)), to.clone(), loc)
    }

    /// Array and function decay: the value of an expression used as an
    /// operand.
    pub(super) fn rval(&mut self, e: Expr) -> Expr {
        match &e.ty {
            Ty::Array(..) | Ty::Vla(..) | Ty::Func(_) => {
                let t = e.ty.decay();
                let loc = e.loc;
                self.mk(ExprKind::Addr(Box::new(e)), t, loc)
            }
            _ => e,
        }
    }

    /// Whether `const` in the specifiers of a declaration of type `ty`
    /// makes the object itself read-only: not when the object is a
    /// pointer (or an array of pointers), whose pointee `const` qualifies.
    pub(super) fn const_applies(ty: &Ty) -> bool {
        let mut t = ty;
        while let Ty::Array(e, _) = t {
            t = e;
        }
        !t.is_ptr() && !t.is_func()
    }

    /// The name of the `const` variable `e` designates or is part of (a
    /// member, an element), if any: a store to it is an error. Only
    /// variables declared `const` are known; pivm-cc does not carry
    /// qualifiers in types.
    pub(super) fn const_object(&self, e: &Expr) -> Option<String> {
        match &e.kind {
            ExprKind::Local(id) if self.const_locals.contains(id) => {
                self.func.as_ref()?.locals.get(*id).map(|v| v.name.clone())
            }
            ExprKind::Global(g) if self.const_globals.contains(g) => {
                // A static local is `f.name.N`.
                let n = &self.prog.globals[*g].name;
                let shown = match (n.find('.'), n.rfind('.')) {
                    (Some(a), Some(b)) if a < b => &n[a + 1..b],
                    _ => n,
                };
                Some(shown.to_string())
            }
            ExprKind::Member(base, _) | ExprKind::BitMember { base, .. } => self.const_object(base),
            ExprKind::Deref(p) => {
                // `a[i]` of an array `a`: `*(&a + i)`, either way round.
                let mut q: &Expr = p;
                loop {
                    match &q.kind {
                        ExprKind::Binary(BinOp::Add, x, y) => {
                            q = if x.ty.is_ptr() { x } else { y };
                        }
                        ExprKind::Addr(x) if x.ty.is_array() => return self.const_object(x),
                        _ => return None,
                    }
                }
            }
            _ => None,
        }
    }

    /// Reports a store (`what`: assignment, increment, decrement) to a
    /// `const` variable.
    pub(super) fn check_writable(&mut self, e: &Expr, what: &str, loc: Loc) {
        if let Some(name) = self.const_object(e) {
            let msg = if matches!(e.kind, ExprKind::Local(_) | ExprKind::Global(_)) {
                format!("{what} of read-only variable '{name}'")
            } else {
                format!("{what} of read-only location in '{name}', which is declared const")
            };
            self.error(loc, msg);
        }
    }

    /// Whether `e` designates an object.
    pub(super) fn is_lvalue(e: &Expr) -> bool {
        matches!(
            e.kind,
            ExprKind::Local(_)
                | ExprKind::Global(_)
                | ExprKind::Deref(_)
                | ExprKind::Member(..)
                | ExprKind::BitMember { .. }
                | ExprKind::Str(_)
                | ExprKind::Object(..)
        )
    }

    /// Reports `e` if it is not of scalar type (`what` names the operand).
    pub(super) fn check_scalar(&mut self, e: &Expr, what: &str) {
        if !e.ty.is_scalar() {
            let n = self.tname(&e.ty);
            self.error(e.loc, format!("{what} must have scalar type, not '{n}'"));
        }
    }

    /// Converts `e` to `to` as assignment does, reporting incompatible
    /// types (`what` says where: "assignment", "return", "argument 2 of 'f'").
    pub(super) fn assign_conv(&mut self, e: Expr, to: &Ty, what: &str) -> Expr {
        let e = self.rval(e);
        let from = e.ty.clone();
        let ok = if to.is_arith() && from.is_arith() {
            true
        } else if to.is_ptr() && from.is_ptr() {
            let (a, b) = (to.base(), from.base());
            if !matches!(a, Some(Ty::Void))
                && !matches!(b, Some(Ty::Void))
                && !compatible(to, &from)
            {
                let (tn, fnm) = (self.tname(to), self.tname(&from));
                self.error(
                    e.loc,
                    format!("incompatible pointer types in {what}: '{tn}' from '{fnm}'"),
                );
            }
            true
        } else if to.is_ptr() && from.is_integer() {
            if !is_null_const(&e) {
                let (tn, fnm) = (self.tname(to), self.tname(&from));
                self.error(
                    e.loc,
                    format!("incompatible integer to pointer conversion in {what}: '{tn}' from '{fnm}' (add a cast)"),
                );
            }
            true
        } else if *to == Ty::Bool && from.is_ptr() {
            true
        } else if to.is_integer() && from.is_ptr() {
            let (tn, fnm) = (self.tname(to), self.tname(&from));
            self.error(
                e.loc,
                format!("incompatible pointer to integer conversion in {what}: '{tn}' from '{fnm}' (add a cast)"),
            );
            true
        } else if let (Ty::Struct(a), Ty::Struct(b)) = (to, &from) {
            if a != b {
                let (tn, fnm) = (self.tname(to), self.tname(&from));
                self.error(
                    e.loc,
                    format!("incompatible types in {what}: '{tn}' from '{fnm}'"),
                );
            }
            return e;
        } else {
            false
        };
        if !ok {
            let (tn, fnm) = (self.tname(to), self.tname(&from));
            self.error(
                e.loc,
                format!("incompatible types in {what}: '{tn}' from '{fnm}'"),
            );
            return e;
        }
        self.cast(e, to)
    }

    /// Reports pointer arithmetic on a pointer to an incomplete type.
    pub(super) fn check_pointee(&mut self, pty: &Ty, loc: Loc) {
        if let Some(b) = pty.base() {
            if !b.is_void() && self.size_of(b).is_none() && !b.is_vm() {
                let n = self.tname(b);
                self.error(
                    loc,
                    format!("arithmetic on a pointer to incomplete type '{n}'"),
                );
            }
        }
    }

    /// The binary operator `op` (its token) applied to `l` and `r`: checks
    /// the operand types and inserts C's conversions.
    pub(super) fn binop(&mut self, op: &str, l: Expr, r: Expr, loc: Loc) -> Expr {
        let (l, r) = (self.rval(l), self.rval(r));
        let bad = |p: &mut Parser, l: &Expr, r: &Expr| {
            let (a, b) = (p.tname(&l.ty), p.tname(&r.ty));
            p.error(
                loc,
                format!("invalid operands to binary '{op}' ('{a}' and '{b}')"),
            );
            p.int(0, Ty::Int, loc)
        };
        let arith = |p: &mut Parser, bop: BinOp, l: Expr, r: Expr| {
            let ty = usual_arith(&l.ty, &r.ty);
            let (l, r) = (p.cast(l, &ty), p.cast(r, &ty));
            p.mk(ExprKind::Binary(bop, Box::new(l), Box::new(r)), ty, loc)
        };
        match op {
            "||" | "&&" => {
                if !l.ty.is_scalar() || !r.ty.is_scalar() {
                    return bad(self, &l, &r);
                }
                let k = if op == "||" {
                    ExprKind::LogOr(Box::new(l), Box::new(r))
                } else {
                    ExprKind::LogAnd(Box::new(l), Box::new(r))
                };
                self.mk(k, Ty::Int, loc)
            }
            "|" | "^" | "&" | "%" => {
                if !l.ty.is_integer() || !r.ty.is_integer() {
                    return bad(self, &l, &r);
                }
                let bop = match op {
                    "|" => BinOp::BitOr,
                    "^" => BinOp::BitXor,
                    "&" => BinOp::BitAnd,
                    _ => BinOp::Rem,
                };
                arith(self, bop, l, r)
            }
            "*" | "/" => {
                if !l.ty.is_arith() || !r.ty.is_arith() {
                    return bad(self, &l, &r);
                }
                arith(self, if op == "*" { BinOp::Mul } else { BinOp::Div }, l, r)
            }
            "<<" | ">>" => {
                if !l.ty.is_integer() || !r.ty.is_integer() {
                    return bad(self, &l, &r);
                }
                let ty = l.ty.promote();
                let (l, r) = (self.cast(l, &ty), self.cast(r, &ty));
                let bop = if op == "<<" { BinOp::Shl } else { BinOp::Shr };
                self.mk(ExprKind::Binary(bop, Box::new(l), Box::new(r)), ty, loc)
            }
            "==" | "!=" | "<" | ">" | "<=" | ">=" => {
                let bop = match op {
                    "==" => BinOp::Eq,
                    "!=" => BinOp::Ne,
                    "<" => BinOp::Lt,
                    ">" => BinOp::Gt,
                    "<=" => BinOp::Le,
                    _ => BinOp::Ge,
                };
                let (l, r) = if l.ty.is_arith() && r.ty.is_arith() {
                    let ty = usual_arith(&l.ty, &r.ty);
                    (self.cast(l, &ty), self.cast(r, &ty))
                } else if l.ty.is_ptr() && r.ty.is_ptr() {
                    let (a, b) = (l.ty.base(), r.ty.base());
                    if !matches!(a, Some(Ty::Void))
                        && !matches!(b, Some(Ty::Void))
                        && !compatible(&l.ty, &r.ty)
                    {
                        let (x, y) = (self.tname(&l.ty), self.tname(&r.ty));
                        self.error(
                            loc,
                            format!("comparison of distinct pointer types ('{x}' and '{y}')"),
                        );
                    }
                    let ty = l.ty.clone();
                    (l, self.cast(r, &ty))
                } else if l.ty.is_ptr() && r.ty.is_integer() {
                    if !is_null_const(&r) {
                        self.error(loc, "comparison between pointer and integer");
                    }
                    let ty = l.ty.clone();
                    (l, self.cast(r, &ty))
                } else if r.ty.is_ptr() && l.ty.is_integer() {
                    if !is_null_const(&l) {
                        self.error(loc, "comparison between pointer and integer");
                    }
                    let ty = r.ty.clone();
                    (self.cast(l, &ty), r)
                } else {
                    return bad(self, &l, &r);
                };
                self.mk(
                    ExprKind::Binary(bop, Box::new(l), Box::new(r)),
                    Ty::Int,
                    loc,
                )
            }
            "+" => {
                if l.ty.is_arith() && r.ty.is_arith() {
                    return arith(self, BinOp::Add, l, r);
                }
                let (p, n) = if l.ty.is_ptr() && r.ty.is_integer() {
                    (l, r)
                } else if r.ty.is_ptr() && l.ty.is_integer() {
                    (r, l)
                } else {
                    return bad(self, &l, &r);
                };
                self.check_pointee(&p.ty, loc);
                let n = self.cast(n, &Ty::Long);
                let ty = p.ty.clone();
                self.mk(
                    ExprKind::Binary(BinOp::Add, Box::new(p), Box::new(n)),
                    ty,
                    loc,
                )
            }
            _ => {
                // "-"
                if l.ty.is_arith() && r.ty.is_arith() {
                    return arith(self, BinOp::Sub, l, r);
                }
                if l.ty.is_ptr() && r.ty.is_integer() {
                    self.check_pointee(&l.ty, loc);
                    let n = self.cast(r, &Ty::Long);
                    let ty = l.ty.clone();
                    return self.mk(
                        ExprKind::Binary(BinOp::Sub, Box::new(l), Box::new(n)),
                        ty,
                        loc,
                    );
                }
                if l.ty.is_ptr() && r.ty.is_ptr() {
                    if !compatible(&l.ty, &r.ty) {
                        self.error(loc, "subtraction of pointers to different types");
                    }
                    self.check_pointee(&l.ty, loc);
                    return self.mk(
                        ExprKind::Binary(BinOp::PtrDiff, Box::new(l), Box::new(r)),
                        Ty::Long,
                        loc,
                    );
                }
                bad(self, &l, &r)
            }
        }
    }

    /// The unary operator `op` ("+", "-", "~" or "!") applied to `e`.
    pub(super) fn unop(&mut self, op: &str, e: Expr, loc: Loc) -> Expr {
        match op {
            "!" => {
                self.check_scalar(&e, "the operand of '!'");
                self.mk(ExprKind::Unary(UnOp::LogNot, Box::new(e)), Ty::Int, loc)
            }
            "~" => {
                if !e.ty.is_integer() {
                    self.error(loc, "invalid argument type to unary '~'");
                    return e;
                }
                let ty = e.ty.promote();
                let e = self.cast(e, &ty);
                self.mk(ExprKind::Unary(UnOp::BitNot, Box::new(e)), ty, loc)
            }
            _ => {
                if !e.ty.is_arith() {
                    self.error(loc, format!("invalid argument type to unary '{op}'"));
                    return e;
                }
                let ty = e.ty.promote();
                let e = self.cast(e, &ty);
                if op == "+" {
                    // Still an rvalue.
                    return self.mk(ExprKind::Cast(Box::new(e)), ty, loc);
                }
                self.mk(ExprKind::Unary(UnOp::Neg, Box::new(e)), ty, loc)
            }
        }
    }

    /// `*e`.
    pub(super) fn deref(&mut self, e: Expr, loc: Loc) -> Expr {
        let Ty::Ptr(b) = &e.ty else {
            let n = self.tname(&e.ty);
            self.error(
                loc,
                format!("indirection requires a pointer operand ('{n}' invalid)"),
            );
            return e;
        };
        let b = (**b).clone();
        if let ExprKind::Addr(inner) = e.kind {
            if inner.ty.is_func() {
                return *inner;
            }
            if inner.ty == b {
                return *inner;
            }
            let e = Expr {
                kind: ExprKind::Addr(inner),
                ty: e.ty,
                loc: e.loc,
            };
            return self.mk(ExprKind::Deref(Box::new(e)), b, loc);
        }
        self.mk(ExprKind::Deref(Box::new(e)), b, loc)
    }

    /// `&e`.
    pub(super) fn addr_of(&mut self, e: Expr, loc: Loc) -> Expr {
        if e.ty.is_func() {
            return self.rval(e);
        }
        if !Self::is_lvalue(&e) {
            self.error(loc, "cannot take the address of an rvalue");
            return e;
        }
        if matches!(e.kind, ExprKind::BitMember { .. }) {
            self.error(loc, "cannot take the address of a bit-field");
            return self.int(0, ptr_to(e.ty), loc);
        }
        self.mark_addr_taken(&e);
        let ty = ptr_to(e.ty.clone());
        self.mk(ExprKind::Addr(Box::new(e)), ty, loc)
    }

    /// Marks the local variable under `e` (if any) as address-taken.
    pub(super) fn mark_addr_taken(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Local(id) => {
                if let Some(f) = self.func.as_mut() {
                    if let Some(l) = f.locals.get_mut(*id) {
                        l.addr_taken = true;
                    }
                }
            }
            ExprKind::Member(x, _) | ExprKind::BitMember { base: x, .. } => self.mark_addr_taken(x),
            _ => {}
        }
    }

    /// `++e`, `e--`...
    pub(super) fn incdec(&mut self, e: Expr, inc: bool, post: bool, loc: Loc) -> Expr {
        if !Self::is_lvalue(&e) || !e.ty.is_scalar() {
            self.error(
                loc,
                format!(
                    "cannot {} this expression",
                    if inc { "increment" } else { "decrement" }
                ),
            );
            return e;
        }
        self.check_writable(&e, if inc { "increment" } else { "decrement" }, loc);
        if e.ty.is_ptr() {
            self.check_pointee(&e.ty, loc);
        }
        let ty = e.ty.clone();
        self.mk(
            ExprKind::IncDec {
                inc,
                post,
                e: Box::new(e),
            },
            ty,
            loc,
        )
    }
}
