//! Bit-fields: the member declaration (`type name : width`), its checks,
//! and the layout of a struct or union with them, exactly as gcc lays
//! them out on x86_64 (the System V ABI): a field goes at the next free
//! bit unless it would cross a boundary of its declared type's
//! alignment, then at that boundary; a zero-width field moves the next
//! one to such a boundary; unnamed bit-fields do not raise the struct's
//! alignment. The lowering reads and writes a field through its storage
//! unit, one object of the declared type at `Field::offset`
//! (`lower/bits.rs`).

use super::*;
use crate::ctype::BitField;

impl Parser {
    // bitfield-member = declarator? ":" const-expr
    /// A bit-field member, after its declarator (`name` unless unnamed),
    /// at the ":". Its offset and shift are set by `layout`.
    pub(super) fn bitfield_member(
        &mut self,
        ty: Ty,
        name: Option<(String, Loc)>,
        names: &mut HashSet<String>,
    ) -> PResult<Field> {
        let colon = self.loc();
        self.expect(":")?;
        let shown = name
            .as_ref()
            .map_or_else(|| "<anonymous>".to_string(), |(n, _)| n.clone());
        let at = name.as_ref().map_or(colon, |(_, l)| *l);
        let e = self.conditional()?;
        let mut width = 1u32;
        if !ty.is_integer() {
            let tn = self.tname(&ty);
            self.error(
                at,
                format!("bit-field '{shown}' has invalid type '{tn}' (it must be an integer type)"),
            );
        } else {
            let bits = ty.ir().bytes() as i64 * 8;
            let max = if ty == Ty::Bool { 1 } else { bits };
            match const_int(&e).filter(|_| e.ty.is_integer()) {
                None => self.error(
                    e.loc,
                    format!("bit-field '{shown}' width is not an integer constant"),
                ),
                Some(w) if w < 0 => {
                    self.error(e.loc, format!("negative width in bit-field '{shown}'"))
                }
                Some(w) if w > max => self.error(
                    e.loc,
                    format!(
                        "width of bit-field '{shown}' ({w} bits) exceeds its type ({max} bits)"
                    ),
                ),
                Some(0) if name.is_some() => {
                    self.error(e.loc, format!("zero width for bit-field '{shown}'"))
                }
                Some(w) => width = w as u32,
            }
        }
        if let Some((n, nloc)) = &name {
            if !names.insert(n.clone()) {
                self.error(*nloc, format!("duplicate member '{n}'"));
            }
        }
        let signed = match ty {
            Ty::Bool => false,
            Ty::Int if self.last_enum_unsigned => false,
            _ => !ty.is_unsigned(),
        };
        Ok(Field {
            name: name.map(|(n, _)| n),
            ty,
            offset: 0,
            bits: Some(BitField {
                shift: 0,
                width,
                signed,
            }),
        })
    }

    /// Places `fields` (sets each offset, and each bit-field's unit and
    /// shift); returns the struct's or union's size and alignment.
    pub(super) fn layout(
        &self,
        fields: &mut [Field],
        is_union: bool,
        aligns: &[super::types::MemberAttrs],
    ) -> (u64, u64) {
        let structs = &self.prog.structs;
        // The next free bit (struct) or the largest member (union).
        let mut bit = 0u64;
        let mut align = 1u64;
        for (i, f) in fields.iter_mut().enumerate() {
            let fs = f.ty.size(structs).unwrap_or(0);
            let fa = f.ty.align(structs).max(1);
            let Some(b) = f.bits.as_mut() else {
                // A packed member is aligned to 1, unless `_Alignas` or
                // `aligned` on it asks more (none on a bit-field).
                let asked = aligns.get(i).copied().unwrap_or_default();
                let fa = if asked.packed { 1 } else { fa };
                let fa = fa.max(asked.align);
                // `#pragma pack(N)` caps even what the member asks.
                let fa = match self.pack {
                    0 => fa,
                    n => fa.min(n),
                };
                align = align.max(fa);
                if is_union {
                    f.offset = 0;
                    bit = bit.max(fs * 8);
                } else {
                    f.offset = bit.div_ceil(8).div_ceil(fa) * fa;
                    bit = (f.offset + fs) * 8;
                }
                continue;
            };
            let (w, unit) = (u64::from(b.width), fa * 8);
            if f.name.is_some() {
                align = align.max(fa);
            }
            if is_union {
                f.offset = 0;
                b.shift = 0;
                bit = bit.max(w.div_ceil(8) * 8);
                continue;
            }
            if w == 0 {
                bit = bit.div_ceil(unit) * unit;
                continue;
            }
            if bit / unit != (bit + w - 1) / unit {
                bit = bit.div_ceil(unit) * unit;
            }
            f.offset = bit / unit * fa;
            b.shift = (bit - f.offset * 8) as u32;
            bit += w;
        }
        (bit.div_ceil(8).div_ceil(align) * align, align)
    }
}
