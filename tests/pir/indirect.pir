; Indirect calls through function pointers: from `addr @f`, from a global
; table initialized with function addresses, passed as arguments.
; expect-exit: 0
; expect-stdout:
; |0 10
; |1 4
; |2 21
; |9 81
; |0 18
source "indirect.pir"

global @table: [3 x ptr] = { ptr @add, ptr @sub, ptr @mul }
global @fmt: [7 x i8] = { bytes "%d %d\0a\00" }

declare @printf(ptr, ...) -> i32

func @add(%a: i32, %b: i32) -> i32 {
    local %r: i32
entry:
    %r = add.i32 %a, %b
    ret.i32 %r
}

func @sub(%a: i32, %b: i32) -> i32 {
    local %r: i32
entry:
    %r = sub.i32 %a, %b
    ret.i32 %r
}

func @mul(%a: i32, %b: i32) -> i32 {
    local %r: i32
entry:
    %r = mul.i32 %a, %b
    ret.i32 %r
}

func @apply(%fp: ptr, %x: i32) -> i32 {
    local %r: i32
entry:
    %r = call %fp(i32 %x, i32 %x)
    ret.i32 %r
}

func @main() -> i32 {
    local %f: ptr
    local %i: i32
    local %c: i32
    local %p: ptr
    local %fp: ptr
    local %r: i32
    local %off: i64
entry:
    %f = addr @fmt
    %i = copy.i32 0
    jump loop
loop:
    %c = slt.i32 %i, 3
    br.i32 %c, body, done
body:
    %off = sext.i32.i64 %i
    %off = mul.i64 %off, 8
    %p = addr @table
    %p = add.ptr %p, %off
    %fp = load.ptr %p
    %r = call %fp(i32 7, i32 3)
    call @printf(ptr %f, i32 %i, i32 %r)
    %i = add.i32 %i, 1
    jump loop
done:
    %fp = addr @mul
    %r = call @apply(ptr %fp, i32 9)
    call @printf(ptr %f, i32 9, i32 %r)
    %p = addr @add
    %c = eq.ptr %p, %fp
    %r = call @apply(ptr %p, i32 9)
    call @printf(ptr %f, i32 %c, i32 %r)
    ret.i32 0
}
