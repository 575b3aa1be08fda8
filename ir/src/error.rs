//! Errors of the IR crate: parse errors with a location, verifier errors
//! with the function, block and instruction they concern.

use std::fmt;

/// A `.pir` syntax error at `file:line:col`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ParseError {
    pub file: String,
    pub line: usize,
    pub col: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: error: {}",
            self.file, self.line, self.col, self.message
        )
    }
}

impl std::error::Error for ParseError {}

/// One verifier finding, e.g.
/// `function @main, block0, inst 3 (%x = add.i32 %a, %p): operand %p has type ptr, expected i32`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct VerifyError {
    /// Where: `module`, `global @g`, `function @f`, or
    /// `function @f, block0, inst 3 (text)`.
    pub location: String,
    pub message: String,
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

/// Every error the verifier found in a module.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct VerifyErrors(pub Vec<VerifyError>);

impl fmt::Display for VerifyErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "error: {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for VerifyErrors {}
