; A store far outside VM memory traps as out of bounds.
; expect-error: pivm: trap: memory access out of bounds in function 'main' at trap_oob.c:3
; expect-exit: 139
source "trap_oob.c"

func @main() -> i32 {
entry:
    line 3
    store.i64 1099511627776, 1
    ret.i32 0
}
