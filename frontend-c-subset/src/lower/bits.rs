//! Bit-fields: a read loads the field's storage unit once and extracts
//! the field (sign- or zero-extended); a write loads the unit once,
//! merges the field's new bits in and stores the unit once, so bytes
//! outside the unit (and bits of the unit outside the field) are never
//! changed. The unit is an object of the field's declared type inside
//! the struct (`parse/bitfield.rs` lays it out), so it never reaches
//! past the struct. All the bit arithmetic is done in `i64`.

use super::*;
use crate::ctype::BitField;

/// The low `width` bits set.
fn mask(width: u32) -> u64 {
    if width >= 64 {
        u64::MAX
    } else {
        (1u64 << width) - 1
    }
}

impl Lower<'_> {
    /// The address of a struct lvalue (the base of a member access).
    pub(super) fn lval_addr(&mut self, cx: &mut FnCx, e: &Expr) -> Operand {
        match self.lval(cx, e) {
            LVal::Mem(a) | LVal::Bits(a, ..) => a,
            LVal::Reg(l) => Operand::Local(l),
        }
    }

    /// `v`, of IR type `from`, as an `i64` (zero-extended).
    fn widen(&mut self, cx: &mut FnCx, v: Operand, from: Type) -> Operand {
        if from == Type::I64 {
            v
        } else {
            self.conv(cx, Opcode::ZExt, from, Type::I64, v)
        }
    }

    /// `v`, an `i64`, cut to IR type `to`.
    fn narrow(&mut self, cx: &mut FnCx, v: Operand, to: Type) -> Operand {
        if to == Type::I64 {
            v
        } else {
            self.conv(cx, Opcode::Trunc, Type::I64, to, v)
        }
    }

    /// The storage unit (IR type `unit`) at `a`, as an `i64`.
    fn load_unit(&mut self, cx: &mut FnCx, a: Operand, unit: Type) -> Operand {
        let d = self.tmp(cx, unit);
        self.emit(
            cx,
            InstKind::Load {
                ty: unit,
                dst: d,
                addr: a,
            },
        );
        self.widen(cx, Operand::Local(d), unit)
    }

    /// The field's value in `x` (an `i64` holding its bits from bit
    /// `shift`), sign- or zero-extended.
    fn extract(&mut self, cx: &mut FnCx, x: Operand, shift: u32, bits: BitField) -> Operand {
        let w = bits.width;
        if bits.signed {
            let up = u64::from(64 - shift - w);
            let t = self.bin(cx, Opcode::Shl, Type::I64, x, Operand::Const(up));
            self.bin(
                cx,
                Opcode::AShr,
                Type::I64,
                t,
                Operand::Const(u64::from(64 - w)),
            )
        } else {
            let t = self.bin(
                cx,
                Opcode::LShr,
                Type::I64,
                x,
                Operand::Const(u64::from(shift)),
            );
            self.bin(cx, Opcode::And, Type::I64, t, Operand::Const(mask(w)))
        }
    }

    /// Reads the bit-field whose unit (IR type `unit`) is at `a`, as a
    /// value of C type `ty`.
    pub(super) fn load_bits(
        &mut self,
        cx: &mut FnCx,
        a: Operand,
        unit: Type,
        bits: BitField,
        ty: &Ty,
    ) -> Operand {
        let x = self.load_unit(cx, a, unit);
        let v = self.extract(cx, x, bits.shift, bits);
        self.narrow(cx, v, ty.ir())
    }

    /// Writes `v` (of C type `ty`) into the bit-field whose unit is at
    /// `a`: one load and one store of the unit.
    pub(super) fn store_bits(
        &mut self,
        cx: &mut FnCx,
        a: Operand,
        unit: Type,
        bits: BitField,
        ty: &Ty,
        v: Operand,
    ) {
        let m = mask(bits.width) << bits.shift;
        let v = self.widen(cx, v, ty.ir());
        let shift = Operand::Const(u64::from(bits.shift));
        let nv = self.bin(cx, Opcode::Shl, Type::I64, v, shift);
        let nv = self.bin(cx, Opcode::And, Type::I64, nv, Operand::Const(m));
        let old = self.load_unit(cx, a, unit);
        let kept = self.bin(cx, Opcode::And, Type::I64, old, Operand::Const(!m));
        let new = self.bin(cx, Opcode::Or, Type::I64, kept, nv);
        let new = self.narrow(cx, new, unit);
        self.emit(
            cx,
            InstKind::Store {
                ty: unit,
                addr: a,
                val: new,
            },
        );
    }

    /// The value an assignment of `v` to `dst` has: `v`, or for a
    /// bit-field, `v` cut to the field's width (what a read would give).
    pub(super) fn stored_value(
        &mut self,
        cx: &mut FnCx,
        dst: LVal,
        ty: &Ty,
        v: Operand,
    ) -> Operand {
        let LVal::Bits(_, _, bits) = dst else {
            return v;
        };
        let x = self.widen(cx, v, ty.ir());
        let r = self.extract(cx, x, 0, bits);
        self.narrow(cx, r, ty.ir())
    }
}

/// Merges `val` into the bit-field `bits` of the `width`-byte unit at
/// the start of `unit` (a static initializer's bytes).
pub(super) fn merge_bits(unit: &mut [u8], width: usize, bits: BitField, val: u64) {
    let mut b = [0u8; 8];
    b[..width].copy_from_slice(&unit[..width]);
    let m = mask(bits.width) << bits.shift;
    let x = (u64::from_le_bytes(b) & !m) | ((val << bits.shift) & m);
    unit[..width].copy_from_slice(&x.to_le_bytes()[..width]);
}

impl Lower<'_> {
    /// The IR fields of struct or union `id`, which has bit-fields, for
    /// type `tid`: its other members at their offsets with `[i8 x n]`
    /// where the bit-fields' units and padding are; when those do not
    /// give the C alignment (a bit-field's type raised it), `tid`
    /// becomes a union of that struct and an array of integers of the
    /// C alignment, so size and alignment are exactly C's.
    pub(super) fn bit_struct_fields(
        &mut self,
        id: StructId,
        tid: TypeId,
    ) -> (AggKind, Vec<MemType>) {
        let s = &self.prog.structs[id];
        let (size, align) = (s.size, s.align);
        let whole = match align {
            8 => Type::I64,
            4 => Type::I32,
            2 => Type::I16,
            _ => Type::I8,
        };
        let filler = MemType::Array(
            Box::new(MemType::Scalar(whole)),
            size / whole.bytes() as u64,
        );
        let plain: Vec<(u64, Ty)> = s
            .fields
            .iter()
            .filter(|f| f.bits.is_none())
            .map(|f| (f.offset, f.ty.clone()))
            .collect();
        if s.is_union {
            let mut fields: Vec<MemType> = plain.iter().map(|(_, t)| self.mem_type(t)).collect();
            fields.push(filler);
            return (AggKind::Union, fields);
        }
        let bytes = |n: u64| MemType::Array(Box::new(MemType::Scalar(Type::I8)), n);
        let mut fields = Vec::new();
        let mut at = 0;
        let mut max_align = 1;
        for (off, t) in &plain {
            if *off > at {
                fields.push(bytes(off - at));
            }
            fields.push(self.mem_type(t));
            max_align = max_align.max(t.align(self.structs()));
            at = off + self.size(t);
        }
        if size > at {
            fields.push(bytes(size - at));
        }
        if max_align >= align {
            return (AggKind::Struct, fields);
        }
        let name = format!("{}.bits", self.m.types[tid].name);
        self.type_names.insert(name.clone());
        let inner = self.m.types.push(TypeDef {
            name,
            kind: AggKind::Struct,
            fields,
        });
        (AggKind::Union, vec![MemType::Named(inner), filler])
    }
}
