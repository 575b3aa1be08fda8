source "fib.pir"

global @fmt: [14 x i8] = { bytes "fib(%d) = %d\0a\00" }

declare @printf(ptr, ...) -> i32
declare @atoi(ptr) -> i32

func @fib(%n: i32) -> i32 {
    local %c: i32
    local %a: i32
    local %b: i32
    local %n1: i32
entry:
    %c = slt.i32 %n, 2
    br.i32 %c, small, big
small:
    ret.i32 %n
big:
    %n1 = sub.i32 %n, 1
    %a = call @fib(i32 %n1)
    %n1 = sub.i32 %n, 2
    %b = call @fib(i32 %n1)
    %a = add.i32 %a, %b
    ret.i32 %a
}

func @main(%argc: i32, %argv: ptr) -> i32 {
    local %n: i32
    local %r: i32
    local %c: i32
    local %p: ptr
    local %f: ptr
entry:
    %n = copy.i32 25
    %c = sgt.i32 %argc, 1
    br.i32 %c, arg, go
arg:
    %p = add.ptr %argv, 8
    %p = load.ptr %p
    %n = call @atoi(ptr %p)
    jump go
go:
    %r = call @fib(i32 %n)
    %f = addr @fmt
    call @printf(ptr %f, i32 %n, i32 %r)
    ret.i32 0
}
