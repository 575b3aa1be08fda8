//! libFuzzer entry of target `control`: `pivm_fuzz::control`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pivm_fuzz::control::run(data));
