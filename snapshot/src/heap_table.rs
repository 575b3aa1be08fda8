//! The allocation table, packed in memory as in the file: `{types, table}`,
//! where `types` lists each distinct type text once and `table` is one run
//! of unsigned LEB128 numbers, three per allocation: the gap from the end
//! of the allocation before (from 0 for the first), the size, and the
//! number of the type in `types` plus one (0 when untyped). A program with
//! millions of small allocations then costs a few bytes per allocation
//! instead of a record with a type each: to capture (the allocator writes
//! the table straight, in address order), to hold while a snapshot is
//! written or resumed, to read and to store. Gaps and ends use wrapping
//! arithmetic, so any table, even an invalid one that validation will
//! refuse, reads back exactly as written.
//!
//! Reading also accepts the unpacked form of earlier version-2 files: a
//! list of `{addr, size, ty}` maps under the name `allocations`.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::body::{ByteString, SavedAllocation};

#[derive(Serialize, Deserialize)]
struct Packed<T> {
    types: Vec<T>,
    table: ByteString,
}

fn leb(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

/// The next LEB128 number of `bytes` from `*at`, at most 10 bytes and 64
/// bits.
fn unleb(bytes: &[u8], at: &mut usize) -> Result<u64, String> {
    let mut v = 0u64;
    for i in 0..10 {
        let Some(&b) = bytes.get(*at) else {
            return Err("the allocation table ends inside a number".to_string());
        };
        *at += 1;
        let bits = u64::from(b & 0x7f);
        if i == 9 && bits > 1 {
            return Err("a number of the allocation table overflows 64 bits".to_string());
        }
        v |= bits << (7 * i);
        if b & 0x80 == 0 {
            return Ok(v);
        }
    }
    Err("a number of the allocation table is over 10 bytes".to_string())
}

/// One allocation of an `AllocTable`.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct AllocEntry {
    pub addr: u64,
    pub size: u64,
    /// 0 when untyped, else the number of its type in `AllocTable::types`
    /// plus one.
    pub ty: u32,
}

/// Every live heap allocation in address order, packed (the module doc).
#[derive(Clone, Default)]
pub struct AllocTable {
    types: Vec<Arc<str>>,
    table: Vec<u8>,
    len: usize,
    /// The end of the last allocation (the base of the next gap).
    end: u64,
}

impl AllocTable {
    pub fn new() -> AllocTable {
        AllocTable::default()
    }

    /// The number of allocations.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The distinct type texts, in the order of their numbers.
    pub fn types(&self) -> &[Arc<str>] {
        &self.types
    }

    /// Adds a type text; returns the `AllocEntry::ty` that names it.
    pub fn add_type(&mut self, text: Arc<str>) -> u32 {
        self.types.push(text);
        self.types.len() as u32
    }

    /// The text of `AllocEntry::ty` `ty` (None for 0 or a number past the
    /// types, which `push` and reading never let in).
    pub fn type_text(&self, ty: u32) -> Option<&Arc<str>> {
        self.types.get((ty as usize).wrapping_sub(1))
    }

    /// Appends an allocation (after the last one, for a valid table).
    pub fn push(&mut self, addr: u64, size: u64, ty: u32) {
        assert!(
            ty as usize <= self.types.len(),
            "type {ty} of {}",
            self.types.len()
        );
        leb(&mut self.table, addr.wrapping_sub(self.end));
        leb(&mut self.table, size);
        leb(&mut self.table, u64::from(ty));
        self.end = addr.wrapping_add(size);
        self.len += 1;
    }

    /// The allocations in table order.
    pub fn iter(&self) -> Entries<'_> {
        Entries {
            table: &self.table,
            at: 0,
            end: 0,
        }
    }

    /// The allocations as records (tests, tools).
    pub fn to_vec(&self) -> Vec<SavedAllocation> {
        self.iter()
            .map(|e| SavedAllocation {
                addr: e.addr,
                size: e.size,
                ty: self.type_text(e.ty).cloned(),
            })
            .collect()
    }

    /// Edits the table as records (tests, fuzzers, tools): unpacks it,
    /// applies `f`, packs the result.
    pub fn edit<R>(&mut self, f: impl FnOnce(&mut Vec<SavedAllocation>) -> R) -> R {
        let mut list = self.to_vec();
        let r = f(&mut list);
        *self = list.into_iter().collect();
        r
    }

    /// Checks a table read from a file: every number decodes and every
    /// type number names a type. Sets `len` and `end`.
    fn from_packed(types: Vec<Arc<str>>, table: Vec<u8>) -> Result<AllocTable, String> {
        let (mut at, mut end, mut len) = (0usize, 0u64, 0usize);
        while at < table.len() {
            let addr = end.wrapping_add(unleb(&table, &mut at)?);
            let size = unleb(&table, &mut at)?;
            let ty = unleb(&table, &mut at)?;
            if ty > types.len() as u64 {
                return Err(format!(
                    "allocation {len} names type {ty} of {}",
                    types.len()
                ));
            }
            end = addr.wrapping_add(size);
            len += 1;
        }
        Ok(AllocTable {
            types,
            table,
            len,
            end,
        })
    }
}

/// Records in, each distinct text numbered in order of first appearance
/// (as the VM's capture numbers them).
impl FromIterator<SavedAllocation> for AllocTable {
    fn from_iter<I: IntoIterator<Item = SavedAllocation>>(iter: I) -> AllocTable {
        let mut t = AllocTable::new();
        let mut index: HashMap<Arc<str>, u32> = HashMap::new();
        for a in iter {
            let ty = match a.ty {
                None => 0,
                Some(text) => match index.get(&text) {
                    Some(&k) => k,
                    None => {
                        let k = t.add_type(text.clone());
                        index.insert(text, k);
                        k
                    }
                },
            };
            t.push(a.addr, a.size, ty);
        }
        t
    }
}

/// Equal when they list the same allocations with the same type texts,
/// however the texts are numbered.
impl PartialEq for AllocTable {
    fn eq(&self, other: &AllocTable) -> bool {
        self.len == other.len
            && self.iter().zip(other.iter()).all(|(a, b)| {
                a.addr == b.addr
                    && a.size == b.size
                    && self.type_text(a.ty) == other.type_text(b.ty)
            })
    }
}

impl Eq for AllocTable {}

impl fmt::Debug for AllocTable {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.debug_list().entries(self.to_vec()).finish()
    }
}

/// The allocations of an `AllocTable`, decoded as they are read.
pub struct Entries<'a> {
    table: &'a [u8],
    at: usize,
    end: u64,
}

impl Iterator for Entries<'_> {
    type Item = AllocEntry;
    fn next(&mut self) -> Option<AllocEntry> {
        if self.at >= self.table.len() {
            return None;
        }
        // The table was checked when it was read or written by `push`.
        let mut num = || unleb(self.table, &mut self.at).ok();
        let addr = self.end.wrapping_add(num()?);
        let size = num()?;
        let ty = num()? as u32;
        self.end = addr.wrapping_add(size);
        Some(AllocEntry { addr, size, ty })
    }
}

impl Serialize for AllocTable {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // The same fields as `Packed`, borrowing the table.
        #[derive(Serialize)]
        struct PackedRef<'a> {
            types: Vec<&'a str>,
            #[serde(with = "serde_bytes")]
            table: &'a [u8],
        }
        PackedRef {
            types: self.types.iter().map(|t| &**t).collect(),
            table: &self.table,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for AllocTable {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<AllocTable, D::Error> {
        struct Either;
        impl<'de> Visitor<'de> for Either {
            type Value = AllocTable;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a packed allocation table or a list of allocations")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                // Bounded by the body: `from_slice` fails at its end.
                let mut out = Vec::new();
                while let Some(a) = seq.next_element::<SavedAllocation>()? {
                    out.push(a);
                }
                Ok(out.into_iter().collect())
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                let p = Packed::<String>::deserialize(de::value::MapAccessDeserializer::new(map))?;
                AllocTable::from_packed(p.types.into_iter().map(Arc::from).collect(), p.table.0)
                    .map_err(de::Error::custom)
            }
        }
        d.deserialize_any(Either)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(addr: u64, size: u64, ty: Option<&str>) -> SavedAllocation {
        SavedAllocation {
            addr,
            size,
            ty: ty.map(Arc::from),
        }
    }

    #[derive(Serialize, Deserialize, PartialEq, Debug)]
    struct Holder {
        #[serde(rename = "heap", alias = "allocations")]
        allocations: AllocTable,
    }

    #[test]
    fn tables_round_trip_even_when_invalid() {
        let cases = [
            vec![],
            vec![a(0x10000, 16, Some(":node")), a(0x10010, 32, None)],
            vec![
                a(u64::MAX - 3, 8, Some("i32")),
                a(5, u64::MAX, Some(":node")),
                a(5, 0, Some("i32")),
            ],
        ];
        for list in cases {
            let h = Holder {
                allocations: list.iter().cloned().collect(),
            };
            assert_eq!(h.allocations.len(), list.len());
            let bytes = rmp_serde::to_vec_named(&h).unwrap();
            let back = rmp_serde::from_slice::<Holder>(&bytes).unwrap();
            assert_eq!(back, h);
            assert_eq!(back.allocations.to_vec(), list);
        }
    }

    #[test]
    fn each_type_text_is_stored_once() {
        let long = "[1 x i8]".repeat(1000);
        let list: Vec<SavedAllocation> = (0..1000)
            .map(|i| a(0x10000 + 16 * i, 16, Some(&long)))
            .collect();
        let h = Holder {
            allocations: list.iter().cloned().collect(),
        };
        assert_eq!(h.allocations.types().len(), 1);
        let bytes = rmp_serde::to_vec_named(&h).unwrap();
        assert!(bytes.len() < long.len() + 4 * 1000, "{}", bytes.len());
        let back: Holder = rmp_serde::from_slice(&bytes).unwrap();
        assert_eq!(back.allocations.types().len(), 1);
        assert_eq!(back.allocations.to_vec(), list);
    }

    #[test]
    fn equal_tables_may_number_their_types_differently() {
        let mut x = AllocTable::new();
        let (n, i) = (x.add_type(":node".into()), x.add_type("i32".into()));
        x.push(0x10000, 16, i);
        x.push(0x10010, 16, n);
        let y: AllocTable = x.to_vec().into_iter().collect();
        assert_eq!(y.type_text(1).map(|t| &**t), Some("i32"));
        assert_eq!(x, y);
        let mut z = y.clone();
        z.push(0x10020, 8, 0);
        assert_ne!(x, z);
    }

    #[test]
    fn the_unpacked_form_still_reads() {
        #[derive(Serialize)]
        struct Old {
            allocations: Vec<SavedAllocation>,
        }
        let list = vec![a(0x10000, 16, Some(":node")), a(0x10020, 8, None)];
        let bytes = rmp_serde::to_vec_named(&Old {
            allocations: list.clone(),
        })
        .unwrap();
        let h: Holder = rmp_serde::from_slice(&bytes).unwrap();
        assert_eq!(h.allocations.to_vec(), list);
    }

    #[test]
    fn hostile_tables_are_errors() {
        let bad = |types: Vec<String>, table: Vec<u8>| {
            #[derive(Serialize)]
            struct Raw {
                heap: Packed<String>,
            }
            let bytes = rmp_serde::to_vec_named(&Raw {
                heap: Packed {
                    types,
                    table: ByteString(table),
                },
            })
            .unwrap();
            rmp_serde::from_slice::<Holder>(&bytes)
                .unwrap_err()
                .to_string()
        };
        assert!(bad(vec![], vec![0, 1, 1]).contains("names type 1 of 0"));
        assert!(bad(vec![], vec![0x80]).contains("ends inside a number"));
        assert!(bad(vec![], vec![0xff; 11]).contains("overflows"));
        assert!(bad(vec!["i32".into()], vec![0, 1]).contains("ends inside"));
    }
}
