//! libFuzzer entry of target `cc`: `pivm_fuzz::cc`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pivm_fuzz::cc::run(data));
