//! Rewrites of a lowered function before Cranelift compiles it, where the
//! shape that wins is one Cranelift's own rules do not reach.
//!
//! They run on the finished function (every block sealed, every alias
//! resolvable), so a value passed through a block parameter during
//! lowering is seen as what it is.

use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::ir::{
    DataFlowGraph, Function, InstBuilder, InstructionData, Opcode, Value, ValueDef,
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

/// `(x + c) * k` becomes `x * k + c * k` (the same bits: both wrap), so
/// the copies of an unrolled loop (`(i + 1) * 7`, `((i + 1) + 1) * 7`,
/// ...) share one `i * 7` and each adds a constant to it. The sums are
/// followed as deep as the copies of the widest unrolling.
pub(super) fn distribute_products(func: &mut Function) {
    let mut pos = FuncCursor::new(func);
    while pos.next_block().is_some() {
        while let Some(inst) = pos.next_inst() {
            let dfg = &pos.func.dfg;
            let InstructionData::Binary {
                opcode: Opcode::Imul,
                args: [a, b],
            } = dfg.insts[inst]
            else {
                continue;
            };
            let (sum, kv, k) = match (const_of(dfg, a), const_of(dfg, b)) {
                (None, Some(k)) => (a, b, k),
                (Some(k), None) => (b, a, k),
                _ => continue,
            };
            let (x, c) = plus_const(dfg, sum, 16);
            if c == 0 {
                continue;
            }
            let ty = dfg.value_type(dfg.first_result(inst));
            let m = pos.ins().imul(x, kv);
            let ck = pos.ins().iconst(ty, mask(ty.bits(), c.wrapping_mul(k)));
            pos.func.replace(inst).iadd(m, ck);
        }
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
    use cranelift_codegen::ir::{types, AbiParam, Signature, UserFuncName};
    use cranelift_codegen::isa::{CallConv, TargetFrontendConfig};
    use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
    use target_lexicon::PointerWidth;

    /// `f(i) = (i + 3) * 7` in `ty`, and the function's instructions after
    /// the rewrite.
    fn rewritten(ty: types::Type) -> Vec<String> {
        let mut sig = Signature::new(CallConv::SystemV);
        sig.params.push(AbiParam::new(ty));
        sig.returns.push(AbiParam::new(ty));
        let mut func = Function::with_name_signature(UserFuncName::user(0, 0), sig);
        let mut fctx = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut fctx);
        let blk = b.create_block();
        b.append_block_params_for_function_params(blk);
        b.switch_to_block(blk);
        let i = b.block_params(blk)[0];
        let three = b.ins().iconst(ty, 3);
        let s = b.ins().iadd(i, three);
        let seven = b.ins().iconst(ty, 7);
        let p = b.ins().imul(s, seven);
        b.ins().return_(&[p]);
        b.seal_all_blocks();
        b.finalize(TargetFrontendConfig {
            default_call_conv: CallConv::SystemV,
            pointer_width: PointerWidth::U64,
            page_size_align_log2: 12,
        });
        distribute_products(&mut func);
        let blk = func.layout.entry_block().unwrap();
        func.layout
            .block_insts(blk)
            .map(|i| func.dfg.display_inst(i).to_string())
            .collect()
    }

    #[test]
    fn a_product_of_a_sum_with_a_constant_is_distributed() {
        for (ty, want) in [
            (
                types::I64,
                ["imul.i64 v0, v3", "iconst.i64 21", "v4 = iadd.i64 v5, v6"],
            ),
            (
                types::I8,
                ["imul.i8 v0, v3", "iconst.i8 21", "v4 = iadd.i8 v5, v6"],
            ),
        ] {
            let insts = rewritten(ty);
            for w in want {
                assert!(insts.iter().any(|s| s.contains(w)), "{w} in {insts:?}");
            }
        }
    }

    #[test]
    fn masks_keep_the_low_bits() {
        assert_eq!(mask(8, 300), 44);
        assert_eq!(mask(8, -1), 255);
        assert_eq!(mask(64, -1), -1);
    }
}
