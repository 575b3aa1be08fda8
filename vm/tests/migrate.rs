//! Migration and duplication over the network (`pivm serve`, `pivm
//! migrate`, `pivm snapshot --to`), on loopback and between two network
//! namespaces: the program's output, split between the source and the
//! receiver, is gcc's; and in every failure (a wrong token, no receiver,
//! the receiver killed mid-transfer, the sender killed mid-transfer, a
//! receiver that does not hold the token) the program finishes exactly
//! once, with gcc's output, and the receiver runs nothing.
//!
//! Transfers are slowed by a proxy in the test where a kill must land in
//! the middle of one. The namespace test needs root (CAP_NET_ADMIN), as
//! here and in CI: without it, it fails with a message.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Output, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const PIVM: &str = env!("CARGO_BIN_EXE_pivm");

/// Fills MB megabytes of heap, says "ready", then works ROUNDS rounds
/// over it, printing every tenth, and a checksum of everything at the end.
const PROG_C: &str = include_str!("../../tests/cross/migrate.c");

fn temp_dir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("migrate-{name}"));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The program in `dir`, and gcc's output for `args`.
fn program(dir: &Path, args: &[&str]) -> (PathBuf, String) {
    let src = dir.join("prog.c");
    std::fs::write(&src, PROG_C).unwrap();
    let exe = dir.join("prog-gcc");
    let cc = Command::new("gcc")
        .args(["-O2", "-o"])
        .arg(&exe)
        .arg(&src)
        .status()
        .expect("gcc is the oracle");
    assert!(cc.success());
    let out = Command::new(&exe).args(args).output().unwrap();
    assert!(out.status.success());
    (src, String::from_utf8(out.stdout).unwrap())
}

fn token(dir: &Path, name: &str, text: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
    p
}

/// A command running pivm, under `prefix` (`ip netns exec NS`) if any.
fn pivm_under(prefix: &[&str]) -> Command {
    match prefix.split_first() {
        Some((cmd, rest)) => {
            let mut c = Command::new(cmd);
            c.args(rest).arg(PIVM);
            c
        }
        None => Command::new(PIVM),
    }
}

/// A `pivm serve --once` and the address it listens on.
struct Server {
    child: Child,
    addr: String,
}

fn serve(dir: &Path, token: &Path, engine: &str, prefix: &[&str], listen: &str) -> Server {
    serve_with(dir, token, engine, prefix, listen, &[])
}

/// `serve` with more options (`extra`).
fn serve_with(
    dir: &Path,
    token: &Path,
    engine: &str,
    prefix: &[&str],
    listen: &str,
    extra: &[&std::ffi::OsStr],
) -> Server {
    let mut c = pivm_under(prefix);
    let mut child = c
        .args([
            "serve",
            "--once",
            "--engine",
            engine,
            "--listen",
            listen,
            "--token-file",
        ])
        .arg(token)
        .args(extra)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    err.read_line(&mut line).unwrap();
    let addr = line
        .trim()
        .strip_prefix("pivm serve: listening on ")
        .unwrap_or_else(|| panic!("serve said: {line}"))
        .to_string();
    // Keep draining stderr so serve never blocks on it.
    std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = err.read_to_string(&mut rest);
        if !rest.is_empty() {
            eprintln!("[serve stderr] {rest}");
        }
    });
    Server { child, addr }
}

impl Server {
    /// Waits for serve's end: its status and stdout.
    fn finish(mut self, within: Duration) -> (Option<i32>, String) {
        let t = Instant::now();
        loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                let mut out = String::new();
                self.child
                    .stdout
                    .take()
                    .unwrap()
                    .read_to_string(&mut out)
                    .unwrap();
                return (s.code(), out);
            }
            if t.elapsed() > within {
                let _ = self.child.kill();
                let _ = self.child.wait();
                let mut out = String::new();
                let _ = self.child.stdout.take().unwrap().read_to_string(&mut out);
                return (None, out);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// A running `pivm run`, past its "ready" line.
struct Source {
    child: Child,
    out: BufReader<ChildStdout>,
    first: String,
}

fn run(dir: &Path, src: &Path, engine: &str, args: &[&str], prefix: &[&str]) -> Source {
    let mut c = pivm_under(prefix);
    let mut child = c
        .args(["run", "--engine", engine])
        .arg(src)
        .arg("--")
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    assert_eq!(first, "ready\n");
    Source { child, out, first }
}

impl Source {
    fn pid(&self) -> u32 {
        self.child.id()
    }
    /// Its whole output and exit status.
    fn finish(mut self) -> (Option<i32>, String) {
        let mut rest = String::new();
        self.out.read_to_string(&mut rest).unwrap();
        let s = self.child.wait().unwrap();
        (s.code(), self.first + &rest)
    }
}

fn pivm(args: &[&str], token: &Path) -> Output {
    Command::new(PIVM)
        .args(args)
        .arg("--token-file")
        .arg(token)
        .output()
        .unwrap()
}

fn migrate(pid: u32, to: &str, token: &Path) -> Output {
    pivm(
        &["migrate", "--stats", "--pid", &pid.to_string(), "--to", to],
        token,
    )
}

/// A pivm command that exited 0 (else its stderr is the message).
fn succeeded(o: &Output) {
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

const TOKEN: &str = "correct horse battery staple 42\n";

/// Moves the program from `from` to a receiver on `to`; the outputs
/// together are gcc's.
fn moves(name: &str, from: &str, to: &str, args: &[&str]) {
    let dir = temp_dir(name);
    let (src, gcc) = program(&dir, args);
    let tok = token(&dir, "token", TOKEN);
    let server = serve(&dir, &tok, to, &[], "127.0.0.1:0");
    let source = run(&dir, &src, from, args, &[]);
    let m = migrate(source.pid(), &server.addr, &tok);
    let said = String::from_utf8_lossy(&m.stderr);
    assert_eq!(m.status.code(), Some(0), "migrate: {said}");
    assert!(said.contains("moved rounds="), "{said}");
    assert!(said.contains("downtime_ms="), "{said}");
    let (code, here) = source.finish();
    assert_eq!(code, Some(0), "the source exits 0 once moved");
    let (code, there) = server.finish(Duration::from_secs(120));
    assert_eq!(
        code,
        Some(0),
        "serve --once exits with the program's status"
    );
    assert!(!there.is_empty(), "the program finished at the receiver");
    assert_eq!(here + &there, gcc, "source + receiver output is gcc's");
}

#[test]
fn a_program_moves_between_engines_and_its_output_is_gccs() {
    moves("jit-jit", "jit", "jit", &["16", "400"]);
    moves("interp-jit", "interp", "jit", &["2", "300"]);
}

#[test]
fn a_copy_runs_at_the_receiver_while_the_source_runs_on() {
    let dir = temp_dir("copy");
    let args = ["8", "400"];
    let (src, gcc) = program(&dir, &args);
    let tok = token(&dir, "token", TOKEN);
    let server = serve(&dir, &tok, "jit", &[], "127.0.0.1:0");
    let source = run(&dir, &src, "jit", &args, &[]);
    let pid = source.pid().to_string();
    let d = pivm(
        &[
            "snapshot",
            "--at-next-safepoint",
            "--pid",
            &pid,
            "--to",
            &server.addr,
        ],
        &tok,
    );
    succeeded(&d);
    let (code, here) = source.finish();
    assert_eq!(code, Some(0));
    assert_eq!(here, gcc, "the source runs on, whole");
    let (code, there) = server.finish(Duration::from_secs(120));
    assert_eq!(code, Some(0));
    assert!(there.ends_with("\n") && there.contains("done "), "{there}");
    assert!(gcc.ends_with(&there), "the copy's output continues gcc's");
}

/// The program is not moved: migrate fails (status 1, `why` said), the
/// source finishes with gcc's output.
fn stays(m: &Output, source: Source, gcc: &str, why: &str) {
    let said = String::from_utf8_lossy(&m.stderr);
    assert_eq!(m.status.code(), Some(1), "migrate: {said}");
    assert!(said.contains(why), "expected '{why}' in: {said}");
    let (code, here) = source.finish();
    assert_eq!(code, Some(0));
    assert_eq!(here, gcc, "the program finished here, once");
}

#[test]
fn a_wrong_token_or_no_receiver_leaves_the_program_running_here() {
    let dir = temp_dir("refused");
    let args = ["4", "300"];
    let (src, gcc) = program(&dir, &args);
    let tok = token(&dir, "token", TOKEN);
    let wrong = token(&dir, "wrong", "not the right token at all\n");
    let server = serve(&dir, &tok, "jit", &[], "127.0.0.1:0");
    let source = run(&dir, &src, "jit", &args, &[]);
    let m = migrate(source.pid(), &server.addr, &wrong);
    stays(&m, source, &gcc, "refused the token");
    // The server ran nothing and still waits (--once ends only after a
    // program).
    let (code, there) = server.finish(Duration::from_millis(500));
    assert_eq!(code, None, "serve still waits after a wrong token");
    assert_eq!(there, "");
    // No receiver at all.
    let free = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = free.local_addr().unwrap().to_string();
    drop(free);
    let source = run(&dir, &src, "jit", &args, &[]);
    let m = migrate(source.pid(), &addr, &tok);
    stays(&m, source, &gcc, "cannot connect");
    // A receiver that does not hold the token is never sent anything.
    let fake = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = fake.local_addr().unwrap().to_string();
    let got = std::thread::spawn(move || {
        let (mut c, _) = fake.accept().unwrap();
        let mut hello = b"PIVMNET1".to_vec();
        hello.extend_from_slice(&[7u8; 32]);
        c.write_all(&hello).unwrap();
        let mut answer = [0u8; 72];
        c.read_exact(&mut answer).unwrap();
        c.write_all(&[0u8; 32]).unwrap();
        let mut rest = Vec::new();
        let _ = c.read_to_end(&mut rest);
        rest.len()
    });
    let source = run(&dir, &src, "jit", &args, &[]);
    let m = migrate(source.pid(), &addr, &tok);
    stays(&m, source, &gcc, "does not hold the token");
    assert_eq!(got.join().unwrap(), 0, "nothing was sent to an impostor");
    // A token file others can read is refused before anything happens.
    use std::os::unix::fs::PermissionsExt;
    let open = token(&dir, "open", TOKEN);
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o644)).unwrap();
    let m = migrate(std::process::id(), &addr, &open);
    assert_ne!(m.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&m.stderr).contains("accessible to other users"));
}

/// A proxy to `to` that forwards at most `rate` bytes per second toward
/// it; counts what it forwarded.
struct Proxy {
    addr: String,
    forwarded: Arc<AtomicU64>,
}

fn proxy(to: &str, rate: u64) -> Proxy {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap().to_string();
    let forwarded = Arc::new(AtomicU64::new(0));
    let (f, to) = (forwarded.clone(), to.to_string());
    std::thread::spawn(move || {
        for c in l.incoming() {
            let Ok(mut inbound) = c else { return };
            let Ok(mut outbound) = TcpStream::connect(&to) else {
                return;
            };
            let (mut in2, mut out2) = (inbound.try_clone().unwrap(), outbound.try_clone().unwrap());
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut out2, &mut in2);
                reset(&in2);
            });
            let f = f.clone();
            std::thread::spawn(move || {
                let mut buf = vec![0u8; 64 << 10];
                loop {
                    let n = match inbound.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    if outbound.write_all(&buf[..n]).is_err() {
                        break;
                    }
                    f.fetch_add(n as u64, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_secs_f64(n as f64 / rate as f64));
                }
                // Like a receiver that died: the sender gets a reset.
                reset(&inbound);
                let _ = outbound.shutdown(std::net::Shutdown::Both);
            });
        }
    });
    Proxy { addr, forwarded }
}

/// Makes the last close of `s` abortive (a reset, as a killed process's
/// socket with unread data gets).
fn reset(s: &TcpStream) {
    use std::os::fd::AsRawFd;
    let l = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: SO_LINGER reads a `struct linger` of the size given.
    unsafe {
        libc::setsockopt(
            s.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&l as *const libc::linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        )
    };
}

/// Waits until the proxy forwarded `bytes`.
fn wait_forwarded(p: &Proxy, bytes: u64) {
    let t = Instant::now();
    while p.forwarded.load(Ordering::SeqCst) < bytes {
        assert!(
            t.elapsed() < Duration::from_secs(60),
            "the transfer never started"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The children of process `pid` (its forked sender).
fn children(pid: u32) -> Vec<i32> {
    let mut out = Vec::new();
    for t in std::fs::read_dir(format!("/proc/{pid}/task"))
        .into_iter()
        .flatten()
        .flatten()
    {
        if let Ok(s) = std::fs::read_to_string(t.path().join("children")) {
            out.extend(s.split_whitespace().filter_map(|p| p.parse::<i32>().ok()));
        }
    }
    out
}

#[test]
fn a_receiver_killed_mid_transfer_leaves_the_program_running_here() {
    let dir = temp_dir("receiver-killed");
    let args = ["16", "2000"];
    let (src, gcc) = program(&dir, &args);
    let tok = token(&dir, "token", TOKEN);
    let mut server = serve(&dir, &tok, "jit", &[], "127.0.0.1:0");
    let slow = proxy(&server.addr, 4 << 20);
    let source = run(&dir, &src, "jit", &args, &[]);
    let pid = source.pid();
    let (addr, t) = (slow.addr.clone(), tok.clone());
    let m = std::thread::spawn(move || migrate(pid, &addr, &t));
    wait_forwarded(&slow, 1 << 20);
    server.child.kill().unwrap();
    let _ = server.child.wait();
    stays(
        &m.join().unwrap(),
        source,
        &gcc,
        "the program continues here",
    );
}

#[test]
fn a_sender_killed_mid_transfer_leaves_the_program_running_here_and_nothing_there() {
    let dir = temp_dir("sender-killed");
    let args = ["16", "2000"];
    let (src, gcc) = program(&dir, &args);
    let tok = token(&dir, "token", TOKEN);
    let server = serve(&dir, &tok, "jit", &[], "127.0.0.1:0");
    let slow = proxy(&server.addr, 4 << 20);
    let source = run(&dir, &src, "jit", &args, &[]);
    let pid = source.pid();
    let (addr, t) = (slow.addr.clone(), tok.clone());
    let m = std::thread::spawn(move || migrate(pid, &addr, &t));
    wait_forwarded(&slow, 1 << 20);
    let senders = children(pid);
    assert!(!senders.is_empty(), "a forked sender is sending");
    for c in senders {
        // SAFETY: signals a child of the source, which the test started.
        unsafe { libc::kill(c, libc::SIGKILL) };
    }
    stays(
        &m.join().unwrap(),
        source,
        &gcc,
        "the program continues here",
    );
    let (code, there) = server.finish(Duration::from_millis(500));
    assert_eq!(code, None, "serve still waits: it ran nothing");
    assert_eq!(there, "");
}

/// Two network namespaces joined by a veth pair, removed on drop.
struct Netns {
    a: String,
    b: String,
}

fn ip(args: &[&str]) {
    let s = Command::new("ip")
        .args(args)
        .status()
        .expect("ip (iproute2)");
    assert!(
        s.success(),
        "ip {args:?} failed (the namespace test needs root)"
    );
}

impl Netns {
    fn new() -> Netns {
        let id = std::process::id() % 100_000;
        let (a, b) = (format!("pivm-a{id}"), format!("pivm-b{id}"));
        let (va, vb) = (format!("pva{id}"), format!("pvb{id}"));
        ip(&["netns", "add", &a]);
        let ns = Netns { a, b };
        ip(&["netns", "add", &ns.b]);
        ip(&[
            "link", "add", &va, "netns", &ns.a, "type", "veth", "peer", "name", &vb, "netns", &ns.b,
        ]);
        ip(&["-n", &ns.a, "addr", "add", "10.251.0.1/24", "dev", &va]);
        ip(&["-n", &ns.b, "addr", "add", "10.251.0.2/24", "dev", &vb]);
        for (n, v) in [(&ns.a, &va), (&ns.b, &vb)] {
            ip(&["-n", n, "link", "set", v, "up"]);
            ip(&["-n", n, "link", "set", "lo", "up"]);
        }
        ns
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        for n in [&self.a, &self.b] {
            let _ = Command::new("ip").args(["netns", "del", n]).status();
        }
    }
}

#[test]
fn a_program_moves_between_network_namespaces() {
    let dir = temp_dir("netns");
    let args = ["16", "400"];
    let (src, gcc) = program(&dir, &args);
    let tok = token(&dir, "token", TOKEN);
    let ns = Netns::new();
    let server = serve(
        &dir,
        &tok,
        "jit",
        &["ip", "netns", "exec", &ns.b],
        "10.251.0.2:0",
    );
    let source = run(&dir, &src, "jit", &args, &["ip", "netns", "exec", &ns.a]);
    // The source's own network is namespace a: it cannot reach b's
    // loopback, only b's veth address.
    let m = migrate(source.pid(), &server.addr, &tok);
    succeeded(&m);
    let (code, here) = source.finish();
    assert_eq!(code, Some(0));
    let (code, there) = server.finish(Duration::from_secs(120));
    assert_eq!(code, Some(0));
    assert_eq!(here + &there, gcc);
    drop(ns);
}

/// Reads `in.txt` line by line, slowly, and writes a line of `out.txt`
/// for each.
const FILES_C: &str = r#"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(void) {
    FILE *in = fopen("in.txt", "r");
    FILE *out = fopen("out.txt", "w");
    if (!in || !out) { printf("cannot open\n"); return 1; }
    printf("ready\n");
    fflush(stdout);
    char line[128];
    unsigned long h = 14695981039346656037UL;
    long n = 0;
    while (fgets(line, sizeof line, in)) {
        for (long i = 0; i < 3000000; i++) h = (h ^ (unsigned long)i) * 1099511628211UL;
        line[strlen(line) - 1] = 0;
        fprintf(out, "%s %lu\n", line, h);
        n++;
    }
    fclose(out);
    fclose(in);
    printf("done %ld %lu\n", n, h);
    return 0;
}
"#;

#[test]
fn open_files_travel_with_the_program() {
    let dir = temp_dir("files");
    let src = dir.join("files.c");
    std::fs::write(&src, FILES_C).unwrap();
    let input: String = (0..60).map(|i| format!("line {i}\n")).collect();
    // gcc's run, in its own directory.
    let gcc_dir = dir.join("gcc");
    std::fs::create_dir_all(&gcc_dir).unwrap();
    std::fs::write(gcc_dir.join("in.txt"), &input).unwrap();
    let exe = dir.join("files-gcc");
    assert!(Command::new("gcc")
        .args(["-O2", "-o"])
        .arg(&exe)
        .arg(&src)
        .status()
        .unwrap()
        .success());
    let gcc = Command::new(&exe).current_dir(&gcc_dir).output().unwrap();
    let want_out = std::fs::read_to_string(gcc_dir.join("out.txt")).unwrap();
    // The source has the files; the receiver runs in an empty directory
    // and keeps what it receives under `kept`.
    let here_dir = dir.join("here");
    let there_dir = dir.join("there");
    std::fs::create_dir_all(&here_dir).unwrap();
    std::fs::create_dir_all(&there_dir).unwrap();
    std::fs::write(here_dir.join("in.txt"), &input).unwrap();
    let tok = token(&dir, "token", TOKEN);
    let kept = dir.join("kept");
    let server = serve_with(
        &there_dir,
        &tok,
        "jit",
        &[],
        "127.0.0.1:0",
        &["--dir".as_ref(), kept.as_os_str()],
    );
    let addr = server.addr.clone();
    let source = run(&here_dir, &src, "jit", &[], &[]);
    let m = pivm(
        &[
            "migrate",
            "--with-files",
            "--pid",
            &source.pid().to_string(),
            "--to",
            &addr,
        ],
        &tok,
    );
    succeeded(&m);
    let (code, here) = source.finish();
    assert_eq!(code, Some(0));
    assert_eq!(server.finish(Duration::from_secs(120)).0, Some(0));
    // With --dir, the program's stdout is a file of its session.
    let session = std::fs::read_dir(&kept)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.join("stdout").exists())
        .expect("a session directory");
    let there = std::fs::read_to_string(session.join("stdout")).unwrap();
    assert_eq!(here + &there, String::from_utf8(gcc.stdout).unwrap());
    let out = std::fs::read_to_string(session.join("files/cwd/out.txt")).unwrap();
    assert_eq!(out, want_out, "the output file continued at the receiver");
    assert!(!there_dir.join("out.txt").exists());
}
