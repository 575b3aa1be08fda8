//! The interpreter engine: executes verified IR directly, with an explicit
//! frame stack (never host recursion), the define-once semantics of
//! `pivm_ir::opcodes`, and the snapshot protocol of DESIGN.md over its own
//! frames. Its logical frames are the ones the JIT produces, so a snapshot
//! taken by one engine resumes on the other.

use pivm_ir::frame::Frame;
use pivm_ir::opcodes::{eval_binary, eval_convert, eval_unary};
use pivm_ir::{
    AddrOf, Block, Callee, EntityRef, FuncId, InstKind, Module, Operand, TrapKind, Type,
};

use crate::builtins;
use crate::error::VmError;
use crate::program::Program;
use crate::runtime::{Engine, Entry, Halt, Outcome, Runtime, SafepointAction};

/// The interpreter. It keeps no state between runs.
#[derive(Default)]
pub struct Interpreter;

impl Interpreter {
    pub fn new() -> Interpreter {
        Interpreter
    }
}

impl Engine for Interpreter {
    fn run(&mut self, rt: &mut Runtime, entry: Entry) -> Result<Outcome, VmError> {
        let prog = rt.prog.clone();
        let mut m = Machine {
            prog: &prog,
            vals: Vec::with_capacity(1024),
            callers: Vec::new(),
            cur: Act {
                func: FuncId(0),
                block: Block(0),
                pc: 0,
                base: 0,
                stack_base: 0,
            },
            started: false,
            sp: prog.mem.stack_start,
            args: Vec::new(),
        };
        match entry {
            Entry::Start { args } => {
                let (main, argv) = rt.prepare_main(&args)?;
                if let Err(k) = m.enter(rt.config.max_depth, main, &argv) {
                    return Ok(Outcome::Trap(rt.trap_at(k, Some(main), 0)));
                }
            }
            Entry::Rewind { frames } => {
                check_frames(&prog, &frames, rt.config.max_depth)?;
                m.rewind(&frames);
            }
        }
        let out = m.run(rt);
        rt.io.flush();
        Ok(out)
    }
}

/// One activation: where it is and where its locals and stack frame are.
#[derive(Clone, Copy)]
struct Act {
    func: FuncId,
    block: Block,
    /// Instruction index in `block`; in a caller, the call being made.
    pc: usize,
    /// Index of local 0 in `Machine::vals`.
    base: usize,
    stack_base: u64,
}

struct Machine<'p> {
    prog: &'p Program,
    /// The locals of every activation, outermost first.
    vals: Vec<u64>,
    /// The callers of `cur`, outermost first.
    callers: Vec<Act>,
    cur: Act,
    /// Whether `cur` is an activation (false before `main` is entered).
    started: bool,
    /// Shadow-stack pointer.
    sp: u64,
    /// Argument buffer for calls.
    args: Vec<u64>,
}

#[inline(always)]
fn get(vals: &[u64], base: usize, o: &Operand) -> u64 {
    match o {
        Operand::Local(l) => vals[base + l.0 as usize],
        Operand::Const(c) => *c,
    }
}

impl Machine<'_> {
    fn module(&self) -> &Module {
        &self.prog.module
    }

    /// Depth of the current activation (main is 1).
    fn depth(&self) -> usize {
        self.callers.len() + 1
    }

    /// Calls `f` with `args`: pushes the current activation (its `pc` at the
    /// call) and makes the callee current at its entry.
    fn enter(&mut self, max_depth: u32, f: FuncId, args: &[u64]) -> Result<(), TrapKind> {
        let first = !self.started;
        let depth = if first { 1 } else { self.depth() + 1 };
        if depth > max_depth as usize {
            return Err(TrapKind::StackOverflow);
        }
        let func = &self.prog.module.funcs[f];
        let size = self.prog.frames[f.index()].size;
        let stack_base = self.sp;
        let new_sp = stack_base
            .checked_add(size)
            .filter(|&e| e <= self.prog.mem.stack_end)
            .ok_or(TrapKind::StackOverflow)?;
        if !first {
            self.callers.push(self.cur);
        }
        let base = self.vals.len();
        self.vals.resize(base + func.locals.len(), 0);
        for (i, (a, l)) in args.iter().zip(func.locals.values()).enumerate() {
            self.vals[base + i] = a & l.ty.mask();
        }
        self.cur = Act {
            func: f,
            block: Block(0),
            pc: 0,
            base,
            stack_base,
        };
        self.sp = new_sp;
        self.started = true;
        Ok(())
    }

    /// Rebuilds the activations from checked frames (innermost first) and
    /// positions the innermost right after its safepoint.
    fn rewind(&mut self, frames: &[Frame]) {
        self.started = true;
        for (i, fr) in frames.iter().rev().enumerate() {
            let rp = self.prog.resume_points[fr.func.index()][fr.resume as usize];
            let base = self.vals.len();
            self.vals.extend_from_slice(&fr.locals);
            let act = Act {
                func: fr.func,
                block: rp.block,
                pc: rp.inst,
                base,
                stack_base: fr.stack_base,
            };
            if i + 1 == frames.len() {
                self.cur = Act {
                    pc: rp.inst + 1,
                    ..act
                };
                self.sp = fr.stack_base + self.prog.frames[fr.func.index()].size;
            } else {
                self.callers.push(act);
            }
        }
    }

    /// The logical frames, innermost first; the innermost stopped at
    /// resume point `resume`.
    fn capture(&self, resume: u32) -> Vec<Frame> {
        let frame = |a: &Act, resume: u32| {
            let mut locals =
                self.vals[a.base..a.base + self.module().funcs[a.func].locals.len()].to_vec();
            // A frame holds the locals live at its resume point, 0 for the rest.
            self.prog.live[a.func.index()][resume as usize].clear_others(&mut locals);
            Frame {
                func: a.func,
                resume,
                stack_base: a.stack_base,
                locals,
            }
        };
        let mut v = vec![frame(&self.cur, resume)];
        for a in self.callers.iter().rev() {
            v.push(frame(a, self.resume_id(a)));
        }
        v
    }

    fn resume_id(&self, a: &Act) -> u32 {
        self.prog.resume_ids[a.func.index()][&(a.block.0, a.pc as u32)]
    }

    fn run(&mut self, rt: &mut Runtime) -> Outcome {
        let prog = self.prog;
        let module = &prog.module;
        let max_depth = rt.config.max_depth;
        loop {
            let Act {
                func: fid,
                block,
                pc,
                base,
                stack_base,
            } = self.cur;
            let func = &module.funcs[fid];
            let inst = &func.blocks[block].insts[pc];
            let trap =
                |rt: &Runtime, k: TrapKind| Outcome::Trap(rt.trap_at(k, Some(fid), inst.line));
            let vals = &mut self.vals;
            match &inst.kind {
                InstKind::Binary { op, ty, dst, a, b } => {
                    let (x, y) = (get(vals, base, a), get(vals, base, b));
                    match eval_binary(*op, *ty, x, y) {
                        Ok(r) => vals[base + dst.0 as usize] = r,
                        Err(k) => return trap(rt, k),
                    }
                }
                InstKind::Unary { op, ty, dst, a } => {
                    vals[base + dst.0 as usize] = eval_unary(*op, *ty, get(vals, base, a));
                }
                InstKind::Convert {
                    op,
                    from,
                    to,
                    dst,
                    a,
                } => {
                    vals[base + dst.0 as usize] = eval_convert(*op, *from, *to, get(vals, base, a));
                }
                InstKind::Load { ty, dst, addr } => match rt.mem.load(*ty, get(vals, base, addr)) {
                    Ok(v) => vals[base + dst.0 as usize] = v,
                    Err(k) => return trap(rt, k),
                },
                InstKind::Store { ty, addr, val } => {
                    let (a, v) = (get(vals, base, addr), get(vals, base, val));
                    if let Err(k) = rt.mem.store(*ty, a, v) {
                        return trap(rt, k);
                    }
                }
                InstKind::Addr { dst, of } => {
                    vals[base + dst.0 as usize] = match of {
                        AddrOf::Global(g) => prog.global_addrs[g.index()],
                        AddrOf::Slot(s) => stack_base + prog.frames[fid.index()].slot_offset(*s),
                        AddrOf::Func(f) => Module::func_ptr(*f),
                    };
                }
                InstKind::Call {
                    dst,
                    callee,
                    args,
                    alloc_type,
                } => {
                    self.args.clear();
                    self.args
                        .extend(args.iter().map(|(_, o)| get(&self.vals, base, o)));
                    let target = match callee {
                        Callee::Builtin(b) => {
                            let idx = prog.builtin_index[b.index()];
                            match builtins::call(rt, idx, &self.args, alloc_type.as_ref()) {
                                Ok(v) => {
                                    if let Some(d) = dst {
                                        let ty = func.locals[*d].ty;
                                        self.vals[base + d.0 as usize] = v & ty.mask();
                                    }
                                    self.cur.pc += 1;
                                    continue;
                                }
                                Err(Halt::Exit(c)) => return Outcome::Exit(c),
                                Err(Halt::Trap(k)) => return trap(rt, k),
                            }
                        }
                        Callee::Func(f) => *f,
                        Callee::Indirect(o) => {
                            let p = get(&self.vals, base, o);
                            let ret = dst.map(|d| func.locals[d].ty);
                            match module.func_from_ptr(p) {
                                Some(f) if signature_ok(module, f, args, ret) => f,
                                _ => return trap(rt, TrapKind::BadFunctionPointer),
                            }
                        }
                    };
                    let args = std::mem::take(&mut self.args);
                    let r = self.enter(max_depth, target, &args);
                    self.args = args;
                    if let Err(k) = r {
                        return trap(rt, k);
                    }
                    continue;
                }
                InstKind::Safepoint => {
                    if rt.poll.is_set() {
                        let rid = self.resume_id(&self.cur);
                        if rt.on_safepoint(fid, rid) == SafepointAction::Snapshot {
                            let frames = self.capture(rid);
                            // Unwound: every activation has returned.
                            self.sp = prog.mem.stack_start;
                            return Outcome::Snapshot(frames);
                        }
                    }
                }
                InstKind::Jump { target } => {
                    self.cur.block = *target;
                    self.cur.pc = 0;
                    continue;
                }
                InstKind::Branch {
                    cond,
                    then_dest,
                    else_dest,
                    ..
                } => {
                    self.cur.block = if get(vals, base, cond) != 0 {
                        *then_dest
                    } else {
                        *else_dest
                    };
                    self.cur.pc = 0;
                    continue;
                }
                InstKind::Switch {
                    ty,
                    val,
                    default,
                    cases,
                } => {
                    let v = get(vals, base, val) & ty.mask();
                    self.cur.block = cases
                        .iter()
                        .find(|(k, _)| k & ty.mask() == v)
                        .map_or(*default, |c| c.1);
                    self.cur.pc = 0;
                    continue;
                }
                InstKind::Return { val } => {
                    let v = val.as_ref().map(|(_, o)| get(vals, base, o));
                    self.sp = stack_base;
                    self.vals.truncate(base);
                    let Some(caller) = self.callers.pop() else {
                        return Outcome::Exit(v.unwrap_or(0) as u32 as i32);
                    };
                    self.cur = caller;
                    let cfunc = &module.funcs[caller.func];
                    if let InstKind::Call { dst: Some(d), .. } =
                        &cfunc.blocks[caller.block].insts[caller.pc].kind
                    {
                        let ty = cfunc.locals[*d].ty;
                        self.vals[caller.base + d.0 as usize] = v.unwrap_or(0) & ty.mask();
                    }
                    self.cur.pc += 1;
                    continue;
                }
                InstKind::Unreachable => return trap(rt, TrapKind::Unreachable),
            }
            self.cur.pc += 1;
        }
    }
}

/// Whether function `f` may be called with these argument types, its
/// result going to a local of type `ret` (`None`: ignored): the rule both
/// engines share, `pivm_jit::abi::indirect_call_ok`.
pub fn signature_ok(
    module: &Module,
    f: FuncId,
    args: &[(Type, Operand)],
    ret: Option<Type>,
) -> bool {
    let types: Vec<Type> = args.iter().map(|a| a.0).collect();
    pivm_jit::abi::indirect_call_ok(&types, ret, &module.funcs[f].signature())
}

/// Checks frames (innermost first) read from a snapshot or handed over by
/// another engine against the program, before anything runs: functions,
/// resume points, locals (count and value ranges), the call chain from
/// `main`, contiguous shadow-stack frames, and the depth limit.
pub fn check_frames(prog: &Program, frames: &[Frame], max_depth: u32) -> Result<(), VmError> {
    let m = &prog.module;
    let err = |i: usize, msg: String| Err(VmError::new(format!("frame {i}: {msg}")));
    if frames.is_empty() {
        return Err(VmError::new("no frames to resume"));
    }
    if frames.len() > max_depth as usize {
        return Err(VmError::new(format!(
            "{} frames exceed the call depth limit {max_depth}",
            frames.len()
        )));
    }
    let main = m.func_by_name("main");
    let mut expect_base = prog.mem.stack_start;
    for (i, fr) in frames.iter().enumerate().rev() {
        let Some(func) = m.funcs.get(fr.func) else {
            return err(i, format!("no function {}", fr.func));
        };
        if i == frames.len() - 1 && Some(fr.func) != main {
            return err(i, format!("outermost frame is @{}, not @main", func.name));
        }
        if fr.locals.len() != func.locals.len() {
            return err(
                i,
                format!(
                    "@{} has {} locals, the frame has {}",
                    func.name,
                    func.locals.len(),
                    fr.locals.len()
                ),
            );
        }
        for (v, l) in fr.locals.iter().zip(func.locals.values()) {
            if v & !l.ty.mask() != 0 {
                return err(
                    i,
                    format!("value {v:#x} of %{} does not fit {}", l.name, l.ty),
                );
            }
        }
        let rps = &prog.resume_points[fr.func.index()];
        let Some(rp) = rps.get(fr.resume as usize) else {
            return err(
                i,
                format!("@{} has no resume point {}", func.name, fr.resume),
            );
        };
        if i == 0 && rp.is_call {
            return err(
                i,
                "the innermost frame must stop at a safepoint".to_string(),
            );
        }
        if i > 0 {
            let callee = frames[i - 1].func;
            let inst = &func.blocks[rp.block].insts[rp.inst].kind;
            let ok = match inst {
                InstKind::Call {
                    callee: Callee::Func(f),
                    ..
                } => *f == callee,
                InstKind::Call {
                    callee: Callee::Indirect(o),
                    args,
                    dst,
                    ..
                } => {
                    let p = match o {
                        Operand::Local(l) => fr.locals[l.index()],
                        Operand::Const(c) => *c,
                    };
                    let ret = dst.map(|d| func.locals[d].ty);
                    m.func_from_ptr(p) == Some(callee)
                        && m.funcs.get(callee).is_some()
                        && signature_ok(m, callee, args, ret)
                }
                _ => false,
            };
            if !ok {
                return err(
                    i,
                    format!(
                        "resume point {} of @{} is not a call to the next frame's function",
                        fr.resume, func.name
                    ),
                );
            }
        }
        if fr.stack_base != expect_base {
            return err(
                i,
                format!("stack base {:#x} should be {expect_base:#x}", fr.stack_base),
            );
        }
        expect_base += prog.frames[fr.func.index()].size;
        if expect_base > prog.mem.stack_end {
            return err(i, "shadow stack overflows".to_string());
        }
    }
    Ok(())
}
