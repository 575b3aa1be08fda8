; Unbounded recursion hits the call depth limit (not in tail position:
; a tail call would be a loop, pivm_ir::tailrec).
; expect-error: pivm: trap: stack overflow in function 'down'
; expect-exit: 139
source "trap_stack.c"

func @down(%n: i32) -> i32 {
    local %r: i32
entry:
    %n = add.i32 %n, 1
    %r = call @down(i32 %n)
    %r = sub.i32 %n, %r
    ret.i32 %r
}

func @main() -> i32 {
    local %r: i32
entry:
    %r = call @down(i32 0)
    ret.i32 %r
}
