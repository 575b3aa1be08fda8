; A forged jmp_buf whose depth is a frame of a function without setjmp: the jump finds no frame to land in and traps at the longjmp.
; expect-error: pivm: trap: longjmp to a jmp_buf that no setjmp set or whose setjmp's function has returned in function 'jump' at trap_longjmp_nosetjmp.c:5
; expect-exit: 134
; expect-stdout:
; |forged depth 2
source "trap_longjmp_nosetjmp.c"

type :__pivm_jmp_buf_tag = { [4 x i64] }

global @errno: i32
global @strerror.unknown.1: [32 x i8]
global @b: [1 x :__pivm_jmp_buf_tag]
global @bad: [1 x :__pivm_jmp_buf_tag]
global @str.44: [16 x i8] = { bytes "forged depth 2\0a\00" }

declare @longjmp(ptr, i32)
declare @setjmp(ptr) -> i32
declare @printf(ptr, ...) -> i32

func @jump(%to: ptr) {
entry:
    line 5
    call @longjmp(ptr %to, i32 1)
    ret
}

func @deeper() -> i32 {
    local %1: ptr
entry:
    line 8
    safepoint
    %1 = addr @bad
    call @jump(ptr %1)
    line 9
    ret.i32 0
}

func @main() -> i32 {
    local %w: ptr
    local %v: ptr
    local %i: i32
    local %1: ptr
    local %2: i32
    local %3: i32
    local %4: ptr
    local %5: ptr
    local %6: i32
    local %7: i64
    local %8: i64
    local %9: ptr
    local %10: i32
    local %11: i64
    local %12: i64
    local %13: ptr
    local %14: i32
    local %15: ptr
    local %16: ptr
    local %17: i32
    local %18: i32
entry:
    line 12
    safepoint
    %1 = addr @b
    %2 = call @setjmp(ptr %1)
    %3 = eq.i32 %2, 0
    br.i32 %3, then2, endif1
then2:
    line 13
    %4 = addr @bad
    %w = copy.ptr %4
    %5 = addr @b
    %v = copy.ptr %5
    line 14
    %i = copy.i32 0
    jump for3
for3:
    line 14
    %6 = slt.i32 %i, 8
    br.i32 %6, body4, endfor6
body4:
    line 14
    %7 = sext.i32.i64 %i
    %8 = mul.i64 %7, 4
    %9 = add.ptr %v, %8
    %10 = load.i32 %9
    %11 = sext.i32.i64 %i
    %12 = mul.i64 %11, 4
    %13 = add.ptr %w, %12
    store.i32 %13, %10
    jump step5
step5:
    line 14
    %14 = add.i32 %i, 1
    %i = copy.i32 %14
    safepoint
    jump for3
endfor6:
    line 15
    %15 = add.ptr %w, 16
    store.i32 %15, 2
    line 16
    %16 = addr @str.44
    %17 = call @printf(ptr %16)
    line 17
    %18 = call @deeper()
    jump endif1
endif1:
    line 19
    ret.i32 0
}
