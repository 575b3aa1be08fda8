; error: truncated.pir:2:1: function '@main' has no closing
func @main() -> i32 {
    local %x: i32
entry:
    %x = copy.i32 1
    ret.i32 %x
