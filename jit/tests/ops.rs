//! Every opcode at every type it accepts, on edge values (0, 1, -1, MIN,
//! MAX, shift widths, NaN, infinities, -0.0, ...), against
//! `pivm_ir::opcodes::eval_*`: the JIT must give the same bits, and trap
//! exactly where `eval_binary` does. Second operands are also tried as
//! constants, which Cranelift lowers differently.

mod common;

use common::*;
use pivm_ir::opcodes::{eval_binary, eval_convert, eval_unary};
use pivm_ir::{OpClass, Opcode, TrapKind, Type};
use pivm_jit::abi;
use std::fmt::Write;

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

enum Case {
    Binary(Opcode, Type, Option<u64>),
    Unary(Opcode, Type),
    Convert(Opcode, Type, Type),
}

#[test]
fn every_opcode_on_edge_values() {
    let mut src = String::new();
    let mut cases = Vec::new();
    for &op in Opcode::ALL {
        for ty in Type::ALL {
            match op.class() {
                OpClass::Convert => {
                    for to in Type::ALL {
                        if op.accepts_conversion(ty, to) {
                            let n = cases.len();
                            let _ = write!(
                                src,
                                "func @c{n}(%a: {ty}) -> {to} {{\n    local %r: {to}\nentry:\n    %r = {}.{ty}.{to} %a\n    ret.{to} %r\n}}\n\n",
                                op.name()
                            );
                            cases.push(Case::Convert(op, ty, to));
                        }
                    }
                }
                _ if !op.accepts(ty) => {}
                OpClass::IntUnary | OpClass::FloatUnary | OpClass::Copy => {
                    let n = cases.len();
                    let _ = write!(
                        src,
                        "func @c{n}(%a: {ty}) -> {ty} {{\n    local %r: {ty}\nentry:\n    %r = {}.{ty} %a\n    ret.{ty} %r\n}}\n\n",
                        op.name()
                    );
                    cases.push(Case::Unary(op, ty));
                }
                _ => {
                    let r = op.result_type(ty);
                    let n = cases.len();
                    let _ = write!(
                        src,
                        "func @c{n}(%a: {ty}, %b: {ty}) -> {r} {{\n    local %r: {r}\nentry:\n    line 5\n    %r = {}.{ty} %a, %b\n    ret.{r} %r\n}}\n\n",
                        op.name()
                    );
                    cases.push(Case::Binary(op, ty, None));
                    if ty.is_int() {
                        for k in int_edges(ty) {
                            let n = cases.len();
                            let kt = pivm_ir::write::fmt_const(ty, k);
                            let _ = write!(
                                src,
                                "func @c{n}(%a: {ty}) -> {r} {{\n    local %r: {r}\nentry:\n    line 5\n    %r = {}.{ty} %a, {kt}\n    ret.{r} %r\n}}\n\n",
                                op.name()
                            );
                            cases.push(Case::Binary(op, ty, Some(k)));
                        }
                    }
                }
            }
        }
    }
    let m = module(&src);
    let mut vm = Vm::new(&m);
    let j = jit(&m, &vm);
    let mut checked = 0;
    for (i, case) in cases.iter().enumerate() {
        let f = pivm_ir::FuncId(i as u32);
        let mut run = |args: &[u64]| {
            vm.ctx.state = abi::STATE_RUNNING;
            vm.rt.trap = None;
            let o = run_jit(&j, &mut vm, f, args);
            checked += 1;
            (o.state, o.ret, o.trap.map(|t| t.0))
        };
        match *case {
            Case::Binary(op, ty, k) => {
                let bs = match k {
                    Some(k) => vec![k],
                    None => edges(ty),
                };
                for a in edges(ty) {
                    for &b in &bs {
                        let args: Vec<u64> = if k.is_some() { vec![a] } else { vec![a, b] };
                        let got = run(&args);
                        let want = match eval_binary(op, ty, a, b) {
                            Ok(v) => (abi::STATE_RUNNING, v, None),
                            Err(t) => (abi::STATE_HALTED, 0, Some(t)),
                        };
                        assert_eq!(
                            got,
                            want,
                            "{}.{ty} {a:#x}, {b:#x} (constant: {})",
                            op.name(),
                            k.is_some()
                        );
                    }
                }
            }
            Case::Unary(op, ty) => {
                for a in edges(ty) {
                    let got = run(&[a]);
                    let want = (abi::STATE_RUNNING, eval_unary(op, ty, a), None::<TrapKind>);
                    assert_eq!(got, want, "{}.{ty} {a:#x}", op.name());
                }
            }
            Case::Convert(op, from, to) => {
                let mut ins = edges(from);
                if from.is_int() {
                    ins.extend([0x7fff_ffff, 0x8000_0001, 0x0020_0000_0000_0001]);
                    ins.retain(|v| v & !from.mask() == 0);
                }
                for a in ins {
                    let got = run(&[a]);
                    let want = (
                        abi::STATE_RUNNING,
                        eval_convert(op, from, to, a),
                        None::<TrapKind>,
                    );
                    assert_eq!(got, want, "{}.{from}.{to} {a:#x}", op.name());
                }
            }
        }
    }
    assert!(checked > 20_000, "only {checked} cases");
    assert_eq!((vm.ctx.depth, vm.ctx.sp), (0, STACK_START));
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
    let o = run_jit(&j, &mut vm, pivm_ir::FuncId(0), &[0xff01, 0xffff_fffe, c]);
    assert_eq!(o.ret, 1);
}
