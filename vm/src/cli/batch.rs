//! `pivm run --checkpoint-dir DIR`: the batch mode, one command that a job
//! script runs every time a scheduler (Slurm, Grid Engine, HTCondor)
//! starts or restarts the job.
//!
//! - DIR holds the job's state: `checkpoint.msgpack` (with its ancestors
//!   `checkpoint.msgpack.<id>` under `--incremental`), `job.json` (the
//!   program's arguments, checked on resume), `lock` (one pivm per DIR)
//!   and, by default, `stdout`, the program's standard output.
//! - A snapshot in DIR is resumed; none starts the program. A snapshot
//!   that is there but cannot be resumed (damaged, of another program or
//!   other arguments, its output file cut short) is an error, exit 66,
//!   never a silent start from zero: a requeued job would print its output
//!   a second time and lose the hours it had run. The user decides
//!   (remove DIR to start over).
//! - Snapshots are taken every `--snapshot-every` (default 10 minutes), on
//!   USR1 (the run continues) and on TERM (exit 85, HTCondor's
//!   self-checkpointing status), unless the command line says otherwise
//!   for those signals.
//! - Output: the snapshot records how many bytes the program had written
//!   to stdout. The program's stdout is a file pivm owns (DIR/stdout or
//!   `--stdout FILE`): a start truncates it, a resume cuts it back to the
//!   snapshot's count before the program goes on, so whatever was printed
//!   after the last snapshot is not printed twice and the file ends equal
//!   to an uninterrupted run's output. The file is fsynced before each
//!   snapshot, so a durable snapshot never counts output that a crash
//!   lost. `--stdout -` keeps pivm's own stdout (a pipe or the scheduler's
//!   log): output since the last snapshot is then printed again on resume.
//! - When the program ends (its own exit status or a trap), the snapshot
//!   files and `job.json` are removed: running the command again starts
//!   afresh. A program that itself exits with 85 looks like a snapshot
//!   exit, as under HTCondor, and keeps them.

use super::args::RunArgs;
use super::commands;
use super::exit::{Exit, Fail, Result};
use std::fs::{File, OpenOptions};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The snapshot's name in the checkpoint directory.
pub const SNAPSHOT: &str = "checkpoint.msgpack";
/// The program's arguments, written at the start, checked on resume.
const MANIFEST: &str = "job.json";
/// Locked (flock) while a pivm runs the job.
const LOCK: &str = "lock";
/// The default output file in the checkpoint directory.
const STDOUT: &str = "stdout";
/// The default `--snapshot-every` of the batch mode.
const DEFAULT_EVERY: Duration = Duration::from_secs(600);
/// How long a start waits for another pivm holding the lock (a job being
/// killed while its requeued copy starts).
const LOCK_WAIT: Duration = Duration::from_secs(30);

/// Set while stdout is the batch mode's output file: `sync_output` then
/// fsyncs it before each snapshot.
static OUTPUT_IS_FILE: AtomicBool = AtomicBool::new(false);

/// Makes the output written so far durable before a snapshot records its
/// length (batch mode only; a no-op otherwise).
pub fn sync_output() {
    if OUTPUT_IS_FILE.load(Ordering::Relaxed) {
        // SAFETY: fsync on a descriptor number has no memory effects; a
        // failure leaves the snapshot to count bytes the page cache holds.
        unsafe { libc::fsync(1) };
    }
}

fn log(msg: &str) {
    pivm::eprintln_ok!("pivm: batch: {msg}");
}

/// Runs `a` in the batch mode, with `dir` its `--checkpoint-dir`.
pub fn run(mut a: RunArgs, dir: PathBuf) -> Result<u8> {
    let shown = dir.display().to_string();
    std::fs::create_dir_all(&dir).map_err(|e| {
        Fail::new(
            Exit::Write,
            format!("cannot create the checkpoint directory '{shown}': {e}"),
        )
    })?;
    let _lock = lock(&dir)?;
    let snap = dir.join(SNAPSHOT);
    let output = match &a.batch.stdout {
        Some(p) if p.as_os_str() == "-" => None,
        Some(p) => Some(p.clone()),
        None => Some(dir.join(STDOUT)),
    };
    let opts = &mut a.opts;
    opts.snapshot_path = Some(snap.clone());
    opts.snapshot_every.get_or_insert(DEFAULT_EVERY);
    for (sig, exits) in [(libc::SIGUSR1, false), (libc::SIGTERM, true)] {
        if !opts.snapshot_on.iter().any(|s| s.0 == sig) {
            opts.snapshot_on.push((sig, exits));
        }
    }
    let code = if snap.symlink_metadata().is_ok() {
        resume(&a, &dir, &snap, output.as_deref())?
    } else {
        start(a, &dir, output.as_deref())?
    };
    if code == Exit::Snapshot.code() {
        log(&format!(
            "snapshot written to {}; exiting with status 85 (run the same command to resume)",
            snap.display()
        ));
    } else {
        finished(&dir);
        log(&format!(
            "the program ended with status {code}; its snapshots in {shown} are removed"
        ));
    }
    Ok(code)
}

/// Takes the directory's lock, waiting up to `LOCK_WAIT` for a pivm that
/// holds it; the lock is released when the file is closed.
fn lock(dir: &Path) -> Result<File> {
    let path = dir.join(LOCK);
    let f = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| {
            Fail::new(
                Exit::Write,
                format!("cannot open the lock file '{}': {e}", path.display()),
            )
        })?;
    let t = Instant::now();
    let mut said = false;
    loop {
        // SAFETY: flock on a descriptor we own.
        if unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
            return Ok(f);
        }
        if t.elapsed() >= LOCK_WAIT {
            return Err(Fail::new(
                Exit::Input,
                format!(
                    "another pivm still runs with the checkpoint directory '{}' (its lock is held): \
                     wait for it to end, or give this job its own directory",
                    dir.display()
                ),
            ));
        }
        if !said {
            log("waiting for another pivm that holds the checkpoint directory's lock");
            said = true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Starts the program from the beginning, with an empty output file.
fn start(a: RunArgs, dir: &Path, output: Option<&Path>) -> Result<u8> {
    log(&format!(
        "no snapshot in {}: starting {}",
        dir.display(),
        program_name(&a.program)
    ));
    write_manifest(dir, &a.args)?;
    if let Some(out) = output {
        redirect_stdout(out, None)?;
        log(&format!("the program's output goes to {}", out.display()));
    }
    commands::run(a)
}

/// Resumes the directory's snapshot, after checking that it is this job's
/// and cutting the output file back to what the snapshot had written.
fn resume(a: &RunArgs, dir: &Path, snap: &Path, output: Option<&Path>) -> Result<u8> {
    let t = Instant::now();
    let shown = snap.display();
    let damaged = |e: String| {
        Fail::new(
            Exit::Input,
            format!(
                "{shown}: {e}\n(the job's snapshot cannot be resumed; pivm does not start the \
                 program over, which would print its output again: remove {} to start from the \
                 beginning)",
                dir.display()
            ),
        )
    };
    let chain = pivm_snapshot::Chain::open(snap).map_err(|e| damaged(e.to_string()))?;
    let module = pivm_snapshot::validate_file(chain.newest(), &pivm_snapshot::Limits::default())
        .map_err(|e| damaged(e.to_string()))?;
    let body = &chain.newest().snapshot.body;
    // The program: compiled again (its source path taken as the
    // snapshot's, which another node may see elsewhere) and compared.
    let mut ours = commands::load(&a.program, &a.cc)?;
    pivm_ir::optimize(&mut ours);
    ours.source.clone_from(&module.source);
    let hash = body.program.hash;
    if pivm_snapshot::program_hash(&ours) != hash
        && pivm_snapshot::program_hash_every_loop(&ours) != hash
    {
        return Err(damaged(format!(
            "it is a snapshot of another program than {} (or of it as a pivm build with \
             another optimizer ran it: resume that snapshot with that build)",
            program_name(&a.program)
        )));
    }
    if let Some(args) = read_manifest(dir)? {
        if args != a.args {
            return Err(damaged(format!(
                "the job was started with the arguments {args:?}, not {:?}",
                a.args
            )));
        }
    }
    let keep = body
        .io
        .stdout_written
        .saturating_sub(body.io.stdout_pending.len() as u64);
    let last = body.history.last();
    log(&format!(
        "resuming from {shown} (snapshot {} of the job, taken on {}/{}; {keep} bytes of output before it)",
        body.counters.snapshots + 1,
        last.map_or("?", |h| h.arch.as_str()),
        last.map_or("?".to_string(), |h| format!("{:?}", h.engine).to_lowercase()),
    ));
    // The output file is cut back only once the snapshot has loaded
    // (memory sections are checked as they are read): a snapshot that
    // fails leaves the file as it was.
    let mut loaded = false;
    let mut ready = || {
        loaded = true;
        match output {
            Some(out) => {
                redirect_stdout(out, Some(keep)).map_err(|f| damaged(f.message))?;
                log(&format!(
                    "the program's output goes on in {} (cut back to {keep} bytes)",
                    out.display()
                ));
            }
            None => log("output printed after that snapshot is printed again (--stdout -)"),
        }
        Ok(())
    };
    let result = commands::resume_validated(snap, chain, module, None, &a.opts, t, &mut ready);
    match result {
        Err(f) if !loaded && f.code == Exit::Input.code() => Err(damaged(
            f.message
                .strip_prefix(&format!("{shown}: "))
                .unwrap_or(&f.message)
                .to_string(),
        )),
        r => r,
    }
}

/// Makes `out` the process's stdout: truncated (a start, `keep` None) or
/// cut back to `keep` bytes, which it must have (a resume).
fn redirect_stdout(out: &Path, keep: Option<u64>) -> Result<()> {
    let shown = out.display();
    let cannot = |what: &str, e: std::io::Error| {
        Fail::new(Exit::Write, format!("cannot {what} '{shown}': {e}"))
    };
    let f = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(out)
        .map_err(|e| cannot("open the output file", e))?;
    let len = f
        .metadata()
        .map_err(|e| cannot("read the output file", e))?
        .len();
    let keep = keep.unwrap_or(0);
    if len < keep {
        return Err(Fail::new(
            Exit::Input,
            format!(
                "the output file '{shown}' has {len} bytes, but the snapshot counts {keep} bytes \
                 written to it: it was cut short or replaced"
            ),
        ));
    }
    f.set_len(keep)
        .map_err(|e| cannot("truncate the output file", e))?;
    f.sync_all()
        .map_err(|e| cannot("sync the output file", e))?;
    use std::io::{Seek, SeekFrom};
    (&f).seek(SeekFrom::End(0))
        .map_err(|e| cannot("seek in the output file", e))?;
    use std::io::Write;
    let _ = std::io::stdout().flush();
    // SAFETY: dup2 of a descriptor we own onto 1; `f` is closed after.
    if unsafe { libc::dup2(f.as_raw_fd(), 1) } < 0 {
        return Err(cannot(
            "make stdout of the output file",
            std::io::Error::last_os_error(),
        ));
    }
    OUTPUT_IS_FILE.store(true, Ordering::Relaxed);
    Ok(())
}

fn write_manifest(dir: &Path, args: &[String]) -> Result<()> {
    let path = dir.join(MANIFEST);
    let text = serde_json::json!({ "args": args }).to_string();
    let tmp = dir.join(format!(".{MANIFEST}.tmp"));
    let write = || -> std::io::Result<()> {
        use std::io::Write;
        let mut f = File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, &path)
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Fail::new(
            Exit::Write,
            format!("cannot write '{}': {e}", path.display()),
        )
    })
}

/// The arguments `job.json` records; None if there is no such file (a
/// snapshot put in the directory by hand).
fn read_manifest(dir: &Path) -> Result<Option<Vec<String>>> {
    let path = dir.join(MANIFEST);
    let bad = |e: String| Fail::new(Exit::Input, format!("{}: {e}", path.display()));
    let text = match std::fs::read(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(bad(e.to_string())),
    };
    let v: serde_json::Value = serde_json::from_slice(&text).map_err(|e| bad(e.to_string()))?;
    let args = v
        .get("args")
        .and_then(|a| a.as_array())
        .and_then(|a| {
            a.iter()
                .map(|s| s.as_str().map(String::from))
                .collect::<Option<Vec<_>>>()
        })
        .ok_or_else(|| bad("no \"args\" list of strings".into()))?;
    Ok(Some(args))
}

/// Removes the job's snapshots and manifest once the program has ended.
fn finished(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let name = name.to_string_lossy();
        if name == SNAPSHOT || name.starts_with(&format!("{SNAPSHOT}.")) || name == MANIFEST {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// The program's files, for messages.
fn program_name(paths: &[std::path::PathBuf]) -> String {
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    names.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_round_trip() {
        let d = std::env::temp_dir().join(format!("pivm-batch-unit-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        assert_eq!(read_manifest(&d).unwrap(), None);
        let args = vec!["a b".to_string(), "\"q\"\n".to_string()];
        write_manifest(&d, &args).unwrap();
        assert_eq!(read_manifest(&d).unwrap(), Some(args));
        std::fs::write(d.join(MANIFEST), "{").unwrap();
        assert!(read_manifest(&d).is_err());
        let _ = std::fs::remove_dir_all(&d);
    }
}
