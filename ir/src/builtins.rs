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

/// `errno` after a math builtin's domain error (`sqrt(-1)`), as Linux
/// numbers it: what the VM's `errno.h` defines and what the builtins and
/// the JIT's inline `sqrt` store.
pub const EDOM: i32 = 33;
/// `errno` after a math builtin's range error (overflow, a pole such as
/// `log(0)`, an underflow to zero).
pub const ERANGE: i32 = 34;

/// Stream handle values.
pub const STDIN: u64 = 1;
pub const STDOUT: u64 = 2;
pub const STDERR: u64 = 3;

/// What a builtin that would block returns (`Builtin::Read`, ...): the
/// caller is marked blocked and calls again after its next safepoint.
pub const BLOCKED: i64 = -4096;

/// Bytes of a thread's thread-specific data block (`Builtin::ThreadTls`):
/// one 8-byte value per key of pthread.h (`PTHREAD_KEYS_MAX`, 128).
pub const THREAD_TLS_SIZE: u64 = 1024;

/// What `strcmp` and `memcmp` return for first differing bytes `p` and
/// `q`: their difference, as glibc's do (an `int`, zero-extended).
pub fn byte_diff(p: u8, q: u8) -> u64 {
    (p as i32 - q as i32) as u32 as u64
}

/// `memcmp` over `x` and `y`: the difference of the first differing
/// bytes among the first `min(len)` (`byte_diff`), else the sign of the
/// length difference (0 for `memcmp`'s equal lengths). The one
/// implementation both engines run.
pub fn compare_bytes(x: &[u8], y: &[u8]) -> u64 {
    let n = x.len().min(y.len());
    let longer = (x.len() as i64 - y.len() as i64).signum() as i32 as u32 as u64;
    let (x, y) = (&x[..n], &y[..n]);
    if x == y {
        return longer;
    }
    let mut i = 0;
    while i + 8 <= n {
        let p = u64::from_le_bytes(x[i..i + 8].try_into().unwrap_or_default());
        let q = u64::from_le_bytes(y[i..i + 8].try_into().unwrap_or_default());
        if p != q {
            let j = i + ((p ^ q).trailing_zeros() / 8) as usize;
            return byte_diff(x[j], y[j]);
        }
        i += 8;
    }
    (i..n)
        .find(|&j| x[j] != y[j])
        .map_or(longer, |j| byte_diff(x[j], y[j]))
}

/// `(w - 0x01..) & !w & 0x80..`: non-zero iff a byte of `w` is zero. Its
/// lowest set bit is the high bit of the lowest zero byte (a borrow only
/// reaches the bytes above that one).
#[inline]
pub fn zero_bytes(w: u64) -> u64 {
    w.wrapping_sub(0x0101_0101_0101_0101) & !w & 0x8080_8080_8080_8080
}

/// `strncmp` over the bytes `x` and `y` from the strings' starts to the
/// end of valid memory, comparing at most `max` bytes: the difference of
/// the first differing bytes (`byte_diff`), 0 if equal up to a NUL or
/// `max`; `None` if a string runs off the end of memory first (the
/// builtin traps). Reads only up to the first difference or NUL, a word
/// at a time. The one implementation both engines' `strcmp` and
/// `strncmp` run (the VM's builtins, the JIT's direct host call).
#[inline]
pub fn compare_strings(x: &[u8], y: &[u8], max: u64) -> Option<u64> {
    let avail = x.len().min(y.len());
    let n = (avail as u64).min(max) as usize;
    let mut i = 0;
    while i + 8 <= n {
        let p = u64::from_le_bytes(x[i..i + 8].try_into().unwrap_or_default());
        let q = u64::from_le_bytes(y[i..i + 8].try_into().unwrap_or_default());
        if p != q || zero_bytes(p) != 0 {
            break;
        }
        i += 8;
    }
    while i < n {
        let (p, q) = (x[i], y[i]);
        if p != q || p == 0 {
            return Some(byte_diff(p, q));
        }
        i += 1;
    }
    (n as u64 == max).then_some(0)
}

use Type::{Ptr as P, F64, I32, I64};

/// Builds `Builtin` and `BUILTINS` from the catalog.
macro_rules! catalog {
    ($($v:ident $name:literal ($($p:expr),*) $(-> $r:expr)? $(; $var:ident)?,)*) => {
        /// A runtime function of the catalog. Its discriminant is its index
        /// in `BUILTINS` and in an engine's builtin table.
        #[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
        #[repr(u8)]
        pub enum Builtin {
            $($v,)*
        }

        impl Builtin {
            /// Every builtin, in catalog order.
            pub const ALL: &'static [Builtin] = &[$(Builtin::$v,)*];

            /// The builtin called `name` in C and in `.pir` (`@name`).
            pub fn from_name(name: &str) -> Option<Builtin> {
                match name {
                    $($name => Some(Builtin::$v),)*
                    _ => None,
                }
            }
        }

        /// Every builtin's signature, indexed by `Builtin as usize`.
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

impl Builtin {
    /// Number of builtins: the length of every builtin table.
    pub const COUNT: usize = Builtin::ALL.len();

    /// Index in `BUILTINS` and in an engine's builtin table.
    pub const fn index(self) -> usize {
        self as usize
    }

    /// The builtin at catalog index `i`.
    pub const fn from_index(i: usize) -> Option<Builtin> {
        if i < Builtin::COUNT {
            Some(Builtin::ALL[i])
        } else {
            None
        }
    }

    pub const fn sig(self) -> &'static BuiltinSig {
        &BUILTINS[self as usize]
    }

    pub const fn name(self) -> &'static str {
        self.sig().name
    }

    /// Whether a call to this builtin may sit in a body inlined into its
    /// caller (`inline`): it returns to its call site or ends the program,
    /// and nothing it does depends on the calling function or its frame:
    /// it does not block, wait, switch threads, fork, signal, call back
    /// into the program or read the caller's frame (`setjmp`, VLAs).
    pub const fn is_plain(self) -> bool {
        use Builtin::*;
        matches!(
            self,
            Printf
                | Fprintf
                | Sprintf
                | Snprintf
                | Vprintf
                | Vfprintf
                | Vsprintf
                | Vsnprintf
                | Putchar
                | Puts
                | Fputc
                | Fputs
                | Fwrite
                | Fflush
                | Malloc
                | Calloc
                | Realloc
                | Free
                | AlignedAlloc
                | Exit
                | Abort
                | PivmAssertFail
                | Abs
                | Labs
                | Llabs
                | Atoi
                | Atol
                | Atof
                | Strtol
                | Strtoul
                | Strtod
                | Rand
                | Srand
                | Memcpy
                | Memmove
                | Memset
                | Memcmp
                | Strlen
                | Strcmp
                | Strncmp
                | Strcpy
                | Strncpy
                | Strcat
                | Strncat
                | Strchr
                | Strrchr
                | Strstr
                | Strdup
                | StrtokR
                | Strsep
        ) || self.is_math()
    }

    /// The math functions (`math.h`): pure functions of their float
    /// arguments, each returning the canonical NaN for a NaN result
    /// (`nan::canonical_locals`).
    pub const fn is_math(self) -> bool {
        use Builtin::*;
        matches!(
            self,
            Sqrt | Sin
                | Cos
                | Tan
                | Asin
                | Acos
                | Atan
                | Atan2
                | Sinh
                | Cosh
                | Tanh
                | Exp
                | Log
                | Log10
                | Log2
                | Pow
                | Fabs
                | Floor
                | Ceil
                | Round
                | Trunc
                | Fmod
                | Hypot
                | Fmin
                | Fmax
                | Cbrt
                | Expm1
                | Log1p
                | Exp2
                | Asinh
                | Acosh
                | Atanh
                | Erf
                | Erfc
                | Tgamma
                | Lgamma
                | Rint
                | Copysign
                | Nextafter
                | Remainder
                | Fma
                | Ldexp
        )
    }

    /// Whether this builtin allocates, and so takes the allocation type of
    /// its call (`as T`; see `contract::AllocTypes` for how engines pass it).
    pub const fn is_alloc(self) -> bool {
        matches!(
            self,
            Builtin::Malloc | Builtin::Calloc | Builtin::Realloc | Builtin::AlignedAlloc
        )
    }
}

/// Calls `$callback! { … }` with the whole catalog, one entry per builtin:
/// `Variant "name" (param types) [-> return type] [; variadic],` with the
/// types spelled `P`, `I32`, `I64`, `F64`. `ir` builds `Builtin` and
/// `BUILTINS` from it; an engine builds its per-builtin tables from it (the
/// VM's JIT wrappers), so no table is written out by hand.
#[macro_export]
macro_rules! with_builtins {
    ($callback:ident) => {
        $callback! {
            // stdio
            Printf "printf" (P) -> I32; variadic,
            Fprintf "fprintf" (P, P) -> I32; variadic,
            Sprintf "sprintf" (P, P) -> I32; variadic,
            Snprintf "snprintf" (P, I64, P) -> I32; variadic,
            // The v* family: the last argument is a `va_list`, the VM
            // address of the variadic arguments, one 8-byte cell each
            // (pivm-cc's calling convention for variadic functions).
            Vprintf "vprintf" (P, P) -> I32,
            Vfprintf "vfprintf" (P, P, P) -> I32,
            Vsprintf "vsprintf" (P, P, P) -> I32,
            Vsnprintf "vsnprintf" (P, I64, P, P) -> I32,
            Putchar "putchar" (I32) -> I32,
            Puts "puts" (P) -> I32,
            Fputc "fputc" (I32, P) -> I32,
            Fputs "fputs" (P, P) -> I32,
            Fwrite "fwrite" (P, I64, I64, P) -> I64,
            Fread "fread" (P, I64, I64, P) -> I64,
            Fflush "fflush" (P) -> I32,
            Getchar "getchar" () -> I32,
            Fgetc "fgetc" (P) -> I32,
            Fgets "fgets" (P, I32, P) -> P,
            Fopen "fopen" (P, P) -> P,
            Freopen "freopen" (P, P, P) -> P,
            Fclose "fclose" (P) -> I32,
            Fseek "fseek" (P, I64, I32) -> I32,
            Ftell "ftell" (P) -> I64,
            Feof "feof" (P) -> I32,
            Ungetc "ungetc" (I32, P) -> I32,
            Clearerr "clearerr" (P),
            Remove "remove" (P) -> I32,
            Rename "rename" (P, P) -> I32,
            // An anonymous file kept by the runtime, in the snapshot.
            Tmpfile "tmpfile" () -> P,
            // stdlib
            Malloc "malloc" (I64) -> P,
            Calloc "calloc" (I64, I64) -> P,
            Realloc "realloc" (P, I64) -> P,
            Free "free" (P),
            // (alignment, size): a power of two, else NULL and EINVAL.
            AlignedAlloc "aligned_alloc" (I64, I64) -> P,
            // The storage of a variable-length array (pivm-cc): traps
            // with `TrapKind::VlaSize` where malloc would return NULL or
            // the size (signed) is not positive. Freed by `free`.
            VlaAlloc "__pivm_vla_alloc" (I64) -> P,
            Exit "exit" (I32),
            Abort "abort" (),
            Abs "abs" (I32) -> I32,
            Labs "labs" (I64) -> I64,
            Llabs "llabs" (I64) -> I64,
            Atoi "atoi" (P) -> I32,
            Atol "atol" (P) -> I64,
            Atof "atof" (P) -> F64,
            Strtol "strtol" (P, P, I32) -> I64,
            Strtoul "strtoul" (P, P, I32) -> I64,
            Strtod "strtod" (P, P) -> F64,
            Rand "rand" () -> I32,
            Srand "srand" (I32),
            // string
            Memcpy "memcpy" (P, P, I64) -> P,
            Memmove "memmove" (P, P, I64) -> P,
            Memset "memset" (P, I32, I64) -> P,
            Memcmp "memcmp" (P, P, I64) -> I32,
            Strlen "strlen" (P) -> I64,
            Strcmp "strcmp" (P, P) -> I32,
            Strncmp "strncmp" (P, P, I64) -> I32,
            Strcpy "strcpy" (P, P) -> P,
            Strncpy "strncpy" (P, P, I64) -> P,
            Strcat "strcat" (P, P) -> P,
            Strncat "strncat" (P, P, I64) -> P,
            Strchr "strchr" (P, I32) -> P,
            Strrchr "strrchr" (P, I32) -> P,
            Strstr "strstr" (P, P) -> P,
            Strdup "strdup" (P) -> P,
            StrtokR "strtok_r" (P, P, P) -> P,
            Strsep "strsep" (P, P) -> P,
            // math
            Sqrt "sqrt" (F64) -> F64,
            Sin "sin" (F64) -> F64,
            Cos "cos" (F64) -> F64,
            Tan "tan" (F64) -> F64,
            Asin "asin" (F64) -> F64,
            Acos "acos" (F64) -> F64,
            Atan "atan" (F64) -> F64,
            Atan2 "atan2" (F64, F64) -> F64,
            Sinh "sinh" (F64) -> F64,
            Cosh "cosh" (F64) -> F64,
            Tanh "tanh" (F64) -> F64,
            Exp "exp" (F64) -> F64,
            Log "log" (F64) -> F64,
            Log10 "log10" (F64) -> F64,
            Log2 "log2" (F64) -> F64,
            Pow "pow" (F64, F64) -> F64,
            Fabs "fabs" (F64) -> F64,
            Floor "floor" (F64) -> F64,
            Ceil "ceil" (F64) -> F64,
            Round "round" (F64) -> F64,
            Trunc "trunc" (F64) -> F64,
            Fmod "fmod" (F64, F64) -> F64,
            Hypot "hypot" (F64, F64) -> F64,
            Fmin "fmin" (F64, F64) -> F64,
            Fmax "fmax" (F64, F64) -> F64,
            // The rest of C99's math.h that needs more than a few lines of
            // C: a portable implementation (the VM's `libm` crate), so the
            // bits are the same on every host.
            Cbrt "cbrt" (F64) -> F64,
            Expm1 "expm1" (F64) -> F64,
            Log1p "log1p" (F64) -> F64,
            Exp2 "exp2" (F64) -> F64,
            Asinh "asinh" (F64) -> F64,
            Acosh "acosh" (F64) -> F64,
            Atanh "atanh" (F64) -> F64,
            Erf "erf" (F64) -> F64,
            Erfc "erfc" (F64) -> F64,
            Tgamma "tgamma" (F64) -> F64,
            Lgamma "lgamma" (F64) -> F64,
            Rint "rint" (F64) -> F64,
            Copysign "copysign" (F64, F64) -> F64,
            Nextafter "nextafter" (F64, F64) -> F64,
            Remainder "remainder" (F64, F64) -> F64,
            Fma "fma" (F64, F64, F64) -> F64,
            Ldexp "ldexp" (F64, I32) -> F64,
            // setjmp.h (`jmp`). Engines pass hidden trailing arguments:
            // setjmp (buf, depth, func, site, stack_base) of its caller,
            // longjmp (buf, val, depth, func, line). A setjmp call returns
            // again with the value of each longjmp to its buffer.
            Setjmp "setjmp" (P) -> I32,
            Longjmp "longjmp" (P, I32),
            // pivm
            PivmAssertFail "__pivm_assert_fail" (P, P, I32),
            Clock "clock" () -> I64,
            // time.h: seconds since the Epoch, from the host's clock.
            Time "time" (P) -> I64,
            // Threads (pthread.h in C over these; the VM's `sched`): one
            // thread runs at a time, switched at safepoints. create
            // (trampoline, start, arg, stack size): a new thread that runs
            // `trampoline(start, arg)`; its id (> 0) or -errno.
            ThreadCreate "__pivm_thread_create" (P, P, P, I64) -> I64,
            // Ends the calling thread with this value (never returns).
            ThreadExit "__pivm_thread_exit" (P),
            ThreadSelf "__pivm_thread_self" () -> I64,
            // (thread, where to store its value or NULL): 0 once it has
            // ended (reaped), EAGAIN while it runs (the caller is then
            // blocked until it ends: call again after a safepoint),
            // ESRCH, EINVAL (detached), EDEADLK (itself).
            ThreadJoin "__pivm_thread_join" (I64, P) -> I32,
            ThreadDetach "__pivm_thread_detach" (I64) -> I32,
            // The calling thread's block of thread-specific data (zeroed,
            // `THREAD_TLS_SIZE` bytes, 8-aligned).
            ThreadTls "__pivm_thread_tls" () -> P,
            // (address, expected): if the i32 there is `expected`, the
            // caller blocks until a wake on that address (it switches at
            // its next safepoint: call it in a loop that re-checks) and 0
            // is returned; else EAGAIN.
            FutexWait "__pivm_futex_wait" (P, I32) -> I32,
            // (address, count): unblocks up to count waiters on the
            // address, oldest first; returns how many.
            FutexWake "__pivm_futex_wake" (P, I32) -> I32,
            // Lets the other threads run (from the next safepoint on).
            SchedYield "sched_yield" () -> I32,
            // Processes (unistd.h and sys/wait.h in C over these; the
            // VM's `proc`). A call that would block returns `BLOCKED`
            // with the caller marked blocked: call it again after a
            // safepoint. Errors are -errno.
            Getpid "getpid" () -> I32,
            Getppid "getppid" () -> I32,
            // Asks for a fork at the next safepoint: 0, or -errno.
            Fork "__pivm_fork" () -> I32,
            // The fork's result once served (the child's pid in the
            // parent, 0 in the child), `BLOCKED` before.
            ForkResult "__pivm_fork_result" () -> I32,
            // (pid, status or NULL, options): as waitpid.
            Waitpid "__pivm_waitpid" (I32, P, I32) -> I32,
            // (int fds[2]): a pipe's read and write descriptors.
            Pipe "__pivm_pipe" (P) -> I32,
            // (fd, buffer, count): bytes moved; 0 at the end of a pipe
            // whose writers are all closed.
            Read "__pivm_read" (I32, P, I64) -> I64,
            Write "__pivm_write" (I32, P, I64) -> I64,
            Close "__pivm_close" (I32) -> I32,
            // (pid, sig): a signal to another process of the program.
            Kill "__pivm_kill" (I32, I32) -> I32,
            // Ends the process as signal `sig`'s default action does: exit
            // status 128 + sig, and `WIFSIGNALED` for its parent's wait.
            Die "__pivm_die" (I32),
            // Time (the VM's `timer`). The clock's value in nanoseconds:
            // 0 the host's real time (since the Epoch), 1 the VM's
            // monotonic clock (stopped while the program is a snapshot:
            // a resume goes on from the snapshot's reading), 2 the host
            // processor time of the process; -1 for another clock.
            ClockNs "__pivm_clock_ns" (I32) -> I64,
            // (deadline on the monotonic clock): 0 once it has passed, 1
            // if a signal handler interrupted the wait (EINTR), else
            // `BLOCKED` (call again after a safepoint).
            SleepUntil "__pivm_sleep_until" (I64) -> I32,
            // (address, expected, deadline): as `FutexWait`, but ETIMEDOUT
            // once the deadline on the monotonic clock has passed.
            FutexWaitUntil "__pivm_futex_wait_until" (P, I32, I64) -> I32,
            // (value, interval, old or NULL): the process's real-time
            // timer (alarm, setitimer): SIGALRM after `value` ns, then
            // every `interval` ns; 0 disarms, a negative value only
            // queries. `old` gets the time that was left and the
            // interval (two i64). Returns 0.
            Alarm "__pivm_alarm" (I64, I64, P) -> I32,
            // A signal handler is about to run for a signal sent to the
            // process: the sleep of the thread that takes it (the first
            // one alive) is interrupted.
            SigInterrupt "__pivm_sig_interrupt" (),
        }
    };
}

with_builtins!(catalog);
