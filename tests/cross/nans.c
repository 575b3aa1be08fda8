/* NaNs made by the hardware (x86's inf * 0 is a negative NaN, aarch64's
   and s390x's positive, riscv64's canonical) and seen every way a value can
   be seen: stored, negated, bit-cast, narrowed and widened, passed to a
   function and to printf, returned, and kept across safepoints in a loop;
   and in a loop that reads back what it stored, which the JIT forwards
   from one unrolled iteration to the next without memory
   (jit/src/lower/forward.rs), then stores again and negates; NaNs with
   payloads written as bits are moved by a loop unchanged.
   Every architecture and engine must print the same bits: pivm's NaN rule
   (docs/DESIGN.md), so the oracle is pivm's interpreter on x86_64, not gcc.
   usage: nans [N]   (loop length, default 2000) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

static double kept[8];
/* The stencil, its copies and their negations, side by side (one range
   of the loop's accesses). */
#define W 128
static double buf[3 * W];
static double kf[W];

static unsigned long long bits(double x) {
    unsigned long long u;
    memcpy(&u, &x, sizeof u);
    return u;
}

static double keep(double x, int at) {
    kept[at] = x;
    return x;
}

static double make(double a) {
    double r = a - a;
    return r;
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 2000;
    double zero = (double)(argc - argc);
    double inf = 1.0 / zero;
    double nan0 = inf * zero;
    double neg = -nan0;
    float narrow = (float)nan0;
    double wide = narrow;
    double q = make(inf);
    double s = sqrt(zero - 1.0);
    double acc = inf * 0.0;
    double sum = 0.0;
    keep(nan0, 0);
    keep(neg, 1);
    keep(wide, 2);
    keep(q, 3);
    keep(s, 4);
    for (int i = 0; i < n; i++) {
        acc = acc + 1.0;
        sum = sum + (double)(i % 7) * 0.5;
        if (i % 500 == 0) printf("%d %f %f\n", i, acc, sum);
    }
    keep(acc, 5);
    keep(fabs(nan0), 6);
    keep(nan0 * sum, 7);
    printf("%f %f %f %f %f\n", nan0, neg, wide, q, s);
    for (int i = 0; i < 8; i++) printf("%d %016llx\n", i, bits(kept[i]));
    /* inf * 0 from i = 2 to 8: NaNs of the hardware's in every unrolled
       iteration, each forwarded to the next as it is. */
    for (int i = 0; i < W; i++) kf[i] = i % 61 >= 2 && i % 61 < 9 ? inf : 1.0;
    buf[0] = 1.0;
    for (int i = 1; i < W; i++) {
        buf[i] = kf[i] * zero + buf[i - 1] * 0.5;
        buf[W + i] = buf[i - 1];
        buf[2 * W + i] = -buf[i - 1];
    }
    unsigned long long hb = 0;
    for (int i = 0; i < 3 * W; i++) hb = (hb ^ bits(buf[i]) ^ bits(buf[i]) >> 29) * 1099511628211ULL;
    printf("stencil %016llx %016llx %016llx %016llx\n", bits(buf[W - 1]), bits(buf[2 * W - 1]),
           bits(buf[3 * W - 1]), hb);
    /* NaNs with payloads put in memory as bits are data: a loop moving
       them (a load and a store of one array, which the JIT may forward)
       keeps every bit. */
    static double moved[W + 1];
    for (int i = 0; i <= W; i++) {
        unsigned long long p = 0x7ff0000000000001ULL + (unsigned long long)i * 0x0000100000000011ULL;
        if (i % 3 == 0) p |= 0x8000000000000000ULL;
        memcpy(&moved[i], &p, sizeof p);
    }
    for (int i = 0; i < W; i++) moved[i] = moved[i + 1];
    unsigned long long hm = 0;
    for (int i = 0; i <= W; i++) hm = (hm ^ bits(moved[i]) ^ bits(moved[i]) >> 29) * 1099511628211ULL;
    printf("moved %016llx %016llx %016llx\n", bits(moved[0]), bits(moved[W - 1]), hm);
    unsigned int fb;
    memcpy(&fb, &narrow, sizeof fb);
    printf("narrow %08x isnan %d %d\n", fb, isnan(nan0) != 0, nan0 != nan0);
    return 0;
}
