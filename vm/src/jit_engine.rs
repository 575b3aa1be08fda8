//! The JIT engine: compiles the program with `pivm_jit` and runs it over
//! the same `Runtime` as the interpreter. This file implements the VM side
//! of the runtime ABI (`pivm_jit::abi`): the `VmCtx` set up over the
//! runtime's memory, and the hooks generated code calls on its cold paths
//! (safepoint, trap, save_frame, restore_frame), and the builtin table:
//! one extern "C" wrapper per catalog entry around `builtins::call`.

use pivm_ir::frame::Frame;
use pivm_ir::{Builtin, FuncId, ResumeId, TrapKind};
use pivm_jit::abi::{
    BuiltinFn, RuntimeHooks, VmCtx, STATE_HALTED, STATE_LONGJMP, STATE_REWINDING, STATE_RUNNING,
    STATE_STACK_OVERFLOW, STATE_UNWINDING,
};
use pivm_jit::{JitModule, Options};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use crate::builtins;
use crate::error::VmError;
use crate::interp::check_chain;
use crate::program::Program;
use crate::runtime::{
    Engine, Entry, Halt, Hosted, Outcome, Runtime, SafepointAction, MAX_FRAME_MEMORY,
};

/// The JIT engine; compiles on the first run and keeps the code.
#[derive(Default)]
pub struct JitEngine {
    code: Option<JitModule>,
    options: Options,
    /// The thread compiled code runs on, kept between runs: a program
    /// with threads or processes runs the engine once per switch. Taken
    /// while a hosted loop runs on it.
    worker: Option<Worker>,
    /// Inside a hosted loop (`Engine::hosted`): the lowest address of the
    /// worker's stack, where runs call compiled code directly, and its size.
    on_worker: Option<(usize, usize)>,
}

impl JitEngine {
    pub fn new() -> JitEngine {
        JitEngine::default()
    }

    /// An engine compiling with `options` (`--no-safepoints`).
    pub fn with_options(options: Options) -> JitEngine {
        JitEngine {
            code: None,
            options,
            worker: None,
            on_worker: None,
        }
    }

    /// The worker thread, with a stack of `size` bytes (restarted if it
    /// had another size).
    fn worker(&mut self, size: usize) -> Result<&Worker, VmError> {
        if self.worker.as_ref().is_none_or(|w| w.size != size) {
            self.worker = None;
            self.worker = Some(Worker::start(size)?);
        }
        Ok(self.worker.as_ref().expect("started above"))
    }

    /// Compiles `prog` now unless already compiled; returns the time taken.
    pub fn prepare(&mut self, prog: &Program) -> Result<Duration, VmError> {
        let t = Instant::now();
        if self.code.is_none() {
            // A threaded program's schedule counts safepoints (`sched`),
            // and it switches only at them.
            if prog.threaded {
                if !self.options.safepoints {
                    return Err(VmError::new(
                        "a program with threads or processes switches at safepoints: \
                         it cannot run without them (--no-safepoints)",
                    ));
                }
                self.options.counting = true;
            }
            let jm = JitModule::compile(&prog.module, prog.global_addrs.as_slice(), &self.options)
                .map_err(|e| VmError::new(e.to_string()))?;
            self.code = Some(jm);
            // Compiling is over: give the host the pages of its scratch
            // memory (Cranelift's contexts, the compile threads' arenas),
            // which glibc keeps otherwise, so that they do not stay in the
            // run's resident memory while the program's heap grows
            // (allocchurn's peak RSS -1.4 MB; a fraction of a
            // millisecond).
            #[cfg(all(target_os = "linux", target_env = "gnu"))]
            // SAFETY: no allocator state is borrowed; trimming only
            // returns free pages.
            unsafe {
                libc::malloc_trim(0)
            };
        }
        Ok(t.elapsed())
    }

    /// Writes the compiled functions' addresses and names to
    /// `/tmp/perf-PID.map`, the symbol map `perf report` reads for JIT code
    /// (one `START LENGTH NAME` line per function, in hexadecimal). Call
    /// after `prepare`; returns the path written.
    pub fn write_perfmap(&self, prog: &Program) -> std::io::Result<std::path::PathBuf> {
        use std::io::Write;
        let code = self
            .code
            .as_ref()
            .ok_or_else(|| std::io::Error::other("the program is not compiled yet"))?;
        let path = std::path::PathBuf::from(format!("/tmp/perf-{}.map", std::process::id()));
        let mut out = std::io::BufWriter::new(std::fs::File::create(&path)?);
        for (name, addr, len) in code.symbols(&prog.module) {
            // Names come from the program: keep the line format intact.
            let name: String = name
                .chars()
                .map(|c| if c.is_control() { '?' } else { c })
                .collect();
            // perf (6.1 here) skips a line whose name is shorter than 3
            // bytes (`dso__load_perf_map`): nqueens' `ok` had its samples
            // unnamed. Trailing spaces pad it, unseen in perf's reports.
            writeln!(out, "{addr:x} {len:x} {name:<3}")?;
        }
        out.flush()?;
        Ok(path)
    }
}

/// The runtime behind a `VmCtx`.
///
/// # Safety
///
/// `ctx` must be a live `VmCtx` made by `JitEngine::run`, whose `runtime`
/// points to the runtime being run and not otherwise borrowed.
unsafe fn runtime<'a>(ctx: *mut VmCtx) -> (&'a mut VmCtx, &'a mut Runtime) {
    // SAFETY: guaranteed by the caller.
    unsafe {
        let ctx = &mut *ctx;
        let rt = &mut *ctx.runtime.cast::<Runtime>();
        (ctx, rt)
    }
}

unsafe extern "C" fn hook_safepoint(ctx: *mut VmCtx, func: u32, resume: u32) {
    // SAFETY: generated code passes the ctx it was called with.
    let (ctx, rt) = unsafe { runtime(ctx) };
    if let Some(from) = rt.countdown_from {
        // The safepoints the code counted, but for this one, which
        // `on_safepoint` counts.
        rt.safepoints_reached += from.wrapping_sub(ctx.countdown).saturating_sub(1);
    }
    if rt.on_safepoint(FuncId(func), ResumeId(resume)) == SafepointAction::Snapshot {
        rt.frame_buf.clear();
        ctx.state = STATE_UNWINDING;
    }
    if rt.countdown_from.is_some() {
        arm_countdown(ctx, rt);
    }
    // `ctx.poll` is the poll word's mirror: `Poll` keeps it up to date.
}

/// Sets the countdown of code that counts safepoints: to the next
/// `--snapshot-after` safepoint or the end of the thread's turn
/// (`sched`), whichever comes first, or never.
fn arm_countdown(ctx: &mut VmCtx, rt: &mut Runtime) {
    let reached = rt.safepoints_reached;
    let mut c = match rt.config.snapshot_after {
        Some(n) => n.saturating_sub(reached).max(1),
        None => u64::MAX,
    };
    if rt.prog.threaded {
        c = c.min(rt.threads.slice_end.saturating_sub(reached).max(1));
    }
    ctx.countdown = c;
    rt.countdown_from = Some(c);
}

unsafe extern "C" fn hook_trap(ctx: *mut VmCtx, kind: u32, func: u32, line: u32) {
    // SAFETY: generated code passes the ctx it was called with.
    let (ctx, rt) = unsafe { runtime(ctx) };
    let kind = TrapKind::from_code(kind).unwrap_or(TrapKind::Unreachable);
    let func = ((func as usize) < rt.prog.module.funcs.len()).then_some(FuncId(func));
    rt.trap = Some(rt.trap_at(kind, func, line));
    ctx.state = STATE_HALTED;
}

/// A builtin called at `line` of `func` halted the program: a trap it
/// raised happened there (exits need no location).
unsafe extern "C" fn hook_halted(ctx: *mut VmCtx, func: u32, line: u32) {
    // SAFETY: generated code passes the ctx it was called with.
    let (_, rt) = unsafe { runtime(ctx) };
    if let (None, Some(Halt::Trap(k))) = (&rt.trap, &rt.halt) {
        let func = ((func as usize) < rt.prog.module.funcs.len()).then_some(FuncId(func));
        rt.trap = Some(rt.trap_at(*k, func, line));
    }
}

unsafe extern "C" fn hook_save_frame(
    ctx: *mut VmCtx,
    func: u32,
    resume: u32,
    stack_base: u64,
    locals: *const u64,
    n: u32,
) {
    // SAFETY: generated code passes the ctx it was called with and `n`
    // readable locals.
    let (_, rt) = unsafe { runtime(ctx) };
    let mut locals = if n == 0 {
        Vec::new()
    } else {
        // SAFETY: as above.
        unsafe { std::slice::from_raw_parts(locals, n as usize) }.to_vec()
    };
    // Generated code stores only the live locals: the others are 0.
    if let Some(live) = rt
        .prog
        .live
        .get(FuncId(func))
        .and_then(|l| l.get(ResumeId(resume)))
    {
        live.clear_others(&mut locals);
    }
    rt.frame_buf.push(Frame {
        func: FuncId(func),
        resume: ResumeId(resume),
        stack_base,
        locals,
    });
}

unsafe extern "C" fn hook_restore_frame(
    ctx: *mut VmCtx,
    func: u32,
    stack_base: *mut u64,
    locals: *mut u64,
    n: u32,
) -> u32 {
    // SAFETY: generated code passes the ctx it was called with, and
    // writable `stack_base` and `n` locals.
    let (ctx, rt) = unsafe { runtime(ctx) };
    match rt.frame_buf.pop() {
        Some(fr) if fr.func.0 == func && fr.locals.len() == n as usize => {
            // SAFETY: as above.
            unsafe {
                *stack_base = fr.stack_base;
                if n > 0 {
                    std::ptr::copy_nonoverlapping(fr.locals.as_ptr(), locals, n as usize);
                }
            }
            if rt.frame_buf.is_empty() {
                ctx.state = STATE_RUNNING;
                if !rt.poll.rewound() {
                    ctx.max_depth.store(ctx.depth_limit, Ordering::SeqCst);
                }
            }
            fr.resume.0
        }
        _ => {
            rt.trap = Some(rt.trap_at(TrapKind::BadFunctionPointer, Some(FuncId(func)), 0));
            ctx.state = STATE_HALTED;
            0
        }
    }
}

unsafe extern "C" fn hook_land(ctx: *mut VmCtx, func: u32, stack_base: u64) -> u64 {
    // SAFETY: generated code passes the ctx it was called with.
    let (ctx, rt) = unsafe { runtime(ctx) };
    if rt
        .longjmp
        .as_ref()
        .is_some_and(|p| p.buf.depth != ctx.depth)
    {
        return 0;
    }
    match builtins::jmp::land(rt, FuncId(func), stack_base) {
        Ok((site, val)) => {
            ctx.state = STATE_RUNNING;
            (site as u64) << 32 | val as u64
        }
        Err(t) => {
            rt.trap = Some(t);
            ctx.state = STATE_HALTED;
            0
        }
    }
}

static HOOKS: RuntimeHooks = RuntimeHooks {
    safepoint: hook_safepoint,
    trap: hook_trap,
    halted: hook_halted,
    save_frame: hook_save_frame,
    restore_frame: hook_restore_frame,
    land: hook_land,
};

impl Engine for JitEngine {
    /// Runs `f` on the worker thread, whose runs then call compiled code
    /// directly: a switch between the program's threads costs no hand-over
    /// between host threads (two wake-ups per run otherwise:
    /// `benches/threads/handover.c`, benches/RESULTS.md).
    fn hosted(&mut self, rt: &mut Runtime, f: &mut Hosted) -> Result<Outcome, VmError> {
        if self.on_worker.is_some() {
            return f(self, rt);
        }
        self.prepare(&rt.prog)?;
        let max_frame = self.code.as_ref().expect("compiled above").max_frame_size();
        let stack = stack_size(rt.config.max_depth, max_frame) + LOOP_STACK;
        self.worker(stack)?;
        // Out of `self` while the loop runs: the loop's runs use `self`.
        let worker = self.worker.take().expect("started above");
        let got = worker.got;
        let mut out = None;
        let p = HostedPtrs {
            engine: self,
            rt,
            f,
            out: &mut out,
        };
        // SAFETY: `run_scoped` returns only once the job has run or was
        // dropped; until then this thread only waits, so the job is the
        // only user of the engine, the runtime, `f` and `out`. `f` is
        // `Send`, the runtime is (checked below), and the engine holds
        // compiled code and plain data, nothing tied to a thread.
        let r = unsafe {
            worker.run_scoped(Box::new(move |low| {
                let p = p;
                let (engine, rt, f, out) = (&mut *p.engine, &mut *p.rt, &mut *p.f, &mut *p.out);
                engine.on_worker = Some((low, got));
                // A panic of the loop is the caller's, as on the
                // interpreter: caught here, resumed there.
                *out = Some(std::panic::catch_unwind(std::panic::AssertUnwindSafe(
                    || f(engine, rt),
                )));
                0
            }))
        };
        self.on_worker = None;
        self.worker = Some(worker);
        r?;
        match out {
            Some(Ok(r)) => r,
            Some(Err(panic)) => std::panic::resume_unwind(panic),
            None => Err(VmError::new("the jit thread stopped")),
        }
    }

    fn run(&mut self, rt: &mut Runtime, entry: Entry) -> Result<Outcome, VmError> {
        let prog = rt.prog.clone();
        self.prepare(&prog)?;
        let max_frame = self.code.as_ref().expect("compiled above").max_frame_size();
        let stack = stack_size(rt.config.max_depth, max_frame);
        let given = match self.on_worker {
            Some((_, size)) => size.saturating_sub(LOOP_STACK),
            None => self.worker(stack)?.got,
        };
        // The depth limit compiled code runs with: the configured one, or
        // what the stack holds if the host gave less (`depth_within`).
        let depth_limit = depth_within(rt.config.max_depth, given, max_frame);
        let jit = self.code.as_ref().expect("compiled above");
        let (root, args, state) = match entry {
            Entry::Start { args } => {
                let (main, args) = rt.prepare_main(&args)?;
                (main, args, STATE_RUNNING)
            }
            Entry::Call { func, args } => (func, args, STATE_RUNNING),
            Entry::Rewind { frames } => {
                // Against the limit the stack holds: a rewound frame
                // tests the host stack only as a call does.
                let (start, end) = rt.threads.stack();
                check_chain(&prog, &frames, depth_limit, start, end, rt.threads.root())?;
                // Rewinding enters the outermost frame's function.
                let root = frames.last().expect("checked: not empty").func;
                let n = prog.module.funcs[root].num_params;
                rt.frame_buf = frames;
                (root, vec![0; n], STATE_REWINDING)
            }
        };
        if args.len() < prog.module.funcs[root].num_params {
            return Err(VmError::new("a thread's start has too few arguments"));
        }
        // Compiled code does not check accesses inside globals
        // (`pivm_jit`'s `Env::global_sizes`): the bound must cover them.
        if rt.mem.limit() < prog.mem.heap_start + pivm_ir::contract::MAX_ACCESS {
            return Err(VmError::new(
                "internal error: memory ends below the heap's start",
            ));
        }
        let (stack_start, stack_end) = rt.threads.stack();
        rt.halt = None;
        rt.trap = None;
        rt.longjmp = None;
        let mut ctx = VmCtx {
            mem_base: rt.mem.base(),
            bound: rt.mem.bound(),
            poll: AtomicU32::new(rt.poll.word()),
            state,
            sp: stack_start,
            stack_limit: stack_end,
            depth: 0,
            // 0 while rewinding: every prologue's depth test fails, and
            // its cold path rewinds (`VmCtx::max_depth`); mirrored from the
            // poll word below.
            max_depth: AtomicU32::new(if state == STATE_REWINDING {
                0
            } else {
                depth_limit
            }),
            depth_limit,
            // Set on the JIT thread, from its stack (`Worker`).
            native_stack_limit: u64::MAX,
            builtins: builtin_table().as_ptr(),
            hooks: &HOOKS,
            runtime: (rt as *mut Runtime).cast(),
            malloc: heap_malloc,
            free: heap_free,
            unfilled: heap_unfilled,
            filled: heap_filled,
            jmp_serial: rt.jmp_serial,
            countdown: u64::MAX,
            heap: rt.heap.view().cast(),
        };
        // Code that counts safepoints counts this run's (`arm_countdown`):
        // the poll word need not stay set for every safepoint.
        let counts = self.options.counting && self.options.safepoints && rt.counting();
        if counts {
            rt.poll.set_keep(false);
            arm_countdown(&mut ctx, rt);
        }
        let (entry_fn, args) = jit.entry(root, &args);
        let cx = Ctx(&mut ctx);
        // The depth limit too, with safepoints: without them nothing would
        // clear the word, and every call would take the depth test's cold
        // path once a request set it.
        let limit = depth_limit;
        let mirror_depth = self.options.safepoints;
        // SAFETY: `ctx` outlives the run; the mirror is detached right
        // after it.
        unsafe {
            let depth = mirror_depth.then(|| {
                (
                    &raw const (*cx.0).max_depth,
                    limit,
                    state == STATE_REWINDING,
                )
            });
            rt.poll.attach(&raw const (*cx.0).poll, depth)
        };
        let job = move |stack_low: usize| {
            let cx = cx;
            // The floor of `pivm_jit::abi::STACK_PER_LEVEL`: the largest
            // frame and the builtins' headroom above the stack's end.
            let limit = stack_low
                .saturating_add(max_frame)
                .saturating_add(NATIVE_HEADROOM);
            // SAFETY: `cx.0` is the live ctx, used by this thread alone
            // while it runs.
            unsafe { (*cx.0).native_stack_limit = limit as u64 };
            // SAFETY: ctx maps the runtime's memory (the base never moves
            // and `bound` follows the heap), has the full builtin table and
            // the hooks above; the code was compiled with this program's
            // global addresses; `args` is what `JitModule::entry` made for
            // the root's parameters; `rt` is not used until the call
            // returns.
            unsafe { entry_fn(cx.0, args.as_ptr()) }
        };
        let ret = match self.on_worker {
            Some((low, _)) => Ok(job(low)),
            None => self.worker(stack)?.run(Box::new(job)),
        };
        rt.poll.detach();
        rt.jmp_serial = ctx.jmp_serial;
        if let Some(from) = rt.countdown_from.take() {
            rt.safepoints_reached += from.wrapping_sub(ctx.countdown);
            rt.arm_poll();
        }
        let ret = ret?;
        rt.io.flush();
        let out = match ctx.state {
            STATE_RUNNING if rt.threads.root().is_some() => Outcome::ThreadExit(ret),
            STATE_RUNNING => Outcome::Exit(ret as u32 as i32),
            STATE_UNWINDING => Outcome::Snapshot(std::mem::take(&mut rt.frame_buf)),
            STATE_STACK_OVERFLOW => {
                Outcome::Trap(rt.trap_at(TrapKind::StackOverflow, Some(root), 0))
            }
            // No frame at the jump's depth calls setjmp.
            STATE_LONGJMP => match rt.longjmp.take() {
                Some(p) => Outcome::Trap(builtins::jmp::missed(rt, &p)),
                None => return Err(VmError::new("the jit lost a pending longjmp")),
            },
            _ => match (rt.trap.take(), rt.halt.take()) {
                (Some(t), _) => Outcome::Trap(t),
                (None, Some(Halt::Exit(c))) => Outcome::Exit(c),
                (None, Some(Halt::ThreadExit(v))) => Outcome::ThreadExit(v),
                (None, Some(Halt::Trap(k))) => Outcome::Trap(rt.trap_at(k, None, 0)),
                (None, None | Some(Halt::Longjmp)) => {
                    return Err(VmError::new("the jit halted without a reason"));
                }
            },
        };
        rt.frame_buf.clear();
        Ok(out)
    }
}

/// The extern "C" wrapper of builtin `I` for JIT code.
///
/// # Safety
///
/// `ctx` must point to a live `VmCtx` whose `runtime` is a live, otherwise
/// unborrowed `Runtime`, and `args` must point to `nargs` readable `u64`s.
unsafe extern "C" fn wrapper<const I: usize>(ctx: *mut VmCtx, args: *const u64, nargs: u32) -> u64 {
    // SAFETY: guaranteed by the caller (see above); `args` may be null
    // when `nargs` is 0.
    let (ctx, args) = unsafe {
        let args: &[u64] = if nargs == 0 {
            &[]
        } else {
            std::slice::from_raw_parts(args, nargs as usize)
        };
        (&mut *ctx, args)
    };
    // SAFETY: `runtime` points to the live runtime running this code.
    let rt = unsafe { &mut *ctx.runtime.cast::<Runtime>() };
    let b = const { Builtin::ALL[I] };
    let r = if b.is_alloc() && args.len() > b.sig().params.len() {
        let (key, args) = (args[args.len() - 1], &args[..args.len() - 1]);
        // The type lives in the program, which outlives this call: no
        // builtin replaces `rt.prog`, and the `Arc` keeps the program where
        // it is. Borrowed through a raw pointer rather than cloning the `Arc`
        // (two atomic operations per malloc).
        let prog: *const Program = std::sync::Arc::as_ptr(&rt.prog);
        // SAFETY: see above; the program is only read.
        let ty = unsafe { (*prog).alloc_types.get(key) };
        builtins::call(rt, b, args, ty)
    } else {
        builtins::call(rt, b, args, None)
    };
    finish_builtin(ctx, rt, r)
}

/// `VmCtx::malloc`: malloc with its arguments in registers.
///
/// # Safety
///
/// `ctx` must point to a live `VmCtx` whose `runtime` is a live, otherwise
/// unborrowed `Runtime`.
unsafe extern "C" fn heap_malloc(ctx: *mut VmCtx, size: u64, key: u64) -> u64 {
    // SAFETY: guaranteed by the caller.
    let ctx = unsafe { &mut *ctx };
    // SAFETY: `runtime` points to the live runtime running this code.
    let rt = unsafe { &mut *ctx.runtime.cast::<Runtime>() };
    let r = if key == 0 {
        builtins::stdlib::malloc_keyed(rt, &[size])
    } else {
        builtins::stdlib::malloc_keyed(rt, &[size, key])
    };
    finish_builtin(ctx, rt, r)
}

/// `VmCtx::free`: free with its argument in a register.
///
/// # Safety
///
/// As for `heap_malloc`.
unsafe extern "C" fn heap_free(ctx: *mut VmCtx, p: u64, _: u64) -> u64 {
    // SAFETY: guaranteed by the caller.
    let ctx = unsafe { &mut *ctx };
    // SAFETY: `runtime` points to the live runtime running this code.
    let rt = unsafe { &mut *ctx.runtime.cast::<Runtime>() };
    let r = builtins::stdlib::free(rt, &[p], None);
    finish_builtin(ctx, rt, r)
}

/// `VmCtx::unfilled`: slab `s` had a slot freed by compiled code, which
/// left it its list threshold of free slots (`abi::SLAB_LIST_AT`).
///
/// # Safety
///
/// As for `heap_malloc`.
unsafe extern "C" fn heap_unfilled(ctx: *mut VmCtx, s: u64, _: u64) -> u64 {
    // SAFETY: guaranteed by the caller.
    let ctx = unsafe { &mut *ctx };
    // SAFETY: `runtime` points to the live runtime running this code.
    let rt = unsafe { &mut *ctx.runtime.cast::<Runtime>() };
    rt.heap.unfilled(s as usize);
    0
}

/// `VmCtx::filled`: compiled code's inline malloc took the last free slot
/// of slab `s`.
///
/// # Safety
///
/// As for `heap_malloc`.
unsafe extern "C" fn heap_filled(ctx: *mut VmCtx, s: u64, _: u64) -> u64 {
    // SAFETY: guaranteed by the caller.
    let ctx = unsafe { &mut *ctx };
    // SAFETY: `runtime` points to the live runtime running this code.
    let rt = unsafe { &mut *ctx.runtime.cast::<Runtime>() };
    rt.heap.filled_by_code(s as usize);
    0
}

/// Ends a builtin call from JIT code: the memory bound for the caller to
/// reload, and the result, or the halt recorded and the state halted.
#[inline(always)]
fn finish_builtin(ctx: &mut VmCtx, rt: &mut Runtime, r: builtins::Result<u64>) -> u64 {
    ctx.bound = rt.mem.bound();
    // The builtin may have changed the allocator (moved its vectors).
    ctx.heap = rt.heap.view().cast();
    match r {
        Ok(v) => v,
        Err(Halt::Longjmp) => {
            ctx.state = STATE_LONGJMP;
            0
        }
        Err(h) => {
            rt.halt = Some(h);
            ctx.state = STATE_HALTED;
            0
        }
    }
}

/// Builds `WRAPPERS`, one per catalog entry, from `pivm_ir::with_builtins!`.
macro_rules! wrappers {
    ($($v:ident $name:literal ($($p:tt)*) $(-> $r:tt)? $(; $var:ident)?,)*) => {
        const WRAPPERS: [BuiltinFn; Builtin::COUNT] =
            [$(wrapper::<{ Builtin::$v as usize }>,)*];
    };
}

pivm_ir::with_builtins!(wrappers);

/// The builtin table for `VmCtx::builtins`, indexed by `Builtin as usize`.
pub fn builtin_table() -> &'static [BuiltinFn; Builtin::COUNT] {
    &WRAPPERS
}

/// The `VmCtx` handed to the thread that runs the code.
struct Ctx(*mut VmCtx);

// SAFETY: the context and the runtime it points to are used by one thread
// at a time: the caller waits for the JIT thread to finish.
unsafe impl Send for Ctx {}

/// Host stack per call level (`pivm_jit::abi::STACK_PER_LEVEL`: larger
/// frames test the stack). The stack is reserved, not committed.
const STACK_PER_LEVEL: usize = pivm_jit::abi::STACK_PER_LEVEL as usize;

/// Host stack above the first compiled frame: the thread's start and the
/// job (the scheduler's loop has `LOOP_STACK`), and what the C library
/// keeps at the top of a thread's stack (its thread-local storage).
const ENTRY_MARGIN: usize = 256 << 10;

/// Host stack kept free under the deepest JIT frame for the builtins and
/// hooks it calls (Rust code: formatting, I/O, the allocator).
const NATIVE_HEADROOM: usize = 256 << 10;

/// The smallest JIT thread stack.
const MIN_STACK: usize = 8 << 20;

/// Room on the JIT thread for the scheduler's loop above compiled code
/// (`Engine::hosted`), so that compiled code has the stack `stack_size`
/// gives it.
const LOOP_STACK: usize = 256 << 10;

// The hosted loop takes the runtime to the JIT thread.
const _: () = {
    const fn send<T: Send>() {}
    send::<Runtime>()
};

/// The JIT thread's stack size: `STACK_PER_LEVEL` for each of
/// `max_depth` levels above the floor of compiled code (the largest
/// frame and `NATIVE_HEADROOM`), and the frames above the first call
/// (`ENTRY_MARGIN`), so that the call-depth limit stops a recursion the
/// interpreter would stop, within `MAX_FRAME_MEMORY`.
fn stack_size(max_depth: u32, max_frame: usize) -> usize {
    (max_depth as usize)
        .saturating_mul(STACK_PER_LEVEL)
        .saturating_add(max_frame + NATIVE_HEADROOM + ENTRY_MARGIN)
        .clamp(MIN_STACK, MAX_FRAME_MEMORY)
}

/// The depth limit for compiled code on a stack of `given` bytes: the
/// configured `max_depth`, or fewer levels if `stack_size` was more than
/// `MAX_FRAME_MEMORY` or the host gave less; then a deep recursion traps
/// sooner than on the interpreter, never overruns the host stack (the
/// entry wrappers test the room for the limit's levels,
/// `pivm_jit::abi::STACK_PER_LEVEL`).
fn depth_within(max_depth: u32, given: usize, max_frame: usize) -> u32 {
    let levels = given.saturating_sub(max_frame + NATIVE_HEADROOM + ENTRY_MARGIN) / STACK_PER_LEVEL;
    max_depth.min(u32::try_from(levels).unwrap_or(u32::MAX))
}

/// A call for the worker thread: given the lowest address of its stack.
type Job = Box<dyn FnOnce(usize) -> u64 + Send>;

/// What a hosted loop uses, for the worker thread (`Engine::hosted`).
struct HostedPtrs<'f> {
    engine: *mut JitEngine,
    rt: *mut Runtime,
    f: *mut Hosted<'f>,
    out: *mut Option<std::thread::Result<Result<Outcome, VmError>>>,
}

// SAFETY: the pointers are used by the worker thread alone while the
// thread that made them waits (`run_scoped`).
unsafe impl Send for HostedPtrs<'_> {}

/// A thread with a stack of `size` bytes (less if the host refuses that
/// much: the native stack limit of generated code makes any size safe, a
/// smaller one only traps sooner) that runs jobs one at a time.
struct Worker {
    size: usize,
    /// The stack the thread was given (`size`, or less if the host
    /// refused that much).
    got: usize,
    jobs: Option<std::sync::mpsc::Sender<Job>>,
    done: std::sync::mpsc::Receiver<std::thread::Result<u64>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Worker {
    fn start(size: usize) -> Result<Worker, VmError> {
        let mut got = size;
        loop {
            let (jobs, rx) = std::sync::mpsc::channel::<Job>();
            let (tx, done) = std::sync::mpsc::channel();
            let r = std::thread::Builder::new()
                .name("pivm-jit".into())
                .stack_size(got)
                .spawn(move || {
                    let low = stack_low(got);
                    while let Ok(job) = rx.recv() {
                        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(low)));
                        if tx.send(r).is_err() {
                            break;
                        }
                    }
                });
            match r {
                Ok(thread) => {
                    return Ok(Worker {
                        size,
                        got,
                        jobs: Some(jobs),
                        done,
                        thread: Some(thread),
                    })
                }
                Err(e) if got <= MIN_STACK => {
                    return Err(VmError::new(format!("cannot start the jit thread: {e}")))
                }
                Err(_) => got = (got / 2).max(MIN_STACK),
            }
        }
    }

    /// Runs `job`, which may borrow from the caller, on the thread and
    /// waits for it.
    ///
    /// # Safety
    ///
    /// What `job` borrows must not be used by the caller until this
    /// returns. It returns once the job has run, or was dropped unrun
    /// when the thread was gone before it took it: the thread ends only
    /// when its queue closes (`Drop`), never while a job waits.
    unsafe fn run_scoped<'a>(
        &self,
        job: Box<dyn FnOnce(usize) -> u64 + Send + 'a>,
    ) -> Result<u64, VmError> {
        // SAFETY: only the lifetime changes; this call outlives the job
        // (see above).
        let job: Job = unsafe { std::mem::transmute(job) };
        self.run(job)
    }

    /// Runs `job` on the thread and waits for its result.
    fn run(&self, job: Job) -> Result<u64, VmError> {
        let stopped = || VmError::new("the jit thread stopped");
        self.jobs
            .as_ref()
            .ok_or_else(stopped)?
            .send(job)
            .map_err(|_| stopped())?;
        match self.done.recv() {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(_)) => Err(VmError::new("the jit thread panicked")),
            Err(_) => Err(stopped()),
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        // Closing the queue ends the thread's loop.
        self.jobs = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The lowest usable address of the current thread's stack, which was
/// asked for with `size` bytes.
fn stack_low(size: usize) -> usize {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: `attr` is initialized by pthread_getattr_np before it is
        // read, and destroyed once.
        unsafe {
            let mut attr: libc::pthread_attr_t = std::mem::zeroed();
            if libc::pthread_getattr_np(libc::pthread_self(), &mut attr) == 0 {
                let mut addr: *mut libc::c_void = std::ptr::null_mut();
                let mut len: libc::size_t = 0;
                let ok = libc::pthread_attr_getstack(&attr, &mut addr, &mut len) == 0;
                libc::pthread_attr_destroy(&mut attr);
                if ok && !addr.is_null() {
                    return addr as usize;
                }
            }
        }
    }
    // Elsewhere: the thread has about `size` bytes below its first frames,
    // this one among them; keep a margin for those frames.
    let here = 0u8;
    (&raw const here as usize)
        .saturating_sub(size)
        .saturating_add(64 << 10)
}
