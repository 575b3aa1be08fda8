//! Scalar and memory types, and their layout. Sizes and alignments are fixed
//! by the IR and identical on every host: `ptr` is 64 bits, structs follow
//! the C rules (fields in order, each at its alignment, size rounded up to
//! the struct's alignment).

use crate::entities::{EntityRef, EntityVec, TypeId};
use std::fmt;

/// The type of a local, an operand, a load or a store.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum Type {
    I8,
    I16,
    I32,
    I64,
    F32,
    F64,
    /// A VM address: 64 bits, an offset into the program's linear memory.
    Ptr,
}

impl Type {
    pub const ALL: [Type; 7] = [
        Type::I8,
        Type::I16,
        Type::I32,
        Type::I64,
        Type::F32,
        Type::F64,
        Type::Ptr,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Type::I8 => "i8",
            Type::I16 => "i16",
            Type::I32 => "i32",
            Type::I64 => "i64",
            Type::F32 => "f32",
            Type::F64 => "f64",
            Type::Ptr => "ptr",
        }
    }

    pub fn from_name(s: &str) -> Option<Type> {
        Type::ALL.into_iter().find(|t| t.name() == s)
    }

    /// Size in bytes, which is also the alignment.
    pub fn bytes(self) -> u32 {
        match self {
            Type::I8 => 1,
            Type::I16 => 2,
            Type::I32 | Type::F32 => 4,
            Type::I64 | Type::F64 | Type::Ptr => 8,
        }
    }

    pub fn bits(self) -> u32 {
        self.bytes() * 8
    }

    /// Integer types, `ptr` included (a `ptr` is a 64-bit integer to every
    /// integer operation).
    pub fn is_int(self) -> bool {
        !self.is_float()
    }

    pub fn is_float(self) -> bool {
        matches!(self, Type::F32 | Type::F64)
    }

    /// Mask of the value bits: values are kept zero-extended in a `u64`.
    pub fn mask(self) -> u64 {
        match self.bits() {
            64 => u64::MAX,
            b => (1u64 << b) - 1,
        }
    }

    /// Whether a value of type `self` may be used where `other` is expected.
    /// `ptr` and `i64` are interchangeable; everything else must match.
    pub fn compatible(self, other: Type) -> bool {
        self == other
            || matches!(
                (self, other),
                (Type::Ptr, Type::I64) | (Type::I64, Type::Ptr)
            )
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The type of a region of memory: a global, a slot, a heap allocation.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum MemType {
    Scalar(Type),
    /// A named struct or union in the module's type table (`:name`).
    Named(TypeId),
    /// `[len x elem]`.
    Array(Box<MemType>, u64),
}

/// Struct or union.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum AggKind {
    Struct,
    Union,
}

/// An entry of the module's type table: `type :point = { i32, i32 }`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct TypeDef {
    pub name: String,
    pub kind: AggKind,
    pub fields: Vec<MemType>,
}

/// Size and alignment in bytes.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct Layout {
    pub size: u64,
    pub align: u64,
}

/// Round `x` up to a multiple of `align` (a power of two).
pub fn align_up(x: u64, align: u64) -> u64 {
    x.div_ceil(align) * align
}

/// How deeply types may nest (arrays of structs of arrays ...): deeper
/// types have no layout, so hostile input cannot exhaust the host stack.
pub const MAX_TYPE_DEPTH: u32 = 256;

/// Layouts of the named types; computed once per module. Recursive types
/// (a struct containing itself by value) have no layout and are rejected by
/// the verifier.
#[derive(Clone, Debug, Default)]
pub struct TypeLayouts {
    layouts: Vec<Option<Layout>>,
}

impl TypeLayouts {
    pub fn new(types: &EntityVec<TypeId, TypeDef>) -> TypeLayouts {
        let n = types.len();
        let mut tl = TypeLayouts {
            layouts: vec![None; n],
        };
        let mut state = vec![0u8; n]; // 0 = todo, 1 = in progress, 2 = done
        for (id, _) in types.iter() {
            tl.compute(types, id, &mut state, 0);
        }
        tl
    }

    fn compute(
        &mut self,
        types: &EntityVec<TypeId, TypeDef>,
        id: TypeId,
        state: &mut [u8],
        depth: u32,
    ) -> Option<Layout> {
        if depth > MAX_TYPE_DEPTH {
            return None;
        }
        match state[id.index()] {
            1 => return None,
            2 => return self.layouts[id.index()],
            _ => {}
        }
        state[id.index()] = 1;
        let def = &types[id];
        let mut size = 0u64;
        let mut align = 1u64;
        let mut ok = true;
        for f in &def.fields {
            let Some(l) = self.mem_layout_rec(types, f, state, depth + 1) else {
                ok = false;
                break;
            };
            align = align.max(l.align);
            match def.kind {
                AggKind::Struct => {
                    size = align_up(size, l.align).saturating_add(l.size);
                }
                AggKind::Union => {
                    size = size.max(l.size);
                }
            }
        }
        state[id.index()] = 2;
        let layout = ok.then(|| Layout {
            size: align_up(size, align),
            align,
        });
        self.layouts[id.index()] = layout;
        layout
    }

    fn mem_layout_rec(
        &mut self,
        types: &EntityVec<TypeId, TypeDef>,
        t: &MemType,
        state: &mut [u8],
        depth: u32,
    ) -> Option<Layout> {
        if depth > MAX_TYPE_DEPTH {
            return None;
        }
        match t {
            MemType::Scalar(s) => Some(Layout {
                size: s.bytes() as u64,
                align: s.bytes() as u64,
            }),
            MemType::Named(id) if id.index() < state.len() => {
                self.compute(types, *id, state, depth + 1)
            }
            MemType::Named(_) => None,
            MemType::Array(elem, n) => {
                let l = self.mem_layout_rec(types, elem, state, depth + 1)?;
                Some(Layout {
                    size: l.size.checked_mul(*n)?,
                    align: l.align,
                })
            }
        }
    }

    /// Layout of a named type, `None` if it is recursive or refers to a
    /// missing type.
    pub fn named(&self, id: TypeId) -> Option<Layout> {
        self.layouts.get(id.index()).copied().flatten()
    }

    pub fn of(&self, t: &MemType) -> Option<Layout> {
        match t {
            MemType::Scalar(s) => Some(Layout {
                size: s.bytes() as u64,
                align: s.bytes() as u64,
            }),
            MemType::Named(id) => self.named(*id),
            MemType::Array(elem, n) => {
                let l = self.of(elem)?;
                Some(Layout {
                    size: l.size.checked_mul(*n)?,
                    align: l.align,
                })
            }
        }
    }
}
