/* Integer conversions: truncation, sign and zero extension, casts. */
#include <stdio.h>

int main(void) {
    int big = 0x12345678;
    printf("%d %d %d\n", (char)big, (short)big, (unsigned char)big);
    printf("%d %u\n", (signed char)200, (unsigned)(signed char)200);
    long l = -1;
    printf("%lu %u %d\n", (unsigned long)l, (unsigned)l, (int)l);
    unsigned int ui = 4000000000u;
    long widened = ui;
    int narrowed = ui;
    printf("%ld %d\n", widened, narrowed);
    short s = -2;
    unsigned short us = s;
    printf("%d %d %u\n", s, us, (unsigned)s);
    char c = -1;
    unsigned char uc = c;
    int i1 = c, i2 = uc;
    printf("%d %d\n", i1, i2);
    long long m = 0x7fffffffffffffffLL;
    printf("%d %lld\n", (int)m, m + 0);
    _Bool b1 = 5, b2 = 0, b3 = 0.5;
    printf("%d %d %d\n", b1, b2, b3);
    int neg = -7;
    printf("%u %lu\n", (unsigned)neg, (unsigned long)neg);
    printf("%d\n", (int)(unsigned char)300);
    return 0;
}
