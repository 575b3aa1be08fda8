//! pivm-ir: the platform-neutral intermediate representation of pivm.
//!
//! A `Module` holds a type table, globals with their initial bytes, builtin
//! declarations, and functions made of basic blocks of three-address
//! instructions over typed, named locals. `parse` reads `.pir` text and
//! `Display` writes it; `verify` checks a module before any engine runs it;
//! `safepoints::place` puts the poll points every engine agrees on.
//!
//! This crate knows nothing of Cranelift, msgpack or the host: every size,
//! alignment and byte order here is the same on every machine.

pub mod builtins;
pub mod constargs;
pub mod constlocals;
pub mod contract;
pub mod dce;
pub mod entities;
pub mod error;
pub mod frame;
pub mod hexfloat;
pub mod ifconv;
pub mod inline;
pub mod jmp;
pub mod liveness;
pub mod module;
pub mod nan;
pub mod opcodes;
pub mod parse;
pub mod partial;
pub mod promote;
pub mod safepoints;
pub mod specialize;
pub mod tailrec;
pub mod trap;
pub mod types;
pub mod unroll;
pub mod verify;
pub mod write;

pub use builtins::Builtin;
pub use entities::{
    Block, BuiltinId, EntityRef, EntityVec, FuncId, GlobalId, Local, ResumeId, SlotId, TypeId,
};
pub use error::{ParseError, VerifyError, VerifyErrors};
pub use module::*;
pub use opcodes::{OpClass, Opcode};
pub use parse::{parse, parse_mem_type, MemTypeParser};
pub use trap::TrapKind;
pub use types::{AggKind, Layout, MemType, Type, TypeDef, TypeLayouts};
pub use verify::verify;

/// What `pivm run` does to a program before it runs it: takes the placed
/// safepoints out; makes calls through known function pointers direct and
/// copies callees for the callbacks they are passed (`specialize`);
/// promotes the slots it can to locals (`promote`, then `dce` takes out
/// what that left unread) and inlines small leaf functions (`inline`), in
/// rounds (a callee's slots promoted before the next round weighs what is
/// left of them; a function that became a leaf by inlining is inlined in
/// the next); inlines leaves with loops called once where the loop
/// around the call makes no other call (`inline::inline_loop_leaves`);
/// inlines small functions called once into a caller they call
/// back (`inline::inline_cycles`: a mutual recursion becomes a
/// self-recursion); copies functions for the constants every call passes
/// them (`constargs`); turns self tail calls into loops (`tailrec`); inlines small
/// recursive functions into themselves once (`inline::inline_recursive`);
/// inlines the heads of functions that return at once on some path (a
/// matcher's first compare) where other functions call them again and
/// again, calling the rest (`partial`); turns branches around a few instructions that cannot trap into
/// selects (`ifconv`); unrolls small loops that test data to stop twice (`unroll`, so they
/// poll every second iteration); places the safepoints again (`safepoints`: a leaf polls no more). A
/// pure function of the module: every engine on every host runs the same
/// code; a snapshot embeds the result.
pub fn optimize(m: &mut Module) {
    let mut budget = Budget::default();
    safepoints::remove(m);
    specialize::specialize(m, &mut budget);
    promote::promote_within(m, &mut budget);
    dce::remove_dead_within(m, &mut budget);
    while inline::inline_round(m, &mut budget) {
        promote::promote_within(m, &mut budget);
        dce::remove_dead_within(m, &mut budget);
    }
    while inline::inline_loop_leaves(m, &mut budget) {
        promote::promote_within(m, &mut budget);
        dce::remove_dead_within(m, &mut budget);
    }
    // Each round inlines a function into one caller at most; a cycle of
    // three collapses in two rounds.
    while inline::inline_cycles(m, &mut budget) {
        promote::promote_within(m, &mut budget);
        dce::remove_dead_within(m, &mut budget);
    }
    if constlocals::constant_locals(m, &mut budget) {
        dce::remove_dead_within(m, &mut budget);
    }
    constargs::constant_arguments(m, &mut budget);
    let looped = tailrec::tail_calls(m, &mut budget);
    if inline::inline_recursive(m, &mut budget) {
        dce::remove_dead_within(m, &mut budget);
    }
    if partial::inline_heads(m, &mut budget, &looped) {
        dce::remove_dead_within(m, &mut budget);
    }
    if ifconv::if_convert(m, &mut budget) {
        dce::remove_dead_within(m, &mut budget);
    }
    unroll::unroll_small_loops(m, &mut budget);
    safepoints::place(m);
}

/// Work an optimization may still do, in instructions visited: bounded
/// so that no module, however hostile, takes long to optimize (the
/// passes are quadratic in the worst case). Real programs spend a small
/// part of it (Lua, 30,000 lines of C, about 600,000: 7 percent); a unit
/// costs some tens of nanoseconds, so the worst case is about a second.
pub struct Budget(u64);

impl Default for Budget {
    fn default() -> Budget {
        Budget(1 << 23)
    }
}

impl Budget {
    /// Spends `n`; whether there was that much left.
    pub fn spend(&mut self, n: u64) -> bool {
        match self.0.checked_sub(n) {
            Some(left) => {
                self.0 = left;
                true
            }
            None => {
                self.0 = 0;
                false
            }
        }
    }
}

/// The text of function `@name` in a module's text (`Display`), from
/// `func @name(` to before its closing brace: for the passes' tests.
#[cfg(test)]
pub(crate) fn func_text<'a>(text: &'a str, name: &str) -> &'a str {
    let start = text
        .find(&format!("func @{name}("))
        .unwrap_or_else(|| panic!("no @{name}:\n{text}"));
    let t = &text[start..];
    &t[..t.find("\n}\n").unwrap()]
}
