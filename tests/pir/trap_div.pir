; Integer division by zero traps (exit 136 like SIGFPE); stdout written
; before the trap is flushed.
; expect-error: pivm: trap: integer division by zero in function 'main'
; expect-exit: 136
; expect-stdout:
; |before
source "trap_div.c"

global @msg: [8 x i8] = { bytes "before\0a\00" }

declare @printf(ptr, ...) -> i32

func @main() -> i32 {
    local %z: i32
    local %r: i32
    local %f: ptr
entry:
    %f = addr @msg
    call @printf(ptr %f)
    %z = copy.i32 0
    %r = srem.i32 5, %z
    ret.i32 %r
}
