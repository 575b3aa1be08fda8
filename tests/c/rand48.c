/* The other random generators of glibc, as it computes them: drand48 and
   its family (unseeded, srand48 of negative and wide seeds, seed48 and
   the state it returns, lcong48's own multiplier, the x-array forms on
   their own state), random and srandom (rand's generator and state, so
   the two interleave), rand_r. */
#include <stdio.h>
#include <stdlib.h>

static unsigned long mix(unsigned long h, unsigned long v) { return h * 1000003u ^ v; }

int main(void) {
    /* Unseeded: the state starts at 0. */
    double d1 = drand48();
    double d2 = drand48();
    long l1 = lrand48();
    long m1 = mrand48();
    printf("%.17g %.17g %ld %ld\n", d1, d2, l1, m1);
    long seeds[] = {0, 1, -1, 42, 123456789, -987654321, 0x7fffffffL, 0x123456789abL};
    for (int i = 0; i < 8; i++) {
        srand48(seeds[i]);
        unsigned long h = 0;
        for (int k = 0; k < 1000; k++) {
            h = mix(h, (unsigned long)lrand48());
            h = mix(h, (unsigned long)mrand48());
        }
        double d = drand48();
        printf("seed %ld: %.17g %lu\n", seeds[i], d, h);
    }
    unsigned short mine[3] = {1, 2, 3};
    double e1 = erand48(mine);
    long n1 = nrand48(mine);
    long j1 = jrand48(mine);
    printf("%.17g %ld %ld\n", e1, n1, j1);
    printf("%u %u %u\n", mine[0], mine[1], mine[2]);
    unsigned short s48[3] = {0x1234, 0xabcd, 0x0042};
    srand48(5);
    unsigned short *old = seed48(s48);
    long now = lrand48();
    printf("old %u %u %u now %ld\n", old[0], old[1], old[2], now);
    unsigned short params[7] = {7, 8, 9, 0x0005, 0x0000, 0x0000, 3};
    lcong48(params);
    long l2 = lrand48();
    long m2 = mrand48();
    double d3 = drand48();
    printf("lcong48 %ld %ld %.17g\n", l2, m2, d3);
    printf("x-array after lcong48 %ld\n", nrand48(mine));
    srand48(1);
    printf("srand48 restores %ld\n", lrand48());

    /* random and rand share glibc's state. */
    srandom(17);
    long r1 = random();
    int r2 = rand();
    long r3 = random();
    srand(17);
    int q1 = rand();
    int q2 = rand();
    int q3 = rand();
    printf("random %ld %d %ld | %d %d %d\n", r1, r2, r3, q1, q2, q3);
    srandom(0);
    long z = random();
    srandom(1);
    long one = random();
    printf("srandom(0) is srandom(1): %d\n", z == one);

    unsigned seed = 12345;
    unsigned long h = 0;
    for (int k = 0; k < 1000; k++) h = mix(h, (unsigned long)rand_r(&seed));
    printf("rand_r %lu %u\n", h, seed);
    return 0;
}
