//! C types: the scalar types, pointers, arrays, functions, structs and
//! unions, with LP64 sizes and alignments (those of x86_64 gcc, which are
//! also the IR's layout rules), integer promotions and the usual arithmetic
//! conversions.

use crate::ast::{LocalId, StructId};
use pivm_ir::{EntityVec, Type};
use std::rc::Rc;

#[derive(Clone, Debug, PartialEq)]
pub enum Ty {
    Void,
    Bool,
    Char,
    SChar,
    UChar,
    Short,
    UShort,
    Int,
    UInt,
    Long,
    ULong,
    LLong,
    ULLong,
    Float,
    Double,
    /// IEEE binary64 arithmetic, like `double`, in a 16-byte object
    /// aligned to 16, as gcc lays out x86_64's 80-bit `long double`
    /// (docs/DESIGN.md, "long double").
    LongDouble,
    Ptr(Rc<Ty>),
    /// Element type and length (`None`: an incomplete `T[]`).
    Array(Rc<Ty>, Option<u64>),
    /// A variable-length array: element type and where its length is.
    Vla(Rc<Ty>, VlaLen),
    Func(Rc<FuncTy>),
    /// A struct or union: index into the struct table.
    Struct(StructId),
}

/// Where the length of a variable-length array type is: evaluated once,
/// when its declaration is reached, into a hidden local of the function.
#[derive(Copy, Clone, Debug, PartialEq)]
pub enum VlaLen {
    Local(LocalId),
    /// In a parameter list: the tokens of the length expression (its
    /// index in the parser's list), evaluated on entry to the function
    /// if the list is a definition's.
    Param(u32),
    /// `[*]`, or a length never evaluated (a prototype's).
    Star,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FuncTy {
    pub ret: Ty,
    pub params: Vec<Ty>,
    pub variadic: bool,
    /// False for `int f()`: the parameters are unknown.
    pub proto: bool,
}

#[derive(Clone, Debug)]
pub struct Field {
    pub name: Option<String>,
    /// The declared type (of a bit-field: its storage unit's type).
    pub ty: Ty,
    /// The byte offset (of a bit-field: of its storage unit).
    pub offset: u64,
    /// A bit-field's place in its storage unit.
    pub bits: Option<BitField>,
}

/// A bit-field: `width` bits at bit `shift` of a storage unit of the
/// field's declared type (little-endian, so bit `shift` of the unit's
/// value), read with sign extension if `signed`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct BitField {
    pub shift: u32,
    pub width: u32,
    pub signed: bool,
}

impl BitField {
    /// The type a read of the field has: that of its integer promotion
    /// (a field narrower than `int` promotes to `int`, as gcc does for
    /// every declared type), `_Bool` staying `_Bool`.
    pub fn value_ty(&self, declared: &Ty) -> Ty {
        if *declared == Ty::Bool {
            Ty::Bool
        } else if self.width < 32 || (self.signed && self.width == 32) {
            Ty::Int
        } else if self.width == 32 {
            Ty::UInt
        } else {
            declared.clone()
        }
    }
}

/// The struct and union definitions of a program, by id.
pub type Structs = EntityVec<StructId, StructDef>;

/// A struct or union type.
#[derive(Clone, Debug)]
pub struct StructDef {
    pub tag: Option<String>,
    pub is_union: bool,
    pub fields: Vec<Field>,
    pub size: u64,
    pub align: u64,
    pub complete: bool,
}

impl StructDef {
    /// Looks a member up, including members of anonymous struct/union
    /// members; returns its offset and type.
    pub fn find(&self, structs: &Structs, name: &str) -> Option<(u64, Ty)> {
        self.find_member(structs, name).map(|(o, t, _)| (o, t))
    }

    /// `find`, with the member's bit-field place if it is one.
    pub fn find_member(
        &self,
        structs: &Structs,
        name: &str,
    ) -> Option<(u64, Ty, Option<BitField>)> {
        for f in &self.fields {
            match &f.name {
                Some(n) if n == name => return Some((f.offset, f.ty.clone(), f.bits)),
                None => {
                    if let Ty::Struct(id) = f.ty {
                        if let Some((o, t, b)) =
                            structs.get(id).and_then(|s| s.find_member(structs, name))
                        {
                            return Some((f.offset + o, t, b));
                        }
                    }
                }
                _ => {}
            }
        }
        None
    }
}

/// How deeply a declared type may nest pointers, arrays and functions:
/// the IR's limit on array nesting (`pivm_ir::types::MAX_TYPE_DEPTH`).
pub const MAX_TYPE_DEPTH: usize = pivm_ir::types::MAX_TYPE_DEPTH as usize;
/// The most parts a declared type may have, counting a shared part (a
/// typedef used twice) each time: every walk over a type (comparing,
/// printing, lowering) visits at most this many. Without it, types built
/// from typedefs that each use the previous one twice double at each
/// step.
pub const MAX_TYPE_PARTS: usize = 4096;

pub fn ptr_to(t: Ty) -> Ty {
    Ty::Ptr(Rc::new(t))
}

impl Ty {
    pub fn is_integer(&self) -> bool {
        matches!(
            self,
            Ty::Bool
                | Ty::Char
                | Ty::SChar
                | Ty::UChar
                | Ty::Short
                | Ty::UShort
                | Ty::Int
                | Ty::UInt
                | Ty::Long
                | Ty::ULong
                | Ty::LLong
                | Ty::ULLong
        )
    }
    pub fn is_float(&self) -> bool {
        matches!(self, Ty::Float | Ty::Double | Ty::LongDouble)
    }
    pub fn is_arith(&self) -> bool {
        self.is_integer() || self.is_float()
    }
    pub fn is_ptr(&self) -> bool {
        matches!(self, Ty::Ptr(_))
    }
    pub fn is_scalar(&self) -> bool {
        self.is_arith() || self.is_ptr()
    }
    pub fn is_struct(&self) -> bool {
        matches!(self, Ty::Struct(_))
    }
    pub fn is_array(&self) -> bool {
        matches!(self, Ty::Array(..) | Ty::Vla(..))
    }
    /// Whether the type is variably modified: a variable-length array,
    /// or made of one through pointers and arrays (not through function
    /// parameters).
    pub fn is_vm(&self) -> bool {
        let mut t = self;
        loop {
            match t {
                Ty::Vla(..) => return true,
                Ty::Ptr(b) | Ty::Array(b, _) => t = b,
                _ => return false,
            }
        }
    }
    /// Whether an object of this type has a size known only at run time.
    pub fn is_vla_object(&self) -> bool {
        self.is_array() && self.is_vm()
    }
    pub fn is_func(&self) -> bool {
        matches!(self, Ty::Func(_))
    }
    pub fn is_void(&self) -> bool {
        matches!(self, Ty::Void)
    }
    pub fn is_unsigned(&self) -> bool {
        matches!(
            self,
            Ty::Bool | Ty::UChar | Ty::UShort | Ty::UInt | Ty::ULong | Ty::ULLong | Ty::Ptr(_)
        )
    }
    /// Whether the type nests at most `MAX_TYPE_DEPTH` deep and has at
    /// most `MAX_TYPE_PARTS` parts. Stops counting past them, so it costs
    /// at most `MAX_TYPE_PARTS` steps.
    pub fn within_limits(&self) -> bool {
        let mut todo: Vec<(&Ty, usize)> = vec![(self, 0)];
        let mut parts = 0;
        while let Some((t, depth)) = todo.pop() {
            parts += 1;
            if parts > MAX_TYPE_PARTS || depth > MAX_TYPE_DEPTH {
                return false;
            }
            match t {
                Ty::Ptr(b) | Ty::Array(b, _) | Ty::Vla(b, _) => todo.push((b, depth + 1)),
                Ty::Func(f) => {
                    todo.push((&f.ret, depth + 1));
                    todo.extend(f.params.iter().map(|p| (p, depth + 1)));
                }
                _ => {}
            }
        }
        true
    }

    /// The pointed-to or element type.
    pub fn base(&self) -> Option<&Ty> {
        match self {
            Ty::Ptr(b) | Ty::Array(b, _) | Ty::Vla(b, _) => Some(b),
            _ => None,
        }
    }
    pub fn func(&self) -> Option<&FuncTy> {
        match self {
            Ty::Func(f) => Some(f),
            Ty::Ptr(b) => match &**b {
                Ty::Func(f) => Some(f),
                _ => None,
            },
            _ => None,
        }
    }

    /// Integer conversion rank (only meaningful for integers).
    fn rank(&self) -> u8 {
        match self {
            Ty::Bool => 0,
            Ty::Char | Ty::SChar | Ty::UChar => 1,
            Ty::Short | Ty::UShort => 2,
            Ty::Int | Ty::UInt => 3,
            Ty::Long | Ty::ULong => 4,
            Ty::LLong | Ty::ULLong => 5,
            _ => 6,
        }
    }

    /// The IR type a value of this scalar type lives in (aggregates and
    /// functions are handled by address, so they give `ptr`).
    pub fn ir(&self) -> Type {
        match self {
            Ty::Bool | Ty::Char | Ty::SChar | Ty::UChar => Type::I8,
            Ty::Short | Ty::UShort => Type::I16,
            Ty::Int | Ty::UInt => Type::I32,
            Ty::Long | Ty::ULong | Ty::LLong | Ty::ULLong => Type::I64,
            Ty::Float => Type::F32,
            Ty::Double | Ty::LongDouble => Type::F64,
            _ => Type::Ptr,
        }
    }

    /// Integer promotion.
    pub fn promote(&self) -> Ty {
        match self {
            Ty::Bool | Ty::Char | Ty::SChar | Ty::UChar | Ty::Short | Ty::UShort => Ty::Int,
            t => t.clone(),
        }
    }

    /// Array-to-pointer and function-to-pointer decay.
    pub fn decay(&self) -> Ty {
        match self {
            Ty::Array(b, _) | Ty::Vla(b, _) => Ty::Ptr(b.clone()),
            Ty::Func(_) => ptr_to(self.clone()),
            t => t.clone(),
        }
    }

    pub fn size(&self, structs: &Structs) -> Option<u64> {
        Some(match self {
            Ty::Void | Ty::Func(_) | Ty::Vla(..) => return None,
            Ty::Struct(id) => {
                let s = structs.get(*id)?;
                if !s.complete {
                    return None;
                }
                s.size
            }
            Ty::Array(b, n) => b.size(structs)?.checked_mul((*n)?)?,
            Ty::LongDouble => 16,
            t => t.ir().bytes() as u64,
        })
    }

    pub fn align(&self, structs: &Structs) -> u64 {
        match self {
            Ty::Struct(id) => structs.get(*id).map_or(1, |s| s.align),
            Ty::Array(b, _) | Ty::Vla(b, _) => b.align(structs),
            Ty::Void | Ty::Func(_) => 1,
            Ty::LongDouble => 16,
            t => t.ir().bytes() as u64,
        }
    }

    /// The type's spelling in messages.
    pub fn name(&self, structs: &Structs) -> String {
        match self {
            Ty::Void => "void".into(),
            Ty::Bool => "_Bool".into(),
            Ty::Char => "char".into(),
            Ty::SChar => "signed char".into(),
            Ty::UChar => "unsigned char".into(),
            Ty::Short => "short".into(),
            Ty::UShort => "unsigned short".into(),
            Ty::Int => "int".into(),
            Ty::UInt => "unsigned int".into(),
            Ty::Long => "long".into(),
            Ty::ULong => "unsigned long".into(),
            Ty::LLong => "long long".into(),
            Ty::ULLong => "unsigned long long".into(),
            Ty::Float => "float".into(),
            Ty::Double => "double".into(),
            Ty::LongDouble => "long double".into(),
            Ty::Ptr(b) => match &**b {
                Ty::Func(f) => format!("{} (*)({})", f.ret.name(structs), params_name(f, structs)),
                b => format!("{} *", b.name(structs)),
            },
            Ty::Array(b, Some(n)) => format!("{}[{n}]", b.name(structs)),
            Ty::Array(b, None) => format!("{}[]", b.name(structs)),
            Ty::Vla(b, _) => format!("{}[*]", b.name(structs)),
            Ty::Func(f) => format!("{} ({})", f.ret.name(structs), params_name(f, structs)),
            Ty::Struct(id) => match structs.get(*id) {
                Some(s) => format!(
                    "{} {}",
                    if s.is_union { "union" } else { "struct" },
                    s.tag.as_deref().unwrap_or("<anonymous>")
                ),
                None => "struct ?".into(),
            },
        }
    }
}

fn params_name(f: &FuncTy, structs: &Structs) -> String {
    let mut v: Vec<String> = f.params.iter().map(|p| p.name(structs)).collect();
    if f.variadic {
        v.push("...".into());
    }
    if v.is_empty() && f.proto {
        v.push("void".into());
    }
    v.join(", ")
}

/// The usual arithmetic conversions: the common type of two arithmetic
/// operands.
pub fn usual_arith(a: &Ty, b: &Ty) -> Ty {
    if *a == Ty::LongDouble || *b == Ty::LongDouble {
        return Ty::LongDouble;
    }
    if *a == Ty::Double || *b == Ty::Double {
        return Ty::Double;
    }
    if *a == Ty::Float || *b == Ty::Float {
        return Ty::Float;
    }
    let (a, b) = (a.promote(), b.promote());
    if a == b {
        return a;
    }
    if a.is_unsigned() == b.is_unsigned() {
        return if a.rank() >= b.rank() { a } else { b };
    }
    let (u, s) = if a.is_unsigned() { (a, b) } else { (b, a) };
    if u.rank() >= s.rank() {
        return u;
    }
    // The signed type is wider: it holds every value of the unsigned one
    // (LP64: int vs long), so it wins.
    if s.ir().bytes() > u.ir().bytes() {
        return s;
    }
    match s {
        Ty::Long => Ty::ULong,
        Ty::LLong => Ty::ULLong,
        _ => Ty::UInt,
    }
}

/// Whether two types are compatible in the sense that matters for pointer
/// assignments: signedness and qualifiers are ignored (gcc only warns).
pub fn compatible(a: &Ty, b: &Ty) -> bool {
    compatible_with(a, b, false, &|x, y| x == y)
}

/// Whether two declarations of one identifier agree: C's compatible types,
/// integer types compared by name (`int` and `unsigned` conflict although
/// they have one IR type), and two structs the same when `same_struct`
/// says so (across translation units, one tag and one layout are one
/// type).
pub fn compatible_decl(a: &Ty, b: &Ty, same_struct: &dyn Fn(StructId, StructId) -> bool) -> bool {
    compatible_with(a, b, true, same_struct)
}

/// `compatible` (integers of one IR type alike) or `compatible_decl`
/// (`exact_ints`).
fn compatible_with(
    a: &Ty,
    b: &Ty,
    exact_ints: bool,
    same_struct: &dyn Fn(StructId, StructId) -> bool,
) -> bool {
    let rec = |x: &Ty, y: &Ty| compatible_with(x, y, exact_ints, same_struct);
    match (a, b) {
        (Ty::Ptr(x), Ty::Ptr(y)) => rec(x, y),
        (Ty::Array(x, n), Ty::Array(y, m)) => rec(x, y) && (n.is_none() || m.is_none() || n == m),
        // A variable length is compatible with any length.
        (Ty::Vla(x, _), Ty::Vla(y, _) | Ty::Array(y, _)) | (Ty::Array(x, _), Ty::Vla(y, _)) => {
            rec(x, y)
        }
        (Ty::Func(f), Ty::Func(g)) => {
            rec(&f.ret, &g.ret)
                && (!f.proto
                    || !g.proto
                    || (f.variadic == g.variadic
                        && f.params.len() == g.params.len()
                        && f.params.iter().zip(&g.params).all(|(x, y)| rec(x, y))))
        }
        (Ty::Struct(x), Ty::Struct(y)) => x == y || same_struct(*x, *y),
        (x, y) if !exact_ints && x.is_integer() && y.is_integer() => x.ir() == y.ir(),
        (x, y) => x == y,
    }
}

/// Whether structs `a` and `b`, of different translation units, are one
/// type: one tag, struct or union, and one layout (C99 6.2.7 asks for
/// the same members; their offsets and size are what the program uses).
pub fn same_struct_across(structs: &Structs, a: StructId, b: StructId) -> bool {
    let (x, y) = (&structs[a], &structs[b]);
    if x.tag != y.tag || x.is_union != y.is_union {
        return false;
    }
    if !x.complete || !y.complete {
        return true;
    }
    x.size == y.size
        && x.fields.len() == y.fields.len()
        && x.fields
            .iter()
            .zip(&y.fields)
            .all(|(f, g)| f.name == g.name && f.offset == g.offset && f.bits == g.bits)
}
