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

/// How deeply arrays may nest in one type (`[2 x [3 x ...]]`): deeper
/// types have no layout, and the parser refuses them, so hostile input
/// cannot exhaust the host stack in the code that recurses over a type.
/// Named types are not nested: a chain of structs each containing the
/// next has a layout however long it is.
pub const MAX_TYPE_DEPTH: u32 = 256;

/// Layouts of the named types; computed once per module. Recursive types
/// (a struct containing itself by value) have no layout and are rejected by
/// the verifier.
#[derive(Clone, Debug, Default)]
pub struct TypeLayouts {
    layouts: Vec<Option<Layout>>,
}

/// Where a named type is in `TypeLayouts::new`.
#[derive(Copy, Clone, PartialEq, Eq)]
enum State {
    Todo,
    /// On the stack: a type reaching it contains itself.
    Busy,
    Done,
}

/// The named type at the bottom of `t`'s arrays, if any.
fn base_name(t: &MemType) -> Option<TypeId> {
    let mut t = t;
    loop {
        match t {
            MemType::Array(e, _) => t = e,
            MemType::Named(id) => return Some(*id),
            MemType::Scalar(_) => return None,
        }
    }
}

/// The layout of `t`, given the layouts of the named types (`None` for
/// arrays nested deeper than `MAX_TYPE_DEPTH` or too large).
fn layout_of(t: &MemType, named: impl Fn(TypeId) -> Option<Layout>) -> Option<Layout> {
    let mut lens = Vec::new();
    let mut t = t;
    let mut l = loop {
        match t {
            MemType::Array(e, n) => {
                if lens.len() >= MAX_TYPE_DEPTH as usize {
                    return None;
                }
                lens.push(*n);
                t = e;
            }
            MemType::Named(id) => break named(*id)?,
            MemType::Scalar(s) => {
                break Layout {
                    size: s.bytes() as u64,
                    align: s.bytes() as u64,
                }
            }
        }
    };
    for n in lens.into_iter().rev() {
        l.size = l.size.checked_mul(n)?;
    }
    Some(l)
}

impl TypeLayouts {
    /// Computes every named type after the types it contains, with an
    /// explicit stack: a chain of types each containing the next costs no
    /// host stack however long it is.
    pub fn new(types: &EntityVec<TypeId, TypeDef>) -> TypeLayouts {
        let n = types.len();
        let mut tl = TypeLayouts {
            layouts: vec![None; n],
        };
        let mut state = vec![State::Todo; n];
        for (root, _) in types.iter() {
            if state[root.index()] != State::Todo {
                continue;
            }
            state[root.index()] = State::Busy;
            // Each type on the stack with the next of its fields to look at.
            let mut stack = vec![(root, 0usize)];
            while let Some(&mut (id, ref mut next)) = stack.last_mut() {
                let fields = &types[id].fields;
                let todo = fields[*next..]
                    .iter()
                    .position(|f| {
                        base_name(f).is_some_and(|b| state.get(b.index()) == Some(&State::Todo))
                    })
                    .map(|k| *next + k);
                if let Some(k) = todo {
                    *next = k + 1;
                    if let Some(b) = base_name(&fields[k]) {
                        state[b.index()] = State::Busy;
                        stack.push((b, 0));
                    }
                    continue;
                }
                stack.pop();
                let done = |b: TypeId| match state.get(b.index()) {
                    Some(State::Done) => tl.layouts[b.index()],
                    _ => None,
                };
                let layout = Self::aggregate(&types[id], done);
                tl.layouts[id.index()] = layout;
                state[id.index()] = State::Done;
            }
        }
        tl
    }

    /// The layout of a struct or union whose named fields have the
    /// layouts `named` gives.
    fn aggregate(def: &TypeDef, named: impl Fn(TypeId) -> Option<Layout>) -> Option<Layout> {
        let mut size = 0u64;
        let mut align = 1u64;
        for f in &def.fields {
            let l = layout_of(f, &named)?;
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
        Some(Layout {
            size: align_up(size, align),
            align,
        })
    }

    /// Layout of a named type, `None` if it is recursive or refers to a
    /// missing type.
    pub fn named(&self, id: TypeId) -> Option<Layout> {
        self.layouts.get(id.index()).copied().flatten()
    }

    pub fn of(&self, t: &MemType) -> Option<Layout> {
        layout_of(t, |id| self.named(id))
    }
}
