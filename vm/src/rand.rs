//! `rand`/`srand` as glibc implements them (the TYPE_3 additive feedback
//! generator, `r[i] = r[i-3] + r[i-31]`), so a program prints the same
//! numbers under pivm as natively with gcc. The state is plain data a
//! snapshot stores.

use pivm_snapshot::validate::{RAND_DEG as DEG, RAND_SEP as SEP};

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct RandState {
    pub table: Vec<u32>,
    /// Indexes of glibc's `fptr` and `rptr` into `table`.
    pub front: usize,
    pub rear: usize,
}

impl RandState {
    /// glibc `srandom(seed)`.
    pub fn new(seed: u32) -> RandState {
        let seed = if seed == 0 { 1 } else { seed };
        let mut table = vec![0u32; DEG];
        table[0] = seed;
        let mut word = seed as i32;
        for slot in table.iter_mut().skip(1) {
            let hi = word as i64 / 127773;
            let lo = word as i64 % 127773;
            word = (16807 * lo - 2836 * hi) as i32;
            if word < 0 {
                word = word.wrapping_add(2147483647);
            }
            *slot = word as u32;
        }
        let mut s = RandState {
            table,
            front: SEP,
            rear: 0,
        };
        for _ in 0..DEG * 10 {
            s.random();
        }
        s
    }

    /// glibc `random()`: 31 random bits.
    pub fn random(&mut self) -> i32 {
        let val = self.table[self.front].wrapping_add(self.table[self.rear]);
        self.table[self.front] = val;
        self.front += 1;
        if self.front >= DEG {
            self.front = 0;
            self.rear += 1;
        } else {
            self.rear += 1;
            if self.rear >= DEG {
                self.rear = 0;
            }
        }
        (val >> 1) as i32
    }

    /// Checks a state read from a snapshot.
    pub fn validate(&self) -> Result<(), String> {
        if pivm_snapshot::validate::rand_state_ok(self.table.len(), self.front, self.rear) {
            Ok(())
        } else {
            Err("invalid rand state".to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_glibc() {
        // glibc: srand(1); rand() x5
        let mut r = RandState::new(1);
        let v: Vec<i32> = (0..5).map(|_| r.random()).collect();
        assert_eq!(
            v,
            [1804289383, 846930886, 1681692777, 1714636915, 1957747793]
        );
        assert!(r.validate().is_ok());
    }
}
