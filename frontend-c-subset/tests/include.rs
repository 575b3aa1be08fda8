//! `#include` of hostile files: devices, FIFOs, directories and huge
//! files are refused at once with a clear error; files that are not C
//! source are located in errors but never quoted.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pivm-cc-include-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Compiles `main.c` holding `src` in `dir`; fails the test if the
/// compiler takes more than 30 s (a FIFO or device must not block it).
fn compile(dir: &Path, src: &str) -> Result<pivm_ir::Module, String> {
    let main = dir.join("main.c");
    std::fs::write(&main, src).unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(pivm_cc::compile_file(&main));
    });
    rx.recv_timeout(Duration::from_secs(30))
        .expect("the compiler blocked on an #include")
}

fn refused(dir: &Path, src: &str, needle: &str) -> String {
    let e = compile(dir, src).expect_err("the #include must be refused");
    assert!(e.contains(needle), "{needle:?} not in: {e}");
    assert!(!e.contains("internal compiler error"), "{e}");
    e
}

#[test]
fn devices_fifos_directories_and_huge_files_are_refused() {
    let d = scratch("special");
    let e = refused(
        &d,
        "#include \"/dev/zero\"\nint main(void) { return 0; }\n",
        "it is a device, not a regular file",
    );
    assert!(e.contains("main.c:1:"), "{e}");
    refused(
        &d,
        "#include \"/dev/urandom\"\nint main(void) { return 0; }\n",
        "not a regular file",
    );
    let fifo =
        std::ffi::CString::new(d.join("pipe.h").into_os_string().into_encoded_bytes()).unwrap();
    // SAFETY: a NUL-terminated path; the result is checked.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
    refused(
        &d,
        "#include \"pipe.h\"\nint main(void) { return 0; }\n",
        "it is a FIFO, not a regular file",
    );
    std::fs::create_dir(d.join("adir.h")).unwrap();
    refused(
        &d,
        "#include \"adir.h\"\nint main(void) { return 0; }\n",
        "directory",
    );
    // A sparse file: large on paper, no disk used.
    let big = std::fs::File::create(d.join("big.h")).unwrap();
    big.set_len(pivm_cc::MAX_INCLUDE_BYTES + 1).unwrap();
    refused(
        &d,
        "#include \"big.h\"\nint main(void) { return 0; }\n",
        "larger than 16 MiB",
    );
    // A small regular header next to them is read.
    std::fs::write(d.join("ok.h"), "#define OK 7\n").unwrap();
    let m = compile(&d, "#include \"ok.h\"\nint main(void) { return OK; }\n");
    assert!(m.is_ok(), "{m:?}");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn files_that_are_not_c_source_are_never_quoted() {
    let d = scratch("quote");
    // Lexes (identifiers with $, ':' punctuators) but does not parse: the
    // shape of /etc/shadow.
    std::fs::write(
        d.join("shadow"),
        "root:$y$j9T$SECRETSALT$SECRETHASH:19000:0:99999:7:::\n",
    )
    .unwrap();
    let e = refused(
        &d,
        "#include \"shadow\"\nint main(void) { return 0; }\n",
        "not C source",
    );
    assert!(!e.contains("SECRET"), "{e}");
    assert!(!e.contains("root"), "{e}");
    // Does not even lex, named like a header, with a terminal escape.
    std::fs::write(d.join("bin.h"), "\u{1}SECRET \u{1b}[31m\n").unwrap();
    let e = refused(
        &d,
        "#include \"bin.h\"\nint main(void) { return 0; }\n",
        "not C source",
    );
    assert!(!e.contains("SECRET") && !e.contains('\u{1b}'), "{e}");
    // Not UTF-8.
    std::fs::write(d.join("latin.h"), b"int caf\xe9;\n").unwrap();
    let e = refused(
        &d,
        "#include \"latin.h\"\nint main(void) { return 0; }\n",
        "not UTF-8",
    );
    assert!(!e.contains("caf"), "{e}");
    // A real header with an error is still quoted, escaped and short.
    std::fs::write(
        d.join("bad.h"),
        format!("int x = {};\nint y = ;\n", "1 + ".repeat(100) + "1"),
    )
    .unwrap();
    let e = refused(
        &d,
        "#include \"bad.h\"\nint main(void) { return 0; }\n",
        "bad.h:2:",
    );
    assert!(e.contains("int y = ;"), "{e}");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn long_and_hostile_lines_are_cut_and_escaped() {
    let d = scratch("long");
    let long = format!(
        "int a = {} $;\nint main(void) {{ return 0; }}\n",
        "1 + ".repeat(200)
    );
    let e = compile(&d, &long).expect_err("must fail");
    let excerpt = e.lines().nth(1).unwrap();
    assert!(excerpt.chars().count() <= 126, "{excerpt}");
    assert!(excerpt.starts_with("...") && excerpt.contains('$'), "{e}");
    let caret = e.lines().nth(2).unwrap();
    assert_eq!(
        excerpt.chars().nth(caret.chars().count() - 1),
        Some('$'),
        "the caret must point at the error:\n{e}"
    );
    let esc = compile(&d, "int a = \u{1b}[2J;\n").expect_err("must fail");
    assert!(!esc.contains('\u{1b}'), "{esc}");
    let _ = std::fs::remove_dir_all(&d);
}
