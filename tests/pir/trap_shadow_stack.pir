; Frames with a 1 MiB slot overflow the 8 MiB shadow stack.
; expect-error: pivm: trap: stack overflow in function 'big'
; expect-exit: 139
source "trap_shadow_stack.c"

func @big(%n: i32) -> i32 {
    local %r: i32
    local %p: ptr
    slot $buf: [1048576 x i8]
entry:
    %p = addr $buf
    store.i32 %p, %n
    %n = add.i32 %n, 1
    %r = call @big(i32 %n)
    ret.i32 %r
}

func @main() -> i32 {
    local %r: i32
entry:
    %r = call @big(i32 0)
    ret.i32 %r
}
