; Snapshots taken inside functions called through function pointers: a
; recursion through a table of two functions, each looping before it
; calls the other through the table, so a snapshot holds frames stopped
; at indirect calls, and a rewind re-issues each of them through the
; function table (`rewind.rs` resumes it on both engines).
; expect-exit: 0
; expect-stdout:
; |0 1940814752
; |1 -1172750961
; |2 1301716830
; |3 -855426259
; |4 -250317404
; |5 1110429075
source "indirect_rewind.pir"

global @table: [2 x ptr] = { ptr @even, ptr @odd }
global @fmt: [7 x i8] = { bytes "%d %d\0a\00" }

declare @printf(ptr, ...) -> i32

func @even(%n: i32, %acc: i32) -> i32 {
    local %i: i32
    local %c: i32
    local %p: ptr
    local %fp: ptr
    local %r: i32
entry:
    %c = slt.i32 %n, 1
    br.i32 %c, base, work
base:
    ret.i32 %acc
work:
    %i = copy.i32 0
    jump loop
loop:
    %c = slt.i32 %i, %n
    br.i32 %c, body, next
body:
    %acc = mul.i32 %acc, 3
    %acc = add.i32 %acc, %i
    %i = add.i32 %i, 1
    jump loop
next:
    %p = addr @table
    %p = add.ptr %p, 8
    %fp = load.ptr %p
    %n = sub.i32 %n, 1
    %r = call %fp(i32 %n, i32 %acc)
    %r = add.i32 %r, %n
    ret.i32 %r
}

func @odd(%n: i32, %acc: i32) -> i32 {
    local %i: i32
    local %c: i32
    local %p: ptr
    local %fp: ptr
    local %r: i32
entry:
    %c = slt.i32 %n, 1
    br.i32 %c, base, work
base:
    ret.i32 %acc
work:
    %i = copy.i32 0
    jump loop
loop:
    %c = slt.i32 %i, %n
    br.i32 %c, body, next
body:
    %acc = xor.i32 %acc, %i
    %acc = mul.i32 %acc, 5
    %i = add.i32 %i, 1
    jump loop
next:
    %p = addr @table
    %fp = load.ptr %p
    %n = sub.i32 %n, 1
    %r = call %fp(i32 %n, i32 %acc)
    %r = mul.i32 %r, 7
    ret.i32 %r
}

func @main() -> i32 {
    local %f: ptr
    local %k: i32
    local %c: i32
    local %fp: ptr
    local %p: ptr
    local %r: i32
entry:
    %f = addr @fmt
    %k = copy.i32 0
    jump loop
loop:
    %c = slt.i32 %k, 6
    br.i32 %c, body, done
body:
    %p = addr @table
    %fp = load.ptr %p
    %r = call %fp(i32 12, i32 %k)
    call @printf(ptr %f, i32 %k, i32 %r)
    %k = add.i32 %k, 1
    jump loop
done:
    ret.i32 0
}
