; longjmp to a jmp_buf no setjmp set traps at the longjmp.
; expect-error: pivm: trap: longjmp to a jmp_buf that no setjmp set or whose setjmp's function has returned in function 'main' at trap_longjmp_unset.c:6
; expect-exit: 134
; expect-stdout:
; |before
source "trap_longjmp_unset.c"

type :__pivm_jmp_buf_tag = { [4 x i64] }

global @errno: i32
global @strerror.unknown.1: [32 x i8]
global @never: [1 x :__pivm_jmp_buf_tag]
global @str.44: [8 x i8] = { bytes "before\0a\00" }

declare @printf(ptr, ...) -> i32
declare @longjmp(ptr, i32)

func @main() -> i32 {
    local %1: ptr
    local %2: i32
    local %3: ptr
entry:
    line 5
    safepoint
    %1 = addr @str.44
    %2 = call @printf(ptr %1)
    line 6
    %3 = addr @never
    call @longjmp(ptr %3, i32 1)
    line 7
    ret.i32 0
}
