/* float and double arithmetic, conversions, math.h. */
#include <stdio.h>
#include <math.h>

int main(void) {
    double a = 1.5, b = 0.25;
    printf("%.6f %.6f %.6f %.6f\n", a + b, a - b, a * b, a / b);
    float f = 1.0f / 3.0f;
    printf("%.6f %.9g\n", f, (double)f);
    printf("%d %d %d\n", (int)3.99, (int)-3.99, (int)(a * 10));
    printf("%u %ld\n", (unsigned)3e9, (long)-1e12);
    int i = 7;
    double d = i / 2;
    double e = i / 2.0;
    printf("%.3f %.3f\n", d, e);
    printf("%.6f %.6f %.6f\n", sqrt(2.0), sin(1.0), cos(1.0));
    printf("%.6f %.6f %.6f\n", pow(2.0, 10.0), exp(1.0), log(10.0));
    printf("%.6f %.6f %.6f %.6f\n", floor(-2.5), ceil(-2.5), fabs(-3.25), fmod(7.5, 2.0));
    printf("%.6f %.6f\n", atan2(1.0, 1.0) * 4, M_PI);
    printf("%d %d %d\n", a > b, a == 1.5, f < 0.3f);
    float g = 16777216.0f;
    g = g + 1.0f;
    printf("%.1f\n", g);
    double h = 0.1 + 0.2;
    printf("%.17g\n", h);
    printf("%g %g %e\n", 100000.0, 1e-5, 12345.678);
    unsigned long big = 18446744073709551615UL;
    printf("%.1f\n", (double)big);
    double neg = -0.0;
    printf("%.1f %d\n", neg, neg == 0.0);
    float x = 2.5f;
    x *= 2;
    x++;
    printf("%.2f\n", x);
    printf("%.4f\n", sqrtf(2.0f));
    return 0;
}
