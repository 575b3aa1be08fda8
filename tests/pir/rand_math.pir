; rand/srand follow glibc (values checked against gcc), and the math
; builtins give the libm crate's results, the same on every host: glibc's
; but for log(2.3), one ulp above glibc's correctly rounded 0.83290912293510388.
; expect-exit: 0
; expect-stdout:
; |71876166
; |708592740
; |1483128881
; |907283241
; |442951012
; |1804289383
; |254925627
; |0.64421768723769102 0.7648421872844885 0.84228838046307941 9.9741824548147182
; |0.832909122935104 0.36172783601759284 1.2016338611696504 0.44027648647741346
; |0.77539749661075297 0.79539883018414359 1.1606689862534056 2.8461518164460733
; |0.75858370183953339 1.255169005630943 0.98009639626619138 1.51657508881031
; |-3 -2 -3 -2 3 3
; |1.5 5 1 2
source "rand_math.pir"

global @fd: [4 x i8] = { bytes "%d\0a\00" }
global @f4: [25 x i8] = { bytes "%.17g %.17g %.17g %.17g\0a\00" }
global @f6: [19 x i8] = { bytes "%g %g %g %g %g %g\0a\00" }
global @f2: [19 x i8] = { bytes "%.17g %.17g %g %g\0a\00" }

declare @printf(ptr, ...) -> i32
declare @rand() -> i32
declare @srand(i32)
declare @sin(f64) -> f64
declare @cos(f64) -> f64
declare @tan(f64) -> f64
declare @exp(f64) -> f64
declare @log(f64) -> f64
declare @log10(f64) -> f64
declare @log2(f64) -> f64
declare @pow(f64, f64) -> f64
declare @asin(f64) -> f64
declare @acos(f64) -> f64
declare @atan(f64) -> f64
declare @atan2(f64, f64) -> f64
declare @sinh(f64) -> f64
declare @cosh(f64) -> f64
declare @tanh(f64) -> f64
declare @sqrt(f64) -> f64
declare @floor(f64) -> f64
declare @ceil(f64) -> f64
declare @round(f64) -> f64
declare @trunc(f64) -> f64
declare @fabs(f64) -> f64
declare @fmod(f64, f64) -> f64
declare @hypot(f64, f64) -> f64
declare @fmin(f64, f64) -> f64
declare @fmax(f64, f64) -> f64

func @main() -> i32 {
    local %f: ptr
    local %i: i32
    local %c: i32
    local %r: i32
    local %a: f64
    local %b: f64
    local %d: f64
    local %e: f64
    local %g: f64
entry:
    %f = addr @fd
    call @srand(i32 42)
    %i = copy.i32 0
    jump loop
loop:
    %c = slt.i32 %i, 5
    br.i32 %c, body, done
body:
    %r = call @rand()
    call @printf(ptr %f, i32 %r)
    %i = add.i32 %i, 1
    jump loop
done:
    call @srand(i32 0)
    %r = call @rand()
    call @printf(ptr %f, i32 %r)
    call @srand(i32 -1)
    %r = call @rand()
    call @printf(ptr %f, i32 %r)
    %f = addr @f4
    %a = call @sin(f64 0.7)
    %b = call @cos(f64 0.7)
    %d = call @tan(f64 0.7)
    %e = call @exp(f64 2.3)
    call @printf(ptr %f, f64 %a, f64 %b, f64 %d, f64 %e)
    %a = call @log(f64 2.3)
    %b = call @log10(f64 2.3)
    %d = call @log2(f64 2.3)
    %e = call @pow(f64 0.7, f64 2.3)
    call @printf(ptr %f, f64 %a, f64 %b, f64 %d, f64 %e)
    %a = call @asin(f64 0.7)
    %b = call @acos(f64 0.7)
    %d = call @atan(f64 2.3)
    %e = call @atan2(f64 0.7, f64 -2.3)
    call @printf(ptr %f, f64 %a, f64 %b, f64 %d, f64 %e)
    %a = call @sinh(f64 0.7)
    %b = call @cosh(f64 0.7)
    %d = call @tanh(f64 2.3)
    %e = call @sqrt(f64 2.3)
    call @printf(ptr %f, f64 %a, f64 %b, f64 %d, f64 %e)
    %f = addr @f6
    %a = call @floor(f64 -2.5)
    %b = call @ceil(f64 -2.5)
    %d = call @round(f64 -2.5)
    %e = call @trunc(f64 -2.7)
    %g = call @fabs(f64 -3.0)
    %c = copy.i32 0
    call @printf(ptr %f, f64 %a, f64 %b, f64 %d, f64 %e, f64 %g, f64 3.0)
    %f = addr @f2
    %a = call @fmod(f64 7.5, f64 -2.0)
    %b = call @hypot(f64 3.0, f64 4.0)
    %d = call @fmin(f64 1.0, f64 0x7ff8000000000000)
    %e = call @fmax(f64 -1.0, f64 2.0)
    call @printf(ptr %f, f64 %a, f64 %b, f64 %d, f64 %e)
    ret.i32 0
}
