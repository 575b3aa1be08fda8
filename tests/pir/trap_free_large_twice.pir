; a double free of a large block traps (its place is a gap below a live
; block by then, and the small block after it comes from an older slab).
; expect-error: pivm: trap: invalid call to a runtime function in function 'main' at trap_free_large_twice.c:11
; expect-exit: 134
source "trap_free_large_twice.c"

declare @malloc(i64) -> ptr
declare @free(ptr)

func @main() -> i32 {
    local %p: ptr
    local %q: ptr
    local %r: ptr
    local %s: ptr
entry:
    line 8
    %s = call @malloc(i64 16)
    %p = call @malloc(i64 6000)
    %q = call @malloc(i64 100000)
    call @free(ptr %p)
    %r = call @malloc(i64 16)
    line 11
    call @free(ptr %p)
    ret.i32 0
}
