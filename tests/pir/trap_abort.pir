; abort() ends the program with exit code 134.
; expect-error: pivm: trap: abort() called in function 'main'
; expect-exit: 134
source "trap_abort.c"

declare @abort()

func @main() -> i32 {
entry:
    call @abort()
    ret.i32 0
}
