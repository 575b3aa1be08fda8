//! The snapshot every test starts from: a small program (a loop with a
//! shadow-stack slot, a heap allocation of a struct type, an indirect call)
//! stopped at the loop's back-edge safepoint inside a call made through a
//! function pointer, with memory in all three areas and an open file.

#![allow(dead_code)]

use pivm_ir::{safepoints, Module};
use pivm_snapshot::*;

pub const SOURCE: &str = r#"type :node = { i32, ptr }

global @g: i32 = { i32 7 }

declare @malloc(i64) -> ptr

func @work(%n: i32) -> i32 {
    local %i: i32
    local %c: i32
    local %f: f64
    local %b: i8
    slot $buf: [4 x i32]
entry:
    %i = copy.i32 0
    jump head
head:
    %c = slt.i32 %i, %n
    br.i32 %c, body, done
body:
    %i = add.i32 %i, 1
    jump head
done:
    ret.i32 %i
}

func @main() -> i32 {
    local %r: i32
    local %p: ptr
    local %fp: ptr
entry:
    %p = call @malloc(i64 16) as :node
    %r = call @work(i32 10)
    %fp = addr @work
    %r = call %fp(i32 5)
    ret.i32 %r
}
"#;

/// Resume points after placement. `@work` (a leaf: no entry safepoint): 0
/// loop safepoint. `@main`: 0 entry safepoint, 1 `call @work`, 2 `call %fp`.
pub const WORK_LOOP: u32 = 0;
pub const MAIN_CALL_DIRECT: u32 = 1;
pub const MAIN_CALL_INDIRECT: u32 = 2;

pub const DATA: u64 = 0x1000;
pub const STACK: u64 = 0x2000;
pub const HEAP: u64 = 0x12000;

pub fn module() -> Module {
    let mut m = pivm_ir::parse(SOURCE, "fixture.pir").expect("fixture parses");
    pivm_ir::verify(&m).expect("fixture verifies");
    safepoints::place(&mut m);
    m
}

pub fn layout() -> MemoryLayout {
    MemoryLayout {
        data_start: DATA,
        data_end: DATA + 0x1000,
        stack_start: STACK,
        stack_end: STACK + 0x10000,
        sp: STACK + 16,
        stack_limit: STACK + 0x10000,
        heap_start: HEAP,
        heap_end: HEAP + 0x100000,
        heap_top: HEAP + 32,
    }
}

pub fn v(ty: ValueType, bits: u64) -> Value {
    Value { ty, bits }
}

pub fn body() -> Body {
    let m = module();
    let mut history = vec![Hop {
        arch: "s390x".to_string(),
        os: "linux".to_string(),
        engine: EngineKind::Interp,
        unix_time_ms: 1_700_000_000_000,
        safepoints: 40,
    }];
    history.push(Hop {
        engine: EngineKind::Jit,
        unix_time_ms: 1_700_000_360_000,
        safepoints: 2,
        ..Hop::now(EngineKind::Jit, 0)
    });
    Body {
        source: Host::current(),
        engine: EngineKind::Jit,
        history,
        program: SavedProgram::from_module(&m),
        memory: SavedMemory {
            layout: layout(),
            regions: vec![
                Region {
                    start: DATA,
                    bytes: 7u32.to_le_bytes().to_vec(),
                },
                Region {
                    start: STACK,
                    bytes: (0u8..16).collect(),
                },
                Region {
                    start: HEAP,
                    bytes: vec![0xab; 16],
                },
            ],
            allocations: [
                SavedAllocation {
                    addr: HEAP,
                    size: 16,
                    ty: Some(":node".into()),
                },
                SavedAllocation {
                    addr: HEAP + 16,
                    size: 16,
                    ty: None,
                },
            ]
            .into_iter()
            .collect(),
        },
        frames: vec![
            SavedFrame {
                func: 0,
                func_name: "work".to_string(),
                resume: WORK_LOOP,
                stack_base: STACK,
                locals: vec![
                    v(ValueType::I32, 5),
                    v(ValueType::I32, 3),
                    v(ValueType::I32, 1),
                    v(ValueType::F64, f64::NAN.to_bits() | 0x1234),
                    v(ValueType::I8, 0xff),
                ],
            },
            SavedFrame {
                func: 1,
                func_name: "main".to_string(),
                resume: MAIN_CALL_INDIRECT,
                stack_base: STACK,
                locals: vec![
                    v(ValueType::I32, 10),
                    v(ValueType::Ptr, HEAP),
                    v(ValueType::Ptr, Module::func_ptr(pivm_ir::FuncId(0))),
                ],
            },
        ],
        io: IoState {
            stdout_written: 120,
            stderr_written: 0,
            stdin_consumed: 3,
            stdout_pending: b"partial line".to_vec(),
            stderr_pending: Vec::new(),
            stdin_eof: false,
            stdin_unread: b" x".to_vec(),
            next_handle: 5,
            files: vec![SavedFile {
                handle: 4,
                path: "out.txt".to_string(),
                mode: "w+".to_string(),
                offset: 99,
                eof: false,
                temp: None,
            }],
        },
        counters: Counters {
            safepoints: 42,
            snapshots: 1,
            call_depth_limit: 10_000,
            rand: Some(SavedRand {
                table: (0..31u32).map(|i| i.wrapping_mul(0x9e37_79b9)).collect(),
                front: 3,
                rear: 0,
            }),
            jmp_serial: 17,
        },
        extra: Default::default(),
        parent: None,
        threads: None,
        family: None,
        timers: None,
    }
}

pub fn snapshot() -> Snapshot {
    Snapshot::new(body())
}

/// A fresh empty directory under the system temporary directory.
pub fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("pivm-snapshot-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create test directory");
    dir
}

/// Error messages are lowercase, without a trailing period.
pub fn check_message(e: &SnapshotError) {
    let msg = e.to_string();
    let first = msg.chars().next().expect("non-empty message");
    assert!(!first.is_uppercase(), "message starts uppercase: {msg}");
    assert!(!msg.ends_with('.'), "message ends with a period: {msg}");
}
