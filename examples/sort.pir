; Fills a heap-allocated array with an LCG, sorts it with a recursive
; quicksort, checks it is sorted and prints a checksum.
; Usage: pivm run examples/sort.pir -- 100000   (default 20000)
source "sort.pir"

global @fmt: [36 x i8] = { bytes "sorted %d values, checksum %u (%s)\0a\00" }
global @ok: [3 x i8] = { bytes "ok\00" }
global @bad: [9 x i8] = { bytes "UNSORTED\00" }

declare @printf(ptr, ...) -> i32
declare @atoi(ptr) -> i32
declare @malloc(i64) -> ptr
declare @free(ptr)

func @quicksort(%a: ptr, %lo: i32, %hi: i32) {
    local %pivot: i32
    local %i: i32
    local %j: i32
    local %c: i32
    local %pj: ptr
    local %pi: ptr
    local %vj: i32
    local %vi: i32
    local %off: i64
    local %k: i32
entry:
    %c = sge.i32 %lo, %hi
    br.i32 %c, done, part
part:
    %off = sext.i32.i64 %hi
    %off = mul.i64 %off, 4
    %pj = add.ptr %a, %off
    %pivot = load.i32 %pj
    %i = copy.i32 %lo
    %j = copy.i32 %lo
    jump scan
scan:
    %c = slt.i32 %j, %hi
    br.i32 %c, step, place
step:
    %off = sext.i32.i64 %j
    %off = mul.i64 %off, 4
    %pj = add.ptr %a, %off
    %vj = load.i32 %pj
    %c = slt.i32 %vj, %pivot
    br.i32 %c, swap, next
swap:
    %off = sext.i32.i64 %i
    %off = mul.i64 %off, 4
    %pi = add.ptr %a, %off
    %vi = load.i32 %pi
    store.i32 %pi, %vj
    store.i32 %pj, %vi
    %i = add.i32 %i, 1
    jump next
next:
    %j = add.i32 %j, 1
    jump scan
place:
    %off = sext.i32.i64 %i
    %off = mul.i64 %off, 4
    %pi = add.ptr %a, %off
    %vi = load.i32 %pi
    %off = sext.i32.i64 %hi
    %off = mul.i64 %off, 4
    %pj = add.ptr %a, %off
    %vj = load.i32 %pj
    store.i32 %pi, %vj
    store.i32 %pj, %vi
    %k = sub.i32 %i, 1
    call @quicksort(ptr %a, i32 %lo, i32 %k)
    %k = add.i32 %i, 1
    call @quicksort(ptr %a, i32 %k, i32 %hi)
    ret
done:
    ret
}

func @main(%argc: i32, %argv: ptr) -> i32 {
    local %n: i32
    local %i: i32
    local %c: i32
    local %p: ptr
    local %a: ptr
    local %x: i32
    local %v: i32
    local %prev: i32
    local %sum: i32
    local %w: i32
    local %off: i64
    local %size: i64
    local %sorted: i32
    local %msg: ptr
    local %f: ptr
entry:
    %n = copy.i32 20000
    %c = sgt.i32 %argc, 1
    br.i32 %c, arg, alloc
arg:
    %p = add.ptr %argv, 8
    %p = load.ptr %p
    %n = call @atoi(ptr %p)
    jump alloc
alloc:
    %size = sext.i32.i64 %n
    %size = mul.i64 %size, 4
    %a = call @malloc(i64 %size) as i32
    %x = copy.i32 12345
    %i = copy.i32 0
    jump fill
fill:
    %c = slt.i32 %i, %n
    br.i32 %c, fill_body, sort
fill_body:
    %x = mul.i32 %x, 1103515245
    %x = add.i32 %x, 12345
    %v = lshr.i32 %x, 8
    %v = and.i32 %v, 1048575
    %off = sext.i32.i64 %i
    %off = mul.i64 %off, 4
    %p = add.ptr %a, %off
    store.i32 %p, %v
    %i = add.i32 %i, 1
    jump fill
sort:
    %i = sub.i32 %n, 1
    call @quicksort(ptr %a, i32 0, i32 %i)
    %i = copy.i32 0
    %prev = copy.i32 0
    %sum = copy.i32 0
    %sorted = copy.i32 1
    jump check
check:
    %c = slt.i32 %i, %n
    br.i32 %c, check_body, report
check_body:
    %off = sext.i32.i64 %i
    %off = mul.i64 %off, 4
    %p = add.ptr %a, %off
    %v = load.i32 %p
    %c = slt.i32 %v, %prev
    br.i32 %c, unsorted, sum
unsorted:
    %sorted = copy.i32 0
    jump sum
sum:
    %prev = copy.i32 %v
    %w = add.i32 %i, 1
    %w = mul.i32 %w, %v
    %sum = add.i32 %sum, %w
    %i = add.i32 %i, 1
    jump check
report:
    call @free(ptr %a)
    %msg = addr @ok
    br.i32 %sorted, print, print_bad
print_bad:
    %msg = addr @bad
    jump print
print:
    %f = addr @fmt
    call @printf(ptr %f, i32 %n, i32 %sum, ptr %msg)
    ret.i32 0
}
