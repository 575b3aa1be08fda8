//! `_Generic` (C11 6.5.1.1): the controlling expression's type after
//! lvalue conversion (arrays and functions decay; pivm-cc's types carry
//! no qualifiers, so there are none to drop) picks the association of a
//! compatible type, else `default`. The controlling expression and the
//! other associations are type-checked, never evaluated.
//!
//! pivm-cc's types do not carry qualifiers, so an association's
//! qualifiers are read from its tokens: one qualified at the top
//! (`const int`) is never chosen (no controlling type has a top-level
//! qualifier), and two associations that differ only in qualifiers under
//! a pointer (`char *` and `const char *`) are different types, the
//! unqualified one chosen, unless the controlling expression is a
//! variable declared `const T *` (or a `const` array), whose pointee is
//! known to be `const`.

use super::*;

/// One association: its type (`None`: `default`), where it is, the
/// qualifiers and `*` of its type name in order, and its expression.
struct Assoc {
    ty: Option<Ty>,
    loc: Loc,
    quals: Vec<String>,
    expr: Expr,
}

impl Parser {
    // generic-selection = "_Generic" "(" assign "," generic-assoc ("," generic-assoc)* ")"
    // generic-assoc = (type-name | "default") ":" assign
    pub(super) fn generic_selection(&mut self) -> PResult<Expr> {
        let loc = self.loc();
        self.pos += 1;
        self.expect("(")?;
        let save = self.nodes;
        let ctl = self.nested("expression", Self::assign)?;
        self.nodes = save;
        let const_pointee = self.has_const_pointee(&ctl);
        // A bit-field narrower than its declared type has a type of its
        // own width to gcc, which only `default` matches.
        let narrow_field = matches!(&ctl.kind, ExprKind::BitMember { unit, bits, .. }
            if *unit != Ty::Bool && u64::from(bits.width) < unit.ir().bytes() as u64 * 8);
        let ctl = self.rval(ctl);
        let mut assocs: Vec<Assoc> = Vec::new();
        while self.eat(",") {
            let aloc = self.loc();
            let start = self.pos;
            let ty = if self.eat("default") {
                None
            } else {
                Some(self.type_name()?)
            };
            let quals = self.toks[start..self.pos]
                .iter()
                .filter(|t| {
                    [
                        "*",
                        "const",
                        "volatile",
                        "restrict",
                        "__restrict",
                        "__const",
                    ]
                    .contains(&&*t.text)
                })
                .map(|t| if t.is("*") { "*" } else { "q" }.to_string())
                .collect();
            self.expect(":")?;
            let expr = self.nested("expression", Self::assign)?;
            assocs.push(Assoc {
                ty,
                loc: aloc,
                quals,
                expr,
            });
        }
        self.expect(")")?;
        // Two associations of one type (or two defaults).
        for (i, a) in assocs.iter().enumerate() {
            let dup = assocs[..i].iter().find(|b| match (&a.ty, &b.ty) {
                (None, None) => true,
                (Some(x), Some(y)) => a.quals == b.quals && self.same_type(x, y),
                _ => false,
            });
            if let Some(b) = dup {
                let msg = if a.ty.is_none() {
                    "duplicate 'default' association in '_Generic'".to_string()
                } else {
                    let n = self.tname(a.ty.as_ref().unwrap_or(&Ty::Int));
                    format!("'_Generic' has two associations of compatible type '{n}'")
                };
                self.errors
                    .push(Diag::new(a.loc, msg).note(b.loc, "the other association is here"));
            }
        }
        let top_qualified = |a: &Assoc| a.quals.last().is_some_and(|q| q == "q");
        let matching: Vec<usize> = assocs
            .iter()
            .enumerate()
            .filter(|(_, a)| {
                a.ty.as_ref().is_some_and(|t| self.same_type(t, &ctl.ty))
                    && !top_qualified(a)
                    && !narrow_field
            })
            .map(|(i, _)| i)
            .collect();
        let plain = |i: &usize| assocs[*i].quals.iter().all(|q| q == "*");
        let const_one = |i: &usize| assocs[*i].quals == ["q", "*"];
        let preferred = if const_pointee {
            matching.iter().copied().find(const_one)
        } else {
            None
        };
        let chosen = preferred
            .or_else(|| matching.iter().copied().find(plain))
            .or(matching.first().copied())
            .or_else(|| assocs.iter().position(|a| a.ty.is_none()));
        match chosen {
            Some(i) => Ok(assocs.swap_remove(i).expr),
            None => {
                let n = self.tname(&ctl.ty);
                self.error(
                    ctl.loc,
                    format!(
                        "'_Generic' controlling expression of type '{n}' matches no association, and there is no 'default'"
                    ),
                );
                let _ = loc;
                Ok(self.int(0, Ty::Int, ctl.loc))
            }
        }
    }

    /// Records a variable declared with `const` before a pointer's `*`
    /// (`const char *p`, `const int *a[3]`): its pointee is `const`.
    pub(super) fn note_const_pointee(&mut self, v: VarRef, ty: &Ty, attr: Attr) {
        if !attr.is_const || !ty.is_ptr() {
            return;
        }
        match v {
            VarRef::Local(id) => self.const_pointee_locals.insert(id),
            VarRef::Global(g) => self.const_pointee_globals.insert(g),
        };
    }

    /// Whether `e`, after lvalue conversion, is known to point to `const`:
    /// a variable declared `const T *`, or a `const` array.
    fn has_const_pointee(&self, e: &Expr) -> bool {
        match e.kind {
            ExprKind::Local(id) => {
                (e.ty.is_ptr() && self.const_pointee_locals.contains(&id))
                    || (e.ty.is_array() && self.const_locals.contains(&id))
            }
            ExprKind::Global(g) => {
                (e.ty.is_ptr() && self.const_pointee_globals.contains(&g))
                    || (e.ty.is_array() && self.const_globals.contains(&g))
            }
            _ => false,
        }
    }

    /// Whether `a` and `b` are compatible types in C's exact sense
    /// (`int` and `unsigned` differ, and so do `long` and `long long`).
    pub(super) fn same_type(&self, a: &Ty, b: &Ty) -> bool {
        compatible_decl(a, b, &|x, y| x == y)
    }
}
