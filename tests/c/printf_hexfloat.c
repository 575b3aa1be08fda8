/* printf's %a and %A as glibc writes them: normal, subnormal, zero and
   negative values, precisions that round (ties to even, a carry into the
   leading digit), flags and widths, inf and nan. */
#include <float.h>
#include <math.h>
#include <stdio.h>

int main(void) {
    double v[] = {1.0, 0.5, 3.0, -0.1, 0.0, -0.0, 1e300, DBL_MAX, DBL_MIN, DBL_TRUE_MIN, 1e-310, 255.9375, M_PI, 1.0 / 3};
    for (int i = 0; i < 14; i++) {
        double x = v[i];
        printf("%a|%A|%.0a|%.1a|%.3a|%.13a|%.16a|%#.0a\n", x, x, x, x, x, x, x, x);
        printf("[%20a][%-20a][%020a][%+a][% a][%+.2A]\n", x, x, x, x, x, x);
    }
    double r[] = {0x1.08p0, 0x1.18p0, 0x1.f8p0, 0x1.fffp0, 0x1.0800000000001p0, 0x1.8p0, 0x1.28p-1030};
    for (int i = 0; i < 7; i++) printf("%.1a %.0a %.2a\n", r[i], r[i], r[i]);
    printf("%a %A %a %5.1a\n", INFINITY, -INFINITY, NAN, -INFINITY);
    char buf[64];
    int n = snprintf(buf, sizeof buf, "%a", 1.5);
    printf("%d %s\n", n, buf);
    return 0;
}
