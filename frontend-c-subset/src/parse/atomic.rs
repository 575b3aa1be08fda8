//! GCC's atomic builtins (`__sync_*`, `__atomic_*`), type-generic over
//! the integer and pointer types: each call is desugared here into plain
//! loads, stores and a conditional, its operands first evaluated into
//! temporaries.
//!
//! Why that is atomic: pivm runs one thread at a time and switches only at
//! safepoints, which are loop back edges and the entries of functions that
//! call module functions (docs/DESIGN.md "Threads"). The read-modify-write
//! that follows the evaluation of the operands has no call and no loop,
//! so no safepoint can fall between its load and its store. Memory orders
//! and the `weak` flag are evaluated and ignored: every access is
//! sequentially consistent under that schedule, and fences are no-ops.

use super::*;

/// A read-modify-write operation.
#[derive(Copy, Clone)]
enum Rmw {
    Add,
    Sub,
    And,
    Or,
    Xor,
    Nand,
}

/// What a builtin does.
#[derive(Copy, Clone)]
enum Op {
    /// `fetch_and_op` (`old`: returns the old value) or `op_and_fetch`.
    Rmw(Rmw, bool),
    /// `__sync_bool_compare_and_swap`.
    BoolCas,
    /// `__sync_val_compare_and_swap`.
    ValCas,
    /// `__atomic_compare_exchange_n(p, expected, desired, weak, s, f)`.
    CmpXchg,
    /// Stores the value, returns the old one.
    Exchange,
    Load,
    Store,
    /// Stores 0 (`__sync_lock_release`, `__atomic_clear`).
    Clear,
    /// Stores 1, returns whether it was set (`__atomic_test_and_set`).
    TestAndSet,
    /// Fences: nothing to do.
    Fence,
    /// `__atomic_always_lock_free(size, p)`, `__atomic_is_lock_free`: 1.
    LockFree,
}

const RMW_NAMES: [(&str, Rmw); 6] = [
    ("add", Rmw::Add),
    ("sub", Rmw::Sub),
    ("and", Rmw::And),
    ("or", Rmw::Or),
    ("xor", Rmw::Xor),
    ("nand", Rmw::Nand),
];

/// The builtin called `name` and its number of arguments.
fn builtin(name: &str) -> Option<(Op, usize)> {
    let fixed = match name {
        "__sync_bool_compare_and_swap" => Some((Op::BoolCas, 3)),
        "__sync_val_compare_and_swap" => Some((Op::ValCas, 3)),
        "__sync_lock_test_and_set" => Some((Op::Exchange, 2)),
        "__sync_lock_release" => Some((Op::Clear, 1)),
        "__sync_synchronize" => Some((Op::Fence, 0)),
        "__atomic_load_n" => Some((Op::Load, 2)),
        "__atomic_store_n" => Some((Op::Store, 3)),
        "__atomic_exchange_n" => Some((Op::Exchange, 3)),
        "__atomic_compare_exchange_n" => Some((Op::CmpXchg, 6)),
        "__atomic_test_and_set" => Some((Op::TestAndSet, 2)),
        "__atomic_clear" => Some((Op::Clear, 2)),
        "__atomic_thread_fence" | "__atomic_signal_fence" => Some((Op::Fence, 1)),
        "__atomic_always_lock_free" | "__atomic_is_lock_free" => Some((Op::LockFree, 2)),
        _ => None,
    };
    if fixed.is_some() {
        return fixed;
    }
    let rmw = |s: &str| RMW_NAMES.iter().find(|(n, _)| *n == s).map(|&(_, r)| r);
    if let Some(r) = name.strip_prefix("__sync_fetch_and_").and_then(rmw) {
        return Some((Op::Rmw(r, true), 2));
    }
    if let Some(r) = name
        .strip_prefix("__sync_")
        .and_then(|s| s.strip_suffix("_and_fetch"))
        .and_then(rmw)
    {
        return Some((Op::Rmw(r, false), 2));
    }
    if let Some(r) = name.strip_prefix("__atomic_fetch_").and_then(rmw) {
        return Some((Op::Rmw(r, true), 3));
    }
    let r = name
        .strip_prefix("__atomic_")
        .and_then(|s| s.strip_suffix("_fetch"))
        .and_then(rmw)?;
    Some((Op::Rmw(r, false), 3))
}

/// Whether `name` is an atomic builtin (an identifier `primary` hands to
/// `atomic_builtin` when it is followed by `(`).
pub(super) fn is_atomic_builtin(name: &str) -> bool {
    (name.starts_with("__sync_") || name.starts_with("__atomic_")) && builtin(name).is_some()
}

impl Parser {
    // atomic-builtin = name "(" (assign ("," assign)*)? ")"
    /// A call of an atomic builtin, `self.pos` at its name.
    pub(super) fn atomic_builtin(&mut self) -> PResult<Expr> {
        let loc = self.loc();
        let name = self.peek().map_or(String::new(), |t| t.text.to_string());
        let Some((op, want)) = builtin(&name) else {
            return self.fatal(format!("unknown atomic builtin '{name}'"));
        };
        self.pos += 1;
        self.expect("(")?;
        let mut args = Vec::new();
        if !self.eat(")") {
            loop {
                let a = self.assign()?;
                args.push(self.rval(a));
                if self.eat(")") {
                    break;
                }
                self.expect(",")?;
            }
        }
        if args.len() != want {
            return self.fatal_at(
                loc,
                format!(
                    "too {} arguments to '{name}': expected {want}, have {}",
                    if args.len() < want { "few" } else { "many" },
                    args.len()
                ),
            );
        }
        if self.func.is_none() {
            return self.fatal_at(loc, format!("'{name}' outside a function"));
        }
        let void = Ty::Void;
        // The operands with side effects to keep, in order, before the
        // operation itself.
        let mut pre: Vec<Expr> = Vec::new();
        let e = match op {
            Op::Fence => {
                pre.extend(args);
                self.int(0, Ty::Int, loc)
            }
            Op::LockFree => {
                pre.extend(args);
                self.int(1, Ty::Bool, loc)
            }
            _ => {
                let mut args = args.into_iter();
                let (p, t) = self.atomic_pointer(args.next(), &name, loc)?;
                let (pt, pre_p) = self.temp(p, loc);
                pre.push(pre_p);
                let obj = |s: &mut Self| {
                    let pv = s.mk(ExprKind::Local(pt), ptr_to(t.clone()), loc);
                    s.deref(pv, loc)
                };
                let what = |i: usize| format!("argument {i} of '{name}'");
                let e = match op {
                    Op::Load => obj(self),
                    Op::Store | Op::Clear => {
                        let v = match op {
                            Op::Store => {
                                let v = args.next().ok_or(Fatal)?;
                                self.assign_conv(v, &t, &what(2))
                            }
                            _ => self.int(0, Ty::Int, loc),
                        };
                        let v = self.cast(v, &t);
                        let (vt, pv) = self.temp(v, loc);
                        pre.push(pv);
                        let o = obj(self);
                        let v = self.mk(ExprKind::Local(vt), t.clone(), loc);
                        self.mk(ExprKind::Assign(Box::new(o), Box::new(v)), t.clone(), loc)
                    }
                    Op::Rmw(r, old) => {
                        let v = args.next().ok_or(Fatal)?;
                        let v = if t.is_ptr() {
                            self.assign_conv(v, &Ty::ULong, &what(2))
                        } else {
                            self.assign_conv(v, &t, &what(2))
                        };
                        let (vt, pv) = self.temp(v.clone(), loc);
                        pre.push(pv);
                        let o = obj(self);
                        let (ot, po) = self.temp(o, loc);
                        let vty = v.ty.clone();
                        let old_v = self.mk(ExprKind::Local(ot), t.clone(), loc);
                        let val = self.mk(ExprKind::Local(vt), vty, loc);
                        let new = self.rmw(r, old_v, val, &t, loc);
                        let (nt, pn) = self.temp(new, loc);
                        let o = obj(self);
                        let nv = self.mk(ExprKind::Local(nt), t.clone(), loc);
                        let store =
                            self.mk(ExprKind::Assign(Box::new(o), Box::new(nv)), t.clone(), loc);
                        let result =
                            self.mk(ExprKind::Local(if old { ot } else { nt }), t.clone(), loc);
                        self.seq(vec![po, pn, store], result)
                    }
                    Op::Exchange | Op::TestAndSet => {
                        let v = match op {
                            Op::Exchange => {
                                let v = args.next().ok_or(Fatal)?;
                                self.assign_conv(v, &t, &what(2))
                            }
                            _ => self.int(1, Ty::Int, loc),
                        };
                        let v = self.cast(v, &t);
                        let (vt, pv) = self.temp(v, loc);
                        pre.push(pv);
                        let o = obj(self);
                        let (ot, po) = self.temp(o, loc);
                        let o = obj(self);
                        let v = self.mk(ExprKind::Local(vt), t.clone(), loc);
                        let store =
                            self.mk(ExprKind::Assign(Box::new(o), Box::new(v)), t.clone(), loc);
                        let mut result = self.mk(ExprKind::Local(ot), t.clone(), loc);
                        if matches!(op, Op::TestAndSet) {
                            let z = self.int(0, t.clone(), loc);
                            result = self.mk(
                                ExprKind::Binary(BinOp::Ne, Box::new(result), Box::new(z)),
                                Ty::Int,
                                loc,
                            );
                            result = self.cast(result, &Ty::Bool);
                        }
                        self.seq(vec![po, store], result)
                    }
                    Op::BoolCas | Op::ValCas | Op::CmpXchg => {
                        // The expected value: an operand, or what the
                        // second argument of `__atomic_compare_exchange_n`
                        // points to (written back on failure).
                        let a2 = args.next().ok_or(Fatal)?;
                        let (exp_ptr, exp_val) = if matches!(op, Op::CmpXchg) {
                            let e = self.assign_conv(a2, &ptr_to(t.clone()), &what(2));
                            let (et, pe) = self.temp(e, loc);
                            pre.push(pe);
                            (Some(et), None)
                        } else {
                            let e = self.assign_conv(a2, &t, &what(2));
                            let e = self.cast(e, &t);
                            let (et, pe) = self.temp(e, loc);
                            pre.push(pe);
                            (None, Some(et))
                        };
                        let d = args.next().ok_or(Fatal)?;
                        let d = self.assign_conv(d, &t, &what(3));
                        let d = self.cast(d, &t);
                        let (dt, pd) = self.temp(d, loc);
                        pre.push(pd);
                        let expected = |s: &mut Self| match (exp_ptr, exp_val) {
                            (Some(et), _) => {
                                let p = s.mk(ExprKind::Local(et), ptr_to(t.clone()), loc);
                                s.deref(p, loc)
                            }
                            (_, id) => s.mk(
                                ExprKind::Local(id.unwrap_or(LocalId(u32::MAX))),
                                t.clone(),
                                loc,
                            ),
                        };
                        let o = obj(self);
                        let (ot, po) = self.temp(o, loc);
                        let old_v = self.mk(ExprKind::Local(ot), t.clone(), loc);
                        let old_u = self.cast(old_v, &Ty::ULong);
                        let ex = expected(self);
                        let ex_u = self.cast(ex, &Ty::ULong);
                        let same = self.mk(
                            ExprKind::Binary(BinOp::Eq, Box::new(old_u), Box::new(ex_u)),
                            Ty::Int,
                            loc,
                        );
                        let o = obj(self);
                        let dv = self.mk(ExprKind::Local(dt), t.clone(), loc);
                        let store =
                            self.mk(ExprKind::Assign(Box::new(o), Box::new(dv)), t.clone(), loc);
                        let cond = match op {
                            Op::ValCas => {
                                let old_v = self.mk(ExprKind::Local(ot), t.clone(), loc);
                                self.mk(
                                    ExprKind::Cond(
                                        Box::new(same),
                                        Box::new(store),
                                        Box::new(old_v),
                                    ),
                                    t.clone(),
                                    loc,
                                )
                            }
                            Op::BoolCas => {
                                let one = self.int(1, Ty::Bool, loc);
                                let zero = self.int(0, Ty::Bool, loc);
                                let yes = self.seq(vec![store], one);
                                self.mk(
                                    ExprKind::Cond(Box::new(same), Box::new(yes), Box::new(zero)),
                                    Ty::Bool,
                                    loc,
                                )
                            }
                            _ => {
                                let one = self.int(1, Ty::Bool, loc);
                                let zero = self.int(0, Ty::Bool, loc);
                                let yes = self.seq(vec![store], one);
                                let ex = expected(self);
                                let old_v = self.mk(ExprKind::Local(ot), t.clone(), loc);
                                let back = self.mk(
                                    ExprKind::Assign(Box::new(ex), Box::new(old_v)),
                                    t.clone(),
                                    loc,
                                );
                                let no = self.seq(vec![back], zero);
                                self.mk(
                                    ExprKind::Cond(Box::new(same), Box::new(yes), Box::new(no)),
                                    Ty::Bool,
                                    loc,
                                )
                            }
                        };
                        match op {
                            Op::ValCas => {
                                let old_v = self.mk(ExprKind::Local(ot), t.clone(), loc);
                                self.seq(vec![po, cond], old_v)
                            }
                            _ => self.seq(vec![po], cond),
                        }
                    }
                    Op::Fence | Op::LockFree => return Err(Fatal),
                };
                // The memory orders and the weak flag: evaluated, unused.
                pre.extend(args);
                e
            }
        };
        // Stores and fences are `void`.
        let e = if matches!(op, Op::Store | Op::Clear | Op::Fence) {
            self.mk(ExprKind::Cast(Box::new(e)), void, loc)
        } else {
            e
        };
        Ok(self.seq(pre, e))
    }

    /// The first argument: a pointer to an integer or a pointer, and the
    /// type it points to.
    fn atomic_pointer(&mut self, p: Option<Expr>, name: &str, loc: Loc) -> PResult<(Expr, Ty)> {
        let Some(p) = p else {
            return self.fatal_at(loc, format!("too few arguments to '{name}'"));
        };
        let t = match &p.ty {
            Ty::Ptr(b) if b.is_integer() || b.is_ptr() => (**b).clone(),
            _ => {
                let n = self.tname(&p.ty);
                return self.fatal_at(
                    p.loc,
                    format!(
                        "argument 1 of '{name}' must be a pointer to an integer or pointer type, not '{n}'"
                    ),
                );
            }
        };
        Ok((p, t))
    }

    /// A new temporary of `e`'s type and the assignment of `e` to it.
    fn temp(&mut self, e: Expr, loc: Loc) -> (LocalId, Expr) {
        self.temp_named("atomic", e, loc)
    }

    /// `temp`, its name made from `prefix`.
    pub(super) fn temp_named(&mut self, prefix: &str, e: Expr, loc: Loc) -> (LocalId, Expr) {
        self.statics += 1;
        let name = format!("{prefix}.{}", self.statics);
        let ty = e.ty.clone();
        let id = match self.func.as_mut() {
            Some(f) => f.locals.push(LocalVar {
                name,
                ty: ty.clone(),
                addr_taken: false,
                is_register: false,
                align: 0,
                loc,
            }),
            None => LocalId(u32::MAX),
        };
        let l = self.mk(ExprKind::Local(id), ty.clone(), loc);
        let a = self.mk(ExprKind::Assign(Box::new(l), Box::new(e)), ty, loc);
        (id, a)
    }

    /// `old OP val` of type `t`, computed in `unsigned long` (for a
    /// pointer, on its address in bytes, as gcc does).
    fn rmw(&mut self, r: Rmw, old: Expr, val: Expr, t: &Ty, loc: Loc) -> Expr {
        let a = self.cast(old, &Ty::ULong);
        let b = self.cast(val, &Ty::ULong);
        let bin = |s: &mut Self, op, a, b| {
            s.mk(
                ExprKind::Binary(op, Box::new(a), Box::new(b)),
                Ty::ULong,
                loc,
            )
        };
        let v = match r {
            Rmw::Add => bin(self, BinOp::Add, a, b),
            Rmw::Sub => bin(self, BinOp::Sub, a, b),
            Rmw::And => bin(self, BinOp::BitAnd, a, b),
            Rmw::Or => bin(self, BinOp::BitOr, a, b),
            Rmw::Xor => bin(self, BinOp::BitXor, a, b),
            Rmw::Nand => {
                let and = bin(self, BinOp::BitAnd, a, b);
                self.mk(ExprKind::Unary(UnOp::BitNot, Box::new(and)), Ty::ULong, loc)
            }
        };
        self.cast(v, t)
    }

    /// `(a, b, ..., last)`.
    fn seq(&mut self, first: Vec<Expr>, last: Expr) -> Expr {
        first.into_iter().rev().fold(last, |acc, e| {
            let (ty, loc) = (acc.ty.clone(), e.loc);
            self.mk(ExprKind::Comma(Box::new(e), Box::new(acc)), ty, loc)
        })
    }

    fn fatal_at<T>(&mut self, loc: Loc, msg: impl Into<String>) -> PResult<T> {
        self.error(loc, msg);
        Err(Fatal)
    }
}
