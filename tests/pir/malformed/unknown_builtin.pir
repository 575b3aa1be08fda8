; error: @launch_missiles
declare @launch_missiles() -> i32

func @main() -> i32 {
entry:
    ret.i32 0
}
