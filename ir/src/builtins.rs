//! The catalog of runtime functions (builtins) a module may declare and
//! call: their names and signatures. It is neutral: the frontend declares
//! them, the verifier checks declarations against it, the JIT's builtin
//! table is indexed by it, and the VM implements each entry.
//!
//! Streams (`FILE *`) are small integers in the never-mapped null page:
//! `stdin` is 1, `stdout` 2, `stderr` 3, and files `fopen` returns follow.

use crate::module::Signature;
use crate::types::Type;

/// One runtime function.
#[derive(Copy, Clone, Debug)]
pub struct BuiltinSig {
    pub name: &'static str,
    pub params: &'static [Type],
    pub ret: Option<Type>,
    pub variadic: bool,
}

impl BuiltinSig {
    pub fn signature(&self) -> Signature {
        Signature {
            params: self.params.to_vec(),
            ret: self.ret,
            variadic: self.variadic,
        }
    }
}

/// Stream handle values.
pub const STDIN: u64 = 1;
pub const STDOUT: u64 = 2;
pub const STDERR: u64 = 3;

use Type::{Ptr as P, F64, I32, I64};

macro_rules! catalog {
    ($($name:literal ($($p:expr),*) $(-> $r:expr)? $(; $var:ident)?,)*) => {
        /// Every builtin, in a fixed order: the index is the builtin's number
        /// in the JIT's builtin table.
        pub const BUILTINS: &[BuiltinSig] = &[$(BuiltinSig {
            name: $name,
            params: &[$($p),*],
            ret: catalog!(@ret $($r)?),
            variadic: catalog!(@var $($var)?),
        },)*];
    };
    (@ret) => { None };
    (@ret $r:expr) => { Some($r) };
    (@var) => { false };
    (@var $v:ident) => { true };
}

catalog! {
    // stdio
    "printf" (P) -> I32; variadic,
    "fprintf" (P, P) -> I32; variadic,
    "sprintf" (P, P) -> I32; variadic,
    "snprintf" (P, I64, P) -> I32; variadic,
    "putchar" (I32) -> I32,
    "puts" (P) -> I32,
    "fputc" (I32, P) -> I32,
    "fputs" (P, P) -> I32,
    "fwrite" (P, I64, I64, P) -> I64,
    "fread" (P, I64, I64, P) -> I64,
    "fflush" (P) -> I32,
    "getchar" () -> I32,
    "fgetc" (P) -> I32,
    "fgets" (P, I32, P) -> P,
    "fopen" (P, P) -> P,
    "fclose" (P) -> I32,
    "fseek" (P, I64, I32) -> I32,
    "ftell" (P) -> I64,
    "feof" (P) -> I32,
    // stdlib
    "malloc" (I64) -> P,
    "calloc" (I64, I64) -> P,
    "realloc" (P, I64) -> P,
    "free" (P),
    "exit" (I32),
    "abort" (),
    "abs" (I32) -> I32,
    "labs" (I64) -> I64,
    "llabs" (I64) -> I64,
    "atoi" (P) -> I32,
    "atol" (P) -> I64,
    "atof" (P) -> F64,
    "strtol" (P, P, I32) -> I64,
    "strtoul" (P, P, I32) -> I64,
    "strtod" (P, P) -> F64,
    "rand" () -> I32,
    "srand" (I32),
    // string
    "memcpy" (P, P, I64) -> P,
    "memmove" (P, P, I64) -> P,
    "memset" (P, I32, I64) -> P,
    "memcmp" (P, P, I64) -> I32,
    "strlen" (P) -> I64,
    "strcmp" (P, P) -> I32,
    "strncmp" (P, P, I64) -> I32,
    "strcpy" (P, P) -> P,
    "strncpy" (P, P, I64) -> P,
    "strcat" (P, P) -> P,
    "strncat" (P, P, I64) -> P,
    "strchr" (P, I32) -> P,
    "strrchr" (P, I32) -> P,
    "strstr" (P, P) -> P,
    "strdup" (P) -> P,
    // math
    "sqrt" (F64) -> F64,
    "sin" (F64) -> F64,
    "cos" (F64) -> F64,
    "tan" (F64) -> F64,
    "asin" (F64) -> F64,
    "acos" (F64) -> F64,
    "atan" (F64) -> F64,
    "atan2" (F64, F64) -> F64,
    "sinh" (F64) -> F64,
    "cosh" (F64) -> F64,
    "tanh" (F64) -> F64,
    "exp" (F64) -> F64,
    "log" (F64) -> F64,
    "log10" (F64) -> F64,
    "log2" (F64) -> F64,
    "pow" (F64, F64) -> F64,
    "fabs" (F64) -> F64,
    "floor" (F64) -> F64,
    "ceil" (F64) -> F64,
    "round" (F64) -> F64,
    "trunc" (F64) -> F64,
    "fmod" (F64, F64) -> F64,
    "hypot" (F64, F64) -> F64,
    "fmin" (F64, F64) -> F64,
    "fmax" (F64, F64) -> F64,
    // pivm
    "__pivm_assert_fail" (P, P, I32),
    "clock" () -> I64,
}

/// The catalog index of the builtin called `name`.
pub fn lookup(name: &str) -> Option<usize> {
    BUILTINS.iter().position(|b| b.name == name)
}
