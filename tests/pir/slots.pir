; Shadow-stack slots: an array filled through pointers, a struct whose
; address is passed to a callee, slots in recursive frames.
; expect-exit: 0
; expect-stdout:
; |285 2 1
; |5050 0 0
source "slots.pir"

type :pt = { i32, i32 }

global @fmt: [10 x i8] = { bytes "%d %d %d\0a\00" }

declare @printf(ptr, ...) -> i32

func @swap(%p: ptr) {
    local %a: i32
    local %b: i32
    local %q: ptr
entry:
    %q = add.ptr %p, 4
    %a = load.i32 %p
    %b = load.i32 %q
    store.i32 %p, %b
    store.i32 %q, %a
    ret
}

func @depth(%n: i32) -> i32 {
    local %p: ptr
    local %c: i32
    local %r: i32
    local %m: i32
    slot $cell: i32
entry:
    %p = addr $cell
    store.i32 %p, %n
    %c = sle.i32 %n, 0
    br.i32 %c, base, rec
base:
    ret.i32 0
rec:
    %m = sub.i32 %n, 1
    %r = call @depth(i32 %m)
    %c = load.i32 %p
    %r = add.i32 %r, %c
    ret.i32 %r
}

func @main() -> i32 {
    local %f: ptr
    local %base: ptr
    local %p: ptr
    local %i: i32
    local %c: i32
    local %sum: i32
    local %v: i32
    local %off: i64
    local %x: i32
    local %y: i32
    slot $arr: [10 x i32]
    slot $pt: :pt
entry:
    %f = addr @fmt
    %base = addr $arr
    %i = copy.i32 0
    jump fill
fill:
    %c = slt.i32 %i, 10
    br.i32 %c, fbody, sum
fbody:
    %off = sext.i32.i64 %i
    %off = mul.i64 %off, 4
    %p = add.ptr %base, %off
    %v = mul.i32 %i, %i
    store.i32 %p, %v
    %i = add.i32 %i, 1
    jump fill
sum:
    %i = copy.i32 0
    %sum = copy.i32 0
    jump sloop
sloop:
    %c = slt.i32 %i, 10
    br.i32 %c, sbody, done
sbody:
    %off = sext.i32.i64 %i
    %off = mul.i64 %off, 4
    %p = add.ptr %base, %off
    %v = load.i32 %p
    %sum = add.i32 %sum, %v
    %i = add.i32 %i, 1
    jump sloop
done:
    %p = addr $pt
    store.i32 %p, 1
    %p = add.ptr %p, 4
    store.i32 %p, 2
    %p = addr $pt
    call @swap(ptr %p)
    %x = load.i32 %p
    %p = add.ptr %p, 4
    %y = load.i32 %p
    call @printf(ptr %f, i32 %sum, i32 %x, i32 %y)
    %v = call @depth(i32 100)
    call @printf(ptr %f, i32 %v, i32 0, i32 0)
    ret.i32 0
}
