//! `pivm run --checkpoint-dir DIR`, the batch mode: a start, snapshots
//! taken to exit (85), resumes on either engine until the program ends,
//! the output file cut back to each snapshot so it ends equal to an
//! uninterrupted run's, and a damaged snapshot, another program, other
//! arguments or a cut-short output file refused (66), never a silent
//! start from zero.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const PIVM: &str = env!("CARGO_BIN_EXE_pivm");

/// Prints a line per step; each step has loops (safepoints) to snapshot at.
const PROG: &str = r#"
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 100;
    int work = argc > 2 ? atoi(argv[2]) : 200;
    unsigned long h = 1;
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < work; j++) h = h * 6364136223846793005UL + (unsigned long)j;
        printf("step %d %lu\n", i, h % 1000003UL);
        fflush(stdout);
    }
    fprintf(stderr, "done\n");
    return 3;
}
"#;

/// A fresh scratch directory with the program in it.
fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pivm-batch-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("prog.c"), PROG).unwrap();
    d
}

fn pivm(dir: &Path, args: &[&str]) -> Output {
    Command::new(PIVM)
        .args(args)
        .current_dir(dir)
        .env_remove("PIVM_SNAPSHOT_NOFORK")
        .output()
        .expect("cannot run pivm")
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The output of an uninterrupted run (no batch mode).
fn uninterrupted(dir: &Path, args: &[&str]) -> Vec<u8> {
    let mut a = vec!["run", "prog.c", "--"];
    a.extend(args);
    let o = pivm(dir, &a);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    o.stdout
}

/// `pivm run --checkpoint-dir ckpt` with `opts` and the program's `args`.
fn batch(dir: &Path, opts: &[&str], args: &[&str]) -> Output {
    let mut a = vec!["run", "--checkpoint-dir", "ckpt"];
    a.extend(opts);
    a.push("prog.c");
    a.push("--");
    a.extend(args);
    pivm(dir, &a)
}

fn read(p: PathBuf) -> Vec<u8> {
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// A snapshot taken to exit, then a resume on the other engine, twice
/// over, with junk appended to the output after each snapshot (what a job
/// prints between its last snapshot and being killed): the output file
/// ends equal to an uninterrupted run's and the snapshots are removed.
#[test]
fn resumes_across_engines_until_the_end_with_the_output_of_one_run() {
    for (first, second) in [("jit", "interp"), ("interp", "jit")] {
        let d = scratch(&format!("engines-{first}"));
        let args = ["300"];
        let want = uninterrupted(&d, &args);
        let mut sizes = Vec::new();
        for engine in [first, second] {
            let o = batch(
                &d,
                &[
                    "--engine",
                    engine,
                    "--snapshot-after",
                    "2000",
                    "--exit-after-snapshot",
                ],
                &args,
            );
            assert_eq!(code(&o), 85, "{engine}: {}", stderr(&o));
            assert!(o.stdout.is_empty(), "the output goes to the file");
            assert!(d.join("ckpt/checkpoint.msgpack").is_file());
            assert!(
                stderr(&o).contains("exiting with status 85"),
                "{}",
                stderr(&o)
            );
            let out = read(d.join("ckpt/stdout"));
            assert!(want.starts_with(&out), "{engine}: not a prefix");
            sizes.push(out.len());
            let mut junk = out;
            junk.extend_from_slice(b"printed after the snapshot, before the job was killed\n");
            std::fs::write(d.join("ckpt/stdout"), junk).unwrap();
        }
        assert!(
            0 < sizes[0] && sizes[0] < sizes[1] && sizes[1] < want.len(),
            "{sizes:?}"
        );
        let o = batch(&d, &["--engine", second], &args);
        assert_eq!(code(&o), 3, "{}", stderr(&o));
        assert!(stderr(&o).contains("resuming from"), "{}", stderr(&o));
        assert!(stderr(&o).ends_with("removed\n"), "{}", stderr(&o));
        assert_eq!(read(d.join("ckpt/stdout")), want);
        assert!(!d.join("ckpt/checkpoint.msgpack").exists());
        assert!(!d.join("ckpt/job.json").exists());
        // Run again: a fresh start, the output file written anew.
        let o = batch(&d, &["--engine", first], &args);
        assert_eq!(code(&o), 3, "{}", stderr(&o));
        assert!(stderr(&o).contains("no snapshot in"), "{}", stderr(&o));
        assert_eq!(read(d.join("ckpt/stdout")), want);
        let _ = std::fs::remove_dir_all(&d);
    }
}

/// A job's snapshot written by the pivm before loops of bounded work
/// stopped polling (`tests/snapshots/every_loop_polls.msgpack`, of
/// `tests/snapshots/bounded_loop.c`, inside its loop of 8 iterations)
/// resumes: the program compiled again is the snapshot's as that pivm
/// placed its safepoints. Its output is gcc's.
#[test]
fn a_job_snapshotted_before_bounded_loops_stopped_polling_resumes() {
    let d = scratch("every-loop");
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let src = repo.join("tests/snapshots/bounded_loop.c");
    std::fs::copy(&src, d.join("prog.c")).unwrap();
    let exe = d.join("gcc-prog");
    let gcc = Command::new("gcc")
        .args(["-O0", "-w", "-o"])
        .arg(&exe)
        .arg(&src)
        .status()
        .expect("gcc runs");
    assert!(gcc.success());
    let want = Command::new(&exe).output().unwrap().stdout;
    std::fs::create_dir_all(d.join("ckpt")).unwrap();
    let snap = repo.join("tests/snapshots/every_loop_polls.msgpack");
    std::fs::copy(snap, d.join("ckpt/checkpoint.msgpack")).unwrap();
    let o = batch(&d, &[], &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stderr(&o).contains("resuming from"), "{}", stderr(&o));
    assert_eq!(read(d.join("ckpt/stdout")), want);
    let _ = std::fs::remove_dir_all(&d);
}

/// Leaves a job stopped by a snapshot in `d/ckpt`; returns its output.
fn stopped_job(d: &Path, args: &[&str], extra: &[&str]) -> Vec<u8> {
    let mut opts = vec!["--snapshot-after", "2000", "--exit-after-snapshot"];
    opts.extend(extra);
    let o = batch(d, &opts, args);
    assert_eq!(code(&o), 85, "{}", stderr(&o));
    read(d.join("ckpt/stdout"))
}

/// Runs the job again and expects it refused with 66, a message holding
/// `why`, and the output file and snapshot left as they were.
fn refused(d: &Path, args: &[&str], why: &str) {
    let snap = read(d.join("ckpt/checkpoint.msgpack"));
    let out = read(d.join("ckpt/stdout"));
    let o = batch(d, &[], args);
    let e = stderr(&o);
    assert_eq!(code(&o), 66, "{e}");
    assert!(e.contains(why), "no '{why}' in: {e}");
    assert!(e.contains("remove ckpt to start from the beginning"), "{e}");
    assert!(!e.contains("panicked"), "{e}");
    assert_eq!(read(d.join("ckpt/stdout")), out, "the output was touched");
    assert_eq!(read(d.join("ckpt/checkpoint.msgpack")), snap);
}

#[test]
fn a_damaged_snapshot_is_an_error_never_a_start_from_zero() {
    let d = scratch("damaged");
    let args = ["200"];
    stopped_job(&d, &args, &[]);
    let p = d.join("ckpt/checkpoint.msgpack");
    let good = read(p.clone());
    // A byte flipped in the middle, then the file cut in half.
    let mut bad = good.clone();
    let mid = bad.len() / 2;
    bad[mid] ^= 0x40;
    std::fs::write(&p, &bad).unwrap();
    refused(&d, &args, "checkpoint.msgpack");
    std::fs::write(&p, &good[..good.len() / 2]).unwrap();
    refused(&d, &args, "checkpoint.msgpack");
    std::fs::write(&p, b"").unwrap();
    refused(&d, &args, "checkpoint.msgpack");
    // Restored, it resumes.
    std::fs::write(&p, &good).unwrap();
    let o = batch(&d, &[], &args);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert_eq!(read(d.join("ckpt/stdout")), uninterrupted(&d, &args));
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn another_program_other_arguments_or_a_cut_output_are_refused() {
    let d = scratch("mismatch");
    let out = stopped_job(&d, &["200"], &[]);
    refused(&d, &["201"], "the job was started with the arguments");
    std::fs::write(d.join("prog.c"), PROG.replace("step", "pas")).unwrap();
    refused(&d, &["200"], "another program");
    std::fs::write(d.join("prog.c"), PROG).unwrap();
    std::fs::write(d.join("ckpt/stdout"), &out[..out.len() - 1]).unwrap();
    refused(&d, &["200"], "cut short or replaced");
    std::fs::write(d.join("ckpt/stdout"), &out).unwrap();
    let o = batch(&d, &[], &["200"]);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    let _ = std::fs::remove_dir_all(&d);
}

/// `--stdout FILE` puts the output elsewhere; `--stdout -` keeps pivm's
/// stdout, where a snapshot taken to exit leaves nothing to repeat.
#[test]
fn stdout_to_a_file_or_passed_through() {
    let d = scratch("stdout");
    let args = ["150"];
    let want = uninterrupted(&d, &args);
    let o = batch(
        &d,
        &[
            "--stdout",
            "out.txt",
            "--snapshot-after",
            "1500",
            "--exit-after-snapshot",
        ],
        &args,
    );
    assert_eq!(code(&o), 85, "{}", stderr(&o));
    assert!(!d.join("ckpt/stdout").exists());
    let o = batch(&d, &["--stdout", "out.txt"], &args);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert_eq!(read(d.join("out.txt")), want);

    let o = batch(
        &d,
        &[
            "--stdout",
            "-",
            "--snapshot-after",
            "1500",
            "--exit-after-snapshot",
        ],
        &args,
    );
    assert_eq!(code(&o), 85, "{}", stderr(&o));
    let mut got = o.stdout;
    let o = batch(&d, &["--stdout", "-"], &args);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert!(stderr(&o).contains("printed again"), "{}", stderr(&o));
    got.extend(o.stdout);
    assert_eq!(got, want);
    let _ = std::fs::remove_dir_all(&d);
}

/// Deltas in the checkpoint directory: a chain across three stops.
#[test]
fn incremental_chain_in_the_directory() {
    let d = scratch("incremental");
    let args = ["300"];
    let want = uninterrupted(&d, &args);
    for _ in 0..3 {
        stopped_job(&d, &args, &["--incremental"]);
    }
    let deltas = std::fs::read_dir(d.join("ckpt"))
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("checkpoint.msgpack.")
        })
        .count();
    assert!(deltas >= 1, "no ancestor kept beside the newest snapshot");
    let o = batch(&d, &["--incremental"], &args);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert_eq!(read(d.join("ckpt/stdout")), want);
    let left: Vec<String> = std::fs::read_dir(d.join("ckpt"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("checkpoint"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    let _ = std::fs::remove_dir_all(&d);
}

/// Waits until `cond` holds (at most 60 s).
fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let t = Instant::now();
    while !cond() {
        assert!(t.elapsed() < Duration::from_secs(60), "timed out: {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn spawn_batch(d: &Path, engine: &str, args: &[&str]) -> std::process::Child {
    let mut a = vec!["run", "--checkpoint-dir", "ckpt", "--engine", engine];
    a.push("prog.c");
    a.push("--");
    a.extend(args);
    Command::new(PIVM)
        .args(&a)
        .current_dir(d)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Sends `sig` to `child` (still ours: not yet waited for).
fn signal(child: &std::process::Child, sig: i32) {
    // SAFETY: kill has no memory effects; the pid is our unreaped child.
    unsafe { libc::kill(child.id() as i32, sig) };
}

fn len(p: &Path) -> u64 {
    std::fs::metadata(p).map_or(0, |m| m.len())
}

/// What a scheduler does: TERM to preempt (snapshot, exit 85), USR1 for
/// a snapshot the run goes on after, then SIGKILL (a node lost) after
/// more output; each restart resumes, and the output equals one run's.
#[test]
fn term_usr1_and_a_killed_node() {
    for engine in ["jit", "interp"] {
        let d = scratch(&format!("signals-{engine}"));
        // Slow enough to be caught mid-run: a few seconds on each engine.
        let work = if engine == "jit" { "3000000" } else { "30000" };
        let args = ["400", work];
        let want = uninterrupted(&d, &args);
        let out = d.join("ckpt/stdout");
        let snap = d.join("ckpt/checkpoint.msgpack");

        let child = spawn_batch(&d, engine, &args);
        wait_for("some output", || len(&out) > 100);
        signal(&child, libc::SIGTERM);
        let o = child.wait_with_output().unwrap();
        if code(&o) == 3 {
            // The program ended before the signal: nothing to test here.
            eprintln!("{engine}: the run ended before TERM");
            continue;
        }
        assert_eq!(code(&o), 85, "{}", stderr(&o));
        assert!(snap.is_file());

        let mut child = spawn_batch(&d, engine, &args);
        let before = std::fs::metadata(&snap).unwrap().modified().unwrap();
        let start = len(&out);
        wait_for("more output", || len(&out) > start + 100);
        signal(&child, libc::SIGUSR1);
        wait_for("the USR1 snapshot", || {
            std::fs::metadata(&snap).is_ok_and(|m| m.modified().unwrap() != before)
        });
        let at = len(&out);
        wait_for("output after the snapshot", || len(&out) > at + 100);
        let _ = child.kill();
        let o = child.wait_with_output().unwrap();
        if o.status.code() == Some(3) {
            eprintln!("{engine}: the run ended before SIGKILL");
            continue;
        }
        let o = batch(&d, &["--engine", engine], &args);
        assert_eq!(code(&o), 3, "{}", stderr(&o));
        assert_eq!(read(out), want, "{engine}");
        let _ = std::fs::remove_dir_all(&d);
    }
}

#[test]
fn usage_errors() {
    let d = scratch("usage");
    let help = pivm(&d, &["run", "--help"]);
    let text = String::from_utf8_lossy(&help.stdout);
    for word in ["Batch mode", "--checkpoint-dir", "--stdout"] {
        assert!(text.contains(word), "run --help has no {word}:\n{text}");
    }
    let help = pivm(&d, &["resume", "--help"]);
    assert!(!String::from_utf8_lossy(&help.stdout).contains("--checkpoint-dir"));
    for args in [
        &["run", "--stdout", "x", "prog.c"][..],
        &[
            "run",
            "--checkpoint-dir",
            "c",
            "--snapshot-path",
            "p",
            "prog.c",
        ],
        &["run", "--checkpoint-dir", "c", "--no-safepoints", "prog.c"],
        &["resume", "--checkpoint-dir", "c", "x.msgpack"],
    ] {
        let o = pivm(&d, args);
        assert_eq!(code(&o), 2, "{args:?}: {}", stderr(&o));
    }
    // A checkpoint directory that cannot be made: 74, not a panic.
    std::fs::write(d.join("file"), "").unwrap();
    let o = pivm(&d, &["run", "--checkpoint-dir", "file/sub", "prog.c"]);
    assert_eq!(code(&o), 74, "{}", stderr(&o));
    assert!(stderr(&o).contains("cannot create the checkpoint directory"));
    let _ = std::fs::remove_dir_all(&d);
}

/// The value of `key` in the submit file `text` (`key = value`).
fn submit_value<'a>(text: &'a str, key: &str) -> &'a str {
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .find_map(|l| {
            let (k, v) = l.split_once('=')?;
            (k.trim() == key).then_some(v.trim())
        })
        .unwrap_or_else(|| panic!("examples/htcondor/pivm.sub has no {key}"))
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let t = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &t);
        } else {
            std::fs::copy(e.path(), t).unwrap();
        }
    }
}

/// HTCondor's side of `examples/htcondor/pivm.sub`: run the executable
/// with the file's arguments in a sandbox; on `checkpoint_exit_code`,
/// copy `transfer_checkpoint_files` to the spool, throw the sandbox away
/// (an eviction: the next start is on another machine, here on the other
/// engine) and start again in a fresh one with the input and checkpoint
/// files transferred in; until another exit status. Then the output file
/// must equal an uninterrupted run's.
#[test]
fn htcondor_contract() {
    let sub_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/htcondor/pivm.sub");
    let sub = std::fs::read_to_string(&sub_path).unwrap();
    let exit_code: i32 = submit_value(&sub, "checkpoint_exit_code").parse().unwrap();
    assert_eq!(exit_code, 85);
    let ckpt = submit_value(&sub, "transfer_checkpoint_files");
    let output = submit_value(&sub, "transfer_output_files");
    assert_eq!(submit_value(&sub, "transfer_input_files"), "prog.c");
    assert_eq!(submit_value(&sub, "when_to_transfer_output"), "ON_EXIT");
    // The file's arguments, with a period of 300 ms instead of 30 minutes
    // and the program's own arguments (`-- 1000`) replaced.
    let mut args: Vec<String> = submit_value(&sub, "arguments")
        .split_whitespace()
        .map(String::from)
        .collect();
    let every = args.iter().position(|a| a == "--snapshot-every").unwrap();
    args[every + 1] = "300ms".into();
    let dashes = args.iter().position(|a| a == "--").unwrap();
    args.truncate(dashes + 1);
    let prog_args = ["300", "4000000"];
    args.extend(prog_args.iter().map(|s| s.to_string()));

    let root = scratch("htcondor");
    let want = uninterrupted(&root, &prog_args);
    let spool = root.join("spool");
    let mut starts = 0;
    let status = loop {
        starts += 1;
        assert!(starts < 200, "the job never ended");
        let sandbox = root.join(format!("execute-{starts}"));
        std::fs::create_dir_all(&sandbox).unwrap();
        std::fs::copy(root.join("prog.c"), sandbox.join("prog.c")).unwrap();
        if spool.exists() {
            copy_tree(&spool.join(ckpt), &sandbox.join(ckpt));
        }
        let engine = if starts % 2 == 1 { "jit" } else { "interp" };
        let mut a = args.clone();
        a.splice(1..1, ["--engine".to_string(), engine.to_string()]);
        let o = Command::new(PIVM)
            .args(&a)
            .current_dir(&sandbox)
            .output()
            .unwrap();
        let st = code(&o);
        if st != exit_code {
            assert!(o.stdout.is_empty(), "the output goes to {output}");
            std::fs::copy(sandbox.join(output), root.join("stdout")).unwrap();
            break st;
        }
        let _ = std::fs::remove_dir_all(&spool);
        copy_tree(&sandbox.join(ckpt), &spool.join(ckpt));
        std::fs::remove_dir_all(&sandbox).unwrap();
    };
    assert_eq!(status, 3);
    assert!(
        starts >= 3,
        "only {starts} starts: the program ran too fast"
    );
    assert_eq!(read(root.join("stdout")), want);
    let _ = std::fs::remove_dir_all(&root);
}

/// Two pivms on one directory (a job being killed while its requeued copy
/// starts): the second waits for the first's lock, then, the first having
/// ended and removed its snapshots, starts afresh; the output is one run's.
#[test]
fn a_second_pivm_waits_for_the_directory() {
    let d = scratch("lock");
    let args = ["300", "3000000"];
    let want = uninterrupted(&d, &args);
    let first = spawn_batch(&d, "jit", &args);
    wait_for("the first run's start", || d.join("ckpt/job.json").exists());
    let second = batch(&d, &["--engine", "jit"], &args);
    let o = first.wait_with_output().unwrap();
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert_eq!(code(&second), 3, "{}", stderr(&second));
    assert!(
        stderr(&second).contains("waiting for another pivm"),
        "{}",
        stderr(&second)
    );
    assert_eq!(read(d.join("ckpt/stdout")), want);
    let _ = std::fs::remove_dir_all(&d);
}
