//! The interpreter engine: executes verified IR directly, with an explicit
//! frame stack (never host recursion), the define-once semantics of
//! `pivm_ir::opcodes`, and the snapshot protocol (ARCHITECTURE.md) over its own
//! frames. Its logical frames are the ones the JIT produces, so a snapshot
//! taken by one engine resumes on the other.

use pivm_ir::contract::{self, ChainLimits, FrameView};
use pivm_ir::frame::Frame;
use pivm_ir::opcodes::{eval_binary, eval_convert, eval_unary};
use pivm_ir::{
    AddrOf, Block, Builtin, Callee, FuncId, InstKind, Module, Operand, ResumeId, TrapKind, Type,
};

use crate::builtins;
use crate::error::VmError;
use crate::program::Program;
use crate::runtime::{
    Engine, Entry, Halt, Hosted, Outcome, Runtime, SafepointAction, Trap, MAX_FRAME_MEMORY,
};

/// The interpreter. It keeps no state between runs.
#[derive(Default)]
pub struct Interpreter;

impl Interpreter {
    pub fn new() -> Interpreter {
        Interpreter
    }
}

impl Engine for Interpreter {
    fn hosted(&mut self, rt: &mut Runtime, f: &mut Hosted) -> Result<Outcome, VmError> {
        f(self, rt)
    }

    fn run(&mut self, rt: &mut Runtime, entry: Entry) -> Result<Outcome, VmError> {
        let prog = rt.prog.clone();
        rt.longjmp = None;
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
            sp: rt.threads.stack().0,
            stack: rt.threads.stack(),
            args: Vec::new(),
        };
        match entry {
            Entry::Start { args } => {
                let (main, argv) = rt.prepare_main(&args)?;
                if let Err(k) = m.enter(rt, main, &argv) {
                    return Ok(Outcome::Trap(rt.trap_at(k, Some(main), 0)));
                }
            }
            Entry::Call { func, args } => {
                if args.len() < prog.module.funcs[func].num_params {
                    return Err(VmError::new("a thread's start has too few arguments"));
                }
                if let Err(k) = m.enter(rt, func, &args) {
                    return Ok(Outcome::Trap(rt.trap_at(k, Some(func), 0)));
                }
            }
            Entry::Rewind { frames } => {
                check_frames(rt, &frames)?;
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
    /// The running thread's shadow stack, `[start, end)`.
    stack: (u64, u64),
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
    fn enter(&mut self, rt: &mut Runtime, f: FuncId, args: &[u64]) -> Result<(), TrapKind> {
        let first = !self.started;
        let depth = if first { 1 } else { self.depth() + 1 };
        if depth > rt.config.max_depth as usize {
            return Err(TrapKind::StackOverflow);
        }
        let func = &self.prog.module.funcs[f];
        // The frames' host memory is bounded like the JIT's native stack.
        let frame_memory = (self.vals.len() + func.locals.len()) * size_of::<u64>()
            + (self.callers.len() + 1) * size_of::<Act>();
        if frame_memory > MAX_FRAME_MEMORY {
            return Err(TrapKind::StackOverflow);
        }
        let size = self.prog.frames[f].size;
        let stack_base = self.sp;
        let new_sp = stack_base
            .checked_add(size)
            .filter(|&e| e <= self.stack.1)
            .ok_or(TrapKind::StackOverflow)?;
        if !self.prog.setjmp_sites[f].is_empty() {
            // The activation's serial, in its frame header (`pivm_ir::jmp`).
            rt.jmp_serial += 1;
            rt.mem.store(Type::I64, stack_base, rt.jmp_serial)?;
        }
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
            let rp = self.prog.resume_points[fr.func][fr.resume];
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
                self.sp = fr.stack_base + self.prog.frames[fr.func].size;
            } else {
                self.callers.push(act);
            }
        }
    }

    /// The logical frames, innermost first; the innermost stopped at
    /// resume point `resume`.
    fn capture(&self, resume: ResumeId) -> Vec<Frame> {
        let frame = |a: &Act, resume: ResumeId| {
            let mut locals =
                self.vals[a.base..a.base + self.module().funcs[a.func].locals.len()].to_vec();
            // A frame holds the locals live at its resume point, 0 for the rest.
            self.prog.live[a.func][resume].clear_others(&mut locals);
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

    fn resume_id(&self, a: &Act) -> ResumeId {
        self.prog.resume_ids[a.func][&(a.block, a.pc)]
    }

    /// Lands the pending `longjmp` (`Runtime::longjmp`): discards the
    /// activations above its target and continues in the target right
    /// after the setjmp site, whose call returns the value passed.
    fn land(&mut self, rt: &mut Runtime) -> Result<(), Trap> {
        let Some(depth) = rt.longjmp.as_ref().map(|p| p.buf.depth as usize) else {
            return Err(rt.trap_at(TrapKind::BadLongjmp, None, 0));
        };
        // `longjmp` checked 1 <= depth <= the caller's depth.
        let target = if depth == self.depth() {
            self.cur
        } else {
            self.callers[depth - 1]
        };
        let (site, val) = builtins::jmp::land(rt, target.func, target.stack_base)?;
        let prog = self.prog;
        let func = &prog.module.funcs[target.func];
        self.callers.truncate(depth - 1);
        self.vals.truncate(target.base + func.locals.len());
        self.sp = target.stack_base + prog.frames[target.func].size;
        let (block, i) = prog.setjmp_sites[target.func][site as usize];
        if let InstKind::Call { dst: Some(d), .. } = &func.blocks[block].insts[i].kind {
            let ty = func.locals[*d].ty;
            self.vals[target.base + d.0 as usize] = val as u64 & ty.mask();
        }
        self.cur = Act {
            block,
            pc: i + 1,
            ..target
        };
        Ok(())
    }

    /// The hidden arguments the engines pass to `setjmp` and `longjmp`
    /// (see the catalog), after the call's own.
    fn jmp_args(&mut self, b: Builtin, line: u32) {
        let Act {
            func, block, pc, ..
        } = self.cur;
        let depth = self.depth() as u64;
        match b {
            Builtin::Setjmp => {
                let sites = &self.prog.setjmp_sites[func];
                let site = sites.iter().position(|s| *s == (block, pc)).unwrap_or(0);
                let sb = self.cur.stack_base;
                self.args.extend([depth, func.0 as u64, site as u64, sb]);
            }
            Builtin::Longjmp => self.args.extend([depth, func.0 as u64, line as u64]),
            _ => {}
        }
    }

    fn run(&mut self, rt: &mut Runtime) -> Outcome {
        let prog = self.prog;
        let module = &prog.module;
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
            let trap = |rt: &Runtime, k: TrapKind| {
                Outcome::Trap(rt.trap_at(k, Some(inst.func(fid)), inst.line))
            };
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
                InstKind::Select {
                    ty,
                    dst,
                    cond,
                    a,
                    b,
                } => {
                    let pick = if get(vals, base, cond) as u32 != 0 {
                        a
                    } else {
                        b
                    };
                    vals[base + dst.0 as usize] =
                        eval_unary(pivm_ir::Opcode::Copy, *ty, get(vals, base, pick));
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
                        AddrOf::Global(g) => prog.global_addrs[*g],
                        AddrOf::Slot(s) => stack_base + prog.frames[fid].slot_offset(*s),
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
                            let b = prog.builtins[*b];
                            if matches!(b, Builtin::Setjmp | Builtin::Longjmp) {
                                self.jmp_args(b, inst.line);
                            }
                            match builtins::call(rt, b, &self.args, alloc_type.as_ref()) {
                                Ok(v) => {
                                    if let Some(d) = dst {
                                        let ty = func.locals[*d].ty;
                                        self.vals[base + d.0 as usize] = v & ty.mask();
                                    }
                                    self.cur.pc += 1;
                                    continue;
                                }
                                Err(Halt::Exit(c)) => return Outcome::Exit(c),
                                Err(Halt::ThreadExit(v)) => return Outcome::ThreadExit(v),
                                Err(Halt::Trap(k)) => return trap(rt, k),
                                Err(Halt::Longjmp) => match self.land(rt) {
                                    Ok(()) => continue,
                                    Err(t) => return Outcome::Trap(t),
                                },
                            }
                        }
                        Callee::Func(f) => *f,
                        Callee::Indirect(o) => {
                            let p = get(&self.vals, base, o);
                            match contract::indirect_target(
                                module,
                                &rt.prog.reach.taken,
                                func,
                                args,
                                *dst,
                                p,
                            ) {
                                Some(f) => f,
                                None => return trap(rt, TrapKind::BadFunctionPointer),
                            }
                        }
                    };
                    let args = std::mem::take(&mut self.args);
                    let r = self.enter(rt, target, &args);
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
                            self.sp = self.stack.0;
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
                        if rt.threads.root().is_some() {
                            return Outcome::ThreadExit(v.unwrap_or(0));
                        }
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

/// Checks frames (innermost first) read from a snapshot or handed over by
/// another engine against the program before anything runs: the rule of
/// `pivm_ir::contract::check_frame_chain`, within the running thread's
/// shadow stack (from its start function) and the call-depth limit.
pub fn check_frames(rt: &Runtime, frames: &[Frame]) -> Result<(), VmError> {
    let (start, end) = rt.threads.stack();
    check_chain(
        &rt.prog,
        frames,
        rt.config.max_depth,
        start,
        end,
        rt.threads.root(),
    )
}

/// `check_frames` for a chain on the shadow stack `[start, end)` whose
/// outermost function is `root` (`None`: `main`).
pub fn check_chain(
    prog: &Program,
    frames: &[Frame],
    max_depth: u32,
    start: u64,
    end: u64,
    root: Option<FuncId>,
) -> Result<(), VmError> {
    let views: Vec<FrameView> = frames
        .iter()
        .map(|f| FrameView {
            func: f.func,
            resume: f.resume,
            stack_base: f.stack_base,
            locals: &f.locals,
        })
        .collect();
    let limits = ChainLimits {
        stack_start: start,
        stack_top: end,
        max_depth: max_depth.into(),
        root,
    };
    contract::check_frame_chain(&prog.module, &prog.layouts, &prog.reach, &views, &limits)
        .map_err(|e| VmError::new(e.to_string()))
}
