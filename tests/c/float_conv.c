/* Conversions between float, double and the integer types. */
#include <stdio.h>

int main(void) {
    double vals[] = {0.0, 0.5, 1.5, -1.5, 2.999, -2.999, 1e9, -1e9, 123456.789};
    for (int i = 0; i < 9; i++) {
        double d = vals[i];
        printf("%d %ld %d %.3f\n", (int)d, (long)d, (short)d, (float)d);
    }
    unsigned u = 4000000000u;
    double du = u;
    float fu = u;
    printf("%.1f %.1f\n", du, fu);
    long big = 9007199254740993L;
    printf("%.1f\n", (double)big);
    unsigned long ul = 18000000000000000000UL;
    printf("%.1f %lu\n", (double)ul, (unsigned long)(double)ul);
    printf("%u\n", (unsigned)2.5e9);
    float f = 3.7f;
    int i = f;
    char c = f * 10;
    printf("%d %d\n", i, c);
    double third = 1.0 / 3;
    float ft = third;
    double back = ft;
    printf("%.10f %.10f\n", third, back);
    printf("%d %d\n", 0.1 + 0.2 == 0.3, 0.1f + 0.2f == 0.3f);
    int n = -7;
    printf("%.2f %.2f\n", n / 2.0, (double)(n / 2));
    long long ll = -3;
    printf("%.1f\n", ll * 1.5);
    return 0;
}
