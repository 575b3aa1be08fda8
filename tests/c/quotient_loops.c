/* Loops whose limit or indexes divide an invariant by a constant
   (`j < len / 2`, `a[i + j + len / 2]`, `n % 7`): the JIT takes the
   quotient for an invariant and versions the loop (jit/src/lower/
   hoist.rs). Signed quotients of negative values (rounded toward 0),
   unsigned ones, remainders (of negative values too), a quotient by -1,
   a limit that is 0 or negative, and butterflies
   of an FFT on doubles. gcc is the oracle. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static long halves(const int *a, int len) {
    long s = 0;
    for (int i = 0; i + len <= 512; i += len)
        for (int j = 0; j < len / 2; j++) {
            int x = i + j, y = i + j + len / 2;
            s += (long)a[x] * 3 - a[y];
        }
    return s;
}

static long signed_quotients(const int *a, int n) {
    long s = 0;
    for (int j = 0; j < n / 4; j++) s += a[j + n / 8];
    for (int j = n / -3; j < 0; j++) s += a[-j] * 2;
    return s;
}

static unsigned long unsigned_quotients(const unsigned *b, unsigned n) {
    unsigned long s = 0;
    for (unsigned j = 0; j < n / 3u; j++) s = s * 5 + b[j + n % 7u];
    return s;
}

static long remainders(const int *a, int n, int m) {
    long s = 0;
    for (int j = m % 5; j < n % 97; j++) s += a[j] ^ j;
    return s;
}

/* A quotient by -1: the JIT's guard computes it as the loop does. */
static long by_minus_one(const int *a, int n) {
    long s = 0;
    for (int j = n / -1; j < 0; j++) s += a[j + n];
    return s;
}

static void butterflies(double *re, double *im, int n) {
    for (int len = 2; len <= n; len <<= 1) {
        double ang = 2 * M_PI / len, wr = cos(ang), wi = sin(ang);
        for (int i = 0; i < n; i += len) {
            double cr = 1, ci = 0;
            for (int j = 0; j < len / 2; j++) {
                int a = i + j, b = i + j + len / 2;
                double vr = re[b] * cr - im[b] * ci, vi = re[b] * ci + im[b] * cr;
                re[b] = re[a] - vr; im[b] = im[a] - vi;
                re[a] += vr; im[a] += vi;
                double t = cr * wr - ci * wi; ci = cr * wi + ci * wr; cr = t;
            }
        }
    }
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 300;
    int *a = malloc(sizeof(int) * 1024);
    for (int i = 0; i < 1024; i++) a[i] = (i * 7919) % 1009 - 500;
    unsigned b[512];
    for (unsigned k = 0; k < 512; k++) b[k] = k * 2654435761u;
    long s = 0;
    for (int len = 1; len <= 512; len *= 2) s = s * 3 + halves(a, len);
    printf("halves %ld\n", s);
    printf("signed %ld %ld %ld\n", signed_quotients(a, n), signed_quotients(a, -n),
           signed_quotients(a, 3));
    printf("unsigned %lu %lu\n", unsigned_quotients(b, (unsigned)n),
           unsigned_quotients(b, 2u));
    printf("remainders %ld %ld %ld\n", remainders(a, n, 3), remainders(a, -n, 3),
           remainders(a + 8, n, -7));
    printf("minus one %ld %ld\n", by_minus_one(a + 512, n), by_minus_one(a + 512, -5));
    int m = 1 << 10;
    double *re = malloc(sizeof(double) * m), *im = malloc(sizeof(double) * m);
    for (int i = 0; i < m; i++) { re[i] = sin(i * 0.01) + 0.5 * cos(i * 0.037); im[i] = 0; }
    butterflies(re, im, m);
    printf("fft %.9f %.9f %.9f\n", re[1], im[3], re[m - 1]);
    free(re); free(im); free(a);
    return 0;
}
