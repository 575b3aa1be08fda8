//! Every opcode at every type it accepts, on edge values (0, 1, -1, MIN,
//! MAX, shift widths, NaN, infinities, -0.0, ...), on the JIT and on the
//! interpreter: both must give the same bits, and trap at the same input
//! with the same trap. Second operands are also tried as constants, which
//! Cranelift lowers differently.
//!
//! Each case is a function `@cN()` that applies its operation to the
//! operand pairs the test writes into `@ina`/`@inb` (from `@start` to
//! `@count`), storing each result in `@out` and the index it is at in
//! `@at`; `@main` calls the case `@fp` points to. A run that traps is
//! continued from the next pair.

use pivm::io::{Io, Sink, Source};
use pivm::{Config, Engine, Entry, Interpreter, JitEngine, Outcome, Program, Runtime};
use pivm_ir::{FuncId, Module, OpClass, Opcode, Type};
use std::fmt::Write;
use std::sync::Arc;

/// Room for every operand pair of a case.
const MAX_PAIRS: usize = 1024;

fn int_edges(ty: Type) -> Vec<u64> {
    let bits = ty.bits() as u64;
    let m = ty.mask();
    let min = 1u64 << (bits - 1);
    let mut v = vec![
        0,
        1,
        2,
        3,
        7,
        m,
        m - 1,
        min,
        min + 1,
        min - 1,
        bits - 1,
        bits,
        bits + 1,
        0x5555_5555_5555_5555 & m,
        0xdead_beef_cafe_f00d & m,
        100 & m,
        m - 99,
    ];
    v.sort_unstable();
    v.dedup();
    v
}

fn float_edges(ty: Type) -> Vec<u64> {
    let xs: [f64; 26] = [
        0.0,
        -0.0,
        1.0,
        -1.0,
        0.5,
        1.5,
        2.5,
        -2.5,
        f64::NAN,
        -f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::MAX,
        f64::MIN_POSITIVE,
        5e-324,
        1e10,
        -1e10,
        2147483648.0,
        -2147483649.0,
        9.223372036854776e18,
        1.8446744073709552e19,
        255.5,
        65535.9,
        -129.0,
        -32769.0,
        3.4028235e38,
    ];
    if ty == Type::F32 {
        let mut v: Vec<u64> = xs.iter().map(|x| (*x as f32).to_bits() as u64).collect();
        v.push(f32::MIN_POSITIVE.to_bits() as u64);
        v.push(1); // smallest subnormal
        v.push(0x7fc0_0001); // NaN with payload
        v
    } else {
        let mut v: Vec<u64> = xs.iter().map(|x| x.to_bits()).collect();
        v.push(0x7ff8_0000_0000_0001);
        v
    }
}

fn edges(ty: Type) -> Vec<u64> {
    if ty.is_float() {
        float_edges(ty)
    } else {
        int_edges(ty)
    }
}

/// One case: its name for messages and the operand pairs it runs on.
struct Case {
    what: String,
    pairs: Vec<(u64, u64)>,
}

/// The function of case `n`: `op` is the instruction computing `%r` from
/// `%a` (and `%b`), whose types are `a`, `b` and `r`.
fn case_fn(src: &mut String, n: usize, a: Type, b: Type, r: Type, op: &str) {
    let _ = write!(
        src,
        "func @c{n}() {{
    local %i: i64
    local %n: i64
    local %o: i64
    local %c: i32
    local %p: ptr
    local %a: {a}
    local %b: {b}
    local %r: {r}
entry:
    %p = addr @start
    %i = load.i64 %p
    %p = addr @count
    %n = load.i64 %p
    jump head
head:
    %c = slt.i64 %i, %n
    br.i32 %c, body, done
body:
    %p = addr @at
    store.i64 %p, %i
    %o = mul.i64 %i, 8
    %p = addr @ina
    %p = add.ptr %p, %o
    %a = load.{a} %p
    %p = addr @inb
    %p = add.ptr %p, %o
    %b = load.{b} %p
    line 5
    {op}
    line 6
    %p = addr @out
    %p = add.ptr %p, %o
    store.{r} %p, %r
    %i = add.i64 %i, 1
    jump head
done:
    ret
}}

"
    );
}

/// The module of every case, and the cases.
fn cases() -> (String, Vec<Case>) {
    let mut src = format!(
        "global @fp: ptr
global @start: i64
global @count: i64
global @at: i64
global @ina: [{MAX_PAIRS} x i64]
global @inb: [{MAX_PAIRS} x i64]
global @out: [{MAX_PAIRS} x i64]

"
    );
    let mut cases = Vec::new();
    let unary = |ty: Type| edges(ty).into_iter().map(|a| (a, 0)).collect::<Vec<_>>();
    for &op in Opcode::ALL {
        let name = op.name();
        for ty in Type::ALL {
            match op.class() {
                OpClass::Convert => {
                    for to in Type::ALL {
                        if op.accepts_conversion(ty, to) {
                            let n = cases.len();
                            case_fn(
                                &mut src,
                                n,
                                ty,
                                ty,
                                to,
                                &format!("%r = {name}.{ty}.{to} %a"),
                            );
                            let mut ins = edges(ty);
                            if ty.is_int() {
                                ins.extend([0x7fff_ffff, 0x8000_0001, 0x0020_0000_0000_0001]);
                                ins.retain(|v| v & !ty.mask() == 0);
                            }
                            cases.push(Case {
                                what: format!("{name}.{ty}.{to}"),
                                pairs: ins.into_iter().map(|a| (a, 0)).collect(),
                            });
                        }
                    }
                }
                _ if !op.accepts(ty) => {}
                OpClass::IntUnary | OpClass::FloatUnary | OpClass::Copy => {
                    let n = cases.len();
                    case_fn(&mut src, n, ty, ty, ty, &format!("%r = {name}.{ty} %a"));
                    cases.push(Case {
                        what: format!("{name}.{ty}"),
                        pairs: unary(ty),
                    });
                }
                _ => {
                    let r = op.result_type(ty);
                    let n = cases.len();
                    case_fn(&mut src, n, ty, ty, r, &format!("%r = {name}.{ty} %a, %b"));
                    let mut pairs = Vec::new();
                    for a in edges(ty) {
                        for b in edges(ty) {
                            pairs.push((a, b));
                        }
                    }
                    cases.push(Case {
                        what: format!("{name}.{ty}"),
                        pairs,
                    });
                    if ty.is_int() {
                        for k in int_edges(ty) {
                            let n = cases.len();
                            let kt = pivm_ir::write::fmt_const(ty, k);
                            case_fn(
                                &mut src,
                                n,
                                ty,
                                ty,
                                r,
                                &format!("%r = {name}.{ty} %a, {kt}"),
                            );
                            cases.push(Case {
                                what: format!("{name}.{ty} %a, {kt}"),
                                pairs: unary(ty),
                            });
                        }
                    }
                }
            }
        }
    }
    // An indirect call reaches only a function whose address is taken.
    let table: Vec<String> = (0..cases.len()).map(|i| format!("ptr @c{i}")).collect();
    let _ = write!(
        src,
        "global @cases: [{} x ptr] = {{ {} }}

func @main() -> i32 {{
    local %f: ptr
entry:
    %f = addr @fp
    %f = load.ptr %f
    call %f()
    ret.i32 0
}}
",
        cases.len(),
        table.join(", ")
    );
    (src, cases)
}

fn io() -> Io {
    Io::new(
        Sink::capture(),
        Sink::capture(),
        Source::Bytes(Vec::new(), 0),
    )
}

/// The addresses of the globals the test reads and writes.
struct Addrs {
    fp: u64,
    start: u64,
    count: u64,
    at: u64,
    ina: u64,
    inb: u64,
    out: u64,
}

impl Addrs {
    fn new(prog: &Program) -> Addrs {
        let g = |name: &str| {
            let (id, _) = prog
                .module
                .globals
                .iter()
                .find(|(_, g)| g.name == name)
                .unwrap();
            prog.global_addrs[id]
        };
        Addrs {
            fp: g("fp"),
            start: g("start"),
            count: g("count"),
            at: g("at"),
            ina: g("ina"),
            inb: g("inb"),
            out: g("out"),
        }
    }
}

/// Runs case `f` on `engine` from pair `start`: the outcome, the index of
/// the last pair reached, and the results of the pairs from `start` on.
fn run(
    engine: &mut dyn Engine,
    prog: &Arc<Program>,
    addrs: &Addrs,
    f: FuncId,
    pairs: &[(u64, u64)],
    start: usize,
) -> (Outcome, u64, Vec<u64>) {
    let cfg = Config {
        reserve: 64 << 20,
        max_depth: 100,
        ..Config::default()
    };
    let mut rt = Runtime::new(prog.clone(), cfg, io()).unwrap();
    let st = |rt: &mut Runtime, addr: u64, v: u64| rt.mem.store(Type::I64, addr, v).unwrap();
    st(&mut rt, addrs.fp, Module::func_ptr(f));
    st(&mut rt, addrs.start, start as u64);
    st(&mut rt, addrs.count, pairs.len() as u64);
    for (i, (a, b)) in pairs.iter().enumerate() {
        st(&mut rt, addrs.ina + 8 * i as u64, *a);
        st(&mut rt, addrs.inb + 8 * i as u64, *b);
    }
    let out = engine
        .run(&mut rt, Entry::Start { args: Vec::new() })
        .unwrap();
    let ld = |addr: u64| rt.mem.load(Type::I64, addr).unwrap();
    let at = ld(addrs.at);
    let results = (start..pairs.len())
        .map(|i| ld(addrs.out + 8 * i as u64))
        .collect();
    (out, at, results)
}

#[test]
fn every_opcode_on_edge_values() {
    let (src, cases) = cases();
    let module = pivm_ir::parse(&src, "ops.pir").unwrap_or_else(|e| panic!("{e}"));
    let prog = Arc::new(Program::new(module, 1 << 16).unwrap());
    let addrs = Addrs::new(&prog);
    let mut jit = JitEngine::new();
    let mut interp = Interpreter::new();
    let mut checked = 0;
    let mut traps = 0;
    for (i, case) in cases.iter().enumerate() {
        assert!(case.pairs.len() <= MAX_PAIRS);
        let f = FuncId(i as u32);
        let mut start = 0;
        while start < case.pairs.len() {
            let want = run(&mut interp, &prog, &addrs, f, &case.pairs, start);
            let got = run(&mut jit, &prog, &addrs, f, &case.pairs, start);
            let (outcome, at, results) = &want;
            let at = *at as usize;
            if got != want {
                // Name the first pair that differs.
                let end = if matches!(outcome, Outcome::Trap(_)) {
                    at
                } else {
                    case.pairs.len()
                };
                if let Some(k) = (start..end).find(|&k| got.2[k - start] != results[k - start]) {
                    let (a, b) = case.pairs[k];
                    panic!(
                        "{} {a:#x}, {b:#x}: jit {:#x}, interpreter {:#x}",
                        case.what,
                        got.2[k - start],
                        results[k - start]
                    );
                }
                let (a, b) = case.pairs[at.min(case.pairs.len() - 1)];
                panic!(
                    "{} (last pair {a:#x}, {b:#x}): jit {:?} at {}, interpreter {outcome:?} at {at}",
                    case.what, got.0, got.1
                );
            }
            match outcome {
                Outcome::Exit(0) => {
                    checked += case.pairs.len() - start;
                    start = case.pairs.len();
                }
                Outcome::Trap(t) => {
                    assert_eq!((t.func.as_deref(), t.line), (Some(&*format!("c{i}")), 5));
                    checked += at + 1 - start;
                    traps += 1;
                    start = at + 1;
                }
                o => panic!("{}: {o:?}", case.what),
            }
        }
    }
    assert!(checked > 20_000, "only {checked} cases");
    assert!(traps > 100, "only {traps} traps");
}
