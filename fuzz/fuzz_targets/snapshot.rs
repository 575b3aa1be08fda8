//! libFuzzer entry of target `snapshot`: `pivm_fuzz::snapshot`, with its
//! structure-aware mutator.
#![no_main]
#![allow(
    unsafe_op_in_unsafe_fn,
    reason = "fuzz_mutator! expands to an unsafe fn whose body has no unsafe block"
)]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pivm_fuzz::snapshot::run(data));

libfuzzer_sys::fuzz_mutator!(|data: &mut [u8], size: usize, max_size: usize, seed: u32| {
    // Three times in four, fields of the body, every checksum right.
    if !seed.is_multiple_of(4) {
        if let Some(out) = pivm_fuzz::snapshot::mutate(&data[..size], seed.into()) {
            if out.len() <= max_size {
                data[..out.len()].copy_from_slice(&out);
                return out.len();
            }
        }
    }
    // Otherwise bytes, with the checksums recomputed but one time in
    // sixteen (so the checksum checks are fuzzed too).
    let n = libfuzzer_sys::fuzzer_mutate(data, size, max_size);
    if seed % 16 != 1 {
        pivm_fuzz::snapshot::fix_checksums(&mut data[..n]);
    }
    n
});
