/* Branches around a few instructions that cannot trap, which the
 * optimizer turns into selects (ir/src/ifconv.rs): minimum and maximum
 * searches on floats with NaNs and signed zeros, swaps (a select reading
 * a local another select writes), diamonds, conditions on pointers, longs
 * and chars, a condition the branch itself overwrites, nested ifs, and
 * sides that compute (arithmetic, conversions, addresses) or copy the
 * same value -- against gcc, and snapshotted inside them. */
#include <stdio.h>
#include <stdlib.h>

static unsigned seed = 11;

static unsigned next(void) {
    seed = seed * 1103515245u + 12345u;
    return seed >> 4;
}

static double value(int i) {
    unsigned r = next() % 1000;
    if (i % 97 == 13) return 0.0 / 0.0 * (r + 1);
    if (i % 89 == 7) return -0.0;
    if (i % 83 == 5) return 0.0;
    return (double)r / 7.0 - 60.0;
}

int main(void) {
    int n = 3000;
    double *a = malloc(n * sizeof(double));
    float *f = malloc(n * sizeof(float));
    int *k = malloc(n * sizeof(int));
    for (int i = 0; i < n; i++) {
        a[i] = value(i);
        f[i] = (float)a[i] * 0.5f;
        k[i] = (int)(next() % 2001) - 1000;
    }
    /* Minimum and maximum: `if (x < m) m = x` is minsd on x86. */
    double lo = 1e300, hi = -1e300;
    float flo = 1e30f;
    int at = -1, nans = 0, negz = 0;
    for (int i = 0; i < n; i++) {
        double x = a[i];
        if (x < lo) { lo = x; at = i; }
        if (hi < x) hi = x;
        if (f[i] < flo) flo = f[i];
        if (x != x) nans++;
        if (x == 0.0 && 1.0 / x < 0) negz++;
    }
    printf("min %.6f at %d, max %.6f, fmin %.4f, %d NaNs, %d negative zeros\n", lo, at, hi, flo,
           nans, negz);
    /* Zeros of either sign: which one a min keeps is the branch's. */
    double z = 0.0;
    for (int i = 0; i < n; i++)
        if (a[i] == 0.0 && a[i] < z) z = a[i];
    printf("zero kept: %s\n", 1.0 / z < 0 ? "-0" : "+0");
    /* Swaps: each select reads what another writes. */
    long sw = 0;
    for (int i = 0; i + 1 < n; i++) {
        int x = k[i], y = k[i + 1];
        if (x > y) { int t = x; x = y; y = t; }
        sw += (long)x * 3 + y;
        int p = k[i], q = k[i + 1], r = k[(i * 7) % n];
        if (p < q) { int t = p; p = q; q = r; r = t; }
        sw += p * 5 - q * 7 + r;
    }
    printf("swaps %ld\n", sw);
    /* Diamonds with arithmetic, conversions and constants on both sides. */
    long dm = 0;
    double dd = 0;
    for (int i = 0; i < n; i++) {
        int x = k[i];
        long v;
        double w;
        if (x & 1) { v = (long)x * 3 + 1; w = x * 0.25; }
        else { v = x >> 1; w = -x; }
        dm += v;
        dd += w;
        unsigned char c = (unsigned char)x;
        int s = c ? c + 1 : -1;
        dm += s;
    }
    printf("diamonds %ld %.3f\n", dm, dd);
    /* Conditions on pointers, longs and the local the branch reads. */
    int *ptrs[4] = {k, 0, k + 5, 0};
    long pc = 0;
    for (int i = 0; i < n; i++) {
        int *p = ptrs[i & 3];
        if (p) pc += 2;
        long l = (long)k[i] << 33;
        if (l) pc++;
        int m = k[i] % 3;
        if (m) m = 0;
        else m = 7;
        pc += m;
    }
    printf("conditions %ld\n", pc);
    /* Nested ifs: the inner one converted first, then the outer. */
    long nest = 0;
    for (int i = 0; i < n; i++) {
        int x = k[i], y = 0;
        if (x > 0) {
            if (x > 500) y = x - 500;
            else y = x;
        }
        nest += y;
    }
    printf("nested %ld\n", nest);
    /* A side that takes an address, and a clamp. */
    int buf[3] = {5, 6, 7};
    long ad = 0;
    for (int i = 0; i < n; i++) {
        int *q = buf;
        if (k[i] > 0) q = buf + 2;
        ad += *q;
        int c = k[i];
        if (c > 255) c = 255;
        if (c < 0) c = 0;
        ad += c;
    }
    printf("addresses and clamps %ld\n", ad);
    /* Both sides copying the same value: nothing to choose, but the
     * value must still be copied. */
    long same = 0;
    double fsame = 0;
    for (int i = 0; i < n; i++) {
        int x = i, y = k[i], z;
        double ai = a[i] == a[i] ? a[i] : 1.0, w = 0.5;
        if (k[i] & 4) { x = y; w = ai; z = 1; }
        else { x = y; w = ai; z = 2; }
        same += x * 3 + z;
        fsame += w;
        int t = k[i] & 8 ? y : y;
        same += t;
    }
    printf("same on both sides %ld %.4f\n", same, fsame);
    free(a);
    free(f);
    free(k);
    return 0;
}
