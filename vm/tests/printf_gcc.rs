//! The printf formatter against glibc: a C program with a table of formats
//! and values is compiled with gcc and run, and its output must equal ours
//! byte for byte; a C program printing with huge widths and precisions
//! must print the same under pivm, on every engine, as gcc's build of it.
//! Skipped, with a message, only when gcc is absent.

use pivm::builtins::printf::{format, Collect};
use pivm::memory::Memory;
use std::path::PathBuf;
use std::process::Command;

#[derive(Clone, Copy)]
enum A {
    I(i32),
    L(i64),
    U(u64),
    D(f64),
    S(&'static str),
    Null,
}

fn cases() -> Vec<(&'static str, Vec<A>)> {
    use A::*;
    let mut v: Vec<(&'static str, Vec<A>)> = vec![
        ("plain text", vec![]),
        ("%d %i %d %d", vec![I(0), I(-1), I(i32::MAX), I(i32::MIN)]),
        (
            "[%5d] [%-5d] [%05d] [%+d] [% d] [%+5d] [%-+5d]",
            vec![I(42), I(42), I(-42), I(42), I(42), I(-3), I(3)],
        ),
        (
            "[%.3d] [%.0d] [%5.0d] [%8.4d] [%08.4d] [%-08d]",
            vec![I(7), I(0), I(0), I(-12), I(12), I(5)],
        ),
        ("%u %u %x %X %o", vec![I(-1), I(3), I(-1), I(255), I(8)]),
        (
            "[%#x] [%#X] [%#o] [%#o] [%#x] [%#.3o] [%.0x] [%#.0o]",
            vec![I(255), I(255), I(8), I(0), I(0), I(8), I(0), I(0)],
        ),
        ("[%#10x] [%#010x] [%-#10x]", vec![I(255), I(255), I(255)]),
        (
            "%ld %lld %lu %llu %zu %zd %lx",
            vec![
                L(-5),
                L(i64::MIN),
                U(u64::MAX),
                U(1 << 40),
                U(12),
                L(-12),
                L(-1),
            ],
        ),
        (
            "%hd %hhd %hu %hhu %hx",
            vec![I(70000), I(300), I(-1), I(-1), I(-1)],
        ),
        ("[%c] [%3c] [%-3c]", vec![I(65), I(66), I(67)]),
        (
            "[%s] [%10s] [%-10s] [%.2s] [%5.1s] [%.10s] [%s]",
            vec![
                S("hello"),
                S("hi"),
                S("hi"),
                S("hello"),
                S("abc"),
                S("xy"),
                S(""),
            ],
        ),
        ("[%s] [%.3s] [%10s]", vec![Null, Null, Null]),
        (
            "[%p] [%p] [%20p] [%-20p]",
            vec![U(0x1234), Null, U(0xdeadbeef), U(16)],
        ),
        ("100%% [%5%]", vec![]),
        (
            "[%*d] [%-*d] [%*d] [%.*d] [%.*f] [%*.*f]",
            vec![
                I(5),
                I(1),
                I(5),
                I(2),
                I(-5),
                I(3),
                I(4),
                I(7),
                I(2),
                D(3.14158),
                I(9),
                I(3),
                D(2.5),
            ],
        ),
        ("%f %f %f %f", vec![D(0.0), D(-0.0), D(1.5), D(0.1)]),
        ("%f %f %f", vec![D(1e20), D(1e-20), D(123456.789)]),
        (
            "%.0f %.0f %.0f %.0f %.0f",
            vec![D(0.5), D(1.5), D(2.5), D(3.5), D(-0.5)],
        ),
        (
            "%.1f %.1f %.2f %.2f %.3f",
            vec![D(0.25), D(0.05), D(0.125), D(0.375), D(1.0005)],
        ),
        ("%.20f %.30f", vec![D(0.1), D(1.0 / 3.0)]),
        ("%f", vec![D(1e300)]),
        (
            "%f %F %e %E %g %G",
            vec![
                D(f64::INFINITY),
                D(f64::NEG_INFINITY),
                D(f64::NAN),
                D(-f64::NAN),
                D(f64::INFINITY),
                D(f64::NAN),
            ],
        ),
        (
            "[%5f] [%-8f] [%08f] [%+f] [% f]",
            vec![
                D(f64::INFINITY),
                D(f64::NAN),
                D(f64::NEG_INFINITY),
                D(f64::INFINITY),
                D(f64::NAN),
            ],
        ),
        (
            "%e %e %e %e %e",
            vec![D(0.0), D(1.0), D(123456.789), D(1e-300), D(-2.5e-5)],
        ),
        (
            "%.0e %.0e %.0e %.1e %.2e %.3E",
            vec![
                D(15.0),
                D(25.0),
                D(1.0),
                D(9.96),
                D(1e100),
                D(6.02214076e23),
            ],
        ),
        ("%e %e", vec![D(5e-324), D(f64::MAX)]),
        (
            "%g %g %g %g %g %g",
            vec![
                D(100000.0),
                D(1000000.0),
                D(0.0001),
                D(0.00001),
                D(123456789.0),
                D(1.5),
            ],
        ),
        (
            "%g %g %g %g %g",
            vec![D(0.0), D(-0.0), D(1e-5), D(123456.5), D(999999.5)],
        ),
        (
            "%.0g %.1g %.2g %.3g %.10g %.17g",
            vec![
                D(2.5),
                D(0.15),
                D(99.5),
                D(3.14158),
                D(std::f64::consts::PI),
                D(0.1),
            ],
        ),
        (
            "%#g %#g %#.0f %#.0e %#.3g %#x",
            vec![D(1.0), D(100000.0), D(3.0), D(3.0), D(1e10), I(0)],
        ),
        ("%G %G %g", vec![D(1e-10), D(2e20), D(1e16)]),
        (
            "[%10.3f] [%-10.3f] [%010.3f] [%+010.3f] [%012e] [%-12g] [%012g]",
            vec![
                D(3.14158),
                D(3.14158),
                D(-3.14158),
                D(3.14158),
                D(1234.5),
                D(0.5),
                D(-0.5),
            ],
        ),
        (
            "[%+.3e] [% .2e] [%+g] [% g]",
            vec![D(1.0), D(-1.0), D(2.0), D(3.0)],
        ),
        (
            "%f %g %e",
            vec![
                D(4503599627370497.5),
                D(4503599627370497.5),
                D(4503599627370497.5),
            ],
        ),
        ("%.15g %.16g %.17g", vec![D(0.3), D(0.3), D(0.3)]),
        ("%g %g %g", vec![D(1e-4), D(9.9999e-5), D(0.000099999)]),
        ("%.3f %.3f %.3f", vec![D(2.0005), D(2.0015), D(1e-4)]),
        (
            "%5.2f%% done, %s: %d/%d",
            vec![D(45.678), S("items"), I(3), I(7)],
        ),
        ("%lld %llx %llo", vec![L(9_000_000_000), L(255), L(-1)]),
        (
            "[%05s] [%05c] [%-05d] [%+u] [% u] [%+x]",
            vec![S("ab"), I(97), I(7), I(3), I(3), I(255)],
        ),
    ];
    let mut vals = vec![];
    let mut x: u64 = 0x9e3779b97f4a7c15;
    for _ in 0..60 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let d =
            f64::from_bits((x >> 2) | 0x3000_0000_0000_0000) * if x & 1 == 0 { 1.0 } else { -1.0 };
        vals.push(d);
    }
    let leaked: &'static [f64] = Box::leak(vals.into_boxed_slice());
    for &d in leaked {
        v.push(("%f %e %g %.12g %.3e", vec![D(d), D(d), D(d), D(d), D(d)]));
    }
    v
}

fn c_string(s: &str) -> String {
    let mut o = String::from("\"");
    for b in s.bytes() {
        match b {
            b'"' | b'\\' => {
                o.push('\\');
                o.push(b as char);
            }
            0x20..=0x7e => o.push(b as char),
            _ => o.push_str(&format!("\\{b:03o}")),
        }
    }
    o.push('"');
    o
}

/// Writes the C program `src` to a fresh directory for `test`, compiles
/// it with gcc and runs it: the source's path and the program's standard
/// output, or `None` (with a message) when gcc is not installed.
fn gcc_run(test: &str, src: &str) -> Option<(PathBuf, Vec<u8>)> {
    if Command::new("gcc").arg("--version").output().is_err() {
        eprintln!("SKIPPED {test}: gcc is not installed");
        return None;
    }
    let dir = std::env::temp_dir().join(format!("pivm-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{test}.c"));
    let exe = dir.join(test);
    std::fs::write(&path, src).unwrap();
    let st = Command::new("gcc")
        .args(["-w", "-O0", "-o"])
        .arg(&exe)
        .arg(&path)
        .status()
        .unwrap();
    assert!(st.success(), "gcc failed on {}", path.display());
    let out = Command::new(&exe).output().unwrap();
    assert!(out.status.success(), "{}", path.display());
    Some((path, out.stdout))
}

#[test]
fn printf_matches_glibc() {
    let cases = cases();
    let mut mem = Memory::new(1 << 24, 1 << 20).unwrap();
    let mut next_str = 0x10000u64;
    let mut ours = Vec::new();
    let mut c = String::from(
        "#include <stdio.h>\n#include <string.h>\n\
         static double d(unsigned long long b) { double x; memcpy(&x, &b, 8); return x; }\n\
         int main(void) {\n",
    );
    for (fmt, args) in &cases {
        let mut vals = Vec::new();
        let mut cargs = String::new();
        for a in args {
            let (v, text) = match *a {
                A::I(i) => (i as u32 as u64, format!("(int){i}")),
                A::L(l) => (l as u64, format!("(long long)({l}LL)")),
                A::U(u) => (u, format!("(unsigned long long){u}ULL")),
                A::D(x) => (x.to_bits(), format!("d({}ULL)", x.to_bits())),
                A::S(s) => {
                    let p = next_str;
                    mem.write(p, s.as_bytes()).unwrap();
                    mem.write(p + s.len() as u64, &[0]).unwrap();
                    next_str += s.len() as u64 + 1;
                    (p, c_string(s))
                }
                A::Null => (0, "(void *)0".to_string()),
            };
            vals.push(v);
            cargs.push_str(", ");
            cargs.push_str(&text);
        }
        let at = next_str;
        mem.write(at, fmt.as_bytes()).unwrap();
        mem.write(at + fmt.len() as u64, &[0]).unwrap();
        next_str += fmt.len() as u64 + 1;
        let mut out = Collect {
            mem: &mem,
            bytes: Vec::new(),
        };
        let n = format(&mut out, at, &vals).unwrap();
        assert_eq!(n as usize, out.bytes.len(), "{fmt}");
        ours.extend(out.bytes);
        ours.extend_from_slice(b"|\n");
        c.push_str(&format!(
            "  printf({}{cargs});\n  printf(\"|\\n\");\n",
            c_string(fmt)
        ));
    }
    c.push_str("  return 0;\n}\n");
    let Some((src, theirs)) = gcc_run("printf_matches_glibc", &c) else {
        return;
    };
    let _ = std::fs::remove_dir_all(src.parent().unwrap());
    let (o, t) = (
        String::from_utf8_lossy(&ours),
        String::from_utf8_lossy(&theirs),
    );
    let mut bad = 0;
    for (i, (a, b)) in o.lines().zip(t.lines()).enumerate() {
        if a != b {
            bad += 1;
            eprintln!(
                "case {i} {:?}\n  pivm:  {a}\n  glibc: {b}",
                cases.get(i).map(|c| c.0)
            );
        }
    }
    assert_eq!(o.lines().count(), t.lines().count());
    assert_eq!(o.lines().count(), cases.len());
    assert_eq!(bad, 0, "{bad} printf cases differ from glibc");
}

/// A C program printing with widths and precisions far past any buffer,
/// widths and precisions past `INT_MAX` (-1, nothing printed), negative `*` widths and
/// precisions, and sprintf/snprintf into and past buffers, with every
/// return value: gcc's build of it is the oracle, and pivm's output on
/// every engine must equal it byte for byte.
const HUGE: &str = r#"#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void sum(const char *what, const char *s) {
    unsigned long h = 5381;
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++) h = h * 33 + (unsigned char)s[i];
    printf("%s: %lu bytes, hash %lu\n", what, (unsigned long)n, h);
}

int main(void) {
    int r;
    r = printf("[%.65536f]\n", 1.5); printf("r=%d\n", r);
    r = printf("[%.65536f]\n", 0.1); printf("r=%d\n", r);
    r = printf("[%.70000f]\n", 5e-324); printf("r=%d\n", r);
    r = printf("[%.2000f]\n", 1e300); printf("r=%d\n", r);
    r = printf("[%70000d]\n", 42); printf("r=%d\n", r);
    r = printf("[%-70000d]\n", -42); printf("r=%d\n", r);
    r = printf("[%070000d]\n", -42); printf("r=%d\n", r);
    r = printf("[%+.70000d]\n", 42); printf("r=%d\n", r);
    r = printf("[%#70000x] [%#.70000o]\n", 255, 8); printf("r=%d\n", r);
    r = printf("[%70000s] [%-70000c]\n", "abc", 'z'); printf("r=%d\n", r);
    r = printf("[%.3000e] [%#.3000g] [%.3000g] [%70000.3E]\n", 2.0 / 3, 0.1, 0.1, -1e-300);
    printf("r=%d\n", r);
    r = printf("[%70000f] [%-70000e] [%070000g]\n", 1.0 / 0, -1.0 / 0, 3.25); printf("r=%d\n", r);
    r = printf("[%.*f] [%*d] [%-*d] [%*.*f] [%.*d] [%.*s]\n", -5, 3.14159, -7, 42, -7, 42,
               -12, -3, 2.5, -1, 7, -1, "xyz");
    printf("r=%d\n", r);
    r = printf("[%*d]\n", -70000, 5); printf("r=%d\n", r);
    r = printf("%99999999999d|\n", 1); printf("r=%d\n", r);
    r = printf("a%2147483648d|\n", 1); printf("r=%d\n", r);
    r = printf("b%.2147483648f|\n", 1.0); printf("r=%d\n", r);
    char small[16];
    r = snprintf(small, sizeof small, "%100000d", 7); printf("r=%d [%s]\n", r, small);
    r = snprintf(small, sizeof small, "%-100000d|", 7); printf("r=%d [%s]\n", r, small);
    r = snprintf(NULL, 0, "%.1000000f", 1.0); printf("r=%d\n", r);
    r = snprintf(small, 1, "%50000s", "q"); printf("r=%d [%s]\n", r, small);
    char *big = malloc(300000);
    r = sprintf(big, "%.150000f", 0.1); printf("r=%d\n", r); sum("0.1", big);
    r = sprintf(big, "%-200000.100000d|%s", -3, "end"); printf("r=%d\n", r); sum("-3", big);
    r = sprintf(big, "%#.100000g", 1.0 / 3); printf("r=%d\n", r); sum("1/3", big);
    free(big);
    return 0;
}
"#;

#[test]
fn huge_widths_and_precisions_match_glibc_on_every_engine() {
    let Some((src, theirs)) = gcc_run("printf_huge", HUGE) else {
        return;
    };
    let engines: &[&str] = if cfg!(feature = "jit") {
        &["interp", "jit"]
    } else {
        &["interp"]
    };
    for engine in engines {
        let ours = Command::new(env!("CARGO_BIN_EXE_pivm"))
            .args(["run", "--engine", engine])
            .arg(&src)
            .output()
            .unwrap();
        assert_eq!(
            ours.status.code(),
            Some(0),
            "{engine}: {}",
            String::from_utf8_lossy(&ours.stderr)
        );
        if ours.stdout != theirs {
            let (o, t) = (
                String::from_utf8_lossy(&ours.stdout),
                String::from_utf8_lossy(&theirs),
            );
            for (i, (a, b)) in o.lines().zip(t.lines()).enumerate() {
                if a != b {
                    let cut = |s: &str| s.chars().take(200).collect::<String>();
                    eprintln!("line {i}\n  pivm:  {}\n  glibc: {}", cut(a), cut(b));
                }
            }
            panic!(
                "{engine}: output differs from glibc ({} and {} bytes)",
                ours.stdout.len(),
                theirs.len()
            );
        }
    }
    let _ = std::fs::remove_dir_all(src.parent().unwrap());
}
