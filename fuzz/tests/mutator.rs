//! The snapshot target's mutator: its field mutations come out with every
//! checksum right, and `fix_checksums` gets byte mutations past the
//! checksums (else the target would fuzz nothing but the CRC checks).

use pivm::Interpreter;
use pivm_fuzz::engines;
use pivm_snapshot::{EngineKind, SnapshotError};
use std::path::Path;

/// A snapshot of examples/fib.pir at its third safepoint.
fn valid() -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/fib.pir");
    let text = std::fs::read_to_string(path).unwrap();
    let prog = pivm_fuzz::pir::program(pivm_ir::parse(&text, "fib.pir").unwrap()).unwrap();
    let ran = engines::start(&mut Interpreter::new(), &prog, 3);
    engines::snapshot_bytes(&ran, ran.frames().unwrap(), EngineKind::Interp)
}

#[test]
fn field_mutations_keep_the_checksums_right() {
    let data = valid();
    let mut decoded = 0;
    for seed in 1..200 {
        // None: the mutated regions cannot be written (they overlap).
        let Some(out) = pivm_fuzz::snapshot::mutate(&data, seed) else {
            continue;
        };
        match pivm_snapshot::from_bytes(&out) {
            Ok(_) => decoded += 1,
            // The header's program hash is left stale on purpose at times.
            Err(SnapshotError::ProgramHash { .. }) => {}
            Err(e) => panic!("seed {seed}: {e}"),
        }
        if seed % 4 == 0 {
            pivm_fuzz::snapshot::run(&out);
        }
    }
    assert!(decoded > 150, "{decoded}");
}

#[test]
fn fixed_checksums_let_byte_mutations_through() {
    let data = valid();
    let mut same = data.clone();
    pivm_fuzz::snapshot::fix_checksums(&mut same);
    assert!(
        same == data,
        "fixing the checksums of a valid file changed it"
    );
    // A byte of memory (the first section) and a byte of the body.
    for at in [4096 + 8, data.len() - 5] {
        let mut bad = data.clone();
        bad[at] ^= 0x5a;
        assert!(pivm_snapshot::from_bytes(&bad).is_err());
        pivm_fuzz::snapshot::fix_checksums(&mut bad);
        if let Err(e) = pivm_snapshot::from_bytes(&bad) {
            assert!(!e.to_string().contains("checksum"), "{e}");
        }
    }
}
