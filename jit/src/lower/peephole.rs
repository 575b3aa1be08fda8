//! Rewrites of a lowered function before Cranelift compiles it, where the
//! shape that wins is one Cranelift's own rules do not reach.
//!
//! They run on the finished function (every block sealed, every alias
//! resolvable), so a value passed through a block parameter during
//! lowering is seen as what it is.

use std::collections::HashMap;

use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::entity::EntityRef;
use cranelift_codegen::ir::immediates::Offset32;
use cranelift_codegen::ir::{
    DataFlowGraph, Function, Inst, InstBuilder, InstructionData, MemFlags, Opcode, Value, ValueDef,
};

/// The integer constant `v` is (its immediate's bits), if it is one.
pub(super) fn const_of(dfg: &DataFlowGraph, v: Value) -> Option<i64> {
    match dfg.value_def(dfg.resolve_aliases(v)) {
        ValueDef::Result(i, 0) => match dfg.insts[i] {
            InstructionData::UnaryImm {
                opcode: Opcode::Iconst,
                imm,
            } => Some(imm.bits()),
            _ => None,
        },
        _ => None,
    }
}

/// `v` as a value plus a constant, seeing through up to `depth` additions
/// of constants (`(v, 0)` when it is not the sum of a value and a
/// constant).
pub(super) fn plus_const(dfg: &DataFlowGraph, v: Value, depth: usize) -> (Value, i64) {
    let (mut v, mut k) = (dfg.resolve_aliases(v), 0i64);
    for _ in 0..depth {
        let ValueDef::Result(i, 0) = dfg.value_def(v) else {
            break;
        };
        let InstructionData::Binary {
            opcode: Opcode::Iadd,
            args: [a, b],
        } = dfg.insts[i]
        else {
            break;
        };
        (v, k) = match (const_of(dfg, a), const_of(dfg, b)) {
            (_, Some(c)) => (dfg.resolve_aliases(a), k.wrapping_add(c)),
            (Some(c), None) => (dfg.resolve_aliases(b), k.wrapping_add(c)),
            (None, None) => break,
        };
    }
    (v, k)
}

/// The three rewrites, from one walk over the function's instructions.
pub(crate) fn rewrite(func: &mut Function) {
    let dfg = &func.dfg;
    let (mut products, mut stores, mut extends) = (Vec::new(), Vec::new(), Vec::new());
    for blk in func.layout.blocks() {
        for inst in func.layout.block_insts(blk) {
            match dfg.insts[inst] {
                InstructionData::Unary {
                    opcode: op @ (Opcode::Uextend | Opcode::Sextend),
                    arg,
                } => {
                    if let Some(load) = narrow_load(dfg, arg) {
                        extends.push((inst, op, load));
                    }
                }
                InstructionData::Binary {
                    opcode: Opcode::Imul,
                    args: [a, b],
                } => match (const_of(dfg, a), const_of(dfg, b)) {
                    (None, Some(k)) => products.push((inst, a, b, k)),
                    (Some(k), None) => products.push((inst, b, a, k)),
                    _ => {}
                },
                InstructionData::Store {
                    opcode: Opcode::Store,
                    args: [v, addr],
                    flags,
                    offset,
                } => {
                    if let Some(w) = narrowed(dfg, v) {
                        stores.push((inst, dfg.value_type(v).bits(), w, addr, flags, offset));
                    }
                }
                _ => {}
            }
        }
    }
    // First, while the counts of uses are those of the walk (the stores'
    // rewrite can make a stored byte's load a use of its own).
    if !extends.is_empty() {
        let uses = use_counts(func);
        for (ext, op, load) in extends {
            if uses[func.dfg.first_result(load).index()] == 1 {
                extending_load(func, ext, op, load);
            }
        }
    }
    if !products.is_empty() {
        distribute_products(func, &products);
    }
    if !stores.is_empty() {
        store_from_wide_values(func, &stores);
    }
}

/// How many operands of the function's instructions (branch arguments
/// included) are each value, by the value's index.
fn use_counts(func: &Function) -> Vec<u32> {
    let dfg = &func.dfg;
    let mut uses = vec![0u32; dfg.num_values()];
    for blk in func.layout.blocks() {
        for inst in func.layout.block_insts(blk) {
            for v in dfg.inst_values(inst) {
                uses[dfg.resolve_aliases(v).index()] += 1;
            }
        }
    }
    uses
}

/// The instruction that loaded `v`, if `v` is an integer narrower than
/// 64 bits loaded as it is (`load.i8`, `load.i16`, `load.i32`).
fn narrow_load(dfg: &DataFlowGraph, v: Value) -> Option<Inst> {
    let v = dfg.resolve_aliases(v);
    let ValueDef::Result(i, 0) = dfg.value_def(v) else {
        return None;
    };
    let InstructionData::Load {
        opcode: Opcode::Load,
        ..
    } = dfg.insts[i]
    else {
        return None;
    };
    let ty = dfg.value_type(v);
    (ty.is_int() && ty.bits() < 64).then_some(i)
}

/// `uextend ty (load.iN p)`, the load's only use, becomes `uloadN.ty p`
/// in the load's place (`sextend`: `sloadN`), one instruction. Cranelift
/// 0.135 folds such a load into its extension only sometimes; in the
/// loops looked at it left them apart (crc's `buf[i & 4095]`: `movzbq
/// (p), r; movzbl r, r`, as x64 zero-extends every narrow load into its
/// register anyway; `c += s[i]` of a `char`: `movzbq` and `movsbq`).
fn extending_load(func: &mut Function, ext: Inst, op: Opcode, load: Inst) {
    let dfg = &func.dfg;
    let InstructionData::Load {
        arg, flags, offset, ..
    } = dfg.insts[load]
    else {
        return;
    };
    let (from, e) = (
        dfg.value_type(dfg.first_result(load)),
        dfg.first_result(ext),
    );
    let to = dfg.value_type(e);
    let flags = dfg.mem_flags[flags];
    let signed = op == Opcode::Sextend;
    // Extending loads make 32 or 64 bits; 32-bit loads extend only to 64.
    if !matches!((from.bits(), to.bits()), (8 | 16, 32 | 64) | (32, 64)) {
        return;
    }
    func.layout.remove_inst(ext);
    func.dfg.clear_results(ext);
    func.dfg.clear_results(load);
    let r = func.replace(load);
    let n = match (from.bits(), signed) {
        (8, false) => r.uload8(to, flags, arg, offset),
        (8, true) => r.sload8(to, flags, arg, offset),
        (16, false) => r.uload16(to, flags, arg, offset),
        (16, true) => r.sload16(to, flags, arg, offset),
        (_, false) => r.uload32(flags, arg, offset),
        (_, true) => r.sload32(flags, arg, offset),
    };
    func.dfg.change_to_alias(e, n);
}

/// `(x + c) * k` becomes `x * k + c * k` (the same bits: both wrap) where
/// `x * k` is then shared: the copies of an unrolled loop (`(i + 1) * 7`,
/// `((i + 1) + 1) * 7`, ...) make one `i * 7` and each adds a constant to
/// it. A product whose `x * k` would be made once, or whose `k` is a power
/// of two, stays as it is (the sum is often needed anyway, as a counter or
/// an address, and the rewrite would add an addition). The sums are
/// followed as deep as the copies of the widest unrolling. `products`:
/// each product by a constant (the instruction, the other factor, the
/// constant's value and the constant).
fn distribute_products(func: &mut Function, products: &[(Inst, Value, Value, i64)]) {
    let dfg = &func.dfg;
    // A power of two is a shift that addressing folds in: `a[i + 1]`
    // loses nothing to `a[i]`, and the sum is often live anyway.
    let wanted = |k: i64| !(k as u64).is_power_of_two();
    let sums: Vec<_> = products
        .iter()
        .map(|&(_, sum, _, k)| {
            if wanted(k) {
                plus_const(dfg, sum, 16)
            } else {
                (sum, 0)
            }
        })
        .collect();
    if sums.iter().all(|&(_, c)| c == 0) {
        return;
    }
    let mut uses: HashMap<(Value, i64), u32> = HashMap::new();
    for (&(_, _, _, k), &(x, _)) in products.iter().zip(&sums) {
        if wanted(k) {
            *uses.entry((x, k)).or_default() += 1;
        }
    }
    for (&(inst, _, kv, k), &(x, c)) in products.iter().zip(&sums) {
        if c == 0 || uses[&(x, k)] < 2 {
            continue;
        }
        let ty = func.dfg.value_type(func.dfg.first_result(inst));
        let mut pos = FuncCursor::new(func).at_inst(inst);
        let m = pos.ins().imul(x, kv);
        let ck = pos.ins().iconst(ty, mask(ty.bits(), c.wrapping_mul(k)));
        pos.func.replace(inst).iadd(m, ck);
    }
}

/// A store of the low bits of a wider integer (`store (ireduce w)`) stores
/// from `w` (`istore8`, `istore16`, `istore32`). Cranelift would narrow the
/// arithmetic that made `w` to the stored width, and the narrow forms cost
/// more where it matters: on x64 a byte multiply is a `mul` through `%ax`,
/// and a narrowed value that `w` is also needed for computes its product
/// or remainder twice. The one exception is a product by a constant that
/// fits in 32 bits only when narrowed (`(uint32_t)(i * 2654435761u)`):
/// the narrow multiply takes it as an immediate. `stores`: each store of
/// an `ireduce` (the instruction, the stored width, `w`, the address, the
/// flags and the offset).
fn store_from_wide_values(func: &mut Function, stores: &[NarrowStore]) {
    for &(inst, bits, w, addr, flags, offset) in stores {
        if bits != 8 && wide_constant_factor(&func.dfg, w) {
            continue;
        }
        let w = low_bits_source(&func.dfg, w, bits);
        let (flags, wide) = (func.dfg.mem_flags[flags], func.dfg.value_type(w).bits());
        let r = func.replace(inst);
        match (bits, wide) {
            (b, wb) if b == wb => r.store(flags, w, addr, offset),
            (8, _) => r.istore8(flags, w, addr, offset),
            (16, _) => r.istore16(flags, w, addr, offset),
            _ => r.istore32(flags, w, addr, offset),
        };
    }
}

/// The value whose low `bits` are those of `w`, through what cannot change
/// them: a mask that keeps them all (`x & 255` stored as a byte),
/// extensions and truncations no narrower than `bits`.
fn low_bits_source(dfg: &DataFlowGraph, mut w: Value, bits: u32) -> Value {
    let low = u64::MAX >> (64 - bits);
    for _ in 0..8 {
        let ValueDef::Result(i, 0) = dfg.value_def(w) else {
            break;
        };
        let x = match dfg.insts[i] {
            InstructionData::Binary {
                opcode: Opcode::Band,
                args: [a, b],
            } => match (const_of(dfg, a), const_of(dfg, b)) {
                (_, Some(m)) if m as u64 & low == low => a,
                (Some(m), None) if m as u64 & low == low => b,
                _ => break,
            },
            InstructionData::Unary {
                opcode: Opcode::Uextend | Opcode::Sextend | Opcode::Ireduce,
                arg,
            } => arg,
            _ => break,
        };
        let x = dfg.resolve_aliases(x);
        if dfg.value_type(x).bits() < bits {
            break;
        }
        w = x;
    }
    w
}

type NarrowStore = (Inst, u32, Value, Value, MemFlags, Offset32);

/// `w` is a product by a constant outside the signed 32-bit range.
fn wide_constant_factor(dfg: &DataFlowGraph, w: Value) -> bool {
    let ValueDef::Result(i, 0) = dfg.value_def(w) else {
        return false;
    };
    let InstructionData::Binary {
        opcode: Opcode::Imul,
        args,
    } = dfg.insts[i]
    else {
        return false;
    };
    args.iter()
        .filter_map(|&a| const_of(dfg, a))
        .any(|k| i32::try_from(k).is_err())
}

/// The wider integer whose low bits `v` is (`ireduce`), if it is one.
fn narrowed(dfg: &DataFlowGraph, v: Value) -> Option<Value> {
    match dfg.value_def(dfg.resolve_aliases(v)) {
        ValueDef::Result(i, 0) => match dfg.insts[i] {
            InstructionData::Unary {
                opcode: Opcode::Ireduce,
                arg,
            } => Some(dfg.resolve_aliases(arg)),
            _ => None,
        },
        _ => None,
    }
}

/// The low `bits` of `v`, as `iconst` takes a constant of that width.
fn mask(bits: u32, v: i64) -> i64 {
    if bits >= 64 {
        v
    } else {
        ((v as u64) & ((1u64 << bits) - 1)) as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cranelift_codegen::ir::{types, AbiParam, MemFlagsData, Signature, UserFuncName};
    use cranelift_codegen::isa::{CallConv, TargetFrontendConfig};
    use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
    use target_lexicon::PointerWidth;

    /// The instructions of `f(x: ty, p: i64)` whose body `body` makes
    /// from `x` and `p` (returning a value of `ty`), after `rewrite`.
    fn rewritten(
        ty: types::Type,
        rewrite: fn(&mut Function),
        body: impl FnOnce(&mut FunctionBuilder, Value, Value) -> Value,
    ) -> Vec<String> {
        let mut sig = Signature::new(CallConv::SystemV);
        sig.params.push(AbiParam::new(ty));
        sig.params.push(AbiParam::new(types::I64));
        sig.returns.push(AbiParam::new(ty));
        let mut func = Function::with_name_signature(UserFuncName::user(0, 0), sig);
        let mut fctx = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut fctx);
        let blk = b.create_block();
        b.append_block_params_for_function_params(blk);
        b.switch_to_block(blk);
        let (x, p) = (b.block_params(blk)[0], b.block_params(blk)[1]);
        let r = body(&mut b, x, p);
        b.ins().return_(&[r]);
        b.seal_all_blocks();
        b.finalize(TargetFrontendConfig {
            default_call_conv: CallConv::SystemV,
            pointer_width: PointerWidth::U64,
            page_size_align_log2: 12,
        });
        rewrite(&mut func);
        let flags = cranelift_codegen::settings::Flags::new(cranelift_codegen::settings::builder());
        if let Err(e) = cranelift_codegen::verify_function(&func, &flags) {
            panic!("{}", e);
        }
        let blk = func.layout.entry_block().unwrap();
        func.layout
            .block_insts(blk)
            .map(|i| func.dfg.display_inst(i).to_string())
            .collect()
    }

    /// `(i + 3) * 7`, and with `twice` `+ ((i + 3) + 125) * 7`, in `ty`.
    fn products(ty: types::Type, twice: bool) -> Vec<String> {
        rewritten(ty, rewrite, |b, i, _| {
            let three = b.ins().iconst(ty, 3); // v2
            let s = b.ins().iadd(i, three); // v3
            let seven = b.ins().iconst(ty, 7); // v4
            let mut p = b.ins().imul(s, seven); // v5
            if twice {
                let c = b.ins().iconst(ty, 125);
                let t = b.ins().iadd(s, c);
                let q = b.ins().imul(t, seven); // v8
                p = b.ins().iadd(p, q);
            }
            p
        })
    }

    #[test]
    fn products_of_sums_that_share_a_product_are_distributed() {
        // 128 * 7 = 896 wraps to -128 in 8 bits.
        for (ty, want) in [
            (
                types::I64,
                [
                    "imul.i64 v0, v4",
                    "v5 = iadd.i64 v10",
                    "iconst.i64 21",
                    "iconst.i64 896",
                ],
            ),
            (
                types::I8,
                [
                    "imul.i8 v0, v4",
                    "v5 = iadd.i8 v10",
                    "iconst.i8 21",
                    "iconst.i8 -128",
                ],
            ),
        ] {
            let insts = products(ty, true);
            for w in want {
                assert!(insts.iter().any(|s| s.contains(w)), "{w} in {insts:?}");
            }
            assert!(
                insts.iter().any(|s| s.starts_with("v8 = iadd")),
                "{insts:?}"
            );
            let n = insts.iter().filter(|s| s.contains("imul")).count();
            assert_eq!(n, 2, "{insts:?}"); // of x by k: Cranelift's egraph merges them
        }
    }

    #[test]
    fn a_product_made_once_stays() {
        let insts = products(types::I64, false);
        assert!(
            insts.iter().any(|s| s.starts_with("v5 = imul.i64 v3, v4")),
            "{insts:?}"
        );
        assert_eq!(insts.len(), 5, "{insts:?}");
    }

    /// Stores `(ty)(x * k)` at `p`; returns `x`.
    fn narrow_store(ty: types::Type, k: i64) -> Vec<String> {
        rewritten(types::I64, rewrite, |b, x, p| {
            let k = b.ins().iconst(types::I64, k);
            let m = b.ins().imul(x, k);
            let n = b.ins().ireduce(ty, m);
            b.ins().store(MemFlagsData::new(), n, p, 4);
            x
        })
    }

    #[test]
    fn narrowed_values_are_stored_from_the_wide_value() {
        for (ty, store) in [
            (types::I8, "istore8"),
            (types::I16, "istore16"),
            (types::I32, "istore32"),
        ] {
            let insts = narrow_store(ty, 7);
            let want = format!("{store}.i64 v3, v1+4");
            assert!(
                insts.iter().any(|s| s.contains(&want)),
                "{want} in {insts:?}"
            );
        }
        // A factor that fits in 32 bits only narrowed: the narrow multiply.
        let insts = narrow_store(types::I32, 2654435761);
        assert!(
            insts.iter().any(|s| s.starts_with("store.i32 v4, v1+4")),
            "{insts:?}"
        );
        // Bytes from it all the same (x64 multiplies no bytes by immediates).
        let insts = narrow_store(types::I8, 2654435761);
        assert!(
            insts.iter().any(|s| s.contains("istore8.i64 v3, v1+4")),
            "{insts:?}"
        );
    }

    /// Stores `(uint8_t)((x * 7) & mask)` at `p`.
    fn masked_byte(mask: i64) -> Vec<String> {
        rewritten(types::I64, rewrite, |b, x, p| {
            let k = b.ins().iconst(types::I64, 7); // v2
            let m = b.ins().imul(x, k); // v3
            let c = b.ins().iconst(types::I64, mask);
            let a = b.ins().band(m, c); // v5
            let n = b.ins().ireduce(types::I8, a);
            b.ins().store(MemFlagsData::new(), n, p, 0);
            x
        })
    }

    #[test]
    fn masks_that_keep_every_stored_bit_are_seen_through() {
        let insts = masked_byte(0xff);
        assert!(
            insts.iter().any(|s| s.contains("istore8.i64 v3, v1")),
            "{insts:?}"
        );
        let insts = masked_byte(0x1ff);
        assert!(
            insts.iter().any(|s| s.contains("istore8.i64 v3, v1")),
            "{insts:?}"
        );
        let insts = masked_byte(0x7f);
        assert!(
            insts.iter().any(|s| s.contains("istore8.i64 v5, v1")),
            "{insts:?}"
        );
    }

    /// Loads `from` at `p + 8`, extends it to `to` (`signed`), and with
    /// `twice` adds the extension of the loaded value to itself as well.
    fn loaded(from: types::Type, to: types::Type, signed: bool, twice: bool) -> Vec<String> {
        rewritten(to, rewrite, |b, x, p| {
            let v = b.ins().load(from, MemFlagsData::new(), p, 8);
            let ext = |b: &mut FunctionBuilder, v| match signed {
                true => b.ins().sextend(to, v),
                false => b.ins().uextend(to, v),
            };
            let e = ext(b, v);
            if twice {
                let w = b.ins().iadd(v, v);
                let w = ext(b, w);
                return b.ins().iadd(e, w);
            }
            b.ins().iadd(e, x)
        })
    }

    #[test]
    fn loads_extended_once_are_extending_loads() {
        for (from, to, signed, want) in [
            (types::I8, types::I32, false, "uload8.i32"),
            (types::I8, types::I64, true, "sload8.i64"),
            (types::I16, types::I32, true, "sload16.i32"),
            (types::I16, types::I64, false, "uload16.i64"),
            (types::I32, types::I64, false, "uload32.i64"),
            (types::I32, types::I64, true, "sload32.i64"),
        ] {
            let insts = loaded(from, to, signed, false);
            let want = format!("{want} v1+8");
            assert!(insts[0].ends_with(&want), "{want} in {insts:?}");
            assert!(insts[1].starts_with("v4 = iadd"), "{insts:?}");
            assert_eq!(insts.len(), 3, "{insts:?}");
        }
        // A load used twice keeps its own value and extension.
        let insts = loaded(types::I8, types::I32, false, true);
        assert!(insts[0].ends_with("load.i8 v1+8"), "{insts:?}");
        assert_eq!(insts.len(), 6, "{insts:?}");
    }

    #[test]
    fn a_stored_byte_of_an_extended_load_stores_the_extending_load() {
        let insts = rewritten(types::I64, rewrite, |b, x, p| {
            let v = b.ins().load(types::I8, MemFlagsData::new(), p, 8);
            let e = b.ins().uextend(types::I32, v);
            let n = b.ins().ireduce(types::I8, e);
            b.ins().store(MemFlagsData::new(), n, p, 0);
            x
        });
        assert!(insts[0].ends_with("uload8.i32 v1+8"), "{insts:?}");
        assert!(insts.iter().any(|s| s.starts_with("istore8")), "{insts:?}");
    }

    #[test]
    fn masks_keep_the_low_bits() {
        assert_eq!(mask(8, 300), 44);
        assert_eq!(mask(8, -1), 255);
        assert_eq!(mask(64, -1), -1);
    }
}
