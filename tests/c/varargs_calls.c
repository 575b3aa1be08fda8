/* Calls to the variadic printf family: default argument promotions of
   char, short, float and bool; many arguments; mixed int and double. */
#include <stdio.h>
#include <stdbool.h>

int main(void) {
    char c = -5;
    unsigned char uc = 250;
    short s = -1234;
    unsigned short us = 60000;
    float f = 0.1f;
    bool b = true;
    printf("%d %d %d %d %.9f %d\n", c, uc, s, us, f, b);
    printf("%d %f %d %f %d %f %d %f %d %f\n", 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 5.5);
    printf("%ld %s %c %u %lu %x %.3e %g\n", 123456789012L, "s", 'x', 7u, 8ul, 255, 1234.5, 0.5);
    char buf[64];
    sprintf(buf, "%03d|%-4s|%+.1f", 7, "ab", -0.25);
    printf("%s\n", buf);
    fprintf(stderr, "this goes to stderr %d\n", 1);
    return 0;
}
