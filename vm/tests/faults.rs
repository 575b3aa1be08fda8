//! Fault injection: a snapshot that cannot be written never changes the
//! program. Writes fail with ENOSPC on a small tmpfs that the test fills
//! and frees, with EIO from fsync (a seccomp filter on pivm), and with the
//! forked writer killed half-way; every trigger is tried (control socket,
//! with and without `--exit`, `--snapshot-every`, `--snapshot-after` with
//! `--exit-after-snapshot`, `--snapshot-on USR1` and `TERM`), on both
//! engines, forked and in-process. Each test checks that the program's
//! output is an uninterrupted run's and its exit status its own, that the
//! previous snapshot at the path is never replaced by a partial one, that
//! no temporary file is left, and that a later snapshot resumes to the
//! right output. Also: the control sockets of killed runs are cleaned up.
//!
//! The tmpfs is mounted in a mount namespace private to the test's thread
//! (and to the processes it starts), so nothing outlives the test. That
//! needs CAP_SYS_ADMIN (root, as here and in CI): without it these tests
//! fail with a message, they do not skip.
//!
//! The program under test, `PACED_C`, runs one round per byte it reads
//! from stdin and prints a line after each, so the test decides when it
//! runs: a request is served at the first round after it arrives.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const PIVM: &str = env!("CARGO_BIN_EXE_pivm");

/// One round of work per byte of stdin, a line after each; exits with 3.
const PACED_C: &str = r#"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* usage: paced KB  (KB of non-zero heap, which every snapshot carries) */
int main(int argc, char **argv) {
    long kb = argc > 1 ? atol(argv[1]) : 64;
    long n = kb * 1024;
    long stride = n / 4096;
    unsigned char *buf = malloc(n);
    if (!buf) {
        printf("out of memory\n");
        return 1;
    }
    memset(buf, 90, n);
    unsigned int h = 2166136261u;
    int round = 0;
    while (getchar() != EOF) {
        for (long i = 0; i < n; i += stride) {
            h = (h ^ buf[i]) * 16777619u;
            buf[i] = (unsigned char)h;
        }
        round++;
        printf("round %d %u\n", round, h);
        fflush(stdout);
    }
    free(buf);
    return 3;
}
"#;

/// The exit status of `PACED_C` when it runs to its end.
const PROGRAM_EXIT: i32 = 3;

/// The longest any awaited event may take.
const PATIENCE: Duration = Duration::from_secs(60);

/// A fresh scratch directory holding `paced.c` and a private
/// `XDG_RUNTIME_DIR` (so control sockets of these tests are their own).
fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pivm-faults-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(d.join("xdg")).unwrap();
    std::fs::write(d.join("paced.c"), PACED_C).unwrap();
    d
}

/// `pivm ARGS` in `dir` with its private socket directory.
fn pivm(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(PIVM);
    c.current_dir(dir)
        .args(args)
        .env("XDG_RUNTIME_DIR", dir.join("xdg"))
        .env_remove("PIVM_SNAPSHOT_NOFORK")
        .env_remove("PIVM_SNAPSHOT_FSYNC");
    c
}

/// `pivm run paced.c --engine ENGINE OPTIONS` in `dir`, writing its
/// snapshots in-process if `nofork` (`PIVM_SNAPSHOT_NOFORK`).
fn run_paced(dir: &Path, engine: &str, nofork: bool, options: &[&str]) -> Command {
    let mut c = pivm(dir, &["run", "paced.c", "--engine", engine]);
    c.args(options);
    if nofork {
        c.env("PIVM_SNAPSHOT_NOFORK", "1");
    }
    c
}

/// `pivm snapshot --at-next-safepoint --pid PID -o PATH [--exit]`, its
/// output piped.
fn client(dir: &Path, pid: u32, path: &Path, exit: bool) -> Command {
    let pid = pid.to_string();
    let mut c = pivm(
        dir,
        &["snapshot", "--at-next-safepoint", "--pid", &pid, "-o"],
    );
    c.arg(path).stdout(Stdio::piped()).stderr(Stdio::piped());
    if exit {
        c.arg("--exit");
    }
    c
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Runs `cmd` with `input` as its stdin.
fn run_with_input(mut cmd: Command, input: &[u8]) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot run pivm");
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let feeder = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let o = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    o
}

/// The output of an uninterrupted run of `paced.c KB` fed `rounds` bytes.
fn uninterrupted(dir: &Path, engine: &str, kb: u64, rounds: usize) -> String {
    let kb = kb.to_string();
    let o = run_with_input(
        run_paced(dir, engine, false, &["--", &kb]),
        &vec![b'x'; rounds],
    );
    assert_eq!(o.status.code(), Some(PROGRAM_EXIT), "{}", text(&o.stderr));
    text(&o.stdout)
}

/// Resumes `snap` (of a run of `paced.c` that was to be fed `rounds`
/// bytes in all) on `engine`, feeding what it had not read: its output
/// completes `full`, the uninterrupted run's, and it exits with the
/// program's status. Returns the part of `full` written before the
/// snapshot.
fn resumes_to<'a>(dir: &Path, snap: &Path, engine: &str, rounds: usize, full: &'a str) -> &'a str {
    let s = pivm_snapshot::read(snap)
        .unwrap_or_else(|e| panic!("{} is not a valid snapshot: {e}", snap.display()));
    let written = s.body.io.stdout_written as usize;
    let consumed = s.body.io.stdin_consumed as usize;
    assert!(consumed <= rounds && written <= full.len());
    let o = run_with_input(
        pivm(dir, &["resume", snap.to_str().unwrap(), "--engine", engine]),
        &vec![b'x'; rounds - consumed],
    );
    assert_eq!(o.status.code(), Some(PROGRAM_EXIT), "{}", text(&o.stderr));
    assert_eq!(
        text(&o.stdout),
        full[written..],
        "resume of {} on {engine}",
        snap.display()
    );
    &full[..written]
}

/// The temporary files (`.NAME.PID.N.tmp`) in `dir`.
fn temp_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.') && n.ends_with(".tmp"))
        .collect()
}

/// Waits until `done` holds, at most `PATIENCE`.
fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let t = Instant::now();
    while !done() {
        assert!(t.elapsed() < PATIENCE, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// A run of `paced.c` that the test feeds one byte (one round) at a time.
struct Paced {
    dir: PathBuf,
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    /// Its stdout so far.
    out: String,
    /// Its stderr so far (read by a thread).
    err: Arc<Mutex<String>>,
    /// Bytes fed.
    fed: usize,
    /// Whether its stdout has ended (it exited).
    ended: bool,
}

impl Paced {
    /// Starts `pivm run paced.c ARGS -- KB`.
    fn start(mut cmd: Command, kb: u64) -> Paced {
        let dir = cmd.get_current_dir().unwrap().to_path_buf();
        let mut child = cmd
            .arg("--")
            .arg(kb.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("cannot run pivm");
        let err = Arc::new(Mutex::new(String::new()));
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let sink = err.clone();
        std::thread::spawn(move || {
            let mut line = String::new();
            while stderr.read_line(&mut line).is_ok_and(|n| n > 0) {
                sink.lock().unwrap().push_str(&line);
                line.clear();
            }
        });
        let p = Paced {
            dir,
            stdin: child.stdin.take(),
            stdout: BufReader::new(child.stdout.take().unwrap()),
            child,
            out: String::new(),
            err,
            fed: 0,
            ended: false,
        };
        let sock = p.dir.join("xdg/pivm").join(format!("{}.sock", p.pid()));
        wait_until("the control socket", || sock.exists());
        p
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn stderr(&self) -> String {
        self.err.lock().unwrap().clone()
    }

    /// How many `pivm: snapshot failed:` lines stderr has.
    fn failures(&self) -> usize {
        self.stderr().matches("pivm: snapshot failed: ").count()
    }

    /// Feeds one byte: the program serves any queued request at its next
    /// safepoint, runs a round and prints its line. False once it exited.
    fn step(&mut self) -> bool {
        if self.ended {
            return false;
        }
        let stdin = self.stdin.as_mut().unwrap();
        if stdin.write_all(b"x").and_then(|()| stdin.flush()).is_err() {
            self.ended = true;
            return false;
        }
        self.fed += 1;
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        if line.is_empty() {
            self.ended = true;
            return false;
        }
        assert!(
            line.starts_with("round ") && line.ends_with('\n'),
            "unexpected output line {line:?}"
        );
        self.out.push_str(&line);
        true
    }

    /// Feeds rounds, `pause` apart (so a timer tick comes due between
    /// two), until `done` holds; the program must keep running.
    fn step_until(&mut self, what: &str, pause: Duration, mut done: impl FnMut(&Paced) -> bool) {
        let t = Instant::now();
        while !done(self) {
            assert!(
                self.step(),
                "the program exited while waiting for {what}:\n{}",
                self.stderr()
            );
            assert!(
                t.elapsed() < PATIENCE,
                "timed out waiting for {what}:\n{}",
                self.stderr()
            );
            std::thread::sleep(pause);
        }
    }

    /// `pivm snapshot --at-next-safepoint --pid` of this run to `path`,
    /// feeding rounds until the client has its answer: the client's
    /// output.
    fn request(&mut self, path: &Path, exit: bool) -> Output {
        let mut client = client(&self.dir, self.pid(), path, exit).spawn().unwrap();
        let t = Instant::now();
        while client.try_wait().unwrap().is_none() {
            assert!(t.elapsed() < PATIENCE, "no answer:\n{}", self.stderr());
            self.step();
            std::thread::sleep(Duration::from_millis(5));
        }
        client.wait_with_output().unwrap()
    }

    /// Sends `sig` and feeds rounds until stderr has one more failure
    /// line: the snapshot it asked for failed, and the program went on.
    fn signal_fails(&mut self, sig: i32) {
        let before = self.failures();
        // SAFETY: kill has no memory preconditions; the pid is our child's.
        unsafe { libc::kill(self.pid() as i32, sig) };
        self.step_until("a failed snapshot", Duration::from_millis(5), |p| {
            p.failures() > before
        });
        assert!(self.step(), "the program exited:\n{}", self.stderr());
    }

    /// Closes stdin: the program ends. Its stdout, stderr and status.
    fn finish(mut self) -> (String, String, Option<i32>) {
        drop(self.stdin.take());
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut self.stdout, &mut rest).unwrap();
        self.out.push_str(&rest);
        let status = self.child.wait().unwrap();
        // The stderr thread ends with the pipe.
        let t = Instant::now();
        while Arc::strong_count(&self.err) > 1 && t.elapsed() < PATIENCE {
            std::thread::sleep(Duration::from_millis(2));
        }
        let err = self.stderr();
        (std::mem::take(&mut self.out), err, status.code())
    }
}

impl Drop for Paced {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `f` on a thread of its own in a mount namespace private to it
/// (and to every process it starts), where `mnt` is a fresh tmpfs of
/// `size` bytes: the mount goes away with the test, however it ends.
fn with_tmpfs<T: Send>(mnt: &Path, size: u64, f: impl FnOnce() -> T + Send) -> T {
    std::fs::create_dir_all(mnt).unwrap();
    let need = "the fault-injection tests mount a small tmpfs (to fill it) in a \
                private mount namespace, which needs CAP_SYS_ADMIN: run them as root \
                (as CI does)";
    std::thread::scope(|s| {
        s.spawn(|| {
            let target = std::ffi::CString::new(mnt.as_os_str().as_bytes()).unwrap();
            let opts = std::ffi::CString::new(format!("size={size},mode=0755")).unwrap();
            // SAFETY: unshare has no memory preconditions; with CLONE_NEWNS
            // it gives this thread (only) a copy of the mount namespace.
            if unsafe { libc::unshare(libc::CLONE_NEWNS) } != 0 {
                panic!("{need}: unshare: {}", std::io::Error::last_os_error());
            }
            // SAFETY: valid NUL-terminated strings or null where mount(2)
            // allows it. First no mount of ours propagates to the host's
            // namespace, then the tmpfs.
            unsafe {
                if libc::mount(
                    std::ptr::null(),
                    c"/".as_ptr(),
                    std::ptr::null(),
                    libc::MS_REC | libc::MS_PRIVATE,
                    std::ptr::null(),
                ) != 0
                {
                    panic!(
                        "{need}: mount --make-rprivate /: {}",
                        std::io::Error::last_os_error()
                    );
                }
                if libc::mount(
                    c"tmpfs".as_ptr(),
                    target.as_ptr(),
                    c"tmpfs".as_ptr(),
                    0,
                    opts.as_ptr().cast(),
                ) != 0
                {
                    panic!("{need}: mount tmpfs: {}", std::io::Error::last_os_error());
                }
            }
            f()
        })
        .join()
        .unwrap_or_else(|e| std::panic::resume_unwind(e))
    })
}

/// Fills the file system of `dir` with `dir/filler` until a write fails
/// with ENOSPC.
fn fill(dir: &Path) -> PathBuf {
    let path = dir.join("filler");
    let mut f = std::fs::File::create(&path).unwrap();
    for chunk in [64 << 10, 4096, 1] {
        let buf = vec![1u8; chunk];
        loop {
            match f.write_all(&buf) {
                Ok(()) => {}
                Err(e) if e.raw_os_error() == Some(libc::ENOSPC) => break,
                Err(e) => panic!("filling {}: {e}", dir.display()),
            }
        }
    }
    path
}

/// Every trigger on a full disk, on both engines, with forked and
/// in-process writes: each failed snapshot is reported to its requester
/// and on stderr, leaves the previous snapshot and no temporary file, and
/// changes nothing for the program, even when it was to exit; once space
/// is freed a snapshot to exit succeeds (85) and resumes to the rest of
/// the output.
#[test]
fn a_full_disk_fails_every_trigger_and_the_program_goes_on() {
    let dir = scratch("enospc");
    let mnt = dir.join("mnt");
    with_tmpfs(&mnt, 512 << 10, || {
        for (engine, nofork) in [("jit", false), ("interp", true)] {
            let snap = mnt.join("s.msgpack");
            let _ = std::fs::remove_file(&snap);
            let path = snap.to_str().unwrap();
            let options = [
                "--snapshot-path",
                path,
                "--snapshot-on",
                "USR1",
                "--snapshot-on",
                "TERM",
            ];
            let mut p = Paced::start(run_paced(&dir, engine, nofork, &options), 64);
            let ctx = format!("{engine}, nofork={nofork}");
            for _ in 0..3 {
                p.step();
            }
            let ok = p.request(&snap, false);
            assert!(ok.status.success(), "{ctx}: {}", text(&ok.stderr));
            let good = std::fs::read(&snap).unwrap();
            let filler = fill(&mnt);

            // Control socket, no exit: the client fails (1), clearly.
            let o = p.request(&snap, false);
            assert_eq!(o.status.code(), Some(1), "{ctx}");
            let e = text(&o.stderr);
            assert!(
                e.contains("snapshot failed: cannot write the snapshot to")
                    && e.contains("No space left on device")
                    && e.contains("the program continues"),
                "{ctx}: {e}"
            );
            // Control socket, to exit: it fails, the program does not exit.
            let o = p.request(&snap, true);
            assert_eq!(o.status.code(), Some(1), "{ctx}: {}", text(&o.stderr));
            assert!(text(&o.stderr).contains("the program continues"), "{ctx}");
            assert!(
                p.step(),
                "{ctx}: exited after a failed --exit:\n{}",
                p.stderr()
            );
            // A path that cannot exist.
            let o = p.request(Path::new("/nonexistent/dir/x.msgpack"), false);
            assert_eq!(o.status.code(), Some(1), "{ctx}");
            assert!(text(&o.stderr).contains("No such file"), "{ctx}");
            // Signals: USR1 continues, TERM snapshots and exits.
            p.signal_fails(libc::SIGUSR1);
            p.signal_fails(libc::SIGTERM);
            // --snapshot-after with --exit-after-snapshot, in a second run.
            let after = mnt.join("after.msgpack");
            let options = [
                "--snapshot-after",
                "3000",
                "--exit-after-snapshot",
                "--snapshot-path",
                after.to_str().unwrap(),
                "--",
                "64",
            ];
            let o = run_with_input(run_paced(&dir, engine, false, &options), &[b'x'; 8]);
            assert_eq!(
                o.status.code(),
                Some(PROGRAM_EXIT),
                "{ctx}: {}",
                text(&o.stderr)
            );
            assert_eq!(text(&o.stdout), uninterrupted(&dir, engine, 64, 8), "{ctx}");
            let e = text(&o.stderr);
            assert!(
                e.contains("pivm: snapshot failed: ") && e.contains("; the program continues"),
                "{ctx}: {e}"
            );
            assert!(!after.exists(), "{ctx}");

            let err = p.stderr();
            assert_eq!(p.failures(), 5, "{ctx}: {err}");
            assert_eq!(
                err.matches("(os error 28); the program continues\n")
                    .count(),
                4,
                "{ctx}: {err}"
            );
            assert_eq!(std::fs::read(&snap).unwrap(), good, "{ctx}: replaced");
            assert_eq!(temp_files(&mnt), Vec::<String>::new(), "{ctx}");

            // Space again: a snapshot to exit is written, and it exits.
            std::fs::remove_file(&filler).unwrap();
            let o = p.request(&snap, true);
            assert!(o.status.success(), "{ctx}: {}", text(&o.stderr));
            let (out, err, status) = p.finish();
            assert_eq!(status, Some(85), "{ctx}: {err}");
            assert_eq!(temp_files(&mnt), Vec::<String>::new(), "{ctx}");
            // Its stdout up to the snapshot, then the resume's, is the
            // uninterrupted output.
            let rounds = out.lines().count() + 5;
            let full = uninterrupted(&dir, engine, 64, rounds);
            assert_eq!(resumes_to(&dir, &snap, engine, rounds, &full), out, "{ctx}");
            std::fs::remove_file(&snap).unwrap();
        }
    });
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--snapshot-every` while the disk fills and is freed: the first tick
/// is written, the ticks on a full disk fail (the file stays the first
/// tick's), the first tick after space is freed is written, and the
/// program ends with the uninterrupted output and its own status; the
/// last snapshot resumes to the rest of it.
#[test]
fn snapshot_every_on_a_disk_that_fills_then_frees() {
    let dir = scratch("every");
    let mnt = dir.join("mnt");
    with_tmpfs(&mnt, 512 << 10, || {
        for (engine, nofork) in [("jit", false), ("interp", false), ("jit", true)] {
            let ctx = format!("{engine}, nofork={nofork}");
            let snap = mnt.join("tick.msgpack");
            let _ = std::fs::remove_file(&snap);
            let options = [
                "--snapshot-every",
                "20ms",
                "--snapshot-path",
                snap.to_str().unwrap(),
            ];
            let mut p = Paced::start(run_paced(&dir, engine, nofork, &options), 64);
            let tick = Duration::from_millis(25);
            p.step_until("the first tick", tick, |_| snap.exists());
            let good = std::fs::read(&snap).unwrap();
            let filler = fill(&mnt);
            p.step_until("two failed ticks", tick, |p| p.failures() >= 2);
            assert!(
                p.stderr()
                    .contains("No space left on device (os error 28); the program continues"),
                "{ctx}: {}",
                p.stderr()
            );
            assert_eq!(std::fs::read(&snap).unwrap(), good, "{ctx}: replaced");
            assert_eq!(temp_files(&mnt), Vec::<String>::new(), "{ctx}");
            std::fs::remove_file(&filler).unwrap();
            p.step_until("a tick after the disk was freed", tick, |_| {
                std::fs::read(&snap).is_ok_and(|b| b != good)
            });
            for _ in 0..3 {
                p.step();
            }
            let rounds = p.fed;
            let (out, err, status) = p.finish();
            assert_eq!(status, Some(PROGRAM_EXIT), "{ctx}: {err}");
            let full = uninterrupted(&dir, engine, 64, rounds);
            assert_eq!(out, full, "{ctx}");
            assert_eq!(temp_files(&mnt), Vec::<String>::new(), "{ctx}");
            resumes_to(&dir, &snap, engine, rounds, &full);
            let other = if engine == "jit" { "interp" } else { "jit" };
            resumes_to(&dir, &snap, other, rounds, &full);
        }
    });
    let _ = std::fs::remove_dir_all(&dir);
}

/// Makes `fsync` and `fdatasync` fail with EIO in the process `cmd`
/// starts (and in its forked writers), as on a disk that fails to flush:
/// a seccomp filter installed between fork and exec.
fn fsync_fails_with_eio(cmd: &mut Command) {
    use std::os::unix::process::CommandExt;
    const fn stmt(code: u32, k: u32) -> libc::sock_filter {
        libc::sock_filter {
            code: code as u16,
            jt: 0,
            jf: 0,
            k,
        }
    }
    const fn jeq(k: u32, jt: u8) -> libc::sock_filter {
        libc::sock_filter {
            code: (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16,
            jt,
            jf: 0,
            k,
        }
    }
    // The architecture is not checked: the filter is for this test's
    // pivm, which makes no system call of another ABI.
    static FILTER: [libc::sock_filter; 5] = [
        stmt(libc::BPF_LD | libc::BPF_W | libc::BPF_ABS, 0), // seccomp_data.nr
        jeq(libc::SYS_fsync as u32, 2),
        jeq(libc::SYS_fdatasync as u32, 1),
        stmt(libc::BPF_RET | libc::BPF_K, libc::SECCOMP_RET_ALLOW),
        stmt(
            libc::BPF_RET | libc::BPF_K,
            libc::SECCOMP_RET_ERRNO | libc::EIO as u32,
        ),
    ];
    // SAFETY: the closure only calls prctl, which is async-signal-safe,
    // on data that lives forever.
    unsafe {
        cmd.pre_exec(|| {
            let prog = libc::sock_fprog {
                len: FILTER.len() as u16,
                filter: FILTER.as_ptr().cast_mut(),
            };
            if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0
                || libc::prctl(
                    libc::PR_SET_SECCOMP,
                    libc::SECCOMP_MODE_FILTER,
                    &prog as *const libc::sock_fprog,
                ) != 0
            {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        })
    };
}

/// EIO at fsync on every snapshot, forked and in-process, by the timer
/// and the control socket: each fails with the error, the previous
/// snapshot is kept and resumes, and the program runs to its end.
#[test]
fn eio_at_fsync_fails_snapshots_and_the_program_goes_on() {
    let dir = scratch("eio");
    let snap = dir.join("s.msgpack");
    let options = [
        "--snapshot-after",
        "3000",
        "--exit-after-snapshot",
        "--",
        "64",
    ];
    let o = run_with_input(run_paced(&dir, "jit", false, &options), &[b'x'; 8]);
    assert_eq!(o.status.code(), Some(85), "{}", text(&o.stderr));
    let good = std::fs::read(dir.join("paced.msgpack")).unwrap();
    std::fs::rename(dir.join("paced.msgpack"), &snap).unwrap();
    for (engine, nofork) in [("jit", false), ("interp", true)] {
        let ctx = format!("{engine}, nofork={nofork}");
        let options = [
            "--snapshot-every",
            "20ms",
            "--snapshot-path",
            snap.to_str().unwrap(),
        ];
        let mut cmd = run_paced(&dir, engine, nofork, &options);
        fsync_fails_with_eio(&mut cmd);
        let mut p = Paced::start(cmd, 64);
        p.step_until("two failed ticks", Duration::from_millis(25), |p| {
            p.failures() >= 2
        });
        let o = p.request(&snap, true);
        assert_eq!(o.status.code(), Some(1), "{ctx}");
        let e = text(&o.stderr);
        assert!(
            e.contains("Input/output error") && e.contains("the program continues"),
            "{ctx}: {e}"
        );
        let rounds = p.fed + 2;
        for _ in 0..2 {
            assert!(p.step(), "{ctx}: {}", p.stderr());
        }
        let (out, err, status) = p.finish();
        assert_eq!(status, Some(PROGRAM_EXIT), "{ctx}: {err}");
        assert!(
            err.lines()
                .filter(|l| l.starts_with("pivm: snapshot failed: "))
                .all(|l| l.contains("Input/output error (os error 5); the program continues")),
            "{ctx}: {err}"
        );
        assert_eq!(out, uninterrupted(&dir, engine, 64, rounds), "{ctx}");
        assert_eq!(std::fs::read(&snap).unwrap(), good, "{ctx}: replaced");
        assert_eq!(temp_files(&dir), Vec::<String>::new(), "{ctx}");
    }
    let full = uninterrupted(&dir, "jit", 64, 8);
    resumes_to(&dir, &snap, "interp", 8, &full);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The state letter and parent pid of process `pid` (`/proc/PID/stat`).
fn proc_state(pid: u32) -> Option<(char, u32)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let mut rest = stat[stat.rfind(')')? + 1..].split_whitespace();
    let state = rest.next()?.chars().next()?;
    let ppid = rest.next()?.parse().ok()?;
    Some((state, ppid))
}

/// The live children of process `parent`.
fn children(parent: u32) -> Vec<u32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| proc_state(pid).is_some_and(|(s, ppid)| ppid == parent && s != 'Z'))
        .collect()
}

/// Stops process `pid` and waits until it is stopped (false if it ended).
fn stop(pid: u32) -> bool {
    // SAFETY: kill has no memory preconditions.
    unsafe { libc::kill(pid as i32, libc::SIGSTOP) };
    let t = Instant::now();
    loop {
        match proc_state(pid) {
            Some(('T' | 't', _)) => return true,
            None | Some(('Z' | 'X', _)) => return false,
            _ if t.elapsed() > PATIENCE => panic!("process {pid} does not stop"),
            _ => std::thread::sleep(Duration::from_micros(200)),
        }
    }
}

/// The forked writer killed while its temporary file is half-written
/// (caught stopped with the temporary file there and the target not yet
/// replaced): the requester and stderr say it was killed, the reaper
/// removes the temporary file, the previous snapshot stays and resumes,
/// and the program runs to its end.
#[test]
fn a_writer_killed_mid_write_changes_nothing() {
    let dir = scratch("killed");
    let mnt = dir.join("mnt");
    // 32 MiB of heap: a write long enough to catch.
    let kb = 32 << 10;
    with_tmpfs(&mnt, 160 << 20, || {
        for engine in ["jit", "interp"] {
            let snap = mnt.join("s.msgpack");
            let _ = std::fs::remove_file(&snap);
            let mut p = Paced::start(run_paced(&dir, engine, false, &[]), kb);
            p.step();
            let ok = p.request(&snap, false);
            assert!(ok.status.success(), "{engine}: {}", text(&ok.stderr));
            let mut good = std::fs::read(&snap).unwrap();
            let mut caught = None;
            for _attempt in 0..20 {
                let mut client = client(&dir, p.pid(), &snap, false).spawn().unwrap();
                // Feed rounds until the writer is forked, then stop it
                // and look: its temporary file there and the target not
                // yet replaced is mid-write; else let it go on a little.
                let t = Instant::now();
                let killed = loop {
                    assert!(t.elapsed() < PATIENCE, "{engine}: no writer");
                    if client.try_wait().unwrap().is_some() {
                        break false;
                    }
                    let Some(writer) = children(p.pid()).first().copied() else {
                        p.step();
                        continue;
                    };
                    if !stop(writer) {
                        continue;
                    }
                    if !temp_files(&mnt).is_empty() && std::fs::read(&snap).is_ok_and(|b| b == good)
                    {
                        // SAFETY: kill has no memory preconditions; the
                        // writer is a child of our child, stopped.
                        unsafe { libc::kill(writer as i32, libc::SIGKILL) };
                        break true;
                    }
                    // SAFETY: as above.
                    unsafe { libc::kill(writer as i32, libc::SIGCONT) };
                    std::thread::sleep(Duration::from_micros(300));
                };
                let o = client.wait_with_output().unwrap();
                if killed {
                    caught = Some(o);
                    break;
                }
                // The writer finished first: that snapshot is the good one.
                assert!(o.status.success(), "{engine}: {}", text(&o.stderr));
                good = std::fs::read(&snap).unwrap();
            }
            let o = caught.unwrap_or_else(|| panic!("{engine}: never caught a writer mid-write"));
            assert_eq!(o.status.code(), Some(1), "{engine}");
            let e = text(&o.stderr);
            assert!(
                e.contains("the snapshot writer was killed by signal 9; the program continues"),
                "{engine}: {e}"
            );
            assert_eq!(temp_files(&mnt), Vec::<String>::new(), "{engine}");
            assert_eq!(std::fs::read(&snap).unwrap(), good, "{engine}: replaced");
            for _ in 0..3 {
                assert!(p.step(), "{engine}: {}", p.stderr());
            }
            let rounds = p.fed;
            let (out, err, status) = p.finish();
            assert_eq!(status, Some(PROGRAM_EXIT), "{engine}: {err}");
            assert!(
                err.contains("pivm: snapshot failed: ")
                    && err.contains("killed by signal 9; the program continues"),
                "{engine}: {err}"
            );
            let full = uninterrupted(&dir, engine, kb, rounds);
            assert_eq!(out, full, "{engine}");
            resumes_to(&dir, &snap, engine, rounds, &full);
        }
    });
    let _ = std::fs::remove_dir_all(&dir);
}

/// Sockets left by runs killed with `kill -9`: `pivm snapshot --pid` of
/// a dead pid says so (exit 3) and removes its socket; the next run
/// removes the others when it starts; a live run's socket, one that
/// something listens on and one whose pid is alive are kept; a socket
/// whose pid is another process's is "not a running pivm" (exit 4).
#[test]
fn sockets_of_killed_runs_are_removed() {
    let dir = scratch("stale");
    let socks = dir.join("xdg/pivm");
    let sock = |pid: u32| socks.join(format!("{pid}.sock"));
    let start = || Paced::start(run_paced(&dir, "interp", false, &[]), 4);
    let mut live = start();
    let (mut a, mut b) = (start(), start());
    let (pa, pb) = (a.pid(), b.pid());
    for p in [&mut a, &mut b] {
        p.child.kill().unwrap();
        p.child.wait().unwrap();
    }
    assert!(sock(pa).exists() && sock(pb).exists());

    let out = dir.join("none.msgpack");
    let o = client(&dir, pa, &out, false).output().unwrap();
    assert_eq!(o.status.code(), Some(3), "{}", text(&o.stderr));
    let e = text(&o.stderr);
    assert!(
        e.contains(&format!("no process with pid {pa}")) && e.contains("removed"),
        "{e}"
    );
    assert!(!sock(pa).exists());
    assert!(sock(pb).exists());

    // A socket someone listens on under a dead pid (a pivm of another pid
    // namespace) and a dead socket under a live pid (a reused pid).
    let mut gone = Command::new("true").spawn().unwrap();
    let dead = gone.id();
    gone.wait().unwrap();
    let _listening = std::os::unix::net::UnixListener::bind(sock(dead)).unwrap();
    let mut sleeper = Command::new("sleep").arg("60").spawn().unwrap();
    let reused = sleeper.id();
    drop(std::os::unix::net::UnixListener::bind(sock(reused)).unwrap());

    // The next run removes the stale socket when it starts, and only it.
    let o = run_with_input(run_paced(&dir, "interp", false, &["--", "4"]), b"xx");
    assert_eq!(o.status.code(), Some(PROGRAM_EXIT), "{}", text(&o.stderr));
    assert!(
        !sock(pb).exists(),
        "the stale socket of {pb} is still there"
    );
    assert!(sock(live.pid()).exists() && sock(dead).exists() && sock(reused).exists());
    let o = live.request(&dir.join("live.msgpack"), false);
    assert!(o.status.success(), "{}", text(&o.stderr));

    let o = client(&dir, reused, &out, false).output().unwrap();
    let _ = sleeper.kill();
    let _ = sleeper.wait();
    let e = text(&o.stderr);
    assert!(
        o.status.code() == Some(4) && e.contains("nothing listens on"),
        "{e}"
    );
    let (_, err, status) = live.finish();
    assert_eq!(status, Some(PROGRAM_EXIT), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
