; error: function @main
func @f(%a: i32) -> i32 {
entry:
    ret.i32 %a
}

func @main() -> i32 {
    local %x: i32
entry:
    %x = call @f(i32 1, i32 2)
    ret.i32 %x
}
