//! Validation against the program: each rule of `validate` rejects a
//! snapshot that breaks it with its own error, and accepts the fixture.

mod common;

use common::*;
use pivm_ir::contract::FrameError;
use pivm_ir::{FuncId, ResumeId, Type};
use pivm_snapshot::*;

/// Validates the fixture after `edit`; returns the error.
fn invalid(edit: impl FnOnce(&mut Body)) -> SnapshotError {
    let mut b = body();
    edit(&mut b);
    let e = validate(&Snapshot::new(b)).expect_err("must be rejected");
    check_message(&e);
    e
}

/// A body whose program is `text` (already hashed consistently).
fn with_program(text: &str) -> Body {
    let mut b = body();
    b.program = SavedProgram::from_text(text.to_string());
    b
}

#[test]
fn fixture_is_valid() {
    validate(&snapshot()).unwrap();
}

#[test]
fn program_must_parse_verify_and_be_placed() {
    let e = validate(&Snapshot::new(with_program("func @f(\n"))).unwrap_err();
    assert!(matches!(e, SnapshotError::ProgramParse(_)), "{e}");
    check_message(&e);

    let bad_verify = "func @f() -> i32 {\nentry:\n    safepoint\n    ret.i32 %x\n}\n";
    let e = validate(&Snapshot::new(with_program(bad_verify))).unwrap_err();
    assert!(
        matches!(
            e,
            SnapshotError::ProgramParse(_) | SnapshotError::ProgramVerify(_)
        ),
        "{e}"
    );

    // The source as written, without safepoints: numbering could differ.
    let e = validate(&Snapshot::new(with_program(SOURCE))).unwrap_err();
    assert!(
        matches!(e, SnapshotError::ProgramNotCanonical { .. }),
        "{e}"
    );
    check_message(&e);

    // Placed but not canonical (an extra comment line).
    let text = format!("; hello\n{}", body().program.text);
    let e = validate(&Snapshot::new(with_program(&text))).unwrap_err();
    assert!(
        matches!(e, SnapshotError::ProgramNotCanonical { line: 1 }),
        "{e}"
    );
}

/// The IR parser recurses over nested types: a hostile program must be
/// refused before it can overflow the stack, and a legal one deep within
/// the limits must parse whatever stack the caller has.
#[test]
fn hostile_programs_cannot_overflow_the_stack() {
    let n = 100_000;
    let deep = format!("global @g: {}i8{}\n", "[1 x ".repeat(n), "]".repeat(n));
    let e = validate(&Snapshot::new(with_program(&deep))).unwrap_err();
    assert!(matches!(e, SnapshotError::ProgramLimits(_)), "{e}");
    check_message(&e);

    // At the limits: 5000 chained types, each a 256-deep array of the
    // next, before the fixture's own program. Validation and the layout
    // computation the VM then does both fit in a thread with a 1 MiB
    // stack (the layouts are computed without recursion).
    let nest = MAX_TYPE_NESTING;
    assert_eq!(nest, pivm_ir::types::MAX_TYPE_DEPTH as usize);
    let count = 5000;
    let mut text = String::new();
    for i in 0..count {
        text += &format!(
            "type :t{i} = {{ {}:t{}{} }}\n",
            "[1 x ".repeat(nest),
            i + 1,
            "]".repeat(nest)
        );
    }
    text += &format!("type :t{count} = {{ i8 }}\n");
    text += &body().program.text;
    let snap = Snapshot::new(with_program(&text));
    std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(move || {
            let m = validate(&snap).unwrap();
            let layouts = pivm_ir::TypeLayouts::new(&m.types);
            assert_eq!(layouts.named(pivm_ir::TypeId(0)).map(|l| l.size), Some(1));
        })
        .unwrap()
        .join()
        .unwrap();
    // A `[` inside a string does not count.
    let strings = format!(
        "global @s: [200 x i8] = {{ bytes \"{}\" }}\n",
        "[".repeat(200)
    );
    let e = validate(&Snapshot::new(with_program(&strings))).unwrap_err();
    assert!(!matches!(e, SnapshotError::ProgramLimits(_)), "{e}");
}

#[test]
fn frames_must_exist() {
    let e = invalid(|b| b.frames.clear());
    assert!(
        matches!(e, SnapshotError::Frames(FrameError::NoFrames)),
        "{e}"
    );

    let e = invalid(|b| b.frames[0].func = 99);
    assert!(
        matches!(
            e,
            SnapshotError::Frames(FrameError::MissingFunction {
                frame: 0,
                func: FuncId(99),
            })
        ),
        "{e}"
    );

    let e = invalid(|b| b.frames[1].func_name = "mian".to_string());
    assert!(
        matches!(e, SnapshotError::FunctionName { frame: 1, .. }),
        "{e}"
    );

    let mut b = body();
    b.frames.extend(std::iter::repeat_n(b.frames[1].clone(), 5));
    let limits = Limits {
        max_frames: 4,
        ..Limits::default()
    };
    let e = validate_with(&Snapshot::new(b), &limits).unwrap_err();
    assert!(
        matches!(
            e,
            SnapshotError::Frames(FrameError::TooManyFrames { count: 7, max: 4 })
        ),
        "{e}"
    );
}

#[test]
fn resume_points_must_exist_and_be_of_the_right_kind() {
    let e = invalid(|b| b.frames[0].resume = 1);
    assert!(
        matches!(
            e,
            SnapshotError::Frames(FrameError::BadResumePoint {
                frame: 0,
                resume: ResumeId(1),
                count: 1,
                ..
            })
        ),
        "{e}"
    );
    let e = invalid(|b| b.frames[1].resume = u32::MAX);
    assert!(
        matches!(
            e,
            SnapshotError::Frames(FrameError::BadResumePoint { frame: 1, .. })
        ),
        "{e}"
    );

    // The innermost frame stopped at a call.
    let e = invalid(|b| {
        b.frames.remove(0);
    });
    assert!(
        matches!(
            e,
            SnapshotError::Frames(FrameError::ResumePointKind {
                frame: 0,
                expected: "safepoint",
                ..
            })
        ),
        "{e}"
    );
    // An outer frame stopped at a safepoint.
    let e = invalid(|b| b.frames[1].resume = 0);
    assert!(
        matches!(
            e,
            SnapshotError::Frames(FrameError::ResumePointKind {
                frame: 1,
                expected: "call",
                ..
            })
        ),
        "{e}"
    );
}

#[test]
fn outer_frames_must_call_the_inner_function() {
    // Through a function pointer that points elsewhere.
    let e = invalid(|b| b.frames[1].locals[2].bits = 2); // @main, not @work
    assert!(
        matches!(
            e,
            SnapshotError::Frames(FrameError::CallMismatch { frame: 1, .. })
        ),
        "{e}"
    );
    let e = invalid(|b| b.frames[1].locals[2].bits = 0x5000); // no function
    assert!(
        matches!(e, SnapshotError::Frames(FrameError::CallMismatch { .. })),
        "{e}"
    );
    assert!(e.to_string().contains("which is no function"), "{e}");

    // Through a pointer to the inner frame's function, but @main takes no
    // argument and the call passes one: such a call traps, so it cannot
    // be on the stack.
    let e = invalid(|b| {
        b.frames[1].locals[2].bits = 2; // @main
        let mut inner = b.frames[1].clone();
        inner.resume = 0;
        b.frames[0] = inner;
    });
    assert!(
        matches!(
            e,
            SnapshotError::Frames(FrameError::CallMismatch { frame: 1, .. })
        ),
        "{e}"
    );
    assert!(e.to_string().contains("different signature"), "{e}");

    // A direct call to @work, but the inner frame is @main.
    let e = invalid(|b| {
        b.frames[1].resume = MAIN_CALL_DIRECT;
        let mut inner = b.frames[1].clone();
        inner.resume = 0;
        b.frames[0] = inner;
    });
    assert!(
        matches!(
            e,
            SnapshotError::Frames(FrameError::CallMismatch { frame: 1, .. })
        ),
        "{e}"
    );

    // A direct call to @work with @work inside is fine.
    let mut b = body();
    b.frames[1].resume = MAIN_CALL_DIRECT;
    validate(&Snapshot::new(b)).unwrap();
}

#[test]
fn locals_must_match_the_function() {
    let e = invalid(|b| {
        b.frames[0].locals.pop();
    });
    assert!(
        matches!(
            e,
            SnapshotError::Frames(FrameError::LocalCount {
                frame: 0,
                expected: 5,
                found: 4,
                ..
            })
        ),
        "{e}"
    );
    let e = invalid(|b| b.frames[1].locals.push(v(ValueType::I32, 0)));
    assert!(
        matches!(
            e,
            SnapshotError::Frames(FrameError::LocalCount { frame: 1, .. })
        ),
        "{e}"
    );

    let e = invalid(|b| b.frames[0].locals[3].ty = ValueType::I64);
    assert!(
        matches!(
            e,
            SnapshotError::LocalType {
                expected: "f64",
                found: "i64",
                ..
            }
        ),
        "{e}"
    );
    // ptr where i32 is declared: interchangeable only with i64, and even
    // then a frame records the declared type.
    let e = invalid(|b| b.frames[1].locals[1].ty = ValueType::I64);
    assert!(matches!(e, SnapshotError::LocalType { .. }), "{e}");

    let e = invalid(|b| b.frames[0].locals[4].bits = 0x100); // i8
    assert!(
        matches!(
            e,
            SnapshotError::Frames(FrameError::LocalValue { ty: Type::I8, .. })
        ),
        "{e}"
    );
    let e = invalid(|b| b.frames[0].locals[1].bits = 1 << 32); // i32
    assert!(
        matches!(
            e,
            SnapshotError::Frames(FrameError::LocalValue { ty: Type::I32, .. })
        ),
        "{e}"
    );
}

#[test]
fn stack_frames_must_be_contiguous_from_the_stack_start() {
    // Off by 8 (so also unaligned), or above where its caller's frame ends.
    for base in [STACK + 8, STACK + 16, STACK - 16, u64::MAX - 15] {
        let e = invalid(|b| b.frames[0].stack_base = base);
        assert!(
            matches!(
                e,
                SnapshotError::Frames(FrameError::StackBase { frame: 0, .. })
            ),
            "{e}"
        );
        assert!(e.to_string().contains("right after its caller"), "{e}");
    }

    // @main's frame must start at the stack start.
    let e = invalid(|b| {
        b.frames[0].stack_base = STACK - 16;
        b.frames[1].stack_base = STACK - 16;
    });
    assert!(
        matches!(
            e,
            SnapshotError::Frames(FrameError::StackBase { frame: 1, .. })
        ),
        "{e}"
    );
    let e = invalid(|b| b.frames[1].stack_base = STACK + 16);
    assert!(
        matches!(
            e,
            SnapshotError::Frames(FrameError::StackBase { frame: 1, .. })
        ),
        "{e}"
    );

    // @work's 16-byte frame passes the stack pointer.
    let e = invalid(|b| b.memory.layout.sp = STACK + 8);
    assert!(
        matches!(
            e,
            SnapshotError::Frames(FrameError::StackBase { frame: 0, .. })
        ),
        "{e}"
    );
    assert!(e.to_string().contains("top of the stack"), "{e}");
}

type LayoutEdit = Box<dyn Fn(&mut MemoryLayout)>;

#[test]
fn layout_must_be_consistent() {
    let cases: Vec<(&str, LayoutEdit)> = vec![
        (
            "data start after end",
            Box::new(|l| l.data_start = l.data_end + 1),
        ),
        ("heap in the null page", Box::new(|l| l.heap_start = 16)),
        (
            "areas overlap",
            Box::new(|l| l.heap_start = l.stack_end - 16),
        ),
        ("sp past the limit", Box::new(|l| l.sp = l.stack_limit + 16)),
        (
            "sp below the stack",
            Box::new(|l| l.sp = l.stack_start - 16),
        ),
        (
            "limit past the end",
            Box::new(|l| l.stack_limit = l.stack_end + 1),
        ),
        (
            "heap top past the end",
            Box::new(|l| l.heap_top = l.heap_end + 1),
        ),
        (
            "heap top below the start",
            Box::new(|l| l.heap_top = l.heap_start - 1),
        ),
        ("absurd heap", Box::new(|l| l.heap_end = u64::MAX)),
        ("empty stack", Box::new(|l| l.stack_end = l.stack_start)),
    ];
    for (what, edit) in cases {
        let e = invalid(|b| edit(&mut b.memory.layout));
        assert!(matches!(e, SnapshotError::Layout(_)), "{what}: {e}");
    }
    // A tighter limit rejects what the default accepts.
    let limits = Limits {
        max_address: 0x10000,
        ..Limits::default()
    };
    let e = validate_with(&snapshot(), &limits).unwrap_err();
    assert!(matches!(e, SnapshotError::Layout(_)), "{e}");
}

#[test]
fn regions_must_be_inside_the_areas_and_disjoint() {
    let e = invalid(|b| b.memory.regions[0].start = 0);
    assert!(matches!(e, SnapshotError::Region { index: 0, .. }), "{e}");

    let e = invalid(|b| b.memory.regions[2].bytes = vec![0; 0x100001]);
    assert!(matches!(e, SnapshotError::Region { index: 2, .. }), "{e}");

    let e = invalid(|b| b.memory.regions.swap(0, 1));
    assert!(matches!(e, SnapshotError::Region { index: 1, .. }), "{e}");

    let e = invalid(|b| b.memory.regions[1].start = DATA + 2);
    assert!(matches!(e, SnapshotError::Region { index: 1, .. }), "{e}");

    let e = invalid(|b| {
        b.memory.regions.push(Region {
            start: u64::MAX - 2,
            bytes: vec![1; 8],
        })
    });
    assert!(matches!(e, SnapshotError::Region { index: 3, .. }), "{e}");

    // One region spanning the adjacent data and stack areas is fine.
    let mut b = body();
    b.memory.regions.remove(1);
    b.memory.regions[0].bytes = vec![1; 0x2000];
    validate(&Snapshot::new(b)).unwrap();
}

#[test]
fn allocations_must_be_in_the_heap_disjoint_and_typed() {
    let e = invalid(|b| b.memory.allocations.edit(|v| v[0].addr = STACK));
    assert!(
        matches!(e, SnapshotError::Allocation { index: 0, .. }),
        "{e}"
    );

    let e = invalid(|b| b.memory.allocations.edit(|v| v[1].size = 17)); // past heap_top
    assert!(
        matches!(e, SnapshotError::Allocation { index: 1, .. }),
        "{e}"
    );

    let e = invalid(|b| b.memory.allocations.edit(|v| v[1].addr = HEAP + 8));
    assert!(
        matches!(e, SnapshotError::Allocation { index: 1, .. }),
        "{e}"
    );
    assert!(e.to_string().contains("overlaps"), "{e}");

    let e = invalid(|b| b.memory.allocations.edit(|v| v[1].size = u64::MAX));
    assert!(
        matches!(e, SnapshotError::Allocation { index: 1, .. }),
        "{e}"
    );

    for ty in [":nosuch", "i33", "[4 x", "[99999999999999999999 x i8]"] {
        let e = invalid(|b| b.memory.allocations.edit(|v| v[0].ty = Some(ty.into())));
        assert!(
            matches!(e, SnapshotError::Allocation { index: 0, .. }),
            "{ty}: {e}"
        );
    }
    // A type whose size overflows has no layout.
    let e = invalid(|b| {
        b.memory
            .allocations
            .edit(|v| v[0].ty = Some("[18446744073709551615 x :node]".into()))
    });
    assert!(e.to_string().contains("no layout"), "{e}");

    let mut b = body();
    b.memory
        .allocations
        .edit(|v| v[1].ty = Some("[2 x i64]".into()));
    validate(&Snapshot::new(b)).unwrap();
}

#[test]
fn open_files_must_be_sane() {
    fn file(b: &mut Body) -> &mut SavedFile {
        &mut b.io.files[0]
    }
    let e = invalid(|b| file(b).handle = pivm_ir::builtins::STDOUT);
    assert!(matches!(e, SnapshotError::OpenFile { .. }), "{e}");
    let e = invalid(|b| file(b).handle = 1 << 40);
    assert!(matches!(e, SnapshotError::OpenFile { .. }), "{e}");
    let e = invalid(|b| {
        let f = b.io.files[0].clone();
        b.io.files.push(f);
    });
    assert!(e.to_string().contains("unique"), "{e}");
    let e = invalid(|b| file(b).mode = "rw".to_string());
    assert!(matches!(e, SnapshotError::OpenFile { .. }), "{e}");
    let e = invalid(|b| file(b).path = String::new());
    assert!(matches!(e, SnapshotError::OpenFile { .. }), "{e}");
    // A tmpfile has no path, and only a tmpfile.
    let e = invalid(|b| file(b).temp = Some(b"kept".to_vec()));
    assert!(matches!(e, SnapshotError::OpenFile { .. }), "{e}");
    let mut b = body();
    file(&mut b).path = String::new();
    file(&mut b).temp = Some(b"kept".to_vec());
    validate(&Snapshot::new(b)).unwrap();
    let e = invalid(|b| file(b).offset = u64::MAX);
    assert!(matches!(e, SnapshotError::OpenFile { .. }), "{e}");
    let e = invalid(|b| b.io.next_handle = 4);
    assert!(matches!(e, SnapshotError::OpenFile { .. }), "{e}");
    let e = invalid(|b| {
        b.io.files.clear();
        b.io.next_handle = 1 << 20;
    });
    assert!(matches!(e, SnapshotError::IoState(_)), "{e}");
    // Not recorded: any handle will do.
    let mut b = body();
    b.io.next_handle = 0;
    validate(&Snapshot::new(b)).unwrap();
}

#[test]
fn stream_counts_must_fit_a_stream_position() {
    // Past 2^63 - 1 a resumed program's next write overflowed the count
    // (found by fuzzing).
    let e = invalid(|b| b.io.stdout_written = u64::MAX);
    assert!(matches!(e, SnapshotError::IoState(_)), "{e}");
    let e = invalid(|b| b.io.stderr_written = 1 << 63);
    assert!(matches!(e, SnapshotError::IoState(_)), "{e}");
    let e = invalid(|b| b.io.stdin_consumed = u64::MAX - 3);
    assert!(matches!(e, SnapshotError::IoState(_)), "{e}");
    let mut b = body();
    b.io.stdout_written = i64::MAX as u64;
    validate(&Snapshot::new(b)).unwrap();
    // More bytes pushed back onto stdin than ungetc can leave there.
    let e = invalid(|b| b.io.stdin_unread = vec![b'x'; 5]);
    assert!(matches!(e, SnapshotError::IoState(_)), "{e}");
    let mut b = body();
    b.io.stdin_unread = vec![b'x'; 4];
    validate(&Snapshot::new(b)).unwrap();
}

#[test]
fn rand_state_must_be_sane() {
    fn rand(b: &mut Body) -> &mut SavedRand {
        b.counters.rand.as_mut().unwrap()
    }
    let e = invalid(|b| rand(b).table.clear());
    assert!(matches!(e, SnapshotError::Rand(_)), "{e}");
    let e = invalid(|b| rand(b).table = vec![1; 100_000]);
    assert!(matches!(e, SnapshotError::Rand(_)), "{e}");
    let e = invalid(|b| rand(b).front = 31);
    assert!(matches!(e, SnapshotError::Rand(_)), "{e}");
    let e = invalid(|b| rand(b).rear = u32::MAX);
    assert!(matches!(e, SnapshotError::Rand(_)), "{e}");
    // Indexes inside the table but not 3 apart, or another table size:
    // states the generator is never in (the VM refuses them too).
    let e = invalid(|b| rand(b).front = 4);
    assert!(matches!(e, SnapshotError::Rand(_)), "{e}");
    let e = invalid(|b| rand(b).table.truncate(30));
    assert!(matches!(e, SnapshotError::Rand(_)), "{e}");
    let e = invalid(|b| {
        let r = rand(b);
        r.table.resize(63, 0);
    });
    assert!(matches!(e, SnapshotError::Rand(_)), "{e}");
    // Any rotation that keeps them 3 apart is fine.
    let mut b = body();
    let r = b.counters.rand.as_mut().unwrap();
    r.front = 1;
    r.rear = 29;
    validate(&Snapshot::new(b)).unwrap();
    let mut b = body();
    b.counters.rand = None;
    validate(&Snapshot::new(b)).unwrap();
}

#[test]
fn hostile_strings_are_cut_in_messages() {
    let e = invalid(|b| b.frames[0].func_name = "x".repeat(1_000_000));
    assert!(e.to_string().len() < 400, "{} bytes", e.to_string().len());
}
