; A self tail call made a loop (pivm_ir::tailrec) starts the function
; over: a local it reads before it sets (%seen: 0 in every activation)
; reads 0 again on each round, an accumulated sum adds what each round
; returned, and a parameter read by a later argument is read before it
; is set. Run unoptimized, the same program prints the same.
; expect-exit: 0
; expect-stdout:
; |steps 10 seen 0 sum 55
; |swap 6 11
source "tail_zeroed.pir"

global @fmt: [26 x i8] = { bytes "steps %d seen %d sum %d\0a\00" }
global @fmt2: [12 x i8] = { bytes "swap %d %d\0a\00" }
global @last: i32 = { i32 0 }

declare @printf(ptr, ...) -> i32

func @steps(%n: i32) -> i32 {
    local %seen: i32
    local %g: ptr
    local %c: i32
    local %m: i32
    local %r: i32
entry:
    %g = addr @last
    store.i32 %g, %seen
    %seen = add.i32 %seen, %n
    %c = sle.i32 %n, 0
    br.i32 %c, done, more
done:
    ret.i32 0
more:
    %m = sub.i32 %n, 1
    %r = call @steps(i32 %m)
    %r = add.i32 %seen, %r
    ret.i32 %r
}

func @swap(%a: i32, %b: i32, %n: i32) -> i32 {
    local %c: i32
    local %r: i32
    local %m: i32
entry:
    %c = sle.i32 %n, 0
    br.i32 %c, done, more
done:
    %r = mul.i32 %a, 1000
    %r = add.i32 %r, %b
    ret.i32 %r
more:
    %m = sub.i32 %n, 1
    %r = call @swap(i32 %b, i32 %a, i32 %m)
    ret.i32 %r
}

func @main() -> i32 {
    local %f: ptr
    local %s: i32
    local %l: i32
    local %g: ptr
    local %w: i32
    local %x: i32
    local %y: i32
entry:
    %s = call @steps(i32 10)
    %g = addr @last
    %l = load.i32 %g
    %f = addr @fmt
    call @printf(ptr %f, i32 10, i32 %l, i32 %s)
    %w = call @swap(i32 6, i32 11, i32 4)
    %x = sdiv.i32 %w, 1000
    %y = srem.i32 %w, 1000
    %f = addr @fmt2
    call @printf(ptr %f, i32 %x, i32 %y)
    ret.i32 0
}
