/* Automatic variables aligned beyond their types, up to 16 (_Alignas,
   alignas, __attribute__((aligned)), long double, a struct type that asks
   it): their addresses are multiples of what they ask at every depth of
   a recursion, as gcc places them, and what is stored there is read back. */
#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct v16 { float x, y; } __attribute__((aligned(16)));

static unsigned bad;

static void check(const void *p, unsigned align, const char *what, int depth) {
    if ((uintptr_t)p % align != 0) {
        printf("%s at depth %d is not aligned to %u\n", what, depth, align);
        bad++;
    }
}

static long walk(int depth) {
    char c = (char)depth;
    _Alignas(16) char buf[24];
    int small __attribute__((aligned(8))) = depth;
    alignas(16) short pair[2];
    long double ld = depth * 0.5L;
    struct v16 v = { (float)depth, 2.0f };
    check(buf, 16, "buf", depth);
    check(&small, 8, "small", depth);
    check(pair, 16, "pair", depth);
    check(&ld, 16, "ld", depth);
    check(&v, 16, "v", depth);
    memset(buf, 'a' + depth % 26, sizeof buf);
    pair[0] = (short)depth;
    pair[1] = (short)-depth;
    long sum = depth == 0 ? 0 : walk(depth - 1);
    for (int i = 0; i < (int)sizeof buf; i++) sum += buf[i];
    return sum + c + small + pair[0] - pair[1] + (long)(ld * 2) + (long)v.x + (long)v.y;
}

int main(void) {
    long total = 0;
    for (int round = 0; round < 50; round++) total += walk(round % 40);
    printf("%ld %u\n", total, bad);
    return 0;
}
