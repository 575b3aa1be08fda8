/* Integer arithmetic, promotions and the usual arithmetic conversions. */
#include <stdio.h>

int main(void) {
    int a = 17, b = 5;
    printf("%d %d %d %d %d\n", a + b, a - b, a * b, a / b, a % b);
    printf("%d %d\n", -a / b, -a % b);
    printf("%d %d %d\n", a & b, a | b, a ^ b);
    printf("%d %d %d\n", a << 3, a >> 2, -a >> 2);
    printf("%d %d\n", ~a, !a);
    unsigned u = 7;
    printf("%u %u\n", u - 10, (u - 10) / 3);
    long l = 1L << 40;
    printf("%ld %ld\n", l, l * 3 + 1);
    long long ll = -9000000000LL;
    printf("%lld %lld\n", ll, ll / 7);
    unsigned long long ull = 18446744073709551615ULL;
    printf("%llu %llu\n", ull, ull / 3);
    printf("%d\n", 2147483647 + 0);
    short s = 30000;
    s = s + s;
    printf("%d\n", s);
    char c = 100;
    c = c + c;
    printf("%d\n", c);
    unsigned char uc = 200;
    printf("%d %d\n", uc + uc, (unsigned char)(uc + uc));
    printf("%d %d\n", 7 / 2 * 2, 7 % -3);
    printf("%lu %lu %lu %lu\n", sizeof(char), sizeof(short), sizeof(int), sizeof(long));
    printf("%lu %lu %lu\n", sizeof(long long), sizeof(float), sizeof(double));
    int x = 10;
    x += 5; x -= 3; x *= 4; x /= 3; x %= 7; x <<= 4; x >>= 1; x &= 0x3c; x |= 3; x ^= 5;
    printf("%d\n", x);
    return 0;
}
