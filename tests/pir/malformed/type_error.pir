; error: function @main
func @main() -> i32 {
    local %x: i32
    local %p: ptr
entry:
    %p = copy.ptr 0
    %x = add.i32 %x, %p
    ret.i32 %x
}
