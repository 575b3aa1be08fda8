/* Cross-architecture coverage of counted loops, whose memory checks the
 * JIT hoists before the loop (jit/src/lower/hoist.rs): int, long,
 * unsigned and pointer counters, upwards and downwards, steps other than
 * 1, row and column walks of a matrix (int index arithmetic i * n + j),
 * bytes, shorts and doubles, a stack array and a global, derived
 * counters (a[k++], *p++ under another counter) -- with snapshots taken
 * inside them. */
#include <stdio.h>
#include <stdlib.h>

static double g[256];

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 48;
    int rounds = argc > 2 ? atoi(argv[2]) : 20;
    double *m = malloc(sizeof(double) * n * n);
    unsigned char *bytes = malloc(n * 8);
    short *sh = malloc(sizeof(short) * n * 4);
    long st[64];
    unsigned long h = 1469598103934665603UL;
    for (int i = 0; i < n * n; i++) m[i] = (double)(i % 17) / 8.0;
    for (long i = 0; i < n * 8; i++) bytes[i] = (unsigned char)(i * 13);
    for (unsigned i = 0; i < (unsigned)n * 4; i++) sh[i] = (short)(i * 7 - 300);
    for (int i = 63; i >= 0; i--) st[i] = i * 3;
    for (int r = 0; r < rounds; r++) {
        /* Rows, then columns. */
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) m[i * n + j] = m[i * n + j] * 0.5 + (double)(r + j) / 4.0;
        for (int j = 0; j < n; j++) {
            double s = 0.0;
            for (int i = 0; i < n; i++) s += m[i * n + j];
            g[j % 256] += s;
        }
        /* Downwards, by 3, over bytes and shorts. */
        for (long i = n * 8 - 1; i >= 0; i -= 3) bytes[i] ^= (unsigned char)(r + i);
        for (unsigned i = 1; i <= (unsigned)n * 4 - 1; i += 2) sh[i] += (short)(sh[i - 1] >> 3);
        /* A pointer walk and a stack array. */
        for (unsigned char *p = bytes; p < bytes + n * 8; p += 5) h = (h ^ *p) * 1099511628211UL;
        for (int i = 0; i < 64; i++) st[i] += st[63 - i] % 7;
        /* Derived counters: an int index and a pointer stepped once per
           iteration of another counter, one stepped by its step. */
        int k = r % 5;
        short *q = sh + n * 4 - 1;
        for (int i = 0; i < n * 2; i++) {
            sh[k++] ^= (short)(i + r);
            *q-- += (short)(sh[k] & 15);
        }
        long w = 0;
        for (long i = n * 8 - 2; i > 0; i -= 2) {
            h = (h ^ bytes[w]) * 1099511628211UL;
            w += 4;
            if (w >= n * 8) w = 0;
        }
    }
    double sum = 0.0;
    for (int i = 0; i < n * n; i++) sum += m[i];
    for (int i = 0; i < 256; i++) sum += g[i];
    for (int i = 0; i < n * 4; i++) h = h * 31 + (unsigned short)sh[i];
    for (int i = 0; i < 64; i++) h = h * 31 + (unsigned long)st[i];
    printf("loops n=%d rounds=%d sum=%.6f hash=%lu\n", n, rounds, sum, h);
    free(m);
    free(bytes);
    free(sh);
    return 0;
}
