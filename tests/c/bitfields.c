/* Bit-fields: layout (sizeof, offsets, memory images) as gcc on x86_64,
   signed and unsigned reads, writes that keep the neighbours, compound
   assignment, ++/--, assignment values, promotions, initializers. */
#include <stdio.h>
#include <stddef.h>
#include <string.h>

struct flags {
    unsigned ready : 1;
    unsigned mode : 3;
    int delta : 5;
    unsigned : 0;
    unsigned long big : 40;
    _Bool on : 1;
    char c : 4;
    unsigned char uc : 7;
    short s : 9;
};

struct A { char a; int :0; char b; };
struct B { char a; int :3; char b; };
struct C { char a; long x:3; };
struct D { char a; int :0; };
struct E { int a:3; long long b:40; int c:30; };
struct F { char c; short s:9; short t:9; };
union U { int x:3; char c; };
union V { char c; long :3; };
struct G { unsigned a:31; unsigned b:2; };
struct H { char a[3]; int b:9; int tail; };
struct J { char a; long long :0; char b; };
enum color { RED, GREEN, BLUE, WHITE };
struct K { enum color col : 2; int neg : 2; };
struct Inner { unsigned lo : 4, hi : 4; };
struct Outer { struct Inner in; int x : 12; struct Inner arr[2]; };

static struct flags gf = { 1, 5, -3, 0x123456789aUL, 1, -2, 100, -200 };
static struct Outer go = { .x = -7, .in.hi = 9, .arr[1] = { 3, 12 } };

static void dump(const void *p, size_t n) {
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        printf("%02x", b[i]);
    printf("\n");
}

static int take(int v) { return v * 2; }

int main(void) {
    printf("%zu %zu\n", sizeof(struct flags), _Alignof(struct flags));
    printf("A %zu %zu %zu\n", sizeof(struct A), _Alignof(struct A), offsetof(struct A, b));
    printf("B %zu %zu %zu\n", sizeof(struct B), _Alignof(struct B), offsetof(struct B, b));
    printf("C %zu %zu\n", sizeof(struct C), _Alignof(struct C));
    printf("D %zu %zu\n", sizeof(struct D), _Alignof(struct D));
    printf("E %zu %zu\n", sizeof(struct E), _Alignof(struct E));
    printf("F %zu %zu\n", sizeof(struct F), _Alignof(struct F));
    printf("U %zu %zu V %zu %zu\n", sizeof(union U), _Alignof(union U), sizeof(union V), _Alignof(union V));
    printf("G %zu H %zu %zu J %zu %zu\n", sizeof(struct G), sizeof(struct H), offsetof(struct H, tail),
           sizeof(struct J), offsetof(struct J, b));
    printf("Outer %zu %zu\n", sizeof(struct Outer), offsetof(struct Outer, arr));

    dump(&gf, sizeof gf);
    printf("%u %u %d %lx %d %d %u %d\n", gf.ready, gf.mode, gf.delta, gf.big, gf.on, gf.c, gf.uc, gf.s);
    dump(&go, sizeof go);
    printf("%u %u %d %u %u\n", go.in.lo, go.in.hi, go.x, go.arr[1].lo, go.arr[1].hi);

    struct flags f;
    memset(&f, 0xff, sizeof f);
    f.ready = 0;
    f.mode = 9;          /* truncated to 1 */
    f.delta = 17;        /* -15 */
    dump(&f, sizeof f);
    printf("%u %u %d\n", f.ready, f.mode, f.delta);
    int v = (f.delta = 31);
    printf("assign value %d\n", v);
    v = (f.mode += 6);
    printf("compound %d %u\n", v, f.mode);
    f.mode = 7;
    v = ++f.mode;
    printf("pre %d %u\n", v, f.mode);
    v = f.mode--;
    printf("post %d %u\n", v, f.mode);
    f.delta = -16;
    f.delta--;
    printf("wrap %d\n", f.delta);
    f.on = 5;
    printf("bool %d\n", f.on);
    f.big = ~0UL;
    printf("big %lx %lu\n", f.big, f.big >> 8);
    f.s = 255;
    f.s <<= 1;
    printf("short %d\n", f.s);
    f.uc = 200;
    printf("uchar %u\n", f.uc);

    /* Promotions: an unsigned field narrower than int is an int. */
    f.mode = 2;
    printf("promote %d %d\n", f.mode - 5 < 0, (int)sizeof(f.mode + 0));
    struct G g = { 0x7fffffff, 3 };
    printf("g %u %u %d\n", g.a, g.b, g.b - 4 < 0);
    printf("take %d\n", take(f.delta));

    struct K k = { WHITE, -1 };
    printf("enum %d %d\n", k.col, k.neg);
    k.col = 3;
    printf("enum %d %d\n", k.col == WHITE, k.col > 2);

    /* Struct copy and unions. */
    struct flags h = gf;
    h.mode = 0;
    printf("copy %u %u %d\n", h.mode, gf.mode, h.delta);
    union U u;
    u.x = -1;
    printf("union %d %d\n", u.x, u.c);
    u.c = 3;
    printf("union %d\n", u.x);
    struct E e = { .c = -5, .b = 0xabcdef0123LL, .a = 3 };
    printf("%d %llx %d\n", e.a, e.b, e.c);
    struct H hh = { "ab", -100, 42 };
    printf("%s %d %d\n", hh.a, hh.b, hh.tail);
    for (int i = 0; i < 5; i++) {
        hh.b += 100;
        printf("%d ", hh.b);
    }
    printf("\n");
    struct Outer o = { { 1, 2 }, 3, { { 4, 5 }, { 6, 7 } } };
    o.arr[0].hi ^= 0xf;
    printf("%u %u %d %u %u\n", o.in.lo, o.in.hi, o.x, o.arr[0].lo, o.arr[0].hi);
    struct Outer *po = &o;
    po->x *= -3;
    printf("%d %u\n", po->x, po->arr[0].hi);
    return 0;
}
