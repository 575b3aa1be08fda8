; exit(n) ends the program with code n after flushing stdout.
; expect-exit: 3
; expect-stdout:
; |bye 3
; expect-stdout-noeol
source "exit_call.pir"

global @msg: [7 x i8] = { bytes "bye %d\00" }

declare @printf(ptr, ...) -> i32
declare @exit(i32)

func @leave(%n: i32) {
    local %f: ptr
entry:
    %f = addr @msg
    call @printf(ptr %f, i32 %n)
    call @exit(i32 %n)
    unreachable
}

func @main() -> i32 {
entry:
    call @leave(i32 3)
    ret.i32 0
}
