//! Entity references: `u32` newtypes whose `Display` is their text syntax
//! where they have one (`block3`), used as indices into typed vectors.

use std::fmt;
use std::marker::PhantomData;
use std::ops::{Index, IndexMut};

/// An entity reference: a dense `u32` index.
pub trait EntityRef: Copy + Eq + fmt::Debug {
    fn new(index: usize) -> Self;
    fn index(self) -> usize;
}

macro_rules! entity {
    ($(#[$m:meta])* $name:ident, $prefix:literal) => {
        $(#[$m])*
        #[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
        pub struct $name(pub u32);

        impl EntityRef for $name {
            fn new(index: usize) -> Self {
                $name(u32::try_from(index).expect("entity index fits in u32"))
            }
            fn index(self) -> usize {
                self.0 as usize
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($prefix, "{}"), self.0)
            }
        }
    };
}

entity!(
    /// A function defined in the module.
    FuncId, "func"
);
entity!(
    /// A basic block of a function.
    Block, "block"
);
entity!(
    /// A local variable (parameters first) of a function.
    Local, "local"
);
entity!(
    /// A global variable of the module.
    GlobalId, "global"
);
entity!(
    /// A builtin declared by the module (`declare @printf(...)`).
    BuiltinId, "builtin"
);
entity!(
    /// A resume point of a function: a safepoint or a call to a module
    /// function, numbered from 0 in layout order
    /// (`safepoints::resume_points`).
    ResumeId, "resume"
);
entity!(
    /// A named aggregate type in the module's type table.
    TypeId, "type"
);
entity!(
    /// A shadow-stack slot of a function (address-taken locals, arrays, structs).
    SlotId, "slot"
);

/// A vector indexed by an entity reference instead of a bare `usize`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct EntityVec<K, V> {
    items: Vec<V>,
    _k: PhantomData<K>,
}

impl<K: EntityRef, V> Default for EntityVec<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: EntityRef, V> EntityVec<K, V> {
    pub fn new() -> Self {
        EntityVec {
            items: Vec::new(),
            _k: PhantomData,
        }
    }
    pub fn push(&mut self, v: V) -> K {
        let k = K::new(self.items.len());
        self.items.push(v);
        k
    }
    pub fn len(&self) -> usize {
        self.items.len()
    }
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
    pub fn get(&self, k: K) -> Option<&V> {
        self.items.get(k.index())
    }
    pub fn get_mut(&mut self, k: K) -> Option<&mut V> {
        self.items.get_mut(k.index())
    }
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (K, &V)> + '_ {
        self.items.iter().enumerate().map(|(i, v)| (K::new(i), v))
    }
    pub fn iter_mut(&mut self) -> impl ExactSizeIterator<Item = (K, &mut V)> + '_ {
        self.items
            .iter_mut()
            .enumerate()
            .map(|(i, v)| (K::new(i), v))
    }
    pub fn keys(&self) -> impl ExactSizeIterator<Item = K> {
        (0..self.items.len()).map(K::new)
    }
    pub fn values(&self) -> std::slice::Iter<'_, V> {
        self.items.iter()
    }
    pub fn values_mut(&mut self) -> std::slice::IterMut<'_, V> {
        self.items.iter_mut()
    }
    pub fn as_slice(&self) -> &[V] {
        &self.items
    }
}

impl<K: EntityRef, V> From<Vec<V>> for EntityVec<K, V> {
    fn from(items: Vec<V>) -> Self {
        EntityVec {
            items,
            _k: PhantomData,
        }
    }
}

impl<K: EntityRef, V> Index<K> for EntityVec<K, V> {
    type Output = V;
    fn index(&self, k: K) -> &V {
        &self.items[k.index()]
    }
}

impl<K: EntityRef, V> IndexMut<K> for EntityVec<K, V> {
    fn index_mut(&mut self, k: K) -> &mut V {
        &mut self.items[k.index()]
    }
}
