; error: nowhere
func @main() -> i32 {
entry:
    jump nowhere
}
