//! Statements.

use super::*;
use crate::arith::convert_bits;

/// The most values one GNU case range (`case 1 ... 5:`) may cover: each
/// is an entry of the switch's table.
const MAX_CASE_RANGE: u64 = 4096;

impl Parser {
    // compound-stmt = "{" (declaration | stmt)* "}"
    pub(super) fn compound_stmt(&mut self) -> PResult<Stmt> {
        self.push_scope();
        let r = self.block();
        self.pop_scope();
        r
    }

    /// A compound statement in the current scope (a function's body is in
    /// the scope of its parameters).
    pub(super) fn block(&mut self) -> PResult<Stmt> {
        let loc = self.loc();
        self.expect("{")?;
        let mut v = Vec::new();
        while !self.eat("}") {
            if self.peek().is_none() {
                return self.fatal("expected '}' at end of file");
            }
            self.nodes = 0;
            if self.is_typename() && !self.is_at(1, ":") {
                self.local_decl(&mut v)?;
            } else if self.is("_Static_assert") {
                self.static_assert()?;
            } else if self.is("__pivm_pack") {
                self.pack_directive()?;
            } else {
                v.push(self.stmt()?);
            }
        }
        Ok(Stmt {
            kind: StmtKind::Block(v),
            loc,
        })
    }

    // stmt-expr = "(" compound-stmt ")", the "(" read
    /// GNU's statement expression: a compound statement in a scope of its
    /// own, whose value is its last statement's when that is an
    /// expression statement (array and function values decayed), else
    /// void. A `case` inside belongs to a switch inside: gcc too refuses
    /// a jump into a statement expression.
    pub(super) fn stmt_expr(&mut self, loc: Loc) -> PResult<Expr> {
        let Some(f) = self.func.as_mut() else {
            return self.fatal("statement expressions are allowed only inside functions");
        };
        let switches = std::mem::take(&mut f.switches);
        f.stmt_exprs += 1;
        // The statements count their nodes one by one (`block`); the
        // expression around them goes on with its own count.
        let nodes = self.nodes;
        let body = self.compound_stmt();
        self.nodes = nodes;
        if let Some(f) = self.func.as_mut() {
            f.switches = switches;
            f.stmt_exprs -= 1;
        }
        let StmtKind::Block(mut stmts) = body?.kind else {
            unreachable!("a compound statement is a block");
        };
        self.expect(")")?;
        let value = match stmts.pop() {
            Some(Stmt {
                kind: StmtKind::Expr(e),
                ..
            }) => Some(self.rval(e)),
            Some(s) => {
                stmts.push(s);
                None
            }
            None => None,
        };
        let ty = value.as_ref().map_or(Ty::Void, |e| e.ty.clone());
        Ok(self.mk(ExprKind::StmtExpr(stmts, value.map(Box::new)), ty, loc))
    }

    // cond-expr = "(" expr ")"
    /// The controlling expression of `if`, `while` and `do`.
    pub(super) fn cond_expr(&mut self) -> PResult<Expr> {
        self.expect("(")?;
        let e = self.expr()?;
        self.expect(")")?;
        let e = self.rval(e);
        self.check_scalar(&e, "a condition");
        Ok(e)
    }

    // stmt = "return" expr? ";" | "if" "(" expr ")" stmt ("else" "if" "(" expr ")" stmt)* ("else" stmt)?
    //      | "switch" "(" expr ")" stmt | "case" const-expr ":" stmt
    //      | "default" ":" stmt | "for" "(" (declaration | expr? ";") expr? ";" expr? ")" stmt
    //      | "while" "(" expr ")" stmt | "do" stmt "while" "(" expr ")" ";"
    //      | "goto" ident ";" | "break" ";" | "continue" ";" | ident ":" stmt
    //      | compound-stmt | expr? ";"
    pub(super) fn stmt(&mut self) -> PResult<Stmt> {
        self.nested("statement", Self::stmt_inner)
    }

    /// `stmt`, inside its depth bound. The labels before a statement are
    /// read in a loop, so a long run of `case` labels nests nothing.
    pub(super) fn stmt_inner(&mut self) -> PResult<Stmt> {
        let loc = self.loc();
        let mut labels = Vec::new();
        // Whether the last label is a goto label (which may end a block).
        let mut named = None;
        while let Some(n) = self.label(&mut labels)? {
            named = Some(n);
        }
        let Some(named) = named else {
            return self.unlabeled_stmt();
        };
        if named && self.is("}") {
            labels.push(Stmt {
                kind: StmtKind::Block(Vec::new()),
                loc,
            });
        } else if self.is_typename() && !self.is_at(1, ":") {
            // A declaration after a label, as C23 and gcc's gnu modes
            // allow: it belongs to the enclosing block.
            self.local_decl(&mut labels)?;
        } else {
            labels.push(self.unlabeled_stmt()?);
        }
        Ok(Stmt {
            kind: StmtKind::Block(labels),
            loc,
        })
    }

    // label = "case" const-expr ("..." const-expr)? ":" | "default" ":" | ident ":"
    /// Reads a label if one is next and adds the statement that marks its
    /// place to `out` (none for a `case` or `default` outside a switch,
    /// which is reported): `Some(true)` for a goto label, `Some(false)`
    /// for the others.
    fn label(&mut self, out: &mut Vec<Stmt>) -> PResult<Option<bool>> {
        let loc = self.loc();
        let mut mark = |kind| out.push(Stmt { kind, loc });
        if self.is("case") {
            self.pos += 1;
            self.nodes = 0;
            let e = self.conditional()?;
            // GNU: `case LO ... HI:`, every value from LO to HI.
            let hi = if self.eat("...") {
                Some(self.conditional()?)
            } else {
                None
            };
            self.expect(":")?;
            let v = const_int(&e);
            let hi_v = hi.as_ref().map(const_int);
            if v.is_none() || hi_v.is_some_and(|h| h.is_none()) {
                self.error(e.loc, "case label is not an integer constant");
            }
            // How many values: a range HI < LO has none (gcc warns).
            let n = match (v, hi_v.flatten()) {
                (Some(lo), Some(h)) => (h as i128 - lo as i128 + 1).max(0) as u64,
                _ => 1,
            };
            let n = if n > MAX_CASE_RANGE {
                let msg = format!("unsupported: a case range of more than {MAX_CASE_RANGE} values");
                self.error(e.loc, msg);
                0
            } else {
                n
            };
            let Some(id) = self.new_case(loc, "case") else {
                return Ok(Some(false));
            };
            if let Some(sw) = self.fstate().switches.last_mut() {
                let mut dup = false;
                for k in 0..n {
                    let bits = match (hi.is_some(), v) {
                        // Each value of a range as a `long`, converted.
                        (true, Some(lo)) => {
                            convert_bits(lo.wrapping_add(k as i64) as u64, &Ty::Long, &sw.ty)
                        }
                        _ => v
                            .and(const_bits(&e))
                            .map_or(0, |b| convert_bits(b, &e.ty, &sw.ty)),
                    };
                    dup |= sw.cases.iter().any(|c| c.0 == bits);
                    sw.cases.push((bits, id));
                }
                if dup {
                    let what = if hi.is_some() {
                        "case range overlaps an earlier case value"
                    } else {
                        "duplicate case value"
                    };
                    self.error(e.loc, what);
                }
            }
            self.vla_case(loc);
            mark(StmtKind::Case(id));
            return Ok(Some(false));
        }
        if self.is("default") && self.is_at(1, ":") {
            self.pos += 2;
            let Some(id) = self.new_case(loc, "default") else {
                return Ok(Some(false));
            };
            if let Some(sw) = self.fstate().switches.last_mut() {
                let dup = sw.default.replace(id).is_some();
                if dup {
                    self.error(loc, "multiple default labels in one switch");
                }
            }
            self.vla_case(loc);
            mark(StmtKind::Case(id));
            return Ok(Some(false));
        }
        if self.is_ident() && self.is_at(1, ":") {
            let (l, lloc) = self.ident()?;
            self.pos += 1;
            if !self.fstate().labels.insert(l.clone()) {
                self.error(lloc, format!("redefinition of label '{l}'"));
            }
            let f = self.fstate();
            if f.stmt_exprs > 0 {
                f.stmt_expr_label.get_or_insert(lloc);
            }
            self.vla_label(&l);
            mark(StmtKind::Label(l));
            return Ok(Some(true));
        }
        Ok(None)
    }

    /// The id of a new `case` or `default` label (`what`) of the
    /// innermost switch; `None`, reported, outside any switch.
    fn new_case(&mut self, loc: Loc, what: &str) -> Option<CaseId> {
        self.case_ids += 1;
        if self.fstate().switches.is_empty() {
            self.error(loc, format!("'{what}' label not within a switch statement"));
            return None;
        }
        Some(CaseId::new(self.case_ids))
    }

    /// A statement without labels.
    fn unlabeled_stmt(&mut self) -> PResult<Stmt> {
        // A selection or iteration statement is a block of its own (C99
        // 6.8.4p3, 6.8.5p5): a tag or enumerator declared in its
        // controlling expression ends with it (`for` opens its scope
        // itself).
        if ["if", "switch", "while", "do"].iter().any(|k| self.is(k)) {
            self.push_scope();
            let r = self.unlabeled_stmt_inner();
            self.pop_scope();
            return r;
        }
        self.unlabeled_stmt_inner()
    }

    fn unlabeled_stmt_inner(&mut self) -> PResult<Stmt> {
        let loc = self.loc();
        let mk = |kind| Ok(Stmt { kind, loc });
        self.nodes = 0;
        let Some(t) = self.peek().cloned() else {
            return self.fatal("expected a statement at end of file");
        };
        if t.kind == TokKind::Ident {
            match &*t.text {
                "return" => {
                    self.pos += 1;
                    let ret = self.fstate().ret.clone();
                    if self.eat(";") {
                        if !ret.is_void() {
                            self.error(loc, "non-void function should return a value");
                        }
                        return mk(StmtKind::Return(None));
                    }
                    let e = self.expr()?;
                    self.expect(";")?;
                    if ret.is_void() {
                        let e = self.rval(e);
                        if !e.ty.is_void() {
                            self.error(e.loc, "void function should not return a value");
                        }
                        return mk(StmtKind::Return(Some(e)));
                    }
                    let e = self.assign_conv(e, &ret, "return");
                    return mk(StmtKind::Return(Some(e)));
                }
                "if" => {
                    let mut arms = Vec::new();
                    loop {
                        self.pos += 1;
                        self.nodes = 0;
                        let c = self.cond_expr()?;
                        arms.push((c, self.stmt()?));
                        if !(self.is("else") && self.is_at(1, "if")) {
                            break;
                        }
                        self.pos += 1;
                    }
                    let els = if self.eat("else") {
                        Some(Box::new(self.stmt()?))
                    } else {
                        None
                    };
                    return mk(StmtKind::If { arms, els });
                }
                "switch" => {
                    self.pos += 1;
                    self.expect("(")?;
                    let e = self.expr()?;
                    self.expect(")")?;
                    let e = self.rval(e);
                    let ty = if e.ty.is_integer() {
                        e.ty.promote()
                    } else {
                        let n = self.tname(&e.ty);
                        self.error(e.loc, format!("switch quantity is not an integer ('{n}')"));
                        Ty::Int
                    };
                    let e = self.cast(e, &ty);
                    self.fstate().switches.push(SwitchCtx {
                        ty,
                        cases: Vec::new(),
                        default: None,
                    });
                    self.fstate().breakables += 1;
                    self.vla_switch_push();
                    let body = self.stmt();
                    self.vla_switch_pop();
                    self.fstate().breakables -= 1;
                    let sw = self.fstate().switches.pop();
                    let body = body?;
                    let Some(sw) = sw else { return Err(Fatal) };
                    return mk(StmtKind::Switch {
                        e,
                        body: Box::new(body),
                        cases: sw.cases,
                        default: sw.default,
                    });
                }
                "for" => {
                    self.pos += 1;
                    self.expect("(")?;
                    self.push_scope();
                    let mut init = Vec::new();
                    if self.is_typename() {
                        let first = init.len();
                        self.local_decl(&mut init)?;
                        self.for_init_only_variables(loc, first, &init);
                    } else if !self.eat(";") {
                        let e = self.expr()?;
                        init.push(Stmt {
                            kind: StmtKind::Expr(e),
                            loc,
                        });
                        self.expect(";")?;
                    }
                    let cond = if self.is(";") {
                        None
                    } else {
                        let e = self.expr()?;
                        let e = self.rval(e);
                        self.check_scalar(&e, "a condition");
                        Some(e)
                    };
                    self.expect(";")?;
                    let step = if self.is(")") {
                        None
                    } else {
                        Some(self.expr()?)
                    };
                    self.expect(")")?;
                    self.fstate().loops += 1;
                    self.fstate().breakables += 1;
                    let body = self.stmt();
                    self.fstate().loops -= 1;
                    self.fstate().breakables -= 1;
                    self.pop_scope();
                    return mk(StmtKind::For {
                        init,
                        cond,
                        step,
                        body: Box::new(body?),
                    });
                }
                "while" => {
                    self.pos += 1;
                    let c = self.cond_expr()?;
                    self.fstate().loops += 1;
                    self.fstate().breakables += 1;
                    let body = self.stmt();
                    self.fstate().loops -= 1;
                    self.fstate().breakables -= 1;
                    return mk(StmtKind::While(c, Box::new(body?)));
                }
                "do" => {
                    self.pos += 1;
                    self.fstate().loops += 1;
                    self.fstate().breakables += 1;
                    let body = self.stmt();
                    self.fstate().loops -= 1;
                    self.fstate().breakables -= 1;
                    let body = body?;
                    if !self.eat("while") {
                        let d = self.describe();
                        return self.fatal(format!(
                            "expected 'while' after the body of 'do', found {d}"
                        ));
                    }
                    let c = self.cond_expr()?;
                    self.expect(";")?;
                    return mk(StmtKind::DoWhile(Box::new(body), c));
                }
                "goto" => {
                    self.pos += 1;
                    if self.eat("*") {
                        let e = self.expr()?;
                        self.expect(";")?;
                        let e = self.rval(e);
                        if !e.ty.is_ptr() {
                            let t = self.tname(&e.ty);
                            self.error(e.loc, format!("'goto *' needs a pointer, not '{t}'"));
                        }
                        self.fstate().computed.get_or_insert(loc);
                        return mk(StmtKind::GotoIndirect(e));
                    }
                    let (l, lloc) = self.ident()?;
                    self.expect(";")?;
                    self.fstate().gotos.push((l.clone(), lloc));
                    self.vla_goto(&l, lloc);
                    return mk(StmtKind::Goto(l));
                }
                "break" => {
                    self.pos += 1;
                    self.expect(";")?;
                    if self.fstate().breakables == 0 {
                        self.error(loc, "'break' statement not in a loop or switch");
                    }
                    return mk(StmtKind::Break);
                }
                "continue" => {
                    self.pos += 1;
                    self.expect(";")?;
                    if self.fstate().loops == 0 {
                        self.error(loc, "'continue' statement not in a loop");
                    }
                    return mk(StmtKind::Continue);
                }
                "asm" | "__asm__" => return self.fatal("unsupported: inline assembly"),
                "else" => return self.fatal("'else' without a previous 'if'"),
                _ => {}
            }
        }
        if self.is("{") {
            return self.compound_stmt();
        }
        if self.eat(";") {
            return mk(StmtKind::Block(Vec::new()));
        }
        let e = self.expr()?;
        self.expect(";")?;
        mk(StmtKind::Expr(e))
    }

    /// C99 6.8.5p3: the declaration of a `for` may declare only variables
    /// of automatic storage (`local_decl` added the ones from `first` on,
    /// and left the others, statics, externs and typedefs, in scope).
    fn for_init_only_variables(&mut self, loc: Loc, first: usize, init: &[Stmt]) {
        let locals = init[first..]
            .iter()
            .filter(|s| matches!(s.kind, StmtKind::Decl { .. }))
            .count();
        let declared = self.scopes.last().map_or(0, |s| s.syms.len());
        if declared > locals {
            self.error(
                loc,
                "a 'for' loop initial declaration may declare only variables of automatic storage (no static, extern or typedef)",
            );
        }
    }
}
