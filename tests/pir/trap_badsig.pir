; A call through a function pointer of the wrong signature traps.
; expect-error: pivm: trap: call through an invalid function pointer in function 'main'
; expect-exit: 139
source "trap_badsig.c"

func @two(%a: i32, %b: i32) -> i32 {
entry:
    ret.i32 %a
}

func @main() -> i32 {
    local %fp: ptr
    local %r: i32
entry:
    %fp = addr @two
    %r = call %fp(i32 1)
    ret.i32 %r
}
