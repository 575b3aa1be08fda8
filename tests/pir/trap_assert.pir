; A failed assert prints glibc's message and aborts.
; expect-error: trap_assert.c:5: Assertion `x > 0' failed.
; expect-exit: 134
source "trap_assert.c"

global @expr: [6 x i8] = { bytes "x > 0\00" }
global @file: [14 x i8] = { bytes "trap_assert.c\00" }

declare @__pivm_assert_fail(ptr, ptr, i32)

func @main() -> i32 {
    local %e: ptr
    local %f: ptr
entry:
    %e = addr @expr
    %f = addr @file
    call @__pivm_assert_fail(ptr %e, ptr %f, i32 5)
    ret.i32 0
}
