//! Asynchronous snapshot requests from outside the program: a timer
//! (`--snapshot-every`), signals (`--snapshot-on`), and the control socket
//! that `pivm snapshot --pid` talks to. Each of them only queues a
//! `poll::Request`; the next safepoint serves it.
//!
//! Signals go through `signal-hook` (its handler only writes to a
//! self-pipe) to a watcher thread that turns each into a request. The control socket is `<dir>/<pid>.sock` in a private
//! directory (`$XDG_RUNTIME_DIR/pivm`, else `/tmp/pivm-<uid>`, mode 0700,
//! refused if another user owns it or others can access it). Its protocol
//! is one line each way:
//!
//! ```text
//! client: snapshot exit=0|1 [path=/absolute/path]
//! server: ok <path> <bytes> <ms>    (once the file is complete)
//!         error <message>
//! ```
//!
//! A pivm killed with `kill -9` cannot remove its socket. Each run, when it
//! starts listening, removes the sockets of the directory whose process is
//! gone and on which nothing listens (`remove_stale_sockets`), and a client
//! asking a dead pid removes that pid's socket.

use std::fmt;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::poll::{Poll, Request};

/// Parses a duration: `500ms`, `2s`, `1m`, `1.5s`, `1h`.
pub fn parse_duration(s: &str) -> Option<Duration> {
    let split = s.find(|c: char| c.is_ascii_alphabetic())?;
    let (num, unit) = s.split_at(split);
    let v: f64 = num.parse().ok()?;
    let secs = match unit {
        "ms" => v / 1000.0,
        "s" => v,
        "m" => v * 60.0,
        "h" => v * 3600.0,
        _ => return None,
    };
    (secs.is_finite() && secs > 0.0).then(|| Duration::from_secs_f64(secs))
}

/// How long the timer waits for a snapshot's file to be finished before
/// it counts the next interval anyway (a request that wrote no file).
const WRITE_WAIT: Duration = Duration::from_secs(60);

/// Starts a thread that requests a snapshot every `every`, counted from
/// the moment the previous snapshot's file was finished (`Poll::
/// snapshot_done`): a program whose snapshots take longer to write than
/// the interval still runs `every` between two of them instead of
/// starving (it waited for each forked writer at the next snapshot, which
/// the timer had already asked for).
pub fn start_timer(poll: Arc<Poll>, every: Duration) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("pivm-timer".into())
        .spawn(move || loop {
            std::thread::sleep(every);
            let done = poll.snapshots_done();
            if !poll.has_requests() {
                poll.request(Request::new(false));
            }
            while poll.has_requests() {
                std::thread::sleep(Duration::from_millis(1));
            }
            let t = std::time::Instant::now();
            while poll.snapshots_done() == done && t.elapsed() < WRITE_WAIT {
                std::thread::sleep(Duration::from_millis(1));
            }
        })
        .map(|_| ())
}

/// Starts the thread behind `--probe-latency`: a latency probe every
/// `every` (`Poll::probe`).
pub fn start_prober(poll: Arc<Poll>, every: Duration) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("pivm-prober".into())
        .spawn(move || loop {
            std::thread::sleep(every);
            poll.probe();
        })
        .map(|_| ())
}

/// A signal `--snapshot-on` accepts, and whether it exits after the snapshot.
pub fn parse_signal(name: &str) -> Option<(i32, bool)> {
    let name = name.strip_prefix("SIG").unwrap_or(name);
    Some(match name {
        "USR1" => (libc::SIGUSR1, false),
        "USR2" => (libc::SIGUSR2, false),
        "HUP" => (libc::SIGHUP, false),
        "TERM" => (libc::SIGTERM, true),
        "INT" => (libc::SIGINT, true),
        _ => return None,
    })
}

/// Installs handlers for `signals` (number, exit after the snapshot) that
/// request snapshots through `poll`.
pub fn watch_signals(poll: Arc<Poll>, signals: &[(i32, bool)]) -> std::io::Result<()> {
    if signals.is_empty() {
        return Ok(());
    }
    let mut incoming = signal_hook::iterator::Signals::new(signals.iter().map(|s| s.0))?;
    let exits: Vec<i32> = signals.iter().filter(|s| s.1).map(|s| s.0).collect();
    std::thread::Builder::new()
        .name("pivm-signals".into())
        .spawn(move || {
            for sig in incoming.forever() {
                poll.request(Request::new(exits.contains(&sig)));
            }
        })?;
    Ok(())
}

/// The private directory holding control sockets, created if missing
/// (`create`) and checked: a directory owned by this user that no one
/// else may access.
pub fn socket_dir(create: bool) -> Result<PathBuf, String> {
    // SAFETY: getuid cannot fail.
    let uid = unsafe { libc::getuid() };
    let dir = match std::env::var_os("XDG_RUNTIME_DIR") {
        Some(d) if !d.is_empty() => Path::new(&d).join("pivm"),
        _ => PathBuf::from(format!("/tmp/pivm-{uid}")),
    };
    if create {
        match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(format!("cannot create {}: {e}", dir.display())),
        }
    }
    let md = std::fs::symlink_metadata(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    if !md.is_dir() {
        return Err(format!("{} is not a directory", dir.display()));
    }
    if md.uid() != uid {
        return Err(format!(
            "{} is owned by uid {}, not by you (uid {uid})",
            dir.display(),
            md.uid()
        ));
    }
    if md.mode() & 0o077 != 0 {
        return Err(format!(
            "{} is accessible to other users (mode {:o}): make it 0700",
            dir.display(),
            md.mode() & 0o777
        ));
    }
    Ok(dir)
}

/// The control socket of process `pid` in `dir`.
pub fn socket_path(dir: &Path, pid: u32) -> PathBuf {
    dir.join(format!("{pid}.sock"))
}

/// Whether process `pid` exists (a process of another user does too).
fn process_exists(pid: u32) -> bool {
    let Ok(ipid) = i32::try_from(pid) else {
        return false;
    };
    // SAFETY: signal 0 only checks that the process exists.
    ipid > 0
        && (unsafe { libc::kill(ipid, 0) } == 0
            || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM))
}

/// Whether connecting to the socket at `path` is refused: nothing listens
/// on it.
fn refused(path: &Path) -> bool {
    matches!(UnixStream::connect(path),
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused)
}

/// Whether the control socket of `pid` at `path` was left by a pivm that
/// died: its process is gone and nothing listens on it. Both, because a
/// pivm of another pid namespace sharing the directory still listens, and
/// one between binding its socket and listening on it is still alive.
fn is_stale(path: &Path, pid: u32) -> bool {
    !process_exists(pid) && refused(path)
}

/// Removes the stale control sockets in `dir` (`is_stale`), left by pivm
/// processes killed before they could remove their own; returns how many.
/// Only entries named `<pid>.sock` that are sockets are considered.
pub fn remove_stale_sockets(dir: &Path) -> usize {
    use std::os::unix::fs::FileTypeExt;
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_suffix(".sock"))
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        let path = e.path();
        if e.file_type().is_ok_and(|t| t.is_socket())
            && is_stale(&path, pid)
            && std::fs::remove_file(&path).is_ok()
        {
            removed += 1;
        }
    }
    removed
}

/// A listening control socket; `remove` deletes its file.
pub struct ControlSocket {
    pub path: PathBuf,
}

impl ControlSocket {
    pub fn remove(&self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Listens on this process's control socket and queues the requests it
/// receives on `poll`.
pub fn listen(poll: Arc<Poll>) -> Result<ControlSocket, String> {
    let dir = socket_dir(true)?;
    remove_stale_sockets(&dir);
    let path = socket_path(&dir, std::process::id());
    // A socket left by a dead process with our pid.
    let _ = std::fs::remove_file(&path);
    let listener = UnixListener::bind(&path)
        .map_err(|e| format!("cannot listen on {}: {e}", path.display()))?;
    std::thread::Builder::new()
        .name("pivm-control".into())
        .spawn(move || {
            // Each client on its own thread, so one that connects and says
            // nothing delays no one else; at most MAX_CLIENTS at once.
            let active = Arc::new(std::sync::atomic::AtomicUsize::new(0));
            for mut stream in listener.incoming().flatten() {
                use std::sync::atomic::Ordering;
                if active.load(Ordering::SeqCst) >= MAX_CLIENTS {
                    let _ = stream.write_all(b"error too many clients at once\n");
                    continue;
                }
                active.fetch_add(1, Ordering::SeqCst);
                let (poll, done) = (poll.clone(), active.clone());
                let spawned = std::thread::Builder::new()
                    .name("pivm-control-client".into())
                    .spawn(move || {
                        serve(&poll, stream);
                        done.fetch_sub(1, Ordering::SeqCst);
                    });
                if spawned.is_err() {
                    active.fetch_sub(1, Ordering::SeqCst);
                }
            }
        })
        .map_err(|e| format!("cannot start the control thread: {e}"))?;
    Ok(ControlSocket { path })
}

/// The longest request line, newline included.
const MAX_REQUEST_LINE: u64 = 4096;
/// Clients served at once.
const MAX_CLIENTS: usize = 32;

/// Reads one request line and queues it (the answer comes once the
/// snapshot is written), or answers an error at once.
fn serve(poll: &Poll, stream: UnixStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut line = Vec::new();
    let mut reader = BufReader::new(&stream);
    if reader
        .by_ref()
        .take(MAX_REQUEST_LINE)
        .read_until(b'\n', &mut line)
        .is_err()
    {
        return;
    }
    if line.starts_with(b"migrate") {
        drop(reader);
        return start_migration(poll, stream, &line);
    }
    match parse_request_line(&line) {
        Ok(mut r) => {
            drop(reader);
            r.reply = Some(stream);
            poll.request(r);
        }
        Err(e) => {
            let _ = (&stream).write_all(format!("error {e}\n").as_bytes());
            if e == UNTERMINATED {
                // Drain a little of the rest, so the client reads the
                // answer rather than a reset.
                let _ = stream.shutdown(std::net::Shutdown::Write);
                let _ = std::io::copy(&mut reader.take(1 << 16), &mut std::io::sink());
            }
        }
    }
}

/// A migration request: `migrate mode=move|copy files=0|1 to=ADDR
/// token=HEX`. The receiver is connected and the token proven here, on the
/// client's thread, while the program runs; only a proven receiver is
/// queued for the next safepoint. A failure is answered at once.
fn start_migration(poll: &Poll, stream: UnixStream, line: &[u8]) {
    let answer = |mut s: &UnixStream, e: &str| {
        let _ = s.write_all(format!("error {}\n", e.replace('\n', " ")).as_bytes());
    };
    let m = match parse_migrate_line(line) {
        Ok(m) => m,
        Err(e) => return answer(&stream, &e),
    };
    let _ = stream.set_read_timeout(None);
    match crate::migrate::connect(&m.to, &m.token) {
        Ok(conn) => {
            let peer = crate::migrate::Peer {
                conn,
                mode: m.mode,
                with_files: m.with_files,
                addr: m.to,
            };
            let _ = (&stream).write_all(b"connected\n");
            let mut r = Request::new(false);
            r.peer = Some(crate::poll::PeerRequest::Start(Box::new(peer)));
            r.reply = Some(stream);
            poll.request(r);
        }
        Err(e) => answer(&stream, &e),
    }
}

/// A parsed `migrate` request line.
pub struct MigrateLine {
    pub mode: crate::migrate::Mode,
    pub with_files: bool,
    pub to: String,
    pub token: crate::migrate::Token,
}

/// Parses `migrate mode=move|copy files=0|1 to=ADDR token=HEX` (newline
/// included).
pub fn parse_migrate_line(line: &[u8]) -> Result<MigrateLine, String> {
    if !line.ends_with(b"\n") {
        return Err(UNTERMINATED.into());
    }
    let line =
        std::str::from_utf8(line).map_err(|_| "the request is not UTF-8 text".to_string())?;
    let mut words = line.trim_end_matches(['\n', '\r']).split(' ');
    if words.next() != Some("migrate") {
        return Err("not a migrate request".into());
    }
    let (mut mode, mut files, mut to, mut token) = (None, false, None, None);
    for w in words.filter(|w| !w.is_empty()) {
        match w.split_once('=') {
            Some(("mode", "move")) => mode = Some(crate::migrate::Mode::Move),
            Some(("mode", "copy")) => mode = Some(crate::migrate::Mode::Copy),
            Some(("files", "0")) => files = false,
            Some(("files", "1")) => files = true,
            Some(("to", a)) if !a.is_empty() => to = Some(a.to_string()),
            Some(("token", t)) => token = Some(crate::migrate::Token::from_hex(t)?),
            _ => return Err(format!("unknown migrate field '{w}'")),
        }
    }
    Ok(MigrateLine {
        mode: mode.ok_or("the migrate request has no mode")?,
        with_files: files,
        to: to.ok_or("the migrate request has no address")?,
        token: token.ok_or("the migrate request has no token")?,
    })
}

/// The refusal of a request line cut at `MAX_REQUEST_LINE` or by the client.
const UNTERMINATED: &str = "the request line is unterminated or longer than 4096 bytes";

/// The request in `line`, the bytes a client sent up to and including the
/// first newline (at most `MAX_REQUEST_LINE`). A line without its newline
/// is refused, never acted on in part.
pub fn parse_request_line(line: &[u8]) -> Result<Request, String> {
    if !line.ends_with(b"\n") {
        return Err(UNTERMINATED.into());
    }
    let line =
        std::str::from_utf8(line).map_err(|_| "the request is not UTF-8 text".to_string())?;
    parse_request(line.trim_end_matches(['\n', '\r']))
}

/// `snapshot exit=0|1 [path=...]` (the path is the rest of the line).
fn parse_request(line: &str) -> Result<Request, String> {
    let rest = line
        .strip_prefix("snapshot")
        .ok_or_else(|| format!("unknown request '{line}' (expected 'snapshot ...')"))?;
    let mut r = Request::new(false);
    let mut rest = rest.trim_start();
    while !rest.is_empty() {
        if let Some(p) = rest.strip_prefix("path=") {
            if p.is_empty() || !p.starts_with('/') {
                return Err("the snapshot path must be absolute".into());
            }
            r.path = Some(PathBuf::from(p));
            break;
        }
        let (word, tail) = rest.split_once(' ').unwrap_or((rest, ""));
        match word {
            "exit=0" => r.exit = false,
            "exit=1" => r.exit = true,
            _ => return Err(format!("unknown request field '{word}'")),
        }
        rest = tail.trim_start();
    }
    Ok(r)
}

/// Why `request_snapshot` failed; each has its own exit status.
#[derive(Debug)]
pub enum ClientError {
    /// No process has the pid; `stale` is the control socket a killed
    /// pivm with that pid left, now removed.
    NoSuchProcess {
        pid: u32,
        stale: Option<PathBuf>,
    },
    NotPivm {
        pid: u32,
        why: String,
    },
    PermissionDenied {
        pid: u32,
        why: String,
    },
    Failed(String),
    /// A migration whose outcome is unknown: the program is stopped and
    /// kept in its snapshot file.
    Unknown(String),
}

impl ClientError {
    /// The exit status `pivm snapshot` gives.
    pub fn exit_code(&self) -> u8 {
        match self {
            ClientError::NoSuchProcess { .. } => 3,
            ClientError::NotPivm { .. } => 4,
            ClientError::PermissionDenied { .. } => 5,
            ClientError::Failed(_) => 1,
            ClientError::Unknown(_) => 75,
        }
    }
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::NoSuchProcess { pid, stale: None } => {
                write!(f, "no process with pid {pid}")
            }
            ClientError::NoSuchProcess {
                pid,
                stale: Some(sock),
            } => write!(
                f,
                "no process with pid {pid}: the pivm that had it is gone without \
                 removing its control socket (killed?); {} removed",
                sock.display()
            ),
            ClientError::NotPivm { pid, why } => {
                write!(f, "process {pid} is not a running pivm: {why}")
            }
            ClientError::PermissionDenied { pid, why } => {
                write!(f, "permission denied for process {pid}: {why}")
            }
            ClientError::Failed(why) => write!(f, "snapshot failed: {why}"),
            ClientError::Unknown(why) => write!(f, "migration outcome unknown: {why}"),
        }
    }
}

impl std::error::Error for ClientError {}

/// A completed snapshot as the server reported it.
#[derive(Clone, Debug, PartialEq)]
pub struct Reply {
    pub path: PathBuf,
    pub bytes: u64,
    pub ms: f64,
}

/// The request line `pivm snapshot` sends, newline included. A path the
/// line cannot carry exactly is refused: one that is not UTF-8 or holds a
/// newline or NUL, ends with a carriage return (which the server strips),
/// or makes the line longer than the server reads.
pub fn request_line(exit: bool, path: Option<&Path>) -> Result<String, String> {
    let mut line = format!("snapshot exit={}", exit as u8);
    if let Some(p) = path {
        let shown = p.display().to_string().escape_debug().to_string();
        let text = p
            .to_str()
            .filter(|t| !t.contains(['\n', '\0']) && !t.ends_with('\r'))
            .ok_or_else(|| {
                format!("the snapshot path '{shown}' is not UTF-8 or holds a newline, NUL or final carriage return: choose another")
            })?;
        line.push_str(" path=");
        line.push_str(text);
    }
    line.push('\n');
    if line.len() as u64 > MAX_REQUEST_LINE {
        return Err(format!(
            "the snapshot path is too long ({} bytes at most)",
            MAX_REQUEST_LINE as usize - "snapshot exit=0 path=\n".len()
        ));
    }
    Ok(line)
}

/// Connects to the control socket of pivm process `pid`.
fn connect_control(pid: u32) -> Result<UnixStream, ClientError> {
    let ipid = i32::try_from(pid).unwrap_or(0);
    // SAFETY: signal 0 only checks that the process exists.
    if ipid <= 0 || unsafe { libc::kill(ipid, 0) } != 0 {
        let e = std::io::Error::last_os_error();
        if ipid > 0 && e.raw_os_error() == Some(libc::EPERM) {
            return Err(ClientError::PermissionDenied {
                pid,
                why: "it belongs to another user".into(),
            });
        }
        // A pivm killed with this pid may have left its socket.
        let stale = socket_dir(false)
            .ok()
            .map(|dir| socket_path(&dir, pid))
            .filter(|sock| refused(sock) && std::fs::remove_file(sock).is_ok());
        return Err(ClientError::NoSuchProcess { pid, stale });
    }
    let dir = socket_dir(false).map_err(|why| ClientError::NotPivm { pid, why })?;
    let sock = socket_path(&dir, pid);
    if !sock.exists() {
        return Err(ClientError::NotPivm {
            pid,
            why: format!("no control socket at {}", sock.display()),
        });
    }
    UnixStream::connect(&sock).map_err(|e| match e.kind() {
        std::io::ErrorKind::PermissionDenied => ClientError::PermissionDenied {
            pid,
            why: format!("cannot connect to {}: {e}", sock.display()),
        },
        std::io::ErrorKind::ConnectionRefused => ClientError::NotPivm {
            pid,
            why: format!(
                "nothing listens on {}: a pivm that had pid {pid} was killed \
                 without removing it, and the pid is now another process's",
                sock.display()
            ),
        },
        _ => ClientError::NotPivm {
            pid,
            why: format!("cannot connect to {}: {e}", sock.display()),
        },
    })
}

/// Asks pivm process `pid` to migrate (or copy, `mode`) its program to
/// the `pivm serve` at `to`, proving `token`; `progress` sees each line
/// the run reports on the way. Returns the final `ok ...` line's fields.
pub fn request_migration(
    pid: u32,
    to: &str,
    token: &crate::migrate::Token,
    mode: crate::migrate::Mode,
    with_files: bool,
    mut progress: impl FnMut(&str),
) -> Result<String, ClientError> {
    if to.is_empty() || to.contains([' ', '\n', '\r', '\0']) {
        return Err(ClientError::Failed(format!(
            "bad address '{}'",
            to.escape_debug()
        )));
    }
    let line = format!(
        "migrate mode={} files={} to={to} token={}\n",
        match mode {
            crate::migrate::Mode::Move => "move",
            crate::migrate::Mode::Copy => "copy",
        },
        with_files as u8,
        token.hex()
    );
    if line.len() as u64 > MAX_REQUEST_LINE {
        return Err(ClientError::Failed(
            "the address or token is too long".into(),
        ));
    }
    let mut stream = connect_control(pid)?;
    stream
        .write_all(line.as_bytes())
        .map_err(|e| ClientError::Failed(format!("cannot send the request: {e}")))?;
    for answer in BufReader::new(&stream).lines() {
        let answer =
            answer.map_err(|e| ClientError::Failed(format!("cannot read the answer: {e}")))?;
        if let Some(ok) = answer.strip_prefix("ok ") {
            return Ok(ok.to_string());
        }
        if let Some(e) = answer.strip_prefix("error ") {
            return Err(ClientError::Failed(e.to_string()));
        }
        if let Some(e) = answer.strip_prefix("unknown ") {
            return Err(ClientError::Unknown(e.to_string()));
        }
        progress(&answer);
    }
    Err(ClientError::Failed(
        "the process exited before the migration ended".into(),
    ))
}

/// Asks pivm process `pid` for a snapshot at its next safepoint and waits
/// until the file is written.
pub fn request_snapshot(pid: u32, path: Option<&Path>, exit: bool) -> Result<Reply, ClientError> {
    let line = request_line(exit, path).map_err(ClientError::Failed)?;
    let mut stream = connect_control(pid)?;
    stream
        .write_all(line.as_bytes())
        .map_err(|e| ClientError::Failed(format!("cannot send the request: {e}")))?;
    let mut answer = String::new();
    BufReader::new(&stream)
        .read_line(&mut answer)
        .map_err(|e| ClientError::Failed(format!("cannot read the answer: {e}")))?;
    let answer = answer.trim_end();
    if let Some(e) = answer.strip_prefix("error ") {
        return Err(ClientError::Failed(e.to_string()));
    }
    let parse = || -> Option<Reply> {
        let rest = answer.strip_prefix("ok ")?;
        let mut it = rest.rsplitn(3, ' ');
        let ms = it.next()?.parse().ok()?;
        let bytes = it.next()?.parse().ok()?;
        let path = PathBuf::from(it.next()?);
        Some(Reply { path, bytes, ms })
    };
    parse().ok_or_else(|| {
        if answer.is_empty() {
            ClientError::Failed("the process exited before writing the snapshot".into())
        } else {
            ClientError::Failed(format!("unexpected answer '{answer}'"))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("2s"), Some(Duration::from_secs(2)));
        assert_eq!(parse_duration("1m"), Some(Duration::from_secs(60)));
        assert_eq!(parse_duration("0s"), None);
        assert_eq!(parse_duration("5"), None);
        assert_eq!(parse_duration("5x"), None);
    }

    #[test]
    fn requests() {
        let r = parse_request("snapshot exit=1 path=/tmp/a b.msgpack").unwrap();
        assert!(r.exit);
        assert_eq!(r.path.as_deref(), Some(Path::new("/tmp/a b.msgpack")));
        assert!(parse_request("snapshot path=rel").is_err());
        assert!(parse_request("hello").is_err());
        assert!(!parse_request("snapshot").unwrap().exit);
        assert!(parse_request_line(b"snapshot exit=1\n").unwrap().exit);
        assert_eq!(
            parse_request_line(b"snapshot exit=1").err().as_deref(),
            Some(UNTERMINATED)
        );
        assert!(UNTERMINATED.contains(&MAX_REQUEST_LINE.to_string()));
        assert!(parse_request_line(b"snapshot \xff\n").is_err());
    }

    #[test]
    fn migrate_lines() {
        let t = crate::migrate::Token::from_bytes(b"0123456789abcdef").unwrap();
        let line = format!("migrate mode=move files=1 to=h:1 token={}\n", t.hex());
        let m = parse_migrate_line(line.as_bytes()).unwrap();
        assert_eq!(m.mode, crate::migrate::Mode::Move);
        assert!(m.with_files);
        assert_eq!(m.to, "h:1");
        for bad in [
            "migrate mode=move to=h:1\n",
            "migrate to=h:1 token=00\n",
            "migrate mode=jump to=h:1 token=00\n",
            "migrate mode=copy to=h:1 token=3031323334353637383961626364656667",
        ] {
            assert!(parse_migrate_line(bad.as_bytes()).is_err(), "{bad}");
        }
    }

    #[test]
    fn request_lines_carry_their_path_exactly_or_are_refused() {
        use std::ffi::OsStr;
        use std::os::unix::ffi::OsStrExt;
        let line = request_line(true, Some(Path::new("/tmp/a b"))).unwrap();
        let r = parse_request_line(line.as_bytes()).unwrap();
        assert!(r.exit);
        assert_eq!(r.path.as_deref(), Some(Path::new("/tmp/a b")));
        for bad in [&b"/tmp/a\nb"[..], b"/tmp/a\r", b"/tmp/\xff", b"/tmp/a\0"] {
            assert!(request_line(false, Some(Path::new(OsStr::from_bytes(bad)))).is_err());
        }
        let long = format!("/{}", "x".repeat(4096));
        assert!(request_line(false, Some(Path::new(&long))).is_err());
        let longest = format!("/{}", "x".repeat(4096 - "snapshot exit=0 path=/\n".len()));
        assert!(request_line(false, Some(Path::new(&longest))).is_ok());
    }
}
