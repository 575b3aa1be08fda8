; error: @printf
declare @printf(i32) -> i32

func @main() -> i32 {
entry:
    ret.i32 0
}
