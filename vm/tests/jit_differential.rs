//! Differential testing of the JIT against the interpreter: a seeded
//! generator makes random well-typed modules (straight-line code, selects, forward
//! branches, switches, bounded loops, memory through a slot and a global,
//! direct, indirect and builtin calls), and both engines, over the same
//! runtime and builtins, must agree on the outcome (exit value, or trap
//! kind, function and line), the output, memory and the rest of the
//! runtime state, and the number of safepoints reached; and, snapshotting
//! at a random safepoint, on the frames and the state, and resuming either
//! engine's snapshot on either engine must end like the uninterrupted run.
//!
//! `PIVM_DIFF_CASES=N` runs more cases; `PIVM_DIFF_SEED=S` starts at seed S.

use pivm::io::{Io, Sink, Source};
use pivm::{
    Config, Engine, Entry, Interpreter, JitEngine, Outcome, Program, Runtime, RuntimeState,
};
use pivm_ir::opcodes::Opcode;
use pivm_ir::{
    AddrOf, Block, BlockData, BuiltinDecl, BuiltinId, Callee, EntityVec, FuncId, Function, Global,
    GlobalId, Inst, InstKind, Local, LocalDecl, MemType, Module, OpClass, Operand, Signature,
    SlotDecl, SlotId, Type,
};
use std::sync::Arc;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<T: Copy>(&mut self, v: &[T]) -> T {
        v[self.below(v.len())]
    }
}

fn interesting(rng: &mut Rng, ty: Type) -> u64 {
    let m = ty.mask();
    let v = match ty {
        Type::F32 => rng
            .pick(&[0.0f32, -0.0, 1.0, -1.5, 3.25, f32::NAN, f32::INFINITY, 1e9])
            .to_bits() as u64,
        Type::F64 => rng
            .pick(&[
                0.0f64,
                -0.0,
                1.0,
                -1.5,
                3.25,
                f64::NAN,
                f64::NEG_INFINITY,
                1e18,
            ])
            .to_bits(),
        _ => match rng.below(6) {
            0 => 0,
            1 => 1,
            2 => m,
            3 => 1 << (ty.bits() - 1),
            4 => rng.below(70) as u64,
            _ => rng.next(),
        },
    };
    v & m
}

const BINARY: &[Opcode] = &[
    Opcode::Add,
    Opcode::Sub,
    Opcode::Mul,
    Opcode::SDiv,
    Opcode::UDiv,
    Opcode::SRem,
    Opcode::URem,
    Opcode::And,
    Opcode::Or,
    Opcode::Xor,
    Opcode::Shl,
    Opcode::LShr,
    Opcode::AShr,
    Opcode::FAdd,
    Opcode::FSub,
    Opcode::FMul,
    Opcode::FDiv,
    Opcode::Eq,
    Opcode::Ne,
    Opcode::SLt,
    Opcode::SLe,
    Opcode::SGt,
    Opcode::SGe,
    Opcode::ULt,
    Opcode::ULe,
    Opcode::UGt,
    Opcode::UGe,
    Opcode::FEq,
    Opcode::FNe,
    Opcode::FLt,
    Opcode::FLe,
    Opcode::FGt,
    Opcode::FGe,
];

struct FnGen<'r> {
    rng: &'r mut Rng,
    locals: EntityVec<Local, LocalDecl>,
    /// Locals random instructions may write, by type.
    pool: Vec<(Type, Vec<Local>)>,
    blocks: Vec<Vec<Inst>>,
    line: u32,
    /// Reserved: the memory pointer, a scratch i64 and i32, the checksum.
    p: Local,
    t64: Local,
    t32: Local,
    acc: Local,
    is_main: bool,
}

impl FnGen<'_> {
    fn local(&mut self, ty: Type) -> Local {
        let n = self.locals.len();
        self.locals.push(LocalDecl {
            name: format!("l{n}"),
            ty,
        })
    }

    fn of_type(&mut self, ty: Type) -> Local {
        let v = &self.pool.iter().find(|p| p.0 == ty).unwrap().1;
        let i = self.rng.below(v.len());
        v[i]
    }

    fn operand(&mut self, ty: Type) -> Operand {
        if self.rng.chance(30) {
            Operand::Const(interesting(self.rng, ty))
        } else {
            Operand::Local(self.of_type(ty))
        }
    }

    fn push(&mut self, b: usize, kind: InstKind) {
        self.line += 1;
        self.blocks[b].push(Inst::new(kind, self.line));
    }

    fn random_inst(&mut self, b: usize) {
        let ty = self.rng.pick(&Type::ALL);
        match self.rng.below(if self.is_main { 12 } else { 10 }) {
            0..=3 => {
                let ops: Vec<Opcode> = BINARY.iter().copied().filter(|o| o.accepts(ty)).collect();
                let op = self.rng.pick(&ops);
                let dst = self.of_type(op.result_type(ty));
                let a = self.operand(ty);
                let mut bo = self.operand(ty);
                if op.class() == OpClass::IntDivRem && self.rng.chance(80) {
                    // Mostly nonzero divisors, so most programs run to the end.
                    bo = Operand::Const((self.rng.next() | 1) & ty.mask());
                }
                self.push(
                    b,
                    InstKind::Binary {
                        op,
                        ty,
                        dst,
                        a,
                        b: bo,
                    },
                );
            }
            4 if self.rng.chance(30) => {
                // A select (what `ifconv` makes): NaNs keep their bits.
                let cond = self.operand(Type::I32);
                let dst = self.of_type(ty);
                let (a, bo) = (self.operand(ty), self.operand(ty));
                self.push(
                    b,
                    InstKind::Select {
                        ty,
                        dst,
                        cond,
                        a,
                        b: bo,
                    },
                );
            }
            4 => {
                let op = if ty.is_float() {
                    self.rng.pick(&[Opcode::FNeg, Opcode::Copy])
                } else {
                    self.rng.pick(&[Opcode::Neg, Opcode::Not, Opcode::Copy])
                };
                let dst = self.of_type(ty);
                let a = self.operand(ty);
                self.push(b, InstKind::Unary { op, ty, dst, a });
            }
            5 | 6 => {
                let convs: Vec<(Opcode, Type)> = Opcode::ALL
                    .iter()
                    .filter(|o| o.class() == OpClass::Convert)
                    .flat_map(|o| Type::ALL.iter().map(move |t| (*o, *t)))
                    .filter(|(o, to)| o.accepts_conversion(ty, *to))
                    .collect();
                if convs.is_empty() {
                    return;
                }
                let (op, to) = self.rng.pick(&convs);
                let dst = self.of_type(to);
                let a = self.operand(ty);
                self.push(
                    b,
                    InstKind::Convert {
                        op,
                        from: ty,
                        to,
                        dst,
                        a,
                    },
                );
            }
            7 | 8 => {
                // A load or store at a random offset of the slot or the global.
                let of = if self.rng.chance(50) {
                    AddrOf::Slot(SlotId(0))
                } else {
                    AddrOf::Global(pivm_ir::GlobalId(0))
                };
                self.push(b, InstKind::Addr { dst: self.p, of });
                let off = self.rng.below(57) as u64;
                self.push(
                    b,
                    InstKind::Binary {
                        op: Opcode::Add,
                        ty: Type::Ptr,
                        dst: self.p,
                        a: Operand::Local(self.p),
                        b: Operand::Const(off),
                    },
                );
                if self.rng.chance(50) {
                    let dst = self.of_type(ty);
                    self.push(
                        b,
                        InstKind::Load {
                            ty,
                            dst,
                            addr: Operand::Local(self.p),
                        },
                    );
                } else {
                    let val = self.operand(ty);
                    self.push(
                        b,
                        InstKind::Store {
                            ty,
                            addr: Operand::Local(self.p),
                            val,
                        },
                    );
                }
            }
            9 => {
                // A builtin: a math one the JIT inlines (sqrt, fabs,
                // floor, ceil, trunc: their NaNs must be the vm's canonical
                // one) or putchar.
                if self.rng.chance(50) {
                    let a = self.operand(Type::F64);
                    let dst = self.of_type(Type::F64);
                    let which = self.rng.pick(&[0, 2, 3, 4, 5]);
                    self.push(
                        b,
                        InstKind::Call {
                            dst: Some(dst),
                            callee: Callee::Builtin(BuiltinId(which)),
                            args: vec![(Type::F64, a)],
                            alloc_type: None,
                        },
                    );
                } else {
                    let a = self.operand(Type::I32);
                    let dst = self.rng.chance(50).then(|| self.of_type(Type::I32));
                    self.push(
                        b,
                        InstKind::Call {
                            dst,
                            callee: Callee::Builtin(BuiltinId(1)),
                            args: vec![(Type::I32, a)],
                            alloc_type: None,
                        },
                    );
                }
            }
            _ => {
                // A call to the helper (function 0): direct or indirect.
                let args = vec![
                    (Type::I64, self.operand(Type::I64)),
                    (Type::F64, self.operand(Type::F64)),
                    (Type::I32, self.operand(Type::I32)),
                ];
                let dst = self.rng.chance(70).then(|| self.of_type(Type::I64));
                let callee = if self.rng.chance(50) {
                    Callee::Func(FuncId(0))
                } else {
                    self.push(
                        b,
                        InstKind::Addr {
                            dst: self.p,
                            of: AddrOf::Func(FuncId(0)),
                        },
                    );
                    Callee::Indirect(Operand::Local(self.p))
                };
                self.push(
                    b,
                    InstKind::Call {
                        dst,
                        callee,
                        args,
                        alloc_type: None,
                    },
                );
            }
        }
    }

    fn checksum(&mut self, b: usize) {
        let all: Vec<(Local, Type)> = self.locals.iter().map(|(l, d)| (l, d.ty)).collect();
        for (l, ty) in all {
            if l == self.acc {
                continue;
            }
            let (t64, t32) = (self.t64, self.t32);
            let a = Operand::Local(l);
            let k = match ty {
                Type::I8 | Type::I16 | Type::I32 => InstKind::Convert {
                    op: Opcode::ZExt,
                    from: ty,
                    to: Type::I64,
                    dst: t64,
                    a,
                },
                Type::I64 | Type::Ptr => InstKind::Unary {
                    op: Opcode::Copy,
                    ty,
                    dst: t64,
                    a,
                },
                Type::F64 => InstKind::Convert {
                    op: Opcode::Bitcast,
                    from: ty,
                    to: Type::I64,
                    dst: t64,
                    a,
                },
                Type::F32 => {
                    self.push(
                        b,
                        InstKind::Convert {
                            op: Opcode::Bitcast,
                            from: ty,
                            to: Type::I32,
                            dst: t32,
                            a,
                        },
                    );
                    InstKind::Convert {
                        op: Opcode::ZExt,
                        from: Type::I32,
                        to: Type::I64,
                        dst: t64,
                        a: Operand::Local(t32),
                    }
                }
            };
            self.push(b, k);
            let acc = Operand::Local(self.acc);
            self.push(
                b,
                InstKind::Binary {
                    op: Opcode::Mul,
                    ty: Type::I64,
                    dst: self.acc,
                    a: acc,
                    b: Operand::Const(1_000_003),
                },
            );
            self.push(
                b,
                InstKind::Binary {
                    op: Opcode::Xor,
                    ty: Type::I64,
                    dst: self.acc,
                    a: acc,
                    b: Operand::Local(t64),
                },
            );
        }
        self.push(
            b,
            InstKind::Return {
                val: Some((Type::I64, Operand::Local(self.acc))),
            },
        );
    }
}

fn gen_function(rng: &mut Rng, name: &str, params: &[Type], is_main: bool) -> Function {
    let mut g = FnGen {
        rng,
        locals: EntityVec::new(),
        pool: Vec::new(),
        blocks: Vec::new(),
        line: 0,
        p: Local(0),
        t64: Local(0),
        t32: Local(0),
        acc: Local(0),
        is_main,
    };
    for t in params {
        let l = g.local(*t);
        g.pool.push((*t, vec![l]));
    }
    for t in Type::ALL {
        let mut ls: Vec<Local> = (0..3).map(|_| g.local(t)).collect();
        if let Some(p) = g.pool.iter_mut().find(|p| p.0 == t) {
            p.1.append(&mut ls);
        } else {
            g.pool.push((t, ls));
        }
    }
    g.p = g.local(Type::Ptr);
    g.t64 = g.local(Type::I64);
    g.t32 = g.local(Type::I32);
    g.acc = g.local(Type::I64);
    let nb = 2 + g.rng.below(7);
    g.blocks = vec![Vec::new(); nb];
    for b in 0..nb {
        let n = 2 + g.rng.below(10);
        for _ in 0..n {
            g.random_inst(b);
        }
        if b == nb - 1 {
            g.checksum(b);
            continue;
        }
        let fwd = |g: &mut FnGen| Block((b + 1 + g.rng.below(nb - b - 1)) as u32);
        match g.rng.below(5) {
            0 => {
                let target = fwd(&mut g);
                g.push(b, InstKind::Jump { target });
            }
            1 => {
                let ty = g.rng.pick(&[Type::I8, Type::I32, Type::I64]);
                let val = Operand::Local(g.of_type(ty));
                let default = fwd(&mut g);
                let mut cases = Vec::new();
                for _ in 0..g.rng.below(4) {
                    let k = if g.rng.chance(50) {
                        g.rng.below(4) as u64
                    } else {
                        interesting(g.rng, ty)
                    };
                    if !cases.iter().any(|c: &(u64, Block)| c.0 == k) {
                        let t = fwd(&mut g);
                        cases.push((k, t));
                    }
                }
                g.push(
                    b,
                    InstKind::Switch {
                        ty,
                        val,
                        default,
                        cases,
                    },
                );
            }
            2 => {
                // A bounded loop back to an earlier block: its own counter.
                let cnt = g.local(Type::I32);
                let c = Operand::Local(cnt);
                g.push(
                    b,
                    InstKind::Binary {
                        op: Opcode::Add,
                        ty: Type::I32,
                        dst: cnt,
                        a: c,
                        b: Operand::Const(1),
                    },
                );
                let t32 = g.t32;
                let limit = 1 + g.rng.below(4) as u64;
                g.push(
                    b,
                    InstKind::Binary {
                        op: Opcode::SLt,
                        ty: Type::I32,
                        dst: t32,
                        a: c,
                        b: Operand::Const(limit),
                    },
                );
                let back = Block(g.rng.below(b + 1) as u32);
                let out = fwd(&mut g);
                g.push(
                    b,
                    InstKind::Branch {
                        ty: Type::I32,
                        cond: Operand::Local(t32),
                        then_dest: back,
                        else_dest: out,
                    },
                );
            }
            _ => {
                let ty = g.rng.pick(&[Type::I8, Type::I16, Type::I32, Type::I64]);
                let cond = g.operand(ty);
                let then_dest = fwd(&mut g);
                let else_dest = fwd(&mut g);
                g.push(
                    b,
                    InstKind::Branch {
                        ty,
                        cond,
                        then_dest,
                        else_dest,
                    },
                );
            }
        }
    }
    let blocks: Vec<BlockData> = g
        .blocks
        .into_iter()
        .enumerate()
        .map(|(i, insts)| BlockData {
            name: format!("b{i}"),
            insts,
        })
        .collect();
    Function {
        source: None,
        name: name.to_string(),
        num_params: params.len(),
        ret: Some(Type::I64),
        locals: g.locals,
        slots: EntityVec::from(vec![SlotDecl {
            name: "buf".into(),
            ty: MemType::Array(Box::new(MemType::Scalar(Type::I8)), 64),
            align: 0,
        }]),
        blocks: EntityVec::from(blocks),
    }
}

/// Math builtins the JIT inlines, declared after sqrt and putchar.
const MATH: &[&str] = &["fabs", "floor", "ceil", "trunc"];

/// A module: the helper (function 0), `@work` (function 1, what `main`
/// was in the JIT's own tests: it takes four arguments) and `@main`, which
/// calls `@work` with arguments made from the seed, stores its checksum in
/// the global `@res` and returns its low 32 bits. Safepoints are not
/// placed yet (`Program::new` places them).
fn gen_module(seed: u64) -> Module {
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let mut m = Module::default();
    m.globals.push(Global {
        name: "g".into(),
        ty: MemType::Array(Box::new(MemType::Scalar(Type::I8)), 64),
        align: 0,
        init: Vec::new(),
    });
    m.globals.push(Global {
        name: "res".into(),
        ty: MemType::Scalar(Type::I64),
        align: 0,
        init: Vec::new(),
    });
    // Builtin 0 is sqrt, 1 putchar, 2 to 5 the other math builtins the
    // JIT inlines.
    m.builtins.push(BuiltinDecl {
        name: "sqrt".into(),
        sig: Signature {
            params: vec![Type::F64],
            ret: Some(Type::F64),
            variadic: false,
        },
    });
    m.builtins.push(BuiltinDecl {
        name: "putchar".into(),
        sig: Signature {
            params: vec![Type::I32],
            ret: Some(Type::I32),
            variadic: false,
        },
    });
    for name in MATH {
        m.builtins.push(BuiltinDecl {
            name: (*name).into(),
            sig: Signature {
                params: vec![Type::F64],
                ret: Some(Type::F64),
                variadic: false,
            },
        });
    }
    let helper = gen_function(
        &mut rng,
        "helper",
        &[Type::I64, Type::F64, Type::I32],
        false,
    );
    m.funcs.push(helper);
    let work = gen_function(
        &mut rng,
        "work",
        &[Type::I64, Type::I32, Type::F64, Type::F32],
        true,
    );
    m.funcs.push(work);
    m.funcs.push(main_function(seed));
    if let Err(e) = pivm_ir::verify(&m) {
        panic!("seed {seed}: generated module does not verify:\n{e}\n{m}");
    }
    m
}

/// `@main() -> i32`: `@res = @work(args of the seed)`, returning its low
/// 32 bits.
fn main_function(seed: u64) -> Function {
    let mut locals = EntityVec::new();
    let mut local = |name: &str, ty| {
        locals.push(LocalDecl {
            name: name.into(),
            ty,
        })
    };
    let (r, p, x) = (
        local("r", Type::I64),
        local("p", Type::Ptr),
        local("x", Type::I32),
    );
    let args = vec![
        (Type::I64, Operand::Const(seed.wrapping_mul(7))),
        (Type::I32, Operand::Const(seed & 0xffff_ffff)),
        (Type::F64, Operand::Const((seed as f64 / 3.0).to_bits())),
        (
            Type::F32,
            Operand::Const(((seed % 1000) as f32 - 500.5).to_bits() as u64),
        ),
    ];
    let insts = vec![
        Inst::new(
            InstKind::Call {
                dst: Some(r),
                callee: Callee::Func(FuncId(1)),
                args,
                alloc_type: None,
            },
            1,
        ),
        Inst::new(
            InstKind::Addr {
                dst: p,
                of: AddrOf::Global(GlobalId(1)),
            },
            2,
        ),
        Inst::new(
            InstKind::Store {
                ty: Type::I64,
                addr: Operand::Local(p),
                val: Operand::Local(r),
            },
            2,
        ),
        Inst::new(
            InstKind::Convert {
                op: Opcode::Trunc,
                from: Type::I64,
                to: Type::I32,
                dst: x,
                a: Operand::Local(r),
            },
            3,
        ),
        Inst::new(
            InstKind::Return {
                val: Some((Type::I32, Operand::Local(x))),
            },
            3,
        ),
    ];
    Function {
        source: None,
        name: "main".into(),
        num_params: 0,
        ret: Some(Type::I32),
        locals,
        slots: EntityVec::new(),
        blocks: EntityVec::from(vec![BlockData {
            name: "entry".into(),
            insts,
        }]),
    }
}

fn io() -> Io {
    Io::new(
        Sink::capture(),
        Sink::capture(),
        Source::Bytes(Vec::new(), 0),
    )
}

/// How a run ended, with what it wrote and the runtime's state after it.
struct Run {
    outcome: Outcome,
    stdout: Vec<u8>,
    state: RuntimeState,
}

/// Runs `entry` on `engine` in `rt`.
fn run_in(engine: &mut dyn Engine, mut rt: Runtime, entry: Entry) -> Run {
    let outcome = engine.run(&mut rt, entry).expect("run");
    Run {
        outcome,
        stdout: rt.io.captured_stdout(),
        state: rt.save_state(),
    }
}

/// Runs the program from the start, counting every safepoint, or taking a
/// snapshot at the `n`-th.
fn run_start(engine: &mut dyn Engine, prog: &Arc<Program>, snapshot_after: Option<u64>) -> Run {
    let cfg = Config {
        reserve: 64 << 20,
        max_depth: 1000,
        snapshot_after,
        count_safepoints: true,
        ..Config::default()
    };
    let rt = Runtime::new(prog.clone(), cfg, io()).unwrap();
    run_in(engine, rt, Entry::Start { args: Vec::new() })
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

fn engines() -> [(&'static str, Box<dyn Engine>); 2] {
    [
        ("interpreter", Box::new(Interpreter::new())),
        ("jit", Box::new(JitEngine::new())),
    ]
}

/// Checks one seed; returns whether it ran to the end and was snapshotted.
fn check(seed: u64) -> bool {
    let m = gen_module(seed);
    let text = m.to_string();
    let again = pivm_ir::parse(&text, "generated").expect("printed module parses");
    assert_eq!(again.to_string(), text);
    let prog = Arc::new(Program::new(m, 1 << 16).unwrap());
    let [(_, mut interp), (_, mut jit)] = engines();
    let full = run_start(&mut *interp, &prog, None);
    let fj = run_start(&mut *jit, &prog, None);
    assert_same(
        &fj,
        &full,
        &format!("seed {seed}: jit vs interpreter\n{text}"),
    );
    let total = full.state.safepoints_reached;
    if !matches!(full.outcome, Outcome::Exit(_)) || total == 0 {
        return false;
    }
    // Snapshot at a random safepoint: both engines must capture the same
    // frames and state, and resuming either snapshot on either engine must
    // finish like the uninterrupted run.
    let n = 1 + seed % total;
    let what = format!("seed {seed}: snapshot at safepoint {n} of {total}");
    let si = run_start(&mut *interp, &prog, Some(n));
    let sj = run_start(&mut *jit, &prog, Some(n));
    assert!(
        matches!(si.outcome, Outcome::Snapshot(_)),
        "{what}: interpreter: {:?}",
        si.outcome
    );
    assert_same(&sj, &si, &format!("{what}: jit vs interpreter\n{text}"));
    let Outcome::Snapshot(frames) = &sj.outcome else {
        unreachable!()
    };
    for (name, mut e) in engines() {
        let rt = Runtime::restore(prog.clone(), Config::default(), io(), &sj.state).unwrap();
        let mut r = run_in(
            &mut *e,
            rt,
            Entry::Rewind {
                frames: frames.clone(),
            },
        );
        r.stdout = [sj.stdout.clone(), r.stdout].concat();
        assert_eq!(
            r.outcome, full.outcome,
            "{what}: resumed on the {name}\n{text}"
        );
        assert_eq!(
            r.stdout, full.stdout,
            "{what}: output resumed on the {name}"
        );
        assert!(
            r.state.memory == full.state.memory,
            "{what}: memory after resuming on the {name}\n{text}"
        );
    }
    true
}

#[test]
fn random_modules_agree_with_the_interpreter() {
    let env = |k: &str, d: u64| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let cases = env("PIVM_DIFF_CASES", 300);
    let start = env("PIVM_DIFF_SEED", 1);
    let mut snapshotted = 0;
    for seed in start..start + cases {
        snapshotted += check(seed) as u64;
    }
    eprintln!("{snapshotted} of {cases} modules ran to the end and were snapshotted");
    // Most divisors are nonzero constants, so most modules run to the end.
    assert!(
        snapshotted * 3 >= cases,
        "only {snapshotted} of {cases} ran to the end"
    );
}
