; Builtins check whole ranges: a memcpy running past memory traps.
; expect-error: pivm: trap: memory access out of bounds in function 'main'
; expect-exit: 139
source "trap_memcpy.c"

declare @malloc(i64) -> ptr
declare @memcpy(ptr, ptr, i64) -> ptr

func @main() -> i32 {
    local %p: ptr
entry:
    %p = call @malloc(i64 16)
    call @memcpy(ptr %p, ptr %p, i64 1099511627776)
    ret.i32 0
}
