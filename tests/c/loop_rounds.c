/* Counted loops of every trip count from 0 to 40, every relation, steps
 * of 1, 2, 3 and their negatives, int, unsigned and long counters, with
 * and without an early break. The JIT runs the iterations of such a loop
 * in unrolled rounds without testing the counter, as many rounds as the
 * trip count holds, then the rest in the checked copy
 * (jit/src/lower/hoist.rs, `round_end`): one iteration too many would
 * write a sentinel after the array, one too few would leave an element
 * unwritten. Compared with gcc. */
#include <stdio.h>
#include <stdlib.h>

#define PAD 8

static unsigned long h = 1469598103934665603UL;

static void mix(long x) {
    h = (h ^ (unsigned long)x) * 1099511628211UL;
}

/* Checks the sentinels around a[0 .. n) and hashes the array. */
static void seal(long *a, int n) {
    for (int i = -PAD; i < 0; i++)
        if (a[i] != -7) printf("overrun below at %d\n", i);
    for (int i = n; i < n + PAD; i++)
        if (a[i] != -7) printf("overrun above at %d\n", i);
    for (int i = 0; i < n; i++) mix(a[i]);
}

int main(void) {
    long *buf = malloc(sizeof(long) * (88 + 2 * PAD));
    long *a = buf + PAD;
    for (int n = 0; n <= 40; n++) {
        for (int s = 1; s <= 3; s++) {
            for (int i = -PAD; i < n + PAD; i++) a[i] = -7;
            for (int i = 0; i < n; i += s) a[i] = i * 5 + s;
            for (int i = 0; i <= n - 1; i += s) a[i] += 1;
            for (int i = n - 1; i >= 0; i -= s) a[i] ^= 3;
            for (int i = n - 1; i > -1; i -= s) a[i] += 2;
            for (unsigned u = 0; u < (unsigned)n; u += (unsigned)s) a[u] *= 3;
            for (unsigned u = (unsigned)n; u > 0; u -= (unsigned)s) {
                a[u - 1] -= 1;
                if (u < (unsigned)s) break;
            }
            for (long l = 0; l < n; l += s) a[l] += l;
            for (long l = (long)n - 1; l >= 0; l -= s) a[l] -= 1;
            /* An early exit in the middle of a round. */
            for (int i = 0; i < n; i += s) {
                if (a[i] % 11 == 5) break;
                a[i] += 4;
            }
            seal(a, n);
        }
    }
    /* Constant steps (the loops above step by a variable): rounds that
       end on either side of zero, signed counters that cross it, unsigned
       ones that count down to it. A round that starts when the counter
       has passed the guard's last start of a round (a signed counter
       compared as unsigned) writes past the array. */
    for (int n = 0; n <= 40; n++) {
        for (int i = -PAD; i < 2 * n + PAD; i++) a[i] = -7;
        for (int i = n - 1; i >= 0; i--) a[i] = i * 3 + 1;
        for (int i = n - 1; i >= 0; i -= 2) a[i] += 5;
        for (int i = n - 1; i > -1; i -= 3) a[i] ^= 6;
        for (int i = -n; i < n; i++) a[i + n] += i;
        for (int i = n - 1; i >= -n; i--) a[i + n] -= 2;
        for (int i = -n; i <= n - 2; i += 2) a[i + n] *= 3;
        for (int i = n - 1; i >= 1 - n; i -= 3) a[i + n - 1] += 1;
        for (unsigned u = (unsigned)n; u > 0; u--) a[u - 1] += 7;
        for (unsigned u = 2u * (unsigned)n; u >= 2; u -= 2) a[u - 1] ^= 1;
        for (long l = 2L * n - 1; l >= 0; l -= 2) a[l] += l;
        seal(a, 2 * n);
    }
    /* A limit that moves with the loop's start. */
    long sum = 0;
    for (int start = 0; start < 30; start++)
        for (int i = start; i < 40; i++) sum += a[i] * (i - start);
    mix(sum);
    printf("rounds hash=%lu\n", h);
    free(buf);
    return 0;
}
