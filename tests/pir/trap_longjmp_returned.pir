; longjmp to a jmp_buf whose setjmp's frame returned traps at the longjmp, even with another activation of that function at the same depth and stack base since (the serials differ).
; expect-error: pivm: trap: longjmp to a jmp_buf that no setjmp set or whose setjmp's function has returned in function 'jump' at trap_longjmp_returned.c:9
; expect-exit: 134
; expect-stdout:
; |set returned
source "trap_longjmp_returned.c"

type :__pivm_jmp_buf_tag = { [4 x i64] }

global @errno: i32
global @strerror.unknown.1: [32 x i8]
global @b: [1 x :__pivm_jmp_buf_tag]
global @str.44: [14 x i8] = { bytes "set returned\0a\00" }

declare @setjmp(ptr) -> i32
declare @longjmp(ptr, i32)
declare @printf(ptr, ...) -> i32

func @set(%k: i32) -> i32 {
    local %1: ptr
    local %2: i32
entry:
    line 5
    br.i32 %k, and3, endif1
and3:
    line 5
    %1 = addr @b
    %2 = call @setjmp(ptr %1)
    br.i32 %2, then2, endif1
then2:
    line 5
    ret.i32 1
endif1:
    line 6
    ret.i32 0
}

func @jump() {
    local %1: ptr
entry:
    line 9
    %1 = addr @b
    call @longjmp(ptr %1, i32 1)
    ret
}

func @main() -> i32 {
    local %1: i32
    local %2: i32
    local %3: ptr
    local %4: i32
entry:
    line 12
    safepoint
    %1 = call @set(i32 1)
    line 13
    %2 = call @set(i32 0)
    line 14
    %3 = addr @str.44
    %4 = call @printf(ptr %3)
    line 15
    call @jump()
    line 16
    ret.i32 0
}
