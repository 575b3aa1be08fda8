//! Old-style (K&R) function definitions, which C99 still accepts:
//! `int f(a, b) int a; char *b; { ... }`. The identifier list names the
//! parameters and the declarations before the body give their types
//! (`int` for a name left undeclared, as C89 and gcc take it). pivm then
//! treats the definition as the prototype it spells: a call converts each
//! argument to the parameter's type where K&R C would promote it and the
//! function convert it back, which gives the same values.

use super::*;

impl Parser {
    /// After the `(` of a parameter list that starts with an identifier
    /// that is no type name: reads the identifier list and its `)`. Only a
    /// function definition may have one (C11 6.7.6.3p3).
    pub(super) fn knr_identifier_list(&mut self, ret: Ty) -> PResult<Ty> {
        let mut names: Vec<(String, Loc)> = Vec::new();
        loop {
            let (n, loc) = self.ident()?;
            if names.iter().any(|(m, _)| *m == n) {
                self.error(loc, format!("redefinition of parameter '{n}'"));
            }
            names.push((n, loc));
            if self.eat(")") {
                break;
            }
            self.expect(",")?;
        }
        if !(self.is("{") || self.is_typename()) {
            return self.fatal_after_prev(
                "an identifier list is allowed only in a function definition".to_string(),
            );
        }
        self.knr = Some(names);
        Ok(Ty::Func(Rc::new(FuncTy {
            ret,
            params: Vec::new(),
            variadic: false,
            proto: false,
        })))
    }

    /// Reads the declarations between a K&R definition's declarator and
    /// its body; returns the function's type with its parameters, and
    /// leaves their names for `function_def`.
    pub(super) fn knr_parameters(
        &mut self,
        fty: &FuncTy,
        names: Vec<(String, Loc)>,
    ) -> PResult<FuncTy> {
        let mut types: Vec<Option<Ty>> = vec![None; names.len()];
        while !self.is("{") {
            if self.peek().is_none() {
                return self.fatal("expected the body of the function at end of file");
            }
            let loc = self.loc();
            if !self.is_typename() {
                let d = self.describe();
                return self.fatal(format!(
                    "expected a parameter declaration or the function body, found {d}"
                ));
            }
            let mut attr = Attr::default();
            let base = self.declspec(Some(&mut attr))?;
            if attr.is_typedef || attr.is_static || attr.is_extern {
                self.error(loc, "a parameter may have no storage class but 'register'");
            }
            loop {
                let (ty, name) = self.declarator(base.clone())?;
                let Some((n, nloc)) = name else {
                    return self.fatal("expected a parameter name");
                };
                match names.iter().position(|(m, _)| *m == n) {
                    Some(i) if types[i].is_some() => {
                        self.error(nloc, format!("redefinition of parameter '{n}'"))
                    }
                    Some(i) => types[i] = Some(ty),
                    None => self.error(
                        nloc,
                        format!("declaration of '{n}', which is not a parameter"),
                    ),
                }
                if self.eat(";") {
                    break;
                }
                self.expect(",")?;
            }
        }
        let params = types
            .into_iter()
            .map(|t| match t.unwrap_or(Ty::Int) {
                Ty::Array(b, _) => Ty::Ptr(b),
                t @ Ty::Func(_) => ptr_to(t),
                t => t,
            })
            .collect();
        self.last_params = names.into_iter().map(|(n, l)| (Some(n), l)).collect();
        Ok(FuncTy {
            ret: fty.ret.clone(),
            params,
            variadic: false,
            proto: true,
        })
    }
}
