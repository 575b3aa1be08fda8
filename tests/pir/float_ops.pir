; Float binary, compare and unary opcodes in f32 and f64, NaN and
; infinities, f32 rounding once per operation.
; expect-exit: 0
; expect-stdout:
; |0.30000000000000004 0.099999999999999978 inf -inf
; |0.30000001192092896 0.3333333432674408 1.67772e+07 -1.67772e+07
; |-0 nan 0 -inf
; |0 1 0 0 1
; |1 1 0 1 1
source "float_ops.pir"

global @fmt: [21 x i8] = { bytes "%.17g %.17g %g %g\0a\00" }
global @cmp: [16 x i8] = { bytes "%d %d %d %d %d\0a\00" }

declare @printf(ptr, ...) -> i32

func @main() -> i32 {
    local %f: ptr
    local %g: ptr
    local %a: f64
    local %b: f64
    local %c: f64
    local %d: f64
    local %s: f32
    local %t: f32
    local %i: i32
    local %j: i32
    local %k: i32
    local %l: i32
    local %m: i32
    local %nan: f64
entry:
    %f = addr @fmt
    %g = addr @cmp
    %a = fadd.f64 0.1, 0.2
    %b = fsub.f64 1.0, 0.9
    %c = fmul.f64 1e300, 10000000000.0
    %d = fdiv.f64 -1.0, 0.0
    call @printf(ptr %f, f64 %a, f64 %b, f64 %c, f64 %d)
    %s = fadd.f32 0.1, 0.2
    %a = fext.f32.f64 %s
    %s = fdiv.f32 1.0, 3.0
    %b = fext.f32.f64 %s
    %s = fmul.f32 16777216.0, 1.0
    %t = fadd.f32 %s, 1.0
    %c = fext.f32.f64 %t
    %t = fneg.f32 %s
    %d = fext.f32.f64 %t
    call @printf(ptr %f, f64 %a, f64 %b, f64 %c, f64 %d)
    %nan = fdiv.f64 0.0, 0.0
    %a = fneg.f64 0.0
    %b = fmul.f64 0x7ff8000000000000, 0.0
    %c = fsub.f64 %d, %d
    %d = fdiv.f64 1.0, %a
    call @printf(ptr %f, f64 %a, f64 %b, f64 %c, f64 %d)
    %i = feq.f64 %nan, %nan
    %j = fne.f64 %nan, %nan
    %k = flt.f64 %nan, 1.0
    %l = fge.f64 %nan, 1.0
    %m = feq.f64 0.0, -0.0
    call @printf(ptr %g, i32 %i, i32 %j, i32 %k, i32 %l, i32 %m)
    %i = flt.f32 1.0, 2.0
    %j = fle.f32 2.0, 2.0
    %k = fgt.f32 1.0, 2.0
    %l = fge.f64 2.5, 2.5
    %m = fgt.f64 0x7ff0000000000000, 1e308
    call @printf(ptr %g, i32 %i, i32 %j, i32 %k, i32 %l, i32 %m)
    ret.i32 0
}
