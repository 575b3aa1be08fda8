//! pivm: the VM runtime. It loads a verified module (`Program`), lays out
//! its memory (`memory`), runs it on an engine (`interp::Interpreter`, and
//! the JIT through the same `Engine` trait) over a `Runtime` that owns the
//! heap (`alloc`), the streams (`io`) and the builtins (`builtins`), and
//! implements the snapshot protocol: an engine returns
//! `Outcome::Snapshot(frames)`, `Runtime::save_state` gives the rest, and
//! `Entry::Rewind { frames }` on a `Runtime::restore`d runtime resumes.
//!
//! The JIT engine (`jit_engine`, on `pivm_jit`) is the default-on cargo
//! feature `jit`; without it pivm is interpreter-only.

/// `crate::eprintln_ok!` that never panics: a message that cannot be written
/// (stderr closed, a full disk) is dropped, so pivm still ends with its
/// own exit status instead of aborting.
#[macro_export]
macro_rules! eprintln_ok {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// `crate::eprint_ok!` that never panics (`eprintln_ok`).
#[macro_export]
macro_rules! eprint_ok {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stderr(), $($arg)*);
    }};
}

pub mod alloc;
pub mod builtins;
pub mod control;
pub mod dirty;
pub mod error;
pub mod fs;
pub mod incremental;
pub mod inspect;
pub mod interp;
pub mod io;
#[cfg(feature = "jit")]
pub mod jit_engine;
pub mod memory;
pub mod migrate;
pub mod poll;
pub mod proc;
pub mod program;
pub mod rand;
pub mod runtime;
pub mod sched;
pub mod serve;
pub mod snapshot;
pub mod timer;
pub mod wp;

pub use error::VmError;
pub use interp::Interpreter;
#[cfg(feature = "jit")]
pub use jit_engine::JitEngine;
pub use program::Program;
pub use runtime::{Config, Engine, Entry, Halt, Outcome, Runtime, RuntimeState, Trap};
