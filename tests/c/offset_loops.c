/* Loops whose test adds an invariant to the counter (`i + k < n`):
   the JIT versions them as `k < n - i` where that is the same test
   (jit/src/lower/hoist.rs), and the IR unroller leaves them to it.
   Offsets of both signs and on either side of the compare, `<=` and
   `>`, other exits, an offset the loop writes, a signed sum near
   INT_MAX, and an unsigned sum that wraps past its limit and goes on
   (a step of 3 jumps over it), and one whose limit less its offset
   wraps. gcc is the oracle. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

static long forward(const int *a, int n, int i) {
    long s = 0;
    for (int k = 0; i + k < n; k++) s += a[i + k] * (k & 3);
    return s;
}

static long right_side(const int *a, int n, int i) {
    long s = 0;
    for (int k = 0; n > k + i; k++) s += a[k + i] ^ k;
    return s;
}

static long inclusive(const int *a, int last, int i) {
    long s = 0;
    for (int k = 0; i + k <= last; k++) s += a[i + k] + k;
    return s;
}

static unsigned long downward(const int *a, int i, int lo) {
    unsigned long s = 0;
    for (int k = 40; i + k > lo; k--) s = s * 3 + (unsigned long)a[i + k];
    return s;
}

static long early_exit(const int *a, int n, int i, int stop) {
    long s = 0;
    for (int k = 0; i + k < n; k++) {
        if (a[i + k] == stop) break;
        s += a[i + k];
    }
    return s;
}

static long offset_written(const int *a, int n) {
    long s = 0;
    int i = 0;
    for (int k = 0; i + k < n; k++) {
        s += a[i + k];
        i += k & 1;
    }
    return s;
}

static long near_int_max(const int *a) {
    long s = 0;
    int off = INT_MAX - 100, n = INT_MAX;
    for (int k = 0; off + k < n; k++) s += a[k];
    return s;
}

/* base + k passes 0xFFFFFFFE, wraps to small values and still tests
   below lim: only `k < 390` ends it (a second exit: the loop is unrolled,
   not versioned). */
static long unsigned_wrap(const unsigned *b, unsigned base, unsigned lim) {
    long t = 0;
    for (unsigned k = 0; base + k < lim && k < 390; k += 3) t += b[k];
    return t;
}

/* base above lim: lim - base wraps, and the loop never runs (its one
   access is invariant, so no range of the guard fails for it; taken for
   `k < lim - base`, it would run a billion times). */
static long unsigned_empty(const unsigned *q, unsigned base, unsigned lim) {
    long t = 0;
    for (unsigned k = 0; base + k < lim; k += 3) t += *q + k;
    return t;
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 1000;
    int *a = malloc(sizeof(int) * (n + 64));
    for (int i = 0; i < n + 64; i++) a[i] = (i * 7919) % 1009 - 500;
    unsigned b[400];
    for (unsigned k = 0; k < 400; k++) b[k] = k * 3 + 1;
    unsigned long s = 0;
    for (int r = 0; r < 40; r++) {
        int i = r * 5;
        s += forward(a, n, i);
        s += right_side(a, n, i) * 3;
        s += inclusive(a, n - 1, i) * 5;
        s += downward(a, i + 30, i) * 7;
        s += early_exit(a, n, i, a[i + 37]);
        s += forward(a + 40, n, -r);
    }
    printf("mixed %lu\n", s);
    printf("written %ld\n", offset_written(a, n));
    printf("near INT_MAX %ld\n", near_int_max(a));
    printf("wrap %ld %ld\n", unsigned_wrap(b, 0xFFFFFFF1u, 0xFFFFFFFFu),
           unsigned_wrap(b, 0xFFFFFF00u, 0xFFFFFFF0u));
    printf("empty %ld %ld\n", unsigned_empty(b + 7, 10u, 5u),
           unsigned_empty(b + 7, 5u, 10u));
    free(a);
    return 0;
}
