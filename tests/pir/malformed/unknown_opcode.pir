; error: frob
func @main() -> i32 {
    local %x: i32
entry:
    %x = frob.i32 1, 2
    ret.i32 %x
}
