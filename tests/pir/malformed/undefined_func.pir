; error: @nope
func @main() -> i32 {
    local %x: i32
entry:
    %x = call @nope(i32 1)
    ret.i32 %x
}
