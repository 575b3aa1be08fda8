//! The run loop of `run` and `resume`: `Run::drive` runs a program on an
//! engine and serves its snapshots. Each `Outcome::Snapshot` is written (in
//! a forked child unless the run exits after it) and the engine rewinds at
//! once from the frames it captured.
//!
//! A snapshot that cannot be written never ends the run: its requesters
//! get the error, stderr says `pivm: snapshot failed: ...; the program
//! continues`, and the program goes on as if it had not been asked, even
//! when the snapshot was to exit. The exit status stays the program's own.

use super::args::{EngineChoice, RunOpts};
use super::exit::{Exit, Fail, Result};
use pivm::control;
use pivm::incremental::{Incremental, Planned};
use pivm::migrate::{Migration, Step};
use pivm::poll::{PeerRequest, Request};
use pivm::snapshot::{self as snap, Background, Job, Lineage, MemPlan, Written};
use pivm::{Entry, Interpreter, Outcome, Program, Runtime};
use pivm_snapshot::WriteOptions;
use std::cell::RefCell;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Builds the engine of a run or resume, once. The JIT compiles the
/// program here, before the run, so the compile time is its own figure
/// (returned; zero for the interpreter). `what` names the program in
/// messages.
pub fn build_engine(
    engine: EngineChoice,
    opts: &RunOpts,
    prog: &Program,
    what: &str,
) -> Result<(Box<dyn pivm::Engine>, Duration)> {
    match engine {
        EngineChoice::Interp => Ok((Box::new(Interpreter::new()), Duration::ZERO)),
        EngineChoice::Jit => build_jit(opts, prog, what),
    }
}

/// The JIT engine, with the program compiled.
#[cfg(feature = "jit")]
fn build_jit(
    opts: &RunOpts,
    prog: &Program,
    what: &str,
) -> Result<(Box<dyn pivm::Engine>, Duration)> {
    let mut jit = pivm::JitEngine::with_options(pivm_jit::Options {
        safepoints: !opts.no_safepoints,
        // Polls count in the code only when the run counts: otherwise
        // they keep their shortest form.
        counting: opts.stats == Some(super::args::Stats::Count) || opts.snapshot_after.is_some(),
        ..Default::default()
    });
    let compile = jit.prepare(prog).map_err(|e| {
        Fail::new(
            Exit::Engine,
            format!("{what}: the jit cannot compile it: {e}"),
        )
    })?;
    if opts.profile == Some(super::args::Profile::Perfmap) {
        jit.write_perfmap(prog).map_err(|e| {
            Fail::new(
                Exit::Write,
                format!(
                    "cannot write the perf map /tmp/perf-{}.map: {e}",
                    std::process::id()
                ),
            )
        })?;
    }
    Ok((Box::new(jit), compile))
}

/// This pivm was built without the JIT.
#[cfg(not(feature = "jit"))]
fn build_jit(
    _opts: &RunOpts,
    _prog: &Program,
    _what: &str,
) -> Result<(Box<dyn pivm::Engine>, Duration)> {
    Err(Fail::new(
        Exit::Usage,
        "this pivm was built without the JIT (cargo feature `jit`): use --engine interp",
    ))
}

/// One run or resume of a program and how its snapshots are taken.
pub struct Run<'a> {
    pub opts: &'a RunOpts,
    /// The default snapshot path.
    pub path: PathBuf,
    /// The program or snapshot, for messages.
    pub what: String,
    pub lineage: Lineage,
    /// The chain kept at `path` (`--incremental`), taken by `drive`.
    pub chain: RefCell<Option<Incremental>>,
}

/// The memory plan of a snapshot: a delta or chain start when `planned`
/// (and the chain's parent hashes) say so, else a plain full snapshot.
fn mem_plan<'p>(planned: &'p mut Option<Planned>, chain: &'p Option<Incremental>) -> MemPlan<'p> {
    let (Some(p), Some(c)) = (planned.as_mut(), chain.as_ref()) else {
        return MemPlan::Full;
    };
    match (&p.parent, c.parent_hashes()) {
        (Some(link), Some(parent)) => MemPlan::Delta {
            parent,
            link: link.clone(),
            out: &mut p.table,
            written: p.written.as_deref(),
        },
        _ => MemPlan::FullHashed {
            seed: c.seed(),
            out: &mut p.table,
        },
    }
}

/// Records in the chain how its planned snapshot ended.
fn settle(chain: &mut Option<Incremental>, planned: Option<Planned>, w: &Written) {
    let (Some(c), Some(p)) = (chain.as_mut(), planned) else {
        return;
    };
    let info = w
        .results
        .iter()
        .find(|(q, _)| q == c.path())
        .and_then(|(_, r)| r.as_ref().ok().copied());
    c.finish(p, info);
}

impl Run<'_> {
    fn stats(&self) -> bool {
        self.opts.stats.is_some()
    }

    /// Starts the request sources, runs the program and serves its
    /// snapshots until it exits; cleans up (socket, writer) at the end.
    /// Returns the exit status.
    pub fn drive(
        &self,
        rt: &mut Runtime,
        engine: &mut dyn pivm::Engine,
        entry: Entry,
    ) -> Result<u8> {
        if let Some(every) = self.opts.snapshot_every {
            control::start_timer(rt.poll.clone(), every)
                .map_err(|e| Fail::new(Exit::Internal, format!("cannot start the timer: {e}")))?;
        }
        if let Some(every) = self.opts.probe_latency {
            control::start_prober(rt.poll.clone(), every)
                .map_err(|e| Fail::new(Exit::Internal, format!("cannot start the prober: {e}")))?;
        }
        control::watch_signals(rt.poll.clone(), &self.opts.snapshot_on)
            .map_err(|e| Fail::new(Exit::Internal, format!("cannot watch signals: {e}")))?;
        let socket = match control::listen(rt.poll.clone()) {
            Ok(s) => Some(s),
            Err(e) => {
                pivm::eprintln_ok!("pivm: warning: no control socket ({e}): pivm snapshot --pid will not reach this run");
                None
            }
        };
        let result = self.serve(rt, engine, entry);
        snap::refuse(
            rt.poll.take(),
            "the program ended before reaching a safepoint",
        );
        if let Some(s) = socket {
            s.remove();
        }
        if self.stats() {
            pivm::eprintln_ok!("pivm: stats: safepoints={}", rt.safepoints_reached);
        }
        if self.opts.probe_latency.is_some() {
            pivm::eprintln_ok!("pivm: stats: {}", probe_summary(&rt.poll.probe_latencies()));
        }
        result
    }

    fn serve(
        &self,
        rt: &mut Runtime,
        engine: &mut dyn pivm::Engine,
        mut entry: Entry,
    ) -> Result<u8> {
        let kind = self.opts.engine.recorded();
        let mut program: Option<pivm_snapshot::SavedProgram> = None;
        let mut pending: Option<(Background, Duration, Option<Planned>)> = None;
        let mut chain = self.chain.borrow_mut().take();
        let mut migration: Option<Migration> = None;
        // Snapshots attempted (their sequence number) and written (what
        // the next one records as taken before it).
        let mut attempted = 0u64;
        let mut written = 0u64;
        let nofork = std::env::var_os("PIVM_SNAPSHOT_NOFORK").is_some_and(|v| v != "0");
        let write = snap::write_options();
        // Waits for the forked writer, whose reaper has already reported
        // a failure; counts the snapshot if it was written.
        let finish_pending = |pending: &mut Option<(Background, Duration, Option<Planned>)>,
                              written: &mut u64,
                              chain: &mut Option<Incremental>| {
            if let Some((bg, pause, planned)) = pending.take() {
                let mut w = bg.finish();
                w.pause = pause;
                settle(chain, planned, &w);
                *written += self.finished(&w);
            }
        };
        // When the last snapshot was taken, until the program runs again.
        let mut paused: Option<Instant> = None;
        loop {
            if let (Some(at), Some((_, pause, _))) = (paused.take(), pending.as_mut()) {
                *pause = at.elapsed();
            }
            let out = match pivm::sched::run(engine, rt, entry) {
                Ok(o) => o,
                Err(e) => {
                    finish_pending(&mut pending, &mut written, &mut chain);
                    return Err(Fail::new(Exit::Engine, format!("{}: {e}", self.what)));
                }
            };
            let frames = match out {
                Outcome::Exit(_) | Outcome::Trap(_) | Outcome::ThreadExit(_) => {
                    finish_pending(&mut pending, &mut written, &mut chain);
                    if let Outcome::Trap(ref t) = out {
                        pivm::eprintln_ok!("pivm: trap: {t}");
                    }
                    return Ok(out.exit_code() as u8);
                }
                Outcome::Snapshot(frames) => frames,
            };
            let at = rt.served_at.take().unwrap_or_else(Instant::now);
            let served = std::mem::take(&mut rt.served);
            // Migration requests ask for no snapshot file; a safepoint with
            // no request at all is `--snapshot-after`'s, which does.
            let (peer, served): (Vec<_>, Vec<_>) =
                served.into_iter().partition(|r| r.peer.is_some());
            let file_wanted = !served.is_empty() || peer.is_empty();
            let mut step = false;
            for r in peer {
                match r.peer {
                    Some(PeerRequest::Start(p)) if migration.is_none() => {
                        migration = Some(Migration::new(*p, r.reply, rt.poll.clone()));
                        step = true;
                    }
                    Some(PeerRequest::Start(_)) => snap::refuse(
                        vec![Request { peer: None, ..r }],
                        "a migration of this program is already in progress",
                    ),
                    _ => step = true,
                }
            }
            finish_pending(&mut pending, &mut written, &mut chain);
            if file_wanted {
                attempted += 1;
                let exit = self.opts.exit_after_snapshot || served.iter().any(|r| r.exit);
                let latency = served
                    .iter()
                    .map(|r| at.saturating_duration_since(r.at))
                    .max()
                    .unwrap_or_default();
                let mut targets: Vec<(PathBuf, Vec<pivm::poll::Request>)> = Vec::new();
                if served.is_empty() {
                    targets.push((self.path.clone(), Vec::new()));
                }
                for r in served {
                    let p = r.path.clone().unwrap_or_else(|| self.path.clone());
                    match targets.iter_mut().find(|t| t.0 == p) {
                        Some(t) => t.1.push(r),
                        None => targets.push((p, vec![r])),
                    }
                }
                let job = Job {
                    targets,
                    exit: self.opts.exit_after_snapshot,
                    at,
                    latency,
                    seq: attempted,
                    write,
                    codec: self.opts.compress,
                };
                rt.io.flush();
                super::batch::sync_output();
                // The program's saved form is made once, by the first
                // snapshot written in-process; while none is, a forked
                // writer makes its own in the child, off the pause (a
                // fifth of a millisecond for a small program).
                let in_process = exit || nofork;
                if in_process {
                    program.get_or_insert_with(|| {
                        pivm_snapshot::SavedProgram::from_placed(&rt.prog.module)
                    });
                }
                let cached = program.as_ref();
                // A snapshot to the chain's path is planned as a delta or a
                // chain start; without a plan it is a plain full snapshot.
                let mut planned = match (chain.as_mut(), snap::layout_of(rt, &frames)) {
                    (Some(c), Ok(layout)) if job.targets.iter().any(|t| t.0 == c.path()) => {
                        c.plan(&layout, &rt.mem, job.targets.len() == 1)
                    }
                    _ => None,
                };
                let delta_of = planned
                    .as_ref()
                    .filter(|p| p.parent.is_some())
                    .map(|_| self.path.clone());
                let build = |planned: &mut Option<Planned>| {
                    if let Some(p) = &delta_of {
                        // The parent's new name must be durable before the
                        // delta replaces it.
                        pivm_snapshot::file::sync_parent_dir(p)
                            .map_err(|e| pivm::VmError::new(e.to_string()))?;
                    }
                    let plan = mem_plan(planned, &chain);
                    let made;
                    let program = match cached {
                        Some(p) => p,
                        None => {
                            made = pivm_snapshot::SavedProgram::from_placed(&rt.prog.module);
                            &made
                        }
                    };
                    snap::body_of(rt, &frames, kind, &self.lineage, program, written, plan)
                };
                let sync = if in_process {
                    Some(snap::write_sync(job, || build(&mut planned)))
                } else {
                    let poll = rt.poll.clone();
                    let done = move |w: &Written| {
                        report_failures(w);
                        poll.snapshot_done();
                    };
                    match snap::write_forked(job, || build(&mut planned), done) {
                        Ok(bg) => {
                            pending = Some((bg, Duration::ZERO, planned.take()));
                            paused = Some(at);
                            None
                        }
                        Err((job, why)) => {
                            pivm::eprintln_ok!("pivm: warning: cannot fork the snapshot writer ({why}): writing in-process");
                            Some(snap::write_sync(job, || build(&mut planned)))
                        }
                    }
                };
                if let Some(w) = sync {
                    settle(&mut chain, planned, &w);
                    report_failures(&w);
                    rt.poll.snapshot_done();
                    written += self.finished(&w);
                    // Only a snapshot that was written stops the program.
                    if w.exits {
                        return Ok(Exit::Snapshot.code());
                    }
                }
            }
            if let (true, Some(m)) = (step, migration.as_mut()) {
                rt.io.flush();
                let program = program.get_or_insert_with(|| {
                    pivm_snapshot::SavedProgram::from_placed(&rt.prog.module)
                });
                let layout = match snap::layout_of(rt, &frames) {
                    Ok(l) => l,
                    Err(e) => return Err(Fail::new(Exit::Internal, e.message)),
                };
                let files = || rt.io.files_to_carry();
                let capture = |plan: MemPlan| {
                    snap::body_of(rt, &frames, kind, &self.lineage, program, written, plan)
                };
                match m.step(at, layout, &rt.mem, &files, &capture) {
                    None => migration = None,
                    Some(Step::Continue) => {}
                    Some(Step::Moved) => {
                        finish_pending(&mut pending, &mut written, &mut chain);
                        return Ok(0);
                    }
                    Some(Step::Unknown(why)) => {
                        finish_pending(&mut pending, &mut written, &mut chain);
                        return self.keep_unknown(rt, &frames, kind, program, written, &why);
                    }
                }
            }
            entry = Entry::Rewind { frames };
        }
    }

    /// A migration whose outcome is unknown: the receiver may run the
    /// program, so it must not run on here, and it must not be lost:
    /// writes it to the snapshot path and exits 75.
    fn keep_unknown(
        &self,
        rt: &Runtime,
        frames: &[pivm_ir::frame::Frame],
        kind: pivm_snapshot::EngineKind,
        program: &pivm_snapshot::SavedProgram,
        written: u64,
        why: &str,
    ) -> Result<u8> {
        let job = Job {
            targets: vec![(self.path.clone(), Vec::new())],
            exit: true,
            at: Instant::now(),
            latency: Duration::ZERO,
            seq: 0,
            write: WriteOptions {
                durable: true,
                ..snap::write_options()
            },
            codec: self.opts.compress,
        };
        let w = snap::write_sync(job, || {
            snap::body_of(
                rt,
                frames,
                kind,
                &self.lineage,
                program,
                written,
                MemPlan::Full,
            )
        });
        report_failures(&w);
        pivm::eprintln_ok!(
            "pivm: migration outcome unknown ({why}): the receiver may be running the program, \
             so it stops here{}",
            if w.written() {
                format!(
                    "; it is kept in {}: resume it only if it does not run there",
                    self.path.display()
                )
            } else {
                String::new()
            }
        );
        Ok(Exit::Unknown.code())
    }

    /// Prints the stats line of a finished snapshot (with `--stats`);
    /// 1 if it was written, else 0 (what the next snapshot counts).
    fn finished(&self, w: &Written) -> u64 {
        if self.stats() {
            pivm::eprintln_ok!("{}", w.stats_line());
        }
        w.written() as u64
    }
}

/// Says on stderr which files of a finished snapshot were not written.
fn report_failures(w: &Written) {
    for f in w.failures() {
        pivm::eprintln_ok!("pivm: snapshot failed: {f}");
    }
}

/// The `--probe-latency` line: how many probes the running program
/// served and their latencies' median, 99th percentile (nearest rank) and
/// maximum in microseconds, by the wall clock and by the CPU time the
/// program's thread used until it polled; and apart, the longest wall
/// latency of the probes made before the program's thread had served one
/// (the first, made while the program starts: the JIT compiling).
fn probe_summary(probes: &[(u64, Option<u64>)]) -> String {
    fn ranks(mut ns: Vec<u64>) -> [f64; 3] {
        ns.sort_unstable();
        [50, 99, 100].map(|p| match ns.len() {
            0 => 0.0,
            n => ns[(n * p).div_ceil(100).clamp(1, n) - 1] as f64 / 1000.0,
        })
    }
    let running = probes.iter().filter(|p| p.1.is_some());
    let [p50, p99, max] = ranks(running.clone().map(|p| p.0).collect());
    let [c50, c99, cmax] = ranks(running.clone().filter_map(|p| p.1).collect());
    let start = probes.iter().filter(|p| p.1.is_none()).map(|p| p.0).max();
    format!(
        "probes={} probe_p50_us={p50:.1} probe_p99_us={p99:.1} probe_max_us={max:.1} \
         probe_cpu_p50_us={c50:.1} probe_cpu_p99_us={c99:.1} probe_cpu_max_us={cmax:.1} \
         probe_start_us={:.1}",
        running.count(),
        start.unwrap_or(0) as f64 / 1000.0
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn probe_summary_takes_nearest_rank_percentiles() {
        let mut probes: Vec<(u64, Option<u64>)> =
            (1..=200).rev().map(|i| (i * 1000, Some(i * 10))).collect();
        probes.insert(0, (5_000_000, None));
        assert_eq!(
            super::probe_summary(&probes),
            "probes=200 probe_p50_us=100.0 probe_p99_us=198.0 probe_max_us=200.0 \
             probe_cpu_p50_us=1.0 probe_cpu_p99_us=2.0 probe_cpu_max_us=2.0 \
             probe_start_us=5000.0"
        );
        assert_eq!(
            super::probe_summary(&[]),
            "probes=0 probe_p50_us=0.0 probe_p99_us=0.0 probe_max_us=0.0 \
             probe_cpu_p50_us=0.0 probe_cpu_p99_us=0.0 probe_cpu_max_us=0.0 probe_start_us=0.0"
        );
    }
}
