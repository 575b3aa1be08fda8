//! `pivm serve`: the receiving side of migration and duplication
//! (`migrate`'s protocol). Each connection must prove the token first; its
//! members and carried files are received into a session directory and
//! checked like files as they arrive; on FINAL the chain is opened and
//! validated against its program, and only after the sender's COMMIT is
//! the program resumed, as a child `pivm resume` of its own. STARTED is
//! sent once that child has loaded the program and is about to run it
//! (it says so through the pipe named by `PIVM_NOTIFY_FD`).

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pivm_snapshot::export::{self, Frame, Import};

use crate::migrate::{self, Token, COMMIT, ERROR, FINAL, LOADED, READY, STARTED};

/// What `pivm serve` was asked.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    pub listen: String,
    pub token: Token,
    pub once: bool,
    /// `--engine`, passed to each resumed program.
    pub engine: String,
    /// Where each session's directory goes; its program's stdout and
    /// stderr are files there. `None`: a private temporary directory,
    /// removed with each session, and the programs write to serve's own
    /// stdout and stderr.
    pub dir: Option<PathBuf>,
    pub stats: bool,
    pub limits: export::Limits,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(..)")
    }
}

/// The longest a connection may stay silent once authenticated.
const IDLE: Duration = Duration::from_secs(300);
/// Sessions received at once.
const MAX_SESSIONS: usize = 8;

/// Serves until killed, or with `once` until one program ran to its end;
/// returns the exit status (the program's, with `once`).
pub fn serve(opts: ServeOptions) -> Result<u8, String> {
    let listener = TcpListener::bind(&opts.listen)
        .map_err(|e| format!("cannot listen on {}: {e}", opts.listen))?;
    let local = listener
        .local_addr()
        .map_err(|e| format!("cannot listen on {}: {e}", opts.listen))?;
    let base = match &opts.dir {
        Some(d) => {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(d)
                .map_err(|e| format!("--dir {}: {e}", d.display()))?;
            d.clone()
        }
        None => private_temp_dir()?,
    };
    crate::eprintln_ok!("pivm serve: listening on {local}");
    let opts = Arc::new(opts);
    let active = Arc::new(AtomicUsize::new(0));
    let spawn_lock = Arc::new(Mutex::new(()));
    let mut n = 0u64;
    let result = loop {
        let (conn, peer) = match listener.accept() {
            Ok(c) => c,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => break Err(format!("accept: {e}")),
        };
        n += 1;
        let dir = base.join(format!("session-{}-{n}", std::process::id()));
        if opts.once {
            match session(conn, &dir, &opts, &spawn_lock) {
                Ok(child) => break Ok(wait_program(child, &peer.to_string(), &dir, &opts)),
                Err(e) => {
                    crate::eprintln_ok!("pivm serve: {peer}: {e}");
                    cleanup(&dir);
                }
            }
            continue;
        }
        if active.load(Ordering::SeqCst) >= MAX_SESSIONS {
            crate::eprintln_ok!("pivm serve: {peer}: refused, {MAX_SESSIONS} sessions already");
            continue;
        }
        active.fetch_add(1, Ordering::SeqCst);
        let (opts, done, lock) = (opts.clone(), active.clone(), spawn_lock.clone());
        let spawned = std::thread::Builder::new()
            .name("pivm-session".into())
            .spawn(move || {
                match session(conn, &dir, &opts, &lock) {
                    Ok(child) => {
                        wait_program(child, &peer.to_string(), &dir, &opts);
                    }
                    Err(e) => {
                        crate::eprintln_ok!("pivm serve: {peer}: {e}");
                        cleanup(&dir);
                    }
                }
                done.fetch_sub(1, Ordering::SeqCst);
            });
        if spawned.is_err() {
            active.fetch_sub(1, Ordering::SeqCst);
        }
    };
    if opts.dir.is_none() {
        let _ = std::fs::remove_dir_all(&base);
    }
    result
}

/// A fresh directory only this user can enter, under `$TMPDIR`.
fn private_temp_dir() -> Result<PathBuf, String> {
    let tmp = std::env::temp_dir();
    for i in 0..100u32 {
        let d = tmp.join(format!(
            "pivm-serve-{}-{}",
            std::process::id(),
            crate::dirty::new_seed() as u32 ^ i
        ));
        match std::fs::DirBuilder::new().mode(0o700).create(&d) {
            Ok(()) => return Ok(d),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(format!("cannot create {}: {e}", d.display())),
        }
    }
    Err(format!("cannot create a directory in {}", tmp.display()))
}

/// A session that ran nothing leaves nothing.
fn cleanup(dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
}

/// Waits for a session's program; returns its exit status (128 + the
/// signal that killed it).
fn wait_program(mut child: Child, peer: &str, dir: &Path, opts: &ServeOptions) -> u8 {
    let status = loop {
        match child.wait() {
            Ok(s) => break s,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                crate::eprintln_ok!("pivm serve: {peer}: cannot wait for the program: {e}");
                return 70;
            }
        }
    };
    use std::os::unix::process::ExitStatusExt;
    let code = match (status.code(), status.signal()) {
        (Some(c), _) => c as u8,
        (None, Some(s)) => 128u8.wrapping_add(s as u8),
        _ => 70,
    };
    if opts.stats || opts.dir.is_some() {
        crate::eprintln_ok!("pivm serve: {peer}: the program exited with status {code}");
    }
    if opts.dir.is_none() {
        let _ = std::fs::remove_dir_all(dir);
    }
    code
}

/// The writing side of a session's connection, shared by the session and
/// the thread that forwards the standby resume's progress: one frame at a
/// time.
#[derive(Clone)]
struct Writer(Arc<Mutex<TcpStream>>);

impl Writer {
    fn send(&self, kind: u8, text: &str) -> std::io::Result<()> {
        let mut conn = self.0.lock().unwrap_or_else(|e| e.into_inner());
        export::write_frame(&mut *conn, kind, text.as_bytes())?;
        conn.flush()
    }
}

/// Receives one program on `conn` into `dir` and starts it; `Err` when
/// nothing runs (the sender was told why, if it can hear it).
fn session(
    mut conn: TcpStream,
    dir: &Path,
    opts: &ServeOptions,
    spawn_lock: &Mutex<()>,
) -> Result<Child, String> {
    migrate::server_handshake(&mut conn, &opts.token)?;
    conn.set_read_timeout(Some(IDLE))
        .map_err(|e| format!("socket: {e}"))?;
    let _ = conn.set_nodelay(true);
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(dir)
        .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let out = Writer(Arc::new(Mutex::new(
        conn.try_clone().map_err(|e| format!("socket: {e}"))?,
    )));
    let mut standby: Option<Standby> = None;
    let received = receive(&mut conn, dir, opts, spawn_lock, &out, &mut standby);
    let (newest, files) = match received {
        Ok(r) => r,
        Err(e) => {
            let _ = out.send(ERROR, &e);
            if let Some(s) = standby {
                s.kill();
            }
            return Err(e);
        }
    };
    let Some(standby) = standby else {
        return Err("the stream held no member".into());
    };
    let committed = out
        .send(READY, "")
        .map_err(|e| format!("the sender is gone: {e}"))
        .and_then(|()| match migrate::read_answer(&mut conn) {
            Ok((COMMIT, _)) => Ok(()),
            Ok((k, _)) => Err(format!("expected the commit, got frame {k}")),
            Err(e) => Err(format!("the sender did not commit: {e}")),
        });
    if let Err(e) = committed {
        standby.kill();
        return Err(e);
    }
    match standby.go(&newest, dir, &files) {
        Ok(child) => {
            // If the sender cannot hear this, it keeps the program stopped
            // and says the outcome is unknown: it never runs twice.
            let _ = out.send(STARTED, "");
            Ok(child)
        }
        Err(e) => {
            let _ = out.send(ERROR, &e);
            Err(e)
        }
    }
}

/// Reads the stream until FINAL: every member into `dir` (each handed to
/// the standby resume, started at the first), the carried files' guest
/// paths. Returns the newest member's path once its chain is valid.
fn receive(
    conn: &mut TcpStream,
    dir: &Path,
    opts: &ServeOptions,
    spawn_lock: &Mutex<()>,
    out: &Writer,
    standby: &mut Option<Standby>,
) -> Result<(PathBuf, Vec<String>), String> {
    let mut import = Import::new(dir.to_path_buf(), opts.limits);
    let mut files: Vec<String> = Vec::new();
    let mut reader =
        std::io::BufReader::with_capacity(1 << 20, conn.try_clone().map_err(|e| e.to_string())?);
    let t = std::time::Instant::now();
    loop {
        match import.next(&mut reader).map_err(|e| e.to_string())? {
            Frame::Member(path) => {
                if opts.stats {
                    crate::eprintln_ok!(
                        "pivm serve: received {} ({} bytes so far) at {:.3} s",
                        path.display(),
                        import.received(),
                        t.elapsed().as_secs_f64()
                    );
                }
                if standby.is_none() {
                    *standby = Some(Standby::spawn(dir, opts, spawn_lock, out.clone())?);
                }
                if let Some(s) = standby.as_mut() {
                    s.tell(&format!("member {}", path.display()));
                }
            }
            Frame::File { guest, .. } => files.push(guest),
            Frame::Other(FINAL, name) => {
                let name = String::from_utf8_lossy(&name).into_owned();
                check(dir, &name)?;
                return Ok((dir.join(name), files));
            }
            Frame::Other(k, _) => return Err(format!("unexpected frame {k}")),
        }
    }
}

/// Opens and validates the chain whose newest member is `dir/name`, as a
/// resume would (members were checked whole as they arrived).
fn check(dir: &Path, name: &str) -> Result<(), String> {
    if name.contains('/') || name.is_empty() || name.starts_with('.') {
        return Err(format!("bad member name '{}'", name.escape_debug()));
    }
    let chain = pivm_snapshot::Chain::open(&dir.join(name)).map_err(|e| e.to_string())?;
    pivm_snapshot::validate_file(chain.newest(), &pivm_snapshot::Limits::default())
        .map_err(|e| e.to_string())?;
    Ok(())
}

/// A `pivm resume` started in standby at a session's first member: it
/// loads each member as it arrives (`standby`), and runs the program only
/// once told `go`. Killed if the session fails; it has then run nothing.
struct Standby {
    child: Child,
    /// Where it is told what arrived; `None` once it stopped listening.
    feed: Option<std::fs::File>,
    /// "running" once it runs the program (its other lines, "loaded
    /// NAME" as each member is in its memory, go to the sender as LOADED,
    /// which paces the sender's rounds); closed if it ended first.
    running: std::sync::mpsc::Receiver<()>,
}

/// A pipe whose end `inherit` (0: read, 1: write) a child inherits across
/// exec; the other end is close-on-exec. Call with the spawn lock held.
fn pipe_for_child(inherit: usize) -> Result<[OwnedFd; 2], String> {
    let mut fds = [0i32; 2];
    // SAFETY: `fds` has room for the two descriptors pipe2 returns.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(format!("pipe: {}", std::io::Error::last_os_error()));
    }
    // SAFETY: pipe2 returned two fresh descriptors that we own.
    let ends = unsafe { [OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])] };
    // SAFETY: clears close-on-exec on a descriptor we own.
    unsafe { libc::fcntl(ends[inherit].as_raw_fd(), libc::F_SETFD, 0) };
    Ok(ends)
}

impl Standby {
    fn spawn(
        dir: &Path,
        opts: &ServeOptions,
        spawn_lock: &Mutex<()>,
        out: Writer,
    ) -> Result<Standby, String> {
        let mut cmd = resume_command()?;
        cmd.arg("resume")
            .arg(dir.join("standby"))
            .arg("--engine")
            .arg(&opts.engine)
            .arg("--snapshot-path")
            .arg(dir.join("program.msgpack"))
            .stdin(Stdio::null());
        if opts.stats {
            cmd.arg("--stats=nocount");
        }
        if opts.dir.is_some() {
            let out = std::fs::File::create(dir.join("stdout")).map_err(|e| e.to_string())?;
            let err = std::fs::File::create(dir.join("stderr")).map_err(|e| e.to_string())?;
            cmd.stdout(out).stderr(err);
        }
        // The pipes' child ends are inherited (no close-on-exec) only
        // while this lock keeps other sessions from spawning.
        let guard = spawn_lock.lock().unwrap_or_else(|e| e.into_inner());
        let [feed_rd, feed_wr] = pipe_for_child(0)?;
        let [run_rd, run_wr] = pipe_for_child(1)?;
        cmd.env("PIVM_STANDBY_FD", feed_rd.as_raw_fd().to_string())
            .env("PIVM_NOTIFY_FD", run_wr.as_raw_fd().to_string());
        let spawned = cmd.spawn();
        drop((feed_rd, run_wr));
        drop(guard);
        let child = spawned.map_err(|e| format!("cannot start pivm resume: {e}"))?;
        let (tx, running) = std::sync::mpsc::channel();
        let said = std::io::BufReader::new(std::fs::File::from(run_rd));
        std::thread::Builder::new()
            .name("pivm-standby".into())
            .spawn(move || {
                use std::io::BufRead;
                for line in said.lines() {
                    let Ok(line) = line else { break };
                    if let Some(name) = line.strip_prefix("loaded ") {
                        let _ = out.send(LOADED, name);
                    } else if line == "running" {
                        let _ = tx.send(());
                        break;
                    }
                }
            })
            .map_err(|e| format!("cannot start a thread: {e}"))?;
        Ok(Standby {
            child,
            feed: Some(std::fs::File::from(feed_wr)),
            running,
        })
    }

    /// Tells the child a line; a child that stopped listening is found
    /// out at `go`.
    fn tell(&mut self, line: &str) {
        if let Some(f) = self.feed.as_mut() {
            if f.write_all(format!("{line}\n").as_bytes()).is_err() {
                self.feed = None;
            }
        }
    }

    fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Tells the child to resume the chain at `newest`, with the carried
    /// `files` preopened where the program had them, and waits until it
    /// runs the program (or fails to).
    fn go(mut self, newest: &Path, dir: &Path, files: &[String]) -> Result<Child, String> {
        if !files.is_empty() {
            let _ = std::fs::create_dir_all(dir.join("files/cwd"));
            self.tell(&format!("dir {}::.", dir.join("files/cwd").display()));
            let mut roots: Vec<&str> = Vec::new();
            for g in files {
                let first = g
                    .strip_prefix('/')
                    .and_then(|r| r.split('/').find(|c| !c.is_empty() && *c != "."));
                if let Some(first) = first.filter(|f| !roots.contains(f)) {
                    roots.push(first);
                }
            }
            for r in roots {
                let host = dir.join("files/root").join(r);
                self.tell(&format!("dir {}::/{r}", host.display()));
            }
        }
        self.tell(&format!("go {}", newest.display()));
        if self.feed.take().is_none() {
            self.kill();
            return Err("the resuming pivm stopped listening".into());
        }
        if self.running.recv_timeout(Duration::from_secs(300)).is_ok() {
            return Ok(self.child);
        }
        let _ = self.child.kill();
        let status = self.child.wait().map_err(|e| e.to_string())?;
        Err(format!("the program could not be resumed ({status})"))
    }
}

/// The command that runs `pivm`: this executable, or the words of
/// `PIVM_SERVE_EXEC` (for a pivm run by an emulator, as the cross matrix
/// runs them: `qemu-s390x -L /usr/s390x-linux-gnu /path/to/pivm`).
fn resume_command() -> Result<Command, String> {
    if let Some(words) = std::env::var_os("PIVM_SERVE_EXEC") {
        let words = words.to_string_lossy().into_owned();
        let mut it = words.split_whitespace();
        let first = it.next().ok_or("PIVM_SERVE_EXEC is empty")?;
        let mut cmd = Command::new(first);
        cmd.args(it);
        return Ok(cmd);
    }
    let exe = std::env::current_exe().map_err(|e| format!("cannot find pivm: {e}"))?;
    Ok(Command::new(exe))
}

/// What a standby resume was told: the newest member to resume, the
/// memory loaded so far, and the directories to preopen (`--dir` values:
/// the carried files').
pub struct Standing {
    pub path: PathBuf,
    pub preloaded: Option<crate::snapshot::Preloaded>,
    pub dirs: Vec<String>,
}

/// Called by `pivm resume` first: when started in standby by `pivm serve`
/// (`PIVM_STANDBY_FD`), loads each member the receiver names (`member
/// PATH` lines) into VM memory as it arrives, until `go PATH` names the
/// newest member to resume. `None` outside standby; an error if the
/// receiver gave up (then nothing runs).
pub fn standby(config: &crate::Config) -> Option<Result<Standing, String>> {
    use std::io::BufRead;
    let fd = std::env::var_os("PIVM_STANDBY_FD")?;
    std::env::remove_var("PIVM_STANDBY_FD");
    let fd = fd
        .to_str()
        .and_then(|s| s.parse::<i32>().ok())
        .filter(|&fd| fd >= 3);
    // SAFETY: F_GETFD only checks that the descriptor is open.
    let Some(fd) = fd.filter(|&fd| unsafe { libc::fcntl(fd, libc::F_GETFD) } >= 0) else {
        return Some(Err("PIVM_STANDBY_FD is not an open descriptor".into()));
    };
    // SAFETY: the descriptor is open and was given to us alone to read.
    let f = unsafe { std::fs::File::from_raw_fd(fd) };
    let mut pre = crate::snapshot::Preloaded::new(config).ok();
    let mut dirs = Vec::new();
    for line in std::io::BufReader::new(f).lines() {
        let Ok(line) = line else { break };
        if let Some(p) = line.strip_prefix("member ") {
            let added = pre.as_mut().map(|pre| {
                pivm_snapshot::SnapshotFile::open(Path::new(p))
                    .map_err(|e| e.to_string())
                    .and_then(|f| pre.add(&f))
            });
            if let Some(Err(_)) = added {
                // The resume will load the whole chain itself.
                pre = None;
            }
            if let Some(name) = Path::new(p).file_name() {
                notify(&format!("loaded {}", name.to_string_lossy()), false);
            }
        } else if let Some(d) = line.strip_prefix("dir ") {
            dirs.push(d.to_string());
        } else if let Some(p) = line.strip_prefix("go ") {
            return Some(Ok(Standing {
                path: PathBuf::from(p),
                preloaded: pre,
                dirs,
            }));
        }
    }
    Some(Err(
        "the receiver gave up before the program was complete".into()
    ))
}

/// The pipe to a waiting `pivm serve` (`PIVM_NOTIFY_FD`), once taken.
static NOTIFY: Mutex<Option<Option<std::fs::File>>> = Mutex::new(None);

/// Tells a waiting `pivm serve` a line through `PIVM_NOTIFY_FD`, closing
/// the pipe after it if `last`.
fn notify(line: &str, last: bool) {
    let mut g = NOTIFY.lock().unwrap_or_else(|e| e.into_inner());
    let f = g.get_or_insert_with(|| {
        let fd = std::env::var_os("PIVM_NOTIFY_FD")?;
        std::env::remove_var("PIVM_NOTIFY_FD");
        let fd = fd.to_str()?.parse::<i32>().ok().filter(|&fd| fd >= 3)?;
        // SAFETY: F_GETFD only checks that the descriptor is open.
        if unsafe { libc::fcntl(fd, libc::F_GETFD) } < 0 {
            return None;
        }
        // SAFETY: the descriptor is open and was given to this process
        // alone, to write to; nothing else here uses it.
        Some(unsafe { std::fs::File::from_raw_fd(fd) })
    });
    if let Some(file) = f.as_mut() {
        let _ = file.write_all(format!("{line}\n").as_bytes());
    }
    if last {
        *f = None;
    }
}

/// Called by `pivm resume` right before the program runs: tells a waiting
/// `pivm serve` that it runs.
pub fn notify_running() {
    notify("running", true);
}
