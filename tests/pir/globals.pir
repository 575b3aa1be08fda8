; Globals: scalar and struct initializers, zero fill, relocations to other
; globals with offsets, globals laid out at their alignment, stores.
; expect-exit: 0
; expect-stdout:
; |-3 -1 30 2 2.5
; |41 99 0
source "globals.pir"

type :pair = { i8, i64 }
type :node = { i32, ptr }

global @c: i8 = { i8 -3 }
global @p: :pair = { i8 7, zero 7, i64 -1 }
global @nums: [4 x i32] = { i32 10, i32 20, i32 30, i32 40 }
global @third: ptr = { ptr @nums +8 }
global @n2: :node = { i32 2, zero 4, ptr 0 }
global @n1: :node = { i32 1, zero 4, ptr @n2 }
global @counter: i64
global @d: f64 = { f64 2.5 }
global @fmt: [21 x i8] = { bytes "%d %lld %d %d %g\0a\00" }
global @fmt2: [10 x i8] = { bytes "%d %d %d\0a\00" }

declare @printf(ptr, ...) -> i32

func @main() -> i32 {
    local %f: ptr
    local %a: ptr
    local %v: i32
    local %w: i64
    local %b: i8
    local %x: i32
    local %t: i32
    local %g: f64
    local %k: i64
entry:
    %f = addr @fmt
    %a = addr @c
    %b = load.i8 %a
    %x = sext.i8.i32 %b
    %a = addr @p
    %a = add.ptr %a, 8
    %w = load.i64 %a
    %a = addr @third
    %a = load.ptr %a
    %v = load.i32 %a
    %a = addr @n1
    %a = add.ptr %a, 8
    %a = load.ptr %a
    %t = load.i32 %a
    %a = addr @d
    %g = load.f64 %a
    call @printf(ptr %f, i32 %x, i64 %w, i32 %v, i32 %t, f64 %g)
    %a = addr @counter
    %k = load.i64 %a
    %k = add.i64 %k, 41
    store.i64 %a, %k
    %k = load.i64 %a
    %x = trunc.i64.i32 %k
    %a = addr @nums
    %a = add.ptr %a, 12
    store.i32 %a, 99
    %a = addr @third
    %a = load.ptr %a
    %a = add.ptr %a, 4
    %v = load.i32 %a
    %a = addr @p
    %k = and.i64 %a, 7
    %t = trunc.i64.i32 %k
    %f = addr @fmt2
    call @printf(ptr %f, i32 %x, i32 %v, i32 %t)
    ret.i32 0
}
