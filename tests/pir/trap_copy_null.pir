; Struct copies of 24 bytes, which compiled code does inline behind range
; tests (jit/src/lower/bytes.rs): at the very end of memory (a large block
; at the heap's top, plus the 8 bytes of padding every access may use) they
; succeed; the copy from the null page's last 8 bytes (a range starting in the null page)
; traps on both engines.
; expect-error: pivm: trap: null pointer dereference in function 'main' at trap_copy_null.c:19
; expect-exit: 139
; expect-stdout:
; |6
; |6
source "trap_copy_null.c"

type :S = { i64, i64, i64 }

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
global @str.49: [5 x i8] = { bytes "%ld\0a\00" }
global @str.50: [5 x i8] = { bytes "%ld\0a\00" }
global @str.51: [5 x i8] = { bytes "%ld\0a\00" }

declare @malloc(i64) -> ptr
declare @memset(ptr, i32, i64) -> ptr
declare @memmove(ptr, ptr, i64) -> ptr
declare @printf(ptr, ...) -> i32

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

func @main(%argc: i32, %argv: ptr) -> i32 {
    local %end: ptr
    local %at: i64
    local %i: i32
    local %1: ptr
    local %2: ptr
    local %3: ptr
    local %4: ptr
    local %5: ptr
    local %6: ptr
    local %7: ptr
    local %8: ptr
    local %9: ptr
    local %10: ptr
    local %11: i64
    local %12: ptr
    local %13: ptr
    local %14: i64
    local %15: i64
    local %16: ptr
    local %17: ptr
    local %18: i64
    local %19: i64
    local %20: ptr
    local %21: i32
    local %22: ptr
    local %23: ptr
    local %24: ptr
    local %25: ptr
    local %26: ptr
    local %27: i64
    local %28: ptr
    local %29: ptr
    local %30: i64
    local %31: i64
    local %32: ptr
    local %33: ptr
    local %34: i64
    local %35: i64
    local %36: ptr
    local %37: i32
    local %38: i32
    local %39: i32
    local %40: i64
    local %41: i32
    local %42: ptr
    local %43: ptr
    local %44: i64
    local %45: ptr
    local %46: i32
    local %47: i32
    slot $s: :S
    slot $t: :S
entry:
    line 9
    safepoint
    %1 = call @malloc(i64 1048576) as i8
    %2 = add.ptr %1, 1048576
    %end = copy.ptr %2
    line 10
    %3 = addr $s
    call @memset(ptr %3, i32 0, i64 24)
    store.i64 %3, 1
    %4 = add.ptr %3, 8
    store.i64 %4, 2
    %5 = add.ptr %3, 16
    store.i64 %5, 3
    line 11
    %6 = addr $s
    %7 = sub.ptr %end, 24
    call @memmove(ptr %7, ptr %6, i64 24)
    line 12
    %8 = addr $t
    %9 = sub.ptr %end, 24
    call @memmove(ptr %8, ptr %9, i64 24)
    line 13
    %10 = addr $t
    %11 = load.i64 %10
    %12 = addr $t
    %13 = add.ptr %12, 8
    %14 = load.i64 %13
    %15 = add.i64 %11, %14
    %16 = addr $t
    %17 = add.ptr %16, 16
    %18 = load.i64 %17
    %19 = add.i64 %15, %18
    %20 = addr @str.49
    %21 = call @printf(ptr %20, i64 %19)
    line 14
    %22 = addr $s
    %23 = sub.ptr %end, 16
    call @memmove(ptr %23, ptr %22, i64 24)
    line 15
    %24 = sub.ptr %end, 16
    %25 = addr $t
    call @memmove(ptr %25, ptr %24, i64 24)
    line 16
    %26 = addr $t
    %27 = load.i64 %26
    %28 = addr $t
    %29 = add.ptr %28, 8
    %30 = load.i64 %29
    %31 = add.i64 %27, %30
    %32 = addr $t
    %33 = add.ptr %32, 16
    %34 = load.i64 %33
    %35 = add.i64 %31, %34
    %36 = addr @str.50
    %37 = call @printf(ptr %36, i64 %35)
    line 17
    %38 = sub.i32 %argc, 1
    %39 = add.i32 4088, %38
    %40 = sext.i32.i64 %39
    %at = copy.i64 %40
    line 18
    %i = copy.i32 0
    jump for1
for1:
    line 18
    %41 = slt.i32 %i, 2
    br.i32 %41, body2, endfor4
body2:
    line 19
    %42 = addr $t
    call @memmove(ptr %42, ptr %at, i64 24)
    line 20
    %43 = addr $t
    %44 = load.i64 %43
    %45 = addr @str.51
    %46 = call @printf(ptr %45, i64 %44)
    jump step3
step3:
    line 18
    %47 = add.i32 %i, 1
    %i = copy.i32 %47
    safepoint
    jump for1
endfor4:
    line 22
    call @__pivm_atexit_run()
    ret.i32 0
}
