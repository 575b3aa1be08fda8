/* Signed/unsigned comparisons follow the usual arithmetic conversions. */
#include <stdio.h>

int main(void) {
    int a = -1;
    unsigned b = 1;
    printf("%d\n", a < b);
    printf("%d\n", a < (int)b);
    long c = -1;
    printf("%d\n", c < b);
    unsigned long d = 1;
    printf("%d\n", c < d);
    unsigned char e = 255;
    signed char f = -1;
    printf("%d %d\n", e > f, e == (unsigned char)f);
    unsigned short g = 65535;
    printf("%d\n", g > -1);
    printf("%d\n", -1 > 0u);
    printf("%u\n", -1 + 0u);
    printf("%d\n", (unsigned)-5 / 2 > 100);
    printf("%d\n", -5 / 2);
    printf("%u\n", (unsigned)-5 >> 1);
    printf("%d\n", -5 >> 1);
    return 0;
}
