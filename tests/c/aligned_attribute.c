/* gcc's __attribute__((aligned(N))) on struct types (before the tag or
   after the body), on members and on variables where it asks no more
   than the type's alignment: sizes, alignments, offsets and the values
   stored at them as gcc lays them out. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

struct counter { long n; } __attribute__((aligned(64)));
struct __attribute__((__aligned__(32))) pair { int a, b; };
struct mixed {
    char c;
    int x __attribute__((aligned(16)));
    double __attribute__((aligned(32))) d;
    char tail;
};
struct holder { char c; struct counter k; struct pair p; short s; };
typedef struct { short s; } __attribute__((aligned)) big;
union u { char c; int i; } __attribute__((aligned(8)));
struct two { char a __attribute__((aligned(2), aligned(8))); char b; };
int plain __attribute__((aligned(4))) = 7;
static long counts[3] __attribute__((aligned(8))) = {1, 2, 3};
__attribute__((aligned(16))) static int twice(int v) { return 2 * v; }

static struct holder global_holders[3];

int main(void) {
    struct counter cs[4];
    struct mixed m = { 'a', 1, 2.5, 'z' };
    struct holder h[2];
    printf("counter %zu %zu\n", sizeof(struct counter), _Alignof(struct counter));
    printf("pair %zu %zu\n", sizeof(struct pair), _Alignof(struct pair));
    printf("mixed %zu %zu %zu %zu %zu\n", sizeof(struct mixed), _Alignof(struct mixed),
           offsetof(struct mixed, x), offsetof(struct mixed, d), offsetof(struct mixed, tail));
    printf("holder %zu %zu %zu %zu\n", sizeof(struct holder), offsetof(struct holder, k),
           offsetof(struct holder, p), offsetof(struct holder, s));
    printf("big %zu %zu union %zu %zu two %zu %zu\n", sizeof(big), _Alignof(big),
           sizeof(union u), _Alignof(union u), sizeof(struct two), offsetof(struct two, b));
    for (int i = 0; i < 4; i++) cs[i].n = i * 10;
    memset(h, 0, sizeof h);
    for (int i = 0; i < 2; i++) {
        h[i].c = (char)('p' + i);
        h[i].k.n = 100 + i;
        h[i].p.a = i;
        h[i].p.b = -i;
        h[i].s = (short)(7 * i);
        global_holders[i + 1] = h[i];
    }
    /* The bytes between members are the padding gcc leaves. */
    const unsigned char *bytes = (const unsigned char *)&h[1];
    unsigned sum = 0;
    for (size_t i = 0; i < sizeof h[1]; i++) sum = sum * 31 + bytes[i];
    printf("%ld %d %g %c %c %d %ld %d\n", cs[3].n, m.x, m.d, m.c, m.tail, plain, counts[1],
           twice(21));
    printf("%c %ld %d %d %d %u\n", global_holders[2].c, global_holders[2].k.n,
           global_holders[2].p.a, global_holders[2].p.b, global_holders[2].s, sum);
    printf("%td %td\n", (char *)&h[1] - (char *)&h[0], (char *)&cs[1] - (char *)&cs[0]);
    return 0;
}
