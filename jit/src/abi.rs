//! The runtime ABI between generated code and the VM: the `VmCtx` every
//! compiled function takes as its first argument, the engine states of the
//! snapshot protocol, the builtin table type and the hooks, with the field
//! offsets generated code uses.
//!
//! The rules both engines keep (which addresses are valid, which indirect
//! calls reach their target, the allocation-type key, which frame chains
//! are valid) are `pivm_ir::contract`'s; this file is only how compiled code
//! talks to the VM that implements them.

use std::ffi::c_void;
use std::sync::atomic::AtomicU32;

/// Engine state (`VmCtx::state`).
pub const STATE_RUNNING: u32 = 0;

/// Host stack per call level that a function's frame may take without a
/// test of the host stack at its entry. The runtime gives compiled code
/// a stack with `STACK_PER_LEVEL` bytes for each level of `depth_limit`
/// above `native_stack_limit` (lowering `depth_limit` if the host gives
/// less), and every activation at depth `d` then has its stack pointer at
/// or above `native_stack_limit + (depth_limit - d) * STACK_PER_LEVEL`:
/// the entry wrappers test it (depth 0), a function whose frame is at
/// most this size keeps it (its caller had a level more of room), and a
/// larger one tests it in its prologue (`JitModule` compiles it again
/// with the test when its frame turns out larger); a leaf, which calls
/// no module function, needs only room for its frame and what builtins
/// take, which the floor leaves. So a recursion the depth limit allows
/// never overruns the host stack, and the common call tests nothing but
/// its depth.
pub const STACK_PER_LEVEL: u64 = 4096;
/// Unwinding for a snapshot: each function saves its frame and returns.
pub const STATE_UNWINDING: u32 = 1;
/// Rewinding from frames: each function restores its frame at entry.
pub const STATE_REWINDING: u32 = 2;
/// The program has ended (exit, trap): every function returns at once.
pub const STATE_HALTED: u32 = 3;
/// Internal to generated code, never seen by the VM: a callee found no room
/// for its activation (call depth or shadow stack) and returned at once;
/// its caller reports `TrapKind::StackOverflow` at the call's source line
/// (as the interpreter does), and an entry wrapper reports it in the called
/// function at line 0.
pub const STATE_STACK_OVERFLOW: u32 = 4;
/// A `longjmp` is pending (the `longjmp` builtin set it): every function
/// returns at once, but one that calls `setjmp` first asks
/// `RuntimeHooks::land` whether it is the target and, if so, continues
/// after its setjmp site (`pivm_ir::jmp`).
pub const STATE_LONGJMP: u32 = 5;

/// A builtin implementation: `args` holds `nargs` values (zero-extended
/// bits; floats as IEEE bits), the result is returned the same way. A
/// builtin that ends the program (exit, abort, a trap) sets `state` to
/// `STATE_HALTED`; the caller then calls `RuntimeHooks::halted` with its
/// location and returns at once.
///
/// An allocation builtin (`Builtin::is_alloc`) called with an `as T` type
/// gets one extra trailing argument: the key of `T` in the module's
/// `pivm_ir::contract::AllocTypes`.
pub type BuiltinFn = unsafe extern "C" fn(ctx: *mut VmCtx, args: *const u64, nargs: u32) -> u64;

/// malloc and free, the hottest builtins, called with their arguments in
/// registers rather than through `BuiltinFn`'s array: malloc gets its size
/// and its allocation-type key (0 if the call has no `as T`), free its
/// pointer and 0. Results and halting as for `BuiltinFn`.
pub type HeapFn = unsafe extern "C" fn(ctx: *mut VmCtx, a: u64, key: u64) -> u64;

/// Runtime entry points the generated code calls on its cold paths.
#[repr(C)]
pub struct RuntimeHooks {
    /// A safepoint whose poll word was set. The runtime decides what the
    /// request is; it may set `state` to `STATE_UNWINDING` (take a snapshot)
    /// or `STATE_HALTED`. It must not move or grow memory (`mem_base` and
    /// `bound` are not reloaded after it).
    pub safepoint: unsafe extern "C" fn(ctx: *mut VmCtx, func: u32, resume: u32),
    /// A trap (`ir::TrapKind::code`) in `func` at source `line`: the runtime
    /// records it and sets `state` to `STATE_HALTED`.
    pub trap: unsafe extern "C" fn(ctx: *mut VmCtx, kind: u32, func: u32, line: u32),
    /// A builtin called at source `line` of `func` ended the program (it
    /// set `state` to `STATE_HALTED`): the runtime may record where, e.g.
    /// to name the location of a trap the builtin raised. Called on the
    /// cold path only, once, by the caller of the builtin.
    pub halted: unsafe extern "C" fn(ctx: *mut VmCtx, func: u32, line: u32),
    /// Unwinding: push the frame of `func` stopped at `resume`, with its
    /// shadow-stack base and `n` local values. Only the locals live at
    /// `resume` (`pivm_ir::liveness::frame_liveness`) hold their values; the
    /// runtime records every other one as 0, as the interpreter does.
    pub save_frame: unsafe extern "C" fn(
        ctx: *mut VmCtx,
        func: u32,
        resume: u32,
        stack_base: u64,
        locals: *const u64,
        n: u32,
    ),
    /// Rewinding: pop the outermost remaining frame, which must belong to
    /// `func` and have `n` locals; write its locals and stack base, return
    /// its resume point. When the last frame is popped the runtime sets
    /// `state` to `STATE_RUNNING` and `max_depth` back to `depth_limit`
    /// (0 if the poll word is set). On a mismatch it traps (state halted).
    pub restore_frame: unsafe extern "C" fn(
        ctx: *mut VmCtx,
        func: u32,
        stack_base: *mut u64,
        locals: *mut u64,
        n: u32,
    ) -> u32,
    /// A `longjmp` is pending and `func`, whose frame is at `stack_base`,
    /// calls `setjmp`. If its frame is not at the jump's depth, returns
    /// with the state unchanged (the function returns). If it is the
    /// target, sets `state` to `STATE_RUNNING` and returns the setjmp site
    /// in the high 32 bits and the value `setjmp` returns in the low ones;
    /// otherwise it traps (state halted).
    pub land: unsafe extern "C" fn(ctx: *mut VmCtx, func: u32, stack_base: u64) -> u64,
}

/// The context of a running program, passed to every compiled function.
/// Field order is part of the ABI: generated code uses the offsets below.
#[repr(C)]
pub struct VmCtx {
    /// Host address of VM address 0; never changes while compiled code
    /// runs (generated code loads it once per activation).
    pub mem_base: *mut u8,
    /// See `pivm_ir::contract::access_ok`; changes when the heap grows.
    pub bound: u64,
    /// Nonzero: the next safepoint calls `RuntimeHooks::safepoint`. Written
    /// by other threads (signal watcher, timer, control socket) while
    /// compiled code runs, so it is atomic; generated code reads it with a
    /// plain 32-bit load, which is a relaxed atomic load on every host
    /// Cranelift supports (same size and alignment as `u32`), or with the
    /// state in one 64-bit load (`OFF_POLL_STATE`). Every other
    /// field but `max_depth` is only touched by the thread running the
    /// program.
    pub poll: AtomicU32,
    /// One of the `STATE_*` constants.
    pub state: u32,
    /// Shadow-stack pointer (VM address of the first free byte).
    pub sp: u64,
    /// Shadow-stack end (VM address): a frame may not extend past it.
    pub stack_limit: u64,
    /// Current call depth.
    pub depth: u32,
    /// The limit every prologue tests the depth against: `depth_limit`,
    /// or 0 while the poll word is set or the state is
    /// `STATE_REWINDING`, so that the test fails and its cold path looks
    /// at why: a rewind (the frame is rewound; no prologue tests the state
    /// on its hot path), a depth within `depth_limit` (a poll is pending:
    /// a function that polls at its entry polls there, without a test of
    /// the poll word of its own on the hot path), or an overflow. Written
    /// by other threads with the poll word (the runtime mirrors both), so
    /// it is atomic and read as `poll` is. `RuntimeHooks::restore_frame`
    /// sets it back with `STATE_RUNNING` when it hands out the last frame
    /// (to 0 if the word is set). The chain's depth is checked against
    /// `depth_limit` before a rewind starts.
    pub max_depth: AtomicU32,
    /// The call-depth limit.
    pub depth_limit: u32,
    /// The host stack's floor for compiled code (`STACK_PER_LEVEL`): the
    /// stack's lowest address plus the largest frame of the module
    /// (`JitModule::max_frame_size`) plus what builtins and hooks take.
    /// 0: no limit.
    pub native_stack_limit: u64,
    /// `Builtin::COUNT` entries, indexed by `Builtin as usize`.
    pub builtins: *const BuiltinFn,
    pub hooks: *const RuntimeHooks,
    /// The VM's own state, opaque to generated code.
    pub runtime: *mut c_void,
    /// `Builtin::Malloc` and `Builtin::Free` (see `HeapFn`).
    pub malloc: HeapFn,
    pub free: HeapFn,
    /// After compiled code's inline free cleared a slot of a slab and so
    /// left it `SLAB_LIST_AT` minus one live slots (`HeapView`): the
    /// slab's index (and 0). Puts the slab among its class's slabs with
    /// room, as the allocator's own free does;
    /// never fails, never grows memory, returns 0.
    pub unfilled: HeapFn,
    /// After compiled code's inline malloc took the last free slot of its
    /// class's current slab: the slab's index (and 0). Makes the class's
    /// listed slab current, as the allocator's own malloc does;
    /// never fails, never grows memory, returns 0.
    pub filled: HeapFn,
    /// The last serial given to an activation of a function that calls
    /// `setjmp`: its prologue adds one and stores it in its frame header
    /// (`pivm_ir::jmp`).
    pub jmp_serial: u64,
    /// Code compiled with `Options::counting` decrements this at every
    /// safepoint and calls `RuntimeHooks::safepoint` when it reaches 0,
    /// as when the poll word is set: the runtime counts safepoints
    /// (`--stats`, `--snapshot-after`) without a call at each one. The
    /// hook sets it again; `u64::MAX` never reaches 0 in practice.
    pub countdown: u64,
    /// The allocator's view for inline small malloc and free (`HeapView`
    /// offsets below), or null: compiled code then always calls `malloc`
    /// and `free`. The runtime keeps it current whenever compiled code
    /// runs: set on entry, refreshed on every return from a builtin.
    pub heap: *mut c_void,
}

const _: () = assert!(
    std::mem::size_of::<AtomicU32>() == 4 && std::mem::align_of::<AtomicU32>() == 4,
    "VmCtx::poll is read by generated code as a u32"
);

/// The poll word and the state, read together by one aligned 64-bit
/// load where a call's state test and a safepoint's poll meet (either
/// nonzero: the load is nonzero, whatever the byte order). An aligned
/// 64-bit load is single-copy atomic on every host Cranelift supports, so
/// it sees the poll word as its own 32-bit load would.
pub const OFF_POLL_STATE: i32 = OFF_POLL;
const _: () = assert!(
    OFF_STATE == OFF_POLL + 4 && OFF_POLL % 8 == 0,
    "the poll word and the state are one aligned 64-bit word"
);

macro_rules! offsets {
    ($($name:ident = $field:ident;)*) => {
        $(pub const $name: i32 = std::mem::offset_of!(VmCtx, $field) as i32;)*
    };
}

offsets! {
    OFF_MEM_BASE = mem_base;
    OFF_BOUND = bound;
    OFF_POLL = poll;
    OFF_STATE = state;
    OFF_SP = sp;
    OFF_STACK_LIMIT = stack_limit;
    OFF_DEPTH = depth;
    OFF_MAX_DEPTH = max_depth;
    OFF_DEPTH_LIMIT = depth_limit;
    OFF_NATIVE_STACK_LIMIT = native_stack_limit;
    OFF_BUILTINS = builtins;
    OFF_HOOKS = hooks;
    OFF_MALLOC = malloc;
    OFF_FREE = free;
    OFF_UNFILLED = unfilled;
    OFF_FILLED = filled;
    OFF_JMP_SERIAL = jmp_serial;
    OFF_COUNTDOWN = countdown;
    OFF_HEAP = heap;
}

macro_rules! hook_offsets {
    ($($name:ident = $field:ident;)*) => {
        $(pub const $name: i32 = std::mem::offset_of!(RuntimeHooks, $field) as i32;)*
    };
}

hook_offsets! {
    OFF_HOOK_SAFEPOINT = safepoint;
    OFF_HOOK_TRAP = trap;
    OFF_HOOK_HALTED = halted;
    OFF_HOOK_SAVE_FRAME = save_frame;
    OFF_HOOK_RESTORE_FRAME = restore_frame;
    OFF_HOOK_LAND = land;
}

/// The allocator's view (`pivm::alloc::HeapView`, which asserts these
/// offsets): the per-class current slab (`u32` each, `NO_SLAB` if none),
/// the live-block count (`u64`), the slab array, the frame table and its
/// length, the heap's first address, and the slot-of-offset table.
pub const HEAP_CUR: i32 = 0;
/// Classes in `HEAP_CUR`: those of `SMALL_CLASSES`, then those whose slabs
/// are several frames (compiled code's free leaves their blocks to the
/// runtime).
pub const HEAP_CLASSES: usize = 36;
pub const HEAP_COUNT: i32 = 4 * HEAP_CLASSES as i32;
pub const HEAP_SLABS: i32 = HEAP_COUNT + 8;
pub const HEAP_FRAMES: i32 = HEAP_COUNT + 16;
pub const HEAP_NFRAMES: i32 = HEAP_COUNT + 24;
pub const HEAP_START: i32 = HEAP_COUNT + 32;
pub const HEAP_SLOT_AT: i32 = HEAP_COUNT + 40;
/// The per-slot slacks of slabs whose live blocks differ in size
/// (`MAX_SLOTS` bytes per slab).
pub const HEAP_SLACK: i32 = HEAP_COUNT + 48;
/// For a malloc of `size` bytes up to the last of `SLAB_CLASSES`, at
/// `(size + 15) / 16`: the slot size and the class, `slot << 8 | class`
/// (`u32`; `HEAP_NSIZES` entries).
pub const HEAP_SIZES: i32 = HEAP_COUNT + 56;
pub const HEAP_NSIZES: usize = 257;
/// Slacks per slab in `HEAP_SLACK`.
pub const MAX_SLOTS: i32 = 256;
/// `SLAB_MIXED` when only the sizes differ: the slacks are in `HEAP_SLACK`.
pub const MIXED_SLACK: u8 = 2;
/// No current slab (`HEAP_CUR`).
pub const NO_SLAB: u32 = u32::MAX;

/// A slab (`pivm::alloc::Slab`, one cache line): the bitmap of its live
/// slots (four `u64`, bits past the last slot set), its first address,
/// the type id and slack of all its live slots while `mixed` is 0, and
/// how many slots are live.
pub const SLAB_SIZE: i32 = 64;
pub const SLAB_BITS: i32 = 0;
/// Words of the bitmap (`u64`), followed by `SLAB_START`.
pub const SLAB_WORDS: i32 = 4;
pub const SLAB_START: i32 = 32;
pub const SLAB_TY: i32 = 40;
pub const SLAB_USED: i32 = 44;
pub const SLAB_SLACK: i32 = 49;
pub const SLAB_MIXED: i32 = 50;
/// Slots of the slab's class (`u16`).
pub const SLAB_NSLOTS: i32 = 52;
/// The live slots a free finds when it lists the slab among its class's
/// slabs with room (`u16`; `VmCtx::unfilled`).
pub const SLAB_LIST_AT: i32 = 54;

/// Small blocks whose slabs are one frame: the slot sizes of the classes,
/// the slab size, the frame table's entry (`(slab + 1) << FRAME_CLASS_BITS
/// | class`, 0: no slab; a class from `SMALL_CLASSES.len()` up is one of
/// several frames), and the slot-of-offset table's entry for no slot
/// (`u16` per class per 16 bytes of a frame).
pub const SMALL_CLASSES: [u32; 24] = [
    16, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 256, 320, 384, 448, 512,
    640, 768, 896, 1024,
];
pub const SMALL_FRAME: u64 = 4096;
pub const FRAME_CLASS_BITS: u32 = 6;
pub const NOT_A_SLOT: u16 = u16::MAX;

/// The slot sizes of every class served from slabs (`HEAP_CLASSES`):
/// `SMALL_CLASSES`, then those whose slabs are several frames (their
/// slots' count is the slab's `SLAB_NSLOTS`).
pub const SLAB_CLASSES: [u32; HEAP_CLASSES] = {
    let mut t = [0u32; HEAP_CLASSES];
    let mut c = 0;
    while c < HEAP_CLASSES {
        t[c] = if c < SMALL_CLASSES.len() {
            SMALL_CLASSES[c]
        } else {
            1024 + 256 * (c - SMALL_CLASSES.len() + 1) as u32
        };
        c += 1;
    }
    t
};

/// The class of a malloc of `size` bytes among the first `n` of
/// `SLAB_CLASSES`: the first whose slots hold it.
const fn class_among(size: u64, n: usize) -> Option<u8> {
    let mut c = 0;
    while c < n {
        if size <= SLAB_CLASSES[c] as u64 {
            return Some(c as u8);
        }
        c += 1;
    }
    None
}

/// The class of a malloc of `size` bytes, if its slabs are one frame
/// (`SMALL_CLASSES`).
pub const fn small_class(size: u64) -> Option<u8> {
    class_among(size, SMALL_CLASSES.len())
}

/// The class of a malloc of `size` bytes, if it is served from slabs.
pub const fn slab_class(size: u64) -> Option<u8> {
    class_among(size, HEAP_CLASSES)
}
