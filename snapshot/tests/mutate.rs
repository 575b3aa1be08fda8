//! Structure-aware corruption: random edits of the body with the checksums
//! recomputed, so the decoder and the validator (not the CRC) must reject
//! them. Nothing may panic; whatever decodes is validated.

mod common;

use common::*;
use pivm_snapshot::digest::crc32c;
use pivm_snapshot::*;

/// xorshift64*: a fixed sequence, so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn reseal(body: &[u8], hash: [u8; 32]) -> Vec<u8> {
    let h = Header {
        format_version: FORMAT_VERSION,
        flags: 0,
        pivm_version: PIVM_VERSION.to_string(),
        program_hash: hash,
        sections: 0,
        memory_end: HEADER_LEN as u64,
        body_len: body.len() as u64,
        meta_checksum: crc32c(body),
    };
    let mut out = h.encode().to_vec();
    out.extend_from_slice(body);
    out
}

#[test]
fn mutated_bodies_never_panic() {
    let snap = snapshot();
    let body = rmp_serde::to_vec_named(&snap.body).unwrap();
    let interesting = [
        0x00, 0x01, 0x7f, 0x80, 0xc0, 0xc2, 0xc3, 0xcc, 0xcf, 0xd3, 0xff,
    ];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut decoded, mut valid) = (0, 0);
    for _ in 0..3000 {
        let mut b = body.clone();
        for _ in 0..1 + rng.below(4) {
            let pos = rng.below(b.len());
            match rng.below(4) {
                0 => b[pos] ^= 1 << rng.below(8),
                1 => b[pos] = interesting[rng.below(interesting.len())],
                2 => {
                    b.remove(pos);
                }
                _ => b.insert(pos, interesting[rng.below(interesting.len())]),
            }
        }
        let file = reseal(&b, snap.program_hash);
        match from_bytes(&file) {
            Ok(s) => {
                decoded += 1;
                match validate(&s) {
                    Ok(_) => valid += 1,
                    Err(e) => check_message(&e),
                }
            }
            Err(e) => check_message(&e),
        }
    }
    // Some edits only touch values (memory bytes, counters): the test must
    // exercise validation, not only the decoder.
    assert!(decoded > 100, "only {decoded} mutants decoded");
    assert!(valid < decoded);
}

#[test]
fn mutated_numbers_in_the_decoded_snapshot_never_panic() {
    let mut rng = Rng(42);
    let edge = [
        0,
        1,
        15,
        16,
        4095,
        4096,
        1 << 32,
        1 << 40,
        u64::MAX / 2,
        u64::MAX - 1,
        u64::MAX,
    ];
    for _ in 0..3000 {
        let mut b = body();
        let x = if rng.below(2) == 0 {
            edge[rng.below(edge.len())]
        } else {
            rng.next()
        };
        let l = &mut b.memory.layout;
        match rng.below(16) {
            0 => l.data_start = x,
            1 => l.data_end = x,
            2 => l.stack_start = x,
            3 => l.stack_end = x,
            4 => l.sp = x,
            5 => l.stack_limit = x,
            6 => l.heap_start = x,
            7 => l.heap_end = x,
            8 => l.heap_top = x,
            9 => b.memory.regions[rng.below(3)].start = x,
            10 => b.memory.allocations.edit(|v| v[rng.below(2)].addr = x),
            11 => b.memory.allocations.edit(|v| v[rng.below(2)].size = x),
            12 => b.frames[rng.below(2)].stack_base = x,
            13 => b.frames[rng.below(2)].resume = x as u32,
            14 => b.frames[rng.below(2)].func = x as u32,
            _ => b.frames[1].locals[2].bits = x,
        }
        if let Err(e) = validate(&Snapshot::new(b)) {
            check_message(&e);
        }
    }
}
