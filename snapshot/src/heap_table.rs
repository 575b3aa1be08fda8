//! The allocation table in the body, packed: `{types, table}`, where
//! `types` lists each distinct type text once and `table` is one run of
//! unsigned LEB128 numbers, three per allocation: the gap from the end of
//! the allocation before (from 0 for the first), the size, and the index
//! of the type in `types` plus one (0 when untyped). A program with
//! millions of small allocations then costs a few bytes per allocation
//! instead of a msgpack map with a type string each, to write, to read and
//! to store. Gaps and ends use wrapping arithmetic, so any table, even an
//! invalid one that validation will refuse, reads back exactly as written.
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

pub fn serialize<S: Serializer>(allocs: &[SavedAllocation], s: S) -> Result<S::Ok, S::Error> {
    let mut types: Vec<&str> = Vec::new();
    let mut index: HashMap<&str, u64> = HashMap::new();
    let mut table = Vec::with_capacity(allocs.len() * 4);
    let mut end = 0u64;
    for a in allocs {
        leb(&mut table, a.addr.wrapping_sub(end));
        leb(&mut table, a.size);
        let ty = match &a.ty {
            None => 0,
            Some(t) => *index.entry(t).or_insert_with(|| {
                types.push(t);
                types.len() as u64
            }),
        };
        leb(&mut table, ty);
        end = a.addr.wrapping_add(a.size);
    }
    Packed {
        types,
        table: ByteString(table),
    }
    .serialize(s)
}

/// The allocations of a packed table. Every allocation of one type
/// shares its text, so a long text named by many allocations costs its
/// length once.
fn unpack(p: Packed<String>) -> Result<Vec<SavedAllocation>, String> {
    let types: Vec<Arc<str>> = p.types.into_iter().map(Arc::from).collect();
    let bytes = &p.table.0;
    // Each allocation takes at least three bytes; the vector grows as
    // they are read.
    let mut out = Vec::new();
    let (mut at, mut end) = (0usize, 0u64);
    while at < bytes.len() {
        let addr = end.wrapping_add(unleb(bytes, &mut at)?);
        let size = unleb(bytes, &mut at)?;
        let ty = match unleb(bytes, &mut at)? {
            0 => None,
            k => Some(
                types
                    .get(usize::try_from(k - 1).unwrap_or(usize::MAX))
                    .ok_or_else(|| {
                        format!("allocation {} names type {k} of {}", out.len(), types.len())
                    })?
                    .clone(),
            ),
        };
        out.push(SavedAllocation { addr, size, ty });
        end = addr.wrapping_add(size);
    }
    Ok(out)
}

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<SavedAllocation>, D::Error> {
    struct Either;
    impl<'de> Visitor<'de> for Either {
        type Value = Vec<SavedAllocation>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a packed allocation table or a list of allocations")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            // Bounded by the body: `from_slice` fails at its end.
            let mut out = Vec::new();
            while let Some(a) = seq.next_element::<SavedAllocation>()? {
                out.push(a);
            }
            Ok(out)
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            let p = Packed::<String>::deserialize(de::value::MapAccessDeserializer::new(map))?;
            unpack(p).map_err(de::Error::custom)
        }
    }
    d.deserialize_any(Either)
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
        #[serde(rename = "heap", alias = "allocations", with = "super")]
        allocations: Vec<SavedAllocation>,
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
        for allocations in cases {
            let h = Holder { allocations };
            let bytes = rmp_serde::to_vec_named(&h).unwrap();
            assert_eq!(rmp_serde::from_slice::<Holder>(&bytes).unwrap(), h);
        }
    }

    #[test]
    fn allocations_of_one_type_share_its_text() {
        let long = "[1 x i8]".repeat(1000);
        let allocations: Vec<SavedAllocation> = (0..1000)
            .map(|i| a(0x10000 + 16 * i, 16, Some(&long)))
            .collect();
        let h = Holder { allocations };
        let bytes = rmp_serde::to_vec_named(&h).unwrap();
        // The text is stored once.
        assert!(bytes.len() < long.len() + 4 * 1000, "{}", bytes.len());
        let back: Holder = rmp_serde::from_slice(&bytes).unwrap();
        assert_eq!(back, h);
        let first = back.allocations[0].ty.as_ref().unwrap();
        assert!(back
            .allocations
            .iter()
            .all(|x| Arc::ptr_eq(x.ty.as_ref().unwrap(), first)));
    }

    #[test]
    fn the_unpacked_form_still_reads() {
        #[derive(Serialize)]
        struct Old {
            allocations: Vec<SavedAllocation>,
        }
        let allocations = vec![a(0x10000, 16, Some(":node")), a(0x10020, 8, None)];
        let bytes = rmp_serde::to_vec_named(&Old {
            allocations: allocations.clone(),
        })
        .unwrap();
        let h: Holder = rmp_serde::from_slice(&bytes).unwrap();
        assert_eq!(h.allocations, allocations);
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
