//! The ways a program can trap. Every engine reports the same kinds, with
//! the same messages and exit codes, so a trap is part of a program's
//! observable behaviour like its output.

use std::fmt;

#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum TrapKind {
    /// A load or store at address 0 or in the null page.
    NullAccess,
    /// A load or store outside the program's VM memory.
    OutOfBounds,
    DivisionByZero,
    /// The call depth limit or the shadow stack was exceeded.
    StackOverflow,
    /// A call through a value that is not a function of the right signature.
    BadFunctionPointer,
    /// `unreachable` was executed (e.g. falling off a non-void function).
    Unreachable,
    /// The program called `abort()` (or a failed `assert`).
    Abort,
    /// A builtin was misused (e.g. `free` of a pointer malloc never returned).
    BadBuiltinCall,
    /// `longjmp` to a buffer no `setjmp` set, or whose frame has returned
    /// (undefined in C; glibc's checking build aborts).
    BadLongjmp,
    /// A variable-length array whose size is not positive, or too large
    /// for the heap (undefined in C; pivm never lets it corrupt memory).
    VlaSize,
    /// Every thread of the program is blocked (a mutex, a condition
    /// variable, a join) and none can wake another: a native build would
    /// hang forever.
    Deadlock,
}

impl TrapKind {
    pub const ALL: [TrapKind; 11] = [
        TrapKind::NullAccess,
        TrapKind::OutOfBounds,
        TrapKind::DivisionByZero,
        TrapKind::StackOverflow,
        TrapKind::BadFunctionPointer,
        TrapKind::Unreachable,
        TrapKind::Abort,
        TrapKind::BadBuiltinCall,
        TrapKind::BadLongjmp,
        TrapKind::VlaSize,
        TrapKind::Deadlock,
    ];

    /// The process exit code of a program ending with this trap: 128 plus
    /// the signal a native build of the program would typically die of, so
    /// scripts that check a native program's status work unchanged.
    pub fn exit_code(self) -> i32 {
        match self {
            TrapKind::Abort
            | TrapKind::BadBuiltinCall
            | TrapKind::BadLongjmp
            | TrapKind::VlaSize
            | TrapKind::Deadlock => 134,
            TrapKind::DivisionByZero => 136,
            TrapKind::Unreachable => 132,
            TrapKind::NullAccess
            | TrapKind::OutOfBounds
            | TrapKind::StackOverflow
            | TrapKind::BadFunctionPointer => 139,
        }
    }

    /// A stable code for the runtime ABI and snapshot files.
    pub fn code(self) -> u32 {
        self as u32
    }

    pub fn from_code(code: u32) -> Option<TrapKind> {
        TrapKind::ALL.into_iter().find(|k| k.code() == code)
    }
}

impl fmt::Display for TrapKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TrapKind::NullAccess => "null pointer dereference",
            TrapKind::OutOfBounds => "memory access out of bounds",
            TrapKind::DivisionByZero => "integer division by zero",
            TrapKind::StackOverflow => "stack overflow",
            TrapKind::BadFunctionPointer => "call through an invalid function pointer",
            TrapKind::Unreachable => "unreachable code executed",
            TrapKind::Abort => "abort() called",
            TrapKind::BadBuiltinCall => "invalid call to a runtime function",
            TrapKind::BadLongjmp => {
                "longjmp to a jmp_buf that no setjmp set or whose setjmp's function has returned"
            }
            TrapKind::VlaSize => {
                "variable-length array size is not positive or is too large for the heap"
            }
            TrapKind::Deadlock => "deadlock: every thread is blocked",
        })
    }
}
