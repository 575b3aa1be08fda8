; main's return value becomes the exit status, low 8 bits like a process.
; expect-exit: 44
source "main_ret.pir"

func @main() -> i32 {
entry:
    ret.i32 300
}
