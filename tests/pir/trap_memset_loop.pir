; A fill whose length is known only at run time, in a loop (compiled code
; fills 8 to 64 bytes inline after checking both ends of the range): the
; fills before the bad one ran, and one that starts in the null page traps
; as the runtime's memset does, on both engines.
; expect-error: pivm: trap: null pointer dereference in function 'main'
; expect-exit: 139
; expect-stdout:
; |7
; |7
source "trap_memset_loop.c"

global @fmt: [4 x i8] = { bytes "%d\0a\00" }

declare @malloc(i64) -> ptr
declare @memset(ptr, i32, i64) -> ptr
declare @printf(ptr, ...) -> i32

func @main() -> i32 {
    local %p: ptr
    local %q: ptr
    local %n: i64
    local %i: i32
    local %c: i32
    local %b: i8
    local %v: i32
entry:
    %p = call @malloc(i64 64)
    %n = sub.i64 %p, %p
    %n = add.i64 %n, 24
    %i = copy.i32 0
    jump loop
loop:
    %c = slt.i32 %i, 3
    br.i32 %c, body, done
body:
    call @memset(ptr %p, i32 7, i64 %n)
    %b = load.i8 %p
    %v = zext.i8.i32 %b
    %q = addr @fmt
    call @printf(ptr %q, i32 %v)
    %c = eq.i32 %i, 1
    br.i32 %c, null, next
null:
    %p = sub.ptr %p, %p
    %p = add.ptr %p, 16
    jump next
next:
    %i = add.i32 %i, 1
    jump loop
done:
    ret.i32 0
}
