/* Indexes whose range the JIT knows from their expression (a mask, a
   shift right, a remainder by a constant, a zero-extended byte), into
   globals and local arrays: those accesses need no bounds check. The
   output must match gcc's on both engines. */
/* args: 200000 */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>

static uint32_t table[256];
static uint16_t small[16];
static int64_t wide[64];
static unsigned char bytes[300];
struct pair { int a, b; };
static struct pair pairs[8];

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 1000;
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        table[i] = c;
    }
    for (int i = 0; i < 300; i++) bytes[i] = (unsigned char)(i * 37 + 11);
    uint32_t crc = 0xFFFFFFFFu, x = 12345;
    uint64_t acc = 0;
    int local[16], frame[10];
    for (int i = 0; i < 16; i++) local[i] = i * 3;
    for (int i = 0; i < 10; i++) frame[i] = 100 - i;
    for (int i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        unsigned char c = bytes[x % 300u];
        crc = table[(crc ^ c) & 0xFF] ^ (crc >> 8);
        small[x >> 28] += (uint16_t)c;
        wide[(x >> 8) & 63] ^= (int64_t)x << 3;
        local[x & 15] += c;
        frame[(x >> 4) % 10u] -= 1;
        pairs[(x >> 29)].a += 1;
        pairs[(x >> 29)].b ^= (int)c;
        acc += table[c] + small[(x >> 12) & 15] + (uint64_t)local[(x / 7u) & 15];
        acc += (uint64_t)table[(uint8_t)(x >> 16)] + bytes[(x >> 20) % 299u + 1u];
    }
    printf("crc %08x acc %llu\n", crc ^ 0xFFFFFFFFu, (unsigned long long)acc);
    uint64_t s = 0;
    for (int i = 0; i < 16; i++) s = s * 31 + small[i] + (uint64_t)local[i];
    for (int i = 0; i < 64; i++) s = s * 31 + (uint64_t)wide[i];
    for (int i = 0; i < 10; i++) s = s * 31 + (uint64_t)frame[i];
    for (int i = 0; i < 8; i++) s = s * 31 + (uint64_t)pairs[i].a * 7 + (uint64_t)pairs[i].b;
    printf("sum %llu\n", (unsigned long long)s);
    return 0;
}
