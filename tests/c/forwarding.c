/* Counted loops whose loads the JIT answers from what its fast copy just
 * stored or loaded (jit/src/lower/forward.rs), each with a way to get it
 * wrong: prefix sums and a stencil (a value stored one iteration earlier),
 * two pointers into one array (a store through one changes what the other
 * reads), a union read as another type and partly overwritten, downward
 * loops, branches that join, struct fields, bytes, and a stride known
 * only at run time. Compared with gcc. */
/* args: 700 */
#include <stdio.h>
#include <stdlib.h>

union cell {
    double d;
    unsigned long l;
    unsigned char b[8];
};

struct pt {
    double x, y;
};

#define mix(x) (h = (h ^ (unsigned long)(x)) * 1099511628211UL)

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 700;
    int stride = argc > 2 ? atoi(argv[2]) : 3;
    unsigned long h = 1469598103934665603UL;
    long *a = malloc(sizeof(long) * (n * stride + 8));
    double *d = malloc(sizeof(double) * (n + 8));
    double *e = malloc(sizeof(double) * n);
    union cell *u = malloc(sizeof(union cell) * n);
    struct pt *pts = malloc(sizeof(struct pt) * n);
    unsigned char *c = malloc(n);
    for (int i = 0; i < n * stride + 8; i++) a[i] = i * 7 % 13;
    for (int i = 0; i < n + 8; i++) d[i] = (double)(i % 11) / 4.0;
    for (int i = 0; i < n; i++) {
        pts[i].x = (double)(i % 5);
        pts[i].y = (double)(i % 3) * 0.5;
        c[i] = (unsigned char)(i * 29);
    }
    for (int r = 0; r < 6; r++) {
        /* Prefix sums in place: each iteration reads what the one before
           stored. */
        for (int i = 1; i < n; i++) a[i] += a[i - 1] % 1000;
        /* A stencil updated in place (sor). */
        for (int i = 1; i < n - 1; i++) d[i] = 0.25 * (d[i - 1] + d[i + 1]) + 0.5 * d[i];
        /* Two pointers into one array: q[i + 1] is read, then changed
           through p; the next iteration reads it again as q[i]. */
        long *p = a, *q = a + 1;
        long s = 0;
        for (int i = 0; i < n - 3; i++) {
            s += q[i + 1];
            p[i + 2] = q[i] + s % 3;
        }
        mix((unsigned long)s);
        /* A union: stored as a double, read as bits, partly overwritten
           as a byte, read as a double again. */
        for (int i = 0; i < n; i++) {
            u[i].d = (double)(i + r) * 0.5;
            mix(u[i].l);
            u[i].b[5] ^= (unsigned char)(i | 1);
            mix((unsigned long)(long)(u[i].d * 1024.0));
            mix(u[i].b[7]);
        }
        /* Downwards: the element stored is the next iteration's a[i + 1]. */
        for (int i = n - 2; i >= 0; i--) a[i] ^= a[i + 1] >> 1;
        /* Branches that join: what one side stored is read after both. */
        double t = 0.0;
        for (int i = 1; i < n; i++) {
            if (a[i] & 1)
                d[i] = d[i - 1] + 1.0;
            else
                d[i] = d[i - 1] * 0.5;
            t += d[i];
        }
        mix((unsigned long)(long)(t * 16.0));
        /* A store to another array forgets what the next iteration
           would read (another range may be the same bytes). */
        for (int i = 1; i < n; i++) {
            d[i] = d[i - 1] * 0.5 + 1.0;
            e[i] = d[i] * 2.0;
        }
        /* Struct fields: y of the element before, x and y of this one. */
        for (int i = 1; i < n; i++) pts[i].y = pts[i].x * 0.5 + pts[i - 1].y * 0.25;
        /* Bytes, by two. */
        for (int i = 2; i < n; i += 2) c[i] = (unsigned char)(c[i - 2] + c[i - 1] * 3 + c[i]);
        /* A stride known only at run time. */
        for (int i = 1; i < n; i++) a[i * stride] += a[(i - 1) * stride] & 0xff;
    }
    double sum = 0.0;
    for (int i = 0; i < n; i++) {
        mix((unsigned long)a[i * stride]);
        mix(c[i]);
        sum += d[i] + pts[i].y + (i ? e[i] : 0.0);
    }
    printf("forwarding n=%d sum=%.6f hash=%lu\n", n, sum, h);
    free(a);
    free(d);
    free(e);
    free(u);
    free(pts);
    free(c);
    return 0;
}
