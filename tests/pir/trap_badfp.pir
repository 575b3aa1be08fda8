; A call through a pointer that is no function traps.
; expect-error: pivm: trap: call through an invalid function pointer in function 'main' at trap_badfp.c:4
; expect-exit: 139
source "trap_badfp.c"

func @main() -> i32 {
    local %r: i32
    local %fp: ptr
entry:
    line 4
    %fp = copy.ptr 4096
    %r = call %fp(i32 1)
    ret.i32 %r
}
