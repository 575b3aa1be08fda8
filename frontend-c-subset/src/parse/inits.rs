//! gcc's `__attribute__((constructor))` and `destructor`, with an
//! optional priority (`constructor(101)`): the constructors run before
//! `main`'s first statement, the destructors when the program exits
//! (after the `atexit` handlers, as glibc runs them). Constructors run in
//! priority order, then the ones without a priority in the order their
//! attributes appear; destructors the other way round. `main` begins with
//! the calls, behind a flag (a `main` called again does not run them
//! again), and registers the destructors with `atexit`, which then
//! needs `<stdlib.h>`.

use super::*;

/// A priority-less constructor or destructor runs after (before) every
/// prioritized one, as gcc's default priority does.
const NO_PRIORITY: u64 = 65536;

/// One function given `constructor` or `destructor`.
pub(super) struct Init {
    func: FunctionId,
    dtor: bool,
    priority: u64,
    loc: Loc,
}

impl Parser {
    /// In `skip_attribute`, at `constructor` or `destructor` (the token
    /// `pos` is at): its priority, if any, is read; the attribute then
    /// waits for the function being declared (`take_init`).
    pub(super) fn init_attribute(&mut self) -> PResult<()> {
        let t = self.peek().cloned().expect("at the attribute's name");
        let dtor = t.text.contains("destructor");
        self.pos += 1;
        let mut priority = NO_PRIORITY;
        if self.eat("(") {
            let n = self.peek().cloned();
            match n
                .as_ref()
                .and_then(|n| literals::parse_int_literal(&n.text))
            {
                Some((v, _)) if (0..=65535).contains(&v) => priority = v,
                _ => return self.fatal("expected a priority from 0 to 65535"),
            }
            self.pos += 1;
            self.expect(")")?;
        }
        self.init_attr = Some((dtor, priority, t.loc));
        Ok(())
    }

    /// After a declarator: the constructor or destructor attribute read
    /// with it, given to function `func` (`None`: not a function).
    pub(super) fn take_init(&mut self, func: Option<FunctionId>) {
        let Some((dtor, priority, loc)) = self.init_attr.take() else {
            return;
        };
        let Some(func) = func.filter(|_| self.func.is_none()) else {
            return self.error(
                loc,
                "a constructor or destructor attribute applies only to a function declared at file scope",
            );
        };
        let fty = self.func_ty(func);
        if !fty.params.is_empty() || fty.variadic {
            return self.error(loc, "a constructor or destructor takes no arguments");
        }
        if !self.inits.iter().any(|i| i.func == func && i.dtor == dtor) {
            self.inits.push(Init {
                func,
                dtor,
                priority,
                loc,
            });
        }
    }

    /// After every unit: `main` begins by running the constructors and
    /// registering the destructors.
    pub(super) fn add_inits(&mut self) {
        if self.inits.is_empty() {
            return;
        }
        let Some(main) = self
            .prog
            .funcs
            .iter()
            .find_map(|(i, f)| (f.name == "main" && f.def.is_some()).then_some(i))
        else {
            return;
        };
        let mut inits = std::mem::take(&mut self.inits);
        // Stable: equal priorities keep the order of their attributes.
        inits.sort_by_key(|i| i.priority);
        let loc = self.prog.funcs[main].def_loc.unwrap_or_default();
        let atexit = self.prog.funcs.iter().find_map(|(i, f)| {
            (f.name == "atexit" && f.def.is_some() && f.ty.params.len() == 1).then_some(i)
        });
        let mut body = Vec::new();
        let mut refs = Vec::new();
        for i in inits.iter().filter(|i| !i.dtor) {
            let call = self.call_of(i.func, Vec::new(), loc);
            body.push(Stmt {
                kind: StmtKind::Expr(call),
                loc,
            });
            refs.push(i.func);
        }
        for i in inits.iter().filter(|i| i.dtor) {
            let Some(atexit) = atexit else {
                self.error(
                    i.loc,
                    "unsupported: a destructor in a program without <stdlib.h> (its atexit runs it)",
                );
                continue;
            };
            let param = self.prog.funcs[atexit].ty.params[0].clone();
            let f = self.func_designator(i.func, loc);
            let arg = self.cast(f, &param);
            let call = self.call_of(atexit, vec![arg], loc);
            body.push(Stmt {
                kind: StmtKind::Expr(call),
                loc,
            });
            refs.extend([i.func, atexit]);
        }
        // The flag: a static int, 0 until the first entry sets it.
        self.statics += 1;
        let flag = self.prog.globals.push(GlobalVar {
            name: format!("inits.{}", self.statics),
            ty: Ty::Int,
            init: None,
            defined: true,
            is_static: true,
            align: 0,
            loc,
        });
        let flag_e = self.mk(ExprKind::Global(flag), Ty::Int, loc);
        let one = self.int(1, Ty::Int, loc);
        let set = self.mk(
            ExprKind::Assign(Box::new(flag_e.clone()), Box::new(one)),
            Ty::Int,
            loc,
        );
        body.insert(
            0,
            Stmt {
                kind: StmtKind::Expr(set),
                loc,
            },
        );
        let not_yet = self.mk(
            ExprKind::Unary(UnOp::LogNot, Box::new(flag_e)),
            Ty::Int,
            loc,
        );
        let guard = Stmt {
            kind: StmtKind::If {
                arms: vec![(
                    not_yet,
                    Stmt {
                        kind: StmtKind::Block(body),
                        loc,
                    },
                )],
                els: None,
            },
            loc,
        };
        for f in &refs {
            self.prog.funcs[*f].used = true;
        }
        if let Some(def) = self.prog.funcs[main].def.as_mut() {
            def.body.insert(0, guard);
            def.refs.extend(refs);
        }
    }

    /// `&f`, the pointer a call goes through.
    fn func_designator(&mut self, f: FunctionId, loc: Loc) -> Expr {
        let fty = Ty::Func(Rc::new(self.prog.funcs[f].ty.clone()));
        let d = self.mk(ExprKind::Func(f), fty.clone(), loc);
        self.mk(ExprKind::Addr(Box::new(d)), ptr_to(fty), loc)
    }

    /// A direct call of `f` with `args` (already of its parameter types).
    fn call_of(&mut self, f: FunctionId, args: Vec<Expr>, loc: Loc) -> Expr {
        let callee = self.func_designator(f, loc);
        let ret = self.prog.funcs[f].ty.ret.clone();
        self.mk(ExprKind::Call(Box::new(callee), args), ret, loc)
    }
}
