; A forged jmp_buf naming a setjmp site its function does not have: the frame at its depth refuses to land, and the trap is at the longjmp.
; expect-error: pivm: trap: longjmp to a jmp_buf that no setjmp set or whose setjmp's function has returned in function 'jump' at trap_longjmp_forged.c:6
; expect-exit: 134
; expect-stdout:
; |landed
source "trap_longjmp_forged.c"

type :__pivm_jmp_buf_tag = { [4 x i64] }

global @errno: i32
global @strerror.unknown.1: [32 x i8]
global @strtok.next.2: ptr
global @b: [1 x :__pivm_jmp_buf_tag]
global @bad: [1 x :__pivm_jmp_buf_tag]
global @str.44: [8 x i8] = { bytes "landed\0a\00" }

declare @longjmp(ptr, i32)
declare @setjmp(ptr) -> i32
declare @printf(ptr, ...) -> i32
declare @memcpy(ptr, ptr, i64) -> ptr

func @jump(%to: ptr) {
entry:
    line 6
    call @longjmp(ptr %to, i32 1)
    ret
}

func @main() -> i32 {
    local %1: ptr
    local %2: i32
    local %3: ptr
    local %4: i32
    local %5: ptr
    local %6: ptr
    local %7: ptr
    local %8: ptr
    local %9: ptr
    local %10: ptr
    local %11: ptr
entry:
    line 9
    safepoint
    %1 = addr @b
    %2 = call @setjmp(ptr %1)
    br.i32 %2, then2, endif1
then2:
    line 10
    %3 = addr @str.44
    %4 = call @printf(ptr %3)
    line 11
    %5 = addr @b
    %6 = addr @bad
    %7 = call @memcpy(ptr %6, ptr %5, i64 32)
    line 12
    %8 = addr @bad
    %9 = add.ptr %8, 24
    store.i32 %9, 9
    line 13
    %10 = addr @bad
    call @jump(ptr %10)
    jump endif1
endif1:
    line 15
    %11 = addr @b
    call @jump(ptr %11)
    line 16
    ret.i32 0
}
