//! The JIT's limits on hostile or merely large programs, through the
//! `pivm` binary: a module of hundreds of functions (far more code than
//! one mapping) links and runs with and without address-space
//! randomization; deep recursion with large frames and a huge
//! `--max-depth` end in the VM's stack-overflow trap on both engines, with
//! the same message and status, never in a host crash or unbounded growth;
//! a snapshot's call-depth limit cannot lift the resuming host's.

use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const PIVM: &str = env!("CARGO_BIN_EXE_pivm");

/// A fresh scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pivm-limits-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn pivm_cmd(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(PIVM);
    c.current_dir(dir)
        .args(args)
        .env_remove("PIVM_SNAPSHOT_NOFORK");
    c
}

fn pivm(dir: &Path, args: &[&str]) -> Output {
    pivm_cmd(dir, args).output().expect("cannot run pivm")
}

/// Runs pivm with address-space randomization off (as `setarch -R`), so
/// mappings land at the same, adjacent addresses on every run.
fn pivm_no_aslr(dir: &Path, args: &[&str]) -> Output {
    let mut c = pivm_cmd(dir, args);
    // SAFETY: personality(2) is async-signal-safe and touches no memory.
    unsafe {
        c.pre_exec(|| {
            let cur = libc::personality(0xffff_ffff);
            if cur == -1
                || libc::personality((cur | libc::ADDR_NO_RANDOMIZE) as libc::c_ulong) == -1
            {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    c.output().expect("cannot run pivm")
}

/// A C program of `n` functions with some arithmetic each, every one
/// calling the previous one and the first.
fn many_functions(n: usize) -> String {
    let mut s = String::from("#include <stdio.h>\n\n");
    for i in 0..n {
        s += &format!("unsigned f{i}(unsigned x);\n");
    }
    for i in 0..n {
        s += &format!(
            "unsigned f{i}(unsigned x) {{\n    unsigned a = x * {}u + {i}u, b = x ^ {}u, c = 0;\n",
            2 * i + 1,
            31 * i
        );
        for k in 0..12 {
            s += &format!(
                "    if (a % {}u == {}u) c += a * {}u; else c ^= b + {k}u;\n",
                k + 3,
                k % 3,
                k + 7
            );
            s += &format!(
                "    a = (a << {}) ^ (b >> {}); b = b * {}u + c;\n",
                k % 5 + 1,
                k % 3 + 1,
                2 * k + 3
            );
        }
        if i > 0 {
            s += &format!("    c += f{}(a ^ b);\n    c ^= f0(c);\n", i - 1);
        }
        s += "    return a + b + c;\n}\n";
    }
    s += &format!(
        "int main(void) {{\n    printf(\"%u\\n\", f{}(12345u));\n    return 0;\n}}\n",
        n - 1
    );
    s
}

#[test]
fn a_large_module_links_in_range_with_and_without_aslr() {
    let dir = scratch("large");
    std::fs::write(dir.join("big.c"), many_functions(300)).unwrap();
    // As .pir: no compiler thread runs first, whose freed stack would
    // leave a hole for the code to land in next to the VM memory.
    let o = pivm(&dir, &["compile", "big.c", "-o", "big.pir"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let want = pivm(&dir, &["run", "--engine", "interp", "big.pir"]);
    assert_eq!(want.status.code(), Some(0), "{}", text(&want.stderr));
    assert!(!want.stdout.is_empty());

    // The code really is large: > 100 KB (from the perf symbol map).
    let child = pivm_cmd(
        &dir,
        &["run", "--engine", "jit", "--profile=perfmap", "big.pir"],
    )
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::piped())
    .spawn()
    .unwrap();
    let map = PathBuf::from(format!("/tmp/perf-{}.map", child.id()));
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let code: usize = std::fs::read_to_string(&map)
        .unwrap()
        .lines()
        .map(|l| usize::from_str_radix(l.split(' ').nth(1).unwrap(), 16).unwrap())
        .sum();
    let _ = std::fs::remove_file(&map);
    assert!(code > 100_000, "only {code} bytes of code");

    for run in 0..6 {
        let o = if run % 2 == 0 {
            pivm_no_aslr(&dir, &["run", "--engine", "jit", "big.pir"])
        } else {
            pivm(&dir, &["run", "--engine", "jit", "big.pir"])
        };
        assert_eq!(
            (o.status.code(), text(&o.stdout)),
            (Some(0), text(&want.stdout)),
            "run {run}: {}",
            text(&o.stderr)
        );
        assert!(o.stderr.is_empty(), "run {run}: {}", text(&o.stderr));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A C program whose `rec` has `n` locals, all live across its call to
/// itself (so each is in the host frame too), recursing without end.
fn big_frames(n: usize) -> String {
    let mut s = String::from("#include <stdio.h>\n\nunsigned rec(unsigned n) {\n");
    for i in 0..n {
        s += &format!("    unsigned a{i} = n * {}u + {i}u;\n", i + 1);
    }
    s += "    if (n == 4000000000u) return a0;\n    unsigned r = rec(n + 1);\n";
    for i in 0..n {
        s += &format!("    r = r * 3u + a{i};\n");
    }
    s += "    return r;\n}\n\nint main(void) {\n    printf(\"%u\\n\", rec(1));\n    return 0;\n}\n";
    s
}

/// Runs `args` on both engines; both must end in the stack-overflow trap
/// with the same status and message. Returns the message.
fn both_overflow(dir: &Path, args: &[&str]) -> String {
    let mut seen = Vec::new();
    for engine in ["interp", "jit"] {
        let mut a = vec!["run", "--engine", engine];
        a.extend_from_slice(args);
        let o = pivm(dir, &a);
        let err = text(&o.stderr);
        assert_eq!(o.status.signal(), None, "{engine}: {err}");
        assert!(err.contains("stack overflow"), "{engine}: {err}");
        assert!(o.stdout.is_empty(), "{engine}: {}", text(&o.stdout));
        seen.push((o.status.code(), err));
    }
    // 128 + SIGSEGV, as a native build would die, but an exit.
    assert_eq!(seen[0].0, Some(139), "{:?}", seen[0]);
    assert_eq!(seen[0], seen[1], "the engines disagree");
    seen.swap_remove(0).1
}

#[test]
fn recursion_with_large_frames_traps_on_both_engines() {
    let dir = scratch("bigframes");
    std::fs::write(dir.join("rec.c"), big_frames(800)).unwrap();
    // 20000 frames of > 6 KB: more host stack than 4 KiB per level.
    let msg = both_overflow(&dir, &["--max-depth", "20000", "rec.c"]);
    assert!(msg.contains("in function 'rec' at rec.c:"), "{msg}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A recursion whose deepest calls are of a leaf (`sum`: a loop, called
/// twice, so not inlined), which the JIT enters without storing the call
/// depth (it only tests it).
const LEAF_DEPTH: &str = r#"#include <stdio.h>
#include <stdlib.h>

static int buf[8] = {1, 2, 3, 4, 5, 6, 7, 8};

static int sum(int n) {
    int s = 0;
    for (int i = 0; i < n; i++) s += buf[i] * (i + 1);
    return s;
}

static int rec(int d) {
    if (d == 0) return sum(5) + sum(3); /* the leaf's calls */
    return rec(d - 1) * 3 + (d & 1 ? rec(d / 2) : 1);
}

int main(int argc, char **argv) {
    printf("%d\n", rec(argc > 1 ? atoi(argv[1]) : 10));
    return 0;
}
"#;

/// `LEAF_DEPTH` compiled to `leaf.pir` in `dir`.
fn compile_leaf_depth(dir: &Path) {
    std::fs::write(dir.join("leaf.c"), LEAF_DEPTH).unwrap();
    let o = pivm(dir, &["compile", "leaf.c", "-o", "leaf.pir"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
}

/// Under every `--max-depth` from 1 up to the least that lets the run
/// finish, both engines end the same way; one below that least limit,
/// the first frame too many is the leaf's: the trap is at its call.
#[test]
fn a_leaf_at_the_depth_limit_traps_as_on_the_interpreter() {
    let dir = scratch("leafdepth");
    compile_leaf_depth(&dir);
    let line = 1 + LEAF_DEPTH
        .lines()
        .position(|l| l.contains("the leaf's calls"))
        .unwrap();
    let mut ends = Vec::new();
    for k in 1..=40 {
        let k = k.to_string();
        let mut seen = Vec::new();
        for engine in ["interp", "jit"] {
            let o = pivm(
                &dir,
                &["run", "--engine", engine, "--max-depth", &k, "leaf.pir"],
            );
            assert_eq!(o.status.signal(), None, "{engine} {k}");
            seen.push((o.status.code(), text(&o.stdout), text(&o.stderr)));
        }
        assert_eq!(seen[0], seen[1], "--max-depth {k}: the engines disagree");
        let done = seen[0].0 == Some(0);
        ends.push(seen.swap_remove(0));
        if done {
            break;
        }
    }
    let (last, before) = ends.split_last().unwrap();
    assert_eq!(last.1, "6344419\n", "{last:?}");
    let trap = &before.last().unwrap().2;
    assert!(
        trap.contains(&format!(
            "stack overflow in function 'rec' at leaf.c:{line}"
        )),
        "{trap}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The same program snapshotted deep in its recursion (on each engine),
/// then resumed under every `--max-depth` from 1 to 40 on each engine:
/// refused where the saved frames exceed the limit, and otherwise ending
/// as the interpreter's resume of the interpreter's snapshot does (the
/// same trap at the same call, or the same output). The JIT rewinds with
/// its depth limit lifted out of the way and puts it back with the last
/// frame (`VmCtx::max_depth`): off by one frame, some limit here would
/// trap one call early or late.
#[test]
fn a_resumed_run_traps_at_the_same_depth_on_both_engines() {
    let dir = scratch("resumedepth");
    compile_leaf_depth(&dir);
    let mut depths = Vec::new();
    for engine in ["interp", "jit"] {
        let path = format!("{engine}.msgpack");
        let o = pivm(
            &dir,
            &[
                "run",
                "--engine",
                engine,
                "--snapshot-after",
                "40",
                "--snapshot-path",
                &path,
                "--exit-after-snapshot",
                "leaf.pir",
            ],
        );
        assert_eq!(o.status.code(), Some(85), "{}", text(&o.stderr));
        depths.push(
            pivm_snapshot::read(&dir.join(&path))
                .unwrap()
                .body
                .frames
                .len(),
        );
    }
    assert!(depths.iter().all(|&d| d > 3), "{depths:?}");
    let (mut refused, mut trapped, mut finished) = (0, 0, 0);
    for k in 1..=40 {
        let k = k.to_string();
        let mut first = None;
        for (from, depth) in ["interp", "jit"].iter().zip(&depths) {
            for engine in ["interp", "jit"] {
                let o = resume_under(&dir, engine, &k, &format!("{from}.msgpack"));
                assert_eq!(o.status.signal(), None, "{from} -> {engine} {k}");
                let got = (o.status.code(), text(&o.stdout), text(&o.stderr));
                if *depth > k.parse().unwrap() {
                    let want = format!("{depth} frames exceed the call depth limit {k}");
                    assert!(got.2.contains(&want), "{from} -> {engine} {k}: {got:?}");
                    refused += 1;
                } else {
                    let want = first.get_or_insert_with(|| got.clone());
                    assert_eq!(&got, want, "{from} -> {engine}, --max-depth {k}");
                    if got.0 == Some(0) {
                        finished += 1;
                    } else {
                        trapped += 1;
                    }
                }
            }
        }
    }
    assert!(
        refused > 0 && trapped > 0 && finished > 0,
        "{refused} {trapped} {finished}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `big_frames`' recursion where each level first calls a leaf with a
/// large host frame of its own (values live across its loop): the leaf
/// has no test of the host stack, and the recursion must still end in the
/// VM's trap, never past the host stack.
fn big_frames_and_leaf(n: usize) -> String {
    let mut s = String::from("static unsigned leaf(unsigned n) {\n");
    for i in 0..n {
        s += &format!("    unsigned b{i} = n * {}u;\n", i + 7);
    }
    s += "    for (unsigned k = 0; k < n % 3u + 2u; k++) {\n";
    for i in 0..n {
        s += &format!("        b{i} = b{i} * 5u + b{};\n", (i + 1) % n);
    }
    s += "    }\n    unsigned r = 0;\n";
    for i in 0..n {
        s += &format!("    r = r * 7u + b{i};\n");
    }
    s += "    return r;\n}\n\n";
    s + &big_frames(n).replacen(
        "unsigned r = rec(n + 1);",
        "unsigned r = leaf(n) + rec(n + 1);",
        1,
    )
}

#[test]
fn a_leaf_with_a_large_frame_at_the_host_stacks_end_traps() {
    let dir = scratch("leafframes");
    let src = big_frames_and_leaf(100);
    assert!(src.contains("leaf(n) + rec(n + 1)"));
    std::fs::write(dir.join("rec.c"), src).unwrap();
    let msg = both_overflow(&dir, &["--max-depth", "4000000000", "rec.c"]);
    assert!(msg.contains("in function 'rec' at rec.c:"), "{msg}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Indexes into a global whose expressions look bounded but are not
/// within it (shifted or multiplied past it, sign-extended, wrapped by a
/// subtraction or a 32-bit product, arithmetic shifts of negative values,
/// small negative indexes below the first global): each access keeps its
/// check and traps on both engines, where a wrong range
/// (`window::Numbering::range` in the JIT) would read host memory or the
/// null page.
const UNBOUNDED: &str = r#"/* No header: g is the first global, right above the null page. */
static unsigned g[256];

int main(int argc, char **argv) {
    unsigned x = (unsigned)argc * 85u; /* 255 with two arguments */
    unsigned long long v = 0;
    switch (argv[1][0] - '0') {
    case 0: v = g[(unsigned long long)(x & 0xff) << 26]; break;
    case 1: v = g[(long long)(signed char)(x & 0xff) * 100000000]; break;
    case 2: v = g[(unsigned)(x & 0xff) * 0x2000000u]; break;
    case 3: v = g[(x & 0xff) - 0x40000000u]; break;
    case 4: v = g[(unsigned long long)((x & 0xff) | 0x80000000u) * 4]; break;
    case 5: v = g[(int)((x & 0xff) << 24) >> 4]; break;
    case 6: v = g[(signed char)(x & 0xff)]; break;
    case 7: v = g[(int)(x & 0xff) - 256]; break;
    case 8: v = g[(short)((x & 0xff) << 8)]; break;
    }
    return (int)v;
}
"#;

#[test]
fn indexes_whose_range_is_not_inside_keep_their_checks() {
    let dir = scratch("unbounded");
    std::fs::write(dir.join("idx.c"), UNBOUNDED).unwrap();
    let o = pivm(&dir, &["compile", "idx.c", "-o", "idx.pir"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    for case in 0..9 {
        let line = 1 + UNBOUNDED
            .lines()
            .position(|l| l.contains(&format!("case {case}:")))
            .unwrap();
        let what = match case {
            0..=5 => "memory access out of bounds",
            _ => "null pointer dereference",
        };
        for engine in ["interp", "jit"] {
            let c = case.to_string();
            let o = pivm(&dir, &["run", "--engine", engine, "idx.pir", &c, "x"]);
            let err = text(&o.stderr);
            assert!(
                err.contains(&format!("{what} in function 'main' at idx.c:{line}")),
                "case {case} on {engine}: {err}"
            );
            assert_eq!(o.status.code(), Some(139), "case {case} on {engine}: {err}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_huge_max_depth_is_bounded_by_host_memory() {
    let dir = scratch("hugedepth");
    std::fs::write(dir.join("rec.c"), big_frames(100)).unwrap();
    let msg = both_overflow(&dir, &["--max-depth", "4000000000", "rec.c"]);
    assert!(msg.contains("in function 'rec' at rec.c:"), "{msg}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `pivm resume --engine ENGINE --max-depth DEPTH SNAPSHOT` in `dir`.
fn resume_under(dir: &Path, engine: &str, depth: &str, snapshot: &str) -> Output {
    pivm(
        dir,
        &["resume", "--engine", engine, "--max-depth", depth, snapshot],
    )
}

/// `DEPTH` run in `dir` and snapshotted after `after` safepoints into
/// `path`, exiting.
fn depth_snapshot(dir: &Path, after: &str, path: &str) -> pivm_snapshot::Snapshot {
    std::fs::write(dir.join("depth.c"), DEPTH).unwrap();
    let o = pivm(
        dir,
        &[
            "run",
            "depth.c",
            "--snapshot-after",
            after,
            "--snapshot-path",
            path,
            "--exit-after-snapshot",
        ],
    );
    assert_eq!(o.status.code(), Some(85), "{}", text(&o.stderr));
    pivm_snapshot::read(&dir.join(path)).unwrap()
}

/// A snapshot deep in a recursion, resumed under a call-depth limit below
/// its depth: refused before anything is rewound, with the frames and the
/// limit named and nothing printed, on both engines; under a limit above
/// it, the run finishes.
#[test]
fn a_snapshot_deeper_than_the_depth_limit_is_refused_before_it_rewinds() {
    let dir = scratch("rewinddepth");
    let snap = depth_snapshot(&dir, "2000", "deep.msgpack");
    let depth = snap.body.frames.len();
    assert!(depth > 500, "the snapshot is {depth} frames deep");
    let below = (depth / 2).to_string();
    for engine in ["interp", "jit"] {
        let o = resume_under(&dir, engine, &below, "deep.msgpack");
        let want = format!("{depth} frames exceed the call depth limit {below}");
        assert!(
            text(&o.stderr).contains(&want) && o.status.code() == Some(66),
            "{engine}: {:?} {}",
            o.status.code(),
            text(&o.stderr)
        );
        assert!(o.stdout.is_empty(), "{engine}: {}", text(&o.stdout));
        let o = resume_under(&dir, engine, "20000", "deep.msgpack");
        assert_eq!(
            (o.status.code(), text(&o.stdout)),
            (Some(0), "9951\n".to_string()),
            "{engine}: {}",
            text(&o.stderr)
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

const DEPTH: &str = r#"#include <stdio.h>

/* Not a tail call (which would be a loop, pivm_ir::tailrec): what is
   added depends on the result. */
unsigned rec(unsigned n) {
    if (n == 0) return 1;
    unsigned r = rec(n - 1);
    return r + (r != 0);
}

int main(void) {
    unsigned s = 0;
    for (unsigned i = 0; i < 100; i++) s += i;
    printf("%u\n", rec(5000) + s);
    return 0;
}
"#;

#[test]
fn a_snapshots_depth_limit_cannot_lift_the_hosts() {
    let dir = scratch("snapdepth");
    let mut snap = depth_snapshot(&dir, "3", "s.msgpack");
    assert_eq!(snap.body.counters.call_depth_limit, 100_000);
    snap.body.counters.call_depth_limit = u32::MAX;
    pivm_snapshot::write_atomic(&dir.join("max.msgpack"), &snap).unwrap();
    snap.body.counters.call_depth_limit = 1000;
    pivm_snapshot::write_atomic(&dir.join("small.msgpack"), &snap).unwrap();
    for engine in ["interp", "jit"] {
        // Within the host's default limit: runs to the end.
        let o = pivm(&dir, &["resume", "--engine", engine, "max.msgpack"]);
        assert_eq!(
            (o.status.code(), text(&o.stdout)),
            (Some(0), "9951\n".to_string()),
            "{engine}: {}",
            text(&o.stderr)
        );
        // The host's --max-depth wins over the snapshot's larger limit...
        let o = resume_under(&dir, engine, "1000", "max.msgpack");
        assert!(
            text(&o.stderr).contains("stack overflow") && o.status.code() != Some(0),
            "{engine}: {:?} {}",
            o.status.code(),
            text(&o.stderr)
        );
        // ...and a snapshot's smaller limit still holds.
        let o = pivm(&dir, &["resume", "--engine", engine, "small.msgpack"]);
        assert!(
            text(&o.stderr).contains("stack overflow") && o.status.code() != Some(0),
            "{engine}: {:?} {}",
            o.status.code(),
            text(&o.stderr)
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
