; A load through a null pointer traps with the function and source line.
; expect-error: pivm: trap: null pointer dereference in function 'peek' at trap_null.c:7
; expect-exit: 139
source "trap_null.c"

func @peek(%p: ptr) -> i32 {
    local %v: i32
entry:
    line 7
    %v = load.i32 %p
    ret.i32 %v
}

func @main() -> i32 {
    local %v: i32
entry:
    line 12
    %v = call @peek(ptr 0)
    ret.i32 %v
}
