; error: function @main
func @main() -> i32 {
entry:
    ret.f64 1.0
}
