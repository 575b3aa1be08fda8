//! Test support: a mock runtime implementing the ABI of `pivm_jit::abi`
//! (linear memory in a `Vec<u8>`, hooks that record frames and traps, a few
//! builtins), and a small reference interpreter built on
//! `pivm_ir::opcodes::eval_*` that follows the same snapshot protocol, so
//! the JIT can be checked against it, frames included.

#![allow(dead_code, reason = "each test binary uses a part of this module")]

use pivm_ir::contract;
use pivm_ir::frame::{frame_layouts, Frame, FrameLayout};
use pivm_ir::opcodes::{eval_binary, eval_convert, eval_unary};
use pivm_ir::safepoints::resume_points;
use pivm_ir::types::align_up;
use pivm_ir::Builtin;
use pivm_ir::{
    AddrOf, Callee, EntityRef, FuncId, InitItem, InstKind, Module, Operand, SymbolRef, TrapKind,
    Type, TypeLayouts,
};
use pivm_jit::abi::{self, BuiltinFn, RuntimeHooks, VmCtx};
use std::collections::HashMap;

pub const MEM_SIZE: u64 = 1 << 20;
pub const STACK_START: u64 = 1 << 16;
pub const STACK_END: u64 = 5 << 16;
pub const HEAP_START: u64 = 8 << 16;

/// The runtime state the hooks and builtins see through `VmCtx::runtime`.
#[derive(Default, Clone, Debug)]
pub struct Runtime {
    pub out: Vec<u8>,
    pub trap: Option<(TrapKind, u32, u32)>,
    pub exit_code: Option<i32>,
    /// Frames saved while unwinding, innermost first.
    pub saved: Vec<Frame>,
    /// Frames to restore while rewinding, innermost first (popped from the end).
    pub to_restore: Vec<Frame>,
    pub safepoints_seen: u64,
    /// Take a snapshot (start unwinding) at this safepoint count.
    pub snapshot_at: Option<u64>,
    /// Halt at this safepoint count.
    pub halt_at: Option<u64>,
    pub heap_top: u64,
    pub rand: u64,
    /// The allocation-type key of each malloc call (0: none given).
    pub alloc_keys: Vec<u64>,
    /// Per function, per resume point: the locals a frame holds.
    pub live: Vec<Vec<pivm_ir::liveness::LocalSet>>,
}

/// A mock VM: memory, context, runtime. Boxed so the pointers stay valid.
pub struct Vm {
    pub mem: Vec<u8>,
    pub ctx: Box<VmCtx>,
    pub rt: Box<Runtime>,
    pub builtins: Vec<BuiltinFn>,
    pub hooks: Box<RuntimeHooks>,
    pub globals: Vec<u64>,
}

fn rt(ctx: *mut VmCtx) -> &'static mut Runtime {
    // SAFETY: tests set `runtime` to a live `Runtime` for the whole run.
    unsafe { &mut *((*ctx).runtime as *mut Runtime) }
}

fn set_state(ctx: *mut VmCtx, s: u32) {
    // SAFETY: `ctx` is live during a hook.
    unsafe { (*ctx).state = s }
}

fn state(ctx: *mut VmCtx) -> u32 {
    // SAFETY: `ctx` is live during a hook.
    unsafe { (*ctx).state }
}

unsafe extern "C" fn hook_safepoint(ctx: *mut VmCtx, _func: u32, _resume: u32) {
    let r = rt(ctx);
    r.safepoints_seen += 1;
    if r.snapshot_at == Some(r.safepoints_seen) {
        set_state(ctx, abi::STATE_UNWINDING);
    }
    if r.halt_at == Some(r.safepoints_seen) {
        set_state(ctx, abi::STATE_HALTED);
    }
}

unsafe extern "C" fn hook_trap(ctx: *mut VmCtx, kind: u32, func: u32, line: u32) {
    let r = rt(ctx);
    r.trap = Some((TrapKind::from_code(kind).expect("trap code"), func, line));
    set_state(ctx, abi::STATE_HALTED);
}

/// A builtin ended the program: a trap it raised (recorded without a
/// location) happened at the call, `line` of `func`.
unsafe extern "C" fn hook_halted(ctx: *mut VmCtx, func: u32, line: u32) {
    if let Some((_, f @ u32::MAX, l)) = &mut rt(ctx).trap {
        (*f, *l) = (func, line);
    }
}

unsafe extern "C" fn hook_save(
    ctx: *mut VmCtx,
    func: u32,
    resume: u32,
    stack_base: u64,
    locals: *const u64,
    n: u32,
) {
    // SAFETY: generated code passes `n` locals.
    let mut locals = unsafe { std::slice::from_raw_parts(locals, n as usize) }.to_vec();
    // Dead locals are 0 in a frame, whatever the engine left there.
    rt(ctx).live[func as usize][resume as usize].clear_others(&mut locals);
    rt(ctx).saved.push(Frame {
        func: FuncId(func),
        resume: pivm_ir::ResumeId(resume),
        stack_base,
        locals,
    });
}

unsafe extern "C" fn hook_restore(
    ctx: *mut VmCtx,
    func: u32,
    stack_base: *mut u64,
    locals: *mut u64,
    n: u32,
) -> u32 {
    let r = rt(ctx);
    let Some(fr) = r.to_restore.pop() else {
        r.trap = Some((TrapKind::BadBuiltinCall, func, 0));
        set_state(ctx, abi::STATE_HALTED);
        return 0;
    };
    if fr.func.0 != func || fr.locals.len() != n as usize {
        r.trap = Some((TrapKind::BadBuiltinCall, func, 0));
        set_state(ctx, abi::STATE_HALTED);
        return 0;
    }
    // SAFETY: generated code passes room for `n` locals and a stack base.
    unsafe {
        *stack_base = fr.stack_base;
        std::ptr::copy_nonoverlapping(fr.locals.as_ptr(), locals, n as usize);
    }
    if r.to_restore.is_empty() {
        set_state(ctx, abi::STATE_RUNNING);
    }
    fr.resume.0
}

fn mem<'a>(ctx: *mut VmCtx) -> &'a mut [u8] {
    // SAFETY: the mock memory is `MEM_SIZE` bytes at `mem_base`.
    unsafe { std::slice::from_raw_parts_mut((*ctx).mem_base, MEM_SIZE as usize) }
}

fn trap_from_builtin(ctx: *mut VmCtx, kind: TrapKind) -> u64 {
    rt(ctx).trap = Some((kind, u32::MAX, 0));
    set_state(ctx, abi::STATE_HALTED);
    0
}

unsafe extern "C" fn b_missing(ctx: *mut VmCtx, _args: *const u64, _n: u32) -> u64 {
    trap_from_builtin(ctx, TrapKind::BadBuiltinCall)
}

fn args<'a>(a: *const u64, n: u32) -> &'a [u64] {
    if n == 0 {
        return &[];
    }
    // SAFETY: generated code passes `n` values.
    unsafe { std::slice::from_raw_parts(a, n as usize) }
}

unsafe extern "C" fn b_putchar(ctx: *mut VmCtx, a: *const u64, n: u32) -> u64 {
    let c = args(a, n)[0];
    rt(ctx).out.push(c as u8);
    c & 0xffff_ffff
}

unsafe extern "C" fn b_malloc(ctx: *mut VmCtx, a: *const u64, n: u32) -> u64 {
    let size = args(a, n)[0];
    let r = rt(ctx);
    r.alloc_keys.push(args(a, n).get(1).copied().unwrap_or(0));
    let p = align_up(r.heap_top, 16);
    if p.saturating_add(size) > MEM_SIZE - contract::MAX_ACCESS {
        return 0;
    }
    r.heap_top = p + size;
    p
}

unsafe extern "C" fn b_free(_ctx: *mut VmCtx, _a: *const u64, _n: u32) -> u64 {
    0
}

unsafe extern "C" fn b_exit(ctx: *mut VmCtx, a: *const u64, n: u32) -> u64 {
    rt(ctx).exit_code = Some(args(a, n)[0] as u32 as i32);
    set_state(ctx, abi::STATE_HALTED);
    0
}

unsafe extern "C" fn b_abort(ctx: *mut VmCtx, _a: *const u64, _n: u32) -> u64 {
    trap_from_builtin(ctx, TrapKind::Abort)
}

unsafe extern "C" fn b_rand(ctx: *mut VmCtx, _a: *const u64, _n: u32) -> u64 {
    let r = rt(ctx);
    r.rand = r
        .rand
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (r.rand >> 33) & 0x7fff_ffff
}

/// A math result as the vm's builtins give it: any NaN is the canonical one.
fn canonical(x: f64) -> u64 {
    pivm_ir::opcodes::canonicalize_nan(pivm_ir::Type::F64, x.to_bits())
}

fn f64a(a: *const u64, n: u32, i: usize) -> f64 {
    f64::from_bits(args(a, n)[i])
}

unsafe extern "C" fn b_sqrt(_ctx: *mut VmCtx, a: *const u64, n: u32) -> u64 {
    canonical(f64a(a, n, 0).sqrt())
}
unsafe extern "C" fn b_fabs(_ctx: *mut VmCtx, a: *const u64, n: u32) -> u64 {
    canonical(f64a(a, n, 0).abs())
}
unsafe extern "C" fn b_floor(_ctx: *mut VmCtx, a: *const u64, n: u32) -> u64 {
    canonical(f64a(a, n, 0).floor())
}
unsafe extern "C" fn b_ceil(_ctx: *mut VmCtx, a: *const u64, n: u32) -> u64 {
    canonical(f64a(a, n, 0).ceil())
}
unsafe extern "C" fn b_trunc(_ctx: *mut VmCtx, a: *const u64, n: u32) -> u64 {
    canonical(f64a(a, n, 0).trunc())
}
unsafe extern "C" fn b_pow(_ctx: *mut VmCtx, a: *const u64, n: u32) -> u64 {
    f64a(a, n, 0).powf(f64a(a, n, 1)).to_bits()
}

/// `printf` with `%d %i %u %x %ld %lld %lu %s %c %f %%`.
unsafe extern "C" fn b_printf(ctx: *mut VmCtx, a: *const u64, n: u32) -> u64 {
    let a = args(a, n);
    let m = mem(ctx);
    let cstr = |p: u64| -> Vec<u8> {
        let p = p as usize;
        m[p..].iter().take_while(|b| **b != 0).copied().collect()
    };
    let fmt = cstr(a[0]);
    let mut out = Vec::new();
    let mut i = 0;
    let mut ai = 1;
    while i < fmt.len() {
        if fmt[i] != b'%' {
            out.push(fmt[i]);
            i += 1;
            continue;
        }
        i += 1;
        let mut long = false;
        while i < fmt.len() && fmt[i] == b'l' {
            long = true;
            i += 1;
        }
        let c = fmt.get(i).copied().unwrap_or(b'%');
        i += 1;
        let v = a.get(ai).copied().unwrap_or(0);
        match c {
            b'd' | b'i' => {
                ai += 1;
                let s = if long {
                    (v as i64).to_string()
                } else {
                    (v as u32 as i32).to_string()
                };
                out.extend(s.bytes());
            }
            b'u' => {
                ai += 1;
                let s = if long {
                    v.to_string()
                } else {
                    (v as u32).to_string()
                };
                out.extend(s.bytes());
            }
            b'x' => {
                ai += 1;
                let s = if long {
                    format!("{v:x}")
                } else {
                    format!("{:x}", v as u32)
                };
                out.extend(s.bytes());
            }
            b's' => {
                ai += 1;
                out.extend(cstr(v));
            }
            b'c' => {
                ai += 1;
                out.push(v as u8);
            }
            b'f' => {
                ai += 1;
                out.extend(format!("{:.6}", f64::from_bits(v)).bytes());
            }
            _ => out.push(c),
        }
    }
    let len = out.len();
    rt(ctx).out.extend(out);
    len as u64
}

fn builtin_table() -> Vec<BuiltinFn> {
    let mut t: Vec<BuiltinFn> = vec![b_missing; Builtin::COUNT];
    let mut set = |name: &str, f: BuiltinFn| t[Builtin::from_name(name).expect(name).index()] = f;
    set("putchar", b_putchar);
    set("malloc", b_malloc);
    set("free", b_free);
    set("exit", b_exit);
    set("abort", b_abort);
    set("rand", b_rand);
    set("sqrt", b_sqrt);
    set("fabs", b_fabs);
    set("floor", b_floor);
    set("ceil", b_ceil);
    set("trunc", b_trunc);
    set("pow", b_pow);
    set("printf", b_printf);
    t
}

/// Places the globals from address 4096 on, as a VM would.
pub fn place_globals(m: &Module) -> Vec<u64> {
    let layouts = TypeLayouts::new(&m.types);
    let mut addr = contract::NULL_PAGE;
    let mut v = Vec::new();
    for g in m.globals.values() {
        let l = layouts.of(&g.ty).expect("global layout");
        addr = align_up(addr, l.align.max(8));
        v.push(addr);
        addr += l.size.max(1);
    }
    v
}

impl Vm {
    pub fn new(m: &Module) -> Vm {
        let globals = place_globals(m);
        let mut mem = vec![0u8; MEM_SIZE as usize];
        for (g, base) in m.globals.values().zip(&globals) {
            let mut at = *base as usize;
            for item in &g.init {
                match item {
                    InitItem::Scalar(t, v) => {
                        let n = t.bytes() as usize;
                        mem[at..at + n].copy_from_slice(&v.to_le_bytes()[..n]);
                    }
                    InitItem::Bytes(b) => mem[at..at + b.len()].copy_from_slice(b),
                    InitItem::Zero(_) => {}
                    InitItem::Addr(s, off) => {
                        let a = match s {
                            SymbolRef::Global(x) => globals[x.index()],
                            SymbolRef::Func(x) => Module::func_ptr(*x),
                        };
                        mem[at..at + 8].copy_from_slice(&a.wrapping_add(*off as u64).to_le_bytes());
                    }
                }
                at += item.size() as usize;
            }
        }
        let builtins = builtin_table();
        let hooks = Box::new(RuntimeHooks {
            safepoint: hook_safepoint,
            trap: hook_trap,
            halted: hook_halted,
            save_frame: hook_save,
            restore_frame: hook_restore,
        });
        let rt = Box::new(Runtime {
            heap_top: HEAP_START,
            live: m
                .funcs
                .values()
                .map(pivm_ir::liveness::frame_liveness)
                .collect(),
            ..Runtime::default()
        });
        let ctx = Box::new(VmCtx {
            mem_base: std::ptr::null_mut(),
            bound: contract::bound_for_limit(MEM_SIZE),
            poll: std::sync::atomic::AtomicU32::new(0),
            state: abi::STATE_RUNNING,
            sp: STACK_START,
            stack_limit: STACK_END,
            depth: 0,
            max_depth: 1000,
            builtins: std::ptr::null(),
            hooks: std::ptr::null(),
            runtime: std::ptr::null_mut(),
        });
        let mut vm = Vm {
            mem,
            ctx,
            rt,
            builtins,
            hooks,
            globals,
        };
        vm.fix_pointers();
        vm
    }

    fn fix_pointers(&mut self) {
        self.ctx.mem_base = self.mem.as_mut_ptr();
        self.ctx.builtins = self.builtins.as_ptr();
        self.ctx.hooks = &*self.hooks;
        self.ctx.runtime = (&mut *self.rt) as *mut Runtime as *mut std::ffi::c_void;
    }

    pub fn ctx_ptr(&mut self) -> *mut VmCtx {
        &mut *self.ctx
    }

    /// Polls at every safepoint (so the hook counts them) and unwinds at
    /// the `n`-th.
    pub fn snapshot_at(&mut self, n: u64) {
        self.rt.snapshot_at = Some(n);
        *self.ctx.poll.get_mut() = 1;
    }

    /// A copy of this VM's memory and runtime, ready to rewind from the
    /// frames it saved.
    pub fn resumed(&self, m: &Module) -> Vm {
        let mut vm = Vm::new(m);
        vm.mem.copy_from_slice(&self.mem);
        vm.rt.out = self.rt.out.clone();
        vm.rt.heap_top = self.rt.heap_top;
        vm.rt.rand = self.rt.rand;
        vm.rt.to_restore = self.rt.saved.clone();
        vm.ctx.state = abi::STATE_REWINDING;
        vm
    }
}

/// How a run ended.
#[derive(Clone, PartialEq, Debug)]
pub struct Outcome {
    pub ret: u64,
    pub state: u32,
    pub out: Vec<u8>,
    pub trap: Option<(TrapKind, u32, u32)>,
    pub exit_code: Option<i32>,
}

pub fn outcome(vm: &Vm, ret: u64) -> Outcome {
    Outcome {
        ret: if vm.ctx.state == abi::STATE_RUNNING {
            ret
        } else {
            0
        },
        state: vm.ctx.state,
        out: vm.rt.out.clone(),
        trap: vm.rt.trap,
        exit_code: vm.rt.exit_code,
    }
}

/// Parses, verifies and places safepoints.
pub fn module(src: &str) -> Module {
    let mut m = pivm_ir::parse(src, "test.pir").unwrap_or_else(|e| panic!("{e}"));
    pivm_ir::verify(&m).unwrap_or_else(|e| panic!("{e}"));
    pivm_ir::safepoints::place(&mut m);
    m
}

pub fn jit(m: &Module, vm: &Vm) -> pivm_jit::JitModule {
    pivm_jit::JitModule::compile(m, &vm.globals, &pivm_jit::Options::default())
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Runs `f` under the JIT.
pub fn run_jit(j: &pivm_jit::JitModule, vm: &mut Vm, f: FuncId, a: &[u64]) -> Outcome {
    let ctx = vm.ctx_ptr();
    // SAFETY: the mock VM implements the ABI.
    let r = unsafe { j.call(f, ctx, a) };
    outcome(vm, r)
}

/// Runs `f` under the reference interpreter.
pub fn run_interp(m: &Module, vm: &mut Vm, f: FuncId, a: &[u64]) -> Outcome {
    let mut it = Interp::new(m, vm);
    let r = it.call(f, a);
    if it.c().state == abi::STATE_STACK_OVERFLOW {
        it.trap(TrapKind::StackOverflow, f, 0);
    }
    outcome(vm, r)
}

/// The reference interpreter: recursive, over the same `VmCtx`, hooks and
/// builtins as the JIT, following the same protocol.
pub struct Interp<'a> {
    m: &'a Module,
    ctx: *mut VmCtx,
    frames: Vec<FrameLayout>,
    rids: Vec<HashMap<(usize, usize), u32>>,
    rps: Vec<Vec<pivm_ir::safepoints::ResumePoint>>,
    globals: Vec<u64>,
}

enum Flow {
    Next,
    Goto(usize),
    Ret(u64),
    Exit,
}

impl<'a> Interp<'a> {
    pub fn new(m: &'a Module, vm: &mut Vm) -> Interp<'a> {
        let layouts = TypeLayouts::new(&m.types);
        let rps: Vec<_> = m.funcs.values().map(resume_points).collect();
        Interp {
            m,
            ctx: vm.ctx_ptr(),
            frames: frame_layouts(m, &layouts),
            rids: rps
                .iter()
                .map(|v| {
                    v.iter()
                        .enumerate()
                        .map(|(i, rp)| ((rp.block.index(), rp.inst), i as u32))
                        .collect()
                })
                .collect(),
            rps,
            globals: vm.globals.clone(),
        }
    }

    #[expect(
        clippy::mut_from_ref,
        reason = "the context is shared with generated code and hooks through a raw pointer, like in the VM"
    )]
    fn c(&self) -> &mut VmCtx {
        // SAFETY: the VM outlives the interpreter.
        unsafe { &mut *self.ctx }
    }

    fn hooks(&self) -> &RuntimeHooks {
        // SAFETY: set by `Vm::new`.
        unsafe { &*self.c().hooks }
    }

    fn trap(&self, kind: TrapKind, f: FuncId, line: u32) {
        // SAFETY: the hooks follow the ABI.
        unsafe { (self.hooks().trap)(self.ctx, kind.code(), f.0, line) }
    }

    fn save(&self, f: FuncId, rid: u32, sb: u64, locals: &[u64]) {
        // SAFETY: the hooks follow the ABI.
        unsafe {
            (self.hooks().save_frame)(self.ctx, f.0, rid, sb, locals.as_ptr(), locals.len() as u32)
        }
    }

    fn access(&self, addr: u64, f: FuncId, line: u32) -> Option<usize> {
        if contract::access_ok(addr, self.c().bound) {
            Some(addr as usize)
        } else {
            let k = if addr < contract::NULL_PAGE {
                TrapKind::NullAccess
            } else {
                TrapKind::OutOfBounds
            };
            self.trap(k, f, line);
            None
        }
    }

    pub fn call(&mut self, f: FuncId, args: &[u64]) -> u64 {
        let func = &self.m.funcs[f];
        let c = self.c();
        let mut sb = c.sp;
        c.depth += 1;
        let size = self.frames[f.index()].size;
        let mut locals: Vec<u64> = func.locals.values().map(|_| 0).collect();
        for (i, t) in func.params().enumerate() {
            locals[i] = args[i] & t.mask();
        }
        let first_line = func
            .blocks
            .values()
            .next()
            .and_then(|d| d.insts.first())
            .map_or(0, |i| i.line);
        let ret = self.body(f, &mut sb, &mut locals, size, first_line);
        let c = self.c();
        c.sp = sb;
        c.depth -= 1;
        ret & func.ret.map_or(0, |t| t.mask())
    }

    /// No room for an activation: the caller reports the stack overflow.
    fn overflow(&self) {
        self.c().state = abi::STATE_STACK_OVERFLOW;
    }

    fn push_frame(&self, sb: u64, size: u64) -> bool {
        let c = self.c();
        let sp = sb.wrapping_add(size);
        if sp < sb || sp > c.stack_limit {
            self.overflow();
            return false;
        }
        c.sp = sp;
        true
    }

    fn body(
        &mut self,
        f: FuncId,
        sb: &mut u64,
        locals: &mut [u64],
        size: u64,
        first_line: u32,
    ) -> u64 {
        let func = &self.m.funcs[f];
        if self.c().depth > self.c().max_depth {
            self.overflow();
            return 0;
        }
        let (mut block, mut inst) = (0usize, 0usize);
        if self.c().state == abi::STATE_REWINDING {
            // SAFETY: the hooks follow the ABI.
            let rid = unsafe {
                (self.hooks().restore_frame)(
                    self.ctx,
                    f.0,
                    sb,
                    locals.as_mut_ptr(),
                    locals.len() as u32,
                )
            };
            if self.c().state == abi::STATE_HALTED {
                return 0;
            }
            if !self.push_frame(*sb, size) {
                return 0;
            }
            let Some(rp) = self.rps[f.index()].get(rid as usize) else {
                self.trap(TrapKind::Unreachable, f, first_line);
                return 0;
            };
            block = rp.block.index();
            inst = if rp.is_call { rp.inst } else { rp.inst + 1 };
        } else if !self.push_frame(*sb, size) {
            return 0;
        }
        loop {
            let data = &func.blocks.as_slice()[block];
            let i = &data.insts[inst];
            match self.step(f, *sb, locals, &i.kind, i.line, (block, inst)) {
                Flow::Next => inst += 1,
                Flow::Goto(b) => {
                    block = b;
                    inst = 0;
                }
                Flow::Ret(v) => return v,
                Flow::Exit => return 0,
            }
        }
    }

    fn val(locals: &[u64], ty: Type, o: &Operand) -> u64 {
        match o {
            Operand::Local(l) => locals[l.index()] & ty.mask(),
            Operand::Const(c) => *c & ty.mask(),
        }
    }

    fn step(
        &mut self,
        f: FuncId,
        sb: u64,
        locals: &mut [u64],
        k: &InstKind,
        line: u32,
        at: (usize, usize),
    ) -> Flow {
        let func = &self.m.funcs[f];
        let lty = |l: pivm_ir::Local| func.locals[l].ty;
        match k {
            InstKind::Unary { op, ty, dst, a } => {
                locals[dst.index()] = eval_unary(*op, *ty, Self::val(locals, *ty, a));
            }
            InstKind::Binary { op, ty, dst, a, b } => {
                let (x, y) = (Self::val(locals, *ty, a), Self::val(locals, *ty, b));
                match eval_binary(*op, *ty, x, y) {
                    Ok(v) => locals[dst.index()] = v,
                    Err(t) => {
                        self.trap(t, f, line);
                        return Flow::Exit;
                    }
                }
            }
            InstKind::Convert {
                op,
                from,
                to,
                dst,
                a,
            } => {
                locals[dst.index()] = eval_convert(*op, *from, *to, Self::val(locals, *from, a));
            }
            InstKind::Load { ty, dst, addr } => {
                let a = Self::val(locals, Type::Ptr, addr);
                let Some(p) = self.access(a, f, line) else {
                    return Flow::Exit;
                };
                let m = mem(self.ctx);
                let mut b = [0u8; 8];
                let n = ty.bytes() as usize;
                b[..n].copy_from_slice(&m[p..p + n]);
                locals[dst.index()] = u64::from_le_bytes(b);
            }
            InstKind::Store { ty, addr, val } => {
                let a = Self::val(locals, Type::Ptr, addr);
                let v = Self::val(locals, *ty, val);
                let Some(p) = self.access(a, f, line) else {
                    return Flow::Exit;
                };
                let n = ty.bytes() as usize;
                mem(self.ctx)[p..p + n].copy_from_slice(&v.to_le_bytes()[..n]);
            }
            InstKind::Addr { dst, of } => {
                locals[dst.index()] = match of {
                    AddrOf::Global(g) => self.globals[g.index()],
                    AddrOf::Slot(s) => sb + self.frames[f.index()].slot_offset(*s),
                    AddrOf::Func(x) => Module::func_ptr(*x),
                };
            }
            InstKind::Call {
                dst,
                callee,
                args,
                alloc_type,
            } => {
                let mut vals: Vec<u64> =
                    args.iter().map(|(t, o)| Self::val(locals, *t, o)).collect();
                let target = match callee {
                    Callee::Builtin(b) => {
                        let name = &self.m.builtins[*b].name;
                        let b = Builtin::from_name(name).expect("builtin");
                        let idx = b.index();
                        if let (Some(t), true) = (alloc_type, b.is_alloc()) {
                            vals.push(contract::AllocTypes::new(self.m).key(t));
                        }
                        // SAFETY: the table has every catalog entry.
                        let bf = unsafe { *self.c().builtins.add(idx) };
                        // SAFETY: builtins follow the ABI.
                        let r = unsafe { bf(self.ctx, vals.as_ptr(), vals.len() as u32) };
                        if self.c().state != abi::STATE_RUNNING {
                            // SAFETY: the hook follows the ABI.
                            unsafe { hook_halted(self.ctx, f.0, line) };
                            return Flow::Exit;
                        }
                        if let Some(d) = dst {
                            locals[d.index()] = r & lty(*d).mask();
                        }
                        return Flow::Next;
                    }
                    Callee::Func(g) => *g,
                    Callee::Indirect(fp) => {
                        let p = Self::val(locals, Type::Ptr, fp);
                        let tys: Vec<Type> = args.iter().map(|a| a.0).collect();
                        match self.m.func_from_ptr(p) {
                            Some(g)
                                if contract::indirect_call_ok(
                                    &tys,
                                    dst.map(lty),
                                    &self.m.funcs[g].signature(),
                                ) =>
                            {
                                g
                            }
                            _ => {
                                self.trap(TrapKind::BadFunctionPointer, f, line);
                                return Flow::Exit;
                            }
                        }
                    }
                };
                let r = self.call(target, &vals);
                if self.c().state != abi::STATE_RUNNING {
                    if self.c().state == abi::STATE_UNWINDING {
                        self.save(f, self.rids[f.index()][&at], sb, locals);
                    }
                    if self.c().state == abi::STATE_STACK_OVERFLOW {
                        self.trap(TrapKind::StackOverflow, f, line);
                    }
                    return Flow::Exit;
                }
                if let Some(d) = dst {
                    locals[d.index()] = r & lty(*d).mask();
                }
            }
            InstKind::Safepoint => {
                if self.c().poll.load(std::sync::atomic::Ordering::Relaxed) != 0 {
                    let rid = self.rids[f.index()][&at];
                    // SAFETY: the hooks follow the ABI.
                    unsafe { (self.hooks().safepoint)(self.ctx, f.0, rid) };
                    if self.c().state != abi::STATE_RUNNING {
                        if self.c().state == abi::STATE_UNWINDING {
                            self.save(f, rid, sb, locals);
                        }
                        return Flow::Exit;
                    }
                }
            }
            InstKind::Jump { target } => return Flow::Goto(target.index()),
            InstKind::Branch {
                ty,
                cond,
                then_dest,
                else_dest,
            } => {
                let c = Self::val(locals, *ty, cond);
                return Flow::Goto(if c != 0 { then_dest } else { else_dest }.index());
            }
            InstKind::Switch {
                ty,
                val,
                default,
                cases,
            } => {
                let v = Self::val(locals, *ty, val);
                let t = cases.iter().find(|c| c.0 == v).map_or(*default, |c| c.1);
                return Flow::Goto(t.index());
            }
            InstKind::Return { val } => {
                return Flow::Ret(val.as_ref().map_or(0, |(t, o)| Self::val(locals, *t, o)));
            }
            InstKind::Unreachable => {
                self.trap(TrapKind::Unreachable, f, line);
                return Flow::Exit;
            }
        }
        Flow::Next
    }
}
