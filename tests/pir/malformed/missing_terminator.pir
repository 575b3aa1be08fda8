; error: function @main
func @main() -> i32 {
    local %x: i32
entry:
    %x = copy.i32 1
}
