/* C11 headers and the GNU spellings real code uses: <stdalign.h> with
   _Alignas on struct members (gcc's layout), <stdnoreturn.h>,
   <strings.h>, <iso646.h>, _Thread_local, _Static_assert, __volatile__
   and friends, and the __builtin_ names of library functions. */
#include <iso646.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdnoreturn.h>
#include <strings.h>

struct a16 { alignas(16) int x; };
struct mixed { char c; _Alignas(int) char d; _Alignas(8) short s; char e; };
struct two { _Alignas(16) char x, y; };
struct outer { char c; struct a16 in; char tail; };
union u8 { _Alignas(8) char a; int b; };
struct zero { char x; alignas(0) char y; };
struct with_assert {
    int a;
    _Static_assert(sizeof(int) == 4, "int is " "four bytes");
    int b;
};
_Static_assert(alignof(struct a16) == 16, "adjacent " "literals " "concatenate");

_Thread_local int counter = 40;
static _Thread_local int hidden;
extern _Thread_local int counter;

noreturn static void die(int code) { exit(code); }

static __inline__ int twice(int *__restrict__ p) { return *p * 2; }

int main(void) {
    printf("%zu %zu\n", sizeof(struct a16), alignof(struct a16));
    printf("%zu %zu %zu %zu %zu\n", offsetof(struct mixed, d), offsetof(struct mixed, s),
           offsetof(struct mixed, e), sizeof(struct mixed), _Alignof(struct mixed));
    struct two t;
    printf("%d %zu\n", (int)(&t.y - &t.x), sizeof t);
    struct outer o = { 'a', { 5 }, 'z' };
    struct outer arr[3];
    arr[2] = o;
    arr[2].in.x += 1;
    printf("%zu %zu %zu %d %c %c\n", offsetof(struct outer, in), offsetof(struct outer, tail),
           sizeof arr, arr[2].in.x, arr[2].c, arr[2].tail);
    union u8 u = { 'q' };
    printf("%zu %zu %c\n", sizeof u, __alignof__(union u8), u.a);
    printf("%zu %zu\n", offsetof(struct zero, y), sizeof(struct with_assert));

    counter += 2;
    hidden++;
    static _Thread_local int in_block = 3;
    printf("%d %d %d\n", counter, hidden, in_block);

    printf("%d %d %d %d\n", strcasecmp("Hello", "hELLO"), strcasecmp("abc", "abd") < 0,
           strncasecmp("ABCx", "abcy", 3), strcasecmp("b", "A") > 0);
    char buf[8] = "abcdefg";
    bzero(buf + 5, 2);
    bcopy(buf, buf + 1, 4);
    printf("%s %s %s %d %d %d\n", buf, index("banana", 'n'), rindex("banana", 'n'),
           ffs(0), ffs(12), ffs(-2147483647 - 1));
    printf("%d\n", (1 and 0) or (not 0 bitand 1) xor 1);

    __volatile__ int v = 3;
    __signed__ char sc = -1;
    __const__ int k = 4;
    __extension__ long long ll = 1LL << 40;
    __typeof__(k) same = 5;
    int val = 21;
    printf("%d %d %d %lld %d %d\n", v, sc, k, ll, same, twice(&val));

    char dst[8];
    __builtin_memcpy(dst, "hey", 4);
    if (__builtin_expect(__builtin_strlen(dst) != 3, 0))
        __builtin_abort();
    __builtin_memset(dst, 'x', 2);
    printf("%s %d %zu\n", dst, __builtin_strcmp(dst, "xxy"),
           __builtin_offsetof(struct mixed, e));
    __builtin_printf("%d\n", __builtin_abs(-9));
    if (counter != 42)
        __builtin_trap();
    if (counter == 0)
        __builtin_unreachable();
    die(3);
}
