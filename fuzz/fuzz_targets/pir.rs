//! libFuzzer entry of target `pir`: `pivm_fuzz::pir`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pivm_fuzz::pir::run(data));
