; error: i33
func @main() -> i32 {
    local %x: i33
entry:
    ret.i32 0
}
