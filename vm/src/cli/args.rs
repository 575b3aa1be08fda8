//! The command line's definition: one clap derive per subcommand. Usage
//! errors (unknown options, missing or bad values) are clap's, with exit
//! status 2; `pivm --help` ends with the exit-code table (`exit.rs`).

use clap::{Args, Parser, Subcommand, ValueEnum};
use pivm::control;
use pivm::Config;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Parser, Debug)]
#[command(
    name = "pivm",
    version,
    about = "pivm: a portable, checkpointable VM. Runs C-subset or .pir programs \
             natively (Cranelift JIT) or on an interpreter, snapshots them at any \
             safepoint and resumes the snapshots on either engine, on any architecture.",
    arg_required_else_help = true,
    after_help = super::exit::help_table()
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Compile a C program of one or more files (or check a .pir one) to IR text
    Compile(CompileArgs),
    /// Run a program from its start
    Run(RunArgs),
    /// Resume a program from a snapshot
    Resume(ResumeArgs),
    /// Ask a running pivm to snapshot itself at its next safepoint
    Snapshot(SnapshotArgs),
    /// Describe a snapshot: backtrace, heap, history, its chain
    Inspect(InspectArgs),
    /// Fold a snapshot chain (a delta and its ancestors) into one full snapshot
    Compact(CompactArgs),
    /// Receive programs over the network (migrated or copied) and run them
    Serve(ServeArgs),
    /// Move a running program to a `pivm serve`, live: memory is sent while
    /// it runs, then it stops, sends what changed, and runs there
    Migrate(MigrateArgs),
}

#[derive(Args, Debug)]
pub struct CompileArgs {
    /// The program: one PROG.pir (parsed and verified), or one or more C
    /// files, compiled and linked into one program
    #[arg(value_name = "PROG", required = true)]
    pub inputs: Vec<PathBuf>,
    /// Write the IR text to OUT instead of standard output (`-`: standard
    /// output)
    #[arg(short = 'o', value_name = "OUT.pir")]
    pub output: Option<PathBuf>,
    /// Write the module as `pivm run` runs it: small leaf functions
    /// inlined into their callers (an inlined instruction's `line N in
    /// @f` names the function it comes from), slots promoted to locals,
    /// functions copied for the callbacks they are passed (`@g.f`) and
    /// for the constants every call passes them (`@f.const`), self
    /// tail calls made loops, small recursions inlined into themselves once,
    /// small loops that test data to stop unrolled twice (`.u` blocks)
    #[arg(long)]
    pub optimized: bool,
    #[command(flatten)]
    pub cc: CcOpts,
}

#[derive(Args, Debug)]
#[command(
    after_help = "The program is PROG.pir, or the C files before `--` (or, without \
                        `--`, the leading arguments that end in .c): `pivm run main.c util.c \
                        -- ARGS`. The arguments after `--` are the program's."
)]
pub struct RunArgs {
    /// The program: PROG.pir, or one or more C files (compiled and linked
    /// first), then the program's arguments (after `--`)
    #[arg(value_name = "PROG", required = true)]
    pub program: Vec<PathBuf>,
    /// Arguments of the program (its argv[1..]), after `--`
    #[arg(value_name = "ARGS", last = true)]
    pub args: Vec<String>,
    #[command(flatten)]
    pub cc: CcOpts,
    #[command(flatten)]
    pub opts: RunOpts,
    #[command(flatten)]
    pub batch: BatchOpts,
}

/// The batch mode of `run` (`batch.rs`): one command a job script runs
/// each time the scheduler starts or restarts the job.
#[derive(Args, Debug, Clone)]
pub struct BatchOpts {
    /// Batch mode: resume from the snapshot in DIR if there is one (a
    /// damaged one is an error, exit 66), else start; snapshot every 10m
    /// (or --snapshot-every), on USR1 (and continue) and TERM (and exit
    /// 85); the program's stdout goes to DIR/stdout, cut back to the
    /// snapshot's output on resume, so it ends as an uninterrupted run's
    #[arg(
        long,
        value_name = "DIR",
        conflicts_with_all = ["snapshot_path", "no_safepoints"],
        help_heading = "Batch mode"
    )]
    pub checkpoint_dir: Option<PathBuf>,
    /// With --checkpoint-dir: where the program's stdout goes instead of
    /// DIR/stdout; `-` keeps pivm's stdout (then output printed after the
    /// last snapshot is printed again on resume)
    #[arg(
        long = "stdout",
        value_name = "FILE",
        requires = "checkpoint_dir",
        help_heading = "Batch mode"
    )]
    pub stdout: Option<PathBuf>,
}

impl RunArgs {
    /// The program's files and its arguments: the leading `.c` files
    /// (or the first file, a `.pir`), then the rest and what follows
    /// `--`.
    pub fn split(&self) -> (Vec<PathBuf>, Vec<String>) {
        let is_c = |p: &PathBuf| p.as_os_str().as_encoded_bytes().ends_with(b".c");
        let n = self.program.iter().take_while(|p| is_c(p)).count().max(1);
        let files = self.program[..n].to_vec();
        let mut args: Vec<String> = self.program[n..]
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        args.extend(self.args.iter().cloned());
        (files, args)
    }
}

/// The C compiler's options, as cc's.
#[derive(Args, Debug, Clone, Default)]
pub struct CcOpts {
    /// Search DIR for #include files, after the including file's folder
    /// and before pivm's standard headers (repeatable)
    #[arg(short = 'I', value_name = "DIR", help_heading = "C options")]
    pub include: Vec<PathBuf>,
    /// Define macro NAME as VALUE (default 1) in every C file (repeatable)
    #[arg(short = 'D', value_name = "NAME[=VALUE]", value_parser = define, help_heading = "C options")]
    pub define: Vec<(String, String)>,
    /// Undefine macro NAME, after the -D options (repeatable)
    #[arg(short = 'U', value_name = "NAME", value_parser = macro_name, help_heading = "C options")]
    pub undef: Vec<String>,
}

impl CcOpts {
    /// The frontend's options.
    pub fn options(&self) -> pivm_cc::Options {
        let mut macros: Vec<(String, Option<String>)> = self
            .define
            .iter()
            .map(|(n, v)| (n.clone(), Some(v.clone())))
            .collect();
        macros.extend(self.undef.iter().map(|n| (n.clone(), None)));
        pivm_cc::Options {
            include_dirs: self.include.clone(),
            macros,
        }
    }
}

/// A `-U` value: a C identifier.
fn macro_name(s: &str) -> Result<String, String> {
    let mut chars = s.chars();
    let ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(s.to_string())
    } else {
        Err(format!("'{s}' is not a macro name (a C identifier)"))
    }
}

/// A `-D` value: `NAME` (defined as 1) or `NAME=VALUE`, VALUE on one line.
fn define(s: &str) -> Result<(String, String), String> {
    let (name, value) = s.split_once('=').unwrap_or((s, "1"));
    if value.contains(['\n', '\r']) {
        return Err("the value of a -D macro must be on one line".into());
    }
    Ok((macro_name(name)?, value.to_string()))
}

#[derive(Args, Debug)]
pub struct ResumeArgs {
    /// The snapshot to resume
    #[arg(value_name = "SNAP.msgpack")]
    pub snapshot: PathBuf,
    #[command(flatten)]
    pub opts: RunOpts,
}

#[derive(Args, Debug)]
pub struct SnapshotArgs {
    /// Snapshot at the next safepoint the program reaches (the only mode)
    #[arg(long, required = true)]
    pub at_next_safepoint: bool,
    /// The process id of the running pivm
    #[arg(long, value_name = "PID")]
    pub pid: u32,
    /// Where the snapshot goes (default: the run's --snapshot-path)
    #[arg(short = 'o', value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// Make the program exit (status 85) after the snapshot
    #[arg(long, conflicts_with = "to")]
    pub exit: bool,
    /// Duplicate: send the snapshot to the `pivm serve` at ADDR
    /// (HOST:PORT), which runs a copy; the program continues here
    #[arg(
        long,
        value_name = "ADDR",
        requires = "token_file",
        conflicts_with = "output"
    )]
    pub to: Option<String>,
    /// The shared secret of --to (a file only you can read)
    #[arg(long, value_name = "FILE", requires = "to")]
    pub token_file: Option<PathBuf>,
    /// With --to: send the contents of the program's open files too
    #[arg(long, requires = "to")]
    pub with_files: bool,
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// The address to listen on (HOST:PORT; port 0 picks one, printed on
    /// stderr)
    #[arg(long, value_name = "ADDR")]
    pub listen: String,
    /// The shared secret senders must prove (a file only you can read)
    #[arg(long, value_name = "FILE")]
    pub token_file: PathBuf,
    /// Serve one program, then exit with its exit status
    #[arg(long)]
    pub once: bool,
    /// The engine that runs received programs
    #[arg(long, value_enum, default_value_t = EngineChoice::default())]
    pub engine: EngineChoice,
    /// Keep each received program in a directory under D (its snapshots,
    /// stdout, stderr and carried files); without it they are kept in a
    /// private temporary directory and write to serve's stdout and stderr
    #[arg(long, value_name = "D")]
    pub dir: Option<PathBuf>,
    /// Print what each received program did, and pass --stats to it
    #[arg(long)]
    pub stats: bool,
}

#[derive(Args, Debug)]
pub struct MigrateArgs {
    /// The process id of the running pivm
    #[arg(long, value_name = "PID")]
    pub pid: u32,
    /// The `pivm serve` to move it to (HOST:PORT)
    #[arg(long, value_name = "ADDR")]
    pub to: String,
    /// The shared secret (a file only you can read)
    #[arg(long, value_name = "FILE")]
    pub token_file: PathBuf,
    /// Send the contents of the program's open files too
    #[arg(long)]
    pub with_files: bool,
    /// Print the rounds, bytes sent and downtime
    #[arg(long)]
    pub stats: bool,
}

#[derive(Args, Debug)]
pub struct InspectArgs {
    /// The snapshot to describe
    #[arg(value_name = "SNAP.msgpack")]
    pub snapshot: PathBuf,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct CompactArgs {
    /// The newest snapshot of the chain
    #[arg(value_name = "SNAP.msgpack")]
    pub snapshot: PathBuf,
    /// Where the full snapshot goes
    #[arg(short = 'o', value_name = "FULL.msgpack")]
    pub output: PathBuf,
    /// How to store its memory: none, lz4, zstd or zstd:LEVEL (default:
    /// as the newest member stores it)
    #[arg(long, value_name = "CODEC", value_parser = codec)]
    pub compress: Option<pivm_snapshot::Codec>,
}

/// The engine a program runs on. The JIT is the default where pivm was
/// built with it (the cargo feature `jit`), the interpreter otherwise.
#[derive(ValueEnum, Copy, Clone, PartialEq, Eq, Debug, Default)]
pub enum EngineChoice {
    /// Compile to native code with Cranelift
    #[cfg_attr(feature = "jit", default)]
    Jit,
    /// Interpret the IR (runs anywhere)
    #[cfg_attr(not(feature = "jit"), default)]
    Interp,
}

impl EngineChoice {
    /// How a snapshot records the engine that took it.
    pub fn recorded(self) -> pivm_snapshot::EngineKind {
        match self {
            EngineChoice::Jit => pivm_snapshot::EngineKind::Jit,
            EngineChoice::Interp => pivm_snapshot::EngineKind::Interp,
        }
    }
}

/// What `--profile` writes.
#[derive(ValueEnum, Copy, Clone, PartialEq, Eq, Debug)]
pub enum Profile {
    /// /tmp/perf-PID.map for perf
    Perfmap,
}

/// What `--stats` counts.
#[derive(ValueEnum, Copy, Clone, PartialEq, Eq, Debug)]
pub enum Stats {
    /// Timings, and a count of every safepoint (the JIT counts in its
    /// polls: a decrement beside each poll's load)
    Count,
    /// Timings without counting every safepoint: polls stay on their fast
    /// path, so timings and request latencies are those of a normal run
    /// (`safepoints=` then counts only the requests served)
    Nocount,
}

/// The options `run` and `resume` share.
#[derive(Args, Debug, Clone)]
pub struct RunOpts {
    /// The engine
    #[arg(long, value_enum, default_value_t = EngineChoice::default())]
    pub engine: EngineChoice,

    /// Where snapshots go (default: the program's stem .msgpack in the
    /// current directory)
    #[arg(long, value_name = "PATH", help_heading = "Snapshot options")]
    pub snapshot_path: Option<PathBuf>,
    /// Snapshot at the N-th safepoint reached in this run (deterministic,
    /// the same on both engines)
    #[arg(
        long,
        value_name = "N",
        value_parser = clap::value_parser!(u64).range(1..),
        help_heading = "Snapshot options"
    )]
    pub snapshot_after: Option<u64>,
    /// Snapshot every DURATION (500ms, 2s, 1m, 1h), continuing after each;
    /// counted from the end of the previous snapshot's write
    #[arg(long, value_name = "DURATION", value_parser = duration, help_heading = "Snapshot options")]
    pub snapshot_every: Option<Duration>,
    /// Snapshot on SIGNAL (repeatable): USR1, USR2, HUP continue after it;
    /// TERM, INT exit with status 85
    #[arg(long, value_name = "SIGNAL", value_parser = signal, help_heading = "Snapshot options")]
    pub snapshot_on: Vec<(i32, bool)>,
    /// Exit with status 85 after the first snapshot
    #[arg(long, help_heading = "Snapshot options")]
    pub exit_after_snapshot: bool,
    /// Write deltas: the first snapshot at the snapshot path is full, the
    /// next ones hold only the pages changed since the one before, which
    /// is kept beside it as PATH.<id>; after K deltas (default 8), or once
    /// the deltas outgrow the full snapshot, a full one starts a new chain
    /// and the old files are removed
    #[arg(
        long,
        value_name = "K",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "8",
        value_parser = clap::value_parser!(u32).range(1..=(pivm_snapshot::MAX_CHAIN as i64 - 1)),
        help_heading = "Snapshot options"
    )]
    pub incremental: Option<u32>,
    /// Compress the memory of every snapshot written: lz4 (fast), zstd
    /// (level 1, smaller) or zstd:LEVEL (1-19); none, the default, writes
    /// raw memory that resumes fastest. A reader needs no option
    #[arg(
        long,
        value_name = "CODEC",
        value_parser = codec,
        default_value = "none",
        help_heading = "Snapshot options"
    )]
    pub compress: pivm_snapshot::Codec,

    /// Preopen host directory HOST for the program under guest name GUEST
    /// (default: HOST as written), read-write, or read-only with `:ro`
    /// (repeatable). The program opens files only beneath its preopens:
    /// absolute paths through the absolute GUEST names (`--dir
    /// /srv/in::/data:ro` gives /data), relative ones through `.` (`--dir
    /// work::.`). Without --dir the current directory is `.`, read-write
    #[arg(
        long = "dir",
        value_name = "HOST[::GUEST][:ro]",
        value_parser = dir_spec,
        help_heading = "Files"
    )]
    pub dirs: Vec<DirSpec>,
    /// Do not preopen the current directory when no --dir is given: the
    /// program can open no file at all
    #[arg(long, help_heading = "Files")]
    pub no_default_dir: bool,

    /// Call depth limit (a deeper call traps with a stack overflow, as does
    /// recursion whose frames take over 1 GiB of host memory; a function's
    /// call of itself in tail position is a loop, not a call); on resume, a
    /// snapshot's own limit applies only below it
    #[arg(long, value_name = "N", default_value_t = Config::default().max_depth)]
    pub max_depth: u32,
    /// Shadow stack size in bytes
    #[arg(long, value_name = "BYTES", default_value_t = Config::default().stack_size)]
    pub stack_size: u64,
    /// Back VM memory with transparent huge pages where the host allows
    /// (madvise): a forked snapshot writer's pause at a large heap is
    /// several times shorter, but each first touch of 2 MiB zeroes all of
    /// it at once, which on some virtual machines takes milliseconds and
    /// makes run times vary, and memory is held in 2 MiB pieces
    #[arg(long)]
    pub huge_pages: bool,
    /// Print timings and counts as `pivm: stats:` lines on stderr;
    /// `--stats` counts every safepoint, `--stats=nocount` does not
    #[arg(
        long,
        value_enum,
        value_name = "MODE",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "count"
    )]
    pub stats: Option<Stats>,
    /// For measurement: every DURATION, ask for a safepoint without a
    /// snapshot and time how long the program takes to reach one; at exit
    /// prints `pivm: stats: probes=N probe_p50_us= probe_p99_us=
    /// probe_max_us=` on stderr
    #[arg(long, value_name = "DURATION", value_parser = duration)]
    pub probe_latency: Option<Duration>,
    /// Write a profiler's symbol map of the JIT code: `perfmap` writes
    /// /tmp/perf-PID.map, so `perf record` / `perf report` name the
    /// program's functions (--engine jit only)
    #[arg(long, value_enum, value_name = "KIND", require_equals = true)]
    pub profile: Option<Profile>,
    /// For measurement only: the JIT compiles without polls, so no snapshot
    /// can be taken (--engine jit only)
    #[arg(
        long,
        conflicts_with_all = [
            "snapshot_path",
            "snapshot_after",
            "snapshot_every",
            "snapshot_on",
            "incremental",
            "exit_after_snapshot",
            "compress",
        ]
    )]
    pub no_safepoints: bool,
}

impl RunOpts {
    /// The runtime configuration these options give.
    pub fn config(&self) -> Config {
        Config {
            stack_size: self.stack_size,
            max_depth: self.max_depth,
            snapshot_after: self.snapshot_after,
            count_safepoints: self.stats == Some(Stats::Count),
            huge_pages: self.huge_pages,
            ..Config::default()
        }
    }
}

/// A `--dir` value: a host directory, the guest name it is seen under and
/// whether it is read-only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirSpec {
    pub host: PathBuf,
    pub guest: String,
    pub read_only: bool,
}

impl RunOpts {
    /// The preopened directories these options give: the `--dir`s, or the
    /// current directory as `.` (read-write) when there is none and
    /// `--no-default-dir` is not given.
    pub fn preopens(&self) -> Vec<DirSpec> {
        if self.dirs.is_empty() && !self.no_default_dir {
            return vec![DirSpec {
                host: PathBuf::from("."),
                guest: ".".into(),
                read_only: false,
            }];
        }
        self.dirs.clone()
    }
}

/// Parses `HOST[::GUEST][:ro|:rw]`. The suffix is taken off first, so a
/// host directory whose name ends in `:ro` is written `NAME:ro:rw`.
pub fn dir_spec(s: &str) -> Result<DirSpec, String> {
    let (rest, read_only) = if let Some(r) = s.strip_suffix(":ro") {
        (r, true)
    } else if let Some(r) = s.strip_suffix(":rw") {
        (r, false)
    } else {
        (s, false)
    };
    let (host, guest) = rest.split_once("::").unwrap_or((rest, rest));
    if host.is_empty() {
        return Err("the host directory is empty (expected HOST[::GUEST][:ro])".into());
    }
    if guest.is_empty() {
        return Err("the guest name is empty (expected HOST[::GUEST][:ro])".into());
    }
    if guest.split('/').any(|c| c == "..") {
        return Err(format!("the guest name '{guest}' must not contain '..'"));
    }
    Ok(DirSpec {
        host: PathBuf::from(host),
        guest: guest.to_string(),
        read_only,
    })
}

/// A `--snapshot-every` value.
fn codec(s: &str) -> Result<pivm_snapshot::Codec, String> {
    pivm_snapshot::Codec::parse(s)
}

fn duration(s: &str) -> Result<Duration, String> {
    control::parse_duration(s).ok_or_else(|| "not a duration (like 500ms, 2s, 1m)".into())
}

/// A `--snapshot-on` value: the signal and whether it exits after the snapshot.
fn signal(s: &str) -> Result<(i32, bool), String> {
    control::parse_signal(&s.to_ascii_uppercase())
        .ok_or_else(|| "unknown signal (expected USR1, USR2, HUP, TERM or INT)".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn dir_specs() {
        let d = |h: &str, g: &str, ro| DirSpec {
            host: PathBuf::from(h),
            guest: g.into(),
            read_only: ro,
        };
        assert_eq!(dir_spec("data"), Ok(d("data", "data", false)));
        assert_eq!(
            dir_spec("/srv/in::/data:ro"),
            Ok(d("/srv/in", "/data", true))
        );
        assert_eq!(dir_spec("work::."), Ok(d("work", ".", false)));
        assert_eq!(dir_spec("odd:ro:rw"), Ok(d("odd:ro", "odd:ro", false)));
        assert_eq!(dir_spec("x:ro"), Ok(d("x", "x", true)));
        assert!(dir_spec("").is_err());
        assert!(dir_spec(":ro").is_err());
        assert!(dir_spec("x::").is_err());
        assert!(dir_spec("x::/a/../b").is_err());
        assert!(dir_spec("::/a").is_err());
    }

    #[test]
    fn macros_and_program_files() {
        assert_eq!(define("X"), Ok(("X".into(), "1".into())));
        assert_eq!(define("X=a b"), Ok(("X".into(), "a b".into())));
        assert_eq!(define("X="), Ok(("X".into(), String::new())));
        assert!(define("1X").is_err());
        assert!(define("X=a\nb").is_err());
        assert!(macro_name("").is_err());
        let cli = Cli::parse_from(["pivm", "run", "a.c", "b.c", "x", "-DN=2", "--", "y"]);
        let Command::Run(r) = cli.command else {
            panic!("a run command")
        };
        let (files, args) = r.split();
        assert_eq!(files, [PathBuf::from("a.c"), PathBuf::from("b.c")]);
        assert_eq!(args, ["x", "y"]);
        assert_eq!(r.cc.define, [("N".to_string(), "2".to_string())]);
        let cli = Cli::parse_from(["pivm", "run", "p.pir", "q.c"]);
        let Command::Run(r) = cli.command else {
            panic!("a run command")
        };
        assert_eq!(
            r.split(),
            (vec![PathBuf::from("p.pir")], vec!["q.c".to_string()])
        );
    }
}
