//! Variable-length arrays, the lowering's part. A VLA's storage is a
//! heap block (`__pivm_vla_alloc`, VM memory like every object, so a
//! snapshot holds it and the IR local holding its address) allocated
//! when its declaration is reached and freed whenever its scope is left:
//! at the end of its block, and by `break`, `continue`, `goto` and
//! `return` out of it. A loop that declares one each iteration frees it
//! each iteration. The lengths are the hidden locals the parser assigns
//! (`parse/vla.rs`); the size is checked when the storage is allocated:
//! a length that is not positive, or a size past 1 TiB, traps
//! (`TrapKind::VlaSize`) at the declaration's line, as does a heap that
//! cannot hold it. (A `longjmp` out of a VLA's scope leaks its block.)

use super::*;
use crate::ctype::{ptr_to, VlaLen};

/// The VLA state of the function being lowered.
pub(super) struct VlaCx {
    /// The VLAs allocated in each open scope (a block, a `for`), with
    /// the local holding each one's address.
    pub(super) scopes: Vec<Vec<(LocalId, Local)>>,
    /// `scopes`'s depth at each open loop or switch (`break`) and loop
    /// (`continue`).
    pub(super) break_depth: Vec<usize>,
    pub(super) cont_depth: Vec<usize>,
    /// The VLAs in scope at each goto label, outermost first.
    labels: HashMap<String, Vec<LocalId>>,
}

impl VlaCx {
    pub(super) fn new(def: &FuncDef) -> VlaCx {
        let mut labels = HashMap::new();
        walk(def, &def.body, &mut Vec::new(), &mut labels);
        VlaCx {
            scopes: vec![Vec::new()],
            break_depth: Vec::new(),
            cont_depth: Vec::new(),
            labels,
        }
    }
}

/// Records the VLAs in scope at each label of `stmts` (`live`: those in
/// scope before them), scoping as the lowering does: a block and a
/// `for` are scopes.
fn walk(
    def: &FuncDef,
    stmts: &[Stmt],
    live: &mut Vec<LocalId>,
    labels: &mut HashMap<String, Vec<LocalId>>,
) {
    for s in stmts {
        match &s.kind {
            StmtKind::Decl { var, .. } if def.locals[*var].ty.is_vla_object() => live.push(*var),
            StmtKind::Label(l) => {
                labels.insert(l.clone(), live.clone());
            }
            StmtKind::Block(v) => {
                let m = live.len();
                walk(def, v, live, labels);
                live.truncate(m);
            }
            StmtKind::For { init, body, .. } => {
                let m = live.len();
                walk(def, init, live, labels);
                walk(def, std::slice::from_ref(&**body), live, labels);
                live.truncate(m);
            }
            StmtKind::If { arms, els } => {
                for (_, st) in arms {
                    walk(def, std::slice::from_ref(st), live, labels);
                }
                if let Some(e) = els {
                    walk(def, std::slice::from_ref(&**e), live, labels);
                }
            }
            StmtKind::While(_, b) | StmtKind::DoWhile(b, _) | StmtKind::Switch { body: b, .. } => {
                walk(def, std::slice::from_ref(&**b), live, labels)
            }
            _ => {}
        }
    }
}

/// The largest VLA, in bytes.
const MAX_VLA: u64 = 1 << 40;

impl Lower<'_> {
    /// The value of a VLA length (0 for one never evaluated: `[*]`).
    fn vla_length(&mut self, cx: &mut FnCx, len: VlaLen) -> Operand {
        match len {
            VlaLen::Local(id) => {
                let e = Expr {
                    kind: ExprKind::Local(id),
                    ty: Ty::Long,
                    loc: Loc::default(),
                };
                self.expr(cx, &e)
            }
            VlaLen::Param(_) | VlaLen::Star => Operand::Const(0),
        }
    }

    /// The size of a type in bytes, computed at run time for a variably
    /// modified one.
    pub(super) fn dyn_size(&mut self, cx: &mut FnCx, t: &Ty) -> Operand {
        match t {
            Ty::Vla(b, len) => {
                let n = self.vla_length(cx, *len);
                let es = self.dyn_size(cx, b);
                self.bin(cx, Opcode::Mul, Type::I64, n, es)
            }
            Ty::Array(b, Some(n)) if b.is_vm() => {
                let es = self.dyn_size(cx, b);
                self.bin(cx, Opcode::Mul, Type::I64, Operand::Const(*n), es)
            }
            t => Operand::Const(self.size(t)),
        }
    }

    /// The size of what pointer type `p` points to, the unit of its
    /// arithmetic (1 for `void *`).
    pub(super) fn elem_size(&mut self, cx: &mut FnCx, p: &Ty) -> Operand {
        match p.base() {
            Some(Ty::Void) | None => Operand::Const(1),
            Some(b) if b.is_vm() => self.dyn_size(cx, b),
            Some(b) => Operand::Const(self.size(b).max(1)),
        }
    }

    /// The size of VLA type `t`, or a negative number (which
    /// `__pivm_vla_alloc` refuses) if a length is not in 1..=2^31 or
    /// the size passes `MAX_VLA`. No product overflows: each factor is
    /// checked before it is multiplied.
    fn checked_size(&mut self, cx: &mut FnCx, t: &Ty) -> Operand {
        let mut dims = Vec::new();
        let mut inner = t;
        loop {
            match inner {
                Ty::Vla(b, len) => {
                    dims.push(self.vla_length(cx, *len));
                    inner = b;
                }
                Ty::Array(b, Some(n)) if b.is_vm() => {
                    dims.push(Operand::Const(*n));
                    inner = b;
                }
                _ => break,
            }
        }
        let mut size = Operand::Const(self.size(inner));
        let mut bad = Operand::Const(0);
        let flag = |l: &mut Self, cx: &mut FnCx, bad: Operand, v: Operand, max: u64| {
            let over = l.bin(cx, Opcode::UGt, Type::I64, v, Operand::Const(max));
            l.bin(cx, Opcode::Or, Type::I32, bad, over)
        };
        for d in dims {
            let d1 = self.bin(cx, Opcode::Sub, Type::I64, d, Operand::Const(1));
            bad = flag(self, cx, bad, d1, (1 << 31) - 1);
            bad = flag(self, cx, bad, size, 1 << 32);
            size = self.bin(cx, Opcode::Mul, Type::I64, size, d);
        }
        bad = flag(self, cx, bad, size, MAX_VLA);
        self.refused_if(cx, size, bad)
    }

    /// `size` with the sign bit set where `bad` (an i32 0/1) is 1: a size
    /// `__pivm_vla_alloc` refuses (it traps).
    fn refused_if(&mut self, cx: &mut FnCx, size: Operand, bad: Operand) -> Operand {
        let bad = self.conv(cx, Opcode::ZExt, Type::I32, Type::I64, bad);
        let sign = self.bin(cx, Opcode::Shl, Type::I64, bad, Operand::Const(63));
        self.bin(cx, Opcode::Or, Type::I64, size, sign)
    }

    /// At the declaration of VLA `var` (of type `t`, its address in
    /// `l`): allocates its storage.
    pub(super) fn vla_alloc(&mut self, cx: &mut FnCx, var: LocalId, l: Local, t: &Ty) {
        let size = self.checked_size(cx, t);
        let b = self.builtin(Builtin::VlaAlloc);
        self.emit(
            cx,
            InstKind::Call {
                dst: Some(l),
                callee: Callee::Builtin(b),
                args: vec![(Type::I64, size)],
                alloc_type: None,
            },
        );
        if let Some(s) = cx.vla.scopes.last_mut() {
            s.push((var, l));
        }
    }

    fn vla_free(&mut self, cx: &mut FnCx, l: Local) {
        self.call_builtin(cx, Builtin::Free, vec![(Type::Ptr, Operand::Local(l))]);
    }

    /// Frees the VLAs of the scopes from `depth` on, innermost first
    /// (leaving them open: a jump out of them).
    pub(super) fn vla_free_from(&mut self, cx: &mut FnCx, depth: usize) {
        let ls: Vec<Local> = cx.vla.scopes[depth.min(cx.vla.scopes.len())..]
            .iter()
            .flatten()
            .map(|&(_, l)| l)
            .collect();
        for l in ls.into_iter().rev() {
            self.vla_free(cx, l);
        }
    }

    /// Closes the innermost scope, freeing its VLAs where control falls
    /// out of it.
    pub(super) fn vla_scope_end(&mut self, cx: &mut FnCx) {
        let Some(s) = cx.vla.scopes.pop() else { return };
        if cx.terminated {
            return;
        }
        for (_, l) in s.into_iter().rev() {
            self.vla_free(cx, l);
        }
    }

    /// At `goto l`: frees the VLAs in scope here but not at `l`.
    pub(super) fn vla_goto(&mut self, cx: &mut FnCx, l: &str) {
        let here: Vec<(LocalId, Local)> = cx.vla.scopes.iter().flatten().copied().collect();
        let there = cx.vla.labels.get(l).cloned().unwrap_or_default();
        let keep = here
            .iter()
            .zip(&there)
            .take_while(|(a, b)| a.0 == **b)
            .count();
        for &(_, v) in here[keep..].iter().rev() {
            self.vla_free(cx, v);
        }
    }
}

/// The header before each `alloca` block: the address of the block
/// allocated before it (0 for the first), padded to 16 bytes so the
/// block keeps malloc's alignment.
const ALLOCA_HEADER: u64 = 16;

impl Lower<'_> {
    /// `alloca(n)`: a heap block (`__pivm_vla_alloc`, so a size past
    /// `MAX_VLA` traps as a VLA's does) chained before the function's
    /// others; the function frees them all when it returns
    /// (`alloca_free`). gcc's block is on the stack and gone at the same
    /// time; a VM's VLAs and alloca blocks are freed independently.
    pub(super) fn alloca(&mut self, cx: &mut FnCx, n: &Expr) -> Operand {
        let Some(head) = cx.alloca else {
            return Operand::Const(0);
        };
        let n = self.expr(cx, n);
        let n = self.stable(cx, n, &Ty::ULong);
        let size = self.bin(cx, Opcode::Add, Type::I64, n, Operand::Const(ALLOCA_HEADER));
        // A size past the limit (or one the addition wrapped) gets the
        // sign bit, which `__pivm_vla_alloc` refuses.
        let over = self.bin(cx, Opcode::UGt, Type::I64, n, Operand::Const(MAX_VLA));
        let size = self.refused_if(cx, size, over);
        let block = self.tmp(cx, Type::Ptr);
        let b = self.builtin(Builtin::VlaAlloc);
        self.emit(
            cx,
            InstKind::Call {
                dst: Some(block),
                callee: Callee::Builtin(b),
                args: vec![(Type::I64, size)],
                alloc_type: None,
            },
        );
        self.store(
            cx,
            LVal::Mem(Operand::Local(block)),
            &ptr_to(Ty::Void),
            Operand::Local(head),
        );
        self.copy(cx, head, Type::Ptr, Operand::Local(block));
        self.add_offset(cx, Operand::Local(block), ALLOCA_HEADER)
    }

    /// Before the function returns: frees its `alloca` blocks, newest
    /// first.
    pub(super) fn alloca_free(&mut self, cx: &mut FnCx) {
        let Some(head) = cx.alloca else { return };
        if cx.terminated {
            return;
        }
        let check = self.new_block(cx, "alloca.free.");
        let body = self.new_block(cx, "alloca.next.");
        let done = self.new_block(cx, "alloca.done.");
        self.switch_to(cx, check);
        let more = self.truth(cx, Operand::Local(head), &ptr_to(Ty::Void));
        self.emit(
            cx,
            InstKind::Branch {
                ty: Type::I32,
                cond: more,
                then_dest: body,
                else_dest: done,
            },
        );
        self.switch_to(cx, body);
        let next = self.load(cx, LVal::Mem(Operand::Local(head)), &ptr_to(Ty::Void));
        let next = self.stable(cx, next, &ptr_to(Ty::Void));
        self.call_builtin(cx, Builtin::Free, vec![(Type::Ptr, Operand::Local(head))]);
        self.copy(cx, head, Type::Ptr, next);
        self.jump(cx, check);
        self.switch_to(cx, done);
    }
}
