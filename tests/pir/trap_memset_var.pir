; A fill whose length is known only at run time checks its whole range
; (compiled code once, then the host's memset): one running past the end
; of memory traps, on both engines; the ones before it ran.
; expect-error: pivm: trap: memory access out of bounds in function 'main'
; expect-exit: 139
; expect-stdout:
; |7
source "trap_memset_var.c"

global @fmt: [4 x i8] = { bytes "%d\0a\00" }

declare @malloc(i64) -> ptr
declare @memset(ptr, i32, i64) -> ptr
declare @memmove(ptr, ptr, i64) -> ptr
declare @printf(ptr, ...) -> i32

func @main() -> i32 {
    local %p: ptr
    local %q: ptr
    local %n: i64
    local %b: i8
    local %v: i32
entry:
    %p = call @malloc(i64 64)
    %n = sub.i64 %p, %p
    %n = add.i64 %n, 24
    call @memset(ptr %p, i32 7, i64 %n)
    %q = add.ptr %p, 8
    call @memmove(ptr %q, ptr %p, i64 %n)
    %b = load.i8 %q
    %v = zext.i8.i32 %b
    %q = addr @fmt
    call @printf(ptr %q, i32 %v)
    %n = shl.i64 %n, 40
    call @memset(ptr %p, i32 0, i64 %n)
    ret.i32 0
}
