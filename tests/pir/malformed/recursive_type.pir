; error: :loop
type :loop = { i32, :loop }

func @main() -> i32 {
entry:
    ret.i32 0
}
