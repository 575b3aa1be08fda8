; Accesses through one base are checked once per window (jit/src/lower/window.rs);
; a window that fails falls back to exact checks: valid accesses near the end
; of memory succeed, and the trap is that of the first bad access (line 13,
; p[-2], not line 12).
; expect-error: pivm: trap: null pointer dereference in function 'back' at trap_window.c:13
; expect-exit: 139
; expect-stdout:
; |14
; |50
; |40
source "trap_window.c"

type :s = { i64, i64, i64, i64 }

global @errno: i32
global @strerror.unknown.1: [32 x i8]
global @__pivm_atexit_fns: [64 x ptr]
global @__pivm_atexit_n: i32
global @str.44: [5 x i8] = { bytes "%ld\0a\00" }
global @str.45: [5 x i8] = { bytes "%ld\0a\00" }
global @str.46: [5 x i8] = { bytes "%ld\0a\00" }
global @str.47: [5 x i8] = { bytes "%ld\0a\00" }

declare @memset(ptr, i32, i64) -> ptr
declare @printf(ptr, ...) -> i32
declare @malloc(i64) -> ptr

func @__pivm_atexit_run() {
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
    line 46
    safepoint
    jump while1
while1:
    line 46
    %1 = addr @__pivm_atexit_n
    %2 = load.i32 %1
    %3 = sgt.i32 %2, 0
    br.i32 %3, body2, endwhile3
body2:
    line 46
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
    line 46
    ret
}

func @sum(%p: ptr, %k: i64) -> i64 {
    local %x: i64
    local %1: i64
    local %2: ptr
    local %3: i64
    local %4: i64
    local %5: i64
    local %6: ptr
    local %7: i64
    local %8: i64
    local %9: i64
    local %10: ptr
    local %11: ptr
    local %12: i64
    local %13: i64
entry:
    line 5
    %1 = load.i64 %p
    %x = copy.i64 %1
    line 6
    %2 = add.ptr %p, 8
    %3 = load.i64 %2
    %4 = mul.i64 %3, %k
    %5 = add.i64 %x, %4
    %x = copy.i64 %5
    line 7
    %6 = add.ptr %p, 24
    %7 = load.i64 %6
    %8 = sdiv.i64 %7, %k
    %9 = add.i64 %x, %8
    %x = copy.i64 %9
    line 8
    %10 = add.ptr %p, 16
    store.i64 %10, %x
    line 9
    %11 = add.ptr %p, 16
    %12 = load.i64 %11
    %13 = add.i64 %x, %12
    ret.i64 %13
}

func @back(%p: ptr) -> i64 {
    local %x: i64
    local %1: ptr
    local %2: i64
    local %3: ptr
    local %4: i64
    local %5: i64
entry:
    line 12
    %1 = add.ptr %p, 0
    %2 = load.i64 %1
    %x = copy.i64 %2
    line 13
    %3 = add.ptr %p, 18446744073709551600
    %4 = load.i64 %3
    %5 = add.i64 %x, %4
    %x = copy.i64 %5
    line 14
    ret.i64 %x
}

func @main() -> i32 {
    local %big: ptr
    local %top: ptr
    local %1: ptr
    local %2: ptr
    local %3: ptr
    local %4: ptr
    local %5: ptr
    local %6: i64
    local %7: ptr
    local %8: i32
    local %9: ptr
    local %10: ptr
    local %11: ptr
    local %12: ptr
    local %13: ptr
    local %14: ptr
    local %15: i64
    local %16: ptr
    local %17: i32
    local %18: ptr
    local %19: ptr
    local %20: ptr
    local %21: ptr
    local %22: ptr
    local %23: i64
    local %24: ptr
    local %25: i32
    local %26: i64
    local %27: ptr
    local %28: i32
    slot $g: :s
    slot $v: [3 x i64]
entry:
    line 17
    safepoint
    %1 = addr $g
    call @memset(ptr %1, i32 0, i64 32)
    store.i64 %1, 1
    %2 = add.ptr %1, 8
    store.i64 %2, 2
    %3 = add.ptr %1, 16
    store.i64 %3, 3
    %4 = add.ptr %1, 24
    store.i64 %4, 4
    line 18
    %5 = addr $g
    %6 = call @sum(ptr %5, i64 2)
    %7 = addr @str.44
    %8 = call @printf(ptr %7, i64 %6)
    line 19
    %9 = call @malloc(i64 8192) as i8
    %big = copy.ptr %9
    line 20
    %10 = add.ptr %big, 8192
    %11 = sub.ptr %10, 32
    %top = copy.ptr %11
    line 21
    store.i64 %top, 5
    %12 = add.ptr %top, 8
    store.i64 %12, 6
    %13 = add.ptr %top, 16
    store.i64 %13, 7
    %14 = add.ptr %top, 24
    store.i64 %14, 8
    line 22
    %15 = call @sum(ptr %top, i64 3)
    %16 = addr @str.45
    %17 = call @printf(ptr %16, i64 %15)
    line 23
    %18 = addr $v
    call @memset(ptr %18, i32 0, i64 24)
    store.i64 %18, 10
    %19 = add.ptr %18, 8
    store.i64 %19, 20
    %20 = add.ptr %18, 16
    store.i64 %20, 30
    line 24
    %21 = addr $v
    %22 = add.ptr %21, 16
    %23 = call @back(ptr %22)
    %24 = addr @str.46
    %25 = call @printf(ptr %24, i64 %23)
    line 25
    %26 = call @back(ptr 4104)
    %27 = addr @str.47
    %28 = call @printf(ptr %27, i64 %26)
    line 26
    call @__pivm_atexit_run()
    ret.i32 0
}
