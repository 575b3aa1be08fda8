//! The preprocessor: `#include` (the embedded standard headers of
//! `headers.rs`, local files relative to the including file, and the
//! `-I` folders of `Options`), object-like
//! and function-like `#define` with `#` and `##`, `#undef`, and conditional
//! inclusion with constant expressions and `defined`. Macro expansion uses
//! hide sets (Prosser's algorithm, as in chibicc), so a macro never expands
//! inside its own expansion.
//!
//! Limits, so that no input makes it run away: `#include` nests at most
//! `MAX_INCLUDE_DEPTH` deep and reads at most `MAX_INCLUDES` files and
//! `MAX_INCLUDED_BYTES` in all; macro expansion does at most
//! `MAX_EXPANSION` units of work (a token produced or copied, an entry of
//! a hide set), so a macro that doubles at each level (`#define A B B`)
//! stops with an error instead of growing without end, and macro
//! arguments nest at most `MAX_ARG_NESTING` deep.

use crate::diag::{Diag, Loc, SourceMap};
use crate::headers;
use crate::lex::{self, HideSet, TokKind, Token};
use pivm_ir::opcodes::{eval_binary, eval_unary};
use pivm_ir::{Opcode, Type};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;

const MAX_INCLUDE_DEPTH: usize = 200;
/// The largest file `#include` reads.
pub const MAX_INCLUDE_BYTES: u64 = 16 << 20;
/// The most files one translation unit includes (each `#include` that
/// reads one counts, the embedded headers too).
pub const MAX_INCLUDES: usize = 20_000;
/// The most bytes one translation unit includes, in all: twice the
/// largest file.
pub const MAX_INCLUDED_BYTES: u64 = 32 << 20;
/// The most work macro expansion does for one translation unit: tokens
/// produced or copied, each weighing one plus the size of its hide set.
/// Bounds its time and memory (each unit holds at most a token, about
/// 50 bytes), far above what real programs need (the largest of the test
/// corpus takes 460).
pub const MAX_EXPANSION: u64 = 1 << 22;
/// How deeply a macro call may sit in the argument of another: the
/// arguments are expanded recursively.
pub const MAX_ARG_NESTING: usize = 256;

/// Why an `#include "..."` file cannot be used.
enum Unusable {
    /// It does not exist: the embedded headers are tried next.
    Missing,
    /// It exists but is refused: the message says why.
    Refused(String),
}

/// Reads an included file: a regular file (never a device, FIFO, socket
/// or directory; opened without blocking, then checked), at most
/// `MAX_INCLUDE_BYTES`, UTF-8 text. Errors never quote its content.
fn read_include(path: &Path) -> Result<String, Unusable> {
    use std::io::Read;
    let mut o = std::fs::OpenOptions::new();
    o.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    #[cfg(not(unix))]
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file()) {
        return Err(Unusable::Refused("it is not a regular file".into()));
    }
    let f = o.open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Unusable::Missing,
        _ => Unusable::Refused(format!("cannot open it: {e}")),
    })?;
    let meta = f
        .metadata()
        .map_err(|e| Unusable::Refused(format!("cannot examine it: {e}")))?;
    if !meta.is_file() {
        let t = meta.file_type();
        #[cfg(unix)]
        let what = {
            use std::os::unix::fs::FileTypeExt;
            if t.is_fifo() {
                "a FIFO"
            } else if t.is_char_device() || t.is_block_device() {
                "a device"
            } else if t.is_socket() {
                "a socket"
            } else if t.is_dir() {
                "a directory"
            } else {
                "a special file"
            }
        };
        #[cfg(not(unix))]
        let what = if t.is_dir() {
            "a directory"
        } else {
            "a special file"
        };
        return Err(Unusable::Refused(format!(
            "it is {what}, not a regular file"
        )));
    }
    let too_big =
        || Unusable::Refused(format!("it is larger than {} MiB", MAX_INCLUDE_BYTES >> 20));
    if meta.len() > MAX_INCLUDE_BYTES {
        return Err(too_big());
    }
    let mut bytes = Vec::new();
    f.take(MAX_INCLUDE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Unusable::Refused(format!("cannot read it: {e}")))?;
    if bytes.len() as u64 > MAX_INCLUDE_BYTES {
        return Err(too_big());
    }
    String::from_utf8(bytes).map_err(|_| Unusable::Refused("it is not UTF-8 text".into()))
}
const EOF_MARK: &str = "<end of include>";

#[derive(Clone)]
struct Macro {
    /// `None` for an object-like macro.
    params: Option<Vec<Rc<str>>>,
    variadic: bool,
    body: Vec<Token>,
}

#[derive(Copy, Clone, PartialEq, Eq)]
enum CondCtx {
    Then,
    Elif,
    Else,
}

struct Cond {
    ctx: CondCtx,
    included: bool,
    loc: Loc,
}

pub struct Preprocessor<'a> {
    sm: &'a mut SourceMap,
    macros: HashMap<Rc<str>, Macro>,
    /// Pending input; the top is the next token.
    stack: Vec<Token>,
    conds: Vec<Cond>,
    out: Vec<Token>,
    errors: Vec<Diag>,
    /// Folder of each file (by file number), for `#include "..."`.
    dirs: Vec<Option<PathBuf>>,
    once: HashSet<String>,
    /// `#pragma pack`: the alignment members are capped at (0: none) and
    /// the values `push` saved.
    pack: u64,
    pack_stack: Vec<u64>,
    depth: usize,
    /// Files and bytes included so far.
    includes: usize,
    included_bytes: u64,
    /// Macro-expansion work so far (see `MAX_EXPANSION`).
    work: u64,
    /// How many macro arguments are being expanded, one inside another.
    arg_nesting: usize,
    /// A limit was reached: the rest of the input is dropped.
    stopped: bool,
    /// The `-I` folders, searched in order after the including file's
    /// folder (for `"..."`) and before the embedded headers.
    include_dirs: Vec<PathBuf>,
    /// The `#line` in force in each file (by file number): tokens keep
    /// their physical location until they leave the preprocessor, and
    /// `map_loc` gives them the presumed one then.
    line_map: HashMap<u32, LineMap>,
}

/// What a `#line` directive says of the lines after it: they belong to
/// file `file` of the source map (named as the directive says; its
/// excerpts come from the physical file) and are numbered `delta` more
/// than they physically are.
#[derive(Clone, Copy)]
struct LineMap {
    file: u32,
    delta: i64,
}

/// What a compilation takes from the command line, as cc does.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// `-I DIR`, searched in order.
    pub include_dirs: Vec<PathBuf>,
    /// `-D NAME[=VALUE]` (`Some(VALUE)`, `1` when none is given) and `-U
    /// NAME` (`None`), applied in order before each translation unit.
    pub macros: Vec<(String, Option<String>)>,
}

/// Preprocesses file `file` of `sm` (already in the map). Returns the
/// expanded tokens, or every error found.
pub fn preprocess(sm: &mut SourceMap, file: u32) -> Result<Vec<Token>, Vec<Diag>> {
    preprocess_with(sm, file, &Options::default())
}

/// `preprocess` with the `-I` folders and `-D`/`-U` macros of `opts`.
pub fn preprocess_with(
    sm: &mut SourceMap,
    file: u32,
    opts: &Options,
) -> Result<Vec<Token>, Vec<Diag>> {
    let dir = Path::new(sm.name(file)).parent().map(Path::to_path_buf);
    let text = sm.files[file as usize].text.clone();
    let toks = lex::tokenize(&text, file).map_err(|d| vec![d])?;
    let mut pp = Preprocessor {
        sm,
        macros: HashMap::new(),
        stack: Vec::new(),
        conds: Vec::new(),
        out: Vec::new(),
        errors: Vec::new(),
        dirs: Vec::new(),
        once: HashSet::new(),
        pack: 0,
        pack_stack: Vec::new(),
        depth: 0,
        includes: 0,
        included_bytes: 0,
        work: 0,
        arg_nesting: 0,
        stopped: false,
        include_dirs: opts.include_dirs.clone(),
        line_map: HashMap::new(),
    };
    pp.set_dir(file, dir);
    pp.predefine();
    pp.command_line(&opts.macros);
    pp.stack.extend(toks.into_iter().rev());
    pp.run();
    pp.declare_builtins();
    for c in std::mem::take(&mut pp.conds) {
        pp.errors
            .push(Diag::new(c.loc, "unterminated conditional directive"));
    }
    if pp.errors.is_empty() {
        Ok(pp.out)
    } else {
        Err(pp.errors)
    }
}

/// The macros every translation unit starts with: the standard's (C11,
/// with the optional feature pivm lacks, complex types, declared absent; `__DATE__` and
/// `__TIME__` are the fixed date and time of the Unix epoch, so a source
/// compiles to the same module whenever it is compiled) and those of
/// gcc's that real code tests or uses, with gcc's values for LP64
/// (x86_64 Linux, whose C types pivm's are).
const PREDEFINED: &str = "\
#define __STDC__ 1
#define __STDC_VERSION__ 201112L
#define __STDC_HOSTED__ 1
#define __STDC_NO_COMPLEX__ 1
#define __ATOMIC_RELAXED 0
#define __ATOMIC_CONSUME 1
#define __ATOMIC_ACQUIRE 2
#define __ATOMIC_RELEASE 3
#define __ATOMIC_ACQ_REL 4
#define __ATOMIC_SEQ_CST 5
#define __GCC_ATOMIC_BOOL_LOCK_FREE 2
#define __GCC_ATOMIC_CHAR_LOCK_FREE 2
#define __GCC_ATOMIC_SHORT_LOCK_FREE 2
#define __GCC_ATOMIC_INT_LOCK_FREE 2
#define __GCC_ATOMIC_LONG_LOCK_FREE 2
#define __GCC_ATOMIC_LLONG_LOCK_FREE 2
#define __GCC_ATOMIC_POINTER_LOCK_FREE 2
#define __GCC_HAVE_SYNC_COMPARE_AND_SWAP_1 1
#define __GCC_HAVE_SYNC_COMPARE_AND_SWAP_2 1
#define __GCC_HAVE_SYNC_COMPARE_AND_SWAP_4 1
#define __GCC_HAVE_SYNC_COMPARE_AND_SWAP_8 1
#define __DATE__ \"Jan  1 1970\"
#define __TIME__ \"00:00:00\"
#define __pivm__ 1
#define __LP64__ 1
#define _LP64 1
#define __CHAR_BIT__ 8
#define __SIZEOF_POINTER__ 8
#define __SIZEOF_LONG__ 8
#define __SIZEOF_INT__ 4
#define __SIZEOF_SHORT__ 2
#define __SIZEOF_LONG_LONG__ 8
#define __SIZEOF_FLOAT__ 4
#define __SIZEOF_DOUBLE__ 8
#define __SIZEOF_SIZE_T__ 8
#define __SIZEOF_PTRDIFF_T__ 8
#define __SIZEOF_WCHAR_T__ 4
#define __SIZE_TYPE__ unsigned long
#define __PTRDIFF_TYPE__ long
#define __WCHAR_TYPE__ int
#define __WINT_TYPE__ unsigned int
#define __INTMAX_TYPE__ long
#define __UINTMAX_TYPE__ unsigned long
#define __INTPTR_TYPE__ long
#define __UINTPTR_TYPE__ unsigned long
#define __CHAR16_TYPE__ unsigned short
#define __CHAR32_TYPE__ unsigned int
#define __INT8_TYPE__ signed char
#define __INT16_TYPE__ short
#define __INT32_TYPE__ int
#define __INT64_TYPE__ long
#define __UINT8_TYPE__ unsigned char
#define __UINT16_TYPE__ unsigned short
#define __UINT32_TYPE__ unsigned int
#define __UINT64_TYPE__ unsigned long
#define __SCHAR_MAX__ 0x7f
#define __SHRT_MAX__ 0x7fff
#define __INT_MAX__ 0x7fffffff
#define __LONG_MAX__ 0x7fffffffffffffffL
#define __LONG_LONG_MAX__ 0x7fffffffffffffffLL
#define __WCHAR_MAX__ 0x7fffffff
#define __WCHAR_MIN__ (-__WCHAR_MAX__ - 1)
#define __SIZE_MAX__ 0xffffffffffffffffUL
#define __PTRDIFF_MAX__ 0x7fffffffffffffffL
#define __INTMAX_MAX__ 0x7fffffffffffffffL
#define __UINTMAX_MAX__ 0xffffffffffffffffUL
#define __INTPTR_MAX__ 0x7fffffffffffffffL
#define __UINTPTR_MAX__ 0xffffffffffffffffUL
#define __ORDER_LITTLE_ENDIAN__ 1234
#define __ORDER_BIG_ENDIAN__ 4321
#define __ORDER_PDP_ENDIAN__ 3412
#define __BYTE_ORDER__ __ORDER_LITTLE_ENDIAN__
#define __volatile__ volatile
#define __volatile volatile
#define __signed__ signed
#define __signed signed
#define __const__ const
#define __restrict__ restrict
#define __inline__ inline
#define __alignof__ _Alignof
#define __alignof _Alignof
#define __extension__
#define __typeof typeof
#define __builtin_expect(e, c) (e)
#define __builtin_exit exit
#define __builtin_trap() __builtin_abort()
#define __builtin_unreachable() __builtin_abort()
#define __builtin_offsetof(t, m) ((unsigned long)&(((t *)0)->m))
#define __builtin_huge_val() __pivm_huge_val
#define __builtin_inf() __pivm_huge_val
#define __builtin_inff() __pivm_inff
#define __builtin_nanf(s) __pivm_nanf
#define __builtin_nan(s) ((double)__pivm_nanf)
#define __builtin_add_overflow(a, b, r) __pivm_overflow(0, (unsigned long long)(a), (typeof(a))-1 < 0, (unsigned long long)(b), (typeof(b))-1 < 0, (r), sizeof(*(r)), (typeof(*(r)))-1 < 0)
#define __builtin_sub_overflow(a, b, r) __pivm_overflow(1, (unsigned long long)(a), (typeof(a))-1 < 0, (unsigned long long)(b), (typeof(b))-1 < 0, (r), sizeof(*(r)), (typeof(*(r)))-1 < 0)
#define __builtin_mul_overflow(a, b, r) __pivm_overflow(2, (unsigned long long)(a), (typeof(a))-1 < 0, (unsigned long long)(b), (typeof(b))-1 < 0, (r), sizeof(*(r)), (typeof(*(r)))-1 < 0)
#define __builtin_sadd_overflow(a, b, r) __builtin_add_overflow((int)(a), (int)(b), (r))
#define __builtin_saddl_overflow(a, b, r) __builtin_add_overflow((long)(a), (long)(b), (r))
#define __builtin_saddll_overflow(a, b, r) __builtin_add_overflow((long long)(a), (long long)(b), (r))
#define __builtin_uadd_overflow(a, b, r) __builtin_add_overflow((unsigned)(a), (unsigned)(b), (r))
#define __builtin_uaddl_overflow(a, b, r) __builtin_add_overflow((unsigned long)(a), (unsigned long)(b), (r))
#define __builtin_uaddll_overflow(a, b, r) __builtin_add_overflow((unsigned long long)(a), (unsigned long long)(b), (r))
#define __builtin_ssub_overflow(a, b, r) __builtin_sub_overflow((int)(a), (int)(b), (r))
#define __builtin_ssubl_overflow(a, b, r) __builtin_sub_overflow((long)(a), (long)(b), (r))
#define __builtin_ssubll_overflow(a, b, r) __builtin_sub_overflow((long long)(a), (long long)(b), (r))
#define __builtin_usub_overflow(a, b, r) __builtin_sub_overflow((unsigned)(a), (unsigned)(b), (r))
#define __builtin_usubl_overflow(a, b, r) __builtin_sub_overflow((unsigned long)(a), (unsigned long)(b), (r))
#define __builtin_usubll_overflow(a, b, r) __builtin_sub_overflow((unsigned long long)(a), (unsigned long long)(b), (r))
#define __builtin_smul_overflow(a, b, r) __builtin_mul_overflow((int)(a), (int)(b), (r))
#define __builtin_smull_overflow(a, b, r) __builtin_mul_overflow((long)(a), (long)(b), (r))
#define __builtin_smulll_overflow(a, b, r) __builtin_mul_overflow((long long)(a), (long long)(b), (r))
#define __builtin_umul_overflow(a, b, r) __builtin_mul_overflow((unsigned)(a), (unsigned)(b), (r))
#define __builtin_umull_overflow(a, b, r) __builtin_mul_overflow((unsigned long)(a), (unsigned long)(b), (r))
#define __builtin_umulll_overflow(a, b, r) __builtin_mul_overflow((unsigned long long)(a), (unsigned long long)(b), (r))
";

/// gcc's bit builtins (`__builtin_popcount`, `ctz`, `clz`, `ffs`,
/// `parity`, `clrsb`, each also with `l` and `ll`, and `bswap16/32/64`)
/// as C functions: put before a translation unit that names one of them
/// (`define_builtins`). Their names are the implementation's, so no
/// program defines them. At zero, `ctz` and `clz` give the width (gcc
/// leaves it undefined). The small leaf functions are inlined into their
/// callers like any other.
const BIT_BUILTINS: &str = "\
static int __builtin_popcount(unsigned int x) {
    x = x - ((x >> 1) & 0x55555555u);
    x = (x & 0x33333333u) + ((x >> 2) & 0x33333333u);
    x = (x + (x >> 4)) & 0x0f0f0f0fu;
    return (int)((x * 0x01010101u) >> 24);
}
static int __builtin_popcountll(unsigned long long x) {
    x = x - ((x >> 1) & 0x5555555555555555ull);
    x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
    return (int)((x * 0x0101010101010101ull) >> 56);
}
static int __builtin_popcountl(unsigned long x) { return __builtin_popcountll(x); }
static int __builtin_ctz(unsigned int x) { return __builtin_popcount((x & -x) - 1); }
static int __builtin_ctzll(unsigned long long x) { return __builtin_popcountll((x & -x) - 1); }
static int __builtin_ctzl(unsigned long x) { return __builtin_ctzll(x); }
static int __builtin_clz(unsigned int x) {
    x |= x >> 1; x |= x >> 2; x |= x >> 4; x |= x >> 8; x |= x >> 16;
    return 32 - __builtin_popcount(x);
}
static int __builtin_clzll(unsigned long long x) {
    x |= x >> 1; x |= x >> 2; x |= x >> 4; x |= x >> 8; x |= x >> 16; x |= x >> 32;
    return 64 - __builtin_popcountll(x);
}
static int __builtin_clzl(unsigned long x) { return __builtin_clzll(x); }
static int __builtin_ffs(int x) { return x ? __builtin_ctz((unsigned int)x) + 1 : 0; }
static int __builtin_ffsll(long long x) { return x ? __builtin_ctzll((unsigned long long)x) + 1 : 0; }
static int __builtin_ffsl(long x) { return __builtin_ffsll(x); }
static int __builtin_parity(unsigned int x) { return __builtin_popcount(x) & 1; }
static int __builtin_parityll(unsigned long long x) { return __builtin_popcountll(x) & 1; }
static int __builtin_parityl(unsigned long x) { return __builtin_parityll(x); }
static int __builtin_clrsb(int x) { return __builtin_clz((unsigned int)(x ^ (x >> 31))) - 1; }
static int __builtin_clrsbll(long long x) { return __builtin_clzll((unsigned long long)(x ^ (x >> 63))) - 1; }
static int __builtin_clrsbl(long x) { return __builtin_clrsbll(x); }
static unsigned short __builtin_bswap16(unsigned short x) { return (unsigned short)((x >> 8) | (x << 8)); }
static unsigned int __builtin_bswap32(unsigned int x) {
    return (x >> 24) | ((x >> 8) & 0xff00u) | ((x << 8) & 0xff0000u) | (x << 24);
}
static unsigned long long __builtin_bswap64(unsigned long long x) {
    return ((unsigned long long)__builtin_bswap32((unsigned int)x) << 32) | __builtin_bswap32((unsigned int)(x >> 32));
}
";

/// `__builtin_add_overflow`, `sub` and `mul` (macros of `PREDEFINED`,
/// whatever the integer types of the operands and the result): the exact
/// result as a sign and a 128-bit magnitude, stored wrapped to the
/// result's width; 1 if it does not fit the result's type.
const OVERFLOW_BUILTINS: &str = "\
static int __pivm_overflow(int op, unsigned long long a, int as, unsigned long long b, int bs,
                           void *r, unsigned long rsize, int rs) {
    int neg;
    unsigned long long hi, lo;
    if (op == 2) {
        int na = as && (long long)a < 0, nb = bs && (long long)b < 0;
        unsigned long long ma = na ? -a : a, mb = nb ? -b : b;
        unsigned long long a0 = ma & 0xffffffffull, a1 = ma >> 32;
        unsigned long long b0 = mb & 0xffffffffull, b1 = mb >> 32;
        unsigned long long p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
        unsigned long long mid = (p00 >> 32) + (p01 & 0xffffffffull) + (p10 & 0xffffffffull);
        lo = (p00 & 0xffffffffull) | (mid << 32);
        hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
        neg = na != nb && (hi | lo) != 0;
    } else {
        unsigned long long ah = as && (long long)a < 0 ? ~0ull : 0;
        unsigned long long bh = bs && (long long)b < 0 ? ~0ull : 0;
        if (op == 1) {
            b = ~b;
            bh = ~bh;
            b += 1;
            if (b == 0) bh += 1;
        }
        lo = a + b;
        hi = ah + bh + (lo < a);
        neg = (long long)hi < 0;
        if (neg) {
            lo = ~lo;
            hi = ~hi;
            lo += 1;
            if (lo == 0) hi += 1;
        }
    }
    unsigned long long v = neg ? -lo : lo;
    int bits = (int)rsize * 8;
    int ovf;
    if (hi != 0) {
        ovf = 1;
    } else if (rs) {
        unsigned long long lim = 1ull << (bits - 1);
        ovf = neg ? lo > lim : lo >= lim;
    } else {
        ovf = neg ? lo != 0 : bits < 64 && (lo >> bits) != 0;
    }
    switch (rsize) {
    case 1: *(unsigned char *)r = (unsigned char)v; break;
    case 2: *(unsigned short *)r = (unsigned short)v; break;
    case 4: *(unsigned int *)r = (unsigned int)v; break;
    default: *(unsigned long long *)r = v; break;
    }
    return ovf;
}
";

/// gcc's `__builtin_` names of library functions, which a program may
/// call without including a header: each is renamed to its function and
/// the declaration is put before the translation unit (`declare_builtins`),
/// once, if the unit uses it. (`__builtin_exit` is a macro instead: it is
/// <stdlib.h>'s `exit`, a macro that runs the `atexit` handlers.)
const LIBRARY_BUILTINS: &[(&str, &str)] = &[
    ("abort", "void abort(void);"),
    ("malloc", "void *malloc(unsigned long);"),
    ("alloca", "void *alloca(unsigned long);"),
    ("calloc", "void *calloc(unsigned long, unsigned long);"),
    ("realloc", "void *realloc(void *, unsigned long);"),
    ("free", "void free(void *);"),
    (
        "memcpy",
        "void *memcpy(void *, const void *, unsigned long);",
    ),
    (
        "memmove",
        "void *memmove(void *, const void *, unsigned long);",
    ),
    ("memset", "void *memset(void *, int, unsigned long);"),
    (
        "memcmp",
        "int memcmp(const void *, const void *, unsigned long);",
    ),
    ("strlen", "unsigned long strlen(const char *);"),
    ("strcmp", "int strcmp(const char *, const char *);"),
    (
        "strncmp",
        "int strncmp(const char *, const char *, unsigned long);",
    ),
    ("strcpy", "char *strcpy(char *, const char *);"),
    (
        "strncpy",
        "char *strncpy(char *, const char *, unsigned long);",
    ),
    ("strcat", "char *strcat(char *, const char *);"),
    (
        "strncat",
        "char *strncat(char *, const char *, unsigned long);",
    ),
    ("strchr", "char *strchr(const char *, int);"),
    ("strrchr", "char *strrchr(const char *, int);"),
    ("strstr", "char *strstr(const char *, const char *);"),
    ("printf", "int printf(const char *, ...);"),
    ("sprintf", "int sprintf(char *, const char *, ...);"),
    (
        "snprintf",
        "int snprintf(char *, unsigned long, const char *, ...);",
    ),
    ("puts", "int puts(const char *);"),
    ("putchar", "int putchar(int);"),
    ("abs", "int abs(int);"),
    ("labs", "long labs(long);"),
    ("llabs", "long long llabs(long long);"),
    ("fabs", "double fabs(double);"),
    ("sqrt", "double sqrt(double);"),
    ("floor", "double floor(double);"),
    ("ceil", "double ceil(double);"),
    ("fmod", "double fmod(double, double);"),
    ("pow", "double pow(double, double);"),
    ("exp", "double exp(double);"),
    ("log", "double log(double);"),
    ("sin", "double sin(double);"),
    ("cos", "double cos(double);"),
    ("copysign", "double copysign(double, double);"),
];

fn tok(kind: TokKind, text: &str, loc: Loc) -> Token {
    Token {
        kind,
        text: Rc::from(text),
        loc,
        bol: false,
        space: true,
        hide: Rc::new(Vec::new()),
        expanded: true,
    }
}

impl Preprocessor<'_> {
    fn set_dir(&mut self, file: u32, dir: Option<PathBuf>) {
        let i = file as usize;
        if self.dirs.len() <= i {
            self.dirs.resize(i + 1, None);
        }
        self.dirs[i] = dir;
    }

    fn predefine(&mut self) {
        let f = self.sm.add("<built-in>", PREDEFINED.to_string());
        let defs = PREDEFINED;
        if let Ok(toks) = lex::tokenize(defs, f) {
            self.stack.extend(toks.into_iter().rev());
            self.run();
        }
    }

    /// The `-D` and `-U` options, as `#define NAME VALUE` and `#undef NAME`
    /// lines of a `<command-line>` file.
    fn command_line(&mut self, macros: &[(String, Option<String>)]) {
        use std::fmt::Write;
        if macros.is_empty() {
            return;
        }
        let mut text = String::new();
        for (name, value) in macros {
            let _ = match value {
                Some(v) => writeln!(text, "#define {name} {v}"),
                None => writeln!(text, "#undef {name}"),
            };
        }
        let f = self.sm.add("<command-line>", text);
        match lex::tokenize(&self.sm.files[f as usize].text, f) {
            Ok(toks) => {
                self.stack.extend(toks.into_iter().rev());
                self.run();
            }
            Err(d) => self.errors.push(d),
        }
    }

    /// Renames each `__builtin_NAME` of `LIBRARY_BUILTINS` in the output
    /// to `NAME`, and puts the declarations of those used first, and the
    /// definitions of `BIT_BUILTINS` and `OVERFLOW_BUILTINS` if the unit
    /// uses one of them.
    fn declare_builtins(&mut self) {
        let mut used = Vec::new();
        let (mut bits, mut overflow) = (false, false);
        for t in self.out.iter_mut().filter(|t| t.kind == TokKind::Ident) {
            if &*t.text == "__pivm_overflow" {
                overflow = true;
                continue;
            }
            let Some(name) = t.text.strip_prefix("__builtin_") else {
                continue;
            };
            if ["popcount", "ctz", "clz", "ffs", "parity", "clrsb", "bswap"]
                .iter()
                .any(|b| name.starts_with(b))
            {
                bits = true;
                continue;
            }
            if let Some(i) = LIBRARY_BUILTINS.iter().position(|(n, _)| *n == name) {
                t.text = Rc::from(name);
                if !used.contains(&i) {
                    used.push(i);
                }
            }
        }
        if used.is_empty() && !bits && !overflow {
            return;
        }
        used.sort_unstable();
        let mut decls: Vec<&str> = used.iter().map(|&i| LIBRARY_BUILTINS[i].1).collect();
        if bits {
            decls.push(BIT_BUILTINS);
        }
        if overflow {
            decls.push(OVERFLOW_BUILTINS);
        }
        let text = decls.join("\n");
        let f = self.sm.add("<built-in>", text);
        match lex::tokenize(&self.sm.files[f as usize].text, f) {
            Ok(toks) => {
                self.out.splice(0..0, toks);
            }
            Err(d) => self.errors.push(d),
        }
    }

    fn err(&mut self, loc: Loc, msg: impl Into<String>) {
        let loc = self.map_loc(loc);
        self.errors.push(Diag::new(loc, msg));
    }

    /// The presumed location of physical location `loc`: as the last
    /// `#line` of its file says.
    fn map_loc(&self, loc: Loc) -> Loc {
        match self.line_map.get(&loc.file) {
            Some(m) => Loc {
                file: m.file,
                line: (loc.line as i64 + m.delta).clamp(1, u32::MAX as i64) as u32,
                col: loc.col,
            },
            None => loc,
        }
    }

    /// Reports a limit reached at `loc` and drops the rest of the input.
    fn stop(&mut self, loc: Loc, msg: impl Into<String>) {
        if !self.stopped {
            self.err(loc, msg);
            self.stopped = true;
        }
        self.stack.clear();
    }

    /// Charges `n` units of macro-expansion work to the expansion at
    /// `loc`; `false` (and the preprocessor stopped) past `MAX_EXPANSION`.
    fn charge(&mut self, n: usize, loc: Loc) -> bool {
        self.work = self.work.saturating_add(n as u64);
        if self.work > MAX_EXPANSION && !self.stopped {
            self.stop(
                loc,
                format!(
                    "macro expansion is too large: more than {MAX_EXPANSION} tokens \
                     (does a macro expand to several copies of another?)"
                ),
            );
        }
        !self.stopped
    }

    fn is_eof_mark(t: &Token) -> bool {
        t.kind == TokKind::Punct && &*t.text == EOF_MARK
    }

    fn run(&mut self) {
        while let Some(t) = self.stack.pop() {
            if self.stopped {
                break;
            }
            if Self::is_eof_mark(&t) {
                self.depth = self.depth.saturating_sub(1);
                continue;
            }
            if t.is("#") && t.bol && !t.expanded {
                self.directive(t);
                continue;
            }
            if self.try_expand(&t) {
                continue;
            }
            match t.kind {
                TokKind::BadStr => self.err(t.loc, "unterminated string literal"),
                TokKind::BadChar => self.err(t.loc, "unterminated character constant"),
                _ if lex::is_stray(&t) => {
                    self.err(t.loc, format!("stray '{}' in program", t.text));
                }
                _ => {
                    let mut t = t;
                    t.loc = self.map_loc(t.loc);
                    self.out.push(t);
                }
            }
        }
    }

    /// The rest of the current line's tokens.
    fn line_tokens(&mut self) -> Vec<Token> {
        let mut v = Vec::new();
        while let Some(t) = self.stack.last() {
            if t.bol || Self::is_eof_mark(t) {
                break;
            }
            v.extend(self.stack.pop());
        }
        v
    }

    fn directive(&mut self, hash: Token) {
        let Some(name) = self.stack.last().filter(|t| !t.bol).cloned() else {
            return; // the null directive
        };
        self.stack.pop();
        let line = self.line_tokens();
        match &*name.text {
            "include" => self.include(&name, line),
            "define" => self.define(&name, line),
            "undef" => match line.first() {
                Some(t) if t.kind == TokKind::Ident => {
                    self.macros.remove(&t.text);
                }
                _ => self.err(name.loc, "expected a macro name after #undef"),
            },
            "if" => {
                let v = self.eval_if(&name, line);
                self.push_cond(name.loc, v);
            }
            "ifdef" | "ifndef" => {
                let v = match line.first() {
                    Some(t) if t.kind == TokKind::Ident => self.macros.contains_key(&t.text),
                    _ => {
                        self.err(
                            name.loc,
                            format!("expected a macro name after #{}", name.text),
                        );
                        false
                    }
                };
                self.push_cond(name.loc, v == (&*name.text == "ifdef"));
            }
            "elif" => {
                let Some(c) = self.conds.last_mut() else {
                    return self.err(name.loc, "#elif without #if");
                };
                if c.ctx == CondCtx::Else {
                    return self.err(name.loc, "#elif after #else");
                }
                c.ctx = CondCtx::Elif;
                if c.included {
                    self.skip_cond();
                } else if self.eval_if(&name, line) {
                    if let Some(c) = self.conds.last_mut() {
                        c.included = true;
                    }
                } else {
                    self.skip_cond();
                }
            }
            "else" => {
                let Some(c) = self.conds.last_mut() else {
                    return self.err(name.loc, "#else without #if");
                };
                if c.ctx == CondCtx::Else {
                    return self.err(name.loc, "#else after #else");
                }
                c.ctx = CondCtx::Else;
                if c.included {
                    self.skip_cond();
                } else {
                    c.included = true;
                }
            }
            "endif" => {
                if self.conds.pop().is_none() {
                    self.err(name.loc, "#endif without #if");
                }
            }
            "error" => {
                let msg: Vec<&str> = line.iter().map(|t| &*t.text).collect();
                self.err(hash.loc, format!("#error {}", msg.join(" ")));
            }
            "pragma" => self.pragma(&line, name.loc.file),
            "line" => self.line_directive(&name, line),
            "warning" | "ident" => {}
            _ => {
                if name.kind == TokKind::Num {
                    // `# 12 "file" flags`, gcc's line markers.
                    let mut line = line;
                    line.insert(0, name.clone());
                    line.truncate(2);
                    return self.line_directive(&name, line);
                }
                self.err(name.loc, format!("unknown directive '#{}'", name.text));
            }
        }
    }

    /// `#pragma` (and `_Pragma`): `once`; `pack` (`pragma_pack`); every
    /// other pragma is ignored.
    fn pragma(&mut self, line: &[Token], file: u32) {
        match line.first() {
            Some(t) if t.is("once") => {
                let f = self.sm.name(file).to_string();
                self.once.insert(f);
            }
            Some(t) if t.is("pack") => {
                let loc = t.loc;
                if let Err((at, msg)) = self.pragma_pack(&line[1..]) {
                    self.err(at.unwrap_or(loc), msg);
                    return;
                }
                // The parser lays out the structs after this point with
                // the new cap: `__pivm_pack ( N ) ;` where a declaration
                // could be.
                let loc = self.map_loc(loc);
                let n = self.pack.to_string();
                for (kind, text) in [
                    (TokKind::Ident, "__pivm_pack"),
                    (TokKind::Punct, "("),
                    (TokKind::Num, n.as_str()),
                    (TokKind::Punct, ")"),
                    (TokKind::Punct, ";"),
                ] {
                    self.out.push(tok(kind, text, loc));
                }
            }
            _ => {}
        }
    }

    // pragma-pack = "pack" "(" [ ["push" | "pop"] [","] [N] | "show" ] ")"
    /// gcc's `#pragma pack`: `pack(N)` caps the alignment of the members
    /// of the structs after it at N (1, 2, 4, 8 or 16), `pack()` lifts
    /// the cap, `pack(push)` and `pack(push, N)` save the cap first,
    /// `pack(pop)` restores the last saved one; `show` prints nothing.
    /// Identifiers in push and pop are refused.
    fn pragma_pack(&mut self, args: &[Token]) -> Result<(), (Option<Loc>, String)> {
        let bad = |t: Option<&Token>, what: &str| {
            (t.map(|t| t.loc), format!("malformed #pragma pack: {what}"))
        };
        let mut it = args.iter().peekable();
        if !it.next().is_some_and(|t| t.is("(")) {
            return Err(bad(args.first(), "expected '('"));
        }
        let mut action = None;
        if let Some(t) = it.peek() {
            if t.is("push") || t.is("pop") || t.is("show") {
                action = Some(t.text.clone());
                it.next();
                if it.peek().is_some_and(|t| t.is(",")) {
                    it.next();
                }
            }
        }
        let mut value = None;
        if let Some(t) = it.peek().copied() {
            if t.kind == TokKind::Num {
                it.next();
                match crate::parse::literals::parse_int_literal(&t.text) {
                    Some((v, _)) if matches!(v, 1 | 2 | 4 | 8 | 16) => value = Some(v),
                    _ => {
                        let msg = format!(
                            "#pragma pack({}): the alignment must be 1, 2, 4, 8 or 16",
                            t.text
                        );
                        return Err((Some(t.loc), msg));
                    }
                }
            } else if t.kind == TokKind::Ident {
                let msg = format!(
                    "unsupported: #pragma pack with an identifier ('{}')",
                    t.text
                );
                return Err((Some(t.loc), msg));
            }
        }
        match it.next() {
            Some(t) if t.is(")") => {}
            t => return Err(bad(t.or(args.last()), "expected ')'")),
        }
        if let Some(t) = it.next() {
            return Err(bad(Some(t), "unexpected tokens after ')'"));
        }
        match action.as_deref() {
            Some("push") => {
                self.pack_stack.push(self.pack);
                if let Some(v) = value {
                    self.pack = v;
                }
            }
            Some("pop") => {
                self.pack = self.pack_stack.pop().unwrap_or(0);
                if let Some(v) = value {
                    self.pack = v;
                }
            }
            Some(_) => {}
            None => self.pack = value.unwrap_or(0),
        }
        Ok(())
    }

    // line-directive = "#" "line" digit-sequence string-literal?
    //                  (after macro expansion)
    /// Numbers the next source line `N` and, with a string, renames the
    /// file: `__LINE__`, `__FILE__` and diagnostics follow.
    fn line_directive(&mut self, d: &Token, line: Vec<Token>) {
        let next_line = line.last().map_or(d.loc.line, |t| t.loc.line) as i64 + 1;
        let line = self.expand_list(line);
        let n = match line.first() {
            Some(t) if t.kind == TokKind::Num && t.text.bytes().all(|c| c.is_ascii_digit()) => {
                match t.text.parse::<u32>() {
                    Ok(n) if n <= i32::MAX as u32 => n,
                    _ => return self.err(t.loc, "line number out of range in #line"),
                }
            }
            Some(t) => {
                let msg = format!("'{}' after #line is not a positive integer", t.text);
                return self.err(t.loc, msg);
            }
            None => return self.err(d.loc, "expected a line number after #line"),
        };
        let file = match line.get(1) {
            None => None,
            Some(t) if t.kind == TokKind::Str && t.text.starts_with('"') => {
                match crate::parse::literals::literal_units(&t.text[1..t.text.len() - 1], 8) {
                    Ok(units) => Some(
                        String::from_utf8_lossy(&crate::parse::literals::units_to_bytes(&units, 8))
                            .into_owned(),
                    ),
                    Err(e) => return self.err(t.loc, e),
                }
            }
            Some(t) => {
                let msg = format!("invalid filename '{}' in #line", t.text);
                return self.err(t.loc, msg);
            }
        };
        if let Some(t) = line.get(2) {
            let msg = format!("extra tokens at end of #line directive: '{}'", t.text);
            return self.err(t.loc, msg);
        }
        let physical = d.loc.file;
        let name = file.unwrap_or_else(|| {
            let current = self.map_loc(d.loc).file;
            self.sm.name(current).to_string()
        });
        let delta = n as i64 - next_line;
        let f = self.sm.add(&name, String::new());
        let quote = self.sm.files[physical as usize].quote;
        let entry = &mut self.sm.files[f as usize];
        entry.quote = quote;
        entry.lines_of = Some((physical, delta));
        self.line_map.insert(physical, LineMap { file: f, delta });
    }

    // pragma-operator = "_Pragma" "(" string-literal ")"
    /// `_Pragma("...")`: the string destringized and done as `#pragma`.
    fn pragma_operator(&mut self, t: &Token) {
        let open = self.stack.pop_if(|n| n.is("("));
        let s = open.and_then(|_| self.stack.pop_if(|n| n.kind == TokKind::Str));
        let close = s.as_ref().and_then(|_| self.stack.pop_if(|n| n.is(")")));
        let (Some(s), Some(_)) = (s, close) else {
            return self.err(t.loc, "_Pragma takes a parenthesized string literal");
        };
        let body = s.text.trim_start_matches(['L', 'u', 'U', '8']);
        let body = body[1..body.len() - 1]
            .replace("\\\"", "\"")
            .replace("\\\\", "\\");
        match lex::tokenize_at(&body, t.loc.file, t.loc.line, t.loc.col) {
            Ok(toks) => self.pragma(&toks, t.loc.file),
            Err(d) => self.errors.push(d),
        }
    }

    fn push_cond(&mut self, loc: Loc, included: bool) {
        self.conds.push(Cond {
            ctx: CondCtx::Then,
            included,
            loc,
        });
        if !included {
            self.skip_cond();
        }
    }

    /// Skips a failed conditional group, up to (not including) the `#elif`,
    /// `#else` or `#endif` that ends it.
    fn skip_cond(&mut self) {
        let mut depth = 0usize;
        while let Some(t) = self.stack.pop() {
            if Self::is_eof_mark(&t) {
                self.stack.push(t);
                return;
            }
            if !(t.is("#") && t.bol) {
                continue;
            }
            let Some(next) = self.stack.last().filter(|n| !n.bol) else {
                continue;
            };
            match &*next.text {
                "if" | "ifdef" | "ifndef" => depth += 1,
                "endif" if depth > 0 => depth -= 1,
                "endif" => {
                    self.stack.push(t);
                    return;
                }
                "elif" | "else" if depth == 0 => {
                    self.stack.push(t);
                    return;
                }
                _ => {}
            }
        }
    }

    fn include(&mut self, name: &Token, line: Vec<Token>) {
        // `#include MACRO`: the line after expansion.
        let direct = line
            .first()
            .is_some_and(|t| t.kind == TokKind::Str || t.is("<"));
        let line = if direct { line } else { self.expand_list(line) };
        let (path, quoted) = match line.first() {
            Some(t) if t.kind == TokKind::Str && t.text.starts_with('"') => {
                let body = &t.text[1..t.text.len() - 1];
                (body.to_string(), true)
            }
            Some(t) if t.is("<") => {
                let mut s = String::new();
                let mut closed = false;
                for t in &line[1..] {
                    if t.is(">") {
                        closed = true;
                        break;
                    }
                    if t.space && !s.is_empty() {
                        s.push(' ');
                    }
                    s.push_str(&t.text);
                }
                if !closed {
                    return self.err(t.loc, "expected '>' to end the header name");
                }
                (s, false)
            }
            _ => {
                return self.err(
                    name.loc,
                    "expected \"FILENAME\" or <FILENAME> after #include",
                )
            }
        };
        if self.depth >= MAX_INCLUDE_DEPTH {
            return self.err(name.loc, "#include nested too deeply");
        }
        // Where to look: the including file's folder (for "..."), then
        // the -I folders; the embedded headers last.
        let mut found: Option<(String, String, Option<PathBuf>)> = None;
        let own = self.dirs.get(name.loc.file as usize).cloned().flatten();
        let own = quoted.then(|| own.unwrap_or_default());
        for dir in own.iter().chain(&self.include_dirs) {
            let full = if dir.as_os_str().is_empty() {
                PathBuf::from(&path)
            } else {
                dir.join(&path)
            };
            match read_include(&full) {
                Ok(text) => {
                    let shown = full.display().to_string();
                    found = Some((shown, text, full.parent().map(Path::to_path_buf)));
                    break;
                }
                Err(Unusable::Missing) => {}
                Err(Unusable::Refused(why)) => {
                    let msg = format!("cannot include '{}': {why}", path.escape_debug());
                    return self.err(line[0].loc, msg);
                }
            }
        }
        if found.is_none() {
            if let Some(text) = headers::get(&path) {
                found = Some((path.clone(), text.to_string(), None));
            }
        }
        let Some((shown, text, dir)) = found else {
            let absent = headers::ABSENT.iter().find(|(h, _)| *h == path);
            let what = if let Some((h, what)) = absent {
                format!("unsupported: <{h}>: pivm does not provide {what}")
            } else if quoted {
                format!("cannot open include file '{path}'")
            } else {
                format!(
                    "'{path}' is not a header pivm provides (it has {})",
                    headers::NAMES.join(", ")
                )
            };
            return self.err(line[0].loc, what);
        };
        if self.once.contains(&shown) {
            return;
        }
        self.includes += 1;
        self.included_bytes += text.len() as u64;
        if self.includes > MAX_INCLUDES || self.included_bytes > MAX_INCLUDED_BYTES {
            return self.stop(
                line[0].loc,
                format!(
                    "too many includes: more than {MAX_INCLUDES} files or {} MiB in all \
                     (is a header included over and over?)",
                    MAX_INCLUDED_BYTES >> 20
                ),
            );
        }
        let f = self.sm.add(&shown, text);
        // A local file is quoted in errors only if its name says C source;
        // the embedded headers (no folder) are pivm's own.
        let c_name = [".h", ".c"]
            .iter()
            .any(|x| shown.to_ascii_lowercase().ends_with(x));
        self.sm.files[f as usize].quote = dir.is_none() || c_name;
        self.sm.files[f as usize].system = dir.is_none();
        self.set_dir(f, dir);
        let text = &self.sm.files[f as usize].text;
        match lex::tokenize(text, f) {
            Ok(toks) => {
                self.depth += 1;
                let mut mark = tok(TokKind::Punct, EOF_MARK, name.loc);
                mark.bol = true;
                self.stack.push(mark);
                self.stack.extend(toks.into_iter().rev());
            }
            Err(d) => {
                // Not C source: report where, but never quote it.
                self.sm.files[f as usize].quote = false;
                self.errors.push(d);
            }
        }
    }

    fn define(&mut self, d: &Token, line: Vec<Token>) {
        let Some(name) = line.first() else {
            return self.err(d.loc, "expected a macro name after #define");
        };
        if name.kind != TokKind::Ident {
            return self.err(name.loc, "macro name must be an identifier");
        }
        let mut i = 1;
        let mut params = None;
        let mut variadic = false;
        if line.get(1).is_some_and(|t| t.is("(") && !t.space) {
            let mut ps: Vec<Rc<str>> = Vec::new();
            i = 2;
            loop {
                let Some(t) = line.get(i) else {
                    return self.err(name.loc, "missing ')' in macro parameter list");
                };
                if t.is(")") && ps.is_empty() {
                    i += 1;
                    break;
                }
                if t.is("...") {
                    variadic = true;
                    ps.push(Rc::from("__VA_ARGS__"));
                    if !line.get(i + 1).is_some_and(|t| t.is(")")) {
                        return self.err(t.loc, "expected ')' after '...'");
                    }
                    i += 2;
                    break;
                }
                if t.kind != TokKind::Ident {
                    return self.err(t.loc, "expected a parameter name");
                }
                ps.push(t.text.clone());
                i += 1;
                // GNU's named variable arguments: `args...` is what
                // `__VA_ARGS__` is for `...`.
                if line.get(i).is_some_and(|t| t.is("...")) {
                    variadic = true;
                    if !line.get(i + 1).is_some_and(|t| t.is(")")) {
                        return self.err(line[i].loc, "expected ')' after '...'");
                    }
                    i += 2;
                    break;
                }
                match line.get(i) {
                    Some(t) if t.is(",") => i += 1,
                    Some(t) if t.is(")") => {
                        i += 1;
                        break;
                    }
                    _ => return self.err(t.loc, "expected ',' or ')' in macro parameter list"),
                }
            }
            params = Some(ps);
        }
        let body = line[i.min(line.len())..].to_vec();
        self.macros.insert(
            name.text.clone(),
            Macro {
                params,
                variadic,
                body,
            },
        );
    }

    /// Expands the macro `t` names, if any, pushing the expansion back on
    /// the input. Returns whether it did.
    fn try_expand(&mut self, t: &Token) -> bool {
        if self.stopped {
            return true;
        }
        if t.kind != TokKind::Ident || t.hide.contains(&t.text) {
            return false;
        }
        match &*t.text {
            "_Pragma" => {
                self.pragma_operator(t);
                return true;
            }
            "__LINE__" => {
                let line = self.map_loc(t.loc).line;
                let mut n = tok(TokKind::Num, &line.to_string(), t.loc);
                n.space = t.space;
                self.stack.push(n);
                return true;
            }
            "__FILE__" => {
                let name = self
                    .sm
                    .name(self.map_loc(t.loc).file)
                    .replace('\\', "\\\\")
                    .replace('"', "\\\"");
                let mut n = tok(TokKind::Str, &format!("\"{name}\""), t.loc);
                n.space = t.space;
                self.stack.push(n);
                return true;
            }
            _ => {}
        }
        let Some(m) = self.macros.get(&t.text).cloned() else {
            return false;
        };
        let Some(params) = &m.params else {
            if !self.charge(m.body.len() * (2 + t.hide.len()), t.loc) {
                return true;
            }
            let mut hide = (*t.hide).clone();
            hide.push(t.text.clone());
            let hide = Rc::new(hide);
            let body = m.body.iter().enumerate().map(|(i, b)| Token {
                loc: t.loc,
                hide: hide.clone(),
                expanded: true,
                bol: false,
                space: if i == 0 { t.space } else { b.space },
                ..b.clone()
            });
            let mut body: Vec<Token> = body.collect();
            if body.iter().any(|b| b.is("##")) {
                match self.paste_object(body, t.loc) {
                    Some(b) => body = b,
                    None => return true,
                }
            }
            self.stack.extend(body.into_iter().rev());
            return true;
        };
        if !self.stack.last().is_some_and(|n| n.is("(")) {
            return false;
        }
        self.stack.pop();
        // Collect the arguments.
        let mut args: Vec<Vec<Token>> = vec![Vec::new()];
        let mut level = 0usize;
        let rparen = loop {
            let Some(a) = self.stack.pop() else {
                self.err(t.loc, format!("unterminated call of macro '{}'", t.text));
                return true;
            };
            if Self::is_eof_mark(&a) {
                self.stack.push(a);
                self.err(t.loc, format!("unterminated call of macro '{}'", t.text));
                return true;
            }
            if a.is(")") && level == 0 {
                break a;
            }
            if a.is("(") {
                level += 1;
            } else if a.is(")") {
                level -= 1;
            }
            if a.is(",") && level == 0 && !(m.variadic && args.len() >= params.len()) {
                args.push(Vec::new());
                continue;
            }
            if let Some(last) = args.last_mut() {
                last.push(a);
            }
        };
        let collected: usize = args.iter().map(Vec::len).sum();
        if !self.charge(collected, t.loc) {
            return true;
        }
        if params.is_empty() && args.len() == 1 && args[0].is_empty() {
            args.clear();
        }
        if m.variadic && args.len() + 1 == params.len() {
            args.push(Vec::new());
        }
        if args.len() != params.len() {
            self.err(
                t.loc,
                format!(
                    "macro '{}' takes {} argument{}, but {} given",
                    t.text,
                    params.len(),
                    if params.len() == 1 { "" } else { "s" },
                    args.len()
                ),
            );
            return true;
        }
        let mut hide: Vec<Rc<str>> = t
            .hide
            .iter()
            .filter(|h| rparen.hide.contains(h))
            .cloned()
            .collect();
        hide.push(t.text.clone());
        let hide = Rc::new(hide);
        let param_ix = |tk: &Token| -> Option<usize> {
            if tk.kind != TokKind::Ident {
                return None;
            }
            params.iter().position(|p| *p == tk.text)
        };
        // The variable arguments (the last parameter of a variadic macro).
        let va = m.variadic.then(|| params.len() - 1);
        let va_empty = va.is_some_and(|v| args[v].is_empty());
        let resolved;
        let body = if va.is_some() && m.body.iter().any(|b| b.is("__VA_OPT__")) {
            resolved = match self.va_opt(&m.body, va_empty) {
                Some(b) => b,
                None => return true,
            };
            &resolved
        } else {
            &m.body
        };
        let mut out: Vec<Token> = Vec::new();
        // The left operand of a `##` expanded to nothing (a placemarker).
        let mut lhs_empty = false;
        let mut i = 0;
        while i < body.len() {
            let b = &body[i];
            // # param
            if b.is("#") {
                if let Some(p) = body.get(i + 1).and_then(param_ix) {
                    let mut s = stringize(&args[p], b.loc);
                    s.space = b.space;
                    out.push(s);
                    lhs_empty = false;
                    i += 2;
                    continue;
                }
                self.err(b.loc, "'#' is not followed by a macro parameter");
                return true;
            }
            // x ## y
            if b.is("##") {
                let Some(next) = body.get(i + 1).filter(|_| i > 0) else {
                    self.err(b.loc, "'##' cannot appear at either end of a macro");
                    return true;
                };
                let rhs: Vec<Token> = match param_ix(next) {
                    Some(p) => args[p].clone(),
                    None => vec![next.clone()],
                };
                i += 2;
                // GNU's `, ## __VA_ARGS__`: the comma goes when the
                // variable arguments are empty, else stays, unpasted.
                if va.is_some() && param_ix(next) == va && !lhs_empty {
                    if let Some(comma) = out.pop_if(|l| l.is(",")) {
                        if !rhs.is_empty() {
                            out.push(comma);
                            out.extend(rhs);
                        }
                        continue;
                    }
                }
                let Some((first, rest)) = rhs.split_first() else {
                    continue;
                };
                match out.pop().filter(|_| !lhs_empty) {
                    Some(l) => match self.paste(&l, first) {
                        Some(p) => out.push(p),
                        None => return true,
                    },
                    None => out.push(first.clone()),
                }
                out.extend(rest.iter().cloned());
                lhs_empty = false;
                continue;
            }
            if let Some(p) = param_ix(b) {
                if !self.charge(args[p].len(), b.loc) {
                    return true;
                }
                if body.get(i + 1).is_some_and(|n| n.is("##")) {
                    out.extend(args[p].iter().cloned());
                    lhs_empty = args[p].is_empty();
                } else {
                    if self.arg_nesting >= MAX_ARG_NESTING {
                        self.stop(
                            t.loc,
                            format!(
                                "macro calls nested deeper than {MAX_ARG_NESTING} in arguments"
                            ),
                        );
                        return true;
                    }
                    self.arg_nesting += 1;
                    let mut exp = self.expand_list(args[p].clone());
                    self.arg_nesting -= 1;
                    if let Some(f) = exp.first_mut() {
                        f.space = b.space;
                    }
                    out.extend(exp);
                    lhs_empty = false;
                }
                i += 1;
                continue;
            }
            out.push(b.clone());
            lhs_empty = false;
            i += 1;
        }
        let n = out.len();
        let weight: usize = out.iter().map(|o| 2 + o.hide.len() + hide.len()).sum();
        if !self.charge(weight, t.loc) {
            return true;
        }
        // Tokens of one expansion share their hide set: unite it once.
        let mut last: Option<(HideSet, HideSet)> = None;
        let out: Vec<Token> = out
            .into_iter()
            .enumerate()
            .map(|(i, mut o)| {
                o.hide = match &last {
                    Some((from, to)) if Rc::ptr_eq(from, &o.hide) => to.clone(),
                    _ => {
                        let to = union(&o.hide, &hide);
                        last = Some((o.hide.clone(), to.clone()));
                        to
                    }
                };
                o.loc = t.loc;
                o.expanded = true;
                o.bol = false;
                if i == 0 {
                    o.space = t.space;
                }
                o
            })
            .collect();
        debug_assert_eq!(out.len(), n);
        self.stack.extend(out.into_iter().rev());
        true
    }

    /// A variadic macro's replacement list with each `__VA_OPT__(...)`
    /// replaced by what it holds when the variable arguments are not
    /// empty, by nothing when they are (C23 6.10.5.2).
    fn va_opt(&mut self, body: &[Token], empty: bool) -> Option<Vec<Token>> {
        let mut out = Vec::with_capacity(body.len());
        let mut i = 0;
        while i < body.len() {
            let b = &body[i];
            if !b.is("__VA_OPT__") {
                out.push(b.clone());
                i += 1;
                continue;
            }
            if !body.get(i + 1).is_some_and(|n| n.is("(")) {
                self.err(b.loc, "'__VA_OPT__' must be followed by '('");
                return None;
            }
            let mut level = 0usize;
            let mut j = i + 1;
            let end = loop {
                let Some(n) = body.get(j) else {
                    self.err(b.loc, "unterminated '__VA_OPT__'");
                    return None;
                };
                if n.is("(") {
                    level += 1;
                } else if n.is(")") {
                    level -= 1;
                    if level == 0 {
                        break j;
                    }
                } else if n.is("__VA_OPT__") {
                    self.err(n.loc, "'__VA_OPT__' may not appear inside '__VA_OPT__'");
                    return None;
                }
                j += 1;
            };
            if !empty {
                let inner = &body[i + 2..end];
                out.extend(inner.iter().enumerate().map(|(k, t)| Token {
                    space: if k == 0 { b.space } else { t.space },
                    ..t.clone()
                }));
            }
            i = end + 1;
        }
        Some(out)
    }

    /// The `##` operators of an object-like macro's replacement list
    /// done (C11 6.10.3.3: `#define hash_hash # ## #` is one `##` token,
    /// which is no operator any more).
    fn paste_object(&mut self, body: Vec<Token>, loc: Loc) -> Option<Vec<Token>> {
        let mut out: Vec<Token> = Vec::with_capacity(body.len());
        let mut it = body.into_iter();
        while let Some(b) = it.next() {
            if !b.is("##") {
                out.push(b);
                continue;
            }
            let (Some(l), Some(r)) = (out.pop(), it.next()) else {
                self.err(loc, "'##' cannot appear at either end of a macro");
                return None;
            };
            let mut p = self.paste(&l, &r)?;
            p.expanded = true;
            out.push(p);
        }
        Some(out)
    }

    fn paste(&mut self, l: &Token, r: &Token) -> Option<Token> {
        let s = format!("{}{}", l.text, r.text);
        match lex::tokenize_at(&s, l.loc.file, l.loc.line, l.loc.col) {
            Ok(v) if v.len() == 1 => {
                let mut t = v.into_iter().next()?;
                t.space = l.space;
                t.hide = l.hide.clone();
                Some(t)
            }
            _ => {
                self.err(
                    l.loc,
                    format!(
                        "pasting '{}' and '{}' does not give a valid token",
                        l.text, r.text
                    ),
                );
                None
            }
        }
    }

    /// Fully macro-expands a token list on its own (a macro argument, the
    /// line of an `#if`).
    fn expand_list(&mut self, toks: Vec<Token>) -> Vec<Token> {
        let saved = std::mem::take(&mut self.stack);
        self.stack = toks.into_iter().rev().collect();
        let mut out = Vec::new();
        while let Some(t) = self.stack.pop() {
            if self.stopped {
                break;
            }
            if self.try_expand(&t) {
                continue;
            }
            out.push(t);
        }
        self.stack = saved;
        out
    }

    fn eval_if(&mut self, d: &Token, line: Vec<Token>) -> bool {
        // Replace `defined X` and `defined(X)` before expanding.
        let mut toks = Vec::new();
        let mut i = 0;
        while i < line.len() {
            let t = &line[i];
            if t.is("defined") {
                let (name, adv) = if line.get(i + 1).is_some_and(|t| t.is("(")) {
                    if !line.get(i + 3).is_some_and(|t| t.is(")")) {
                        self.err(t.loc, "expected ')' after 'defined(NAME'");
                        return false;
                    }
                    (line.get(i + 2), 4)
                } else {
                    (line.get(i + 1), 2)
                };
                let Some(name) = name.filter(|n| n.kind == TokKind::Ident) else {
                    self.err(t.loc, "expected a macro name after 'defined'");
                    return false;
                };
                let v = self.macros.contains_key(&name.text);
                toks.push(tok(TokKind::Num, if v { "1" } else { "0" }, t.loc));
                i += adv;
                continue;
            }
            toks.push(t.clone());
            i += 1;
        }
        let toks = self.expand_list(toks);
        if toks.is_empty() {
            self.err(d.loc, format!("#{} with no expression", d.text));
            return false;
        }
        let mut e = CondExpr {
            toks: &toks,
            pos: 0,
            err: None,
            depth: 0,
        };
        let v = e.ternary();
        if e.err.is_none() && e.pos < toks.len() {
            e.err = Some(Diag::new(
                toks[e.pos].loc,
                format!(
                    "unexpected '{}' in #{} expression",
                    toks[e.pos].text, d.text
                ),
            ));
        }
        if let Some(err) = e.err {
            self.errors.push(err);
            return false;
        }
        v != 0
    }
}

/// The hide set `a` plus the names of `b` not in it, in time linear in
/// their sizes.
fn union(a: &HideSet, b: &[Rc<str>]) -> HideSet {
    let small = a.len() * b.len() <= 64;
    let seen: HashSet<&str> = if small {
        HashSet::new()
    } else {
        a.iter().map(|x| &**x).collect()
    };
    let missing: Vec<Rc<str>> = b
        .iter()
        .filter(|x| {
            !if small {
                a.contains(x)
            } else {
                seen.contains(&***x)
            }
        })
        .cloned()
        .collect();
    if missing.is_empty() {
        return a.clone();
    }
    let mut h = (**a).clone();
    h.extend(missing);
    Rc::new(h)
}

fn stringize(arg: &[Token], loc: Loc) -> Token {
    let mut s = String::from("\"");
    for (i, t) in arg.iter().enumerate() {
        // Any white space between tokens, newlines too, is one space.
        if i > 0 && (t.space || t.bol) {
            s.push(' ');
        }
        if matches!(t.kind, TokKind::Str | TokKind::Char) {
            for c in t.text.chars() {
                if c == '"' || c == '\\' {
                    s.push('\\');
                }
                s.push(c);
            }
        } else {
            s.push_str(&t.text);
        }
    }
    s.push('"');
    tok(TokKind::Str, &s, loc)
}

/// Evaluator of `#if` expressions (integers as `i64`; identifiers left after
/// expansion are 0). The arithmetic is the IR's `i64` opcodes, evaluated by
/// `pivm_ir::opcodes`; every operand is signed (unsigned constants are not
/// told apart).
struct CondExpr<'a> {
    toks: &'a [Token],
    pos: usize,
    err: Option<Diag>,
    depth: usize,
}

impl CondExpr<'_> {
    fn peek(&self) -> Option<&Token> {
        self.toks.get(self.pos)
    }
    fn eat(&mut self, p: &str) -> bool {
        if self
            .peek()
            .is_some_and(|t| t.kind == TokKind::Punct && &*t.text == p)
        {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn fail(&mut self, msg: &str) -> i64 {
        if self.err.is_none() {
            let loc = self
                .peek()
                .or(self.toks.last())
                .map(|t| t.loc)
                .unwrap_or_default();
            self.err = Some(Diag::new(loc, msg));
        }
        self.pos = self.toks.len();
        0
    }
    fn ternary(&mut self) -> i64 {
        self.depth += 1;
        if self.depth > 500 {
            return self.fail("#if expression nested too deeply");
        }
        let c = self.binary(0);
        let r = if self.eat("?") {
            let a = self.ternary();
            if !self.eat(":") {
                return self.fail("expected ':' in #if expression");
            }
            let b = self.ternary();
            if c != 0 {
                a
            } else {
                b
            }
        } else {
            c
        };
        self.depth -= 1;
        r
    }
    fn binary(&mut self, min_prec: u8) -> i64 {
        let mut l = self.unary();
        while let Some(t) = self.peek() {
            if t.kind != TokKind::Punct {
                break;
            }
            let Some(prec) = crate::lex::binary_precedence(&t.text) else {
                break;
            };
            if prec <= min_prec {
                break;
            }
            let op = t.text.clone();
            self.pos += 1;
            let r = self.binary(prec);
            let o = match &*op {
                "||" => {
                    l = (l != 0 || r != 0) as i64;
                    continue;
                }
                "&&" => {
                    l = (l != 0 && r != 0) as i64;
                    continue;
                }
                "|" => Opcode::Or,
                "^" => Opcode::Xor,
                "&" => Opcode::And,
                "==" => Opcode::Eq,
                "!=" => Opcode::Ne,
                "<" => Opcode::SLt,
                ">" => Opcode::SGt,
                "<=" => Opcode::SLe,
                ">=" => Opcode::SGe,
                "<<" => Opcode::Shl,
                ">>" => Opcode::AShr,
                "+" => Opcode::Add,
                "-" => Opcode::Sub,
                "*" => Opcode::Mul,
                "/" => Opcode::SDiv,
                _ => Opcode::SRem,
            };
            l = match eval_binary(o, Type::I64, l as u64, r as u64) {
                Ok(v) => v as i64,
                Err(_) => return self.fail("division by zero in #if expression"),
            };
        }
        l
    }
    fn unary(&mut self) -> i64 {
        self.depth += 1;
        if self.depth > 500 {
            return self.fail("#if expression nested too deeply");
        }
        let v = if self.eat("!") {
            (self.unary() == 0) as i64
        } else if self.eat("-") {
            eval_unary(Opcode::Neg, Type::I64, self.unary() as u64) as i64
        } else if self.eat("+") {
            self.unary()
        } else if self.eat("~") {
            eval_unary(Opcode::Not, Type::I64, self.unary() as u64) as i64
        } else if self.eat("(") {
            let v = self.ternary();
            if !self.eat(")") {
                return self.fail("expected ')' in #if expression");
            }
            v
        } else {
            match self.peek().cloned() {
                Some(t) if t.kind == TokKind::Num => {
                    self.pos += 1;
                    match crate::parse::parse_int_literal(&t.text) {
                        Some((v, _)) => v as i64,
                        None => self.fail("invalid integer constant in #if expression"),
                    }
                }
                Some(t) if t.kind == TokKind::Char => {
                    self.pos += 1;
                    match crate::parse::char_value(&t.text) {
                        Ok(v) => v,
                        Err(_) => self.fail("invalid character constant"),
                    }
                }
                Some(t) if t.kind == TokKind::Ident => {
                    self.pos += 1;
                    0
                }
                _ => self.fail("expected a value in #if expression"),
            }
        };
        self.depth -= 1;
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pp(src: &str) -> Result<String, String> {
        let mut sm = SourceMap::default();
        let f = sm.add("t.c", src.to_string());
        match preprocess(&mut sm, f) {
            Ok(toks) => Ok(toks.iter().map(|t| &*t.text).collect::<Vec<_>>().join(" ")),
            Err(d) => Err(crate::diag::render(&sm, &d)),
        }
    }

    #[test]
    fn object_and_function_macros_expand_with_hide_sets() {
        assert_eq!(pp("#define A 1 + A\nA").unwrap(), "1 + A");
        assert_eq!(pp("#define F(x) x * x\nF(2 + 1)").unwrap(), "2 + 1 * 2 + 1");
        assert_eq!(
            pp("#define F(x) G(x)\n#define G(y) [y]\nF(F(1))").unwrap(),
            "[ [ 1 ] ]"
        );
        assert_eq!(pp("#define F(x) x\nF").unwrap(), "F");
        assert_eq!(pp("#define E\na E b").unwrap(), "a b");
    }

    #[test]
    fn stringize_and_paste() {
        assert_eq!(
            pp("#define S(x) #x\nS(a  \"b\\n\"  c)").unwrap(),
            "\"a \\\"b\\\\n\\\" c\""
        );
        assert_eq!(
            pp("#define P(a, b) a ## b\nP(x, 1) P(, y) P(z, )").unwrap(),
            "x1 y z"
        );
        assert!(pp("#define P(a, b) a ## b\nP(+, /)").is_err());
    }

    #[test]
    fn conditionals() {
        let src = "#if 0\nno\n#elif 1 + 1 == 2\nyes\n#else\nno\n#endif\n#ifdef X\nno\n#endif\n#ifndef X\nok\n#endif";
        assert_eq!(pp(src).unwrap(), "yes ok");
        assert_eq!(
            pp("#define X\n#if defined(X) && defined X\nboth\n#endif").unwrap(),
            "both"
        );
        assert!(pp("#if 1\nx")
            .unwrap_err()
            .contains("unterminated conditional directive"));
        assert!(pp("#endif").unwrap_err().contains("#endif without #if"));
        assert!(pp("#if 1 / 0\n#endif")
            .unwrap_err()
            .contains("division by zero"));
    }

    #[test]
    fn variadic_macros_and_argument_counts() {
        assert_eq!(
            pp("#define V(f, ...) f(__VA_ARGS__)\nV(g, 1, 2)").unwrap(),
            "g ( 1 , 2 )"
        );
        assert_eq!(pp("#define V(...) [__VA_ARGS__]\nV()").unwrap(), "[ ]");
        assert!(pp("#define T(a, b) a\nT(1)")
            .unwrap_err()
            .contains("takes 2 arguments"));
    }

    /// GNU's `, ## __VA_ARGS__` drops the comma before empty variable
    /// arguments and keeps it, unpasted, before others; GNU's named
    /// `args...`; C23's `__VA_OPT__`.
    #[test]
    fn gnu_comma_paste_named_variable_arguments_and_va_opt() {
        let log = "#define LOG(f, ...) p(f, ##__VA_ARGS__)\n";
        assert_eq!(pp(&format!("{log}LOG(x)")).unwrap(), "p ( x )");
        assert_eq!(pp(&format!("{log}LOG(x,)")).unwrap(), "p ( x )");
        assert_eq!(
            pp(&format!("#define A 7\n{log}LOG(x, A, b)")).unwrap(),
            "p ( x , 7 , b )"
        );
        // Only a comma goes: other left operands still paste.
        assert_eq!(
            pp("#define C(...) v ## __VA_ARGS__\nC(1) C()").unwrap(),
            "v1 v"
        );
        assert_eq!(
            pp("#define N(f, args...) p(f, ##args)\nN(x) N(x, 1, 2)").unwrap(),
            "p ( x ) p ( x , 1 , 2 )"
        );
        assert_eq!(
            pp("#define N(args...) [args]\nN(1, 2)").unwrap(),
            "[ 1 , 2 ]"
        );
        let opt = "#define F(a, ...) f(a __VA_OPT__(, (__VA_ARGS__)))\n";
        assert_eq!(pp(&format!("{opt}F(1)")).unwrap(), "f ( 1 )");
        assert_eq!(
            pp(&format!("{opt}F(1, 2, 3)")).unwrap(),
            "f ( 1 , ( 2 , 3 ) )"
        );
        assert!(pp("#define F(...) __VA_OPT__ x\nF(1)")
            .unwrap_err()
            .contains("must be followed by '('"));
        assert!(pp("#define F(...) __VA_OPT__(x\nF(1)")
            .unwrap_err()
            .contains("unterminated '__VA_OPT__'"));
        // Not a variadic macro: `__VA_OPT__` is an identifier like any.
        assert_eq!(
            pp("#define G(a) a __VA_OPT__\nG(1)").unwrap(),
            "1 __VA_OPT__"
        );
    }

    #[test]
    fn the_c11_examples_of_6_10_3_5() {
        // EXAMPLE 3's `hash_hash` (6.10.3.3p4): `##` made by `##` is no
        // operator.
        let src = "#define hash_hash # ## #\n#define mkstr(a) # a\n\
                   #define in_between(a) mkstr(a)\n\
                   #define join(c, d) in_between(c hash_hash d)\n\
                   char p[] = join(x, y);";
        assert_eq!(pp(src).unwrap(), "char p [ ] = \"x ## y\" ;");
        // EXAMPLE 4: the str/xstr/glue macros, with a newline and a
        // comment inside an argument, and stray `@` and `\` stringized.
        let src = r#"#define str(s) # s
#define xstr(s) str(s)
#define debug(s, t) printf("x" # s "= %d, x" # t "= %s", \
 x ## s, x ## t)
#define INCFILE(n) vers ## n
#define glue(a, b) a ## b
#define xglue(a, b) glue(a, b)
#define HIGHLOW "hello"
#define LOW LOW ", world"
debug(1, 2);
fputs(str(strncmp("abc\0d", "abc", '\4') // this goes away
 == 0) str(: @\n), s);
xstr(INCFILE(2).h)
glue(HIGH, LOW);
xglue(HIGH, LOW)"#;
        let want = r#"printf ( "x" "1" "= %d, x" "2" "= %s" , x1 , x2 ) ; "#.to_string()
            + r#"fputs ( "strncmp(\"abc\\0d\", \"abc\", '\\4') == 0" ": @\n" , s ) ; "#
            + r#""vers2.h" "hello" ; "hello" ", world""#;
        assert_eq!(pp(src).unwrap(), want);
    }

    #[test]
    fn object_like_paste_and_stringized_newlines() {
        assert_eq!(pp("#define AB 42\n#define CAT A ## B\nCAT").unwrap(), "42");
        assert_eq!(
            pp("#define S(x) #x\nS(1\n2) S(  a  \n\n  b  )").unwrap(),
            "\"1 2\" \"a b\""
        );
        assert!(pp("#define E ## x\nE")
            .unwrap_err()
            .contains("'##' cannot appear at either end"));
        assert_eq!(pp("#define S(x) #x\nS(\\)").unwrap(), "\"\\\"");
        assert!(pp("int a \\ b;")
            .unwrap_err()
            .contains("stray '\\' in program"));
        assert_eq!(pp("#if 0\n@ ` \\ x\n#endif\nok").unwrap(), "ok");
    }

    #[test]
    fn line_splices_join_tokens() {
        assert_eq!(
            pp("si\\\nzeof(in\\\r\nt) 1\\\n2 \"a\\\nb\"").unwrap(),
            "sizeof ( int ) 12 \"ab\""
        );
        // Locations stay physical: `y` is on line 3, column 2.
        let err = pp("a \\\n  @ b\\\nc $").unwrap_err();
        assert!(err.starts_with("t.c:2:3: error: stray '@'"), "{err}");
        assert!(err.contains("t.c:3:3: error: stray '$'"), "{err}");
    }

    #[test]
    fn line_directives_renumber_and_rename() {
        assert_eq!(
            pp("#line 100\n__LINE__ __FILE__\n#line 7 \"x.c\"\n\n__LINE__ __FILE__").unwrap(),
            "100 \"t.c\" 8 \"x.c\""
        );
        assert_eq!(
            pp("# 40 \"g.c\" 1 3\n__LINE__ __FILE__").unwrap(),
            "40 \"g.c\""
        );
        assert_eq!(pp("#define L 5\n#line L\n__LINE__").unwrap(), "5");
        let err = pp("#line 20 \"other.c\"\nint @;").unwrap_err();
        assert!(err.starts_with("other.c:20:5: error: stray '@'"), "{err}");
        assert!(err.contains("\nint @;\n    ^"), "{err}");
        assert!(pp("#line x")
            .unwrap_err()
            .contains("'x' after #line is not a positive integer"));
        assert!(pp("#line 0x10")
            .unwrap_err()
            .contains("not a positive integer"));
        assert!(pp("#line 3 \"a\" b").unwrap_err().contains("extra tokens"));
    }

    #[test]
    fn pragma_operator_and_computed_include() {
        assert_eq!(
            pp("_Pragma(\"GCC diagnostic push\") a\n#define P _Pragma(\"x \\\"y\\\"\") b\nP")
                .unwrap(),
            "a b"
        );
        assert!(pp("_Pragma(1)")
            .unwrap_err()
            .contains("parenthesized string literal"));
        assert_eq!(pp("#define H <stdbool.h>\n#include H\ntrue").unwrap(), "1");
        assert_eq!(
            pp("#define Q(x) #x\n#include Q(stdbool.h)\nfalse").unwrap(),
            "0"
        );
        assert!(pp("#define N 3\n#include N")
            .unwrap_err()
            .contains("expected \"FILENAME\" or <FILENAME>"));
    }

    #[test]
    fn builtin_library_names_are_declared_where_used() {
        assert_eq!(
            pp("f() { __builtin_abort(); __builtin_trap(); }").unwrap(),
            "void abort ( void ) ; f ( ) { abort ( ) ; abort ( ) ; }"
        );
        assert_eq!(
            pp("__builtin_exit(0) __builtin_expect(x, 1)").unwrap(),
            "exit ( 0 ) ( x )"
        );
        assert_eq!(
            pp("__builtin_nonesuch()").unwrap(),
            "__builtin_nonesuch ( )"
        );
    }

    #[test]
    fn predefined_macros() {
        assert_eq!(
            pp("__STDC_VERSION__ __DATE__ __TIME__ __SIZE_TYPE__ __INT_MAX__").unwrap(),
            "201112L \"Jan  1 1970\" \"00:00:00\" unsigned long 0x7fffffff"
        );
        assert_eq!(
            pp(
                "#if !defined __STDC_NO_THREADS__ && !defined __STDC_NO_ATOMICS__ \
                && __STDC_NO_COMPLEX__ && __ATOMIC_SEQ_CST == 5 && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__\nyes\n#endif"
            )
            .unwrap(),
            "yes"
        );
    }

    #[test]
    fn standard_headers_are_embedded() {
        for h in crate::headers::NAMES {
            assert!(pp(&format!("#include <{h}>\n")).is_ok(), "{h}");
        }
        assert!(pp("#include <sys/socket.h>\n")
            .unwrap_err()
            .contains("not a header pivm provides"));
    }
}
