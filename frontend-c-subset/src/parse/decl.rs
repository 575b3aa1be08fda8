//! Declarations: the translation unit, function definitions, global and
//! local variable declarations, `_Static_assert`.

use super::*;
use pivm_ir::frame::STACK_ALIGN;
use pivm_ir::MAX_GLOBAL_ALIGN;

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
            if self.is("__pivm_pack") {
                self.pack_directive()?;
                continue;
            }
            let mut attr = Attr::default();
            let loc = self.loc();
            self.init_attr = None;
            let base = self.declspec(Some(&mut attr))?;
            if self.eat(";") {
                continue;
            }
            let mut first = true;
            loop {
                self.knr = None;
                let (ty, name) = self.declarator(base.clone())?;
                let Some((name, nloc)) = name else {
                    return self.fatal("expected a declarator name");
                };
                let attr = self.with_decl_align(attr);
                self.check_specifiers(&attr, &ty, &name, nloc, true);
                if attr.is_typedef {
                    self.take_init(None);
                    self.declare(&name, nloc, Sym::Typedef(ty));
                } else if let Ty::Func(fty) = &ty {
                    let fty = match self.knr.take() {
                        Some(names) if first => self.knr_parameters(fty, names)?,
                        _ => (**fty).clone(),
                    };
                    let fid = self.declare_func(&name, nloc, fty.clone(), attr.is_static);
                    if !attr.is_typedef {
                        self.take_init(Some(fid));
                    }
                    if first && self.is("{") {
                        self.vla_definition(&fty);
                        self.function_def(fid, nloc, attr.is_inline)?;
                        break;
                    }
                } else {
                    self.take_init(None);
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
        Ok(())
    }

    /// After every unit: a name of external linkage defined both as a
    /// function and as a variable (in different units; in one, the scope
    /// rules refuse it).
    pub(super) fn kinds_across_units(&mut self) {
        let mut both: Vec<(FunctionId, GlobalVarId)> = self
            .ext_funcs
            .iter()
            .filter_map(|(name, &f)| Some((f, *self.ext_globals.get(name)?)))
            .filter(|&(f, g)| self.prog.funcs[f].def.is_some() && self.gdefs.contains_key(&g))
            .collect();
        both.sort();
        for (f, g) in both {
            let name = self.prog.funcs[f].name.clone();
            let floc = self.prog.funcs[f].def_loc.unwrap_or(self.prog.funcs[f].loc);
            let gloc = self.gdefs[&g].loc;
            let (first, second) = if (gloc.file, gloc.line) < (floc.file, floc.line) {
                (gloc, floc)
            } else {
                (floc, gloc)
            };
            self.errors.push(
                Diag::new(
                    second,
                    format!("multiple definition of '{name}', as a function and as a variable"),
                )
                .note(first, "first defined here"),
            );
        }
    }

    /// Whether `a` (declared earlier, maybe in another unit) and `b`
    /// (this unit's) declare one type.
    fn agree(&self, a: &Ty, b: &Ty) -> bool {
        let structs = &self.prog.structs;
        compatible_decl(a, b, &|x, y| same_struct_across(structs, x, y))
    }

    /// `_Alignas` where C allows it (C11 6.7.5): on a variable or member
    /// (not a typedef, function or `register` variable), never weaker than
    /// its type's alignment. A variable is aligned as its type is: pivm
    /// refuses a stricter alignment than that for one (a member's is
    /// kept, in its struct's layout).
    /// Returns whether it reported an error.
    pub(super) fn check_alignas(&mut self, attr: &Attr, ty: &Ty, name: &str) -> bool {
        if attr.align == 0 {
            return false;
        }
        let loc = attr.align_loc;
        let natural = ty.align(&self.prog.structs);
        let why = if attr.align_attr {
            // gcc's `aligned`: on a typedef it sets the type's alignment
            // (pivm's types keep theirs); on a function, its code's; on
            // a variable or member, only ever more than the type's.
            if !attr.is_typedef {
                return false;
            }
            format!(
                "unsupported: __attribute__((aligned({}))) on typedef '{name}' (it would change the type's alignment)",
                attr.align
            )
        } else if attr.is_typedef {
            "'_Alignas' cannot be used in a typedef".to_string()
        } else if ty.is_func() {
            format!("'_Alignas' on function '{name}'")
        } else if attr.is_register {
            format!("'_Alignas' on register variable '{name}'")
        } else if attr.align != 0 && attr.align < natural {
            format!(
                "'_Alignas({})' cannot reduce the alignment of '{name}' (its type's is {natural})",
                attr.align
            )
        } else {
            return false;
        };
        self.error(loc, why);
        true
    }

    /// The specifiers of a declarator of variable or function `name`:
    /// `_Alignas` (`check_alignas`, and no stricter than the type of a
    /// variable), and `_Thread_local` where C allows it (C11 6.7.1p3, p4):
    /// on variables only, and in a block only with `static` or `extern`.
    fn check_specifiers(&mut self, attr: &Attr, ty: &Ty, name: &str, loc: Loc, file: bool) {
        let refused = self.check_alignas(attr, ty, name);
        let automatic = !file && !attr.is_static && !attr.is_extern;
        if !refused && !ty.is_func() && attr.align > MAX_GLOBAL_ALIGN {
            let msg = format!(
                "unsupported: alignment {} for variable '{name}': pivm aligns variables to at most {MAX_GLOBAL_ALIGN}",
                attr.align
            );
            self.error(attr.align_loc, msg);
        } else if !refused
            && automatic
            && !attr.is_typedef
            && !ty.is_func()
            && attr.align > ty.align(&self.prog.structs).max(STACK_ALIGN)
        {
            let what = match attr.align_attr {
                true => format!("__attribute__((aligned({})))", attr.align),
                false => format!("'_Alignas({})'", attr.align),
            };
            let msg = format!(
                "unsupported: {what} on automatic variable '{name}': pivm aligns one to \
                 at most {STACK_ALIGN} (static and global variables, struct members and \
                 struct types may ask more)"
            );
            self.error(attr.align_loc, msg);
        }
        if !attr.is_thread_local {
            return;
        }
        let why = if attr.is_typedef {
            "a typedef cannot be '_Thread_local'".to_string()
        } else if ty.is_func() {
            format!("function '{name}' declared '_Thread_local': only variables are thread-local")
        } else if !file && !attr.is_static && !attr.is_extern {
            format!(
                "block-scope variable '{name}' is '_Thread_local' without 'static' or \
                 'extern' (it would be automatic)"
            )
        } else {
            return;
        };
        self.error(loc, why);
    }

    // pack-directive = "__pivm_pack" "(" N ")" ";"
    /// What the preprocessor made of a `#pragma pack`: the cap on the
    /// alignment of the members of the structs defined after it (0: none).
    pub(super) fn pack_directive(&mut self) -> PResult<()> {
        self.pos += 1;
        self.expect("(")?;
        let n = match self.peek() {
            Some(t) if t.kind == TokKind::Num => t.text.parse::<u64>().ok(),
            _ => None,
        };
        let Some(n) = n else {
            return self.fatal("malformed #pragma pack");
        };
        self.pos += 1;
        self.expect(")")?;
        self.expect(";")?;
        self.pack = n;
        Ok(())
    }

    // static-assert = "_Static_assert" "(" const-expr "," string+ ")" ";"
    pub(super) fn static_assert(&mut self) -> PResult<()> {
        let loc = self.loc();
        self.pos += 1;
        self.expect("(")?;
        let e = self.conditional()?;
        let v = const_int(&e);
        let mut msg = String::new();
        if self.eat(",") {
            // Adjacent string literals are one message.
            while let Some(t) = self.peek().filter(|t| t.kind == TokKind::Str) {
                msg.push_str(t.text.trim_matches('"'));
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

    /// Declares (or redeclares) function `name` (at file scope, or in a
    /// block where it has linkage too): the one of this unit's file scope,
    /// else of another unit if it has external linkage, else a new one.
    /// Checks its linkage and type against those; returns its id.
    pub(super) fn declare_func(
        &mut self,
        name: &str,
        loc: Loc,
        ty: FuncTy,
        is_static: bool,
    ) -> FunctionId {
        let existing = self.scopes[0].syms.get(name).cloned();
        let prev = self.scopes[0].locs.get(name).copied().unwrap_or(loc);
        if let Some(Sym::Func(id)) = existing {
            let old = self.func_ty(id);
            if !self.agree(
                &Ty::Func(Rc::new(old.clone())),
                &Ty::Func(Rc::new(ty.clone())),
            ) {
                self.errors.push(
                    Diag::new(loc, format!("conflicting types for '{name}'"))
                        .note(prev, format!("previous declaration of '{name}' is here")),
                );
            } else if ty.proto && !old.proto {
                self.fview.insert(id, ty);
            }
            if is_static && !self.prog.funcs[id].is_static {
                self.errors.push(
                    Diag::new(
                        loc,
                        format!("static declaration of '{name}' follows non-static declaration"),
                    )
                    .note(prev, format!("previous declaration of '{name}' is here")),
                );
            }
            if self.scopes.len() > 1 {
                self.declare(name, loc, Sym::Func(id));
            }
            return id;
        }
        if existing.is_some() {
            self.errors.push(
                Diag::new(
                    loc,
                    format!("'{name}' redeclared as a different kind of symbol"),
                )
                .note(prev, format!("previous declaration of '{name}' is here")),
            );
        }
        let linked = if is_static {
            None
        } else {
            self.ext_funcs.get(name).copied()
        };
        let id = match linked {
            Some(id) => {
                let other = self.prog.funcs[id].ty.clone();
                if !self.agree(&Ty::Func(Rc::new(other)), &Ty::Func(Rc::new(ty.clone()))) {
                    let at = self.prog.funcs[id]
                        .def_loc
                        .unwrap_or(self.prog.funcs[id].loc);
                    self.errors.push(
                        Diag::new(loc, format!("conflicting types for '{name}'"))
                            .note(at, format!("'{name}' is declared here with another type")),
                    );
                }
                id
            }
            None => {
                let id = self.prog.funcs.push(FunctionDecl {
                    name: name.to_string(),
                    ty: ty.clone(),
                    is_static,
                    def: None,
                    def_loc: None,
                    used: false,
                    loc,
                });
                if !is_static {
                    self.ext_funcs.insert(name.to_string(), id);
                }
                id
            }
        };
        self.fview.insert(id, ty);
        self.scopes[0].syms.insert(name.to_string(), Sym::Func(id));
        self.scopes[0].locs.insert(name.to_string(), loc);
        if self.scopes.len() > 1 {
            self.declare(name, loc, Sym::Func(id));
        }
        id
    }

    // function-definition = declspec declarator compound-stmt
    pub(super) fn function_def(&mut self, fid: FunctionId, loc: Loc, inline: bool) -> PResult<()> {
        let fty = self.func_ty(fid);
        let name = self.prog.funcs[fid].name.clone();
        // An `inline` definition in another unit does not stand in the way
        // of this one (nor this one, `inline`, in the way of another).
        let mut keep_old = false;
        if let Some(old) = self.fdefs.get(&fid).copied() {
            if old.unit == self.unit
                && self.system.contains(&old.loc.file)
                && !self.system.contains(&loc.file)
            {
                // The program's own definition of a function a header
                // defines (its `strndup`, `getline`) replaces the
                // header's, as it would replace the C library's.
            } else if old.unit == self.unit {
                self.errors.push(
                    Diag::new(loc, format!("redefinition of '{name}'"))
                        .note(old.loc, format!("previous definition of '{name}' is here")),
                );
            } else if old.strong || inline {
                keep_old = inline;
            } else {
                self.errors.push(
                    Diag::new(loc, format!("multiple definition of '{name}'"))
                        .note(old.loc, "first defined here"),
                );
            }
        }
        if !keep_old {
            self.fdefs.insert(
                fid,
                DefAt {
                    unit: self.unit,
                    loc,
                    strong: inline,
                },
            );
            self.prog.funcs[fid].ty = fty.clone();
            self.prog.funcs[fid].def_loc = Some(loc);
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
            if !keep_old {
                self.prog.funcs[fid].ty.proto = true;
            }
            if let Some(v) = self.fview.get_mut(&fid) {
                v.proto = true;
            }
        }
        let names = std::mem::take(&mut self.last_params);
        self.const_locals.clear();
        self.const_pointee_locals.clear();
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
            label_addrs: Vec::new(),
            computed: None,
            stmt_exprs: 0,
            stmt_expr_label: None,
            uses_alloca: false,
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
            let id = if self
                .scopes
                .last()
                .is_some_and(|s| s.syms.contains_key(&pname))
            {
                // Reported by `func_params`; a local of its own all the same.
                let Some(f) = self.func.as_mut() else { break };
                f.locals.push(LocalVar {
                    name: pname,
                    ty: pty.clone(),
                    addr_taken: false,
                    is_register: false,
                    align: 0,
                    loc: ploc,
                })
            } else {
                self.new_local(&pname, pty.clone(), ploc)
            };
            params.push(id);
        }
        if fty.variadic {
            // Where the caller put the variadic arguments (`lower.rs`);
            // `va_start` (stdarg.h) reads it.
            let id = self.new_local("__va_area", ptr_to(Ty::Char), loc);
            params.push(id);
        }
        let entry = self.vla_params(&params)?;
        let body = self.block()?;
        self.pop_scope();
        self.vla_end_function();
        // Read inside the body (a block-scope declaration): no function
        // of file scope takes it.
        if let Some((_, _, aloc)) = self.init_attr.take() {
            self.error(
                aloc,
                "a constructor or destructor attribute applies only to a function declared at file scope",
            );
        }
        let st = self.func.take();
        let Some(st) = st else { return Ok(()) };
        for (l, gloc) in &st.gotos {
            if !st.labels.contains(l) {
                self.error(*gloc, format!("use of undeclared label '{l}'"));
            }
        }
        // A computed goto may land in any label whose address is taken:
        // where one would enter the scope of a variable-length array, the
        // array would be skipped (a goto to a named label is checked). The
        // lowering frees the arrays a goto leaves by the labels of the
        // function's statements, not those inside statement expressions.
        let has_vla = st
            .locals
            .values()
            .any(|v| v.ty.is_vla_object() || matches!(v.ty, Ty::Vla(..)));
        if let (Some(cloc), true) = (st.computed, has_vla) {
            self.error(
                cloc,
                "unsupported: computed goto in a function with variable-length arrays",
            );
        }
        if let (Some(lloc), true) = (st.stmt_expr_label, has_vla) {
            self.error(
                lloc,
                "unsupported: a label inside a statement expression in a function with \
                 variable-length arrays",
            );
        }
        if keep_old {
            return Ok(());
        }
        self.prog.funcs[fid].def = Some(FuncDef {
            params,
            locals: st.locals,
            refs: st.refs,
            label_addrs: st.label_addrs,
            uses_alloca: st.uses_alloca,
            body: entry
                .into_iter()
                .chain(match body.kind {
                    StmtKind::Block(v) => v,
                    _ => vec![body],
                })
                .collect(),
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
            is_register: false,
            align: 0,
            loc,
        });
        self.declare(name, loc, Sym::Local(id));
        id
    }

    /// The variable a declaration of `name` with linkage refers to (at
    /// file scope, or `extern` in a block): the one of this unit's file
    /// scope, else another unit's of external linkage, else a new one.
    /// Checks linkage and type against those and records this unit's view
    /// of its type. `None` if `name` is something else here.
    fn link_global(&mut self, name: &str, loc: Loc, ty: &Ty, attr: Attr) -> Option<GlobalVarId> {
        let existing = self.scopes[0].syms.get(name).cloned();
        let prev = self.scopes[0].locs.get(name).copied().unwrap_or(loc);
        let previous = format!("previous declaration of '{name}' is here");
        match existing {
            Some(Sym::Global(g)) => {
                let old = self.global_ty(g);
                if !self.agree(&old, ty) {
                    self.errors.push(
                        Diag::new(loc, format!("conflicting types for '{name}'"))
                            .note(prev, previous.clone()),
                    );
                } else if matches!(old, Ty::Array(_, None)) {
                    self.gview.insert(g, ty.clone());
                }
                let was_static = self.prog.globals[g].is_static;
                let msg = if attr.is_static && !was_static {
                    Some("static declaration of '{}' follows non-static declaration")
                } else if !attr.is_static && !attr.is_extern && was_static {
                    Some("non-static declaration of '{}' follows static declaration")
                } else {
                    None
                };
                if let Some(m) = msg {
                    self.errors
                        .push(Diag::new(loc, m.replace("{}", name)).note(prev, previous));
                }
                return Some(g);
            }
            Some(_) => {
                self.errors.push(
                    Diag::new(
                        loc,
                        format!("'{name}' redeclared as a different kind of symbol"),
                    )
                    .note(prev, previous),
                );
                return None;
            }
            None => {}
        }
        let linked = if attr.is_static {
            None
        } else {
            self.ext_globals.get(name).copied()
        };
        let g = match linked {
            Some(g) => {
                let other = self.prog.globals[g].ty.clone();
                if !self.agree(&other, ty) {
                    let at = self
                        .gdefs
                        .get(&g)
                        .map_or(self.prog.globals[g].loc, |d| d.loc);
                    self.errors.push(
                        Diag::new(loc, format!("conflicting types for '{name}'"))
                            .note(at, format!("'{name}' is declared here with another type")),
                    );
                }
                g
            }
            None => {
                let g = self.prog.globals.push(GlobalVar {
                    name: name.to_string(),
                    ty: ty.clone(),
                    init: None,
                    defined: false,
                    is_static: attr.is_static,
                    align: attr.align,
                    loc,
                });
                if !attr.is_static {
                    self.ext_globals.insert(name.to_string(), g);
                }
                g
            }
        };
        let align = &mut self.prog.globals[g].align;
        *align = (*align).max(attr.align);
        self.gview.insert(g, ty.clone());
        self.scopes[0].syms.insert(name.to_string(), Sym::Global(g));
        self.scopes[0].locs.insert(name.to_string(), loc);
        Some(g)
    }

    /// Records a definition of `g` in this unit (`init`: with an
    /// initializer, otherwise tentative): one per program, tentative ones
    /// merging within a unit. Its type becomes the program's.
    fn define_global(&mut self, g: GlobalVarId, loc: Loc, init: bool) {
        let name = self.prog.globals[g].name.clone();
        match self.gdefs.get(&g).copied() {
            Some(old) if old.unit != self.unit => {
                // The library state pivm's headers define (errno, the
                // atexit and signal tables, getopt's globals) is one object
                // however many units include them: their tentative
                // definitions merge, as C's common symbols do, and so do
                // their definitions with (the header's one) initializer.
                let library = name == "errno" || name.starts_with("__pivm_");
                if old.loc != loc && !(library && init == old.strong) {
                    self.errors.push(
                        Diag::new(loc, format!("multiple definition of '{name}'"))
                            .note(old.loc, "first defined here"),
                    );
                }
                return;
            }
            Some(old) if old.strong && init => {
                self.errors.push(
                    Diag::new(loc, format!("redefinition of '{name}'"))
                        .note(old.loc, format!("previous definition of '{name}' is here")),
                );
                return;
            }
            Some(old) if old.strong || !init => {}
            _ => {
                self.gdefs.insert(
                    g,
                    DefAt {
                        unit: self.unit,
                        loc,
                        strong: init,
                    },
                );
            }
        }
        self.prog.globals[g].defined = true;
        self.prog.globals[g].ty = self.global_ty(g);
    }

    // global-declarator-rest = ("=" initializer)?
    /// A file-scope variable, after its declarator: merges it with an
    /// earlier declaration and parses its initializer.
    pub(super) fn global_decl(&mut self, name: &str, loc: Loc, ty: Ty, attr: Attr) -> PResult<()> {
        let Some(gid) = self.link_global(name, loc, &ty, attr) else {
            return self.skip_init();
        };
        if attr.is_const && Self::const_applies(&ty) {
            self.const_globals.insert(gid);
        }
        self.note_const_pointee(VarRef::Global(gid), &ty, attr);
        if self.eat("=") {
            self.define_global(gid, loc, true);
            let gty = self.global_ty(gid);
            let mut out = Vec::new();
            let t = self.initializer(&gty, 0, &mut out, true)?;
            if self.gdefs.get(&gid).is_some_and(|d| d.loc == loc) {
                self.gview.insert(gid, t.clone());
                self.prog.globals[gid].ty = t;
                self.prog.globals[gid].init = Some(out);
            }
        } else if !attr.is_extern {
            self.define_global(gid, loc, false);
        }
        let t = self.global_ty(gid);
        let g = &self.prog.globals[gid];
        if !attr.is_extern && g.defined && t.size(&self.prog.structs).is_none() {
            let is_open_array = matches!(t, Ty::Array(_, None));
            if !is_open_array || g.init.is_some() {
                let n = self.tname(&t);
                self.error(loc, format!("variable '{name}' has incomplete type '{n}'"));
            } else if g.is_static {
                // C99 6.9.2p3: no later declaration may complete it.
                self.error(loc, format!("array size missing in static '{name}'"));
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
            let attr = self.with_decl_align(attr);
            self.check_specifiers(&attr, &ty, &name, loc, false);
            // The lengths of variable-length arrays in its type, now.
            if attr.is_typedef || !(attr.is_static || attr.is_extern || ty.is_func()) {
                out.extend(self.vla_pending_stmts());
            } else if ty.is_vm() {
                self.vla_drop_pending();
                self.error(
                    loc,
                    format!(
                        "'{name}' has a variably modified type, so it cannot be static or extern"
                    ),
                );
            }
            if attr.is_typedef {
                self.declare(&name, loc, Sym::Typedef(ty));
            } else if let Ty::Func(f) = &ty {
                if attr.is_static {
                    self.error(loc, format!("invalid storage class for function '{name}'"));
                }
                let id = self.declare_func(&name, loc, (**f).clone(), false);
                self.declare(&name, loc, Sym::Func(id));
            } else if attr.is_extern {
                if self.is("=") {
                    self.error(
                        loc,
                        format!("'{name}' has both 'extern' and an initializer"),
                    );
                    self.skip_init()?;
                }
                if let Some(g) = self.link_global(&name, loc, &ty, attr) {
                    self.declare(&name, loc, Sym::Global(g));
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
                    is_static: true,
                    align: attr.align,
                    loc,
                });
                self.declare(&name, loc, Sym::Global(g));
                if attr.is_const && Self::const_applies(&ty) {
                    self.const_globals.insert(g);
                }
                self.note_const_pointee(VarRef::Global(g), &ty, attr);
                if self.eat("=") {
                    let mut init = Vec::new();
                    let t = self.initializer(&ty, 0, &mut init, true)?;
                    self.prog.globals[g].ty = t;
                    self.prog.globals[g].init = Some(init);
                }
                if self.size_of(&self.prog.globals[g].ty.clone()).is_none() && !ty.is_vm() {
                    let tn = self.tname(&ty);
                    self.error(loc, format!("variable '{name}' has incomplete type '{tn}'"));
                }
            } else {
                if ty.is_void() {
                    self.error(loc, format!("variable '{name}' declared void"));
                }
                let id = self.new_local(&name, ty.clone(), loc);
                if let Some(f) = self.func.as_mut() {
                    f.locals[id].is_register = attr.is_register;
                    f.locals[id].align = attr.align;
                }
                if attr.is_const && Self::const_applies(&ty) {
                    self.const_locals.insert(id);
                }
                self.note_const_pointee(VarRef::Local(id), &ty, attr);
                let mut init = Vec::new();
                let mut zero = false;
                if ty.is_vla_object() {
                    self.vla_declared(id);
                    if self.is("=") {
                        self.error(
                            loc,
                            format!("variable-length array '{name}' may not be initialized"),
                        );
                        self.skip_init()?;
                    }
                }
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
                if self.size_of(&t).is_none() && !t.is_void() && !t.is_vm() {
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
