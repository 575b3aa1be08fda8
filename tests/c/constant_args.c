/* Parameters every call passes the same constant (ir/src/constargs.rs):
 * qsort of ints, of doubles and of 12-byte structs (the merge sort's
 * element size is a constant of each sort's copy; the 12-byte one moves
 * elements with memcpy), a kernel with a mode flag, a recursion passing
 * its constant on, a function whose address is also taken and called
 * through a pointer with other values -- against gcc, and snapshotted
 * inside the copies. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_int(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static int cmp_dbl(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

struct rec { int key; int a; int b; };

static int cmp_rec(const void *a, const void *b) {
    const struct rec *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return x->a - y->a;
}

/* mode 0: sum, 1: sum of squares, 2: alternating; always called with 1. */
static long kernel(const int *v, int n, int mode, int step) {
    long s = 0;
    for (int i = 0; i < n; i += step) {
        if (mode == 0) s += v[i];
        else if (mode == 1) s += (long)v[i] * v[i];
        else s += (i & 1) ? -v[i] : v[i];
    }
    return s;
}

/* Recursion passing its constant divisor on. */
static long digits(unsigned long x, unsigned base) {
    if (x < base) return 1;
    return 1 + digits(x / base, base);
}

/* Called directly with 3, and through a pointer with 5. */
static int scale(int x, int k) {
    if (k == 3) return x * 3 + 1;
    return x * k;
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 20000;
    int *a = malloc(n * sizeof *a);
    double *d = malloc(n * sizeof *d);
    struct rec *r = malloc(n * sizeof *r);
    unsigned s = 12345;
    for (int i = 0; i < n; i++) {
        s = s * 1103515245 + 12345;
        a[i] = (int)(s >> 8) % 100000 - 50000;
        d[i] = (double)(s >> 4) / 7.0 - 1e8;
        r[i].key = (int)(s >> 12) % 97;
        r[i].a = i;
        r[i].b = -i;
    }
    qsort(a, n, sizeof *a, cmp_int);
    qsort(d, n, sizeof *d, cmp_dbl);
    qsort(r, n, sizeof *r, cmp_rec);
    long c = 0;
    for (int i = 0; i < n; i += 97) c += a[i] + (long)d[i] % 1000 + r[i].key * 7 + r[i].a;
    printf("sorted %ld %d %d %.3f %.3f %d %d\n", c, a[0], a[n - 1], d[0], d[n - 1], r[0].a, r[n - 1].a);
    long k = 0;
    for (int rep = 0; rep < 20; rep++) k += kernel(a, n, 1, 1 + rep % 3);
    printf("kernel %ld\n", k);
    long dg = 0;
    for (int i = 0; i < n; i++) dg += digits((unsigned)a[i] * 2654435761u, 10);
    printf("digits %ld\n", dg);
    int (*f)(int, int) = scale;
    long sc = 0;
    for (int i = 0; i < 1000; i++) sc += scale(i, 3) + f(i, 5);
    printf("scale %ld\n", sc);
    free(a);
    free(d);
    free(r);
    return 0;
}
