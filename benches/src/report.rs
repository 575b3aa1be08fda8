//! The benchmark report: markdown tables and an SVG chart of the ratios.

use crate::run::{LatencyRow, PollRow, Row, SnapshotCosts, Stat};
use std::fmt::Write;

pub struct Report {
    quick: bool,
    runs: usize,
    machine: String,
    notes: Vec<String>,
    speed: Vec<(String, String, Row)>,
    pi: Vec<(String, u32, PollRow)>,
    latency: Vec<(String, String, LatencyRow)>,
    snaps: Vec<(String, String, String, SnapshotCosts)>,
}

fn ms(s: Stat) -> String {
    format!("{:.1} ({:.1}–{:.1})", s.median, s.min, s.max)
}
fn ms3(s: Stat) -> String {
    format!("{:.3} ({:.3}–{:.3})", s.median, s.min, s.max)
}
fn secs(s: Stat) -> String {
    format!("{:.3} ({:.3}–{:.3})", s.median, s.min, s.max)
}
fn ratio(s: Stat) -> String {
    format!("{:.2}× ({:.2}–{:.2})", s.median, s.min, s.max)
}
fn pct(s: Stat) -> String {
    format!(
        "{:+.1}% ({:+.1}–{:+.1})",
        s.median * 100.0,
        s.min * 100.0,
        s.max * 100.0
    )
}

fn geomean(xs: impl Iterator<Item = f64>) -> Option<f64> {
    let (mut sum, mut n) = (0.0, 0);
    for x in xs.filter(|x| *x > 0.0) {
        sum += x.ln();
        n += 1;
    }
    (n > 0).then(|| (sum / n as f64).exp())
}

impl Report {
    pub fn new(quick: bool, runs: usize, machine: String) -> Report {
        Report {
            quick,
            runs,
            machine,
            notes: Vec::new(),
            speed: Vec::new(),
            pi: Vec::new(),
            latency: Vec::new(),
            snaps: Vec::new(),
        }
    }

    pub fn note(&mut self, s: String) {
        self.notes.push(s);
    }

    pub fn speed_row(&mut self, name: &str, args: &[&str], row: Row) {
        self.speed.push((name.to_string(), args.join(" "), row));
    }

    pub fn latency_row(&mut self, name: &str, args: &[&str], row: LatencyRow) {
        self.latency.push((name.to_string(), args.join(" "), row));
    }

    pub fn pi_row(&mut self, prog: &str, n: u32, row: PollRow) {
        self.pi.push((prog.to_string(), n, row));
    }

    pub fn snapshot_row(&mut self, table: &str, prog: &str, size: &str, c: SnapshotCosts) {
        self.snaps
            .push((table.to_string(), prog.to_string(), size.to_string(), c));
    }

    pub fn mismatches(&self) -> Option<String> {
        let mut v = Vec::new();
        for (name, _, row) in &self.speed {
            for m in &row.mismatches {
                v.push(format!("{name}: {m}"));
            }
        }
        for (_, prog, size, c) in &self.snaps {
            if !c.output_ok {
                v.push(format!("{prog} {size}: snapshot+resume output"));
            }
        }
        (!v.is_empty()).then(|| v.join(", "))
    }

    /// Ratio of variant `name` to the first (gcc) per program.
    fn ratios(&self, name: &str) -> Vec<(String, Stat)> {
        self.speed
            .iter()
            .filter_map(|(p, _, row)| {
                let i = row.names.iter().position(|n| n == name)?;
                Some((p.clone(), row.ratio_to_first[i]))
            })
            .collect()
    }

    pub fn markdown(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "# pivm benchmark results{}\n",
            if self.quick {
                " (quick sizes, CI smoke run)"
            } else {
                ""
            }
        );
        let _ = writeln!(s, "Machine: {}.  ", self.machine);
        let _ = writeln!(
            s,
            "Each figure: median of {} runs (min–max). Variants are run alternately, round by round; ratios are computed within each round. Regenerate with `cargo run --release -p pivm-bench`{}.\n",
            self.runs,
            if self.quick { " -- --quick" } else { "" }
        );
        for n in &self.notes {
            let _ = writeln!(s, "- {n}");
        }
        if !self.speed.is_empty() {
            let names = &self.speed[0].2.names;
            let mut all: Vec<String> = names.clone();
            for (_, _, r) in &self.speed {
                for n in &r.names {
                    if !all.contains(n) {
                        all.push(n.clone());
                    }
                }
            }
            let _ = writeln!(s, "\n## Speed: time in seconds, ratio to gcc -O2\n");
            let _ = write!(s, "| program | args |");
            for n in &all {
                let _ = write!(s, " {n} |");
            }
            let _ = write!(s, "\n|---|---|");
            for _ in &all {
                let _ = write!(s, "---|");
            }
            s.push('\n');
            for (p, args, row) in &self.speed {
                let _ = write!(s, "| {p} | {args} |");
                for n in &all {
                    match row.names.iter().position(|x| x == n) {
                        Some(0) => {
                            let _ = write!(s, " {} |", secs(row.secs[0]));
                        }
                        Some(i) => {
                            let _ = write!(
                                s,
                                " {} = {} |",
                                secs(row.secs[i]),
                                ratio(row.ratio_to_first[i])
                            );
                        }
                        None => s.push_str(" – |"),
                    }
                }
                s.push('\n');
            }
            for v in ["jit", "jit-nopoll", "interp", "wasmtime", "wasmtime+epoch"] {
                let r = self.ratios(v);
                if let Some(g) = geomean(r.iter().map(|x| x.1.median)) {
                    let worst = r.iter().max_by(|a, b| a.1.median.total_cmp(&b.1.median));
                    let _ = writeln!(
                        s,
                        "\n{v} / gcc -O2: geomean {g:.2}×{}",
                        worst
                            .map(|(p, w)| format!(", worst {:.2}× ({p})", w.median))
                            .unwrap_or_default()
                    );
                }
            }
            let poll: Vec<f64> = self
                .speed
                .iter()
                .filter_map(|(_, _, row)| {
                    let a = row.names.iter().position(|n| n == "jit")?;
                    let b = row.names.iter().position(|n| n == "jit-nopoll")?;
                    Some(row.ratio_to_first[a].median / row.ratio_to_first[b].median)
                })
                .collect();
            if let Some(g) = geomean(poll.iter().copied()) {
                let worst = poll.iter().copied().fold(f64::MIN, f64::max);
                let _ = writeln!(
                    s,
                    "\nPoll cost (jit / jit-nopoll): geomean {:+.1}%, worst {:+.1}%",
                    (g - 1.0) * 100.0,
                    (worst - 1.0) * 100.0
                );
            }
        }
        if !self.latency.is_empty() {
            let _ = writeln!(
                s,
                "\n## Request latency: from a request to the safepoint that sees it (µs)\n\n\
                 `pivm run --probe-latency 1ms` (JIT): a request for a safepoint every \
                 millisecond, without a snapshot. Wall: by the clock; CPU: by the CPU time of \
                 the program's thread (user and kernel), so without the time the host did not \
                 run it. Start: the first request, made while the program starts (the JIT \
                 compiling), not in the other columns. Each figure is the median of the runs' \
                 figure (min–max).\n"
            );
            let _ = writeln!(
                s,
                "| program | args | probes | p50 wall | p99 wall | max wall | p99 CPU | max CPU | start |\n\
                 |---|---|---|---|---|---|---|---|---|"
            );
            for (p, args, r) in &self.latency {
                let _ = writeln!(
                    s,
                    "| {p} | {args} | {} | {} | {} | {} | {} | {} | {} |",
                    r.probes,
                    ms(r.p50),
                    ms(r.p99),
                    ms(r.max),
                    ms(r.cpu_p99),
                    ms(r.cpu_max),
                    ms(r.start)
                );
            }
        }
        if !self.pi.is_empty() {
            let _ = writeln!(
                s,
                "\n## Process Introspection table: normal (no polls) vs transformed (polls)\n"
            );
            let _ = writeln!(s, "| program | size | no polls (s) | polls (s) | overhead | checkpoint request latency (ms) |\n|---|---|---|---|---|---|");
            for (p, n, r) in &self.pi {
                let size = if p == "quicksort" {
                    format!("2^{n} keys")
                } else {
                    format!("N={n}")
                };
                let _ = writeln!(
                    s,
                    "| {p} | {size} | {} | {} | {} | {} |",
                    secs(r.nopoll_secs),
                    secs(r.poll_secs),
                    pct(r.overhead),
                    ms3(r.latency_ms)
                );
            }
        }
        for (table, title) in [
            (
                "psnc",
                "psncC/R table: process image size and creation time, matrix program",
            ),
            (
                "ghost",
                "Ghost processes table: snapshot size, modified Gram-Schmidt",
            ),
            (
                "heap",
                "Snapshot pause, total time, size and resume vs heap size",
            ),
        ] {
            let rows: Vec<_> = self.snaps.iter().filter(|r| r.0 == table).collect();
            if rows.is_empty() {
                continue;
            }
            let _ = writeln!(s, "\n## {title}\n");
            let _ = writeln!(s, "| program | size | snapshot at safepoint | pause, forked writer (ms) | total, forked writer (ms) | pause, in-process writer (ms) | size (MB) | write MB/s | resume incl. recompile (s) | recompile (ms) | output |\n|---|---|---|---|---|---|---|---|---|---|---|");
            for (_, p, size, c) in rows {
                let mb = c.bytes as f64 / 1e6;
                let tput = if c.total_ms.median > 0.0 {
                    mb / (c.total_ms.median / 1000.0)
                } else {
                    0.0
                };
                let _ = writeln!(
                    s,
                    "| {p} | {size} | {} | {} | {} | {} | {mb:.2} | {tput:.0} | {} | {} | {} |",
                    if c.safepoints == 0 {
                        "timed".to_string()
                    } else {
                        (c.safepoints * 9 / 10).to_string()
                    },
                    ms(c.pause_ms),
                    ms(c.total_ms),
                    ms(c.sync_pause_ms),
                    secs(c.resume_secs),
                    ms(c.resume_compile_ms),
                    if c.output_ok { "identical" } else { "DIFFERS" }
                );
            }
        }
        s
    }

    /// A horizontal bar chart of each variant's ratio to gcc -O2.
    pub fn svg(&self) -> String {
        let variants = ["jit", "jit-nopoll", "interp", "wasmtime", "wasmtime+epoch"];
        let colors = ["#1f77b4", "#aec7e8", "#d62728", "#2ca02c", "#98df8a"];
        let bar = 12.0;
        let group = bar * variants.len() as f64 + 10.0;
        let rows = self.speed.len().max(1) as f64;
        let (left, width) = (130.0, 520.0);
        let height = 60.0 + rows * group;
        let max = self
            .speed
            .iter()
            .flat_map(|(_, _, r)| r.ratio_to_first.iter().skip(1).map(|x| x.median))
            .fold(2.0f64, f64::max)
            .min(100.0);
        let x = |v: f64| left + width * (v.min(max) / max);
        let mut s = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"11\">\n",
            left + width + 160.0
        );
        let _ = writeln!(s, "<text x=\"{left}\" y=\"16\" font-size=\"13\">time relative to gcc -O2 (lower is better)</text>");
        for (i, (v, c)) in variants.iter().zip(colors).enumerate() {
            let y = 30.0 + i as f64 * 14.0;
            let _ = writeln!(s, "<rect x=\"{}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"{c}\"/><text x=\"{}\" y=\"{}\">{v}</text>", left + width + 20.0, y - 9.0, left + width + 34.0, y);
        }
        for (r, (p, _, row)) in self.speed.iter().enumerate() {
            let y0 = 40.0 + r as f64 * group;
            let _ = writeln!(s, "<text x=\"4\" y=\"{}\">{p}</text>", y0 + group / 2.0);
            for (k, v) in variants.iter().enumerate() {
                if let Some(i) = row.names.iter().position(|n| n == v) {
                    let m = row.ratio_to_first[i].median;
                    let y = y0 + k as f64 * bar;
                    let _ = writeln!(s, "<rect x=\"{left}\" y=\"{y}\" width=\"{:.1}\" height=\"{}\" fill=\"{}\"/><text x=\"{:.1}\" y=\"{:.1}\">{m:.2}×</text>", x(m) - left, bar - 2.0, colors[k], x(m) + 3.0, y + bar - 3.0);
                }
            }
        }
        let one = x(1.0);
        let _ = writeln!(s, "<line x1=\"{one}\" y1=\"36\" x2=\"{one}\" y2=\"{}\" stroke=\"black\" stroke-dasharray=\"3,3\"/>", height - 10.0);
        s.push_str("</svg>\n");
        s
    }
}
