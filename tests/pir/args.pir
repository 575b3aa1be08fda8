; argc/argv: argv[0] is the program path, then the arguments.
; args: one two-2 3
; expect-exit: 5
; expect-stdout:
; |1: one
; |2: two-2
; |3: 3
source "args.pir"

global @fmt: [8 x i8] = { bytes "%d: %s\0a\00" }

declare @printf(ptr, ...) -> i32
declare @strlen(ptr) -> i64

func @main(%argc: i32, %argv: ptr) -> i32 {
    local %i: i32
    local %c: i32
    local %p: ptr
    local %s: ptr
    local %f: ptr
    local %off: i64
entry:
    %f = addr @fmt
    %i = copy.i32 1
    jump loop
loop:
    %c = slt.i32 %i, %argc
    br.i32 %c, body, done
body:
    %off = sext.i32.i64 %i
    %off = mul.i64 %off, 8
    %p = add.ptr %argv, %off
    %s = load.ptr %p
    call @printf(ptr %f, i32 %i, ptr %s)
    %i = add.i32 %i, 1
    jump loop
done:
    %off = sext.i32.i64 %argc
    %off = mul.i64 %off, 8
    %p = add.ptr %argv, %off
    %s = load.ptr %p
    %c = eq.ptr %s, 0
    %s = load.ptr %argv
    %off = call @strlen(ptr %s)
    %i = trunc.i64.i32 %off
    %c = add.i32 %c, %argc
    ret.i32 %c
}
