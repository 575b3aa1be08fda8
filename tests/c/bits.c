/* Bit manipulation on unsigned types: popcount, rotation, masks, hashing. */
#include <stdio.h>
#include <stdint.h>

int popcount(uint64_t x) {
    int n = 0;
    while (x) {
        x &= x - 1;
        n++;
    }
    return n;
}

uint32_t rotl(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }

uint32_t fnv1a(const char *s) {
    uint32_t h = 2166136261u;
    while (*s) {
        h ^= (unsigned char)*s++;
        h *= 16777619u;
    }
    return h;
}

uint64_t xorshift(uint64_t *state) {
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *state = x;
}

int main(void) {
    printf("%d %d %d\n", popcount(0), popcount(255), popcount(0xffffffffffffffffULL));
    printf("%u %u\n", rotl(0x80000001u, 1), rotl(0x12345678u, 8));
    printf("%u %u\n", fnv1a("hello"), fnv1a(""));
    uint64_t st = 88172645463325252ULL;
    for (int i = 0; i < 3; i++) printf("%llu ", (unsigned long long)xorshift(&st));
    printf("\n");
    unsigned char b = 0xA5;
    printf("%d %d %d\n", (b >> 4) & 0xF, b & 0xF, (unsigned char)~b);
    int neg = -1;
    printf("%d %u\n", neg >> 28, (unsigned)neg >> 28);
    long sh = 1;
    printf("%ld\n", sh << 62);
    printf("%d\n", 1 << 31 < 0);
    uint16_t u16 = 0xFFFF;
    u16 += 1;
    printf("%u\n", u16);
    return 0;
}
