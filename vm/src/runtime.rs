//! The state of a running program that is not an engine's: memory, heap,
//! streams, the rand state and the safepoint counter. Every engine runs
//! over a `Runtime` through the `Engine` trait, and a snapshot is a
//! `RuntimeState` plus the logical frames an engine captured.

use pivm_ir::frame::Frame;
use pivm_ir::{FuncId, Module, ResumeId, TrapKind, Type};
use pivm_snapshot::AllocTable;
use std::fmt;
use std::sync::Arc;
use std::time::Instant;

use crate::alloc::Allocator;
use crate::error::VmError;
use crate::io::{FileState, Io};
use crate::memory::{Memory, DEFAULT_RESERVE, DEFAULT_STACK_SIZE};
use crate::poll::{Poll, Request};
use crate::program::Program;
use crate::rand::RandState;
use crate::sched::Threads;

/// The host memory the call frames of one run may take, on either engine
/// (the interpreter's frame stack, the JIT's native stack): a deeper
/// recursion traps with a stack overflow, whatever the call-depth limit.
pub const MAX_FRAME_MEMORY: usize = 1 << 30;

/// Limits and requests for one run.
#[derive(Clone, Debug)]
pub struct Config {
    /// Host address space reserved for VM memory.
    pub reserve: u64,
    pub stack_size: u64,
    /// Call depth limit (`TrapKind::StackOverflow` past it).
    pub max_depth: u32,
    /// Take a snapshot at the N-th safepoint reached in this run (1-based).
    /// Setting it makes the runtime count every safepoint of the run.
    pub snapshot_after: Option<u64>,
    /// Count every safepoint (`--stats`), even with no request pending:
    /// the poll word then stays set and every safepoint calls the runtime.
    pub count_safepoints: bool,
    /// Transparent huge pages for VM memory (`--huge-pages`,
    /// `Memory::for_run`).
    pub huge_pages: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            reserve: DEFAULT_RESERVE,
            stack_size: DEFAULT_STACK_SIZE,
            max_depth: 100_000,
            snapshot_after: None,
            count_safepoints: false,
            huge_pages: false,
        }
    }
}

/// Where a trap happened.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Trap {
    pub kind: TrapKind,
    /// Function name, when known.
    pub func: Option<String>,
    /// Source file and line (`Inst::line`, module `source`); line 0 = unknown.
    pub file: Option<String>,
    pub line: u32,
}

impl fmt::Display for Trap {
    /// `null pointer dereference in function 'main' at prog.c:12`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.kind)?;
        if let Some(func) = &self.func {
            write!(f, " in function '{func}'")?;
        }
        if self.line != 0 {
            match &self.file {
                Some(file) => write!(f, " at {file}:{}", self.line)?,
                None => write!(f, " at line {}", self.line)?,
            }
        }
        Ok(())
    }
}

/// How a builtin or the runtime ends the program.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Halt {
    Exit(i32),
    Trap(TrapKind),
    /// `longjmp` made a jump pending (`Runtime::longjmp`): the engine
    /// discards frames down to its target and lands there.
    Longjmp,
    /// The running thread ended (`pthread_exit`) with this value.
    ThreadExit(u64),
}

impl From<TrapKind> for Halt {
    fn from(k: TrapKind) -> Halt {
        Halt::Trap(k)
    }
}

/// Where an engine starts.
#[derive(Clone, Debug)]
pub enum Entry {
    /// Call `main` with these `argv` strings (argv[0] first).
    Start { args: Vec<String> },
    /// Rebuild the logical stack (innermost frame first) and continue right
    /// after the innermost frame's safepoint.
    Rewind { frames: Vec<Frame> },
    /// Call `func` with these arguments (one per parameter): a thread's
    /// first run (`sched`).
    Call { func: FuncId, args: Vec<u64> },
}

/// How a run ended.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Outcome {
    /// `main` returned or `exit` was called, with this value (not masked).
    Exit(i32),
    Trap(Trap),
    /// A snapshot was taken: the logical frames, innermost first. Memory and
    /// the rest of the state are in the `Runtime`.
    Snapshot(Vec<Frame>),
    /// The running thread ended with this value (`sched::run` goes on with
    /// the others).
    ThreadExit(u64),
}

impl Outcome {
    /// The process exit status this outcome gives.
    pub fn exit_code(&self) -> i32 {
        match self {
            Outcome::Exit(c) => c & 0xff,
            Outcome::Trap(t) => t.kind.exit_code(),
            Outcome::Snapshot(_) | Outcome::ThreadExit(_) => 0,
        }
    }
}

/// An execution engine (the interpreter, the JIT).
pub trait Engine {
    fn run(&mut self, rt: &mut Runtime, entry: Entry) -> Result<Outcome, VmError>;

    /// Calls `f` with this engine and `rt` on the host thread where the
    /// engine runs code. `sched::run` runs its whole loop through it, so
    /// that the many runs of a program with threads or processes (one per
    /// switch) do not each cross host threads.
    fn hosted(&mut self, rt: &mut Runtime, f: &mut Hosted) -> Result<Outcome, VmError>;
}

/// A loop over an engine's runs (`Engine::hosted`): `Send`, since it may
/// run on another host thread.
pub type Hosted<'a> =
    dyn FnMut(&mut dyn Engine, &mut Runtime) -> Result<Outcome, VmError> + Send + 'a;

/// What the runtime decides at a safepoint whose poll word is set.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum SafepointAction {
    Continue,
    Snapshot,
}

/// Everything of a runtime a snapshot needs besides the program and the
/// frames: plain data, converted by the snapshot crate to its own types.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct RuntimeState {
    pub stack_size: u64,
    /// VM memory `[0, limit)`.
    pub memory: Vec<u8>,
    pub heap_top: u64,
    /// The live allocations, packed (`pivm_snapshot::AllocTable`).
    pub allocations: AllocTable,
    pub rand: RandState,
    pub stdout_written: u64,
    pub stderr_written: u64,
    pub stdin_read: u64,
    pub stdin_eof: bool,
    pub stdin_unread: Vec<u8>,
    pub files: Vec<FileState>,
    pub next_handle: u64,
    pub safepoints_reached: u64,
    /// The last serial given to a frame that calls setjmp (`pivm_ir::jmp`).
    pub jmp_serial: u64,
    /// The allocator's history of zeroing freed extents
    /// (`Allocator::discard_min`, `Allocator::discarded`).
    pub discard_min: u64,
    pub discarded: u64,
    /// The allocator's current slabs a rebuild would not pick
    /// (`Allocator::current_slabs`).
    pub current_slabs: Vec<u64>,
}

pub struct Runtime {
    pub prog: Arc<Program>,
    pub config: Config,
    pub mem: Memory,
    pub heap: Allocator,
    pub io: Io,
    pub rand: RandState,
    /// Safepoints reached while the poll word was set, this run: every
    /// safepoint when counting (`Config::count_safepoints` or
    /// `snapshot_after`), else only those that served a request.
    pub safepoints_reached: u64,
    /// Set by anyone who wants the next safepoint to call the runtime.
    pub poll: Arc<Poll>,
    /// The asynchronous requests the last snapshot serves, and when the
    /// safepoint that took it was reached.
    pub served: Vec<Request>,
    pub served_at: Option<Instant>,
    /// How the program ended, when a builtin or hook ended it (JIT path).
    pub halt: Option<Halt>,
    /// A trap with its location, recorded by the JIT's trap hook.
    pub trap: Option<Trap>,
    /// What the JIT's `VmCtx::countdown` was last set to, while compiled
    /// code counts the safepoints of this run: the safepoints since then
    /// are this minus the countdown (`jit_engine`).
    pub countdown_from: Option<u64>,
    /// The frame buffer of the JIT's unwind/rewind protocol, innermost
    /// first (unwinding pushes; rewinding pops the outermost).
    pub frame_buf: Vec<Frame>,
    /// The last serial given to an activation of a function that calls
    /// setjmp (`pivm_ir::jmp`); the JIT keeps it in `VmCtx` while it runs.
    pub jmp_serial: u64,
    /// A `longjmp` on its way to its target frame.
    pub longjmp: Option<crate::builtins::jmp::PendingJump>,
    /// The program's threads and their schedule; engines run the current
    /// one, on its shadow stack.
    pub threads: Threads,
    /// This process (`proc`): pid, descriptors, a fork in progress.
    pub proc: crate::proc::Proc,
    /// The program's other processes and its pipes, while this process
    /// runs (`None` until the first fork or pipe).
    pub world: Option<Box<crate::proc::World>>,
    /// The monotonic clock and the host thread behind deadlines; one for
    /// every process of the run.
    pub timer: Arc<crate::timer::Timer>,
}

impl Runtime {
    /// A fresh runtime for `prog`: memory laid out, globals initialized.
    pub fn new(prog: Arc<Program>, config: Config, io: Io) -> Result<Runtime, VmError> {
        let heap_start = prog.mem.heap_start;
        let mut mem = Memory::for_run(&config, heap_start + pivm_ir::contract::MAX_ACCESS)?;
        mem.init_globals(&prog.module, prog.global_addrs.as_slice())?;
        let mut heap = Allocator::new(heap_start, mem.max_top(), prog.alloc_types.as_slice());
        heap.attach(mem.discarder());
        let main = prog.module.func_by_name("main").unwrap_or(FuncId(0));
        let threads = Threads::new(main, (prog.mem.stack_start, prog.mem.stack_end));
        let poll = Arc::new(Poll::new());
        let timer = Arc::new(crate::timer::Timer::new(poll.clone(), 0));
        let rt = Runtime {
            prog,
            config,
            mem,
            heap,
            io,
            rand: RandState::new(1),
            safepoints_reached: 0,
            poll,
            served: Vec::new(),
            served_at: None,
            halt: None,
            trap: None,
            countdown_from: None,
            frame_buf: Vec::new(),
            jmp_serial: 0,
            longjmp: None,
            threads,
            proc: crate::proc::Proc::default(),
            world: None,
            timer,
        };
        rt.arm_poll();
        Ok(rt)
    }

    /// A copy of this process for a fork: memory `mem`, the threads and
    /// process state given, everything else copied (streams: the standard
    /// ones only, `Io::forked`).
    pub fn duplicate(&self, mem: Memory, threads: Threads, proc: crate::proc::Proc) -> Runtime {
        let mut heap = self.heap.clone();
        heap.attach(mem.discarder());
        Runtime {
            prog: self.prog.clone(),
            config: self.config.clone(),
            mem,
            heap,
            io: self.io.forked(),
            rand: self.rand.clone(),
            safepoints_reached: self.safepoints_reached,
            poll: self.poll.clone(),
            served: Vec::new(),
            served_at: None,
            halt: None,
            trap: None,
            countdown_from: None,
            frame_buf: Vec::new(),
            jmp_serial: self.jmp_serial,
            longjmp: None,
            threads,
            proc,
            world: None,
            timer: self.timer.clone(),
        }
    }

    /// A runtime in the state a snapshot recorded.
    pub fn restore(
        prog: Arc<Program>,
        config: Config,
        io: Io,
        state: &RuntimeState,
    ) -> Result<Runtime, VmError> {
        let heap_start = prog.mem.heap_start;
        Runtime::restore_with(prog, config, io, state, &state.allocations, |mem| {
            if (state.memory.len() as u64) < heap_start {
                return Err(VmError::new(
                    "memory image is smaller than the program's data",
                ));
            }
            mem.restore(&state.memory)
        })
    }

    /// A runtime in the state a snapshot recorded, with memory filled by
    /// `load` (for example straight from a snapshot file) instead of from
    /// `state.memory`, and the heap rebuilt from `heap` instead of
    /// `state.allocations` (both ignored), so neither is copied.
    pub fn restore_with(
        prog: Arc<Program>,
        mut config: Config,
        io: Io,
        state: &RuntimeState,
        heap: &AllocTable,
        load: impl FnOnce(&mut Memory) -> Result<(), VmError>,
    ) -> Result<Runtime, VmError> {
        config.stack_size = state.stack_size;
        if prog.mem.stack_end - prog.mem.stack_start < state.stack_size {
            return Err(VmError::new(
                "the program was laid out with a smaller stack than the snapshot's",
            ));
        }
        let mut rt = Runtime::new(prog, config, io)?;
        let heap_start = rt.prog.mem.heap_start;
        load(&mut rt.mem)?;
        // Each distinct type text is parsed once.
        let parser = pivm_ir::MemTypeParser::new(&rt.prog.module);
        let types = heap
            .types()
            .iter()
            .map(|t| {
                parser
                    .parse(t)
                    .map_err(|e| VmError::new(format!("allocation type '{t}': {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        rt.heap = Allocator::from_packed(
            heap_start,
            rt.mem.max_top(),
            rt.prog.alloc_types.as_slice(),
            state.heap_top,
            &types,
            heap.iter().map(|e| (e.addr, e.size, e.ty)),
        )?;
        rt.heap.attach(rt.mem.discarder());
        rt.heap.set_discard_min(state.discard_min);
        rt.heap.set_discarded(state.discarded);
        rt.heap.set_current(&state.current_slabs)?;
        if !rt.mem.grow_to(state.heap_top) {
            return Err(VmError::new("heap does not fit the memory reservation"));
        }
        rt.rand = state.rand.clone();
        rt.rand.validate().map_err(VmError::new)?;
        rt.jmp_serial = state.jmp_serial;
        rt.io.stdout_written = state.stdout_written;
        rt.io.stderr_written = state.stderr_written;
        rt.io.stdin_read = state.stdin_read;
        rt.io.stdin_eof = state.stdin_eof;
        rt.io.stdin_unread = state.stdin_unread.clone();
        rt.io
            .reopen(&state.files, state.next_handle)
            .map_err(VmError::new)?;
        // `snapshot_after` counts from the start of each run (a resume
        // starts a run); the saved count is informational.
        rt.safepoints_reached = 0;
        Ok(rt)
    }

    /// The state a snapshot stores (flushes stdout first).
    pub fn save_state(&mut self) -> RuntimeState {
        self.io.flush();
        RuntimeState {
            stack_size: self.prog.mem.stack_end - self.prog.mem.stack_start,
            memory: self.mem.bytes().to_vec(),
            heap_top: self.heap.heap_top(),
            allocations: crate::snapshot::alloc_table(&self.heap, &self.prog.module),
            rand: self.rand.clone(),
            stdout_written: self.io.stdout_written,
            stderr_written: self.io.stderr_written,
            stdin_read: self.io.stdin_read,
            stdin_eof: self.io.stdin_eof,
            stdin_unread: self.io.stdin_unread.clone(),
            files: self.io.files(),
            next_handle: self.io.next_handle(),
            safepoints_reached: self.safepoints_reached,
            jmp_serial: self.jmp_serial,
            discard_min: self.heap.discard_min(),
            discarded: self.heap.discarded(),
            current_slabs: self.heap.current_slabs(),
        }
    }

    pub fn module(&self) -> &Module {
        &self.prog.module
    }

    /// Keeps the poll word set while the run counts its safepoints (a
    /// program that can start threads always does: its schedule counts
    /// them).
    pub fn arm_poll(&self) {
        let count = self.config.count_safepoints
            || self.config.snapshot_after.is_some()
            || self.prog.threaded;
        self.poll.set_keep(count);
    }

    /// Whether every safepoint of this run is counted.
    pub fn counting(&self) -> bool {
        self.poll.keep()
    }

    /// Called by an engine at a safepoint whose poll word is set. On
    /// `Snapshot`, `served` holds the requests it serves (none for
    /// `snapshot_after`) and `served_at` the time.
    pub fn on_safepoint(&mut self, _func: FuncId, _resume: ResumeId) -> SafepointAction {
        self.safepoints_reached += 1;
        // Before any reason for this call is looked at (`Poll::kick`).
        self.poll.safepoint_begins();
        self.poll.probe_reached();
        if let Some(n) = self.config.snapshot_after {
            if self.safepoints_reached >= n {
                self.config.snapshot_after = None;
                // Counting was for this snapshot: unless `--stats` counts
                // every safepoint, polls go back to their fast path (the
                // JIT no longer calls out at each one).
                if !self.config.count_safepoints && !self.prog.threaded {
                    self.poll.set_keep(false);
                }
                if self.prog.threaded {
                    let world = &self.world;
                    self.threads.due(self.safepoints_reached, || {
                        crate::proc::runnable_elsewhere(world)
                    });
                }
                self.served = self.poll.take();
                self.served_at = Some(Instant::now());
                self.threads.snapshot = true;
                return SafepointAction::Snapshot;
            }
        }
        if self.prog.timed {
            crate::timer::fire_if_due(self);
        }
        // Decided before a snapshot is: a snapshot taken here records the
        // switch, which then happens before this thread runs again.
        let switch = self.prog.threaded
            && (self.threads.due(self.safepoints_reached, || {
                crate::proc::runnable_elsewhere(&self.world)
            }) || self.proc.fork == crate::proc::Fork::Requested
                || self.proc.signalled
                || self.proc.killed.is_some());
        if !self.poll.keep() || self.poll.has_requests() {
            self.served = self.poll.take();
            if !self.served.is_empty() {
                self.served_at = Some(Instant::now());
                self.threads.snapshot = true;
                return SafepointAction::Snapshot;
            }
        }
        if switch {
            return SafepointAction::Snapshot;
        }
        SafepointAction::Continue
    }

    /// The trap record for `kind` at instruction line `line` of `func`.
    pub fn trap_at(&self, kind: TrapKind, func: Option<FuncId>, line: u32) -> Trap {
        Trap {
            kind,
            func: func.map(|f| self.prog.func_name(f).to_string()),
            file: match func {
                Some(f) => self.prog.module.func_source(f).map(str::to_string),
                None => self.prog.module.source.clone(),
            },
            line,
        }
    }

    /// Grows memory to cover the heap top after an allocation.
    pub fn sync_heap(&mut self) -> bool {
        self.mem.grow_to(self.heap.heap_top())
    }

    /// `main` and its arguments: `()` or `(argc, argv)` with the strings
    /// laid out on the heap.
    pub fn prepare_main(&mut self, args: &[String]) -> Result<(FuncId, Vec<u64>), VmError> {
        let m = &self.prog.module;
        let main = m
            .func_by_name("main")
            .ok_or_else(|| VmError::new("the program has no function @main"))?;
        let f = &m.funcs[main];
        let params: Vec<Type> = f.params().collect();
        match params.as_slice() {
            [] => Ok((main, Vec::new())),
            [Type::I32, Type::Ptr] | [Type::I32, Type::I64] => {
                let argc = args.len() as u64;
                let mut ptrs = Vec::with_capacity(args.len() + 1);
                for a in args {
                    let bytes = a.as_bytes();
                    let n = bytes.len() as u64 + 1;
                    let p = self
                        .heap
                        .malloc(n, crate::alloc::TY_NONE)
                        .ok_or_else(|| VmError::new("out of memory for argv"))?;
                    self.sync_heap();
                    self.mem
                        .write(p, bytes)
                        .and_then(|_| self.mem.store(Type::I8, p + n - 1, 0))
                        .map_err(|k| VmError::new(format!("cannot lay out argv: {k}")))?;
                    ptrs.push(p);
                }
                ptrs.push(0);
                let argv = self
                    .heap
                    .malloc(8 * ptrs.len() as u64, crate::alloc::TY_NONE)
                    .ok_or_else(|| VmError::new("out of memory for argv"))?;
                self.sync_heap();
                for (i, p) in ptrs.iter().enumerate() {
                    self.mem
                        .store(Type::Ptr, argv + 8 * i as u64, *p)
                        .map_err(|k| VmError::new(format!("cannot lay out argv: {k}")))?;
                }
                Ok((main, vec![argc, argv]))
            }
            _ => Err(VmError::new(
                "@main must take () or (i32, ptr) and return i32",
            )),
        }
    }
}
