//! Target `control`: the control-socket protocol of `pivm snapshot --pid`
//! (`pivm::control`).
//!
//! Checks, for any bytes:
//! - as what a client sent, cut where the server cuts it (at the first
//!   newline, at most 4096 bytes), the request parser accepts or refuses,
//!   never panics; an accepted request starts with `snapshot`, ends with
//!   its newline, names an absolute path if any, and means the same once
//!   the client's line for it is parsed again;
//! - as a path given to `pivm snapshot -o` (made absolute, as the client
//!   does, with the first byte choosing `--exit`): the line the client
//!   sends carries exactly that path and choice to the server, or the
//!   client refuses the path.

use pivm::control::{parse_request_line, request_line};
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// The longest request line the server reads, newline included.
const MAX_LINE: usize = 4096;

pub fn run(data: &[u8]) {
    let line = served(data);
    if let Ok(r) = parse_request_line(line) {
        assert!(line.starts_with(b"snapshot") && line.ends_with(b"\n"));
        if let Some(p) = &r.path {
            assert!(p.is_absolute(), "a relative path was accepted: {p:?}");
        }
        round_trip(r.exit, r.path.as_deref());
    }
    if let Some((&first, rest)) = data.split_first() {
        let mut path = b"/".to_vec();
        path.extend_from_slice(rest);
        round_trip(first & 1 == 1, Some(Path::new(OsStr::from_bytes(&path))));
    }
}

/// The line the server reads of what a client sent: up to the first
/// newline, at most `MAX_LINE` bytes.
fn served(sent: &[u8]) -> &[u8] {
    let cut = &sent[..sent.len().min(MAX_LINE)];
    match cut.iter().position(|&b| b == b'\n') {
        Some(i) => &cut[..=i],
        None => cut,
    }
}

/// The client's request for `exit` and `path` reaches the server as is,
/// or the client refuses to send it.
fn round_trip(exit: bool, path: Option<&Path>) {
    let Ok(line) = request_line(exit, path) else {
        return;
    };
    match parse_request_line(served(line.as_bytes())) {
        Ok(r) => {
            assert_eq!(r.exit, exit, "exit changed on the way: {line:?}");
            assert_eq!(r.path.as_deref(), path, "the path changed on the way");
        }
        Err(e) => panic!("the server refuses the client's request {line:?}: {e}"),
    }
}
