; free of a pointer into a live block (not its start) traps, in a slab
; (small block) and in a large block; the blocks stay live.
; expect-error: pivm: trap: invalid call to a runtime function in function 'main' at trap_free_interior.c:12
; expect-exit: 134
; expect-stdout:
; |ok
source "trap_free_interior.c"

global @fmt: [4 x i8] = { bytes "ok\0a\00" }

declare @malloc(i64) -> ptr
declare @free(ptr)
declare @printf(ptr, ...) -> i32

func @main() -> i32 {
    local %p: ptr
    local %q: ptr
    local %f: ptr
entry:
    line 8
    %p = call @malloc(i64 48)
    %q = call @malloc(i64 5000)
    %f = addr @fmt
    call @printf(ptr %f)
    line 12
    %p = add.ptr %p, 16
    call @free(ptr %p)
    ret.i32 0
}
