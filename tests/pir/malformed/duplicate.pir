; error: twice
func @main() -> i32 {
entry:
    ret.i32 0
}

func @main() -> i32 {
entry:
    ret.i32 1
}
