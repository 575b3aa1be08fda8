/* sscanf: integers in every base and length, floats, strings, scan sets,
   characters, widths, suppression, %n, literal matching, and the counts
   it returns on a mismatch and at the end of the input. */
#include <stdio.h>

int main(void) {
    int a = 0, b = 0, n = 0;
    char w[16] = "", x[16] = "";
    double d = 0;
    float f = 0;
    printf("%d\n", sscanf("12 34 word 2.5", "%d %d %15s %lf", &a, &b, w, &d));
    printf("%d %d %s %g\n", a, b, w, d);
    unsigned u = 0;
    printf("%d", sscanf("ff:rest", "%x:%s", &u, w));
    printf(" %u %s\n", u, w);
    long l = 0;
    short sh = 0;
    signed char hh = 0;
    long long ll = 0;
    printf("%d", sscanf("-0x1F 0777 -5 300 123456789012", "%li %lo %hhd %hd %lld", &l, &l, &hh, &sh, &ll));
    printf(" %ld %d %d %lld\n", l, hh, sh, ll);
    printf("%d", sscanf("abc123def", "%[a-z]%d%n", w, &a, &n));
    printf(" %s %d %d\n", w, a, n);
    printf("%d", sscanf("key = value;", "%[^ =] = %[^;]", w, x));
    printf(" [%s] [%s]\n", w, x);
    char c3[4] = "";
    printf("%d", sscanf("  xyz", "%3c", c3));
    printf(" [%.3s]\n", c3);
    printf("%d", sscanf("12345", "%2d%*2d%d", &a, &b));
    printf(" %d %d\n", a, b);
    printf("%d", sscanf("3.5e2 1e-3", "%f %lg", &f, &d));
    printf(" %g %g\n", f, d);
    printf("%d %d %d\n", sscanf("", "%d", &a), sscanf("   ", "%d", &a), sscanf("x", "%d", &a));
    printf("%d %d\n", sscanf("7 x", "%d %d", &a, &b), sscanf("1,2", "%d,%d", &a, &b));
    printf("%d %d\n", a, b);
    printf("%d\n", sscanf("100%", "%d%%", &a));
    void *p = 0;
    printf("%d %d\n", sscanf("0x1000", "%p", &p), p == (void *)0x1000);
    return 0;
}
