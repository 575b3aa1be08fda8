//! Incremental snapshots end to end through the `pivm` binary: chains of
//! deltas built across engines and resumed on both with the output of an
//! uninterrupted run; deltas holding only what changed; `--incremental=K`
//! starting a new chain and removing the old one; `pivm compact` equal to
//! a full snapshot of the same state; damaged, missing and foreign
//! ancestors refused before anything runs; and `kill -9` at random moments
//! never leaving an unresumable chain.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

const PIVM: &str = env!("CARGO_BIN_EXE_pivm");

/// A heap of `N` longs, rewritten a slice (1/20th) per round, each round's
/// checksum printed; the slice is one of the first `S` (default 20): about
/// 5% of memory changes between snapshots a round apart, or always, with
/// S = 1. The array is never freed: freeing it zeroes its 1.6 MB (the
/// allocator gives large freed extents back), which the next delta must
/// then record, and a snapshot that lands between `free` and exit would
/// be a full-sized delta.
const PROGRAM: &str = r#"
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 200000;
    int rounds = argc > 2 ? atoi(argv[2]) : 40;
    unsigned long spread = argc > 3 ? atol(argv[3]) : 20;
    long *a = malloc(n * sizeof(long));
    for (long i = 0; i < n; i++) a[i] = i * 7;
    unsigned long sum = 0;
    for (int r = 0; r < rounds; r++) {
        long from = (long)(((unsigned long)r * 2654435761UL) % spread) * (n / 20);
        for (long i = from; i < from + n / 20; i++) a[i] = a[i] * 31 + r;
        for (long i = 0; i < n; i += 64) sum = sum * 1099511628211UL + a[i];
        printf("round %d %lu\n", r, sum);
    }
    return 0;
}
"#;

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pivm-inctest-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("w.c"), PROGRAM).unwrap();
    d
}

fn pivm(dir: &Path, args: &[&str]) -> Output {
    Command::new(PIVM)
        .current_dir(dir)
        .args(args)
        .env_remove("PIVM_SNAPSHOT_NOFORK")
        .output()
        .expect("cannot run pivm")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The output of an uninterrupted run.
fn oracle(dir: &Path, args: &[&str]) -> String {
    let mut a = vec!["run", "w.c", "--"];
    a.extend(args);
    let o = pivm(dir, &a);
    assert!(o.status.success(), "{}", text(&o.stderr));
    text(&o.stdout)
}

/// Whether the file at `p` is a delta (header flag 1).
fn is_delta(p: &Path) -> bool {
    let b = std::fs::read(p).unwrap();
    u32::from_le_bytes([b[12], b[13], b[14], b[15]]) & 1 != 0
}

/// The files of `dir` whose names start with `prefix`, sorted.
fn named(dir: &Path, prefix: &str) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(prefix))
        .collect();
    v.sort();
    v
}

/// Runs the program in stages, each resuming the last on `engines[i]` and
/// exiting after its snapshot at `snap` (`--incremental` when
/// `incremental`): the first after the 210000 safepoints of the heap's
/// initialisation, the others 30000 safepoints (two rounds) apart. The
/// output of all stages.
fn stages(dir: &Path, snap: &str, engines: &[&str], incremental: bool) -> String {
    stages_compressed(dir, snap, engines, incremental, &[])
}

/// `stages`, stage `i` writing with `--compress compress[i]` (none when
/// `compress` is shorter).
fn stages_compressed(
    dir: &Path,
    snap: &str,
    engines: &[&str],
    incremental: bool,
    compress: &[&str],
) -> String {
    let mut out = String::new();
    for (i, engine) in engines.iter().enumerate() {
        let mut a: Vec<&str> = if i == 0 {
            vec!["run", "w.c"]
        } else {
            vec!["resume", snap]
        };
        a.extend([
            "--engine",
            engine,
            "--snapshot-after",
            if i == 0 { "210000" } else { "30000" },
            "--exit-after-snapshot",
            "--snapshot-path",
            snap,
        ]);
        if incremental {
            a.push("--incremental");
        }
        if let Some(c) = compress.get(i) {
            a.extend(["--compress", c]);
        }
        if i == 0 {
            a.extend(["--", "200000", "40"]);
        }
        let o = pivm(dir, &a);
        assert_eq!(o.status.code(), Some(85), "stage {i}: {}", text(&o.stderr));
        out.push_str(&text(&o.stdout));
    }
    out
}

/// The section table and memory of a snapshot file: everything between
/// the header and the body.
fn memory_part(p: &Path) -> Vec<u8> {
    let b = std::fs::read(p).unwrap();
    let le = |at: usize| u64::from_le_bytes(b[at..at + 8].try_into().unwrap()) as usize;
    let (sections, memory_end) = (le(80), le(88));
    b[128..memory_end + 24 * sections].to_vec()
}

#[test]
fn chains_across_engines_resume_on_both_and_compact_to_the_full_snapshot() {
    let dir = scratch("chain");
    let want = oracle(&dir, &["200000", "40"]);
    let engines = ["jit", "interp", "jit", "interp"];
    let before = stages(&dir, "c.msgpack", &engines, true);
    let c = dir.join("c.msgpack");
    assert!(is_delta(&c), "the newest member is a delta");
    assert_eq!(
        named(&dir, "c.msgpack.").len(),
        3,
        "three ancestors beside it"
    );
    for engine in ["jit", "interp"] {
        let o = pivm(&dir, &["resume", "c.msgpack", "--engine", engine]);
        assert!(o.status.success(), "{engine}: {}", text(&o.stderr));
        assert_eq!(before.clone() + &text(&o.stdout), want, "{engine}");
    }
    // The same stages without --incremental end in a full snapshot of the
    // same state: compaction gives exactly its sections.
    let full_before = stages(&dir, "f.msgpack", &engines, false);
    assert_eq!(before, full_before);
    let o = pivm(&dir, &["compact", "c.msgpack", "-o", "k.msgpack"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(!is_delta(&dir.join("k.msgpack")));
    assert_eq!(
        memory_part(&dir.join("k.msgpack")),
        memory_part(&dir.join("f.msgpack"))
    );
    let o = pivm(&dir, &["resume", "k.msgpack"]);
    assert_eq!(before + &text(&o.stdout), want);
    let i = pivm(&dir, &["inspect", "c.msgpack"]);
    assert!(i.status.success());
    assert!(
        text(&i.stdout).contains("chain (4 members"),
        "{}",
        text(&i.stdout)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn compressed_chains_resume_on_both_engines_and_compact_to_raw() {
    let dir = scratch("compress");
    let want = oracle(&dir, &["200000", "40"]);
    let engines = ["jit", "interp", "jit", "interp"];
    // (A raw delta after a compressed full snapshot soon outgrows it and
    // starts a new chain: every member here is lz4.)
    let codecs = ["lz4"; 4];
    let before = stages_compressed(&dir, "z.msgpack", &engines, true, &codecs);
    let full = stages(&dir, "f.msgpack", &engines, false);
    assert_eq!(before, full);
    let z = dir.join("z.msgpack");
    assert!(is_delta(&z));
    let flags = |p: &Path| {
        let b = std::fs::read(p).unwrap();
        u32::from_le_bytes([b[12], b[13], b[14], b[15]])
    };
    assert_eq!(flags(&z) & 6, 2, "the newest member is lz4");
    for engine in ["jit", "interp"] {
        let o = pivm(&dir, &["resume", "z.msgpack", "--engine", engine]);
        assert!(o.status.success(), "{engine}: {}", text(&o.stderr));
        assert_eq!(before.clone() + &text(&o.stdout), want, "{engine}");
    }
    // A full snapshot of the same state, compressed, is smaller than the
    // raw one and resumes alike.
    let o = pivm(
        &dir,
        &[
            "compact",
            "f.msgpack",
            "-o",
            "fz.msgpack",
            "--compress",
            "zstd",
        ],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let size = |n: &str| std::fs::metadata(dir.join(n)).unwrap().len();
    assert!(
        size("fz.msgpack") * 2 < size("f.msgpack"),
        "{} vs {}",
        size("fz.msgpack"),
        size("f.msgpack")
    );
    let o = pivm(&dir, &["resume", "fz.msgpack", "--engine", "interp"]);
    assert_eq!(full.clone() + &text(&o.stdout), want);
    // Folded without compression, the chain is the raw full snapshot's
    // exact sections.
    let o = pivm(
        &dir,
        &[
            "compact",
            "z.msgpack",
            "-o",
            "k.msgpack",
            "--compress",
            "none",
        ],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(
        memory_part(&dir.join("k.msgpack")),
        memory_part(&dir.join("f.msgpack"))
    );
    let i = pivm(&dir, &["inspect", "z.msgpack"]);
    assert!(
        text(&i.stdout).contains("memory lz4"),
        "{}",
        text(&i.stdout)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn deltas_hold_what_changed_and_k_bounds_the_chain() {
    let dir = scratch("k");
    // Snapshots are timed, so how many a run takes depends on the
    // machine's speed: the run doubles its rounds until it lasts long
    // enough for four (a fast JIT finished 12,000 rounds after three).
    let mut rounds = 12_000;
    let (o, sizes) = loop {
        let _ = std::fs::remove_file(dir.join("d.msgpack"));
        for old in named(&dir, "d.msgpack.") {
            let _ = std::fs::remove_file(dir.join(old));
        }
        let r = rounds.to_string();
        let mut args = vec!["run", "w.c", "--incremental=2", "--snapshot-every", "30ms"];
        args.extend(["--snapshot-path", "d.msgpack", "--stats=nocount", "--"]);
        args.extend(["200000", &r, "1"]);
        let o = pivm(&dir, &args);
        assert!(o.status.success(), "{}", text(&o.stderr));
        let sizes: Vec<f64> = text(&o.stderr)
            .lines()
            .filter(|l| l.contains("snapshot="))
            .filter_map(|l| {
                l.split_whitespace()
                    .find_map(|kv| kv.strip_prefix("bytes="))
                    .and_then(|v| v.parse().ok())
            })
            .collect();
        if sizes.len() >= 4 || rounds >= 12_000 << 4 {
            break (o, sizes);
        }
        rounds *= 2;
    };
    assert!(sizes.len() >= 4, "{}", text(&o.stderr));
    // With K = 2 at most two deltas ever follow a full snapshot, and the
    // files of finished chains are gone: at most two ancestors remain.
    let left = named(&dir, "d.msgpack.");
    assert!(left.len() <= 2, "{left:?}");
    // Full snapshots are every third; the deltas between are much smaller.
    let full = sizes[0];
    for (i, s) in sizes.iter().enumerate() {
        if i % 3 == 0 {
            assert!(*s > full * 0.9, "snapshot {i} is full: {sizes:?}");
        } else {
            assert!(*s < full * 0.5, "snapshot {i} is a delta: {sizes:?}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn damaged_missing_and_foreign_ancestors_are_refused() {
    let dir = scratch("bad");
    stages(&dir, "c.msgpack", &["jit", "jit", "jit"], true);
    let ancestors = named(&dir, "c.msgpack.");
    assert_eq!(ancestors.len(), 2);
    let refused = |what: &str, needle: &str| {
        let o = pivm(&dir, &["resume", "c.msgpack"]);
        assert_eq!(o.status.code(), Some(66), "{what}: {}", text(&o.stderr));
        assert!(o.stdout.is_empty(), "{what}: nothing runs");
        let e = text(&o.stderr);
        assert!(e.contains(needle), "{what}: {e}");
    };
    for a in &ancestors {
        let p = dir.join(a);
        let good = std::fs::read(&p).unwrap();
        // Missing.
        std::fs::remove_file(&p).unwrap();
        refused("missing", a);
        // A byte of memory flipped: its section checksum fails.
        let mut b = good.clone();
        b[4096 + 100] ^= 1;
        std::fs::write(&p, &b).unwrap();
        refused("damaged", "checksum");
        // Another valid snapshot in its place: its id is not the one the
        // child recorded.
        let other = dir.join("o.msgpack");
        let o = pivm(
            &dir,
            &[
                "run",
                "w.c",
                "--snapshot-after",
                "151",
                "--exit-after-snapshot",
                "--snapshot-path",
                "o.msgpack",
                "--",
                "200000",
                "40",
            ],
        );
        assert_eq!(o.status.code(), Some(85));
        std::fs::rename(&other, &p).unwrap();
        refused("replaced", "altered or replaced");
        std::fs::write(&p, &good).unwrap();
    }
    let o = pivm(&dir, &["resume", "c.msgpack"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn kill_9_at_random_moments_leaves_a_resumable_chain() {
    let dir = scratch("kill");
    let snapshotting = |path: &str, rounds: &str, stderr: Stdio| {
        let mut a = vec![
            "run",
            "w.c",
            "--incremental=3",
            "--snapshot-every",
            "10ms",
            "--stats=nocount",
            "--snapshot-path",
        ];
        a.extend([path, "--", "200000", rounds, "2"]);
        Command::new(PIVM)
            .current_dir(&dir)
            .args(a)
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .unwrap()
    };
    // The kill moments are spread over the run as long as this machine
    // takes for it (a fixed window stopped hitting the run at all once the
    // JIT got faster): one uninterrupted snapshotting run is timed first,
    // its rounds doubled until it writes six snapshots (a loaded CI
    // machine took 60 ms for 6,000 rounds, and no kill came after a
    // delta).
    let mut rounds = 6_000;
    let span = loop {
        for old in named(&dir, "t.msgpack") {
            let _ = std::fs::remove_file(dir.join(old));
        }
        let r = rounds.to_string();
        let t0 = std::time::Instant::now();
        let full = snapshotting("t.msgpack", &r, Stdio::piped())
            .wait_with_output()
            .unwrap();
        assert!(full.status.success(), "{}", text(&full.stderr));
        let span = t0.elapsed().as_millis() as u64;
        let snapshots = text(&full.stderr)
            .lines()
            .filter(|l| l.contains("snapshot="))
            .count();
        if snapshots >= 6 || rounds >= 6_000 << 5 {
            break span;
        }
        rounds *= 2;
    };
    let rounds = rounds.to_string();
    let args = ["200000", rounds.as_str(), "2"];
    let want = oracle(&dir, &args);
    let mut seed = std::process::id() as u64 | 1;
    let mut deltas = 0;
    for round in 0..8 {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let ms = span / 10 + (seed >> 33) % (span * 8 / 10 + 1);
        let _ = std::fs::remove_file(dir.join("k.msgpack"));
        let mut child = snapshotting("k.msgpack", &rounds, Stdio::null());
        std::thread::sleep(Duration::from_millis(ms));
        // SAFETY: kill has no memory preconditions; the pid is our child's.
        unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
        let _ = child.wait();
        if !dir.join("k.msgpack").exists() {
            continue;
        }
        deltas += is_delta(&dir.join("k.msgpack")) as u32;
        // One round resumes on the interpreter (a debug build's interpreter
        // takes seconds for what remains).
        let engine = if round == 5 { "interp" } else { "jit" };
        let o = pivm(
            &dir,
            &[
                "resume",
                "k.msgpack",
                "--engine",
                engine,
                "--snapshot-path",
                "r.msgpack",
            ],
        );
        assert!(
            o.status.success(),
            "round {round} (killed after {ms} of {span} ms): {}",
            text(&o.stderr)
        );
        let got = text(&o.stdout);
        assert!(
            want.ends_with(&got),
            "round {round}: the resumed output is not the rest of the run's"
        );
    }
    assert!(
        deltas > 0,
        "no kill left a delta to resume (the run takes {span} ms)"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
