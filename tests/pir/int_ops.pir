; Integer binary, compare and unary opcodes at every width, with the
; corner cases: wrapping, MIN / -1, shifts masked to the width.
; expect-exit: 0
; expect-stdout:
; |-2147483648 2147483647 0 -42
; |-3 -1 2147483644 1
; |-2147483648 0 -3 1
; |8 14 6 -13
; |2 15 -16 -2147483648
; |1 0 1 1
; |1 0 0 1
; |0 1 0 1
; |-128 0 65535 -16384
; |0 -9223372036854775808 9223372036854775807
; |-9223372036854775808 -1 5
source "int_ops.pir"

global @f3: [13 x i8] = { bytes "%d %d %d %d\0a\00" }
global @fl: [18 x i8] = { bytes "%lld %lld %llu\0a\00" }

declare @printf(ptr, ...) -> i32

func @main() -> i32 {
    local %f: ptr
    local %a: i32
    local %b: i32
    local %c: i32
    local %d: i32
    local %x: i64
    local %y: i64
    local %z: i64
    local %p8: i8
    local %p16: i16
entry:
    %f = addr @f3
    %a = add.i32 2147483647, 1
    %b = sub.i32 -2147483648, 1
    %c = mul.i32 65536, 65536
    %d = mul.i32 -7, 6
    call @printf(ptr %f, i32 %a, i32 %b, i32 %c, i32 %d)
    %a = sdiv.i32 -7, 2
    %b = srem.i32 -7, 2
    %c = udiv.i32 -7, 2
    %d = urem.i32 -7, 2
    call @printf(ptr %f, i32 %a, i32 %b, i32 %c, i32 %d)
    %a = sdiv.i32 -2147483648, -1
    %b = srem.i32 -2147483648, -1
    %c = sdiv.i32 7, -2
    %d = srem.i32 7, -2
    call @printf(ptr %f, i32 %a, i32 %b, i32 %c, i32 %d)
    %a = and.i32 12, 10
    %b = or.i32 12, 10
    %c = xor.i32 12, 10
    %d = not.i32 12
    call @printf(ptr %f, i32 %a, i32 %b, i32 %c, i32 %d)
    %a = shl.i32 1, 33
    %b = lshr.i32 -1, 28
    %c = ashr.i32 -256, 4
    %d = neg.i32 -2147483648
    call @printf(ptr %f, i32 %a, i32 %b, i32 %c, i32 %d)
    %a = slt.i32 -1, 1
    %b = ult.i32 -1, 1
    %c = sge.i32 5, 5
    %d = ugt.i32 -1, 0
    call @printf(ptr %f, i32 %a, i32 %b, i32 %c, i32 %d)
    %a = eq.i32 3, 3
    %b = ne.i32 3, 3
    %c = sle.i32 -5, -6
    %d = ule.i32 0, 0
    call @printf(ptr %f, i32 %a, i32 %b, i32 %c, i32 %d)
    %a = sgt.i64 -1, 0
    %b = uge.i64 -1, 0
    %c = ult.i8 -1, 1
    %d = slt.i16 -1, 1
    call @printf(ptr %f, i32 %a, i32 %b, i32 %c, i32 %d)
    %p8 = add.i8 127, 1
    %a = sext.i8.i32 %p8
    %p8 = mul.i8 16, 16
    %b = sext.i8.i32 %p8
    %p16 = sub.i16 0, 1
    %c = zext.i16.i32 %p16
    %p16 = ashr.i16 -32768, 17
    %d = sext.i16.i32 %p16
    call @printf(ptr %f, i32 %a, i32 %b, i32 %c, i32 %d)
    %f = addr @fl
    %x = mul.i64 4294967296, 4294967296
    %y = sdiv.i64 -9223372036854775808, -1
    %z = lshr.i64 -1, 1
    call @printf(ptr %f, i64 %x, i64 %y, i64 %z)
    %x = shl.i64 1, 63
    %y = ashr.i64 %x, 63
    %z = urem.i64 -1, 10
    call @printf(ptr %f, i64 %x, i64 %y, i64 %z)
    ret.i32 0
}
