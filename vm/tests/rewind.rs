//! In-process capture and rewind: every example and every golden program
//! is stopped at several safepoints (`Config::snapshot_after`), and
//! resumed from the captured frames and `RuntimeState` both in a fresh
//! runtime and in the same one; the combined output and the outcome must
//! equal those of the uninterrupted run.

use pivm::io::{Io, Sink, Source};
use pivm::{Config, Engine, Entry, Interpreter, Outcome, Program, Runtime};
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn io() -> Io {
    Io::new(
        Sink::capture(),
        Sink::capture(),
        Source::Bytes(Vec::new(), 0),
    )
}

/// Outcome without the trap's frames detail (traps compare whole).
fn run(rt: &mut Runtime, entry: Entry) -> Outcome {
    Interpreter::new().run(rt, entry).expect("run")
}

fn args_of(text: &str, path: &Path) -> Vec<String> {
    let mut v = vec![path.display().to_string()];
    for l in text.lines().take_while(|l| l.starts_with(';')) {
        if let Some(a) = l.strip_prefix("; args:") {
            v.extend(a.split_whitespace().map(String::from));
        }
    }
    v
}

fn check_program(path: &Path) -> usize {
    let text = std::fs::read_to_string(path).unwrap();
    let module = pivm_ir::parse(&text, &path.display().to_string()).unwrap();
    let prog = Arc::new(Program::new(module, pivm::memory::DEFAULT_STACK_SIZE).unwrap());
    let args = args_of(&text, path);
    let start = || Entry::Start { args: args.clone() };

    // The uninterrupted run, counting every safepoint.
    let cfg = |n: u64| Config {
        snapshot_after: Some(n),
        ..Config::default()
    };
    let mut rt = Runtime::new(prog.clone(), cfg(u64::MAX), io()).unwrap();
    let full = run(&mut rt, start());
    assert!(!matches!(full, Outcome::Snapshot(_)), "{}", path.display());
    let full_out = rt.io.captured_stdout();
    let total = rt.safepoints_reached;
    assert!(total > 0, "{}: no safepoint reached", path.display());

    let mut points = vec![1, 2, 3, total / 7, total / 3, total / 2, total - 1, total];
    points.retain(|&n| n >= 1 && n <= total);
    points.sort();
    points.dedup();
    for &n in &points {
        let what = format!("{} at safepoint {n} of {total}", path.display());
        let mut rt1 = Runtime::new(prog.clone(), cfg(n), io()).unwrap();
        let Outcome::Snapshot(frames) = run(&mut rt1, start()) else {
            panic!("{what}: no snapshot taken");
        };
        assert_eq!(rt1.safepoints_reached, n, "{what}");
        let before = rt1.io.captured_stdout();
        let state = rt1.save_state();

        // Resume in a fresh runtime, as from a snapshot file.
        let mut rt2 = Runtime::restore(prog.clone(), Config::default(), io(), &state).unwrap();
        let out2 = run(
            &mut rt2,
            Entry::Rewind {
                frames: frames.clone(),
            },
        );
        assert_eq!(out2, full, "{what}: resumed outcome");
        let mut all = before.clone();
        all.extend_from_slice(&rt2.io.captured_stdout());
        assert_eq!(
            String::from_utf8_lossy(&all),
            String::from_utf8_lossy(&full_out),
            "{what}: resumed output"
        );

        // Continue in the same runtime, as after writing a snapshot.
        let out1 = run(&mut rt1, Entry::Rewind { frames });
        assert_eq!(out1, full, "{what}: continued outcome");
        assert_eq!(
            rt1.io.captured_stdout(),
            full_out,
            "{what}: continued output"
        );
    }
    points.len()
}

fn pir_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "pir"))
        .collect();
    v.sort();
    v
}

#[test]
fn capture_and_rewind_everywhere() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    // Programs open files relative to the repository root, as the golden
    // tests run them; this is the only test in this binary.
    std::env::set_current_dir(root).unwrap();
    let mut files = pir_files(&root.join("examples"));
    files.extend(pir_files(&root.join("tests/pir")));
    let mut checked = 0;
    for f in &files {
        checked += check_program(f);
    }
    assert!(checked > 50, "only {checked} snapshots checked");
}

/// Frames are validated before a rewind: a corrupted frame is an error,
/// never a crash.
#[test]
fn rewind_rejects_bad_frames() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let text = std::fs::read_to_string(root.join("examples/fib.pir")).unwrap();
    let prog = Arc::new(Program::new(pivm_ir::parse(&text, "fib.pir").unwrap(), 1 << 20).unwrap());
    let cfg = Config {
        snapshot_after: Some(30),
        ..Config::default()
    };
    let mut rt = Runtime::new(prog.clone(), cfg, io()).unwrap();
    let Outcome::Snapshot(frames) = run(
        &mut rt,
        Entry::Start {
            args: vec!["fib".into()],
        },
    ) else {
        panic!("no snapshot");
    };
    assert!(frames.len() > 3);
    type Mutation = Box<dyn Fn(&mut Vec<pivm_ir::frame::Frame>)>;
    let mutations: Vec<Mutation> = vec![
        Box::new(|f| f.clear()),
        Box::new(|f| f[0].resume = pivm_ir::ResumeId(999)),
        Box::new(|f| f[0].locals.pop().map(|_| ()).unwrap_or(())),
        Box::new(|f| f[0].locals[0] = u64::MAX),
        Box::new(|f| f[0].stack_base += 16),
        Box::new(|f| f[1].func = pivm_ir::FuncId(77)),
        Box::new(|f| {
            f.pop();
        }),
        Box::new(|f| f.swap(0, 1)),
        Box::new(|f| {
            let last = f.len() - 1;
            f[last].resume = pivm_ir::ResumeId(0);
        }),
    ];
    for (i, m) in mutations.iter().enumerate() {
        let mut bad = frames.clone();
        m(&mut bad);
        let mut rt = Runtime::new(prog.clone(), Config::default(), io()).unwrap();
        let r = Interpreter::new().run(&mut rt, Entry::Rewind { frames: bad });
        assert!(r.is_err(), "mutation {i} was accepted");
    }
}

/// The JIT and the interpreter capture identical frames and memory at the
/// same safepoint, and each resumes the other's snapshot to the same end.
#[test]
#[cfg(feature = "jit")]
fn cross_engine_snapshots() {
    use pivm::JitEngine;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut files = pir_files(&root.join("examples"));
    files.extend(
        pir_files(&root.join("tests/pir"))
            .into_iter()
            .filter(|p| !p.ends_with("stdio.pir")),
    );
    let engines =
        || -> [Box<dyn Engine>; 2] { [Box::new(Interpreter::new()), Box::new(JitEngine::new())] };
    let mut typed = 0;
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let module = pivm_ir::parse(&text, &f.display().to_string()).unwrap();
        let prog = Arc::new(Program::new(module, 1 << 20).unwrap());
        let args = args_of(&text, f);
        let cfg = |n: u64| Config {
            snapshot_after: Some(n),
            ..Config::default()
        };
        let mut rt = Runtime::new(prog.clone(), cfg(u64::MAX), io()).unwrap();
        let full = run(&mut rt, Entry::Start { args: args.clone() });
        let full_out = rt.io.captured_stdout();
        let total = rt.safepoints_reached;
        for n in [1, total / 2, total] {
            if n == 0 {
                continue;
            }
            let what = format!("{} at {n}", f.display());
            let mut caps = Vec::new();
            for mut e in engines() {
                let mut rt = Runtime::new(prog.clone(), cfg(n), io()).unwrap();
                let Ok(Outcome::Snapshot(frames)) =
                    e.run(&mut rt, Entry::Start { args: args.clone() })
                else {
                    panic!("{what}: no snapshot");
                };
                let before = rt.io.captured_stdout();
                caps.push((frames, rt.save_state(), before));
            }
            assert_eq!(caps[0].0, caps[1].0, "{what}: frames differ");
            let (a, b) = (&caps[0].1, &caps[1].1);
            if let Some(i) =
                (0..a.memory.len().min(b.memory.len())).find(|&i| a.memory[i] != b.memory[i])
            {
                panic!(
                    "{what}: memory differs first at {i:#x} (interp {} jit {})",
                    a.memory[i], b.memory[i]
                );
            }
            assert_eq!(
                a.memory.len(),
                b.memory.len(),
                "{what}: memory sizes differ"
            );
            // Blocks with their types: the JIT passes the allocation-type
            // key to malloc/calloc/realloc as the interpreter passes `as T`.
            assert_eq!(a.allocations, b.allocations, "{what}: heaps differ");
            typed += a.allocations.iter().filter(|al| al.ty != 0).count();
            assert_eq!(a.heap_top, b.heap_top, "{what}: heap tops differ");
            assert_eq!(a.rand, b.rand, "{what}: rand states differ");
            assert_eq!(
                a.stdout_written, b.stdout_written,
                "{what}: output counts differ"
            );
            for (from, (frames, state, before)) in caps.iter().enumerate() {
                let mut e = engines().into_iter().nth(1 - from).unwrap();
                let mut rt =
                    Runtime::restore(prog.clone(), Config::default(), io(), state).unwrap();
                let out = e
                    .run(
                        &mut rt,
                        Entry::Rewind {
                            frames: frames.clone(),
                        },
                    )
                    .unwrap();
                assert_eq!(
                    out.exit_code(),
                    full.exit_code(),
                    "{what}: engine {from} -> other"
                );
                let mut all = before.clone();
                all.extend_from_slice(&rt.io.captured_stdout());
                assert_eq!(all, full_out, "{what}: engine {from} -> other: output");
            }
        }
    }
    assert!(typed > 0, "no snapshot held a typed allocation to compare");
}

/// A local that held a global's or a slot's address before a call is
/// checked again after it when the frame is rewound: a snapshot may hold
/// any value there, which must trap, on both engines, like any bad
/// address (compiled code follows such addresses across builtin calls
/// only, never across a resume point). (`@f`'s loop tests `!=`: with
/// `< 3` it would do bounded work, and not poll.)
#[test]
fn rewound_addresses_are_checked_again() {
    let src = "global @g: [16 x i8]
func @f() {
    local %i: i64
    local %c: i32
entry:
    %i = copy.i64 0
    jump head
head:
    %i = add.i64 %i, 1
    %c = ne.i64 %i, 3
    br.i32 %c, head, done
done:
    ret
}
func @main() -> i32 {
    local %p: ptr
    local %q: ptr
    slot $s: [16 x i8]
entry:
    %p = addr @g
    %q = addr $s
    call @f()
    store.i64 %p, 1
    store.i64 %q, 2
    ret.i32 0
}
";
    let module = pivm_ir::parse(src, "t.pir").unwrap();
    let prog = Arc::new(Program::new(module, 1 << 20).unwrap());
    let main = prog.module.func_by_name("main").expect("main");
    let cfg = Config {
        snapshot_after: Some(2),
        ..Config::default()
    };
    let mut rt = Runtime::new(prog.clone(), cfg, io()).unwrap();
    let Outcome::Snapshot(frames) = run(
        &mut rt,
        Entry::Start {
            args: vec!["t".into()],
        },
    ) else {
        panic!("no snapshot inside @f");
    };
    let at = frames
        .iter()
        .position(|f| f.func == main)
        .expect("main's frame");
    for (local, off) in [(0, 1u64 << 40), (0, 1 << 30), (1, 1 << 40)] {
        let mut bad = frames.clone();
        bad[at].locals[local] = bad[at].locals[local].wrapping_add(off);
        let engines: Vec<Box<dyn Engine>> = vec![
            Box::new(Interpreter::new()),
            #[cfg(feature = "jit")]
            Box::new(pivm::JitEngine::new()),
        ];
        for mut e in engines {
            let mut rt = Runtime::new(prog.clone(), Config::default(), io()).unwrap();
            let r = e.run(
                &mut rt,
                Entry::Rewind {
                    frames: bad.clone(),
                },
            );
            assert!(
                matches!(r, Ok(Outcome::Trap(_))),
                "local {local} moved by {off:#x}: {r:?}"
            );
        }
    }
}
