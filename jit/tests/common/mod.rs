//! Test support: a mock runtime implementing the ABI of `pivm_jit::abi`
//! (linear memory in a `Vec<u8>`, hooks that record frames and traps, a few
//! builtins), so the JIT's side of the ABI can be tested on its own. The
//! JIT is compared with the interpreter in the `pivm` crate's tests
//! (`vm/tests/jit_*.rs`), over the real runtime.

#![allow(dead_code, reason = "each test binary uses a part of this module")]

use pivm_ir::contract;
use pivm_ir::frame::Frame;
use pivm_ir::types::align_up;
use pivm_ir::Builtin;
use pivm_ir::{EntityRef, FuncId, InitItem, Module, SymbolRef, TrapKind, TypeLayouts};
use pivm_jit::abi::{self, BuiltinFn, RuntimeHooks, VmCtx};

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

/// The call-depth limit of a run (`VmCtx::depth_limit`; `max_depth` is 0
/// while it rewinds or the poll word is set).
const MAX_DEPTH: u32 = 1000;

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
        // SAFETY: `ctx` is live during a hook.
        let ctx = unsafe { &*ctx };
        let polled = ctx.poll.load(std::sync::atomic::Ordering::SeqCst) != 0;
        ctx.max_depth.store(
            if polled { 0 } else { MAX_DEPTH },
            std::sync::atomic::Ordering::SeqCst,
        );
    }
    fr.resume.0
}

/// The mock runtime has no setjmp: a pending longjmp never lands.
unsafe extern "C" fn hook_land(ctx: *mut VmCtx, func: u32, _stack_base: u64) -> u64 {
    rt(ctx).trap = Some((TrapKind::BadLongjmp, func, 0));
    set_state(ctx, abi::STATE_HALTED);
    0
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

/// `VmCtx::malloc` (`abi::HeapFn`): the table's malloc.
unsafe extern "C" fn h_malloc(ctx: *mut VmCtx, size: u64, key: u64) -> u64 {
    let a = [size, key];
    // SAFETY: as for a table call, with one or two arguments.
    unsafe { b_malloc(ctx, a.as_ptr(), if key == 0 { 1 } else { 2 }) }
}

/// `VmCtx::free` (`abi::HeapFn`).
unsafe extern "C" fn h_free(_ctx: *mut VmCtx, _p: u64, _: u64) -> u64 {
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
            land: hook_land,
        });
        let rt = Box::new(Runtime {
            heap_top: HEAP_START,
            live: m
                .funcs
                .values()
                .map(|f| pivm_ir::liveness::frame_liveness(m, f))
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
            max_depth: std::sync::atomic::AtomicU32::new(MAX_DEPTH),
            depth_limit: MAX_DEPTH,
            native_stack_limit: 0,
            builtins: std::ptr::null(),
            hooks: std::ptr::null(),
            runtime: std::ptr::null_mut(),
            malloc: h_malloc,
            free: h_free,
            // No heap view (`heap` is null): inline malloc and free never
            // run.
            unfilled: h_free,
            filled: h_free,
            jmp_serial: 0,
            countdown: u64::MAX,
            heap: std::ptr::null_mut(),
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
        *self.ctx.max_depth.get_mut() = 0;
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
        *vm.ctx.max_depth.get_mut() = 0;
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
    jit_counting(m, vm, true)
}

/// `jit`, with safepoints counted in the code (`Options::counting`) or
/// not (each poll tests the word alone, as a run that counts nothing
/// compiles them).
pub fn jit_counting(m: &Module, vm: &Vm, counting: bool) -> pivm_jit::JitModule {
    let all = pivm_jit::Options {
        all_functions: true,
        counting,
        ..Default::default()
    };
    pivm_jit::JitModule::compile(m, &vm.globals, &all).unwrap_or_else(|e| panic!("{e}"))
}

/// Runs `f` under the JIT.
pub fn run_jit(j: &pivm_jit::JitModule, vm: &mut Vm, f: FuncId, a: &[u64]) -> Outcome {
    let ctx = vm.ctx_ptr();
    // SAFETY: the mock VM implements the ABI.
    let r = unsafe { j.call(f, ctx, a) };
    outcome(vm, r)
}
