//! Migration and duplication over the network: the token handshake, the
//! sending side a running pivm drives at its safepoints (`Migration`), and
//! the receiving side of `pivm serve` (`Session`).
//!
//! The stream is `pivm_snapshot::export`'s: snapshot files (a chain: one
//! full member, then deltas) and carried files as frames, received into
//! files and checked exactly as files are. Around it, this protocol:
//!
//! ```text
//! receiver: PIVMNET1 nonce_r                 (32 random bytes)
//! sender:   PIVMNET1 nonce_s mac("sender", nonce_r, nonce_s)
//! receiver: mac("receiver", nonce_s, nonce_r) (or closes: wrong token)
//! sender:   MEMBER m0 ... (pre-copy: the program runs on)
//! receiver: LOADED m0     (its standby resume holds m0 in memory)
//! sender:   MEMBER m1 ... (deltas, while the program runs; each round
//!                          starts once the one before is LOADED)
//!           [FILE ...]    (--with-files, the program stopped)
//!           MEMBER mK ... FINAL mK             (the program stopped)
//! receiver: READY         (the chain is whole and valid) | ERROR why
//! sender:   COMMIT
//! receiver: STARTED       (the program runs there)       | ERROR why
//! ```
//!
//! `mac` is HMAC-SHA256 keyed with the token, so the token never crosses
//! the network and both sides prove they hold it; the receiver checks the
//! sender's MAC (in constant time) before reading anything else, and every
//! read before it has a fixed size. The sender stops the program only for
//! the last member; it exits after STARTED, and if anything fails before
//! COMMIT it goes on as if nothing had been asked. Between COMMIT and
//! STARTED the outcome cannot be known (the receiver may have started the
//! program and died before saying so): the sender then neither continues
//! nor drops the program, it writes it to its snapshot path and exits 75.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hmac::{KeyInit, Mac};
use pivm_snapshot::export::{self, Export, ToStream};
use pivm_snapshot::{FileInfo, Parent, Snapshot};

use crate::dirty::{self, PageHashes, SharedTable};
use crate::poll::{Poll, Request};
use crate::snapshot::{Capture, MemPlan};
use crate::VmError;

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

const MAGIC: &[u8; 8] = b"PIVMNET1";
const NONCE: usize = 32;
const MAC: usize = 32;
/// Protocol frames beside `export`'s (kinds below 16).
pub const FINAL: u8 = 16;
pub const READY: u8 = 17;
pub const ERROR: u8 = 18;
pub const COMMIT: u8 = 19;
pub const STARTED: u8 = 20;
/// The receiver holds member NAME in the memory of the program it will
/// run: the sender starts its next round only then, so the last one
/// leaves the receiver only the last delta to load.
pub const LOADED: u8 = 21;
/// How long the handshake may take.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a write may wait for the receiver to take anything.
const WRITE_TIMEOUT: Duration = Duration::from_secs(60);
/// How long the sender waits for READY and STARTED (validation, then the
/// program's load and compile at the receiver).
const ANSWER_TIMEOUT: Duration = Duration::from_secs(300);

/// A shared secret, from a file only its owner can read.
#[derive(Clone)]
pub struct Token(Vec<u8>);

impl Token {
    /// Reads the token in `path`: a regular file owned by this user that no
    /// one else may read or write, holding at least 16 bytes (surrounding
    /// whitespace is not part of the token).
    pub fn load(path: &Path) -> Result<Token, String> {
        let shown = path.display();
        let md = std::fs::metadata(path).map_err(|e| format!("token file {shown}: {e}"))?;
        // SAFETY: getuid cannot fail.
        let uid = unsafe { libc::getuid() };
        if !md.is_file() {
            return Err(format!("token file {shown} is not a regular file"));
        }
        if md.uid() != uid {
            return Err(format!(
                "token file {shown} is owned by uid {}, not by you (uid {uid})",
                md.uid()
            ));
        }
        if md.mode() & 0o077 != 0 {
            return Err(format!(
                "token file {shown} is accessible to other users (mode {:o}): make it 0600",
                md.mode() & 0o777
            ));
        }
        if md.len() > 4096 {
            return Err(format!("token file {shown} is over 4096 bytes"));
        }
        let bytes = std::fs::read(path).map_err(|e| format!("token file {shown}: {e}"))?;
        Token::from_bytes(bytes.trim_ascii()).map_err(|e| format!("token file {shown}: {e}"))
    }

    pub fn from_bytes(b: &[u8]) -> Result<Token, String> {
        if b.len() < 16 {
            return Err("the token is shorter than 16 bytes".into());
        }
        Ok(Token(b.to_vec()))
    }

    /// The token as hex (to pass it over the private control socket).
    pub fn hex(&self) -> String {
        pivm_snapshot::digest::hex(&self.0)
    }

    pub fn from_hex(h: &str) -> Result<Token, String> {
        if !h.len().is_multiple_of(2) {
            return Err("a token in hex has an even length".into());
        }
        let bytes = (0..h.len() / 2)
            .map(|i| u8::from_str_radix(h.get(2 * i..2 * i + 2).unwrap_or("x"), 16))
            .collect::<Result<Vec<u8>, _>>()
            .map_err(|_| "the token is not hex".to_string())?;
        Token::from_bytes(&bytes)
    }

    fn mac(&self, label: &[u8], a: &[u8], b: &[u8]) -> HmacSha256 {
        let mut m = HmacSha256::new_from_slice(&self.0).expect("HMAC takes any key length");
        m.update(label);
        m.update(a);
        m.update(b);
        m
    }
}

fn nonce() -> Result<[u8; NONCE], String> {
    let mut b = [0u8; NONCE];
    // SAFETY: writes at most NONCE bytes into `b`.
    let n = unsafe { libc::getrandom(b.as_mut_ptr().cast(), b.len(), 0) };
    if n != NONCE as isize {
        return Err(format!(
            "no random bytes for the handshake: {}",
            std::io::Error::last_os_error()
        ));
    }
    Ok(b)
}

fn io_msg(what: &str) -> impl Fn(std::io::Error) -> String + '_ {
    move |e| format!("{what}: {e}")
}

/// The sender's side of the handshake on `conn`.
pub fn client_handshake(conn: &mut TcpStream, token: &Token) -> Result<(), String> {
    conn.set_read_timeout(Some(HANDSHAKE_TIMEOUT))
        .map_err(io_msg("socket"))?;
    let mut hello = [0u8; 8 + NONCE];
    conn.read_exact(&mut hello)
        .map_err(io_msg("the receiver did not greet"))?;
    if &hello[..8] != MAGIC {
        return Err("the receiver is not a pivm serve (bad greeting)".into());
    }
    let theirs = &hello[8..];
    let ours = nonce()?;
    let mut out = Vec::with_capacity(8 + NONCE + MAC);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&ours);
    out.extend_from_slice(&token.mac(b"sender", theirs, &ours).finalize().into_bytes());
    conn.write_all(&out).map_err(io_msg("handshake"))?;
    let mut proof = [0u8; MAC];
    conn.read_exact(&mut proof)
        .map_err(|_| "the receiver refused the token (or closed the connection)".to_string())?;
    token
        .mac(b"receiver", &ours, theirs)
        .verify_slice(&proof)
        .map_err(|_| "the receiver does not hold the token: nothing was sent".to_string())?;
    conn.set_read_timeout(Some(ANSWER_TIMEOUT))
        .map_err(io_msg("socket"))?;
    Ok(())
}

/// The receiver's side of the handshake: the sender must prove it holds
/// the token before anything else is read.
pub fn server_handshake(conn: &mut TcpStream, token: &Token) -> Result<(), String> {
    conn.set_read_timeout(Some(HANDSHAKE_TIMEOUT))
        .map_err(io_msg("socket"))?;
    let ours = nonce()?;
    let mut hello = Vec::with_capacity(8 + NONCE);
    hello.extend_from_slice(MAGIC);
    hello.extend_from_slice(&ours);
    conn.write_all(&hello).map_err(io_msg("handshake"))?;
    let mut answer = [0u8; 8 + NONCE + MAC];
    conn.read_exact(&mut answer).map_err(io_msg("handshake"))?;
    if &answer[..8] != MAGIC {
        return Err("not a pivm sender (bad greeting)".into());
    }
    let theirs = &answer[8..8 + NONCE];
    token
        .mac(b"sender", &ours, theirs)
        .verify_slice(&answer[8 + NONCE..])
        .map_err(|_| "wrong token".to_string())?;
    let proof = token
        .mac(b"receiver", theirs, &ours)
        .finalize()
        .into_bytes();
    conn.write_all(&proof).map_err(io_msg("handshake"))?;
    Ok(())
}

/// Connects to a `pivm serve` at `addr` and proves the token.
pub fn connect(addr: &str, token: &Token) -> Result<TcpStream, String> {
    let addrs: Vec<_> = addr
        .to_socket_addrs()
        .map_err(|e| format!("{addr}: {e}"))?
        .collect();
    let mut last = format!("{addr}: no address");
    for a in addrs {
        match TcpStream::connect_timeout(&a, HANDSHAKE_TIMEOUT) {
            Ok(mut conn) => {
                let _ = conn.set_nodelay(true);
                // A receiver that vanishes without a reset (a host that
                // died, a partition) must not hold a sender, or the
                // stopped program, forever.
                conn.set_write_timeout(Some(WRITE_TIMEOUT))
                    .map_err(io_msg("socket"))?;
                client_handshake(&mut conn, token).map_err(|e| format!("{addr}: {e}"))?;
                return Ok(conn);
            }
            Err(e) => last = format!("cannot connect to {addr}: {e}"),
        }
    }
    Err(last)
}

/// Reads one protocol answer: its kind and text.
pub fn read_answer(conn: &mut TcpStream) -> std::io::Result<(u8, String)> {
    let mut head = [0u8; 9];
    conn.read_exact(&mut head)?;
    let mut len = [0u8; 8];
    len.copy_from_slice(&head[1..]);
    let len = u64::from_le_bytes(len);
    if len > export::MAX_NAME {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("an answer of {len} bytes"),
        ));
    }
    let mut b = vec![0u8; len as usize];
    conn.read_exact(&mut b)?;
    Ok((head[0], String::from_utf8_lossy(&b).into_owned()))
}

/// Migrate (the source exits once the receiver runs the program) or copy
/// (both run on).
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Mode {
    Move,
    Copy,
}

/// A connected, authenticated receiver and what to send it.
#[derive(Debug)]
pub struct Peer {
    pub conn: TcpStream,
    pub mode: Mode,
    pub with_files: bool,
    pub addr: String,
}

/// How the end of a transfer went.
#[derive(Debug)]
pub enum Ending {
    /// The receiver runs the program.
    Started,
    /// Nothing runs there: the reason.
    Refused(String),
    /// COMMIT was sent but STARTED not received: the program may or may not
    /// run there.
    Unknown(String),
}

/// The next answer that is not a LOADED report.
fn read_decision(conn: &mut TcpStream) -> std::io::Result<(u8, String)> {
    loop {
        let a = read_answer(conn)?;
        if a.0 != LOADED {
            return Ok(a);
        }
    }
}

/// Waits until the receiver holds member `name` in memory (LOADED).
pub fn wait_loaded(conn: &mut TcpStream, name: &str) -> Result<(), String> {
    loop {
        match read_answer(conn) {
            Ok((LOADED, n)) if n == name => return Ok(()),
            Ok((LOADED, _)) => {}
            Ok((ERROR, why)) => return Err(format!("the receiver refused it: {why}")),
            Ok((k, _)) => return Err(format!("unexpected answer {k} from the receiver")),
            Err(e) => return Err(format!("no answer from the receiver: {e}")),
        }
    }
}

/// Sends FINAL for member `name` and the commit exchange.
pub fn finish(conn: &mut TcpStream, name: &str) -> Ending {
    let send = |conn: &mut TcpStream, kind, b: &[u8]| {
        export::write_frame(conn, kind, b).and_then(|()| conn.flush())
    };
    if let Err(e) = send(conn, FINAL, name.as_bytes()) {
        return Ending::Refused(format!("cannot send: {e}"));
    }
    match read_decision(conn) {
        Ok((READY, _)) => {}
        Ok((ERROR, why)) => return Ending::Refused(format!("the receiver refused it: {why}")),
        Ok((k, _)) => return Ending::Refused(format!("unexpected answer {k} from the receiver")),
        Err(e) => return Ending::Refused(format!("no answer from the receiver: {e}")),
    }
    if let Err(e) = send(conn, COMMIT, &[]) {
        return Ending::Unknown(format!("cannot send the commit: {e}"));
    }
    match read_decision(conn) {
        Ok((STARTED, _)) => Ending::Started,
        Ok((ERROR, why)) => Ending::Refused(format!("the receiver could not start it: {why}")),
        Ok((k, _)) => Ending::Unknown(format!("unexpected answer {k} after the commit")),
        Err(e) => Ending::Unknown(format!("no answer after the commit: {e}")),
    }
}

/// Pre-copy stops once a delta is this small, or after `MAX_ROUNDS`.
const CONVERGED: u64 = 4 << 20;
const MAX_ROUNDS: u32 = 8;

/// A round of pre-copy written by a forked child while the program runs.
struct Round {
    /// The report: `ok LEN:IDHEX`, or `error WHY`.
    result: Arc<Mutex<Option<String>>>,
    name: String,
    table: SharedTable,
    layout: pivm_snapshot::MemoryLayout,
    len: u64,
}

/// What the run loop does after a migration step.
#[derive(Debug)]
pub enum Step {
    /// Run on (the migration continues, or ended and the program stays).
    Continue,
    /// The receiver runs the program: stop here (status 0).
    Moved,
    /// The outcome is unknown: keep the program here, stopped (exit 75).
    Unknown(String),
}

/// One migration or copy in progress, driven by the run loop at
/// safepoints: a forked child sends each pre-copy round while the program
/// runs, and asks for the next safepoint when it is done (`Request::tick`).
pub struct Migration {
    pub peer: Peer,
    reply: Option<std::os::unix::net::UnixStream>,
    poll: Arc<Poll>,
    seed: u64,
    /// The newest member sent, and its page hashes.
    last: Option<(Parent, PageHashes)>,
    members: u32,
    sent: u64,
    last_len: u64,
    prev_len: u64,
    inflight: Option<Round>,
    started: Instant,
    /// Write tracking of VM memory (`wp`), set up at the first round
    /// (`None` inside: the kernel has none, or the run's own chain holds
    /// it).
    tracker: Option<Option<crate::wp::WriteTracker>>,
    /// The tracker was scanned when the last member was captured, and not
    /// since: what it reports now was written after that member.
    scanned_at_last: bool,
}

/// Builds a capture for a memory plan (the run loop's `body_of`).
pub type CaptureFn<'f, 'a> = dyn Fn(MemPlan) -> Result<Capture<'a>, VmError> + 'f;

impl Migration {
    pub fn new(
        peer: Peer,
        reply: Option<std::os::unix::net::UnixStream>,
        poll: Arc<Poll>,
    ) -> Migration {
        Migration {
            peer,
            reply,
            poll,
            seed: dirty::new_seed(),
            last: None,
            members: 0,
            sent: 0,
            last_len: 0,
            prev_len: u64::MAX,
            inflight: None,
            started: Instant::now(),
            tracker: None,
            scanned_at_last: false,
        }
    }

    /// The pages written since the last scan of the write tracker (set up
    /// on first use), protected again; `None` without tracking.
    fn scan(&mut self, mem: &crate::memory::Memory) -> Option<Vec<(u64, u64)>> {
        crate::wp::scan_tracked(&mut self.tracker, mem)
    }

    /// Tells the client (if one waits) a line.
    fn say(&mut self, line: &str) {
        if let Some(s) = self.reply.as_mut() {
            if s.write_all(format!("{line}\n").as_bytes()).is_err() {
                // The client is gone; the migration goes on without it.
                self.reply = None;
            }
        }
    }

    /// Ends the migration with a failure: the program runs on here.
    fn fail(&mut self, why: &str) -> Option<Step> {
        self.say(&format!(
            "error {}; the program continues here",
            why.replace('\n', " ")
        ));
        crate::eprintln_ok!(
            "pivm: migration to {} failed: {why}; the program continues",
            self.peer.addr
        );
        None
    }

    /// Serves the migration at a safepoint, the program stopped at `at`
    /// with memory of `len` bytes. `None`: the migration is over (the
    /// program runs on); else what the run loop does.
    pub fn step(
        &mut self,
        at: Instant,
        layout: pivm_snapshot::MemoryLayout,
        mem: &crate::memory::Memory,
        files: &dyn Fn() -> Result<Vec<(String, std::fs::File)>, String>,
        capture: &CaptureFn,
    ) -> Option<Step> {
        if let Some(r) = self.inflight.take() {
            let report = r.result.lock().ok().and_then(|mut g| g.take());
            let Some(report) = report else {
                // Not done yet (a tick from elsewhere): wait for it.
                self.inflight = Some(r);
                return Some(Step::Continue);
            };
            match parse_report(&report) {
                Ok(info) => self.sent_member(r.name, info, r.table, r.layout, r.len),
                Err(e) => return self.fail(&e),
            }
            if self.peer.mode == Mode::Copy {
                return self.copied(&report);
            }
        }
        let precopy = self.peer.mode == Mode::Move
            && !(self.members > 0
                && (self.last_len <= CONVERGED
                    || self.members >= MAX_ROUNDS
                    || self.last_len >= self.prev_len));
        // A copy is sent whole by a child (the program runs on), unless
        // files go with it: those are read with the program stopped.
        let forked = precopy || (self.peer.mode == Mode::Copy && !self.peer.with_files);
        let name = format!("m{}", self.members);
        let len = mem.bytes().len() as u64;
        let Some(mut table) = SharedTable::new(dirty::pages(len)) else {
            return self.fail("cannot map a page-hash table");
        };
        // What was written since the last member was captured, when the
        // kernel tracks it: only those pages are hashed again.
        let written = self.scan(mem);
        let scanned = written.is_some();
        let written = written.filter(|_| self.scanned_at_last && self.last.is_some());
        self.scanned_at_last = scanned;
        if forked {
            return self.fork_round(name, table, layout, len, written, capture);
        }
        // The last member: the program stays stopped until the receiver
        // runs it or the migration fails.
        let result = (|| -> Result<FileInfo, String> {
            let plan = self.plan(&mut table, written.as_deref());
            let c = capture(plan).map_err(|e| e.message)?;
            if self.peer.with_files {
                let mut out = ToStream {
                    out: &self.peer.conn,
                };
                for (guest, mut f) in files()? {
                    out.send_file(&guest, &mut f)
                        .map_err(|e| format!("cannot send the file {guest}: {e}"))?;
                }
            }
            let snap = Snapshot::new(c.body);
            let info = ToStream {
                out: &self.peer.conn,
            }
            .export(&name, &snap, &c.sections)
            .map_err(|e| e.to_string())?;
            Ok(info)
        })();
        let info = match result {
            Ok(i) => i,
            Err(e) => return self.fail(&e),
        };
        self.sent += info.len;
        let ending = finish(&mut self.peer.conn, &name);
        let downtime = at.elapsed();
        match ending {
            Ending::Started => {
                let line = format!(
                    "ok {} rounds={} bytes={} downtime_ms={:.3} total_ms={:.3}",
                    if self.peer.mode == Mode::Move {
                        "moved"
                    } else {
                        "copied"
                    },
                    self.members + 1,
                    self.sent,
                    downtime.as_secs_f64() * 1000.0,
                    self.started.elapsed().as_secs_f64() * 1000.0
                );
                self.say(&line);
                (self.peer.mode == Mode::Move).then_some(Step::Moved)
            }
            Ending::Refused(why) => self.fail(&why),
            Ending::Unknown(why) if self.peer.mode == Mode::Copy => {
                self.say(&format!("error {why}: the copy may or may not run there"));
                None
            }
            Ending::Unknown(why) => {
                self.say(&format!("unknown {why}"));
                Some(Step::Unknown(why))
            }
        }
    }

    /// The memory plan of the next member: a delta over the last one sent,
    /// or a full snapshot that starts the chain.
    fn plan<'p>(
        &'p self,
        table: &'p mut SharedTable,
        written: Option<&'p [(u64, u64)]>,
    ) -> MemPlan<'p> {
        match &self.last {
            Some((link, hashes)) => MemPlan::Delta {
                parent: hashes,
                link: link.clone(),
                out: table,
                written,
            },
            None => MemPlan::FullHashed {
                seed: self.seed,
                out: table,
            },
        }
    }

    fn sent_member(
        &mut self,
        name: String,
        info: FileInfo,
        table: SharedTable,
        layout: pivm_snapshot::MemoryLayout,
        len: u64,
    ) {
        self.members += 1;
        self.sent += info.len;
        self.prev_len = if self.members == 1 {
            u64::MAX
        } else {
            self.last_len
        };
        self.last_len = info.len;
        self.last = Some((
            Parent { name, id: info.id },
            PageHashes {
                seed: self.seed,
                layout,
                len,
                hashes: table.to_vec(),
            },
        ));
        self.say(&format!(
            "progress round={} bytes={} sent={}",
            self.members, info.len, self.sent
        ));
    }

    fn copied(&mut self, report: &str) -> Option<Step> {
        let ending = report.lines().nth(1).unwrap_or("");
        if let Some(why) = ending.strip_prefix("refused ") {
            return self.fail(why);
        }
        if let Some(why) = ending.strip_prefix("unknown ") {
            self.say(&format!("error {why}: the copy may or may not run there"));
            return None;
        }
        let line = format!(
            "ok copied rounds=1 bytes={} downtime_ms=0 total_ms={:.3}",
            self.sent,
            self.started.elapsed().as_secs_f64() * 1000.0
        );
        self.say(&line);
        None
    }

    /// Sends the next member from a forked child while the program runs.
    fn fork_round(
        &mut self,
        name: String,
        mut table: SharedTable,
        layout: pivm_snapshot::MemoryLayout,
        len: u64,
        written: Option<Vec<(u64, u64)>>,
        capture: &CaptureFn,
    ) -> Option<Step> {
        let copy = self.peer.mode == Mode::Copy;
        let conn = &self.peer.conn;
        let child_name = name.clone();
        let plan = self.plan(&mut table, written.as_deref());
        let forked = crate::snapshot::fork_child(|| {
            let sent = (|| -> Result<FileInfo, String> {
                let c = capture(plan).map_err(|e| e.message)?;
                let snap = Snapshot::new(c.body);
                ToStream { out: conn }
                    .export(&child_name, &snap, &c.sections)
                    .map_err(|e| e.to_string())
            })();
            match sent {
                Ok(f) if copy => {
                    let mut c = match conn.try_clone() {
                        Ok(c) => c,
                        Err(e) => return format!("error {e}\n"),
                    };
                    let ending = match finish(&mut c, &child_name) {
                        Ending::Started => "started".to_string(),
                        Ending::Refused(w) => format!("refused {}", w.replace('\n', " ")),
                        Ending::Unknown(w) => format!("unknown {}", w.replace('\n', " ")),
                    };
                    format!(
                        "ok {}:{}\n{ending}\n",
                        f.len,
                        pivm_snapshot::digest::hex(&f.id)
                    )
                }
                // The next round starts once the receiver holds this one.
                Ok(f) => match conn
                    .try_clone()
                    .map_err(|e| e.to_string())
                    .and_then(|mut c| wait_loaded(&mut c, &child_name))
                {
                    Ok(()) => format!("ok {}:{}\n", f.len, pivm_snapshot::digest::hex(&f.id)),
                    Err(e) => format!("error {}\n", e.replace('\n', " ")),
                },
                Err(e) => format!("error {}\n", e.replace('\n', " ")),
            }
        });
        let (pid, rd) = match forked {
            Ok(c) => c,
            Err(e) => return self.fail(&format!("cannot fork the sender: {e}")),
        };
        let result = Arc::new(Mutex::new(None));
        let (r2, poll) = (result.clone(), self.poll.clone());
        let reaper = std::thread::Builder::new()
            .name("pivm-migrate".into())
            .spawn(move || {
                let (msg, status) = crate::snapshot::reap_child(pid, rd);
                let msg = if msg.is_empty() {
                    format!("error {}\n", crate::snapshot::writer_death(status))
                } else {
                    msg
                };
                if let Ok(mut g) = r2.lock() {
                    *g = Some(msg);
                }
                poll.request(Request::tick());
            });
        if let Err(e) = reaper {
            return self.fail(&format!("cannot start the migration thread: {e}"));
        }
        self.inflight = Some(Round {
            result,
            name,
            table,
            layout,
            len,
        });
        Some(Step::Continue)
    }
}

/// A child's report: the member's length and id.
fn parse_report(report: &str) -> Result<FileInfo, String> {
    let first = report.lines().next().unwrap_or("");
    if let Some(e) = first.strip_prefix("error ") {
        return Err(e.to_string());
    }
    let info = first
        .strip_prefix("ok ")
        .and_then(crate::snapshot::parse_info);
    info.ok_or_else(|| format!("the sender reported '{first}'"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    /// Runs both sides of the handshake over loopback.
    fn handshake(sender: &Token, receiver: &Token) -> (Result<(), String>, Result<(), String>) {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        let r = receiver.clone();
        let t = std::thread::spawn(move || {
            let (mut c, _) = l.accept().unwrap();
            server_handshake(&mut c, &r)
        });
        let mut c = TcpStream::connect(addr).unwrap();
        let s = client_handshake(&mut c, sender);
        drop(c);
        (s, t.join().unwrap())
    }

    #[test]
    fn both_sides_prove_the_token_or_nothing_goes() {
        let a = Token::from_bytes(b"sixteen bytes at least").unwrap();
        let b = Token::from_bytes(b"sixteen bytes, another").unwrap();
        let (s, r) = handshake(&a, &a);
        assert!(s.is_ok() && r.is_ok(), "{s:?} {r:?}");
        let (s, r) = handshake(&a, &b);
        assert_eq!(r.unwrap_err(), "wrong token");
        assert!(s.unwrap_err().contains("refused the token"));
        assert!(Token::from_bytes(b"short").is_err());
        assert_eq!(Token::from_hex(&a.hex()).unwrap().0, a.0);
        assert!(Token::from_hex("zz").is_err());
    }

    #[test]
    fn token_files_must_be_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("pivm-token-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("token");
        std::fs::write(&p, "  a token of enough bytes \n").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(Token::load(&p).unwrap().0, b"a token of enough bytes");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
        assert!(Token::load(&p)
            .unwrap_err()
            .contains("accessible to other users"));
        assert!(Token::load(&dir).is_err());
        assert!(Token::load(&dir.join("missing")).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
