/* Small loops that are not counted (a test of data, `!=`, a limit the
   loop changes, `break` and `goto` out of the body, a float test): the
   JIT lowers them as plain loops, four or two copies with every test and
   check kept, polling in the last only (jit/src/lower/hoist.rs); a loop
   whose counter is written twice (plain if small enough) and a do-while
   (its back edge is a branch: one copy) are here too. Each runs for 0 to
   9 iterations and more, so that it leaves from every copy, and the
   results must equal gcc's. */
#include <stdio.h>
#include <string.h>

static unsigned collatz(unsigned long x) {
    unsigned steps = 0;
    while (x != 1) {
        x = x & 1 ? 3 * x + 1 : x / 2;
        steps++;
    }
    return steps;
}

static int scan_to(const int *a, int stop) {
    int i = 0;
    while (a[i] != stop) i++;
    return i;
}

static int skip_twice(const int *a, int n) {
    int s = 0;
    for (int i = 0; i < n; i++) {
        s += a[i];
        if (a[i] & 1) i++;
    }
    return s;
}

static int shrinking(int n) {
    int k = 0, t = 0;
    while (k < n) {
        t += k * n;
        n -= 1;
        k++;
    }
    return t;
}

static unsigned digits_back(unsigned long v, char *out) {
    unsigned len = 0;
    do {
        out[len++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return len;
}

static int first_big(const int *a, int n, int big) {
    int i = 0;
    for (;;) {
        if (i == n) return -1;
        if (a[i] > big) break;
        i += 1;
    }
    return i;
}

static long gcd_steps(long a, long b) {
    long steps = 0;
again:
    if (b == 0) goto out;
    {
        long t = a % b;
        a = b;
        b = t;
        steps = steps * 3 + 1;
    }
    goto again;
out:
    return a * 1000 + steps % 1000;
}

static double halve_until(double x, double eps) {
    int n = 0;
    while (x > eps) {
        x = x * 0.5 + 0.125 * n;
        n++;
        if (n > 60) break;
    }
    return x + n;
}

int main(void) {
    int a[64];
    for (int i = 0; i < 64; i++) a[i] = (i * 37 + 11) % 53;
    unsigned long total = 0;
    for (unsigned long x = 1; x < 40; x++) total = total * 7 + collatz(x);
    printf("collatz %lu\n", total);
    for (int stop = 0; stop < 53; stop += 5) {
        int at = -1;
        for (int i = 0; i < 64; i++)
            if (a[i] == stop) {
                at = i;
                break;
            }
        if (at >= 0) printf("scan %d -> %d\n", stop, scan_to(a, stop));
    }
    for (int n = 0; n <= 12; n++) printf("skip %d %d\n", n, skip_twice(a, n));
    for (int n = 0; n <= 12; n++) printf("shrink %d %d\n", n, shrinking(n));
    char buf[32];
    unsigned long v = 1;
    for (int k = 0; k < 12; k++) {
        unsigned len = digits_back(v, buf);
        buf[len] = 0;
        printf("digits %lu %u %s\n", v, len, buf);
        v = v * 10 + (unsigned long)k;
    }
    for (int big = 40; big < 54; big += 3) printf("big %d %d\n", big, first_big(a, 20, big));
    for (long x = 1; x < 200; x += 37)
        for (long y = 1; y < 90; y += 29) printf("gcd %ld %ld %ld\n", x, y, gcd_steps(x, y));
    for (int k = 1; k < 6; k++) printf("halve %.6f\n", halve_until(1000.0 * k, 0.75 + k));
    return 0;
}
