/* Designated initializers as C11 6.7.9 defines them: after a designation
   the next initializers go on with the following subobjects of the same
   aggregate; a braced, string or scalar initializer overrides everything
   earlier initializers put in its subobject; designators reach members of
   anonymous structs and unions. Each case at file scope (static data) and
   in a function (stores), so both lowerings are checked. */
#include <stdio.h>
#include <string.h>

struct pt { int x, y, z; };
struct box { struct pt a, b; int tag; };
union u { struct { char lo, hi; }; short both; };
struct anon { int first; struct { int p, q; }; int last; };

#define CASES(S)                                                                      \
    S int a1[2][3] = { [0][1] = 7, 8, 9, 10 };                                        \
    S int a2[2][3] = { 1, 2, 3, 4, 5, 6, [0] = { 7, 8 } };                            \
    S int a3[2][3] = { 1, 2, 3, 4, 5, 6, [1][1] = 0, [0][2] = 42 };                   \
    S int a4[][2] = { [1][0] = 5, 6, 7 };                                             \
    S struct box b1 = { .a.y = 1, 2, .b = { 3 }, 4 };                                 \
    S struct box b2 = { { 1, 2, 3 }, { 4, 5, 6 }, 7, .a = { .z = 9 } };               \
    S struct pt p1[3] = { [1].y = 5, 6, { 7 }, [0] = { 1, 2, 3 }, [0].x = 11 };        \
    S char s1[2][6] = { "hello", "world", [0] = "hi" };                               \
    S char s2[8] = { 'a', 'b', 'c', [1] = 'z' };                                      \
    S union u u1 = { .hi = 2, .lo = 1 };                                              \
    S struct anon n1 = { .q = 4, 5, .first = 1 };                                     \
    S int a5[5] = { [3] = 3, [1] = 1, 2, [0] = { 9 } };

static void dump(const char *what, const void *p, size_t n) {
    const unsigned char *b = p;
    printf("%s:", what);
    for (size_t i = 0; i < n; i++) printf(" %u", b[i]);
    printf("\n");
}

#define SHOW(v) dump(#v, &v, sizeof v)
#define ALL()                                                                         \
    SHOW(a1); SHOW(a2); SHOW(a3); SHOW(a4); SHOW(b1); SHOW(b2); SHOW(p1); SHOW(s1);    \
    SHOW(s2); SHOW(u1); SHOW(n1); SHOW(a5)

CASES(static)

static void statics(void) {
    printf("-- file scope\n");
    ALL();
}

static void automatics(void) {
    CASES()
    printf("-- automatic\n");
    ALL();
}

int main(void) {
    statics();
    automatics();
    printf("sizeof a4 = %zu\n", sizeof a4);
    return 0;
}
