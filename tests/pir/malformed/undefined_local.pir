; error: %y
func @main() -> i32 {
    local %x: i32
entry:
    %x = copy.i32 %y
    ret.i32 %x
}
