; strcmp, which compiled code does inline for the first 8 bytes and then
; by a direct host call (jit/src/lower/strings.rs): strings ending at the
; last byte of the heap's top block compare as glibc's do; a null string
; falls back to the builtin, which traps on both engines.
; expect-error: pivm: trap: null pointer dereference in function 'main' at trap_strcmp_null.c:12
; expect-exit: 139
; expect-stdout:
; |0
; |1
source "trap_strcmp_null.c"

global @errno: i32
global @strerror.unknown.1: [32 x i8]
global @__pivm_tmpnam_next: i32
global @tmpnam.buf.2: [20 x i8]
global @__pivm_rand48_x: [3 x i16]
global @__pivm_rand48_a: [3 x i16] = { bytes "m\e6\ec\de\05" }
global @__pivm_rand48_c: i16 = { bytes "\0b" }
global @__pivm_rand48_old: [3 x i16]
global @__pivm_atexit_fns: [64 x ptr]
global @__pivm_atexit_n: i32
global @__pivm_environ: ptr
global @__pivm_environ_n: i32
global @__pivm_environ_cap: i32
global @strverscmp.next.3: [12 x i8] = { bytes "\00\03\09\00\03\03\00\06\06\00\06\09" }
global @strverscmp.result.4: [36 x i8] = { bytes "\02\02\02\02\03\02\02\02\02\02\ff\ff\01\03\03\01\03\03\02\02\02\02\02\02\02\02\02\02\01\01\ff\02\02\ff\02\02" }
global @strsignal.names.5: [32 x ptr] = { ptr @str.49, ptr @str.50, ptr @str.51, ptr @str.52, ptr @str.53, ptr @str.54, ptr @str.55, ptr @str.56, ptr @str.57, ptr @str.58, ptr @str.59, ptr @str.60, ptr @str.61, ptr @str.62, ptr @str.63, ptr @str.64, ptr @str.65, ptr @str.66, ptr @str.67, ptr @str.68, ptr @str.69, ptr @str.70, ptr @str.71, ptr @str.72, ptr @str.73, ptr @str.74, ptr @str.75, ptr @str.76, ptr @str.77, ptr @str.78, ptr @str.79, ptr @str.80 }
global @str.49: [17 x i8] = { bytes "Unknown signal 0\00" }
global @str.50: [7 x i8] = { bytes "Hangup\00" }
global @str.51: [10 x i8] = { bytes "Interrupt\00" }
global @str.52: [5 x i8] = { bytes "Quit\00" }
global @str.53: [20 x i8] = { bytes "Illegal instruction\00" }
global @str.54: [22 x i8] = { bytes "Trace/breakpoint trap\00" }
global @str.55: [8 x i8] = { bytes "Aborted\00" }
global @str.56: [10 x i8] = { bytes "Bus error\00" }
global @str.57: [25 x i8] = { bytes "Floating point exception\00" }
global @str.58: [7 x i8] = { bytes "Killed\00" }
global @str.59: [22 x i8] = { bytes "User defined signal 1\00" }
global @str.60: [19 x i8] = { bytes "Segmentation fault\00" }
global @str.61: [22 x i8] = { bytes "User defined signal 2\00" }
global @str.62: [12 x i8] = { bytes "Broken pipe\00" }
global @str.63: [12 x i8] = { bytes "Alarm clock\00" }
global @str.64: [11 x i8] = { bytes "Terminated\00" }
global @str.65: [12 x i8] = { bytes "Stack fault\00" }
global @str.66: [13 x i8] = { bytes "Child exited\00" }
global @str.67: [10 x i8] = { bytes "Continued\00" }
global @str.68: [17 x i8] = { bytes "Stopped (signal)\00" }
global @str.69: [8 x i8] = { bytes "Stopped\00" }
global @str.70: [20 x i8] = { bytes "Stopped (tty input)\00" }
global @str.71: [21 x i8] = { bytes "Stopped (tty output)\00" }
global @str.72: [21 x i8] = { bytes "Urgent I/O condition\00" }
global @str.73: [24 x i8] = { bytes "CPU time limit exceeded\00" }
global @str.74: [25 x i8] = { bytes "File size limit exceeded\00" }
global @str.75: [22 x i8] = { bytes "Virtual timer expired\00" }
global @str.76: [24 x i8] = { bytes "Profiling timer expired\00" }
global @str.77: [15 x i8] = { bytes "Window changed\00" }
global @str.78: [13 x i8] = { bytes "I/O possible\00" }
global @str.79: [14 x i8] = { bytes "Power failure\00" }
global @str.80: [16 x i8] = { bytes "Bad system call\00" }
global @strsignal.buf.6: [32 x i8]
global @strtok.next.7: ptr
global @str.85: [20 x i8] = { bytes "qqqqqqqqqqqqqqqqqqq\00" }
global @str.84: [4 x i8] = { bytes "%d\0a\00" }
global @str.87: [21 x i8] = { bytes "qqqqqqqqqqqqqqqqqqqq\00" }
global @str.86: [4 x i8] = { bytes "%d\0a\00" }
global @str.89: [2 x i8] = { bytes "q\00" }
global @str.88: [4 x i8] = { bytes "%d\0a\00" }

declare @malloc(i64) -> ptr
declare @memset(ptr, i32, i64) -> ptr
declare @printf(ptr, ...) -> i32
declare @strcmp(ptr, ptr) -> i32

func @__pivm_atexit_run() source "stdlib.h" {
    local %1: ptr
    local %2: i32
    local %3: i32
    local %4: ptr
    local %5: ptr
    local %6: i32
    local %7: i32
    local %8: i64
    local %9: i64
    local %10: ptr
    local %11: ptr
entry:
    line 125
    safepoint
    jump while1
while1:
    line 125
    %1 = addr @__pivm_atexit_n
    %2 = load.i32 %1
    %3 = sgt.i32 %2, 0
    br.i32 %3, body2, endwhile3
body2:
    line 125
    %4 = addr @__pivm_atexit_fns
    %5 = addr @__pivm_atexit_n
    %6 = load.i32 %5
    %7 = sub.i32 %6, 1
    store.i32 %5, %7
    %8 = sext.i32.i64 %7
    %9 = mul.i64 %8, 8
    %10 = add.ptr %4, %9
    %11 = load.ptr %10
    call %11()
    safepoint
    jump while1
endwhile3:
    line 125
    ret
}

func @main() -> i32 {
    local %big: ptr
    local %end: ptr
    local %p: ptr
    local %1: ptr
    local %2: ptr
    local %3: ptr
    local %4: ptr
    local %5: ptr
    local %6: ptr
    local %7: i32
    local %8: ptr
    local %9: i32
    local %10: ptr
    local %11: ptr
    local %12: i32
    local %13: i32
    local %14: ptr
    local %15: i32
    local %16: ptr
    local %17: i32
    local %18: ptr
    local %19: i32
entry:
    line 5
    safepoint
    %1 = call @malloc(i64 1048576) as i8
    %big = copy.ptr %1
    line 6
    %2 = add.ptr %big, 1048576
    %end = copy.ptr %2
    line 7
    %3 = call @memset(ptr %big, i32 113, i64 1048576)
    line 8
    %4 = add.ptr %end, 18446744073709551615
    store.i8 %4, 0
    line 9
    %5 = addr @str.85
    %6 = sub.ptr %end, 20
    %7 = call @strcmp(ptr %6, ptr %5)
    %8 = addr @str.84
    %9 = call @printf(ptr %8, i32 %7)
    line 10
    %10 = addr @str.87
    %11 = sub.ptr %end, 20
    %12 = call @strcmp(ptr %11, ptr %10)
    %13 = slt.i32 %12, 0
    %14 = addr @str.86
    %15 = call @printf(ptr %14, i32 %13)
    line 11
    %p = copy.ptr 0
    line 12
    %16 = addr @str.89
    %17 = call @strcmp(ptr %p, ptr %16)
    %18 = addr @str.88
    %19 = call @printf(ptr %18, i32 %17)
    line 13
    call @__pivm_atexit_run()
    ret.i32 0
}
