//! Whole programs on the JIT and on the interpreter, over the same runtime:
//! results, output, traps (kind, function, line), heaps, and the snapshot
//! protocol (a snapshot at a safepoint on either engine, resumed on either
//! engine, in a fresh runtime).

use pivm::io::{Io, Sink, Source};
use pivm::{
    Config, Engine, Entry, Interpreter, JitEngine, Outcome, Program, Runtime, RuntimeState, Trap,
};
use pivm_ir::{Module, TrapKind};
use std::sync::Arc;

const FIB: &str = include_str!("../../examples/fib.pir");

const SORT: &str = r#"global @fmt: [4 x i8] = { bytes "%d \00" }

declare @malloc(i64) -> ptr
declare @rand() -> i32
declare @printf(ptr, ...) -> i32

func @fill(%p: ptr, %n: i32) {
    local %i: i32
    local %c: i32
    local %r: i32
    local %q: ptr
    local %o: i64
entry:
    %i = copy.i32 0
    jump head
head:
    %c = slt.i32 %i, %n
    br.i32 %c, body, done
body:
    %r = call @rand()
    %r = urem.i32 %r, 1000
    %o = sext.i32.i64 %i
    %o = mul.i64 %o, 4
    %q = add.ptr %p, %o
    store.i32 %q, %r
    %i = add.i32 %i, 1
    jump head
done:
    ret
}

func @cmp(%a: i32, %b: i32) -> i32 {
    local %c: i32
entry:
    %c = sgt.i32 %a, %b
    ret.i32 %c
}

func @sort(%p: ptr, %n: i32, %f: ptr) {
    local %i: i32
    local %j: i32
    local %c: i32
    local %m: i32
    local %qa: ptr
    local %qb: ptr
    local %x: i32
    local %y: i32
    local %o: i64
entry:
    %i = copy.i32 0
    jump outer
outer:
    %m = sub.i32 %n, 1
    %c = slt.i32 %i, %m
    br.i32 %c, inner_init, done
inner_init:
    %j = copy.i32 0
    jump inner
inner:
    %m = sub.i32 %n, %i
    %m = sub.i32 %m, 1
    %c = slt.i32 %j, %m
    br.i32 %c, body, next
body:
    %o = sext.i32.i64 %j
    %o = mul.i64 %o, 4
    %qa = add.ptr %p, %o
    %qb = add.ptr %qa, 4
    %x = load.i32 %qa
    %y = load.i32 %qb
    %c = call %f(i32 %x, i32 %y)
    br.i32 %c, swap, cont
swap:
    store.i32 %qa, %y
    store.i32 %qb, %x
    jump cont
cont:
    %j = add.i32 %j, 1
    jump inner
next:
    %i = add.i32 %i, 1
    jump outer
done:
    ret
}

func @main() -> i32 {
    local %p: ptr
    local %f: ptr
    local %i: i32
    local %c: i32
    local %x: i32
    local %q: ptr
    local %o: i64
    local %s: i64
    local %a: ptr
    local %fp: ptr
    local %r: i32
    slot $pad: [3 x i8]
    slot $acc: i64
entry:
    %p = call @malloc(i64 400)
    call @fill(ptr %p, i32 100)
    %f = addr @cmp
    call @sort(ptr %p, i32 100, ptr %f)
    %a = addr $acc
    store.i64 %a, 0
    %fp = addr @fmt
    %i = copy.i32 0
    jump head
head:
    %c = slt.i32 %i, 100
    br.i32 %c, body, done
body:
    %o = sext.i32.i64 %i
    %o = mul.i64 %o, 4
    %q = add.ptr %p, %o
    %x = load.i32 %q
    call @printf(ptr %fp, i32 %x)
    %s = load.i64 %a
    %s = mul.i64 %s, 31
    %o = sext.i32.i64 %x
    %s = add.i64 %s, %o
    store.i64 %a, %s
    %i = add.i32 %i, 1
    jump head
done:
    %s = load.i64 %a
    %r = trunc.i64.i32 %s
    ret.i32 %r
}
"#;

/// NaNs made by the hardware in generated code (x86's `inf * 0` is a
/// negative NaN, aarch64's positive, riscv64's canonical) in locals that
/// only arithmetic defines, seen every way a value can be seen: stored,
/// negated, cast to an integer, narrowed and widened, passed to a module
/// function and to a builtin, returned, copied into a local that also holds
/// loaded bits, and kept in a frame across safepoints; and a NaN with a
/// payload, loaded and stored, that must keep its bits. Both engines must
/// write the same bytes.
const NAN_ESCAPES: &str = r#"global @buf: [96 x i8] = { zero 96 }
global @pay: i64 = { i64 9218868437227405603 }
global @fmt: [21 x i8] = { bytes "%f %f %f %f %llx\0a\00" }

declare @printf(ptr, ...) -> i32
declare @sqrt(f64) -> f64
declare @fabs(f64) -> f64

func @keep(%x: f64, %at: i64) -> f64 {
    local %p: ptr
entry:
    %p = addr @buf
    %p = add.ptr %p, %at
    store.f64 %p, %x
    ret.f64 %x
}

func @make(%a: f64) -> f64 {
    local %r: f64
entry:
    %r = fsub.f64 %a, %a
    ret.f64 %r
}

func @main() -> i32 {
    local %inf: f64
    local %n: f64
    local %m: f64
    local %s: f64
    local %t: f32
    local %e: f64
    local %i: i64
    local %q: f64
    local %k: f64
    local %acc: f64
    local %p: ptr
    local %j: i32
    local %c: i32
    local %f: ptr
entry:
    %inf = fdiv.f64 1.0, 0.0
    %n = fmul.f64 %inf, 0.0
    %p = addr @buf
    store.f64 %p, %n
    %m = fneg.f64 %n
    %p = add.ptr %p, 8
    store.f64 %p, %m
    %i = bitcast.f64.i64 %n
    %p = add.ptr %p, 8
    store.i64 %p, %i
    %t = ftrunc.f64.f32 %n
    %e = fext.f32.f64 %t
    %p = add.ptr %p, 8
    store.f32 %p, %t
    %q = call @keep(f64 %e, i64 32)
    %q = call @make(f64 %inf)
    %p = add.ptr %p, 16
    store.f64 %p, %q
    %s = fsub.f64 0.0, 1.0
    %s = call @sqrt(f64 %s)
    %s = call @fabs(f64 %s)
    %p = add.ptr %p, 8
    store.f64 %p, %s
    %p = addr @pay
    %k = load.f64 %p
    %p = addr @buf
    %p = add.ptr %p, 56
    store.f64 %p, %k
    %k = fadd.f64 %k, %n
    %p = add.ptr %p, 8
    store.f64 %p, %k
    %k = copy.f64 %n
    %p = add.ptr %p, 8
    store.f64 %p, %k
    %acc = fmul.f64 %inf, 0.0
    %j = copy.i32 0
    jump head
head:
    %c = slt.i32 %j, 20000
    br.i32 %c, body, done
body:
    %acc = fadd.f64 %acc, 1.0
    %j = add.i32 %j, 1
    jump head
done:
    %p = add.ptr %p, 8
    store.f64 %p, %acc
    %f = addr @fmt
    call @printf(ptr %f, f64 %n, f64 %m, f64 %acc, f64 %q, i64 %i)
    ret.i32 0
}
"#;

#[test]
fn hardware_nans_are_canonical_wherever_seen() {
    let r = both(NAN_ESCAPES, &[]);
    assert_eq!(r.outcome, Outcome::Exit(0));
    assert_eq!(
        String::from_utf8_lossy(&r.stdout),
        "nan -nan nan nan 7ff8000000000000\n"
    );
    check_snapshots(NAN_ESCAPES, &[], &[1, 2, 5, 12, 21]);
}

fn io() -> Io {
    Io::new(
        Sink::capture(),
        Sink::capture(),
        Source::Bytes(Vec::new(), 0),
    )
}

fn program(src: &str) -> Arc<Program> {
    let m = pivm_ir::parse(src, "test.pir").unwrap_or_else(|e| panic!("{e}"));
    Arc::new(Program::new(m, 1 << 20).unwrap_or_else(|e| panic!("{e}")))
}

fn config() -> Config {
    Config {
        reserve: 256 << 20,
        max_depth: 1000,
        ..Config::default()
    }
}

/// How a run ended, with what it wrote and the runtime's state after it.
#[derive(Debug)]
struct Run {
    outcome: Outcome,
    stdout: Vec<u8>,
    state: RuntimeState,
}

fn run_in(engine: &mut dyn Engine, mut rt: Runtime, entry: Entry) -> Run {
    let outcome = engine.run(&mut rt, entry).expect("run");
    Run {
        outcome,
        stdout: rt.io.captured_stdout(),
        state: rt.save_state(),
    }
}

fn start(args: &[&str]) -> Entry {
    Entry::Start {
        args: args.iter().map(|s| s.to_string()).collect(),
    }
}

fn engines() -> [(&'static str, Box<dyn Engine>); 2] {
    [
        ("interpreter", Box::new(Interpreter::new())),
        ("jit", Box::new(JitEngine::new())),
    ]
}

/// Asserts two runs agree, naming the first byte of memory that differs.
fn assert_same(a: &Run, b: &Run, what: &str) {
    assert_eq!(a.outcome, b.outcome, "{what}: outcomes differ");
    assert_eq!(a.stdout, b.stdout, "{what}: output differs");
    let (ma, mb) = (&a.state.memory, &b.state.memory);
    if let Some(i) = (0..ma.len().min(mb.len())).find(|&i| ma[i] != mb[i]) {
        panic!(
            "{what}: memory differs first at {i:#x} ({} vs {})",
            ma[i], mb[i]
        );
    }
    assert!(a.state == b.state, "{what}: runtime states differ");
}

/// Runs `prog` from the start on both engines with `cfg`; they must agree.
fn both_with(prog: &Arc<Program>, cfg: &Config, args: &[&str], what: &str) -> Run {
    let [(_, mut interp), (_, mut jit)] = engines();
    let rt = Runtime::new(prog.clone(), cfg.clone(), io()).unwrap();
    let want = run_in(&mut *interp, rt, start(args));
    let rt = Runtime::new(prog.clone(), cfg.clone(), io()).unwrap();
    let got = run_in(&mut *jit, rt, start(args));
    assert_same(&got, &want, &format!("{what}: jit vs interpreter"));
    want
}

fn both(src: &str, args: &[&str]) -> Run {
    both_with(&program(src), &config(), args, "")
}

#[test]
fn fib_matches_interpreter() {
    let r = both(FIB, &["fib"]);
    assert_eq!(r.outcome, Outcome::Exit(0));
    assert_eq!(String::from_utf8_lossy(&r.stdout), "fib(25) = 75025\n");
    let r = both(FIB, &["fib", "20"]);
    assert_eq!(String::from_utf8_lossy(&r.stdout), "fib(20) = 6765\n");
}

#[test]
fn sort_matches_interpreter() {
    let r = both(SORT, &[]);
    assert!(matches!(r.outcome, Outcome::Exit(_)), "{:?}", r.outcome);
    let text = String::from_utf8(r.stdout).unwrap();
    let nums: Vec<i32> = text
        .split_whitespace()
        .map(|s| s.parse().unwrap())
        .collect();
    assert_eq!(nums.len(), 100);
    assert!(nums.windows(2).all(|w| w[0] <= w[1]), "{text}");
}

fn snapshot_config(n: u64) -> Config {
    Config {
        snapshot_after: Some(n),
        ..config()
    }
}

/// Resumes `snap` (a run that took a snapshot) on `engine` in a fresh
/// runtime; the output is the whole run's.
fn resume(engine: &mut dyn Engine, prog: &Arc<Program>, snap: &Run, cfg: Config) -> Run {
    let Outcome::Snapshot(frames) = &snap.outcome else {
        panic!("not a snapshot: {:?}", snap.outcome);
    };
    let rt = Runtime::restore(prog.clone(), cfg, io(), &snap.state).unwrap();
    let mut r = run_in(
        engine,
        rt,
        Entry::Rewind {
            frames: frames.clone(),
        },
    );
    r.stdout = [snap.stdout.clone(), r.stdout].concat();
    r
}

/// Runs the program to the end; then for each snapshot point `n`: takes a
/// snapshot at the `n`-th safepoint on both engines (same frames and
/// state), and resumes it on both engines, which must end like the
/// uninterrupted run.
fn check_snapshots(src: &str, args: &[&str], points: &[u64]) {
    check_snapshots_of(&program(src), args, points);
}

fn check_snapshots_of(prog: &Arc<Program>, args: &[&str], points: &[u64]) {
    let full = both_with(prog, &config(), args, "uninterrupted");
    assert!(matches!(full.outcome, Outcome::Exit(_)), "{full:?}");
    for &n in points {
        let what = format!("snapshot at {n}");
        let snap = both_with(prog, &snapshot_config(n), args, &what);
        let Outcome::Snapshot(frames) = &snap.outcome else {
            panic!("{what}: {:?}", snap.outcome);
        };
        assert!(!frames.is_empty());
        assert_eq!(snap.state.safepoints_reached, n);
        for (name, mut e) in engines() {
            let r = resume(&mut *e, prog, &snap, config());
            assert_eq!(r.outcome, full.outcome, "{what}: resumed on the {name}");
            assert_eq!(
                r.stdout, full.stdout,
                "{what}: output resumed on the {name}"
            );
            assert!(
                r.state.memory == full.state.memory,
                "{what}: memory after resuming on the {name}"
            );
        }
    }
}

#[test]
fn unwind_and_rewind_fib() {
    check_snapshots(FIB, &["fib"], &[1, 2, 3, 50, 1000, 12345]);
}

#[test]
fn unwind_and_rewind_sort() {
    check_snapshots(SORT, &[], &[1, 5, 77, 3000, 4950, 5100]);
}

#[test]
fn snapshot_twice_in_a_row() {
    // Snapshot on the JIT, resume on it with a snapshot again, resume that
    // on the interpreter.
    let prog = program(SORT);
    let full = both(SORT, &[]);
    let mut jit = JitEngine::new();
    let rt = Runtime::new(prog.clone(), snapshot_config(1000), io()).unwrap();
    let a = run_in(&mut jit, rt, start(&[]));
    let b = resume(&mut jit, &prog, &a, snapshot_config(700));
    assert!(matches!(b.outcome, Outcome::Snapshot(_)), "{b:?}");
    let c = resume(&mut Interpreter::new(), &prog, &b, config());
    assert_eq!((c.outcome, c.stdout), (full.outcome, full.stdout));
}

const TRAPS: &str = r#"func @divz(%a: i32, %b: i32) -> i32 {
entry:
    line 7
    %a = sdiv.i32 %a, %b
    ret.i32 %a
}

func @divjoin(%a: i32, %b: i32, %c: i32) -> i32 {
    local %q: i32
entry:
    line 11
    %q = copy.i32 0
    br.i32 %c, div, join
div:
    line 12
    %q = sdiv.i32 %a, %b
    %q = srem.i32 %q, %b
    jump join
join:
    line 13
    %q = urem.i32 %a, %b
    ret.i32 %q
}

func @uremz(%a: i64, %b: i64) -> i64 {
entry:
    line 9
    %a = urem.i64 %a, %b
    ret.i64 %a
}

func @ld(%p: ptr) -> i32 {
    local %x: i32
entry:
    line 3
    %x = load.i32 %p
    ret.i32 %x
}

func @st(%p: ptr, %v: i64) {
entry:
    line 4
    store.i64 %p, %v
    ret
}

func @rec(%n: i64) -> i64 {
    local %r: i64
entry:
    %n = add.i64 %n, 1
    line 12
    %r = call @rec(i64 %n)
    ret.i64 %r
}

func @big(%n: i64) -> i64 {
    local %r: i64
    slot $buf: [100000 x i8]
entry:
    line 20
    %r = call @big(i64 %n)
    ret.i64 %r
}

func @unr() -> i32 {
entry:
    line 30
    unreachable
}

func @two(%a: i32, %b: i32) -> i32 {
entry:
    %a = add.i32 %a, %b
    ret.i32 %a
}

func @void2(%a: i32, %b: i32) {
entry:
    ret
}

func @hidden(%a: i32, %b: i32) -> i32 {
entry:
    ret.i32 %a
}

func @takes() -> ptr {
    local %p: ptr
entry:
    %p = addr @two
    %p = addr @void2
    ret.ptr %p
}

func @callp(%f: ptr, %x: i32) -> i32 {
    local %r: i32
entry:
    line 40
    %r = call %f(i32 %x, i32 5)
    ret.i32 %r
}

func @callv(%f: ptr, %x: i32) -> i32 {
entry:
    line 41
    call %f(i32 %x, i32 5)
    ret.i32 1
}

func @callf(%f: ptr, %x: i32) -> i32 {
    local %r: i32
entry:
    line 42
    %r = call %f(i32 %x)
    ret.i32 %r
}
"#;

/// Runs `call` (a call instruction, its result in `%r` if any) from a
/// `@main` added to TRAPS, on both engines, with `cfg`.
fn trap_of_with(call: &str, cfg: &Config) -> Outcome {
    let src = format!(
        "{TRAPS}\nfunc @main() -> i32 {{\n    local %r: i32\nentry:\n    line 99\n    {call}\n    ret.i32 %r\n}}\n"
    );
    both_with(&program(&src), cfg, &[], call).outcome
}

fn trap_of(call: &str) -> Outcome {
    trap_of_with(call, &config())
}

fn trap(kind: TrapKind, func: &str, line: u32) -> Outcome {
    Outcome::Trap(Trap {
        kind,
        func: Some(func.to_string()),
        file: None,
        line,
    })
}

#[test]
fn traps() {
    use TrapKind::*;
    let t = trap_of;
    assert_eq!(
        t("call @divz(i32 5, i32 0)"),
        trap(DivisionByZero, "divz", 7)
    );
    assert_eq!(
        t("call @uremz(i64 5, i64 0)"),
        trap(DivisionByZero, "uremz", 9)
    );
    // A divisor tested once on a straight path is not tested again there
    // (the JIT's `nonzero`), but a join's other way in did not test it.
    // The divisor and the branch's condition are loaded (0 at 4096, as
    // above), so that no optimizer knows them.
    let zero = "%r = call @ld(ptr 4096)\n    ";
    assert_eq!(
        t(&format!("{zero}call @divjoin(i32 5, i32 %r, i32 1)")),
        trap(DivisionByZero, "divjoin", 12)
    );
    assert_eq!(
        t(&format!("{zero}call @divjoin(i32 5, i32 %r, i32 %r)")),
        trap(DivisionByZero, "divjoin", 13)
    );
    assert_eq!(
        t("%r = call @divjoin(i32 7, i32 2, i32 1)"),
        Outcome::Exit(1)
    );
    assert_eq!(
        t("%r = call @divz(i32 -2147483648, i32 -1)"),
        Outcome::Exit(i32::MIN)
    );
    assert_eq!(t("call @ld(ptr 0)"), trap(NullAccess, "ld", 3));
    assert_eq!(t("call @ld(ptr 4095)"), trap(NullAccess, "ld", 3));
    assert_eq!(t("%r = call @ld(ptr 4096)"), Outcome::Exit(0));
    // The end of memory: the layout depends only on the (absent) globals
    // and the stack size.
    let limit = program(TRAPS).mem.heap_start + pivm_ir::contract::MAX_ACCESS;
    assert_eq!(
        t(&format!("%r = call @ld(ptr {})", limit - 8)),
        Outcome::Exit(0)
    );
    assert_eq!(
        t(&format!("call @ld(ptr {})", limit - 7)),
        trap(OutOfBounds, "ld", 3)
    );
    assert_eq!(
        t(&format!("call @ld(ptr {})", u64::MAX)),
        trap(OutOfBounds, "ld", 3)
    );
    assert_eq!(
        t(&format!("call @st(ptr {limit}, i64 1)")),
        trap(OutOfBounds, "st", 4)
    );
    assert_eq!(t("call @st(ptr 8, i64 1)"), trap(NullAccess, "st", 4));
    // Reported in the caller, at the call's line.
    assert_eq!(t("call @rec(i64 0)"), trap(StackOverflow, "rec", 12));
    assert_eq!(t("call @big(i64 0)"), trap(StackOverflow, "big", 20));
    let no_room = Config {
        max_depth: 0,
        ..config()
    };
    assert_eq!(
        trap_of_with("call @unr()", &no_room),
        trap(StackOverflow, "main", 0)
    );
    assert_eq!(t("call @unr()"), trap(Unreachable, "unr", 30));

    let m = pivm_ir::parse(TRAPS, "t").unwrap();
    let ptr = |name: &str| Module::func_ptr(m.func_by_name(name).unwrap());
    let (two, void2) = (ptr("two"), ptr("void2"));
    let callp = |f: u64| t(&format!("%r = call @callp(ptr {f}, i32 3)"));
    assert_eq!(callp(two), Outcome::Exit(8));
    let bad = trap(BadFunctionPointer, "callp", 40);
    assert_eq!(callp(0), bad);
    assert_eq!(callp(5000), bad);
    assert_eq!(callp(m.funcs.len() as u64 + 2), bad);
    assert_eq!(callp(void2), bad, "result of a void function");
    assert_eq!(
        callp(ptr("hidden")),
        bad,
        "a function whose address is not taken"
    );
    let callv = |f: u64| t(&format!("%r = call @callv(ptr {f}, i32 3)"));
    assert_eq!(callv(void2), Outcome::Exit(1));
    assert_eq!(callv(two), Outcome::Exit(1), "ignoring a result is allowed");
    assert_eq!(
        t(&format!("%r = call @callf(ptr {two}, i32 3)")),
        trap(BadFunctionPointer, "callf", 42),
        "wrong arity"
    );
}

#[test]
fn without_safepoints_nothing_polls() {
    let prog = program(SORT);
    let full = both(SORT, &[]);
    let mut jit = JitEngine::with_options(pivm_jit::Options {
        safepoints: false,
        ..Default::default()
    });
    let rt = Runtime::new(prog.clone(), snapshot_config(3), io()).unwrap();
    let r = run_in(&mut jit, rt, start(&[]));
    assert_eq!(r.outcome, full.outcome);
    assert_eq!(r.state.safepoints_reached, 0);
}

/// What an unrolled fast copy carries from one round of its loop to the
/// next (a stencil's `a[j - 1]`, jit/src/lower/forward.rs) is reloaded
/// from memory where a poll's call returns: here every poll calls the
/// runtime (it counts safepoints, the code does not) and the program goes
/// on, so every round takes that path; the result must be the
/// interpreter's, memory included.
#[test]
fn carried_values_are_reloaded_where_polls_return() {
    let dir = std::env::temp_dir().join(format!("pivm-carried-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pir = dir.join("forwarding.pir");
    let src = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/c/forwarding.c");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pivm"))
        .args(["compile", src, "-o"])
        .arg(&pir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let prog = program(&std::fs::read_to_string(&pir).unwrap());
    let _ = std::fs::remove_dir_all(&dir);
    let cfg = Config {
        count_safepoints: true,
        ..config()
    };
    let mut interp = Interpreter::new();
    let want = run_in(
        &mut interp,
        Runtime::new(prog.clone(), cfg.clone(), io()).unwrap(),
        start(&["forwarding", "300"]),
    );
    let mut jit = JitEngine::with_options(pivm_jit::Options {
        counting: false,
        ..Default::default()
    });
    let got = run_in(
        &mut jit,
        Runtime::new(prog, cfg, io()).unwrap(),
        start(&["forwarding", "300"]),
    );
    assert_eq!(want.outcome, Outcome::Exit(0));
    // The runtime saw the JIT's polls: at most one per round of four.
    assert!(
        got.state.safepoints_reached > 1000,
        "{} safepoints reached",
        got.state.safepoints_reached
    );
    let ma = &got.state.memory;
    let mb = &want.state.memory;
    assert_eq!(got.stdout, want.stdout, "output differs");
    assert!(ma == mb, "memory differs");
}

const BUILTINS: &str = r#"global @s: [6 x i8] = { bytes "hi %s\00" }
global @w: [3 x i8] = { bytes "yo\00" }

declare @putchar(i32) -> i32
declare @printf(ptr, ...) -> i32
declare @sqrt(f64) -> f64
declare @floor(f64) -> f64
declare @pow(f64, f64) -> f64
declare @exit(i32)

func @body(%x: f64) -> i32 {
    local %r: i32
    local %y: f64
    local %p: ptr
    local %q: ptr
entry:
    %r = call @putchar(i32 65)
    %p = addr @s
    %q = addr @w
    call @printf(ptr %p, ptr %q)
    %y = call @sqrt(f64 %x)
    %y = call @floor(f64 %y)
    %y = call @pow(f64 %y, f64 2.0)
    %r = ftosi.f64.i32 %y
    br.i32 %r, big, small
big:
    call @exit(i32 %r)
    ret.i32 1
small:
    ret.i32 %r
}
"#;

#[test]
fn builtins_and_exit() {
    let with = |x: &str| {
        both(
            &format!("{BUILTINS}\nfunc @main() -> i32 {{\n    local %r: i32\nentry:\n    %r = call @body(f64 {x})\n    ret.i32 %r\n}}\n"),
            &[],
        )
    };
    let r = with("10.0");
    assert_eq!(String::from_utf8_lossy(&r.stdout), "Ahi yo");
    assert_eq!(r.outcome, Outcome::Exit(9));
    let r = with("0.5");
    assert_eq!(r.outcome, Outcome::Exit(0));
}

const ALLOC_AND_ABORT: &str = r#"declare @malloc(i64) -> ptr
declare @abort()

func @main(%argc: i32, %argv: ptr) -> i32 {
    local %p: ptr
    local %q: ptr
    local %n: i32
entry:
    %p = call @malloc(i64 16) as i32
    %q = call @malloc(i64 8) as f64
    %p = call @malloc(i64 4) as i32
    %q = call @malloc(i64 4)
    %n = sgt.i32 %argc, 1
    br.i32 %n, die, live
die:
    call @f()
    ret.i32 1
live:
    ret.i32 0
}

func @f() {
entry:
    line 42
    call @abort()
    ret
}
"#;

#[test]
fn allocation_types_and_builtin_trap_locations() {
    // The heaps compare equal, types included: the JIT passes the
    // allocation type as the interpreter does.
    let r = both(ALLOC_AND_ABORT, &["a"]);
    assert_eq!(r.outcome, Outcome::Exit(0));
    let heap = &r.state.allocations;
    let types: Vec<Option<&str>> = heap
        .iter()
        .map(|a| heap.type_text(a.ty).map(|t| &**t))
        .collect();
    assert!(
        types.ends_with(&[Some("i32"), Some("f64"), Some("i32"), None]),
        "{types:?}"
    );
    // abort traps in @f at its line, on both engines.
    let r = both(ALLOC_AND_ABORT, &["a", "die"]);
    assert_eq!(r.outcome, trap(TrapKind::Abort, "f", 42));
}

fn c_program(src: &str) -> Arc<Program> {
    let m = pivm_cc::compile(src, "test.c").unwrap_or_else(|e| panic!("{e}"));
    Arc::new(Program::new(m, 1 << 20).unwrap_or_else(|e| panic!("{e}")))
}

/// Counted loops whose memory checks the JIT hoists (`jit/src/lower/hoist.rs`):
/// each `mode` runs one loop; those that go out of bounds must trap at the
/// same access, with the same memory written before it, as the interpreter.
const HOISTED: &str = r#"
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    int mode = atoi(argv[1]);
    long n = atol(argv[2]);
    int *a = malloc(64 * sizeof(int));
    long s = 0;
    /* 64, known at run time only: a loop of bounded work would not poll. */
    int size = 61 + argc; /* argc is 3 */
    for (int i = 0; i < size; i++) a[i] = i;
    if (mode == 0) {
        /* Up to n, past the end of memory when n is large. */
        for (long i = 0; i < n; i++)
            a[i] = a[i] * 3 + 1;
    } else if (mode == 1) {
        /* Downwards to n: into the data and the null page when n is
           very negative. */
        for (int i = 63; i >= (int)n; i--)
            s += a[i];
    } else if (mode == 2) {
        /* An unsigned index that wraps: u + j is 3, 2, 1, 0, then 2^32 - 1. */
        unsigned u = (unsigned)n;
        for (int j = 3; j >= -30; j--)
            s += a[u + j];
    } else if (mode == 3) {
        /* Rows of a matrix: int arithmetic of i * m + j, which wraps
           (to a negative index) when m is large. */
        int m = (int)n;
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < size / 4; j++)
                a[i * m + j] += i + j;
    } else if (mode == 4) {
        /* A loop that allocates: no hoisting, the bound grows inside. */
        int *last = a;
        for (long i = 0; i < n; i++) {
            int *q = malloc(4096);
            q[0] = (int)i;
            q[1023] = last[0] + q[0];
            last = q;
        }
        s = last[1023];
    } else if (mode == 5) {
        /* Memory grown before the loop, then walked to and past its end. */
        long big = 1 << 22;
        char *b = malloc(big);
        for (long i = 0; i < big + n; i += 8)
            b[i] = (char)i;
        s = b[big - 8];
    } else if (mode == 6) {
        /* A null pointer in a loop. */
        int *p = n ? a : 0;
        for (int i = 0; i < 16; i++)
            s += p[i];
    } else if (mode == 7) {
        /* A step of 3 up to a limit near INT_MAX (the guard checks that
           the counter cannot wrap). */
        for (int i = 2147483600; i < (int)n; i += 3)
            s += a[i - 2147483600];
    } else if (mode == 8) {
        /* A second int counter stepped once per iteration (`a[k++]`):
           past the end when n is large. */
        int k = 3;
        for (int i = 0; i < (int)n; i++)
            a[k++] = i * 5;
        s = k;
    } else if (mode == 9) {
        /* A pointer stepped down once per iteration: through the data
           and the null page when n is large. */
        int *p = a + 63;
        for (long i = 0; i < n; i++) {
            s += *p;
            p--;
        }
    } else if (mode == 10) {
        /* Counters stepped on some paths only (k: not derived), by the
           counter's own step (m), twice in one block (q: one step of 2). */
        int k = 0, m = 0, q = 0;
        for (int i = 0; i < (int)n; i += 2) {
            if (a[i] & 2)
                a[k++] += 1;
            a[m] += a[m + 1];
            m += 2;
            a[q] -= 1;
            q++;
            a[q] -= 1;
            q++;
        }
        s = k * 1000 + m + q;
    } else if (mode == 11) {
        /* An int counter that wraps past INT_MAX in the loop: b[k] reads
           a[0..3], then far below memory. */
        int k = (int)n;
        int *b = a - 2147483644L;
        for (int i = 0; i < 16; i++) {
            s += b[k];
            k++;
        }
    } else if (mode == 13) {
        /* A byte pointer stepped four times per iteration of an int
           counter: past the end when n is large. */
        unsigned char *p = (unsigned char *)a + 8;
        for (int i = 0; i < (int)n; i++) {
            *p++ = (unsigned char)i;
            *p++ = (unsigned char)(i >> 8);
            *p++ = 7;
            *p++ = (unsigned char)(i * 3);
        }
        s = p - (unsigned char *)a;
    } else if (mode == 12) {
        /* Counting down while a pointer steps up by three ints. */
        int *p = a;
        for (long i = n; i > 0; i--) {
            s += p[0] + p[2];
            p += 3;
        }
    }
    for (int i = 0; i < 64; i++) s += a[i];
    printf("%ld\n", s);
    return 0;
}
"#;

#[test]
fn hoisted_loop_checks_trap_at_the_exact_access() {
    use TrapKind::*;
    let prog = c_program(HOISTED);
    let run =
        |mode: &str, n: &str| both_with(&prog, &config(), &["t", mode, n], &format!("{mode} {n}"));
    let line_of = |text: &str| HOISTED.lines().position(|l| l.contains(text)).unwrap() as u32 + 1;
    let out = |r: &Run| String::from_utf8_lossy(&r.stdout).into_owned();
    // In bounds: the fast copies run.
    // The outputs are gcc's (-fwrapv) for the same program and arguments.
    for (mode, n, want) in [
        ("0", "64", "6112\n"),
        ("1", "0", "4032\n"),
        ("3", "16", "2592\n"),
        ("4", "100", "2213\n"),
        ("5", "0", "2008\n"),
        ("6", "1", "2136\n"),
        ("7", "2147483640", "2289\n"),
        ("8", "60", "8979\n"),
        ("9", "64", "4032\n"),
        ("10", "64", "19120\n"),
        ("12", "21", "3318\n"),
        ("13", "60", "16100100192\n"),
    ] {
        assert_eq!(out(&run(mode, n)), want, "mode {mode} {n}");
    }
    // Past the end of memory, below it, through a wrapped unsigned or int
    // index, past a grown heap's end, through null: the same trap, at the
    // same line, after the same writes, on both engines.
    let trap_line = |r: &Run| match &r.outcome {
        Outcome::Trap(t) => (t.kind, t.line),
        o => panic!("no trap: {o:?}"),
    };
    assert_eq!(
        trap_line(&run("0", "1000000000000")),
        (OutOfBounds, line_of("a[i] = a[i] * 3"))
    );
    let (kind, line) = trap_line(&run("1", "-2147483647"));
    assert!(matches!(kind, OutOfBounds | NullAccess), "{kind:?}");
    assert_eq!(line, line_of("s += a[i];"));
    assert_eq!(
        trap_line(&run("2", "0")),
        (OutOfBounds, line_of("s += a[u + j]"))
    );
    assert_eq!(
        trap_line(&run("3", "1073741824")),
        (OutOfBounds, line_of("a[i * m + j] +="))
    );
    assert_eq!(
        trap_line(&run("5", "1099511627776")),
        (OutOfBounds, line_of("b[i] = (char)i"))
    );
    assert_eq!(
        trap_line(&run("6", "0")),
        (NullAccess, line_of("s += p[i]"))
    );
    // Derived counters: a[k++] past the end, a pointer walked down below
    // memory, an int counter wrapping to INT_MIN, a pointer stepping up
    // while the loop counts down.
    assert_eq!(
        trap_line(&run("8", "100000000")),
        (OutOfBounds, line_of("a[k++] = i * 5"))
    );
    for (mode, n, at) in [
        ("9", "1000000000000", "s += *p;"),
        ("11", "2147483644", "s += b[k];"),
        ("12", "1000000000000", "s += p[0] + p[2];"),
    ] {
        let (kind, line) = trap_line(&run(mode, n));
        assert!(matches!(kind, OutOfBounds | NullAccess), "{mode}: {kind:?}");
        assert_eq!(line, line_of(at), "mode {mode}");
    }
    // Which of the four stores leaves memory first depends on where
    // memory ends; both engines agree on it (`both_with`).
    let (kind, line) = trap_line(&run("13", "2000000000"));
    let first = line_of("*p++ = (unsigned char)i;");
    assert_eq!(kind, OutOfBounds);
    assert!((first..first + 4).contains(&line), "mode 13: line {line}");
}

#[test]
fn snapshots_inside_hoisted_loops_resume_on_both_engines() {
    // Snapshots taken in the fast copies of the loops of mode 0 and 3,
    // resumed in their checked copies, on either engine.
    let prog = c_program(HOISTED);
    check_snapshots_of(&prog, &["t", "0", "64"], &[1, 3, 40, 100, 130]);
    check_snapshots_of(&prog, &["t", "3", "16"], &[70, 75, 90, 101]);
    // And in loops with derived counters (modes 8 and 12).
    check_snapshots_of(&prog, &["t", "8", "60"], &[66, 70, 99, 120]);
    check_snapshots_of(&prog, &["t", "12", "21"], &[66, 70, 80, 84]);
}
