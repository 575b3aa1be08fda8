; realloc of a freed block traps, even when its slot's slab is still live
; (another block in it) and the slab has a second type.
; expect-error: pivm: trap: invalid call to a runtime function in function 'main' at trap_realloc_freed.c:14
; expect-exit: 134
source "trap_realloc_freed.c"

declare @malloc(i64) -> ptr
declare @realloc(ptr, i64) -> ptr
declare @free(ptr)

func @main() -> i32 {
    local %p: ptr
    local %q: ptr
    local %r: ptr
entry:
    line 8
    %p = call @malloc(i64 24) as i64
    %q = call @malloc(i64 20) as [5 x i32]
    %r = call @malloc(i64 17)
    call @free(ptr %p)
    line 14
    %p = call @realloc(ptr %p, i64 30)
    ret.i32 0
}
