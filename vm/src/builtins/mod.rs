//! The runtime functions of `pivm_ir::Builtin`, each implemented once as a
//! Rust fn over the `Runtime` (`implementation`, an exhaustive match, so a
//! builtin added to the catalog does not build until it is implemented).
//! Both engines call them through `call`: the interpreter directly, JIT
//! code through the extern "C" wrappers of `jit_engine::builtin_table`.
//!
//! Allocation builtins (`Builtin::is_alloc`) learn the type of what they
//! allocate from the call's `as T`: the interpreter passes it directly; JIT
//! code passes one extra trailing argument, its key in
//! `Program::alloc_types` (`pivm_ir::contract::AllocTypes`).

pub mod jmp;
pub mod math;
pub mod printf;
pub mod process;
pub mod stdio;
pub mod stdlib;
pub mod string;
pub mod thread;
pub mod time;

use pivm_ir::{Builtin, MemType};

use crate::runtime::{Halt, Runtime};

pub type Result<T> = std::result::Result<T, Halt>;

/// A builtin: arguments as zero-extended bits (variadic ones after the
/// fixed ones), the allocation type of the call, the result bits.
pub type Impl = fn(&mut Runtime, &[u64], Option<&MemType>) -> Result<u64>;

/// The implementation of builtin `b`. Inlined so that a caller with a
/// constant `b` (each JIT wrapper) calls its implementation directly.
#[inline(always)]
pub fn implementation(b: Builtin) -> Impl {
    use Builtin as B;
    match b {
        B::Printf => stdio::printf,
        B::Fprintf => stdio::fprintf,
        B::Sprintf => stdio::sprintf,
        B::Snprintf => stdio::snprintf,
        B::Vprintf => stdio::vprintf,
        B::Vfprintf => stdio::vfprintf,
        B::Vsprintf => stdio::vsprintf,
        B::Vsnprintf => stdio::vsnprintf,
        B::Putchar => stdio::putchar,
        B::Puts => stdio::puts,
        B::Fputc => stdio::fputc,
        B::Fputs => stdio::fputs,
        B::Fwrite => stdio::fwrite,
        B::Fread => stdio::fread,
        B::Fflush => stdio::fflush,
        B::Getchar => stdio::getchar,
        B::Fgetc => stdio::fgetc,
        B::Fgets => stdio::fgets,
        B::Fopen => stdio::fopen,
        B::Freopen => stdio::freopen,
        B::Fclose => stdio::fclose,
        B::Fseek => stdio::fseek,
        B::Ftell => stdio::ftell,
        B::Feof => stdio::feof,
        B::Ungetc => stdio::ungetc,
        B::Clearerr => stdio::clearerr,
        B::Remove => stdio::remove,
        B::Rename => stdio::rename,
        B::Tmpfile => stdio::tmpfile,
        B::Malloc => stdlib::malloc,
        B::Calloc => stdlib::calloc,
        B::Realloc => stdlib::realloc,
        B::Free => stdlib::free,
        B::AlignedAlloc => stdlib::aligned_alloc,
        B::VlaAlloc => stdlib::vla_alloc,
        B::Exit => stdlib::exit,
        B::Abort => stdlib::abort,
        B::Abs => stdlib::abs,
        B::Labs => stdlib::labs,
        B::Llabs => stdlib::labs,
        B::Atoi => stdlib::atoi,
        B::Atol => stdlib::atol,
        B::Atof => stdlib::atof,
        B::Strtol => stdlib::strtol,
        B::Strtoul => stdlib::strtoul,
        B::Strtod => stdlib::strtod,
        B::Rand => stdlib::rand,
        B::Srand => stdlib::srand,
        B::Memcpy => string::memcpy,
        B::Memmove => string::memmove,
        B::Memset => string::memset,
        B::Memcmp => string::memcmp,
        B::Strlen => string::strlen,
        B::Strcmp => string::strcmp,
        B::Strncmp => string::strncmp,
        B::Strcpy => string::strcpy,
        B::Strncpy => string::strncpy,
        B::Strcat => string::strcat,
        B::Strncat => string::strncat,
        B::Strchr => string::strchr,
        B::Strrchr => string::strrchr,
        B::Strstr => string::strstr,
        B::Strdup => string::strdup,
        B::StrtokR => string::strtok_r,
        B::Strsep => string::strsep,
        B::Sqrt => math::sqrt,
        B::Sin => math::sin,
        B::Cos => math::cos,
        B::Tan => math::tan,
        B::Asin => math::asin,
        B::Acos => math::acos,
        B::Atan => math::atan,
        B::Atan2 => math::atan2,
        B::Sinh => math::sinh,
        B::Cosh => math::cosh,
        B::Tanh => math::tanh,
        B::Exp => math::exp,
        B::Log => math::log,
        B::Log10 => math::log10,
        B::Log2 => math::log2,
        B::Pow => math::pow,
        B::Fabs => math::fabs,
        B::Floor => math::floor,
        B::Ceil => math::ceil,
        B::Round => math::round,
        B::Trunc => math::trunc,
        B::Fmod => math::fmod,
        B::Hypot => math::hypot,
        B::Fmin => math::fmin,
        B::Fmax => math::fmax,
        B::Cbrt => math::cbrt,
        B::Expm1 => math::expm1,
        B::Log1p => math::log1p,
        B::Exp2 => math::exp2,
        B::Asinh => math::asinh,
        B::Acosh => math::acosh,
        B::Atanh => math::atanh,
        B::Erf => math::erf,
        B::Erfc => math::erfc,
        B::Tgamma => math::tgamma,
        B::Lgamma => math::lgamma,
        B::Rint => math::rint,
        B::Copysign => math::copysign,
        B::Nextafter => math::nextafter,
        B::Remainder => math::remainder,
        B::Fma => math::fma,
        B::Ldexp => math::ldexp,
        B::Setjmp => jmp::setjmp,
        B::Longjmp => jmp::longjmp,
        B::PivmAssertFail => stdlib::assert_fail,
        B::Clock => stdlib::clock,
        B::Time => stdlib::time,
        B::ThreadCreate => thread::create,
        B::ThreadExit => thread::exit,
        B::ThreadSelf => thread::self_id,
        B::ThreadJoin => thread::join,
        B::ThreadDetach => thread::detach,
        B::ThreadTls => thread::tls,
        B::FutexWait => thread::futex_wait,
        B::FutexWake => thread::futex_wake,
        B::SchedYield => thread::sched_yield,
        B::Getpid => process::getpid,
        B::Getppid => process::getppid,
        B::Fork => process::fork,
        B::ForkResult => process::fork_result,
        B::Waitpid => process::waitpid,
        B::Pipe => process::pipe,
        B::Read => process::read,
        B::Write => process::write,
        B::Close => process::close,
        B::Kill => process::kill,
        B::Die => process::die,
        B::ClockNs => time::clock_ns,
        B::SleepUntil => time::sleep_until,
        B::FutexWaitUntil => time::futex_wait_until,
        B::Alarm => time::alarm,
        B::SigInterrupt => time::sig_interrupt,
    }
}

/// Sets the program's `errno` (the global `errno.h` defines) to `code`;
/// nothing when the program has none. It is VM memory, so a snapshot
/// holds it.
pub(crate) fn set_errno(rt: &mut Runtime, code: i32) -> Result<()> {
    if let Some(at) = rt.prog.errno {
        rt.mem.store(pivm_ir::Type::I32, at, code as u32 as u64)?;
    }
    Ok(())
}

/// Calls builtin `b`; `args` holds at least its fixed parameters.
#[inline(always)]
pub fn call(rt: &mut Runtime, b: Builtin, args: &[u64], ty: Option<&MemType>) -> Result<u64> {
    if args.len() < b.sig().params.len() {
        return Err(Halt::Trap(pivm_ir::TrapKind::BadBuiltinCall));
    }
    implementation(b)(rt, args, ty)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_indexes_are_dense() {
        // Builtin tables (the JIT's wrappers) are generated in catalog
        // order and indexed by `Builtin as usize`.
        for (i, b) in Builtin::ALL.iter().enumerate() {
            assert_eq!(b.index(), i);
            assert_eq!(Builtin::from_index(i), Some(*b));
            assert_eq!(Builtin::from_name(b.name()), Some(*b));
        }
    }
}
