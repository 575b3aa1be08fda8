//! Declarations: the translation unit, function definitions, global and
//! local variable declarations, `_Static_assert`.

use super::*;

impl Parser {
    // translation-unit = (function-definition | declaration)*
    pub(super) fn translation_unit(&mut self) -> PResult<()> {
        while self.peek().is_some() {
            self.nodes = 0;
            if self.eat(";") {
                continue;
            }
            if self.is("_Static_assert") {
                self.static_assert()?;
                continue;
            }
            let mut attr = Attr::default();
            let loc = self.loc();
            let base = self.declspec(Some(&mut attr))?;
            if self.eat(";") {
                continue;
            }
            let mut first = true;
            loop {
                let (ty, name) = self.declarator(base.clone())?;
                let Some((name, nloc)) = name else {
                    return self.fatal("expected a declarator name");
                };
                if attr.is_typedef {
                    self.declare(&name, Sym::Typedef(ty));
                } else if let Ty::Func(fty) = &ty {
                    let fid = self.declare_func(&name, nloc, (**fty).clone(), attr.is_static);
                    if first && self.is("{") {
                        self.function_def(fid, nloc)?;
                        break;
                    }
                } else {
                    self.global_decl(&name, nloc, ty, attr)?;
                }
                first = false;
                if self.eat(";") {
                    break;
                }
                if !self.eat(",") {
                    let d = self.describe();
                    return self.fatal_after_prev(format!(
                        "expected ',' or ';' after a declarator, found {d}"
                    ));
                }
            }
            let _ = loc;
        }
        for g in self.prog.globals.values() {
            if !g.defined {
                // An extern never defined: an error only if used, which the
                // lowering reports; nothing to do here.
            }
        }
        Ok(())
    }

    // static-assert = "_Static_assert" "(" const-expr "," string ")" ";"
    pub(super) fn static_assert(&mut self) -> PResult<()> {
        let loc = self.loc();
        self.pos += 1;
        self.expect("(")?;
        let e = self.conditional()?;
        let v = const_int(&e);
        let mut msg = String::new();
        if self.eat(",") {
            if let Some(t) = self.peek().filter(|t| t.kind == TokKind::Str) {
                msg = t.text.trim_matches('"').to_string();
                self.pos += 1;
            }
        }
        self.expect(")")?;
        self.expect(";")?;
        match v {
            Some(0) => self.error(loc, format!("static assertion failed: {msg}")),
            Some(_) => {}
            None => self.error(
                loc,
                "static assertion expression is not an integer constant",
            ),
        }
        Ok(())
    }

    /// Declares (or redeclares) function `name` at file scope, checking the
    /// new type against an earlier declaration; returns its id.
    pub(super) fn declare_func(
        &mut self,
        name: &str,
        loc: Loc,
        ty: FuncTy,
        is_static: bool,
    ) -> FunctionId {
        let existing = self.scopes[0].syms.get(name).cloned();
        if let Some(Sym::Func(id)) = existing {
            let old = self.prog.funcs[id].ty.clone();
            if !compatible(
                &Ty::Func(Rc::new(old.clone())),
                &Ty::Func(Rc::new(ty.clone())),
            ) {
                self.error(loc, format!("conflicting types for '{name}'"));
            } else if ty.proto && !old.proto {
                self.prog.funcs[id].ty = ty;
            }
            if is_static {
                self.prog.funcs[id].is_static = true;
            }
            if self.scopes.len() > 1 {
                self.declare(name, Sym::Func(id));
            }
            return id;
        }
        if existing.is_some() {
            self.error(
                loc,
                format!("'{name}' redeclared as a different kind of symbol"),
            );
        }
        let id = self.prog.funcs.push(FunctionDecl {
            name: name.to_string(),
            ty,
            is_static,
            def: None,
            used: false,
            loc,
        });
        self.scopes[0].syms.insert(name.to_string(), Sym::Func(id));
        if self.scopes.len() > 1 {
            self.declare(name, Sym::Func(id));
        }
        id
    }

    // function-definition = declspec declarator compound-stmt
    pub(super) fn function_def(&mut self, fid: FunctionId, loc: Loc) -> PResult<()> {
        let fty = self.prog.funcs[fid].ty.clone();
        let name = self.prog.funcs[fid].name.clone();
        if self.prog.funcs[fid].def.is_some() {
            self.error(loc, format!("redefinition of '{name}'"));
        }
        if fty.variadic {
            self.error(
                loc,
                format!("unsupported: defining variadic functions ('{name}'); only the runtime's printf family is variadic"),
            );
        }
        if fty.ret.is_array() || fty.ret.is_func() {
            self.error(loc, "a function cannot return an array or a function");
        }
        if fty.ret.is_struct() && self.size_of(&fty.ret).is_none() {
            let n = self.tname(&fty.ret);
            self.error(loc, format!("return type '{n}' is incomplete"));
        }
        // Definitions with `()` take no parameters.
        if !fty.proto {
            self.prog.funcs[fid].ty.proto = true;
        }
        let names = std::mem::take(&mut self.last_params);
        self.func = Some(FnState {
            name: name.clone(),
            ret: fty.ret.clone(),
            locals: EntityVec::new(),
            labels: HashSet::new(),
            gotos: Vec::new(),
            switches: Vec::new(),
            loops: 0,
            breakables: 0,
            refs: Vec::new(),
        });
        self.push_scope();
        let mut params = Vec::new();
        for (i, pty) in fty.params.iter().enumerate() {
            let (pname, ploc) = names.get(i).cloned().unwrap_or((None, loc));
            let Some(pname) = pname else {
                self.error(ploc, "parameter name omitted in a function definition");
                continue;
            };
            if pty.is_struct() && self.size_of(pty).is_none() {
                let n = self.tname(pty);
                self.error(
                    ploc,
                    format!("parameter '{pname}' has incomplete type '{n}'"),
                );
            }
            let id = self.new_local(&pname, pty.clone(), ploc);
            params.push(id);
        }
        let body = self.compound_stmt()?;
        self.pop_scope();
        let st = self.func.take();
        let Some(st) = st else { return Ok(()) };
        for (l, gloc) in &st.gotos {
            if !st.labels.contains(l) {
                self.error(*gloc, format!("use of undeclared label '{l}'"));
            }
        }
        self.prog.funcs[fid].def = Some(FuncDef {
            params,
            locals: st.locals,
            refs: st.refs,
            body: match body.kind {
                StmtKind::Block(v) => v,
                _ => vec![body],
            },
        });
        if name == "main" {
            self.prog.funcs[fid].used = true;
        }
        Ok(())
    }

    /// A new local variable of the current function, declared in the
    /// innermost scope.
    pub(super) fn new_local(&mut self, name: &str, ty: Ty, loc: Loc) -> LocalId {
        let Some(f) = self.func.as_mut() else {
            return LocalId(0);
        };
        let id = f.locals.push(LocalVar {
            name: name.to_string(),
            ty,
            addr_taken: false,
            loc,
        });
        self.declare(name, Sym::Local(id));
        id
    }

    // global-declarator-rest = ("=" initializer)?
    /// A file-scope variable, after its declarator: merges it with an
    /// earlier declaration and parses its initializer.
    pub(super) fn global_decl(&mut self, name: &str, loc: Loc, ty: Ty, attr: Attr) -> PResult<()> {
        let existing = self.scopes[0].syms.get(name).cloned();
        let gid = match existing {
            Some(Sym::Global(g)) => {
                let old = self.prog.globals[g].ty.clone();
                if !compatible(&old, &ty) {
                    self.error(loc, format!("conflicting types for '{name}'"));
                } else if matches!(old, Ty::Array(_, None)) {
                    self.prog.globals[g].ty = ty.clone();
                }
                g
            }
            Some(_) => {
                self.error(
                    loc,
                    format!("'{name}' redeclared as a different kind of symbol"),
                );
                return self.skip_init();
            }
            None => {
                let g = self.prog.globals.push(GlobalVar {
                    name: name.to_string(),
                    ty: ty.clone(),
                    init: None,
                    defined: false,
                    loc,
                });
                self.scopes[0].syms.insert(name.to_string(), Sym::Global(g));
                g
            }
        };
        if !attr.is_extern {
            self.prog.globals[gid].defined = true;
        }
        if self.eat("=") {
            if self.prog.globals[gid].init.is_some() {
                self.error(loc, format!("redefinition of '{name}'"));
            }
            let gty = self.prog.globals[gid].ty.clone();
            let mut out = Vec::new();
            let t = self.initializer(&gty, 0, &mut out, true)?;
            self.prog.globals[gid].ty = t;
            self.prog.globals[gid].init = Some(out);
            self.prog.globals[gid].defined = true;
        }
        let g = &self.prog.globals[gid];
        if g.defined && g.ty.size(&self.prog.structs).is_none() {
            let is_open_array = matches!(g.ty, Ty::Array(_, None));
            if !is_open_array || g.init.is_some() {
                let n = self.tname(&g.ty);
                self.error(loc, format!("variable '{name}' has incomplete type '{n}'"));
            }
        }
        Ok(())
    }

    // skipped-initializer = ("=" initializer)?
    /// Parses and drops the initializer of a declaration already in error.
    pub(super) fn skip_init(&mut self) -> PResult<()> {
        if self.eat("=") {
            let mut out = Vec::new();
            self.initializer(&Ty::Int, 0, &mut out, true)?;
        }
        Ok(())
    }

    // declaration = declspec (declarator ("=" initializer)? ("," declarator ("=" initializer)?)*)? ";"
    pub(super) fn local_decl(&mut self, out: &mut Vec<Stmt>) -> PResult<()> {
        let mut attr = Attr::default();
        let base = self.declspec(Some(&mut attr))?;
        if self.eat(";") {
            return Ok(());
        }
        loop {
            let (ty, name) = self.declarator(base.clone())?;
            let Some((name, loc)) = name else {
                return self.fatal("expected a variable name");
            };
            if attr.is_typedef {
                self.declare(&name, Sym::Typedef(ty));
            } else if let Ty::Func(f) = &ty {
                let id = self.declare_func(&name, loc, (**f).clone(), attr.is_static);
                self.declare(&name, Sym::Func(id));
            } else if attr.is_extern {
                match self.scopes[0].syms.get(&name).cloned() {
                    Some(Sym::Global(g)) => self.declare(&name, Sym::Global(g)),
                    _ => {
                        let g = self.prog.globals.push(GlobalVar {
                            name: name.clone(),
                            ty: ty.clone(),
                            init: None,
                            defined: false,
                            loc,
                        });
                        self.scopes[0].syms.insert(name.clone(), Sym::Global(g));
                        self.declare(&name, Sym::Global(g));
                    }
                }
            } else if attr.is_static {
                self.statics += 1;
                let fname = self.func.as_ref().map_or(String::new(), |f| f.name.clone());
                let gname = format!("{fname}.{name}.{}", self.statics);
                let g = self.prog.globals.push(GlobalVar {
                    name: gname,
                    ty: ty.clone(),
                    init: None,
                    defined: true,
                    loc,
                });
                self.declare(&name, Sym::Global(g));
                if self.eat("=") {
                    let mut init = Vec::new();
                    let t = self.initializer(&ty, 0, &mut init, true)?;
                    self.prog.globals[g].ty = t;
                    self.prog.globals[g].init = Some(init);
                }
                if self.size_of(&self.prog.globals[g].ty.clone()).is_none() {
                    let tn = self.tname(&ty);
                    self.error(loc, format!("variable '{name}' has incomplete type '{tn}'"));
                }
            } else {
                if ty.is_void() {
                    self.error(loc, format!("variable '{name}' declared void"));
                }
                let id = self.new_local(&name, ty.clone(), loc);
                let mut init = Vec::new();
                let mut zero = false;
                if self.eat("=") {
                    let t = self.initializer(&ty, 0, &mut init, true)?;
                    let whole = init.len() == 1
                        && init[0].str_len.is_none()
                        && init[0].offset == 0
                        && init[0].expr.ty == t;
                    zero = !t.is_scalar() && !whole;
                    if let Some(f) = self.func.as_mut() {
                        f.locals[id].ty = t;
                    }
                }
                let t = self
                    .func
                    .as_ref()
                    .map(|f| f.locals[id].ty.clone())
                    .unwrap_or(Ty::Int);
                if self.size_of(&t).is_none() && !t.is_void() {
                    let tn = self.tname(&t);
                    self.error(loc, format!("variable '{name}' has incomplete type '{tn}'"));
                }
                out.push(Stmt {
                    kind: StmtKind::Decl {
                        var: id,
                        init,
                        zero,
                    },
                    loc,
                });
            }
            if self.eat(";") {
                return Ok(());
            }
            if !self.eat(",") {
                let d = self.describe();
                return self.fatal_after_prev(format!(
                    "expected ',' or ';' after a declarator, found {d}"
                ));
            }
        }
    }
}
