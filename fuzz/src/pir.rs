//! Target `pir`: `.pir` text as `pivm run` loads it, then both engines.
//!
//! Checks, for any UTF-8 input:
//! - the parser returns a module or an error, never panics;
//! - a parsed module prints as text that parses to the same text (the
//!   parser reads exactly what the printer writes);
//! - the verifier accepts or refuses it; a verified module that the
//!   optimizer rewrites (`pivm_ir::optimize`) still verifies;
//! - a verified module with a runnable `@main` runs the same on the
//!   interpreter and the JIT (`engines::FUEL` safepoints at most, 16 MiB
//!   of memory, depth 200): same outcome (exit value, trap with its place,
//!   or the frames where fuel ran out), output, memory and runtime state;
//!   the JIT compiles every verified module;
//! - a snapshot at a safepoint the input picks, taken on each engine,
//!   gives the same frames and state on both, and written to a file,
//!   validated and restored as `pivm resume` does, resumes on the *other*
//!   engine to the uninterrupted run's end, output and memory.
//!
//! A module that calls `clock` runs, but its results are not compared.

use crate::engines::{self, assert_same, Ran, FUEL, RESERVE, STACK};
use pivm::{Engine, Interpreter, JitEngine, Outcome, Program};
use pivm_ir::{Module, Type};
use pivm_snapshot::EngineKind;
use std::sync::Arc;

pub fn run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(module) = pivm_ir::parse(text, "fuzz.pir") else {
        return;
    };
    let printed = module.to_string();
    match pivm_ir::parse(&printed, "fuzz.pir") {
        Ok(again) => assert!(
            again.to_string() == printed,
            "the printed module reads back differently:\n{printed}\n----\n{again}"
        ),
        Err(e) => panic!("the printed module does not parse: {e:?}\n{printed}"),
    }
    if let Some(prog) = program(module) {
        let seed = crate::hash(data);
        differential(prog, |points| vec![1 + seed % points]);
    }
}

/// What the target checks of `module`, with a snapshot at every safepoint
/// of its run instead of one (`pivm-every-point`): false if the module is
/// not one the target runs.
pub fn every_point(module: Module) -> bool {
    match program(module) {
        Some(prog) => {
            differential(prog, |points| (1..=points).collect());
            true
        }
        None => false,
    }
}

/// The program `pivm run` would run for `module`: verified, with a
/// runnable `@main`, optimized (`pivm_ir::optimize`: inlined and its slots
/// promoted, which must keep it verified), laid out with
/// `STACK` and fitting `RESERVE`.
pub fn program(mut module: Module) -> Option<Arc<Program>> {
    if pivm_ir::verify(&module).is_err() || !runnable(&module) {
        return None;
    }
    pivm_ir::optimize(&mut module);
    if let Err(e) = pivm_ir::verify(&module) {
        panic!("the optimized module does not verify:\n{e}\n{module}");
    }
    let prog = Program::new(module, STACK).ok()?;
    let needs = prog
        .mem
        .heap_start
        .saturating_add(pivm_ir::contract::MAX_ACCESS);
    (needs <= RESERVE).then(|| Arc::new(prog))
}

/// `@main` takes `()` or `(argc, argv)`, as `pivm run` requires.
fn runnable(m: &Module) -> bool {
    let Some(main) = m.func_by_name("main") else {
        return false;
    };
    let params: Vec<Type> = m.funcs[main].params().collect();
    matches!(
        params.as_slice(),
        [] | [Type::I32, Type::Ptr] | [Type::I32, Type::I64]
    )
}

/// Runs `prog` on both engines, then snapshots it at the safepoints that
/// `at` picks of the run's `points` (1 to `points`) and resumes each
/// engine's snapshot on the other.
fn differential(prog: Arc<Program>, at: impl FnOnce(u64) -> Vec<u64>) {
    if engines::waits_for_time(&prog.module) {
        return;
    }
    let mut interp = Interpreter::new();
    let mut jit = JitEngine::new();
    if let Err(e) = jit.prepare(&prog) {
        panic!("the jit cannot compile a verified module: {e}");
    }
    let mut full = engines::start(&mut interp, &prog, FUEL);
    let mut full_jit = engines::start(&mut jit, &prog, FUEL);
    if engines::reads_time(&prog.module) {
        return;
    }
    assert_same(&mut full_jit, &mut full, "jit vs interpreter");
    let Ok(end) = full.outcome.clone() else {
        return;
    };
    // Every safepoint of the run, or FUEL when it ran out at the last.
    let total = full.rt.safepoints_reached;
    let points = if matches!(end, Outcome::Snapshot(_)) {
        total - 1
    } else {
        total
    };
    if points == 0 {
        return;
    }
    let (out, err) = full.output();
    let full = Full {
        out,
        err,
        state: full.state(),
        end,
        total,
    };
    for n in at(points) {
        snapshot_at(&mut interp, &mut jit, &prog, &full, n);
    }
}

/// How the uninterrupted run ended.
struct Full {
    out: Vec<u8>,
    err: Vec<u8>,
    state: pivm::RuntimeState,
    end: Outcome,
    /// Its safepoints.
    total: u64,
}

/// The snapshot of `prog` at its `n`-th safepoint on each engine, resumed
/// on the other to `full`'s end.
fn snapshot_at(
    interp: &mut Interpreter,
    jit: &mut JitEngine,
    prog: &Arc<Program>,
    full: &Full,
    n: u64,
) {
    let out_of_fuel = matches!(full.end, Outcome::Snapshot(_));
    let what = format!("snapshot at safepoint {n} of {}", full.total);
    let mut at = engines::start(interp, prog, n);
    let mut at_jit = engines::start(jit, prog, n);
    assert!(
        at.frames().is_some(),
        "{what}: the interpreter ended with {:?}",
        at.outcome
    );
    assert_same(&mut at_jit, &mut at, &format!("{what}: jit vs interpreter"));
    // The rest of the run: to the end, or to where the fuel ran out.
    let rest = if out_of_fuel { FUEL - n } else { FUEL };
    for (from, kind, other) in [
        (&mut at, EngineKind::Interp, "jit"),
        (&mut at_jit, EngineKind::Jit, "interpreter"),
    ] {
        let bytes = engines::snapshot_bytes(from, from.frames().unwrap(), kind);
        let restored = engines::restore(&bytes, rest)
            .unwrap_or_else(|e| panic!("{what}: pivm resume refuses the snapshot: {e}"));
        let mut engine: Box<dyn Engine> = match other {
            "jit" => Box::new(JitEngine::new()),
            _ => Box::new(Interpreter::new()),
        };
        let mut resumed = engines::resume(&mut *engine, restored);
        let what = format!("{what}, resumed on the {other}");
        assert_eq!(resumed.outcome, Ok(full.end.clone()), "{what}: outcome");
        let (before_out, before_err) = from.output();
        let (out, err) = resumed.output();
        assert!(
            [before_out, out].concat() == full.out,
            "{what}: stdout differs"
        );
        assert!(
            [before_err, err].concat() == full.err,
            "{what}: stderr differs"
        );
        compare_resumed(&mut resumed, &full.state, &what);
    }
}

/// The state a resumed run ends in is the uninterrupted run's, but for
/// the counters that a resume restarts.
fn compare_resumed(resumed: &mut Ran, expected: &pivm::RuntimeState, what: &str) {
    let mut got = resumed.state();
    got.safepoints_reached = expected.safepoints_reached;
    if let Some(i) = (0..got.memory.len().max(expected.memory.len()))
        .find(|&i| got.memory.get(i) != expected.memory.get(i))
    {
        panic!("{what}: memory differs first at {i:#x}");
    }
    assert_eq!(&got, expected, "{what}: runtime states differ");
}
