; free of a pointer malloc never returned traps; so does a double free.
; expect-error: pivm: trap: invalid call to a runtime function in function 'main' at trap_free.c:9
; expect-exit: 134
source "trap_free.c"

declare @malloc(i64) -> ptr
declare @free(ptr)

func @main() -> i32 {
    local %p: ptr
entry:
    line 8
    %p = call @malloc(i64 10)
    call @free(ptr %p)
    line 9
    call @free(ptr %p)
    ret.i32 0
}
