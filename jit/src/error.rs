//! Errors of the JIT: a host Cranelift cannot compile for, a module the
//! JIT cannot compile, or a code generation failure inside Cranelift.

use std::fmt;

/// Why a module could not be compiled to native code.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum JitError {
    /// The host is not one Cranelift generates code for (or is not 64-bit).
    UnsupportedHost(String),
    /// The inputs do not fit the module (e.g. the global address table has
    /// the wrong length), or the module uses something the JIT lacks.
    BadInput(String),
    /// The host refused the resources compiling needs (address space for
    /// the code).
    Resources(String),
    /// Cranelift rejected or failed to compile a function.
    Codegen { func: String, message: String },
}

impl fmt::Display for JitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JitError::UnsupportedHost(m) => write!(
                f,
                "the jit does not support this host ({m}); use --engine interp"
            ),
            JitError::BadInput(m) => write!(f, "cannot compile the module: {m}"),
            JitError::Resources(m) => write!(f, "cannot compile the module: {m}"),
            JitError::Codegen { func, message } => write!(
                f,
                "code generation failed in function @{func}: {message}; this is a pivm bug, please report it (--engine interp avoids it)"
            ),
        }
    }
}

impl std::error::Error for JitError {}
