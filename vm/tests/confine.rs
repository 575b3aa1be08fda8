//! File-system confinement through the `pivm` binary: a program opens only
//! regular files beneath its preopened directories (`--dir`), on both
//! engines and with both resolvers (`openat2`, and the component walk
//! forced by `PIVM_FS_WALK=1`); a refused `fopen` returns NULL and the
//! program goes on; a snapshot naming a file outside the preopens, a FIFO
//! or a file a read-only preopen cannot write is refused at resume with
//! exit status 66, promptly.

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const PIVM: &str = env!("CARGO_BIN_EXE_pivm");
const ENGINES: [&str; 2] = ["jit", "interp"];
/// Both resolvers: openat2 where the host has it, and the walk.
const WALK: [bool; 2] = [false, true];

/// Opens each (path, mode) pair of its arguments and says what happened.
const OPENER_C: &str = r#"#include <stdio.h>
int main(int argc, char **argv) {
    for (int i = 1; i + 1 < argc; i += 2) {
        FILE *f = fopen(argv[i], argv[i + 1]);
        if (!f) { printf("%s %s: refused\n", argv[i], argv[i + 1]); continue; }
        if (argv[i + 1][0] == 'r' && argv[i + 1][1] == 0) {
            char buf[64];
            if (fgets(buf, sizeof buf, f)) printf("%s r: read %s", argv[i], buf);
            else printf("%s r: empty\n", argv[i]);
        } else {
            fprintf(f, "written\n");
            printf("%s %s: written\n", argv[i], argv[i + 1]);
        }
        fclose(f);
    }
    printf("done\n");
    return 0;
}
"#;

/// Keeps a file open across a long loop, then reads it.
const HOLDER_C: &str = r#"#include <stdio.h>
int main(void) {
    FILE *f = fopen("in.txt", "r");
    if (!f) { printf("no file\n"); return 1; }
    long s = 0;
    for (long i = 0; i < 100000; i++) s += i % 7;
    char buf[64];
    if (fgets(buf, sizeof buf, f)) printf("%s", buf);
    printf("%ld\n", s);
    return 0;
}
"#;

/// A scratch tree: `root/box` (the program's directory, holding the
/// programs, files, links and a FIFO), `root/secret.txt` outside it and
/// `root/data` to map.
struct Tree {
    root: PathBuf,
    dir: PathBuf,
}

impl Drop for Tree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn tree(name: &str) -> Tree {
    let root = std::env::temp_dir().join(format!("pivm-confine-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let dir = root.join("box");
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::create_dir_all(root.join("data")).unwrap();
    std::fs::write(root.join("secret.txt"), "secret\n").unwrap();
    std::fs::write(root.join("data/d.txt"), "mapped\n").unwrap();
    std::fs::write(dir.join("in.txt"), "inside\n").unwrap();
    std::fs::write(dir.join("sub/deep.txt"), "deep\n").unwrap();
    std::fs::write(dir.join("opener.c"), OPENER_C).unwrap();
    std::fs::write(dir.join("holder.c"), HOLDER_C).unwrap();
    symlink("../secret.txt", dir.join("up_link")).unwrap();
    symlink("sub/../../secret.txt", dir.join("sub_up_link")).unwrap();
    symlink(root.join("secret.txt"), dir.join("abs_link")).unwrap();
    symlink("sub/deep.txt", dir.join("ok_link")).unwrap();
    symlink("sub", dir.join("sub_link")).unwrap();
    symlink("/proc/self/fd", dir.join("fd_link")).unwrap();
    let fifo =
        std::ffi::CString::new(dir.join("fifo").into_os_string().into_encoded_bytes()).unwrap();
    // SAFETY: a NUL-terminated path; the result is checked.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
    Tree { root, dir }
}

/// Runs pivm in `dir`, killing it after 60 s (a FIFO must never block it).
fn pivm(dir: &Path, args: &[&str], walk: bool) -> Output {
    let mut cmd = Command::new(PIVM);
    cmd.current_dir(dir)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if walk {
        cmd.env("PIVM_FS_WALK", "1");
    } else {
        cmd.env_remove("PIVM_FS_WALK");
    }
    let mut child = cmd.spawn().expect("cannot run pivm");
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("pivm {args:?} did not finish in 60 s (blocked?)");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    child.wait_with_output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Runs the opener with `opts` and `pairs` (path, mode) on both engines
/// and both resolvers; every run must print `want` (one line per pair,
/// then `done`) and exit 0.
fn opens(t: &Tree, opts: &[&str], pairs: &[(&str, &str)], want: &[&str]) {
    for walk in WALK {
        for engine in ENGINES {
            let mut args = vec!["run", "opener.c", "--engine", engine];
            args.extend_from_slice(opts);
            args.push("--");
            for (p, m) in pairs {
                args.extend_from_slice(&[p, m]);
            }
            let o = pivm(&t.dir, &args, walk);
            let mut expect = want.join("\n");
            expect.push_str("\ndone\n");
            assert_eq!(
                text(&o.stdout),
                expect,
                "{args:?} walk={walk}: {}",
                text(&o.stderr)
            );
            assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        }
    }
}

#[test]
fn host_files_outside_the_preopens_are_refused() {
    let t = tree("outside");
    opens(
        &t,
        &[],
        &[
            ("/proc/self/mem", "r+"),
            ("/proc/self/mem", "r"),
            ("/etc/passwd", "r"),
            ("../secret.txt", "r"),
            ("sub/../../secret.txt", "r"),
            ("up_link", "r"),
            ("sub_up_link", "r"),
            ("abs_link", "r"),
            ("abs_link", "w"),
            ("fd_link/0", "r"),
            ("/dev/zero", "r"),
            ("in.txt", "r"),
            ("./sub/../in.txt", "r"),
            ("ok_link", "r"),
            ("sub_link/deep.txt", "r"),
            ("new.txt", "w"),
            ("new.txt", "r"),
            ("sub", "r"),
        ],
        &[
            "/proc/self/mem r+: refused",
            "/proc/self/mem r: refused",
            "/etc/passwd r: refused",
            "../secret.txt r: refused",
            "sub/../../secret.txt r: refused",
            "up_link r: refused",
            "sub_up_link r: refused",
            "abs_link r: refused",
            "abs_link w: refused",
            "fd_link/0 r: refused",
            "/dev/zero r: refused",
            "in.txt r: read inside",
            "./sub/../in.txt r: read inside",
            "ok_link r: read deep",
            "sub_link/deep.txt r: read deep",
            "new.txt w: written",
            "new.txt r: read written",
            "sub r: refused",
        ],
    );
    // Nothing outside was written through the absolute link.
    assert_eq!(
        std::fs::read_to_string(t.root.join("secret.txt")).unwrap(),
        "secret\n"
    );
}

#[test]
fn fifos_never_block_and_are_refused() {
    let t = tree("fifo");
    opens(
        &t,
        &[],
        &[("fifo", "r"), ("fifo", "w"), ("fifo", "a"), ("fifo", "r+")],
        &[
            "fifo r: refused",
            "fifo w: refused",
            "fifo a: refused",
            "fifo r+: refused",
        ],
    );
}

#[test]
fn devices_and_procfs_are_refused_even_when_preopened() {
    let t = tree("dev");
    opens(
        &t,
        &["--dir", "/dev::/dev", "--dir", "/proc::/proc", "--dir", "."],
        &[
            ("/dev/zero", "r"),
            ("/dev/null", "w"),
            ("/proc/self/mem", "r+"),
            ("/proc/self/status", "r"),
            ("in.txt", "r"),
        ],
        &[
            "/dev/zero r: refused",
            "/dev/null w: refused",
            "/proc/self/mem r+: refused",
            "/proc/self/status r: refused",
            "in.txt r: read inside",
        ],
    );
}

#[test]
fn read_only_preopens_refuse_writes() {
    let t = tree("ro");
    opens(
        &t,
        &["--dir", ".::.:ro"],
        &[
            ("in.txt", "w"),
            ("in.txt", "a"),
            ("in.txt", "r+"),
            ("in.txt", "wb+"),
            ("created.txt", "w"),
            ("in.txt", "r"),
        ],
        &[
            "in.txt w: refused",
            "in.txt a: refused",
            "in.txt r+: refused",
            "in.txt wb+: refused",
            "created.txt w: refused",
            "in.txt r: read inside",
        ],
    );
    assert_eq!(
        std::fs::read_to_string(t.dir.join("in.txt")).unwrap(),
        "inside\n",
        "a refused w must not truncate"
    );
    assert!(!t.dir.join("created.txt").exists());
}

#[test]
fn dir_maps_host_directories_to_guest_names() {
    let t = tree("map");
    // Only /data: relative paths have no preopen.
    opens(
        &t,
        &["--dir", "../data::/data:ro"],
        &[
            ("/data/d.txt", "r"),
            ("/data/../data/d.txt", "r"),
            ("/data/../box/in.txt", "r"),
            ("/data/d.txt", "a"),
            ("in.txt", "r"),
            ("../data/d.txt", "r"),
        ],
        &[
            "/data/d.txt r: read mapped",
            "/data/../data/d.txt r: refused",
            "/data/../box/in.txt r: refused",
            "/data/d.txt a: refused",
            "in.txt r: refused",
            "../data/d.txt r: refused",
        ],
    );
    // A relative guest name, next to `.`; the longest name wins.
    opens(
        &t,
        &["--dir", ".", "--dir", "../data::sub"],
        &[("sub/d.txt", "r"), ("sub/deep.txt", "r"), ("in.txt", "r")],
        &[
            "sub/d.txt r: read mapped",
            "sub/deep.txt r: refused",
            "in.txt r: read inside",
        ],
    );
    // No preopen at all.
    opens(
        &t,
        &["--no-default-dir"],
        &[("in.txt", "r"), ("/etc/passwd", "r")],
        &["in.txt r: refused", "/etc/passwd r: refused"],
    );
}

#[test]
fn bad_dir_options_are_refused() {
    let t = tree("badopt");
    let o = pivm(&t.dir, &["run", "opener.c", "--dir", "nonexistent"], false);
    assert_eq!(o.status.code(), Some(66), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("nonexistent"),
        "{}",
        text(&o.stderr)
    );
    let o = pivm(&t.dir, &["run", "opener.c", "--dir", ".::/a/../b"], false);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    let o = pivm(&t.dir, &["run", "opener.c", "--dir", "in.txt"], false);
    assert_eq!(o.status.code(), Some(66), "{}", text(&o.stderr));
}

/// Takes a snapshot of the holder with `in.txt` open; returns its path.
fn held_snapshot(t: &Tree) -> PathBuf {
    let o = pivm(
        &t.dir,
        &[
            "run",
            "holder.c",
            "--snapshot-after",
            "1000",
            "--exit-after-snapshot",
        ],
        false,
    );
    assert_eq!(o.status.code(), Some(85), "{}", text(&o.stderr));
    let p = t.dir.join("holder.msgpack");
    let s = pivm_snapshot::read(&p).unwrap();
    assert_eq!(s.body.io.files.len(), 1);
    assert_eq!(s.body.io.files[0].path, "in.txt");
    p
}

/// Writes a copy of snapshot `good` with its file's path and mode changed
/// (checksums recomputed).
fn crafted(good: &Path, name: &str, path: &str, mode: &str) -> String {
    let mut s = pivm_snapshot::read(good).unwrap();
    s.body.io.files[0].path = path.into();
    s.body.io.files[0].mode = mode.into();
    let p = good.with_file_name(name);
    pivm_snapshot::write_atomic(&p, &s).unwrap();
    p.to_string_lossy().into_owned()
}

#[test]
fn resume_reopens_files_under_its_own_preopens() {
    let t = tree("resume");
    let good = held_snapshot(&t);
    let want = "inside\n299995\n";
    for walk in WALK {
        for engine in ENGINES {
            let o = pivm(
                &t.dir,
                &["resume", "holder.msgpack", "--engine", engine],
                walk,
            );
            assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
            assert_eq!(text(&o.stdout), want);
        }
    }
    // The resuming host's --dir decides what `in.txt` is.
    std::fs::write(t.root.join("data/in.txt"), "elsewhere\n").unwrap();
    let o = pivm(
        &t.dir,
        &["resume", "holder.msgpack", "--dir", "../data::.:ro"],
        false,
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout), "elsewhere\n299995\n");
    let secret = t.root.join("secret.txt");
    let secret = secret.to_str().unwrap();
    let cases = [
        (
            crafted(&good, "passwd.msgpack", "/etc/passwd", "r"),
            &[][..],
            "/etc/passwd",
        ),
        (
            crafted(&good, "secret.msgpack", secret, "r"),
            &[][..],
            "secret.txt",
        ),
        (
            crafted(&good, "up.msgpack", "../secret.txt", "r"),
            &[][..],
            "../secret.txt",
        ),
        (
            crafted(&good, "link.msgpack", "up_link", "w"),
            &[][..],
            "up_link",
        ),
        (
            crafted(&good, "mem.msgpack", "/proc/self/mem", "r+"),
            &[][..],
            "/proc/self/mem",
        ),
        (crafted(&good, "fifo.msgpack", "fifo", "r"), &[][..], "FIFO"),
        (
            crafted(&good, "fifow.msgpack", "fifo", "w"),
            &[][..],
            "fifo",
        ),
        (
            crafted(&good, "zero.msgpack", "/dev/zero", "r"),
            &["--dir", "/dev::/dev"][..],
            "character device",
        ),
        (
            crafted(&good, "ro.msgpack", "in.txt", "a"),
            &["--dir", ".::.:ro"][..],
            "read-only",
        ),
        (
            good.to_string_lossy().into_owned(),
            &["--no-default-dir"][..],
            "in.txt",
        ),
    ];
    for (snap, opts, needle) in &cases {
        for walk in WALK {
            for engine in ENGINES {
                let mut args = vec!["resume", snap.as_str(), "--engine", engine];
                args.extend_from_slice(opts);
                let o = pivm(&t.dir, &args, walk);
                let err = text(&o.stderr);
                assert_eq!(o.status.code(), Some(66), "{args:?} walk={walk}: {err}");
                assert!(err.contains("cannot reopen"), "{args:?}: {err}");
                assert!(err.contains(needle), "{args:?}: {needle} not in {err}");
                assert!(o.stdout.is_empty(), "{args:?}: the program ran");
            }
        }
    }
    assert_eq!(
        std::fs::read_to_string(t.root.join("secret.txt")).unwrap(),
        "secret\n"
    );
}

/// Removes or renames as its arguments say (`rm PATH`, `mv FROM TO`) and
/// prints each result and errno.
const MOVER_C: &str = r#"#include <errno.h>
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        errno = 0;
        if (!strcmp(argv[i], "rm")) {
            int r = remove(argv[i + 1]);
            printf("rm %s: %d %d\n", argv[i + 1], r, errno);
            i++;
        } else {
            int r = rename(argv[i + 1], argv[i + 2]);
            printf("mv %s %s: %d %d\n", argv[i + 1], argv[i + 2], r, errno);
            i += 2;
        }
    }
    return 0;
}
"#;

/// `remove` and `rename` act only beneath writable preopens: `..`, links
/// out of the preopen, absolute paths no preopen holds and read-only
/// preopens are refused (the files outside are untouched), a link is
/// removed itself, never its target, and inside they work; on both
/// engines and both resolvers.
#[test]
fn remove_and_rename_stay_beneath_the_preopens() {
    let t = tree("mover");
    std::fs::write(t.dir.join("mover.c"), MOVER_C).unwrap();
    let secret = t.root.join("secret.txt");
    for walk in WALK {
        for engine in ENGINES {
            std::fs::write(t.dir.join("a.txt"), "a\n").unwrap();
            std::fs::write(t.dir.join("sub/b.txt"), "b\n").unwrap();
            let _ = std::fs::remove_file(t.dir.join("up_link2"));
            symlink("../secret.txt", t.dir.join("up_link2")).unwrap();
            let args = [
                "run",
                "mover.c",
                "--engine",
                engine,
                "--dir",
                ".",
                "--dir",
                "sub::ro:ro",
                "--",
                "rm",
                "../secret.txt",
                "mv",
                "a.txt",
                "../stolen.txt",
                "rm",
                "up_link/../secret.txt",
                "rm",
                "sub_link/../../secret.txt",
                "rm",
                "/etc/passwd",
                "mv",
                "a.txt",
                "sub/moved.txt",
                "rm",
                "sub/moved.txt",
                "rm",
                "ro/deep.txt",
                "mv",
                "ro/deep.txt",
                "x.txt",
                "rm",
                "up_link2",
                "rm",
                "nothing.txt",
                "rm",
                "sub",
                "rm",
                "..",
                "mv",
                "sub/b.txt",
                "ro/x.txt",
            ];
            let o = pivm(&t.dir, &args, walk);
            let want = "rm ../secret.txt: -1 13\n\
                mv a.txt ../stolen.txt: -1 13\n\
                rm up_link/../secret.txt: -1 13\n\
                rm sub_link/../../secret.txt: -1 13\n\
                rm /etc/passwd: -1 2\n\
                mv a.txt sub/moved.txt: 0 0\n\
                rm sub/moved.txt: 0 0\n\
                rm ro/deep.txt: -1 30\n\
                mv ro/deep.txt x.txt: -1 30\n\
                rm up_link2: 0 0\n\
                rm nothing.txt: -1 2\n\
                rm sub: -1 21\n\
                rm ..: -1 21\n\
                mv sub/b.txt ro/x.txt: -1 30\n";
            assert_eq!(
                text(&o.stdout),
                want,
                "{engine} walk={walk}: {}",
                text(&o.stderr)
            );
            assert_eq!(std::fs::read_to_string(&secret).unwrap(), "secret\n");
            assert!(!t.root.join("stolen.txt").exists());
            assert!(t.dir.join("sub/deep.txt").exists());
            assert!(t.dir.join("sub/b.txt").exists());
        }
    }
}
