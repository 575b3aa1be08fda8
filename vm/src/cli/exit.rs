//! pivm's exit statuses: one table, used by every path of the command line
//! and printed at the end of `pivm --help` (and copied in README.md).
//!
//! Besides these, a program's own exit status passes through, a trap exits
//! with `TrapKind::exit_code` (128 plus the signal a native build would die
//! of), and `pivm snapshot --pid` exits with `control::ClientError::exit_code`.

use pivm_ir::TrapKind;
use std::fmt;

/// An exit status pivm itself gives.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Exit {
    /// A usage error: an unknown option, a missing or bad value (clap's).
    Usage,
    /// The program does not compile, parse or verify (EX_DATAERR).
    Compile,
    /// An input cannot be read, or a snapshot is bad (EX_NOINPUT).
    Input,
    /// A bug in pivm (EX_SOFTWARE).
    Internal,
    /// The engine failed: the JIT could not compile a verified program, or
    /// could not run it (EX_OSERR).
    Engine,
    /// An output (`compile -o`, the perf map, standard output) cannot be
    /// written (EX_IOERR). A snapshot that cannot be written is not one:
    /// the program continues (`run.rs`).
    Write,
    /// A snapshot was taken and the program stopped (HTCondor's convention).
    Snapshot,
    /// A migration's outcome is unknown: the program stopped and was kept
    /// in its snapshot file (EX_TEMPFAIL).
    Unknown,
}

impl Exit {
    /// Every status, in the order of the table.
    pub const ALL: [Exit; 8] = [
        Exit::Usage,
        Exit::Compile,
        Exit::Input,
        Exit::Internal,
        Exit::Engine,
        Exit::Write,
        Exit::Unknown,
        Exit::Snapshot,
    ];

    pub fn code(self) -> u8 {
        match self {
            Exit::Usage => 2,
            Exit::Compile => 65,
            Exit::Input => 66,
            Exit::Internal => 70,
            Exit::Engine => 71,
            Exit::Write => 74,
            Exit::Unknown => 75,
            Exit::Snapshot => 85,
        }
    }

    pub fn meaning(self) -> &'static str {
        match self {
            Exit::Usage => "usage error (unknown option, missing or bad argument)",
            Exit::Compile => {
                "the program does not compile, parse or verify (or has no runnable @main)"
            }
            Exit::Input => "an input cannot be read, or a snapshot is bad",
            Exit::Internal => "internal error (a bug in pivm)",
            Exit::Engine => "engine failure (the JIT cannot compile or run the program)",
            Exit::Write => {
                "an output cannot be written (compile -o, the perf map; a failed snapshot never stops the program)"
            }
            Exit::Unknown => {
                "a migration's outcome is unknown: the program stopped, kept in its snapshot file"
            }
            Exit::Snapshot => "a snapshot was taken and the program stopped",
        }
    }
}

/// The statuses of `pivm snapshot --pid`, as `control::ClientError` gives them.
pub const SNAPSHOT_PID: [(u8, &str); 4] = [
    (1, "the snapshot failed"),
    (3, "no such process"),
    (4, "not a running pivm"),
    (5, "permission denied"),
];

/// The exit-code table of `pivm --help`.
pub fn help_table() -> String {
    let mut rows: Vec<(String, String)> =
        vec![("0..255".into(), "the program's own exit status".into())];
    rows.extend(Exit::ALL.map(|e| (e.code().to_string(), e.meaning().to_string())));
    let mut traps: Vec<(i32, Vec<String>)> = Vec::new();
    for k in TrapKind::ALL {
        match traps.iter_mut().find(|t| t.0 == k.exit_code()) {
            Some(t) => t.1.push(k.to_string()),
            None => traps.push((k.exit_code(), vec![k.to_string()])),
        }
    }
    traps.sort();
    rows.extend(
        traps
            .into_iter()
            .map(|(code, kinds)| (code.to_string(), format!("trap: {}", kinds.join(", ")))),
    );
    let mut s = String::from("Exit status:\n");
    let row = |s: &mut String, code: &str, meaning: &str| {
        let mut line = format!("  {code:<6}  ");
        for word in meaning.split(' ') {
            if line.len() + word.len() > 78 && !line.ends_with("  ") {
                *s += line.trim_end();
                *s += "\n";
                line = " ".repeat(10);
            }
            line += word;
            line += " ";
        }
        *s += line.trim_end();
        *s += "\n";
    };
    for (code, meaning) in &rows {
        row(&mut s, code, meaning);
    }
    row(
        &mut s,
        "",
        "(a trap exits with 128 plus the signal a native build of the program would die of)",
    );
    s += "Exit status of pivm snapshot --pid:\n";
    for (code, meaning) in SNAPSHOT_PID {
        row(&mut s, &code.to_string(), meaning);
    }
    s
}

/// A failure: the message `pivm: error:` prints and the status it exits with.
#[derive(Debug)]
pub struct Fail {
    pub code: u8,
    pub message: String,
}

impl Fail {
    pub fn new(exit: Exit, message: impl Into<String>) -> Fail {
        Fail {
            code: exit.code(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Fail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// The result of a command: the exit status, or a failure.
pub type Result<T> = std::result::Result<T, Fail>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_avoid_traps() {
        let mut codes: Vec<u8> = Exit::ALL.iter().map(|e| e.code()).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), Exit::ALL.len());
        for k in TrapKind::ALL {
            assert!(!codes.contains(&(k.exit_code() as u8)), "{k}");
        }
    }
}
