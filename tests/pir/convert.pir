; Conversions: integer widening and narrowing, float widening and
; narrowing, int <-> float (saturating, NaN -> 0), bitcasts.
; expect-exit: 0
; expect-stdout:
; |44 -56 200 1 2
; |-2 2147483647 -2147483648 0 0
; |127 255 -32768 -1 2
; |-1 4294967295 9223372036854775807 -1
; |-9007199254740992 16777216 16777216
; |4294967295 0.10000000149011612 255
; |c000000000000000 3f800000 3.1400000000000001
source "convert.pir"

global @fi: [16 x i8] = { bytes "%d %d %d %d %d\0a\00" }
global @fl: [21 x i8] = { bytes "%lld %llu %lld %lld\0a\00" }
global @ff: [19 x i8] = { bytes "%.17g %.17g %.9g\0a\00" }
global @fx: [15 x i8] = { bytes "%llx %x %.17g\0a\00" }

declare @printf(ptr, ...) -> i32

func @main() -> i32 {
    local %f: ptr
    local %a: i32
    local %b: i32
    local %c: i32
    local %d: i32
    local %e: i32
    local %x: i64
    local %y: i64
    local %z: i64
    local %w: i64
    local %b8: i8
    local %h: i16
    local %p: f64
    local %q: f64
    local %s: f32
    local %nan: f64
entry:
    %f = addr @fi
    %b8 = trunc.i32.i8 300
    %a = sext.i8.i32 %b8
    %b8 = trunc.i32.i8 200
    %b = sext.i8.i32 %b8
    %c = zext.i8.i32 %b8
    %h = trunc.i64.i16 -65535
    %d = sext.i16.i32 %h
    %e = trunc.i64.i32 4294967298
    call @printf(ptr %f, i32 %a, i32 %b, i32 %c, i32 %d, i32 %e)
    %a = ftosi.f64.i32 -2.9
    %b = ftosi.f64.i32 1e20
    %c = ftosi.f64.i32 -1e20
    %nan = fdiv.f64 0.0, 0.0
    %d = ftosi.f64.i32 %nan
    %e = ftoui.f64.i32 -5.0
    call @printf(ptr %f, i32 %a, i32 %b, i32 %c, i32 %d, i32 %e)
    %b8 = ftosi.f64.i8 1000.0
    %a = sext.i8.i32 %b8
    %b8 = ftoui.f32.i8 255.9
    %b = zext.i8.i32 %b8
    %h = ftosi.f32.i16 -40000.0
    %c = sext.i16.i32 %h
    %d = ftoui.f64.i32 4294967295.5
    %e = ftosi.f32.i32 2.5
    call @printf(ptr %f, i32 %a, i32 %b, i32 %c, i32 %d, i32 %e)
    %f = addr @fl
    %x = sext.i32.i64 -1
    %y = zext.i32.i64 -1
    %z = ftosi.f64.i64 9.3e18
    %w = ftoui.f64.i64 1.9e19
    call @printf(ptr %f, i64 %x, i64 %y, i64 %z, i64 %w)
    %f = addr @ff
    %p = sitof.i64.f64 -9007199254740993
    %q = uitof.i64.f64 -1
    %s = sitof.i32.f32 16777217
    %q = fext.f32.f64 %s
    call @printf(ptr %f, f64 %p, f64 %q, f64 %q)
    %p = uitof.i32.f64 -1
    %s = ftrunc.f64.f32 0.1
    %q = fext.f32.f64 %s
    %s = uitof.i8.f32 -1
    %nan = fext.f32.f64 %s
    call @printf(ptr %f, f64 %p, f64 %q, f64 %nan)
    %f = addr @fx
    %x = bitcast.f64.i64 -2.0
    %a = bitcast.f32.i32 1.0
    %p = bitcast.i64.f64 4614253070214989087
    call @printf(ptr %f, i64 %x, i32 %a, f64 %p)
    ret.i32 0
}
