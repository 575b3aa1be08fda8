; A pointer into a slot moved out of memory between setjmp and the longjmp
; back to it: the access after the landing is checked (compiled code
; does not take the address from before the setjmp), on both engines.
; expect-error: pivm: trap: memory access out of bounds in function 'main'
; expect-exit: 139
source "trap_longjmp_frame.c"

type :__pivm_jmp_buf_tag = { [4 x i64] }

global @jb: [1 x :__pivm_jmp_buf_tag]

declare @setjmp(ptr) -> i32
declare @longjmp(ptr, i32)

func @jump(%b: ptr) {
entry:
    call @longjmp(ptr %b, i32 1)
    ret
}

func @main() -> i32 {
    local %p: ptr
    local %b: ptr
    local %r: i32
    slot $s: i64
entry:
    %b = addr @jb
    %p = addr $s
    %r = call @setjmp(ptr %b)
    store.i64 %p, 1
    br.i32 %r, done, other
other:
    %p = add.ptr %p, 1099511627776
    call @jump(ptr %b)
    ret.i32 0
done:
    ret.i32 0
}
