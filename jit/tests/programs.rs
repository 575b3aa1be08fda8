//! Whole programs under the JIT with the mock runtime (`common`): the JIT's
//! side of the runtime ABI on its own: results, output, traps and where
//! they are reported, the shadow stack and call depth restored on every
//! way out, the entry wrappers, and the snapshot protocol through the hooks
//! (unwind at a safepoint, rewind in a new run). The comparison with the
//! interpreter, over the real runtime, is in the `pivm` crate's tests
//! (`vm/tests/jit_programs.rs`, `jit_ops.rs`, `jit_differential.rs`).

mod common;

use common::*;
use pivm_ir::{FuncId, Module, TrapKind};
use pivm_jit::abi;

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

func @main() -> i64 {
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
    ret.i64 %s
}
"#;

fn func(m: &Module, name: &str) -> FuncId {
    m.func_by_name(name).unwrap()
}

#[test]
fn fib() {
    let m = module(FIB);
    let mut vm = Vm::new(&m);
    let j = jit(&m, &vm);
    let o = run_jit(&j, &mut vm, func(&m, "fib"), &[20]);
    assert_eq!(o.ret, 6765);
    assert_eq!(o.state, abi::STATE_RUNNING);
    assert_eq!((vm.ctx.depth, vm.ctx.sp), (0, STACK_START));
    let mut vm = Vm::new(&m);
    let o = run_jit(&j, &mut vm, func(&m, "main"), &[1, 0]);
    assert_eq!(String::from_utf8_lossy(&o.out), "fib(25) = 75025\n");
    assert_eq!((vm.ctx.depth, vm.ctx.sp), (0, STACK_START));
}

#[test]
fn sort() {
    let m = module(SORT);
    let mut vm = Vm::new(&m);
    let j = jit(&m, &vm);
    let o = run_jit(&j, &mut vm, func(&m, "main"), &[]);
    assert_eq!(o.state, abi::STATE_RUNNING);
    let text = String::from_utf8(o.out).unwrap();
    let nums: Vec<i32> = text
        .split_whitespace()
        .map(|s| s.parse().unwrap())
        .collect();
    assert_eq!(nums.len(), 100);
    assert!(nums.windows(2).all(|w| w[0] <= w[1]), "{text}");
    assert_eq!((vm.ctx.depth, vm.ctx.sp), (0, STACK_START));
}

/// Runs `entry` to the end; then for each snapshot point `n`: runs with a
/// snapshot at the `n`-th safepoint, checks the frames were saved and the
/// shadow stack and depth unwound, and resumes from the frames, which must
/// end like the uninterrupted run. The same again with the code compiled
/// without counting safepoints (polls test only the word, and a call a
/// safepoint follows tests the word and the state in one load): the same
/// frames at every point, each resumed by either compile.
fn check_snapshots(src: &str, entry: &str, args: &[u64], points: &[u64]) {
    let m = module(src);
    let f = func(&m, entry);
    let mut vm = Vm::new(&m);
    let j = jit(&m, &vm);
    let plain = jit_counting(&m, &vm, false);
    let full = run_jit(&j, &mut vm, f, args);
    assert_eq!(full.state, abi::STATE_RUNNING, "{full:?}");
    let mut vm = Vm::new(&m);
    assert_eq!(run_jit(&plain, &mut vm, f, args), full, "not counting");
    for &n in points {
        let mut saved = Vec::new();
        for (code, how) in [(&j, "counting"), (&plain, "not counting")] {
            let mut a = Vm::new(&m);
            a.snapshot_at(n);
            let oa = run_jit(code, &mut a, f, args);
            assert_eq!(oa.state, abi::STATE_UNWINDING, "snapshot at {n}, {how}");
            assert!(!a.rt.saved.is_empty());
            assert_eq!(a.rt.saved.last().unwrap().func, f, "outermost frame");
            assert_eq!((a.ctx.depth, a.ctx.sp), (0, STACK_START));
            for (back, back_how) in [(&j, "counting"), (&plain, "not counting")] {
                let mut r = a.resumed(&m);
                let o = run_jit(back, &mut r, f, args);
                assert_eq!(o, full, "resume after snapshot {n}: {how} -> {back_how}");
                assert!(r.rt.to_restore.is_empty());
                assert_eq!((r.ctx.depth, r.ctx.sp), (0, STACK_START));
            }
            saved.push((a.rt.saved.clone(), a.rt.out.clone()));
        }
        assert_eq!(saved[0], saved[1], "snapshot at {n}: the compiles disagree");
    }
}

#[test]
fn unwind_and_rewind_fib() {
    check_snapshots(FIB, "main", &[1, 0], &[1, 2, 3, 50, 1000, 12345]);
}

/// Loops whose bodies end in a call (direct, and through a pointer, its
/// result the local it reads), then a few instructions that only write
/// locals, then the loop's safepoint: without counting, the call's test of
/// the state and the safepoint's poll are one load, and the poll runs on a
/// cold path that repeats those instructions.
const CALL_LOOPS: &str = r#"global @fmt: [4 x i8] = { bytes "%d\0a\00" }

declare @printf(ptr, ...) -> i32

func @sq(%x: i32) -> i32 {
    local %r: i32
entry:
    %r = mul.i32 %x, %x
    ret.i32 %r
}

func @mix(%s: i32, %i: i32) -> i32 {
    local %r: i32
entry:
    %r = mul.i32 %s, 31
    %r = xor.i32 %r, %i
    ret.i32 %r
}

func @main() -> i32 {
    local %i: i32
    local %s: i32
    local %t: i32
    local %c: i32
    local %f: ptr
    local %p: ptr
entry:
    %i = copy.i32 0
    %s = copy.i32 7
    %f = addr @mix
    jump head
head:
    %c = slt.i32 %i, 40
    br.i32 %c, body, second
body:
    %t = call @sq(i32 %i)
    %s = add.i32 %s, %t
    %s = xor.i32 %s, %i
    %i = add.i32 %i, 1
    jump head
second:
    %i = copy.i32 0
    jump head2
head2:
    %c = slt.i32 %i, 40
    br.i32 %c, body2, done
body2:
    %s = call %f(i32 %s, i32 %i)
    %i = add.i32 %i, 1
    jump head2
done:
    %p = addr @fmt
    call @printf(ptr %p, i32 %s)
    ret.i32 %s
}
"#;

#[test]
fn unwind_and_rewind_at_loops_that_end_in_calls() {
    // main's entry and 40 rounds of each loop: every safepoint.
    let points: Vec<u64> = (1..=81).collect();
    check_snapshots(CALL_LOOPS, "main", &[], &points);
}

/// Loops whose back edge is a branch and a switch (the safepoint before
/// it): a rewind there lands in a copy of that terminator outside the
/// loop (`past_poll`), which must go the way the latch would have gone.
const BRANCH_LATCHES: &str = r#"global @fmt: [4 x i8] = { bytes "%d\0a\00" }

declare @printf(ptr, ...) -> i32

func @main(%n: i32) -> i32 {
    local %i: i32
    local %s: i32
    local %c: i32
    local %p: ptr
entry:
    %i = copy.i32 0
    %s = copy.i32 1
    jump body
body:
    %s = mul.i32 %s, 3
    %s = xor.i32 %s, %i
    %i = add.i32 %i, 1
    %c = slt.i32 %i, %n
    br.i32 %c, body, second
second:
    %i = copy.i32 %n
    jump body2
body2:
    %s = mul.i32 %s, 5
    %s = add.i32 %s, %i
    %i = sub.i32 %i, 1
    switch.i32 %i, body2 [0: done, -1: done]
done:
    %p = addr @fmt
    call @printf(ptr %p, i32 %s)
    ret.i32 %s
}
"#;

#[test]
fn unwind_and_rewind_at_branch_and_switch_latches() {
    // main's entry and 30 rounds of each loop: every safepoint.
    let points: Vec<u64> = (1..=61).collect();
    check_snapshots(BRANCH_LATCHES, "main", &[30], &points);
}

#[test]
fn unwind_and_rewind_sort() {
    check_snapshots(SORT, "main", &[], &[1, 5, 77, 3000, 4950, 5100]);
}

#[test]
fn snapshot_twice_in_a_row() {
    // Snapshot, resume, snapshot again from the resumed run, resume again.
    let m = module(SORT);
    let f = func(&m, "main");
    let mut vm = Vm::new(&m);
    let j = jit(&m, &vm);
    let full = run_jit(&j, &mut vm, f, &[]);
    let mut a = Vm::new(&m);
    a.snapshot_at(1000);
    run_jit(&j, &mut a, f, &[]);
    let mut b = a.resumed(&m);
    b.snapshot_at(700);
    let ob = run_jit(&j, &mut b, f, &[]);
    assert_eq!(ob.state, abi::STATE_UNWINDING);
    let mut c = b.resumed(&m);
    assert_eq!(run_jit(&j, &mut c, f, &[]), full);
}

const TRAPS: &str = r#"func @divz(%a: i32, %b: i32) -> i32 {
entry:
    line 7
    %a = sdiv.i32 %a, %b
    ret.i32 %a
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

fn trap_of(m: &Module, j: &pivm_jit::JitModule, name: &str, args: &[u64]) -> Outcome {
    let f = func(m, name);
    let mut vm = Vm::new(m);
    let o = run_jit(j, &mut vm, f, args);
    assert_eq!(
        (vm.ctx.depth, vm.ctx.sp),
        (0, STACK_START),
        "{name}: frame state"
    );
    o
}

#[test]
fn traps() {
    let m = module(TRAPS);
    let vm = Vm::new(&m);
    let j = jit(&m, &vm);
    let id = |n: &str| func(&m, n).0;
    let t = |name: &str, args: &[u64]| trap_of(&m, &j, name, args).trap;
    assert_eq!(
        t("divz", &[5, 0]),
        Some((TrapKind::DivisionByZero, id("divz"), 7))
    );
    assert_eq!(
        t("uremz", &[5, 0]),
        Some((TrapKind::DivisionByZero, id("uremz"), 9))
    );
    let ok = trap_of(&m, &j, "divz", &[0x8000_0000, 0xffff_ffff]);
    assert_eq!((ok.trap, ok.ret), (None, 0x8000_0000));
    assert_eq!(t("ld", &[0]), Some((TrapKind::NullAccess, id("ld"), 3)));
    assert_eq!(t("ld", &[4095]), Some((TrapKind::NullAccess, id("ld"), 3)));
    assert_eq!(t("ld", &[4096]), None);
    assert_eq!(t("ld", &[MEM_SIZE - 8]), None);
    assert_eq!(
        t("ld", &[MEM_SIZE - 7]),
        Some((TrapKind::OutOfBounds, id("ld"), 3))
    );
    assert_eq!(
        t("ld", &[u64::MAX]),
        Some((TrapKind::OutOfBounds, id("ld"), 3))
    );
    assert_eq!(
        t("st", &[MEM_SIZE, 1]),
        Some((TrapKind::OutOfBounds, id("st"), 4))
    );
    assert_eq!(t("st", &[8, 1]), Some((TrapKind::NullAccess, id("st"), 4)));
    // Reported in the caller, at the call's line.
    assert_eq!(
        t("rec", &[0]),
        Some((TrapKind::StackOverflow, id("rec"), 12))
    );
    assert_eq!(
        t("big", &[0]),
        Some((TrapKind::StackOverflow, id("big"), 20))
    );
    let mut vm = Vm::new(&m);
    *vm.ctx.max_depth.get_mut() = 0;
    vm.ctx.depth_limit = 0;
    let o = run_jit(&j, &mut vm, func(&m, "unr"), &[]);
    assert_eq!(o.trap, Some((TrapKind::StackOverflow, id("unr"), 0)));
    assert_eq!((vm.ctx.depth, vm.ctx.sp), (0, STACK_START));
    assert_eq!(t("unr", &[]), Some((TrapKind::Unreachable, id("unr"), 30)));

    let two = pivm_ir::Module::func_ptr(func(&m, "two"));
    let void2 = pivm_ir::Module::func_ptr(func(&m, "void2"));
    let o = trap_of(&m, &j, "callp", &[two, 3]);
    assert_eq!((o.trap, o.ret), (None, 8));
    let bad = Some((TrapKind::BadFunctionPointer, id("callp"), 40));
    assert_eq!(t("callp", &[0, 3]), bad);
    assert_eq!(t("callp", &[5000, 3]), bad);
    assert_eq!(t("callp", &[m.funcs.len() as u64 + 1, 3]), bad);
    assert_eq!(t("callp", &[void2, 3]), bad, "result of a void function");
    let hidden = pivm_ir::Module::func_ptr(func(&m, "hidden"));
    assert_eq!(
        t("callp", &[hidden, 3]),
        bad,
        "a function whose address is not taken"
    );
    let o = trap_of(&m, &j, "callv", &[void2, 3]);
    assert_eq!((o.trap, o.ret), (None, 1));
    let o = trap_of(&m, &j, "callv", &[two, 3]);
    assert_eq!((o.trap, o.ret), (None, 1), "ignoring a result is allowed");
    assert_eq!(
        t("callf", &[two, 3]),
        Some((TrapKind::BadFunctionPointer, id("callf"), 42)),
        "wrong arity"
    );
}

const SPIN: &str = r#"func @spin() -> i32 {
    local %i: i64
entry:
    jump loop
loop:
    %i = add.i64 %i, 1
    jump loop
}
"#;

#[test]
fn poll_set_by_another_thread_stops_a_loop_without_calls() {
    let m = module(SPIN);
    let mut vm = Vm::new(&m);
    vm.rt.halt_at = Some(1);
    let j = jit(&m, &vm);
    let poll = std::sync::atomic::AtomicPtr::new(
        &raw const vm.ctx.poll as *mut std::sync::atomic::AtomicU32,
    );
    std::thread::scope(|s| {
        s.spawn(|| {
            std::thread::sleep(std::time::Duration::from_millis(50));
            let p = poll.load(std::sync::atomic::Ordering::SeqCst);
            // SAFETY: the poll word lives until the scope ends; it is the
            // one word other threads write, atomically.
            unsafe {
                (*(p as *const std::sync::atomic::AtomicU32))
                    .store(1, std::sync::atomic::Ordering::SeqCst)
            };
        });
        let ctx = vm.ctx_ptr();
        // SAFETY: the mock VM implements the ABI.
        unsafe { j.call(func(&m, "spin"), ctx, &[]) };
    });
    assert_eq!(vm.ctx.state, abi::STATE_HALTED);
    assert_eq!(vm.rt.safepoints_seen, 1);
}

#[test]
fn without_safepoints_nothing_polls() {
    let m = module(SORT);
    let vm0 = Vm::new(&m);
    let j = pivm_jit::JitModule::compile(
        &m,
        &vm0.globals,
        &pivm_jit::Options {
            safepoints: false,
            ..Default::default()
        },
    )
    .unwrap();
    let mut vm = Vm::new(&m);
    vm.snapshot_at(3);
    let o = run_jit(&j, &mut vm, func(&m, "main"), &[]);
    assert_eq!(o.state, abi::STATE_RUNNING);
    assert_eq!(vm.rt.safepoints_seen, 0);
    let mut vm2 = Vm::new(&m);
    let polled = jit(&m, &vm2);
    assert_eq!(o.ret, run_jit(&polled, &mut vm2, func(&m, "main"), &[]).ret);
}

const BUILTINS: &str = r#"global @s: [6 x i8] = { bytes "hi %s\00" }
global @w: [3 x i8] = { bytes "yo\00" }

declare @putchar(i32) -> i32
declare @printf(ptr, ...) -> i32
declare @sqrt(f64) -> f64
declare @floor(f64) -> f64
declare @pow(f64, f64) -> f64
declare @exit(i32)

func @main(%x: f64) -> i32 {
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
    let m = module(BUILTINS);
    let vm = Vm::new(&m);
    let j = jit(&m, &vm);
    let o = trap_of(&m, &j, "main", &[10.0f64.to_bits()]);
    assert_eq!(String::from_utf8_lossy(&o.out), "Ahi yo");
    assert_eq!((o.state, o.exit_code), (abi::STATE_HALTED, Some(9)));
    let o = trap_of(&m, &j, "main", &[0.5f64.to_bits()]);
    assert_eq!((o.state, o.ret), (abi::STATE_RUNNING, 0));
}

#[test]
fn compile_errors_are_errors() {
    let m = module(FIB);
    let e = pivm_jit::JitModule::compile(&m, &[], &pivm_jit::Options::default()).unwrap_err();
    assert!(e.to_string().contains("global addresses"), "{e}");
    let mut bad = m.clone();
    bad.funcs.values_mut().next().unwrap().blocks = Default::default();
    let e = pivm_jit::JitModule::compile(&bad, &[4096], &pivm_jit::Options::default()).unwrap_err();
    assert!(e.to_string().contains("does not verify"), "{e}");
}

const ALLOC_AND_ABORT: &str = r#"declare @malloc(i64) -> ptr
declare @abort()

func @main(%n: i32) -> i32 {
    local %p: ptr
    local %q: ptr
entry:
    %p = call @malloc(i64 16) as i32
    %q = call @malloc(i64 8) as f64
    %p = call @malloc(i64 4) as i32
    %q = call @malloc(i64 4)
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
    let m = module(ALLOC_AND_ABORT);
    let mut vm = Vm::new(&m);
    let j = jit(&m, &vm);
    let o = run_jit(&j, &mut vm, func(&m, "main"), &[0]);
    assert_eq!((o.state, o.ret), (abi::STATE_RUNNING, 0));
    // Keys of `contract::AllocTypes`: i32 first, then f64; none for the last.
    assert_eq!(vm.rt.alloc_keys, [1, 2, 1, 0]);
    assert_eq!(pivm_ir::contract::AllocTypes::new(&m).as_slice().len(), 2);
    // abort traps in @f at its line (reported by the halted hook).
    let o = trap_of(&m, &j, "main", &[1]);
    assert_eq!(o.trap, Some((TrapKind::Abort, func(&m, "f").0, 42)));
}

/// Arguments wider than their type (garbage in the upper bits of the u64)
/// are truncated by the entry wrapper, never leaked into results.
#[test]
fn entry_wrapper_ignores_upper_bits() {
    let m = module(
        "func @f(%a: i8, %b: i16, %c: f32) -> i32 {\n    local %x: i32\n    local %y: i32\n    local %z: i32\nentry:\n    %x = zext.i8.i32 %a\n    %y = sext.i16.i32 %b\n    %z = ftosi.f32.i32 %c\n    %x = add.i32 %x, %y\n    %x = add.i32 %x, %z\n    ret.i32 %x\n}\n",
    );
    let mut vm = Vm::new(&m);
    let j = jit(&m, &vm);
    let c = 2.0f32.to_bits() as u64 | 0xffff_ffff_0000_0000;
    let o = run_jit(&j, &mut vm, FuncId(0), &[0xff01, 0xffff_fffe, c]);
    assert_eq!(o.ret, 1);
}

/// Functions of one signature share an entry wrapper: each call reaches
/// the function asked for, with its arguments, and a host stack with no
/// room at the entry reports the overflow in that function.
#[test]
fn functions_of_one_signature_share_an_entry_wrapper() {
    let m = module(
        "func @a(%x: i32, %y: f64) -> i32 {\nentry:\n    ret.i32 %x\n}\n\
         func @b(%x: i32, %y: f64) -> i32 {\n    local %z: i32\nentry:\n    %z = ftosi.f64.i32 %y\n    %z = sub.i32 %z, %x\n    ret.i32 %z\n}\n\
         func @c(%x: i32) -> i32 {\n    local %z: i32\nentry:\n    %z = mul.i32 %x, 3\n    ret.i32 %z\n}\n",
    );
    let mut vm = Vm::new(&m);
    let j = jit(&m, &vm);
    let y = 10.0f64.to_bits();
    assert_eq!(run_jit(&j, &mut vm, func(&m, "a"), &[4, y]).ret, 4);
    assert_eq!(run_jit(&j, &mut vm, func(&m, "b"), &[4, y]).ret, 6);
    assert_eq!(run_jit(&j, &mut vm, func(&m, "c"), &[4]).ret, 12);
    let (ea, _) = j.entry(func(&m, "a"), &[0, 0]);
    let (eb, _) = j.entry(func(&m, "b"), &[0, 0]);
    let (ec, _) = j.entry(func(&m, "c"), &[0]);
    assert_eq!(ea as usize, eb as usize, "one wrapper per signature");
    assert_ne!(ea as usize, ec as usize);
    for name in ["a", "b"] {
        let mut vm = Vm::new(&m);
        // Above any host stack: the wrapper finds no room.
        vm.ctx.native_stack_limit = 1 << 62;
        let o = run_jit(&j, &mut vm, func(&m, name), &[4, y]);
        assert_eq!(
            o.trap,
            Some((TrapKind::StackOverflow, func(&m, name).0, 0)),
            "@{name}"
        );
    }
}

/// The entry wrapper sets the pinned register (x86_64: r15) to the
/// context; r15 is callee-saved, so the caller must get its own back.
#[cfg(target_arch = "x86_64")]
#[test]
fn entry_wrapper_keeps_the_callers_pinned_register() {
    let m = module("func @f() -> i32 {\nentry:\n    ret.i32 7\n}\n");
    let mut vm = Vm::new(&m);
    let j = jit(&m, &vm);
    let (e, args) = j.entry(FuncId(0), &[]);
    let ctx = vm.ctx_ptr();
    let mine: u64 = 0x1234_5678_9abc_def0;
    let (after, ret): (u64, u64);
    // SAFETY: calls the entry wrapper per the C ABI (the stack is aligned
    // for a call on entry to the asm block, and stays so after the push
    // and the sub) with the mock VM's context; r15 is saved and restored
    // around it.
    unsafe {
        std::arch::asm!(
            "push r15",
            "sub rsp, 8",
            "mov r15, rcx",
            "call rdx",
            "mov rcx, r15",
            "add rsp, 8",
            "pop r15",
            in("rdi") ctx,
            in("rsi") args.as_ptr(),
            in("rdx") e as usize,
            inout("rcx") mine => after,
            lateout("rax") ret,
            clobber_abi("C"),
        );
    }
    assert_eq!(ret, 7);
    assert_eq!(after, mine, "the entry wrapper clobbered r15");
}

/// An address checked on the way into a block with no other way in is
/// not checked again there, whatever its spelling (`%p + 4` as
/// `(%p + 0) + 4`), nor in a block whose ways in all checked it; a block
/// with a way in that did not is checked again. The accesses still trap
/// where they should.
#[test]
fn an_address_checked_on_every_way_in_is_not_checked_again() {
    let src = "func @f(%p: ptr, %q: ptr) -> i32 {
    local %a: ptr
    local %x: i32
    local %y: i32
    local %c: i32
entry:
    %a = add.ptr %p, 4
    %x = load.i32 %a
    %c = eq.i32 %x, 0
    br.i32 %c, zero, more
zero:
    ret.i32 0
more:
    %a = add.ptr %p, 0
    %a = add.ptr %a, 4
    %y = load.i32 %a
    %x = load.i32 %q
    %c = eq.i32 %x, 42
    br.i32 %c, star, join
star:
    %a = add.ptr %p, 4
    %x = load.i32 %a
    %y = load.i32 %q
    %x = add.i32 %x, %y
    jump join
join:
    %a = add.ptr %p, 4
    %y = load.i32 %a
    %x = add.i32 %x, %y
    ret.i32 %x
}
";
    let m = module(src);
    let mut vm = Vm::new(&m);
    let j = jit(&m, &vm);
    let f = func(&m, "f");
    // entry: p + 4; more: q; join: none (both ways in checked p + 4).
    assert_eq!(j.exact_checks(f), 2);
    let heap = HEAP_START;
    for (at, v) in [(heap + 4, 5u32), (heap + 16, 42)] {
        vm.mem[at as usize..at as usize + 4].copy_from_slice(&v.to_le_bytes());
    }
    let o = run_jit(&j, &mut vm, f, &[heap, heap + 16]);
    assert_eq!((o.trap, o.ret), (None, 5 + 42 + 5));
    // p + 4 checked, then q past the end traps in `more`.
    let mut vm = Vm::new(&m);
    vm.mem[(heap + 4) as usize] = 1;
    let o = run_jit(&j, &mut vm, f, &[heap, MEM_SIZE - 7]);
    assert_eq!(
        o.trap.map(|t| (t.0, t.1)),
        Some((TrapKind::OutOfBounds, f.0))
    );

    // One way into `join` did not check %p + 4: it is checked there, and
    // traps there when %p is past the end and that way was taken.
    let src = "func @g(%p: ptr, %c: i32) -> i32 {
    local %x: i32
entry:
    br.i32 %c, checked, join
checked:
    %x = load.i32 %p
    jump join
join:
    %x = load.i32 %p
    ret.i32 %x
}
";
    let m = module(src);
    let mut vm = Vm::new(&m);
    let j = jit(&m, &vm);
    let g = func(&m, "g");
    assert_eq!(j.exact_checks(g), 2);
    vm.mem[heap as usize] = 9;
    for c in [0, 1] {
        let o = run_jit(&j, &mut vm, g, &[heap, c]);
        assert_eq!((o.trap, o.ret), (None, 9));
    }
    let o = run_jit(&j, &mut vm, g, &[MEM_SIZE - 2, 0]);
    assert_eq!(
        o.trap.map(|t| (t.0, t.1)),
        Some((TrapKind::OutOfBounds, g.0))
    );
}

/// `if (a[i] > 0) a[i] += x` as a frontend writes it: the address made
/// again in the block the branch enters (`sext`, `mul`, `add` anew) is the
/// same value (`Lower::pure`), checked once. An index changed between the
/// two is another address, checked again, and traps there.
#[test]
fn an_address_made_twice_is_checked_once() {
    // `between` runs before the address is made again.
    let func_text = |name: &str, between: &str| {
        format!(
            "func @{name}(%a: ptr, %i: i32, %x: i32) -> i32 {{
    local %o: i64
    local %p: ptr
    local %v: i32
    local %c: i32
entry:
    %o = sext.i32.i64 %i
    %o = mul.i64 %o, 4
    %p = add.ptr %a, %o
    %v = load.i32 %p
    %c = sgt.i32 %v, 0
    br.i32 %c, more, done
more:
    {between}
    %o = sext.i32.i64 %i
    %o = mul.i64 %o, 4
    %p = add.ptr %a, %o
    store.i32 %p, %v
    ret.i32 %v
done:
    ret.i32 0
}}
"
        )
    };
    let src = func_text("f", "%v = add.i32 %v, %x") + &func_text("g", "%i = add.i32 %i, %x");
    let m = module(&src);
    let mut vm = Vm::new(&m);
    let j = jit(&m, &vm);
    let (f, g) = (func(&m, "f"), func(&m, "g"));
    assert_eq!(j.exact_checks(f), 1);
    assert_eq!(j.exact_checks(g), 2);
    let heap = HEAP_START;
    vm.mem[(heap + 12) as usize] = 5;
    let o = run_jit(&j, &mut vm, f, &[heap, 3, 4]);
    assert_eq!((o.trap, o.ret), (None, 9));
    assert_eq!(vm.mem[(heap + 12) as usize], 9);
    let o = run_jit(&j, &mut vm, g, &[heap, 3, 1]);
    assert_eq!((o.trap, o.ret), (None, 9));
    assert_eq!(vm.mem[(heap + 16) as usize], 9);
    // The second index is past the end: the store traps.
    let far = (MEM_SIZE - heap) / 4;
    let o = run_jit(&j, &mut vm, g, &[heap, 3, far]);
    assert_eq!(
        o.trap.map(|t| (t.0, t.1)),
        Some((TrapKind::OutOfBounds, g.0))
    );
}

/// A function no start reaches (`pivm_ir::contract::Reach::can_run`: `@gone` is
/// called only by `@orphan`, which nothing calls and whose address is not
/// taken) is not compiled: its code reports an unreachable-code trap. The
/// functions that can run are compiled as with `all_functions`.
#[test]
fn functions_that_can_never_run_are_not_compiled() {
    let src = r#"func @main() -> i32 {
    local %r: i32
entry:
    %r = call @used(i32 4)
    ret.i32 %r
}

func @used(%x: i32) -> i32 {
entry:
    %x = mul.i32 %x, 3
    ret.i32 %x
}

func @orphan(%x: i32) -> i32 {
    local %i: i32
entry:
    %i = copy.i32 0
    jump head
head:
    %x = call @gone(i32 %x)
    %i = add.i32 %i, 1
    %x = slt.i32 %i, 100
    br.i32 %x, head, out
out:
    ret.i32 %x
}

func @gone(%x: i32) -> i32 {
entry:
    %x = mul.i32 %x, 7
    ret.i32 %x
}
"#;
    let m = module(src);
    let vm = Vm::new(&m);
    let lean =
        pivm_jit::JitModule::compile(&m, &vm.globals, &pivm_jit::Options::default()).unwrap();
    let all = jit(&m, &vm);
    let len = |j: &pivm_jit::JitModule, name: &str| {
        j.symbols(&m).find(|s| s.0 == name).map(|s| s.2).unwrap()
    };
    assert_eq!(len(&lean, "main"), len(&all, "main"));
    assert_eq!(len(&lean, "used"), len(&all, "used"));
    assert!(len(&lean, "orphan") < len(&all, "orphan") / 2);
    let o = trap_of(&m, &lean, "main", &[]);
    assert_eq!((o.trap, o.ret), (None, 12));
    let o = trap_of(&m, &lean, "orphan", &[1]);
    assert_eq!(o.trap.map(|t| t.0), Some(TrapKind::Unreachable));
    let o = trap_of(&m, &all, "orphan", &[1]);
    assert_eq!(o.trap, None);
}
