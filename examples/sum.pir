; Sums the integers 1..n in a loop (n from argv[1], default 1000000).
; Usage: pivm run examples/sum.pir -- 100
source "sum.pir"

global @fmt: [19 x i8] = { bytes "sum(1..%d) = %lld\0a\00" }

declare @printf(ptr, ...) -> i32
declare @atoi(ptr) -> i32

func @main(%argc: i32, %argv: ptr) -> i32 {
    local %n: i32
    local %i: i32
    local %sum: i64
    local %wide: i64
    local %c: i32
    local %p: ptr
    local %f: ptr
entry:
    %n = copy.i32 1000000
    %c = sgt.i32 %argc, 1
    br.i32 %c, arg, start
arg:
    %p = add.ptr %argv, 8
    %p = load.ptr %p
    %n = call @atoi(ptr %p)
    jump start
start:
    %i = copy.i32 1
    %sum = copy.i64 0
    jump head
head:
    %c = sle.i32 %i, %n
    br.i32 %c, body, done
body:
    %wide = sext.i32.i64 %i
    %sum = add.i64 %sum, %wide
    %i = add.i32 %i, 1
    jump head
done:
    %f = addr @fmt
    call @printf(ptr %f, i32 %n, i64 %sum)
    ret.i32 0
}
