//! pivm-jit: compiles verified IR to native code with Cranelift, emitting
//! the snapshot protocol (poll, unwind, rewind) into the generated code.
//! It owns the runtime ABI (`abi`): the `VmCtx` layout and the builtin
//! table, which `vm` implements.
//!
//! Every signature of the module's functions gets an entry wrapper
//! `extern "C" fn(ctx, args: *const u64) -> u64` (`JitModule::entry`:
//! `args` holds the function's code address and id, then its arguments)
//! so the VM can call any function without knowing its signature;
//! functions call each other directly.
//!
//! # Driving it from the VM
//!
//! 1. Place the globals and keep their VM addresses, one per `GlobalId`;
//!    `JitModule::compile(&module, &addrs, &Options::default())` (the
//!    module with its safepoints placed, as for the interpreter).
//! 2. Fill a `VmCtx`: `mem_base` (host address of VM address 0), `bound =
//!    pivm_ir::contract::bound_for_limit(end)`, `sp`/`stack_limit` (shadow stack),
//!    `depth = 0`, `max_depth` and `depth_limit`, `native_stack_limit` (see `VmCtx`;
//!    `JitModule::max_frame_size`), `builtins` (a table of
//!    `BUILTINS.len()` `BuiltinFn`s in catalog order), `hooks`, `runtime`.
//!    `mem_base` must not change while compiled code runs (reserve the
//!    address space up front); update `bound` whenever the heap grows:
//!    generated code reloads it after every call.
//! 3. Run: `state = STATE_RUNNING; jit.call(main, ctx, &args)`. On return,
//!    `state` tells how it ended: `RUNNING` (returned), `HALTED` (exit or
//!    trap, reported through `hooks.trap` / the builtin), `UNWINDING` (a
//!    snapshot: `hooks.save_frame` received every frame, innermost first).
//! 4. Snapshot: set `poll` and `max_depth = 0` (atomically, from any
//!    thread; `max_depth = depth_limit` when the word is cleared);
//!    `hooks.safepoint` sets `state = STATE_UNWINDING` to take one.
//! 5. Resume: restore memory, set `sp`/`depth` as for a fresh run, `state =
//!    STATE_REWINDING`, `max_depth = 0`, and call `main` again (arguments
//!    are ignored: the locals come from the frames). `hooks.restore_frame`
//!    hands out the frames outermost first and sets `STATE_RUNNING` and
//!    `max_depth` back (as the poll word says) with the last one.

pub mod abi;
pub mod error;
mod lower;

pub use error::JitError;

use abi::VmCtx;
use cranelift_codegen::ir::{types, AbiParam, UserFuncName};
use cranelift_codegen::isa::{OwnedTargetIsa, TargetIsa};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{ArenaMemoryProvider, JITBuilder, JITModule};
use cranelift_module::{default_libcall_names, Linkage, Module as _};
use pivm_ir::frame::frame_layouts;
use pivm_ir::{EntityRef, FuncId, Module, Type, TypeLayouts};
use std::collections::HashMap;

/// Compile options.
#[derive(Clone, Debug)]
pub struct Options {
    /// Emit the polls at safepoints. `false` compiles them out (to measure
    /// their cost): the program then can never be snapshotted, though it
    /// can still be rewound from frames, whose resume-point ids do not
    /// change.
    pub safepoints: bool,
    /// Count safepoints in the generated code (`VmCtx::countdown`): each
    /// poll also decrements the countdown, and calls the runtime when it
    /// reaches 0. Without it, counting every safepoint takes a call at
    /// each (the runtime keeps the poll word set).
    pub counting: bool,
    /// Check the memory accesses of counted loops once per loop, before
    /// it, instead of at each access (`lower/hoist.rs`). `false` only to
    /// compare: the output is the same either way.
    pub hoist: bool,
    /// Compile every function, also those that can never run
    /// (`pivm_ir::contract::Reach::can_run`), so that `entry` of any function
    /// runs it (tests call the functions of a module one by one). `false`:
    /// those are not compiled (their code only reports a trap), as no
    /// run of the program enters them.
    pub all_functions: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            safepoints: true,
            counting: true,
            hoist: true,
            all_functions: false,
        }
    }
}

/// The entry wrapper of a compiled function: `args` holds one u64 per
/// parameter (zero-extended bits, floats as IEEE bits) after the called
/// function's code address and its `FuncId` (`JitModule::entry` makes
/// them), and the result is returned the same way (0 for a function
/// returning nothing).
pub type EntryFn = unsafe extern "C" fn(ctx: *mut VmCtx, args: *const u64) -> u64;

/// A module compiled to native code. The code lives as long as this value.
pub struct JitModule {
    jit: Option<JITModule>,
    /// One entry wrapper per signature of the module's functions.
    entries: Vec<EntryFn>,
    /// Per function: its signature's entry wrapper in `entries`.
    entry_of: Vec<usize>,
    code: Vec<usize>,
    /// The length in bytes of each function's code.
    code_len: Vec<usize>,
    /// Per function: the exact access checks its code has (`exact_checks`).
    exact_checks: Vec<usize>,
    num_params: Vec<usize>,
    /// The largest host stack frame of any compiled function.
    max_frame: usize,
    /// The indirect-call table the code reads: per function, its code
    /// address and its signature class. Never changed after `compile`.
    _table: Box<[u64]>,
}

/// What `JitModule::build` makes.
struct Built {
    entries: Vec<EntryFn>,
    entry_of: Vec<usize>,
    code: Vec<usize>,
    code_len: Vec<usize>,
    exact_checks: Vec<usize>,
    max_frame: usize,
    table: Box<[u64]>,
}

impl std::fmt::Debug for JitModule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JitModule")
            .field("functions", &self.code.len())
            .finish_non_exhaustive()
    }
}

/// What cranelift-jit's arena says when it runs out (`arena.rs`).
const ARENA_FULL: &str = "pre-allocated jit memory region exhausted";

/// Most address space reserved for a module's code: far below the 2 GiB
/// reach of the PC-relative calls between functions.
const MAX_CODE_RESERVE: usize = 1 << 30;

/// The address space reserved for the code of `module`: generous (a
/// reservation costs no memory until code is written to it), scaled with
/// the module, whose lowered code takes some tens of bytes per IR
/// instruction, plus per function its prologue and cold blocks (and per
/// signature an entry wrapper).
fn code_reserve(module: &Module) -> usize {
    let insts: usize = module
        .funcs
        .values()
        .map(|f| f.blocks.values().map(|b| b.insts.len()).sum::<usize>())
        .sum();
    insts
        .saturating_mul(1024)
        .saturating_add(module.funcs.len().saturating_mul(16 << 10))
        .saturating_add(64 << 20)
        .min(MAX_CODE_RESERVE)
}

/// Runs `f`, turning a panic inside Cranelift or cranelift-jit (which
/// assert on some internal failures, e.g. `mprotect` failing in
/// cranelift-jit's memory providers) into a `JitError`, with the panic's
/// message, instead of unwinding through the VM. The message is not also
/// printed: the error carries it.
fn catch_internal_panic<T>(f: impl FnOnce() -> T) -> Result<T, JitError> {
    use std::cell::Cell;
    use std::panic;
    thread_local! {
        static QUIET: Cell<bool> = const { Cell::new(false) };
    }
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let prev = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Cell::get) {
                prev(info);
            }
        }));
    });
    QUIET.with(|q| q.set(true));
    let r = panic::catch_unwind(panic::AssertUnwindSafe(f));
    QUIET.with(|q| q.set(false));
    r.map_err(|p| {
        let msg = p
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        JitError::Codegen {
            func: "(code generation)".into(),
            message: format!("internal error in Cranelift: {msg}"),
        }
    })
}

/// An upper bound of the host stack frame of the function just compiled
/// in `ctx`: from the stack pointer after its prologue up to its caller's
/// (clobbered registers, spill slots, stack slots and outgoing arguments,
/// plus the frame pointer and return address). 0 if not compiled.
fn frame_size(ctx: &cranelift_codegen::Context) -> usize {
    ctx.compiled_code()
        .and_then(|c| c.buffer.frame_layout())
        .map_or(0, |l| l.frame_to_fp_offset as usize + 64)
}

/// What a function's compilation leaves for its definition: the code,
/// its relocations, and what the build reports.
struct Compiled {
    bytes: Vec<u8>,
    relocs: Vec<cranelift_module::ModuleReloc>,
    alignment: u64,
    /// `frame_size`.
    frame: usize,
    /// The IR and the machine code, if asked for (`PIVM_JIT_DUMP`).
    dump: Option<String>,
}

impl Compiled {
    /// What `c`, just compiled as function `id` of the module, leaves.
    fn of(c: &cranelift_codegen::Context, id: cranelift_module::FuncId) -> Compiled {
        let code = c.compiled_code().expect("compiled");
        Compiled {
            bytes: code.code_buffer().to_vec(),
            relocs: code
                .buffer
                .relocs()
                .iter()
                .map(|r| cranelift_module::ModuleReloc::from_mach_reloc(r, &c.func, id))
                .collect(),
            alignment: code.buffer.alignment as u64,
            frame: frame_size(c),
            dump: code.vcode.as_ref().map(|v| {
                let hex: String = code
                    .code_buffer()
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                format!("{}\n{v}\n; code {hex}", c.func.display())
            }),
        }
    }
}

/// The signature class in the function table of a function an indirect
/// call cannot reach (`pivm_ir::contract::address_taken`): no call site
/// tests for it, so the call traps as for a pointer to no function.
const NO_CLASS: u64 = u64::MAX;

/// Compiles one lowered function, `id` of the module: what it leaves, or
/// the compile error as text.
fn compile_one(
    isa: &dyn TargetIsa,
    mut c: cranelift_codegen::Context,
    id: cranelift_module::FuncId,
) -> Result<Compiled, String> {
    let mut plane = cranelift_codegen::control::ControlPlane::default();
    match c.compile(isa, &mut plane).map(|_| ()).map_err(|e| e.inner) {
        Err(e) => Err(cranelift_codegen::print_errors::pretty_error(&c.func, e)),
        Ok(()) => Ok(Compiled::of(&c, id)),
    }
}

/// A function lowered and waiting to be compiled: its place in the
/// results, its context and its module id.
type Lowered = (usize, cranelift_codegen::Context, cranelift_module::FuncId);

/// Per place in the results: the function's compiled code or its compile
/// error, if it was compiled.
type Outcomes = Vec<Option<Result<Compiled, String>>>;

/// Compiling while lowering: the building thread lowers functions (which
/// needs the module: each declares its callees) and queues them; compiling
/// threads (up to as many as the host has cores, the building thread
/// among them once it has lowered everything) each take the largest
/// function queued, so that a large one does not start last while the
/// other threads idle. Cranelift's compilation needs only the ISA. At
/// most `COMPILE_BATCH` lowered functions wait (their contexts are what
/// the build holds in memory): past that the building thread compiles
/// one itself. A context is dropped once compiled.
struct Pipeline<'i> {
    isa: &'i dyn TargetIsa,
    /// The queue, and whether nothing more will be queued.
    queue: std::sync::Mutex<(Vec<Lowered>, bool)>,
    queued: std::sync::Condvar,
    done: std::sync::Mutex<Outcomes>,
}

impl<'i> Pipeline<'i> {
    fn new(isa: &'i dyn TargetIsa, n: usize) -> Self {
        Pipeline {
            isa,
            queue: Default::default(),
            queued: Default::default(),
            done: std::sync::Mutex::new((0..n).map(|_| None).collect()),
        }
    }

    fn push(&self, item: Lowered) {
        let full = {
            let mut q = self.queue.lock().unwrap_or_else(|p| p.into_inner());
            q.0.push(item);
            q.0.len() > COMPILE_BATCH
        };
        self.queued.notify_one();
        if full {
            if let Some(item) = self.take(false) {
                self.compile(item);
            }
        }
    }

    /// The largest function queued; else, with `wait`, waits for one
    /// until the queue is closed.
    fn take(&self, wait: bool) -> Option<Lowered> {
        let mut q = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            let largest = (0..q.0.len()).max_by_key(|&i| q.0[i].1.func.dfg.num_insts());
            if let Some(i) = largest {
                return Some(q.0.swap_remove(i));
            }
            if q.1 || !wait {
                return None;
            }
            q = self.queued.wait(q).unwrap_or_else(|p| p.into_inner());
        }
    }

    fn compile(&self, (slot, c, id): Lowered) {
        let r = compile_one(self.isa, c, id);
        self.done.lock().unwrap_or_else(|p| p.into_inner())[slot] = Some(r);
    }

    /// Compiles what is queued until the queue is closed and empty.
    fn work(&self) {
        while let Some(item) = self.take(true) {
            self.compile(item);
        }
    }

    fn close(&self) {
        self.queue.lock().unwrap_or_else(|p| p.into_inner()).1 = true;
        self.queued.notify_all();
    }

    /// Lowers with `lower` (which queues with `push`) while helpers (one
    /// fewer than `threads`, as many as the host lets start) compile,
    /// then compiles alongside them; returns what `lower` returned and
    /// each function's outcome (none compiled after `lower` fails). A
    /// panic inside Cranelift is resumed on the caller's thread.
    fn run<T, E>(
        self,
        threads: usize,
        lower: impl FnOnce(&Self) -> Result<T, E>,
    ) -> (Result<T, E>, Outcomes) {
        /// Closes the queue however lowering ends (an error, a panic, a
        /// helper that cannot start), so that no helper waits for ever.
        struct Close<'a, 'i>(&'a Pipeline<'i>);
        impl Drop for Close<'_, '_> {
            fn drop(&mut self) {
                self.0.close();
            }
        }
        let out = std::thread::scope(|s| {
            let close = Close(&self);
            // A helper the host refuses (a limit on threads) is one fewer.
            let helpers: Vec<_> = (1..threads)
                .map_while(|_| {
                    std::thread::Builder::new()
                        .spawn_scoped(s, || self.work())
                        .ok()
                })
                .collect();
            let out = lower(&self);
            if out.is_err() {
                // Nothing more is wanted: the helpers finish what they
                // took, and nothing else.
                self.queue
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .0
                    .clear();
            }
            drop(close);
            self.work();
            for h in helpers {
                if let Err(p) = h.join() {
                    std::panic::resume_unwind(p);
                }
            }
            out
        });
        (
            out,
            self.done.into_inner().unwrap_or_else(|p| p.into_inner()),
        )
    }
}

/// The most functions lowered and waiting to be compiled (`Pipeline`):
/// their contexts (IR and Cranelift's working state) are what the
/// compilation holds in memory.
const COMPILE_BATCH: usize = 32;

/// The most threads compiling one module.
const MAX_COMPILE_THREADS: usize = 8;

fn codegen_err(func: &str, e: impl std::fmt::Display) -> JitError {
    JitError::Codegen {
        func: func.to_string(),
        message: e.to_string(),
    }
}

impl JitModule {
    /// Compiles every function of `module` for the host. `globals[g]` is
    /// the VM address the VM gave global `g` (one entry per global).
    pub fn compile(
        module: &Module,
        globals: &[u64],
        opts: &Options,
    ) -> Result<JitModule, JitError> {
        pivm_ir::verify(module)
            .map_err(|e| JitError::BadInput(format!("the module does not verify:\n{e}")))?;
        if globals.len() != module.globals.len() {
            return Err(JitError::BadInput(format!(
                "{} global addresses given for {} globals",
                globals.len(),
                module.globals.len()
            )));
        }
        let mut flags = settings::builder();
        let set = |flags: &mut settings::Builder, k: &str, v: &str| {
            flags
                .set(k, v)
                .map_err(|e| JitError::UnsupportedHost(format!("setting {k}={v}: {e}")))
        };
        set(&mut flags, "opt_level", "speed")?;
        set(&mut flags, "is_pic", "false")?;
        set(&mut flags, "use_colocated_libcalls", "false")?;
        // NaNs are canonicalized only where they can be seen
        // (`lower::nan`), not after every float operation.
        set(&mut flags, "enable_nan_canonicalization", "false")?;
        let verify = if cfg!(debug_assertions) {
            "true"
        } else {
            "false"
        };
        set(&mut flags, "enable_verifier", verify)?;
        let mut isa_builder =
            cranelift_native::builder().map_err(|m| JitError::UnsupportedHost(m.to_string()))?;
        if let target_lexicon::Architecture::Riscv64(_) = isa_builder.triple().architecture {
            // No compressed instructions. With them, Cranelift 0.135 can
            // place a branch island inside a multi-instruction sequence
            // (an epilogue's `lui t6; addi t6; add sp, sp, t6`, a 2-byte
            // `c.j` jumping into the island's veneers, which clobber t6):
            // the stack pointer was garbage on return (tests/cross/wide.c
            // under `--stats`). It depends only on code layout, so any
            // large function could hit it; wasmtime issue 12811 is the
            // same class of bug.
            for ext in ["has_zca", "has_zcd", "has_zcb"] {
                isa_builder
                    .set(ext, "false")
                    .map_err(|e| JitError::UnsupportedHost(format!("{ext}: {e}")))?;
            }
        }
        // The VmCtx pointer lives in the pinned register where Cranelift
        // has one (x86_64: r15, aarch64: x21), so it is never spilled.
        let pinned_ctx = matches!(
            isa_builder.triple().architecture,
            target_lexicon::Architecture::X86_64 | target_lexicon::Architecture::Aarch64(_)
        );
        if pinned_ctx {
            set(&mut flags, "enable_pinned_reg", "true")?;
        }
        let isa = isa_builder
            .finish(settings::Flags::new(flags))
            .map_err(|e| JitError::UnsupportedHost(e.to_string()))?;
        if isa.pointer_type() != types::I64 {
            return Err(JitError::UnsupportedHost(format!(
                "{} is not a 64-bit host",
                isa.triple()
            )));
        }
        // All code in one reserved region, so every call between functions
        // reaches its target: calls to module functions use PC-relative
        // relocations of +-2 GiB (x86_64, riscv64; +-4 GiB on s390x;
        // aarch64's +-128 MiB get veneers from cranelift-jit), which
        // separately mapped chunks can exceed.
        let reserve = code_reserve(module);
        let arena = ArenaMemoryProvider::new_with_size(reserve).map_err(|e| {
            JitError::Resources(format!(
                "cannot reserve {} MiB of address space for the code: {e}",
                reserve >> 20
            ))
        })?;
        let mut builder = JITBuilder::with_isa(isa.clone(), default_libcall_names());
        builder.memory_provider(Box::new(arena));
        let mut jm = JITModule::new(builder);
        let built = catch_internal_panic(|| Self::build(&mut jm, &isa, module, globals, opts, pinned_ctx))
            .and_then(|r| r)
            .map_err(|e| match e {
                JitError::Codegen { func, message } if message.contains(ARENA_FULL) => {
                    JitError::Resources(format!(
                        "the code of function @{func} does not fit in the {} MiB reserved for the program's code",
                        reserve >> 20
                    ))
                }
                e => e,
            });
        match built {
            Ok(b) => Ok(JitModule {
                jit: Some(jm),
                entries: b.entries,
                entry_of: b.entry_of,
                code: b.code,
                code_len: b.code_len,
                exact_checks: b.exact_checks,
                num_params: module.funcs.values().map(|f| f.num_params).collect(),
                max_frame: b.max_frame,
                _table: b.table,
            }),
            Err(e) => {
                // SAFETY: no code of `jm` has run or been handed out.
                unsafe { jm.free_memory() };
                Err(e)
            }
        }
    }

    fn build(
        jm: &mut JITModule,
        isa: &OwnedTargetIsa,
        module: &Module,
        globals: &[u64],
        opts: &Options,
        pinned_ctx: bool,
    ) -> Result<Built, JitError> {
        let n = module.funcs.len();
        let layouts = TypeLayouts::new(&module.types);
        let frames = frame_layouts(module, &layouts);
        let global_sizes: Vec<u64> = module
            .globals
            .values()
            .map(|g| layouts.of(&g.ty).map_or(0, |l| l.size))
            .collect();
        let classes = lower::SigClasses::new(module);
        // Functions that can never run are not compiled, and an indirect
        // call reaches only those whose address is taken (their table
        // entry has a class no call site tests for).
        let reach = pivm_ir::contract::Reach::of(module);
        let mut runs = reach.can_run(module);
        if opts.all_functions {
            runs.fill(true);
        }
        let taken = reach.taken;
        let alloc_types = pivm_ir::contract::AllocTypes::new(module);
        let mut table = vec![0u64; 2 * n].into_boxed_slice();

        let mut func_ids = Vec::with_capacity(n);
        for (id, f) in module.funcs.iter() {
            let sig = lower::func_signature(jm, f.params(), f.ret);
            let fid = jm
                .declare_function(&format!("f{}", id.0), Linkage::Local, &sig)
                .map_err(|e| codegen_err(&f.name, e))?;
            func_ids.push(fid);
        }
        // One entry wrapper per signature (`lower::lower_entry`).
        let mut esig = jm.make_signature();
        esig.params.push(AbiParam::new(types::I64));
        esig.params.push(AbiParam::new(types::I64));
        esig.returns.push(AbiParam::new(types::I64));
        let mut sigs: HashMap<(Vec<Type>, Option<Type>), usize> = HashMap::new();
        let mut entry_sigs = Vec::new();
        let mut entry_of = Vec::with_capacity(n);
        for f in module.funcs.values() {
            let key = (f.params().collect::<Vec<_>>(), f.ret);
            let next = sigs.len();
            let e = *sigs.entry(key.clone()).or_insert_with(|| {
                entry_sigs.push(key);
                next
            });
            entry_of.push(e);
        }
        let mut entry_ids = Vec::with_capacity(entry_sigs.len());
        for e in 0..entry_sigs.len() {
            let eid = jm
                .declare_function(&format!("e{e}"), Linkage::Local, &esig)
                .map_err(|e| codegen_err("(entry wrapper)", e))?;
            entry_ids.push(eid);
        }

        let stub_sig = lower::poll_stub_signature(jm.isa(), pinned_ctx);
        let poll_stub = jm
            .declare_function("poll_stub", Linkage::Local, &stub_sig)
            .map_err(|e| codegen_err("(poll stub)", e))?;
        let env = lower::Env {
            m: module,
            globals,
            global_sizes: &global_sizes,
            table_addr: table.as_ptr() as u64,
            func_ids: &func_ids,
            classes: &classes,
            frames: &frames,
            safepoints: opts.safepoints,
            counting: opts.counting,
            hoist: opts.hoist,
            alloc_types: &alloc_types,
            poll_stub,
            pinned_ctx,
        };
        let mut fctx = FunctionBuilderContext::new();
        // The poll stub and the entry wrappers, queued first (`Pipeline`).
        let mut stubs = Vec::with_capacity(1 + entry_ids.len());
        let mut c = jm.make_context();
        c.func.signature = stub_sig;
        c.func.name = UserFuncName::user(1, 0);
        lower::lower_poll_stub(jm, FunctionBuilder::new(&mut c.func, &mut fctx), pinned_ctx);
        stubs.push((c, poll_stub));
        for (e, (params, ret)) in entry_sigs.iter().enumerate() {
            let mut c = jm.make_context();
            c.func.signature = esig.clone();
            c.func.name = UserFuncName::user(2, e as u32);
            let b = FunctionBuilder::new(&mut c.func, &mut fctx);
            lower::lower_entry(jm, b, params, *ret, pinned_ctx);
            stubs.push((c, entry_ids[e]));
        }
        // A development aid: `PIVM_JIT_DUMP=NAME` prints the Cranelift IR
        // and the machine code of function @NAME (`*`: every function) to
        // stderr, and the code's bytes in hex on a line `; code HEX` (for
        // `objdump -D -b binary`, with offsets to match a profile's).
        let dump = std::env::var("PIVM_JIT_DUMP").ok();
        // Lowering needs the module (it declares callees in each function);
        // Cranelift's compilation of each function needs only the ISA, so
        // the functions are compiled on several threads while the rest
        // are lowered (`Pipeline`), the largest lowered first, then
        // defined in module order (the code is the same as compiled one by
        // one).
        let mut order: Vec<FuncId> = module.funcs.keys().collect();
        order.sort_by_key(|&id| {
            let f = &module.funcs[id];
            std::cmp::Reverse(f.blocks.values().map(|b| b.insts.len()).sum::<usize>())
        });
        let mut exact_checks = vec![0; n];
        let mut stack_tested = vec![true; n];
        let stub_ids: Vec<cranelift_module::FuncId> = stubs.iter().map(|(_, id)| *id).collect();
        let threads = std::thread::available_parallelism()
            .map_or(1, |t| t.get())
            .min(n + stubs.len())
            .min(MAX_COMPILE_THREADS);
        let pipeline = Pipeline::new(&**isa, n + stubs.len());
        let (lowered, mut done) = pipeline.run(threads, |p| -> Result<(), JitError> {
            // The stubs first: a helper compiles them while the largest
            // function is lowered.
            for (k, (c, id)) in stubs.into_iter().enumerate() {
                p.push((n + k, c, id));
            }
            for &id in &order {
                let (i, f) = (id.index(), &module.funcs[id]);
                let mut c = jm.make_context();
                c.func.signature = lower::func_signature(jm, f.params(), f.ret);
                c.func.name = UserFuncName::user(0, i as u32);
                let b = FunctionBuilder::new(&mut c.func, &mut fctx);
                let (checks, tested) = if runs[i] {
                    let done = lower::lower_function(&env, jm, b, id, false)
                        .map_err(|e| codegen_err(&f.name, e))?;
                    lower::peephole::rewrite(&mut c.func);
                    done
                } else {
                    lower::lower_never_entered(jm, b, id);
                    (0, true)
                };
                exact_checks[i] = checks;
                stack_tested[i] = tested;
                c.set_disasm(dump.as_deref().is_some_and(|d| d == "*" || d == f.name));
                p.push((i, c, func_ids[i]));
            }
            Ok(())
        });
        lowered?;
        // Defined in the order the code is laid out: the poll stub, the
        // functions, the entry wrappers (where a function's code starts
        // moves its branches across fetch boundaries: binarytrees ran 2-8%
        // slower with the wrappers first).
        let mut max_frame = 0;
        let mut stubs: Vec<(cranelift_module::FuncId, Compiled)> =
            Vec::with_capacity(stub_ids.len());
        for (slot, &id) in done.drain(n..).zip(&stub_ids) {
            let stub = slot
                .expect("every stub was compiled")
                .map_err(|e| codegen_err("(stub)", e))?;
            max_frame = max_frame.max(stub.frame);
            stubs.push((id, stub));
        }
        let define_stubs = |jm: &mut JITModule, stubs: &[(cranelift_module::FuncId, Compiled)]| {
            for (id, stub) in stubs {
                jm.define_function_bytes(*id, stub.alignment, &stub.bytes, &stub.relocs)
                    .map_err(|e| codegen_err("(stub)", e))?;
            }
            Ok::<(), JitError>(())
        };
        let wrappers = stubs.split_off(1);
        define_stubs(jm, &stubs)?;
        let mut code_len = Vec::with_capacity(n);
        for (id, f) in module.funcs.iter() {
            let i = id.index();
            let done = done[i].take().expect("every function was compiled");
            let mut done = done.map_err(|e| codegen_err(&f.name, e))?;
            if !stack_tested[i] && done.frame as u64 > abi::STACK_PER_LEVEL {
                // A frame larger than a level's share of the host
                // stack, beyond what its stack slots foretold:
                // compiled again with the prologue's test of the
                // stack (`abi::STACK_PER_LEVEL`). Rare: a function of
                // a thousand spills.
                let mut c = jm.make_context();
                c.func.signature = lower::func_signature(jm, f.params(), f.ret);
                c.func.name = UserFuncName::user(0, i as u32);
                let b = FunctionBuilder::new(&mut c.func, &mut fctx);
                lower::lower_function(&env, jm, b, id, true)
                    .map_err(|e| codegen_err(&f.name, e))?;
                lower::peephole::rewrite(&mut c.func);
                c.set_disasm(dump.as_deref().is_some_and(|d| d == "*" || d == f.name));
                done = compile_one(&**isa, c, func_ids[i]).map_err(|e| codegen_err(&f.name, e))?;
            }
            jm.define_function_bytes(func_ids[i], done.alignment, &done.bytes, &done.relocs)
                .map_err(|e| codegen_err(&f.name, e))?;
            code_len.push(done.bytes.len());
            max_frame = max_frame.max(done.frame);
            if let Some(text) = done.dump {
                eprintln!("; @{}\n{text}", f.name);
            }
        }
        define_stubs(jm, &wrappers)?;
        jm.finalize_definitions()
            .map_err(|e| codegen_err("(linking)", e))?;

        let mut entries = Vec::with_capacity(entry_ids.len());
        let mut code = Vec::with_capacity(n);
        for i in 0..n {
            let c = jm.get_finalized_function(func_ids[i]) as usize;
            code.push(c);
            table[2 * i] = c as u64;
            table[2 * i + 1] = if taken[i] {
                classes.of_func[i] as u64
            } else {
                NO_CLASS
            };
        }
        for &eid in &entry_ids {
            let e = jm.get_finalized_function(eid);
            // SAFETY: `e` is the finalized code of an entry wrapper, whose
            // Cranelift signature is `EntryFn`'s in the host's default
            // calling convention.
            entries.push(unsafe { std::mem::transmute::<*const u8, EntryFn>(e) });
        }
        Ok(Built {
            entries,
            entry_of,
            code,
            code_len,
            exact_checks,
            max_frame,
            table,
        })
    }

    /// Where the code of each function is: `(name, address, length)`, in
    /// module order (for profilers' symbol maps).
    pub fn symbols<'a>(
        &'a self,
        module: &'a Module,
    ) -> impl Iterator<Item = (&'a str, usize, usize)> {
        module
            .funcs
            .values()
            .zip(self.code.iter().zip(&self.code_len))
            .map(|(f, (&addr, &len))| (f.name.as_str(), addr, len))
    }

    /// The largest host stack frame, in bytes, of any compiled function
    /// (entry wrappers and stubs included): `VmCtx::native_stack_limit`
    /// must leave at least this much room, plus what builtins and hooks
    /// take.
    pub fn max_frame_size(&self) -> usize {
        self.max_frame
    }

    /// How many accesses of VM memory in `f`'s code are checked one by
    /// one (not by a window, a hoisted range, nor known checked on the
    /// way there, nor in the frame or a global): what tests of the check
    /// planning count.
    pub fn exact_checks(&self, f: FuncId) -> usize {
        self.exact_checks[f.index()]
    }

    /// The number of compiled functions (the module's).
    pub fn len(&self) -> usize {
        self.code.len()
    }

    pub fn is_empty(&self) -> bool {
        self.code.is_empty()
    }

    /// The entry wrapper of `f` and what it takes to call `f` with `args`
    /// (one u64 per parameter: zero-extended bits, floats as IEEE bits):
    /// `entry(ctx, buffer.as_ptr())` calls it.
    ///
    /// Panics if `args` has fewer values than `f` has parameters.
    pub fn entry(&self, f: FuncId, args: &[u64]) -> (EntryFn, Vec<u64>) {
        let i = f.index();
        assert!(
            args.len() >= self.num_params[i],
            "{f} takes {} arguments, {} given",
            self.num_params[i],
            args.len()
        );
        let mut buf = Vec::with_capacity(2 + args.len());
        buf.push(self.code[i] as u64);
        buf.push(f.0 as u64);
        buf.extend_from_slice(args);
        (self.entries[self.entry_of[i]], buf)
    }

    /// Calls function `f` with `args` (one u64 per parameter: zero-extended
    /// bits, floats as IEEE bits) and returns its result the same way (0
    /// for a function returning nothing). When it returns, `ctx.state`
    /// says how the call ended: `STATE_RUNNING` (returned normally),
    /// `STATE_UNWINDING` (the frames were saved through the hooks),
    /// `STATE_HALTED` (exit or trap).
    ///
    /// Panics if `args` has fewer values than `f` has parameters.
    ///
    /// # Safety
    ///
    /// `ctx` must point to a `VmCtx` that stays valid for the call, whose
    /// `mem_base` maps every address `access_ok` accepts, whose `builtins`
    /// table has `pivm_ir::builtins::BUILTINS.len()` valid entries, and
    /// whose `hooks` are valid; the global addresses given to `compile`
    /// must be the ones this memory uses.
    pub unsafe fn call(&self, f: FuncId, ctx: *mut VmCtx, args: &[u64]) -> u64 {
        let (entry, buf) = self.entry(f, args);
        // SAFETY: the caller guarantees `ctx`; `buf` is what `entry` takes.
        unsafe { entry(ctx, buf.as_ptr()) }
    }
}

impl Drop for JitModule {
    fn drop(&mut self) {
        if let Some(jm) = self.jit.take() {
            // SAFETY: the code is owned by `self`; `&mut self` proves no
            // call into it is running (calls borrow `self`), and the entry
            // points handed out are documented to live as long as `self`.
            unsafe { jm.free_memory() };
        }
    }
}

#[cfg(test)]
mod send_check {
    fn is_send<T: Send>() {}
    #[test]
    fn jit_module_is_send() {
        is_send::<super::JitModule>();
    }
}

#[cfg(test)]
mod pipeline {
    use super::{Pipeline, COMPILE_BATCH};
    use cranelift_codegen::ir::{types, AbiParam, InstBuilder, Signature};
    use cranelift_codegen::isa::TargetIsa;
    use cranelift_codegen::settings;
    use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};

    fn isa() -> cranelift_codegen::isa::OwnedTargetIsa {
        cranelift_native::builder()
            .expect("host ISA")
            .finish(settings::Flags::new(settings::builder()))
            .expect("host ISA")
    }

    /// `fn() -> i32 { k }`, lowered for `isa`.
    fn constant(isa: &dyn TargetIsa, k: i64) -> cranelift_codegen::Context {
        let mut c = cranelift_codegen::Context::new();
        let mut sig = Signature::new(isa.default_call_conv());
        sig.returns.push(AbiParam::new(types::I32));
        c.func.signature = sig;
        let mut fctx = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut c.func, &mut fctx);
        let entry = b.create_block();
        b.switch_to_block(entry);
        let v = b.ins().iconst(types::I32, k);
        b.ins().return_(&[v]);
        b.seal_all_blocks();
        b.finalize(isa.frontend_config());
        c
    }

    fn id(i: usize) -> cranelift_module::FuncId {
        cranelift_module::FuncId::from_u32(i as u32)
    }

    /// Every function queued is compiled, into its own place, however
    /// many wait (the building thread compiles some itself).
    #[test]
    fn compiles_each_function_into_its_place() {
        let isa = isa();
        let n = 2 * COMPILE_BATCH + 3;
        let (out, done) = Pipeline::new(&*isa, n).run(2, |p| {
            for i in (0..n).rev() {
                p.push((i, constant(&*isa, i as i64), id(i)));
            }
            Ok::<_, ()>(7)
        });
        assert_eq!(out, Ok(7));
        assert_eq!(done.len(), n);
        for (i, d) in done.iter().enumerate() {
            let c = d.as_ref().expect("compiled").as_ref().expect("no error");
            assert!(!c.bytes.is_empty(), "function {i}");
        }
    }

    /// A lowering that fails or panics ends the build, which neither hangs
    /// nor compiles what it has not taken yet.
    #[test]
    fn a_failed_or_panicking_lowering_ends_the_build() {
        let isa = isa();
        let n = 4 * COMPILE_BATCH;
        let (out, done) = Pipeline::new(&*isa, n).run(3, |p| {
            for i in 0..n {
                p.push((i, constant(&*isa, 1), id(i)));
            }
            Err::<(), _>("lowering failed")
        });
        assert_eq!(out, Err("lowering failed"));
        // At most the queue's bound, the building thread's own and one
        // per helper were compiled.
        let compiled = done.iter().filter(|d| d.is_some()).count();
        assert!(compiled < n, "{compiled} of {n} compiled after the failure");
        let isa = &*isa;
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            Pipeline::new(isa, 8).run(2, |p| {
                p.push((0, constant(isa, 1), id(0)));
                if n > 0 {
                    panic!("lowering panicked");
                }
                Ok::<(), ()>(())
            })
        }));
        assert!(panicked.is_err());
    }
}
