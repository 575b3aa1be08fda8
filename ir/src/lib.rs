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
pub mod contract;
pub mod entities;
pub mod error;
pub mod frame;
pub mod hexfloat;
pub mod inline;
pub mod jmp;
pub mod liveness;
pub mod module;
pub mod opcodes;
pub mod parse;
pub mod promote;
pub mod safepoints;
pub mod trap;
pub mod types;
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

/// What `pivm run` does to a program before it runs it: inlines small
/// leaf functions (`inline`) and promotes the slots it can to locals
/// (`promote`), in rounds (a callee's slots promoted before the next round
/// weighs what is left of them; a function that became a leaf by inlining
/// is inlined in the next), then places the safepoints again
/// (`safepoints`; they are taken out first: a leaf polls no more). A pure
/// function of the module: every engine on every host runs the same code;
/// a snapshot embeds the result.
pub fn optimize(m: &mut Module) {
    safepoints::remove(m);
    promote::promote(m);
    while inline::inline_round(m) {
        promote::promote(m);
    }
    safepoints::place(m);
}
