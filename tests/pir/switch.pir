; switch: dense and sparse cases, negative cases, default, i8 values.
; expect-exit: 0
; expect-stdout:
; |100
; |101
; |95
; |106
; |-1
; |1
; |0
; |12
source "switch.pir"

global @fmt: [4 x i8] = { bytes "%d\0a\00" }

declare @printf(ptr, ...) -> i32

func @classify(%v: i32) -> i32 {
entry:
    switch.i32 %v, other [0: zero, 1: one, -5: minus5, 1000000: big]
zero:
    ret.i32 100
one:
    ret.i32 101
minus5:
    ret.i32 95
big:
    ret.i32 106
other:
    ret.i32 -1
}

func @small(%v: i8) -> i32 {
entry:
    switch.i8 %v, no [-1: yes]
yes:
    ret.i32 1
no:
    ret.i32 0
}

func @main() -> i32 {
    local %f: ptr
    local %i: i32
    local %r: i32
    local %c: i32
    local %b: i8
entry:
    %f = addr @fmt
    %r = call @classify(i32 0)
    call @printf(ptr %f, i32 %r)
    %r = call @classify(i32 1)
    call @printf(ptr %f, i32 %r)
    %r = call @classify(i32 -5)
    call @printf(ptr %f, i32 %r)
    %r = call @classify(i32 1000000)
    call @printf(ptr %f, i32 %r)
    %r = call @classify(i32 7)
    call @printf(ptr %f, i32 %r)
    %b = trunc.i32.i8 255
    %r = call @small(i8 %b)
    call @printf(ptr %f, i32 %r)
    %r = call @small(i8 127)
    call @printf(ptr %f, i32 %r)
    %i = copy.i32 0
    %r = copy.i32 0
    jump loop
loop:
    %c = slt.i32 %i, 10
    br.i32 %c, body, done
body:
    switch.i32 %i, step [2: add, 3: add, 7: add]
add:
    %r = add.i32 %r, %i
    jump step
step:
    %i = add.i32 %i, 1
    jump loop
done:
    call @printf(ptr %f, i32 %r)
    ret.i32 0
}
