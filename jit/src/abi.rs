//! The runtime ABI between generated code and the VM: the `VmCtx` every
//! compiled function takes as its first argument, the engine states of the
//! snapshot protocol, the builtin table, and the memory-access rule.
//!
//! This crate owns the contract and `vm` implements it (the neutral side
//! owns the contract). The interpreter in `vm` follows the same rules, so
//! both engines trap on the same accesses and produce the same frames.

use std::ffi::c_void;

/// Addresses below this are the null page: never valid.
pub const NULL_PAGE: u64 = 4096;

/// Every load and store is at most this many bytes; the VM keeps this many
/// bytes of padding past the end of the last allocation so that the
/// single-compare check below never rejects an access inside an allocation.
pub const MAX_ACCESS: u64 = 8;

/// Engine state (`VmCtx::state`).
pub const STATE_RUNNING: u32 = 0;
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

/// Whether an access of `size <= MAX_ACCESS` bytes at VM address `addr` is
/// allowed, given `VmCtx::bound`: `addr - NULL_PAGE <= bound` (unsigned,
/// wrapping), one subtract and one compare. Both engines use exactly this.
#[inline(always)]
pub fn access_ok(addr: u64, bound: u64) -> bool {
    addr.wrapping_sub(NULL_PAGE) <= bound
}

/// `VmCtx::bound` for a memory whose valid addresses end at `limit`
/// (exclusive, padding included).
pub fn bound_for_limit(limit: u64) -> u64 {
    limit.saturating_sub(NULL_PAGE + MAX_ACCESS)
}

/// A builtin implementation: `args` holds `nargs` values (zero-extended
/// bits; floats as IEEE bits), the result is returned the same way. A
/// builtin that ends the program (exit, abort, a trap) sets `state` to
/// `STATE_HALTED`; the caller then calls `RuntimeHooks::halted` with its
/// location and returns at once.
///
/// An allocation builtin (`is_alloc_builtin`) called with an `as T` type
/// gets one extra trailing argument: `1 +` the index of `T` in
/// `alloc_types(module)`.
pub type BuiltinFn = unsafe extern "C" fn(ctx: *mut VmCtx, args: *const u64, nargs: u32) -> u64;

/// Whether the catalog builtin `name` allocates (and so takes the extra
/// allocation-type argument described at `BuiltinFn`).
pub fn is_alloc_builtin(name: &str) -> bool {
    matches!(name, "malloc" | "calloc" | "realloc")
}

/// The distinct `as T` allocation types of `module`'s calls, in order of
/// first appearance (functions, blocks, instructions in layout order): the
/// table the allocation-type argument of `BuiltinFn` indexes.
pub fn alloc_types(module: &pivm_ir::Module) -> Vec<pivm_ir::MemType> {
    let mut v: Vec<pivm_ir::MemType> = Vec::new();
    for f in module.funcs.values() {
        for b in f.blocks.values() {
            for i in &b.insts {
                if let pivm_ir::InstKind::Call {
                    alloc_type: Some(t),
                    ..
                } = &i.kind
                {
                    if !v.contains(t) {
                        v.push(t.clone());
                    }
                }
            }
        }
    }
    v
}

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
    /// `state` to `STATE_RUNNING`. On a mismatch it traps (state halted).
    pub restore_frame: unsafe extern "C" fn(
        ctx: *mut VmCtx,
        func: u32,
        stack_base: *mut u64,
        locals: *mut u64,
        n: u32,
    ) -> u32,
}

/// The context of a running program, passed to every compiled function.
/// Field order is part of the ABI: generated code uses the offsets below.
#[repr(C)]
pub struct VmCtx {
    /// Host address of VM address 0; never changes while compiled code
    /// runs (generated code loads it once per activation).
    pub mem_base: *mut u8,
    /// See `access_ok`; changes when the heap grows.
    pub bound: u64,
    /// Nonzero: the next safepoint calls `RuntimeHooks::safepoint`. Written
    /// by other threads (signal watcher, control socket), hence atomic use.
    pub poll: u32,
    /// One of the `STATE_*` constants.
    pub state: u32,
    /// Shadow-stack pointer (VM address of the first free byte).
    pub sp: u64,
    /// Shadow-stack end (VM address): a frame may not extend past it.
    pub stack_limit: u64,
    /// Current call depth and its limit.
    pub depth: u32,
    pub max_depth: u32,
    /// `ir::builtins::BUILTINS.len()` entries, in catalog order.
    pub builtins: *const BuiltinFn,
    pub hooks: *const RuntimeHooks,
    /// The VM's own state, opaque to generated code.
    pub runtime: *mut c_void,
}

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
    OFF_BUILTINS = builtins;
    OFF_HOOKS = hooks;
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
}

/// Whether an indirect call may call a function of signature `callee`:
/// `args` are the types of the call's arguments and `dst` the type of the
/// local receiving the result. The argument count must be equal and every
/// argument compatible (`Type::compatible`: `ptr` and `i64` mix); a call
/// that uses the result needs a callee returning a compatible type, a call
/// that ignores it accepts any callee. Otherwise the call traps with
/// `TrapKind::BadFunctionPointer`. Both engines use exactly this rule.
pub fn indirect_call_ok(
    args: &[pivm_ir::Type],
    dst: Option<pivm_ir::Type>,
    callee: &pivm_ir::Signature,
) -> bool {
    args.len() == callee.params.len()
        && args
            .iter()
            .zip(&callee.params)
            .all(|(a, p)| a.compatible(*p))
        && match dst {
            None => true,
            Some(d) => callee.ret.is_some_and(|r| r.compatible(d)),
        }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_rule() {
        let limit = 1 << 20;
        let b = bound_for_limit(limit);
        assert!(!access_ok(0, b));
        assert!(!access_ok(NULL_PAGE - 1, b));
        assert!(access_ok(NULL_PAGE, b));
        assert!(access_ok(limit - MAX_ACCESS, b));
        assert!(!access_ok(limit - MAX_ACCESS + 1, b));
        assert!(!access_ok(u64::MAX, b));
    }
}
