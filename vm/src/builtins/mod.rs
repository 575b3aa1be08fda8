//! The runtime functions of `pivm_ir::builtins::BUILTINS`, each implemented
//! once as a Rust fn over the `Runtime`. The interpreter calls them through
//! `call`; JIT code calls them through `jit_table`, extern "C" wrappers that
//! find the runtime in `VmCtx::runtime`.
//!
//! Allocation builtins (malloc, calloc, realloc) learn the type of what they
//! allocate from the call's `as T`: the interpreter passes it directly; JIT
//! code passes one extra trailing argument, `1 + index` into
//! `Program::alloc_types` (0 or absent: unknown type).

pub mod math;
pub mod printf;
pub mod stdio;
pub mod stdlib;
pub mod string;

use pivm_ir::builtins::BUILTINS;
use pivm_ir::MemType;
use pivm_jit::abi::{BuiltinFn, VmCtx, STATE_HALTED};

use crate::runtime::{Halt, Runtime};

pub type Result<T> = std::result::Result<T, Halt>;

/// A builtin: arguments as zero-extended bits (variadic ones after the
/// fixed ones), the allocation type of the call, the result bits.
pub type Impl = fn(&mut Runtime, &[u64], Option<&MemType>) -> Result<u64>;

/// The implementations, in catalog order (checked by a test).
pub static IMPLS: &[(&str, Impl)] = &[
    ("printf", stdio::printf),
    ("fprintf", stdio::fprintf),
    ("sprintf", stdio::sprintf),
    ("snprintf", stdio::snprintf),
    ("putchar", stdio::putchar),
    ("puts", stdio::puts),
    ("fputc", stdio::fputc),
    ("fputs", stdio::fputs),
    ("fwrite", stdio::fwrite),
    ("fread", stdio::fread),
    ("fflush", stdio::fflush),
    ("getchar", stdio::getchar),
    ("fgetc", stdio::fgetc),
    ("fgets", stdio::fgets),
    ("fopen", stdio::fopen),
    ("fclose", stdio::fclose),
    ("fseek", stdio::fseek),
    ("ftell", stdio::ftell),
    ("feof", stdio::feof),
    ("malloc", stdlib::malloc),
    ("calloc", stdlib::calloc),
    ("realloc", stdlib::realloc),
    ("free", stdlib::free),
    ("exit", stdlib::exit),
    ("abort", stdlib::abort),
    ("abs", stdlib::abs),
    ("labs", stdlib::labs),
    ("llabs", stdlib::labs),
    ("atoi", stdlib::atoi),
    ("atol", stdlib::atol),
    ("atof", stdlib::atof),
    ("strtol", stdlib::strtol),
    ("strtoul", stdlib::strtoul),
    ("strtod", stdlib::strtod),
    ("rand", stdlib::rand),
    ("srand", stdlib::srand),
    ("memcpy", string::memcpy),
    ("memmove", string::memmove),
    ("memset", string::memset),
    ("memcmp", string::memcmp),
    ("strlen", string::strlen),
    ("strcmp", string::strcmp),
    ("strncmp", string::strncmp),
    ("strcpy", string::strcpy),
    ("strncpy", string::strncpy),
    ("strcat", string::strcat),
    ("strncat", string::strncat),
    ("strchr", string::strchr),
    ("strrchr", string::strrchr),
    ("strstr", string::strstr),
    ("strdup", string::strdup),
    ("sqrt", math::sqrt),
    ("sin", math::sin),
    ("cos", math::cos),
    ("tan", math::tan),
    ("asin", math::asin),
    ("acos", math::acos),
    ("atan", math::atan),
    ("atan2", math::atan2),
    ("sinh", math::sinh),
    ("cosh", math::cosh),
    ("tanh", math::tanh),
    ("exp", math::exp),
    ("log", math::log),
    ("log10", math::log10),
    ("log2", math::log2),
    ("pow", math::pow),
    ("fabs", math::fabs),
    ("floor", math::floor),
    ("ceil", math::ceil),
    ("round", math::round),
    ("trunc", math::trunc),
    ("fmod", math::fmod),
    ("hypot", math::hypot),
    ("fmin", math::fmin),
    ("fmax", math::fmax),
    ("__pivm_assert_fail", stdlib::assert_fail),
    ("clock", stdlib::clock),
];

/// Calls builtin number `index` (catalog order).
pub fn call(rt: &mut Runtime, index: usize, args: &[u64], ty: Option<&MemType>) -> Result<u64> {
    let f = IMPLS
        .get(index)
        .map(|e| e.1)
        .ok_or(Halt::Trap(pivm_ir::TrapKind::BadBuiltinCall))?;
    let need = BUILTINS[index].params.len();
    if args.len() < need {
        return Err(Halt::Trap(pivm_ir::TrapKind::BadBuiltinCall));
    }
    f(rt, args, ty)
}

fn is_alloc(index: usize) -> bool {
    matches!(BUILTINS[index].name, "malloc" | "calloc" | "realloc")
}

/// The extern "C" wrapper of builtin `I` for JIT code.
///
/// # Safety
///
/// `ctx` must point to a live `VmCtx` whose `runtime` is a live, otherwise
/// unborrowed `Runtime`, and `args` must point to `nargs` readable `u64`s.
unsafe extern "C" fn wrapper<const I: usize>(ctx: *mut VmCtx, args: *const u64, nargs: u32) -> u64 {
    // SAFETY: guaranteed by the caller (see above); `args` may be null
    // when `nargs` is 0.
    let (ctx, args) = unsafe {
        let args: &[u64] = if nargs == 0 {
            &[]
        } else {
            std::slice::from_raw_parts(args, nargs as usize)
        };
        (&mut *ctx, args)
    };
    // SAFETY: `runtime` points to the live runtime running this code.
    let rt = unsafe { &mut *ctx.runtime.cast::<Runtime>() };
    let prog = rt.prog.clone();
    let mut args = args;
    let mut ty = None;
    if I < BUILTINS.len() && is_alloc(I) && args.len() > BUILTINS[I].params.len() {
        let key = args[args.len() - 1];
        ty = key
            .checked_sub(1)
            .and_then(|k| prog.alloc_types.get(k as usize));
        args = &args[..args.len() - 1];
    }
    let r = call(rt, I, args, ty);
    ctx.bound = rt.mem.bound();
    match r {
        Ok(v) => v,
        Err(h) => {
            rt.halt = Some(h);
            ctx.state = STATE_HALTED;
            0
        }
    }
}

macro_rules! table {
    ($($i:literal)*) => {
        const WRAPPERS: &[BuiltinFn] = &[$(wrapper::<$i>,)*];
    };
}

table! {
    0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29
    30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59
    60 61 62 63 64 65 66 67 68 69 70 71 72 73 74 75 76 77 78 79 80 81 82 83 84 85 86 87 88 89
    90 91 92 93 94 95 96 97 98 99
}

/// The builtin table for `VmCtx::builtins`: `BUILTINS.len()` entries in
/// catalog order.
pub fn jit_table() -> &'static [BuiltinFn] {
    const { assert!(WRAPPERS.len() >= BUILTINS.len()) };
    &WRAPPERS[..BUILTINS.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_matches_catalog() {
        assert_eq!(IMPLS.len(), BUILTINS.len());
        for (i, b) in BUILTINS.iter().enumerate() {
            assert_eq!(IMPLS[i].0, b.name, "builtin {i}");
        }
        assert_eq!(jit_table().len(), BUILTINS.len());
    }
}
