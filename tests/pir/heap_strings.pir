; malloc/calloc/realloc/free and the string builtins; sprintf, snprintf,
; strtol, atoi, atof, strtod.
; expect-exit: 0
; expect-stdout:
; |hello, world
; |12 44 0 4 8
; |3 1 0 1 -39
; |AAAlo, world
; |AAAAlo world
; |hello|   42|
; |hello
; |12 12 12 0 0
; |-31 7 2500 7
source "heap_strings.pir"

global @hello: [6 x i8] = { bytes "hello\00" }
global @world: [8 x i8] = { bytes ", world\00" }
global @num: [12 x i8] = { bytes "  -0x1fzz 7\00" }
global @flt: [9 x i8] = { bytes "2.5e3abc\00" }
global @lo: [3 x i8] = { bytes "lo\00" }
global @sfmt: [8 x i8] = { bytes "%s|%5d|\00" }
global @fs: [4 x i8] = { bytes "%s\0a\00" }
global @fd: [16 x i8] = { bytes "%d %d %d %d %d\0a\00" }
global @fl: [17 x i8] = { bytes "%lld %lld %g %d\0a\00" }

declare @printf(ptr, ...) -> i32
declare @malloc(i64) -> ptr
declare @calloc(i64, i64) -> ptr
declare @realloc(ptr, i64) -> ptr
declare @free(ptr)
declare @strcpy(ptr, ptr) -> ptr
declare @strcat(ptr, ptr) -> ptr
declare @strlen(ptr) -> i64
declare @strcmp(ptr, ptr) -> i32
declare @strncmp(ptr, ptr, i64) -> i32
declare @strchr(ptr, i32) -> ptr
declare @strrchr(ptr, i32) -> ptr
declare @strstr(ptr, ptr) -> ptr
declare @strdup(ptr) -> ptr
declare @memset(ptr, i32, i64) -> ptr
declare @memcmp(ptr, ptr, i64) -> i32
declare @memcpy(ptr, ptr, i64) -> ptr
declare @memmove(ptr, ptr, i64) -> ptr
declare @sprintf(ptr, ptr, ...) -> i32
declare @snprintf(ptr, i64, ptr, ...) -> i32
declare @strtol(ptr, ptr, i32) -> i64
declare @atoi(ptr) -> i32
declare @strtod(ptr, ptr) -> f64

func @main() -> i32 {
    local %buf: ptr
    local %p: ptr
    local %q: ptr
    local %s: ptr
    local %f: ptr
    local %n: i64
    local %a: i32
    local %b: i32
    local %c: i32
    local %d: i32
    local %e: i32
    local %x: i64
    local %y: i64
    local %g: f64
    local %ep: ptr
    slot $end: ptr
entry:
    %buf = call @malloc(i64 64) as [64 x i8]
    %s = addr @hello
    call @strcpy(ptr %buf, ptr %s)
    %s = addr @world
    call @strcat(ptr %buf, ptr %s)
    %f = addr @fs
    call @printf(ptr %f, ptr %buf)
    %n = call @strlen(ptr %buf)
    %a = trunc.i64.i32 %n
    %s = addr @hello
    %b = call @strcmp(ptr %buf, ptr %s)
    %c = call @strncmp(ptr %buf, ptr %s, i64 5)
    %p = call @strchr(ptr %buf, i32 111)
    %n = sub.i64 %p, %buf
    %d = trunc.i64.i32 %n
    %p = call @strrchr(ptr %buf, i32 111)
    %n = sub.i64 %p, %buf
    %e = trunc.i64.i32 %n
    %f = addr @fd
    call @printf(ptr %f, i32 %a, i32 %b, i32 %c, i32 %d, i32 %e)
    %s = addr @lo
    %p = call @strstr(ptr %buf, ptr %s)
    %n = sub.i64 %p, %buf
    %a = trunc.i64.i32 %n
    %p = call @strchr(ptr %buf, i32 122)
    %b = eq.ptr %p, 0
    %q = call @strdup(ptr %buf)
    %c = call @strcmp(ptr %q, ptr %buf)
    %d = ne.ptr %q, %buf
    call @memset(ptr %q, i32 65, i64 3)
    %e = call @memcmp(ptr %q, ptr %buf, i64 5)
    call @printf(ptr %f, i32 %a, i32 %b, i32 %c, i32 %d, i32 %e)
    %f = addr @fs
    call @printf(ptr %f, ptr %q)
    %p = add.ptr %q, 1
    call @memmove(ptr %p, ptr %q, i64 5)
    call @printf(ptr %f, ptr %q)
    call @free(ptr %q)
    %p = call @calloc(i64 4, i64 8) as i64
    %x = load.i64 %p
    %p = call @realloc(ptr %p, i64 4096)
    %y = load.i64 %p
    call @free(ptr %p)
    call @free(ptr 0)
    %s = addr @sfmt
    %q = addr @hello
    %a = call @sprintf(ptr %buf, ptr %s, ptr %q, i32 42)
    call @printf(ptr %f, ptr %buf)
    %b = call @snprintf(ptr %buf, i64 6, ptr %s, ptr %q, i32 42)
    call @printf(ptr %f, ptr %buf)
    %c = call @snprintf(ptr 0, i64 0, ptr %s, ptr %q, i32 7)
    %f = addr @fd
    call @printf(ptr %f, i32 %a, i32 %b, i32 %c, i32 0, i32 0)
    %s = addr @num
    %ep = addr $end
    %x = call @strtol(ptr %s, ptr %ep, i32 0)
    %p = load.ptr %ep
    %y = sub.i64 %p, %s
    %p = add.ptr %p, 2
    %a = call @atoi(ptr %p)
    %s = addr @flt
    %g = call @strtod(ptr %s, ptr 0)
    %f = addr @fl
    call @printf(ptr %f, i64 %x, i64 %y, f64 %g, i32 %a)
    call @free(ptr %buf)
    ret.i32 0
}
