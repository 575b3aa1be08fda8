; error: 300
func @main() -> i32 {
    local %x: i8
entry:
    %x = copy.i8 300
    ret.i32 0
}
