; puts, putchar, fputs, fputc, fwrite to stdout; fprintf to stderr;
; files: fopen/fprintf/fclose, reopen, fgets, fgetc, fseek/ftell, feof, fread.
; expect-error: to stderr
; expect-exit: 0
; expect-stdout:
; |hi
; |A
; |hi!hi
; |line 1 abc
; |abc
; |108 0 1 1 12
; |5 1 0 0 0
source "stdio.pir"

global @path: [32 x i8] = { bytes "target/tmp/pivm-golden-file.txt\00" }
global @w: [2 x i8] = { bytes "w\00" }
global @r: [2 x i8] = { bytes "r\00" }
global @line: [12 x i8] = { bytes "line %d %s\0a\00" }
global @word: [4 x i8] = { bytes "abc\00" }
global @hi: [3 x i8] = { bytes "hi\00" }
global @fs: [3 x i8] = { bytes "%s\00" }
global @fd: [19 x i8] = { bytes "%d %d %d %d %lld\0a\00" }
global @err: [12 x i8] = { bytes "to stderr\0a\00" }
global @missing: [18 x i8] = { bytes "no/such/file.txt\00" }

declare @printf(ptr, ...) -> i32
declare @fprintf(ptr, ptr, ...) -> i32
declare @puts(ptr) -> i32
declare @putchar(i32) -> i32
declare @fputs(ptr, ptr) -> i32
declare @fputc(i32, ptr) -> i32
declare @fwrite(ptr, i64, i64, ptr) -> i64
declare @fread(ptr, i64, i64, ptr) -> i64
declare @fopen(ptr, ptr) -> ptr
declare @fclose(ptr) -> i32
declare @fgets(ptr, i32, ptr) -> ptr
declare @fgetc(ptr) -> i32
declare @fseek(ptr, i64, i32) -> i32
declare @ftell(ptr) -> i64
declare @feof(ptr) -> i32

func @main() -> i32 {
    local %s: ptr
    local %t: ptr
    local %fh: ptr
    local %b: ptr
    local %f: ptr
    local %a: i32
    local %c: i32
    local %d: i32
    local %e: i32
    local %n: i64
    local %q: ptr
    slot $buf: [64 x i8]
entry:
    %s = addr @hi
    call @puts(ptr %s)
    call @putchar(i32 65)
    call @putchar(i32 10)
    call @fputs(ptr %s, ptr 2)
    call @fputc(i32 33, ptr 2)
    call @fwrite(ptr %s, i64 1, i64 2, ptr 2)
    call @putchar(i32 10)
    %s = addr @err
    call @fprintf(ptr 3, ptr %s)
    %s = addr @path
    %t = addr @w
    %fh = call @fopen(ptr %s, ptr %t)
    %f = addr @line
    %t = addr @word
    call @fprintf(ptr %fh, ptr %f, i32 1, ptr %t)
    call @fprintf(ptr %fh, ptr %f, i32 2, ptr %t)
    call @fclose(ptr %fh)
    %t = addr @r
    %fh = call @fopen(ptr %s, ptr %t)
    %b = addr $buf
    call @fgets(ptr %b, i32 64, ptr %fh)
    %f = addr @fs
    call @printf(ptr %f, ptr %b)
    %a = call @fgetc(ptr %fh)
    %n = call @ftell(ptr %fh)
    call @fseek(ptr %fh, i64 -4, i32 2)
    call @fgets(ptr %b, i32 64, ptr %fh)
    call @printf(ptr %f, ptr %b)
    %c = call @feof(ptr %fh)
    %q = call @fgets(ptr %b, i32 64, ptr %fh)
    %d = eq.ptr %q, 0
    %e = call @feof(ptr %fh)
    %f = addr @fd
    call @printf(ptr %f, i32 %a, i32 %c, i32 %d, i32 %e, i64 %n)
    call @fseek(ptr %fh, i64 0, i32 0)
    %n = call @fread(ptr %b, i64 4, i64 100, ptr %fh)
    %a = trunc.i64.i32 %n
    call @fclose(ptr %fh)
    %s = addr @missing
    %fh = call @fopen(ptr %s, ptr %t)
    %c = eq.ptr %fh, 0
    call @printf(ptr %f, i32 %a, i32 %c, i32 0, i32 0, i64 0)
    ret.i32 0
}
