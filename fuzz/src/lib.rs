//! pivm's fuzz targets, as plain functions over untrusted bytes. Each
//! returns quietly for any input pivm handles (including every clean
//! refusal) and panics on a bug: a panic inside pivm, or a broken promise
//! the target checks (the engines disagree, a snapshot does not resume
//! like the run it came from, the compiler's output does not load, a
//! request does not survive the control socket).
//!
//! - `pir::run`: `.pir` text through the parser, the printer, the
//!   verifier, the optimizer and both engines, differentially, with a
//!   snapshot resumed on the other engine through a file.
//! - `cc::run`: C source through the whole C frontend.
//! - `snapshot::run`: a snapshot file through the reader, the validator,
//!   `pivm inspect` and a resume on both engines; `snapshot::mutate` is
//!   its structure-aware mutator (fields of the body, then the checksums).
//! - `control::run`: control-socket request lines, and paths through the
//!   client's line and the server's parser.
//!
//! The libFuzzer binaries (`fuzz_targets/`) call these; so does
//! `tests/regressions.rs`, on every input kept in `regressions/TARGET/`.
//! `scripts/fuzz.sh` builds and runs them; the `pivm-fuzz-seeds` binary
//! (`seeds`) writes their seed corpora from `examples/` and `tests/`.

pub mod cc;
pub mod control;
pub mod engines;
pub mod pir;
pub mod seeds;
pub mod snapshot;

/// A target: its function over one input.
pub type Target = fn(&[u8]);

/// The targets, by the name of their binary and of their folder under
/// `regressions/`.
pub const TARGETS: [(&str, Target); 4] = [
    ("pir", pir::run),
    ("cc", cc::run),
    ("snapshot", snapshot::run),
    ("control", control::run),
];

/// A 64-bit FNV-1a hash of `data`: the input's own choice of snapshot
/// point and the like, so every run of one input does the same.
pub fn hash(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}
