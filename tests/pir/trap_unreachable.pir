; Executing `unreachable` traps.
; expect-error: pivm: trap: unreachable code executed in function 'main'
; expect-exit: 132
source "trap_unreachable.c"

func @main() -> i32 {
entry:
    unreachable
}
