type:rec={}
global@str.1:[4 x i8]={bytes"b0"}
global@t:[37 x i8]
declare@strcpy(ptr,ptr)->ptr
declare@memmove(ptr,ptr,i64)-> ptr
func@make(%s: ptr,%n: ptr,%a: i32,%b: i32,%c: i32,%d: i32){
local%1: ptr
slot$r::rec
e:
%1=addr$r
call@strcpy(ptr%1,ptr%n)
ret
}
func@best(%l: ptr,%a: ptr,%n: i32){
for1:
jump for1
}
func@main()->i32{
local%5: ptr
local%6: ptr
local%8: ptr
local%14: ptr
slot$tmp.1::rec
y:
%5=addr$tmp.1
%6=addr@str.1
call@make(ptr%5,ptr%6,i32 5,i32 8,i32 5,i32 6)
%8=add.ptr%6,40
call@memmove(ptr%8,ptr%5,i64 4)
call@best(ptr%14,ptr 5,i32 8)
ret.i32 0
}