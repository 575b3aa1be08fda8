//! Errors of the vm library: loading a program, restoring a state or a set
//! of frames. Traps are not errors: they are an `Outcome` of running.

use std::fmt;

/// A load or restore failure, with a lowercase message saying what is wrong.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct VmError {
    pub message: String,
}

impl VmError {
    pub fn new(message: impl Into<String>) -> VmError {
        VmError {
            message: message.into(),
        }
    }
}

impl fmt::Display for VmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for VmError {}
