//! Variable-length arrays, the parser's part. A length that is not a
//! constant is evaluated once, when its declarator is reached, into a
//! hidden local of the function (`VlaLen::Local`): the declaration, or
//! the expression of a type name (`sizeof (int[n])`, a cast), assigns it
//! first (`pending`). In a parameter list the lengths may name earlier
//! parameters: they are parsed in a scope where those are declared, and
//! their tokens kept (`VlaLen::Param`); a definition parses them again
//! on entry to its body, where the parameters are its locals.
//!
//! Which VLAs are live where is tracked so that a jump into the scope of
//! one (goto, a switch's case) is refused; the lowering frees a VLA's
//! storage whenever its scope is left (`lower/vla.rs`).

use super::*;
use crate::ctype::VlaLen;

/// The parser's state for variable-length arrays.
#[derive(Default)]
pub(super) struct VlaState {
    /// Assignments of lengths not yet placed before their declaration.
    pending: Vec<Expr>,
    /// The tokens of each length in a parameter list (`VlaLen::Param`).
    param_dims: Vec<(usize, usize)>,
    /// How many parameter lists are being parsed.
    pub(super) in_params: usize,
    /// The parameter types of the definition about to be parsed, as its
    /// own declarator gives them (an earlier prototype may say `[*]`).
    def_params: Vec<Ty>,
    /// The VLA objects in scope, outermost first.
    live: Vec<LocalId>,
    /// `live`'s length at the start of each open scope.
    scope_marks: Vec<usize>,
    /// `live`'s length at the start of each open switch.
    switch_marks: Vec<usize>,
    /// The VLAs in scope at each goto label, and at each goto.
    labels: HashMap<String, Vec<LocalId>>,
    gotos: Vec<(String, Loc, Vec<LocalId>)>,
}

impl Parser {
    /// The length of an array whose size expression `e` (tokens `start`
    /// to `end`) is not an integer constant; `None` (reported) where
    /// there can be no variable length.
    pub(super) fn vla_len(&mut self, e: Expr, start: usize, end: usize) -> Option<VlaLen> {
        if self.vla.in_params > 0 {
            self.vla.param_dims.push((start, end));
            return Some(VlaLen::Param(self.vla.param_dims.len() as u32 - 1));
        }
        if !self.defining.is_empty() {
            // A member: `struct_members` refuses it.
            return Some(VlaLen::Star);
        }
        if self.func.is_none() {
            self.error(
                e.loc,
                "variable-length array at file scope (an array's size here must be an integer constant)",
            );
            return None;
        }
        let e = self.rval(e);
        let e = self.cast(e, &Ty::Long);
        self.statics += 1;
        let name = format!("vla.len.{}", self.statics);
        let loc = e.loc;
        let f = self.func.as_mut()?;
        let id = f.locals.push(LocalVar {
            name,
            ty: Ty::Long,
            addr_taken: false,
            is_register: false,
            align: 0,
            loc,
        });
        let lhs = self.mk(ExprKind::Local(id), Ty::Long, loc);
        let set = self.mk(ExprKind::Assign(Box::new(lhs), Box::new(e)), Ty::Long, loc);
        self.vla.pending.push(set);
        Some(VlaLen::Local(id))
    }

    /// The statements that evaluate the lengths of the declarator just
    /// read (none if it has no variable length).
    pub(super) fn vla_pending_stmts(&mut self) -> Vec<Stmt> {
        std::mem::take(&mut self.vla.pending)
            .into_iter()
            .map(|e| Stmt {
                loc: e.loc,
                kind: StmtKind::Expr(e),
            })
            .collect()
    }

    /// `e`, after the evaluation of the lengths of the type name just
    /// read (a cast's, `sizeof`'s).
    pub(super) fn vla_wrap(&mut self, e: Expr) -> Expr {
        let pending = std::mem::take(&mut self.vla.pending);
        pending.into_iter().rev().fold(e, |acc, set| {
            let (ty, loc) = (acc.ty.clone(), acc.loc);
            self.mk(ExprKind::Comma(Box::new(set), Box::new(acc)), ty, loc)
        })
    }

    /// Drops lengths that will never be evaluated (a declaration refused).
    pub(super) fn vla_drop_pending(&mut self) {
        self.vla.pending.clear();
    }

    /// A new VLA object in scope.
    pub(super) fn vla_declared(&mut self, id: LocalId) {
        self.vla.live.push(id);
    }

    pub(super) fn vla_scope_push(&mut self) {
        self.vla.scope_marks.push(self.vla.live.len());
    }

    pub(super) fn vla_scope_pop(&mut self) {
        if let Some(m) = self.vla.scope_marks.pop() {
            self.vla.live.truncate(m);
        }
    }

    pub(super) fn vla_switch_push(&mut self) {
        self.vla.switch_marks.push(self.vla.live.len());
    }

    pub(super) fn vla_switch_pop(&mut self) {
        self.vla.switch_marks.pop();
    }

    /// At a `case` or `default` label: refuses it inside the scope of a
    /// VLA declared in the switch's body.
    pub(super) fn vla_case(&mut self, loc: Loc) {
        if self
            .vla
            .switch_marks
            .last()
            .is_some_and(|&m| self.vla.live.len() > m)
        {
            self.error(
                loc,
                "switch jumps into the scope of a variable-length array (declare it in a block of its own)",
            );
        }
    }

    pub(super) fn vla_label(&mut self, l: &str) {
        self.vla.labels.insert(l.to_string(), self.vla.live.clone());
    }

    pub(super) fn vla_goto(&mut self, l: &str, loc: Loc) {
        let live = self.vla.live.clone();
        self.vla.gotos.push((l.to_string(), loc, live));
    }

    /// At the end of a function: refuses every goto into the scope of a
    /// VLA (one in scope at its label but not at the goto), then forgets
    /// the function.
    pub(super) fn vla_end_function(&mut self) {
        let gotos = std::mem::take(&mut self.vla.gotos);
        let labels = std::mem::take(&mut self.vla.labels);
        for (l, loc, live) in gotos {
            let Some(at) = labels.get(&l) else { continue };
            if !live.starts_with(at) {
                self.error(
                    loc,
                    format!("goto '{l}' jumps into the scope of a variable-length array"),
                );
            }
        }
        self.vla.live.clear();
        self.vla.scope_marks.clear();
        self.vla.switch_marks.clear();
        self.vla.pending.clear();
    }

    /// On entry to a function definition whose parameters are declared:
    /// its parameters' types with their lengths evaluated (parsed again
    /// from their tokens), and the statements that evaluate them.
    pub(super) fn vla_params(&mut self, params: &[LocalId]) -> PResult<Vec<Stmt>> {
        let mut out = Vec::new();
        let types = std::mem::take(&mut self.vla.def_params);
        for (&p, ty) in params.iter().zip(types) {
            if !ty.is_vm() {
                continue;
            }
            let ty = self.vla_eval_params(&ty)?;
            out.extend(self.vla_pending_stmts());
            if let Some(f) = self.func.as_mut() {
                f.locals[p].ty = ty;
            }
        }
        self.vla.param_dims.clear();
        Ok(out)
    }

    /// Before a function definition: its declarator's parameter types.
    pub(super) fn vla_definition(&mut self, fty: &FuncTy) {
        self.vla.def_params = fty.params.clone();
    }

    /// `ty` with each `VlaLen::Param` length parsed and evaluated.
    fn vla_eval_params(&mut self, ty: &Ty) -> PResult<Ty> {
        Ok(match ty {
            Ty::Ptr(b) => ptr_to(self.vla_eval_params(b)?),
            Ty::Array(b, n) => Ty::Array(Rc::new(self.vla_eval_params(b)?), *n),
            Ty::Vla(b, len) => {
                let inner = self.vla_eval_params(b)?;
                let len = match *len {
                    VlaLen::Param(k) => match self.vla.param_dims.get(k as usize).copied() {
                        Some((start, end)) => {
                            let save = self.pos;
                            self.pos = start;
                            let e = self.conditional()?;
                            let ok = self.pos == end;
                            self.pos = save;
                            if ok {
                                self.vla_len(e, start, end).unwrap_or(VlaLen::Star)
                            } else {
                                VlaLen::Star
                            }
                        }
                        None => VlaLen::Star,
                    },
                    VlaLen::Star => {
                        let loc = self.loc();
                        self.error(loc, "'[*]' is allowed only in a function prototype, not in a definition's parameters");
                        VlaLen::Star
                    }
                    l => l,
                };
                Ty::Vla(Rc::new(inner), len)
            }
            t => t.clone(),
        })
    }
}
