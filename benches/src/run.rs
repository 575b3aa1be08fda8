//! Running the variants of a program and measuring them.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// The newest wasmtime-cli that builds with the workspace's Rust 1.95.
const WASMTIME_VERSION: &str = "48.0.8";

/// Median, min and max of a series of measurements.
#[derive(Clone, Copy, Debug, Default)]
pub struct Stat {
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

impl Stat {
    pub fn of(xs: &[f64]) -> Stat {
        if xs.is_empty() {
            return Stat::default();
        }
        let mut v = xs.to_vec();
        v.sort_by(|a, b| a.total_cmp(b));
        let median = if v.len() % 2 == 1 {
            v[v.len() / 2]
        } else {
            (v[v.len() / 2 - 1] + v[v.len() / 2]) / 2.0
        };
        Stat {
            median,
            min: v[0],
            max: v[v.len() - 1],
        }
    }
}

pub enum Kind {
    Native(PathBuf),
    Pivm(Vec<String>),
    Wasm { module: PathBuf, epoch: bool },
}

/// One way of running a program.
pub struct Variant {
    pub name: String,
    kind: Kind,
}

/// What a wasm toolchain needs: clang's sysroot and a wasmtime binary.
pub struct WasmToolchain {
    /// A wasi-sdk style sysroot, if any; Debian's clang finds Debian's
    /// wasi-libc (/usr/include/wasm32-wasi) on its own.
    sysroot: Option<PathBuf>,
    wasmtime: PathBuf,
}

impl Variant {
    pub fn gcc(r: &Runner, src: &Path) -> Result<Variant, String> {
        let out = r.tmp.join(format!("{}.gcc", stem(src)));
        run_ok(
            Command::new("gcc")
                .args(["-O2", "-w", "-o"])
                .arg(&out)
                .arg(src)
                .arg("-lm"),
        )?;
        Ok(Variant {
            name: "gcc -O2".into(),
            kind: Kind::Native(out),
        })
    }

    pub fn pivm(name: &str, args: &[&str]) -> Variant {
        Variant {
            name: name.into(),
            kind: Kind::Pivm(args.iter().map(|s| s.to_string()).collect()),
        }
    }

    pub fn wasm(
        r: &Runner,
        tc: &WasmToolchain,
        src: &Path,
        epoch: bool,
    ) -> Result<Variant, String> {
        let module = r.tmp.join(format!("{}.wasm", stem(src)));
        if !module.exists() {
            let mut cc = Command::new("clang");
            cc.args(["--target=wasm32-wasi", "-O2", "-w"]);
            if let Some(sysroot) = &tc.sysroot {
                cc.arg("--sysroot").arg(sysroot);
            }
            run_ok(cc.arg("-o").arg(&module).arg(src).arg("-lm"))?;
        }
        let _ = &tc.wasmtime;
        Ok(Variant {
            name: if epoch {
                "wasmtime+epoch".into()
            } else {
                "wasmtime".into()
            },
            kind: Kind::Wasm { module, epoch },
        })
    }
}

fn stem(p: &Path) -> String {
    p.file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("prog")
        .to_string()
}

/// The result of one process run.
pub struct Outcome {
    pub secs: f64,
    pub stdout: Vec<u8>,
    pub stderr: String,
    pub code: i32,
}

impl Outcome {
    /// Values of `key=value` pairs on `pivm: stats:` lines of stderr, in order.
    pub fn stats(&self, key: &str) -> Vec<f64> {
        let mut v = Vec::new();
        for line in self.stderr.lines() {
            let Some(rest) = line.strip_prefix("pivm: stats:") else {
                continue;
            };
            for kv in rest.split_whitespace() {
                if let Some(x) = kv.strip_prefix(key).and_then(|s| s.strip_prefix('=')) {
                    if let Ok(f) = x.parse() {
                        v.push(f);
                    }
                }
            }
        }
        v
    }
}

fn run_ok(cmd: &mut Command) -> Result<Outcome, String> {
    let o = time(cmd)?;
    if o.code != 0 {
        return Err(format!(
            "{cmd:?} exited with {}: {}",
            o.code,
            o.stderr.trim()
        ));
    }
    Ok(o)
}

fn time(cmd: &mut Command) -> Result<Outcome, String> {
    let t = Instant::now();
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    Ok(Outcome {
        secs: t.elapsed().as_secs_f64(),
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code().unwrap_or(-1),
    })
}

/// Measurements of one program, one entry per variant.
pub struct Row {
    pub names: Vec<String>,
    pub secs: Vec<Stat>,
    /// Ratio of each variant to the first, computed run by run (same round).
    pub ratio_to_first: Vec<Stat>,
    /// Names of variants whose output differs from the first variant's.
    pub mismatches: Vec<String>,
}

/// Snapshot costs of a program at one size.
pub struct SnapshotCosts {
    pub safepoints: u64,
    pub pause_ms: Stat,
    pub total_ms: Stat,
    /// Pause when the snapshot is written in-process (snapshot and exit).
    pub sync_pause_ms: Stat,
    pub bytes: u64,
    pub resume_secs: Stat,
    pub resume_compile_ms: Stat,
    pub output_ok: bool,
}

/// Request-to-safepoint latencies of one program, microseconds: each
/// `Stat` is over the runs' per-run figure.
#[derive(Default)]
pub struct LatencyRow {
    /// Probes served in all runs.
    pub probes: u64,
    pub p50: Stat,
    pub p99: Stat,
    pub max: Stat,
    pub cpu_p99: Stat,
    pub cpu_max: Stat,
    /// The first probe's, made while the program starts (JIT compile).
    pub start: Stat,
}

/// Poll cost and request latency of one program size (Process Introspection table).
pub struct PollRow {
    pub nopoll_secs: Stat,
    pub poll_secs: Stat,
    pub overhead: Stat,
    pub latency_ms: Stat,
}

pub struct Runner {
    pivm: PathBuf,
    tmp: PathBuf,
    runs: usize,
}

impl Runner {
    pub fn new(root: &Path, pivm: &Path, runs: usize) -> Result<Runner, String> {
        if !pivm.exists() {
            eprintln!("building {}", pivm.display());
            run_ok(Command::new("cargo").current_dir(root).args([
                "build",
                "--release",
                "-p",
                "pivm",
            ]))?;
        }
        let tmp = std::env::temp_dir().join(format!("pivm-bench-{}", std::process::id()));
        std::fs::create_dir_all(&tmp)
            .map_err(|e| format!("cannot create {}: {e}", tmp.display()))?;
        Ok(Runner {
            pivm: pivm.to_path_buf(),
            tmp,
            runs,
        })
    }

    pub fn machine(&self) -> String {
        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("model name"))
                    .and_then(|l| l.split(':').nth(1))
                    .map(|s| s.trim().to_string())
            })
            .unwrap_or_else(|| "unknown cpu".into());
        let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
        let sh = |c: &str, a: &[&str]| {
            Command::new(c)
                .args(a)
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
                .unwrap_or_default()
        };
        format!(
            "{cpu}, {cores} cores, {} {}, {}; {}; date {}",
            std::env::consts::OS,
            std::env::consts::ARCH,
            sh("uname", &["-r"]),
            sh("gcc", &["--version"]).lines().next().unwrap_or("gcc ?"),
            sh("date", &["-u", "+%Y-%m-%d %H:%M UTC"])
        )
    }

    /// `src` compiled to IR once (`pivm compile`), as clang compiles the
    /// wasm variants' modules and gcc the native one before they are
    /// timed: a pivm run is then the JIT's compile and the program, not
    /// the C frontend.
    fn compiled(&self, src: &Path) -> Result<PathBuf, String> {
        let pir = self.tmp.join(format!("{}.pir", stem(src)));
        if !pir.exists() {
            run_ok(
                Command::new(&self.pivm)
                    .arg("compile")
                    .arg(src)
                    .arg("-o")
                    .arg(&pir),
            )?;
        }
        Ok(pir)
    }

    fn command(&self, v: &Variant, src: &Path, args: &[&str]) -> Command {
        match &v.kind {
            Kind::Native(bin) => {
                let mut c = Command::new(bin);
                c.args(args);
                c
            }
            Kind::Pivm(flags) => {
                let mut c = Command::new(&self.pivm);
                c.arg("run").arg(src).args(flags).arg("--").args(args);
                c
            }
            Kind::Wasm { module, epoch } => {
                let mut c = Command::new("wasmtime");
                c.arg("run");
                if *epoch {
                    c.args(["-W", "timeout=3600s"]); // the CLI implements timeouts with epoch interruption
                }
                c.arg(module).args(args);
                c
            }
        }
    }

    pub fn side_by_side(&self, src: &Path, args: &[&str], vs: &[Variant]) -> Result<Row, String> {
        let mut secs = vec![Vec::new(); vs.len()];
        let mut ratios = vec![Vec::new(); vs.len()];
        let mut outputs: Vec<Option<Vec<u8>>> = vec![None; vs.len()];
        let pir = self.compiled(src)?;
        for _ in 0..self.runs {
            let mut round = Vec::with_capacity(vs.len());
            for (i, v) in vs.iter().enumerate() {
                let o = time(&mut self.command(v, &pir, args))?;
                if o.code != 0 {
                    return Err(format!(
                        "{} {}: exit {}: {}",
                        v.name,
                        src.display(),
                        o.code,
                        o.stderr.trim()
                    ));
                }
                round.push(o.secs);
                secs[i].push(o.secs);
                outputs[i].get_or_insert(o.stdout);
            }
            for (i, s) in round.iter().enumerate() {
                ratios[i].push(s / round[0]);
            }
        }
        let mismatches = vs
            .iter()
            .zip(&outputs)
            .filter(|(_, o)| *o != &outputs[0])
            .map(|(v, _)| v.name.clone())
            .collect();
        Ok(Row {
            names: vs.iter().map(|v| v.name.clone()).collect(),
            secs: secs.iter().map(|s| Stat::of(s)).collect(),
            ratio_to_first: ratios.iter().map(|r| Stat::of(r)).collect(),
            mismatches,
        })
    }

    fn pivm(&self, args: &[&str]) -> Result<Outcome, String> {
        time(Command::new(&self.pivm).args(args))
    }

    pub fn poll_table_row(&self, src: &Path, arg: &str) -> Result<PollRow, String> {
        let s = src.to_str().unwrap_or_default();
        let (mut poll, mut nopoll, mut over) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..self.runs {
            let a = self.pivm(&["run", s, "--engine", "jit", "--no-safepoints", "--", arg])?;
            let b = self.pivm(&["run", s, "--engine", "jit", "--", arg])?;
            nopoll.push(a.secs);
            poll.push(b.secs);
            over.push(b.secs / a.secs - 1.0);
        }
        // Request latency: snapshot requests every 50 ms; pivm reports the
        // time from each request to the safepoint that served it.
        let snap = self.tmp.join("latency.msgpack");
        let o = self.pivm(&[
            "run",
            s,
            "--engine",
            "jit",
            "--stats=nocount",
            "--snapshot-every",
            "50ms",
            "--snapshot-path",
            snap.to_str().unwrap_or_default(),
            "--",
            arg,
        ])?;
        Ok(PollRow {
            nopoll_secs: Stat::of(&nopoll),
            poll_secs: Stat::of(&poll),
            overhead: Stat::of(&over),
            latency_ms: Stat::of(&o.stats("latency_ms")),
        })
    }

    /// Request-to-safepoint latency of one program (`--probe-latency
    /// 1ms`, the JIT): per run, the probes' median, 99th percentile and
    /// maximum by the wall clock, the 99th percentile and maximum by the
    /// CPU time of the program's thread, and the latency of a request made
    /// while the program starts (microseconds).
    pub fn latency(&self, src: &Path, args: &[&str]) -> Result<LatencyRow, String> {
        let pir = self.compiled(src)?;
        let p = pir.to_str().unwrap_or_default();
        let mut row = LatencyRow::default();
        let mut cols: [Vec<f64>; 6] = Default::default();
        for _ in 0..self.runs {
            let mut a = vec!["run", p, "--engine", "jit", "--probe-latency", "1ms", "--"];
            a.extend(args);
            let o = self.pivm(&a)?;
            if o.code != 0 {
                return Err(format!("{}: exit {}: {}", p, o.code, o.stderr.trim()));
            }
            let keys = [
                "probe_p50_us",
                "probe_p99_us",
                "probe_max_us",
                "probe_cpu_p99_us",
                "probe_cpu_max_us",
                "probe_start_us",
            ];
            for (c, k) in cols.iter_mut().zip(keys) {
                c.extend(o.stats(k));
            }
            row.probes += o.stats("probes").iter().sum::<f64>() as u64;
        }
        [
            row.p50,
            row.p99,
            row.max,
            row.cpu_p99,
            row.cpu_max,
            row.start,
        ] = cols.map(|c| Stat::of(&c));
        Ok(row)
    }

    /// Snapshot costs at 90% of the program's safepoints: pause and total
    /// time with the forked writer (the program continues), pause of the
    /// in-process writer (snapshot and exit), size, and resume time.
    pub fn snapshot_costs(&self, src: &Path, arg: &str) -> Result<SnapshotCosts, String> {
        let s = src.to_str().unwrap_or_default();
        let full = self.pivm(&["run", s, "--engine", "jit", "--stats", "--", arg])?;
        let safepoints = full.stats("safepoints").last().copied().unwrap_or(0.0) as u64;
        let at = (safepoints * 9 / 10).max(1).to_string();
        let snap = self.tmp.join("costs.msgpack");
        let snap_s = snap.to_str().unwrap_or_default();
        let (mut pause, mut total, mut sync) = (Vec::new(), Vec::new(), Vec::new());
        let (mut resume, mut compile) = (Vec::new(), Vec::new());
        let mut bytes = 0;
        let mut output_ok = true;
        for _ in 0..self.runs {
            // Snapshot and continue: a forked child writes the file.
            let a = self.pivm(&[
                "run",
                s,
                "--engine",
                "jit",
                "--stats",
                "--snapshot-after",
                &at,
                "--snapshot-path",
                snap_s,
                "--",
                arg,
            ])?;
            pause.extend(a.stats("pause_ms"));
            total.extend(a.stats("total_ms"));
            bytes = std::fs::metadata(&snap).map(|m| m.len()).unwrap_or(0);
            output_ok &= a.code == full.code && a.stdout == full.stdout;
            // Snapshot and exit: written in-process, the program waits.
            let b = self.pivm(&[
                "run",
                s,
                "--engine",
                "jit",
                "--stats",
                "--snapshot-after",
                &at,
                "--snapshot-path",
                snap_s,
                "--exit-after-snapshot",
                "--",
                arg,
            ])?;
            sync.extend(b.stats("pause_ms"));
            let c = self.pivm(&["resume", snap_s, "--engine", "jit", "--stats"])?;
            resume.push(c.secs);
            compile.extend(c.stats("compile_ms"));
            let mut joined = b.stdout.clone();
            joined.extend_from_slice(&c.stdout);
            output_ok &= b.code == 85 && c.code == full.code && joined == full.stdout;
        }
        Ok(SnapshotCosts {
            safepoints,
            pause_ms: Stat::of(&pause),
            total_ms: Stat::of(&total),
            sync_pause_ms: Stat::of(&sync),
            bytes,
            resume_secs: Stat::of(&resume),
            resume_compile_ms: Stat::of(&compile),
            output_ok,
        })
    }

    /// Snapshot costs of a long program at a moment in time (`after`, e.g.
    /// "2s"): the image size and creation time of the seed papers' tables.
    /// The snapshot is written in-process (snapshot and exit); the resume
    /// runs to the next safepoint and snapshots again, so its time is
    /// load + recompile + rewind, minus that second snapshot's writing.
    pub fn snapshot_costs_at(
        &self,
        src: &Path,
        arg: &str,
        after: &str,
    ) -> Result<SnapshotCosts, String> {
        let s = src.to_str().unwrap_or_default();
        let snap = self.tmp.join("timed.msgpack");
        let again = self.tmp.join("timed-again.msgpack");
        let (snap_s, again_s) = (
            snap.to_str().unwrap_or_default(),
            again.to_str().unwrap_or_default(),
        );
        let (mut total, mut resume, mut compile) = (Vec::new(), Vec::new(), Vec::new());
        let mut bytes = 0;
        let mut output_ok = true;
        for _ in 0..self.runs {
            let _ = std::fs::remove_file(&snap);
            let a = self.pivm(&[
                "run",
                s,
                "--engine",
                "jit",
                "--stats=nocount",
                "--snapshot-every",
                after,
                "--snapshot-path",
                snap_s,
                "--exit-after-snapshot",
                "--",
                arg,
            ])?;
            if a.code != 85 && !snap.exists() {
                return Err(format!(
                    "{s} {arg}: ended (exit {}) before its snapshot after {after}: \
                     the size is too small for this machine",
                    a.code
                ));
            }
            total.extend(a.stats("total_ms"));
            bytes = std::fs::metadata(&snap).map(|m| m.len()).unwrap_or(0);
            let b = self.pivm(&[
                "resume",
                snap_s,
                "--engine",
                "jit",
                "--stats",
                "--snapshot-after",
                "1",
                "--snapshot-path",
                again_s,
                "--exit-after-snapshot",
            ])?;
            let second = b.stats("total_ms").last().copied().unwrap_or(0.0);
            resume.push(b.secs - second / 1000.0);
            compile.extend(b.stats("compile_ms"));
            output_ok &= a.code == 85 && b.code == 85;
        }
        Ok(SnapshotCosts {
            safepoints: 0,
            pause_ms: Stat::of(&total),
            total_ms: Stat::of(&total),
            sync_pause_ms: Stat::of(&total),
            bytes,
            resume_secs: Stat::of(&resume),
            resume_compile_ms: Stat::of(&compile),
            output_ok,
        })
    }

    /// `dd` writing `mb` MiB to the same disk, with fsync: the write
    /// throughput a snapshot is compared to.
    pub fn dd_throughput(&self, mb: u32) -> Result<String, String> {
        let f = self.tmp.join("dd.out");
        let o = time(
            Command::new("dd")
                .arg("if=/dev/zero")
                .arg(format!("of={}", f.display()))
                .args(["bs=1M", &format!("count={mb}"), "conv=fsync"]),
        )?;
        let _ = std::fs::remove_file(&f);
        Ok(format!(
            "dd of {mb} MiB with fsync to the snapshot disk: {:.2} s, {:.0} MB/s",
            o.secs,
            mb as f64 * 1.048576 / o.secs
        ))
    }

    /// Finds, or installs, clang for wasm32-wasi and wasmtime.
    pub fn wasm_toolchain(&self) -> Result<WasmToolchain, String> {
        let sdk = PathBuf::from("/usr/share/wasi-sysroot");
        let debian = Path::new("/usr/include/wasm32-wasi/stdio.h");
        let have = |c: &str| {
            Command::new(c)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        };
        if !(sdk.exists() || debian.exists()) || !have("clang") {
            eprintln!("installing clang, lld, wasi-libc, libclang-rt-14-dev-wasm32 with apt-get");
            run_ok(Command::new("apt-get").args([
                "install",
                "-y",
                "clang",
                "lld",
                "wasi-libc",
                "libclang-rt-14-dev-wasm32",
            ]))
            .map_err(|e| format!("wasm toolchain missing and apt-get failed: {e}"))?;
        }
        if !have("wasmtime") {
            eprintln!("installing wasmtime-cli with cargo install (takes a while)");
            run_ok(Command::new("cargo").args([
                "install",
                "--locked",
                "wasmtime-cli",
                "--version",
                WASMTIME_VERSION,
            ]))
            .map_err(|e| format!("wasmtime missing and cargo install failed: {e}"))?;
        }
        Ok(WasmToolchain {
            sysroot: sdk.exists().then_some(sdk),
            wasmtime: PathBuf::from("wasmtime"),
        })
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.tmp);
    }
}
