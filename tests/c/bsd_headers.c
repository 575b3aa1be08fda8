/* glibc's headers outside ISO C that benchmark code includes for a macro
   or two: memory.h, malloc.h, sys/param.h, endian.h, byteswap.h, libgen.h. */
#include <byteswap.h>
#include <endian.h>
#include <libgen.h>
#include <malloc.h>
#include <memory.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/param.h>

static void paths(const char *s) {
    char a[64], b[64];
    strcpy(a, s);
    strcpy(b, s);
    char *d = dirname(a);
    char *n = basename(b);
    printf("[%s] dirname [%s] basename [%s]\n", s, d, n);
}

int main(void) {
    const char *cases[] = {"/usr/lib", "/usr/lib/", "usr", "/", "//", "///", ".", "..",
                           "a/b/c", "a//b//", "//x", "x/", "", "/a", "a/"};
    for (unsigned i = 0; i < sizeof cases / sizeof *cases; i++) paths(cases[i]);
    printf("[null] dirname [%s] basename [%s]\n", dirname(NULL), basename(NULL));

    uint16_t h = 0x1234;
    uint32_t w = 0x12345678u;
    uint64_t q = 0x0102030405060708ull;
    printf("%x %x %x %x\n", htobe16(h), htole16(h), be16toh(h), le16toh(h));
    printf("%x %x %x %x\n", htobe32(w), htole32(w), be32toh(w), le32toh(w));
    printf("%llx %llx\n", (unsigned long long)htobe64(q), (unsigned long long)le64toh(q));
    printf("%x %x %llx\n", bswap_16(h), bswap_32(w), (unsigned long long)bswap_64(q));
    printf("order %d %d %d\n", BYTE_ORDER == LITTLE_ENDIAN, __BYTE_ORDER == __LITTLE_ENDIAN,
           (int)(sizeof(htobe16(h)) + sizeof(htobe32(w)) * 10 + sizeof(htobe64(q)) * 100));
    unsigned char bits[4] = {0};
    setbit(bits, 3);
    setbit(bits, 17);
    clrbit(bits, 3);
    printf("bits %d %d %d %d\n", isset(bits, 17) != 0, isclr(bits, 3), bits[2], NBBY);
    printf("param %d %d %d %d %d %d %d\n", MIN(3, -4), MAX(3, -4), howmany(10, 4), roundup(10, 4),
           powerof2(64), powerof2(96), MAXPATHLEN);

    char *m = memalign(64, 100);
    char *m3 = memalign(48, 10);
    char *v = valloc(10);
    char *pv = pvalloc(5000);
    printf("aligned %d %d %d %d\n", (int)((uintptr_t)m % 64), (int)((uintptr_t)m3 % 64),
           (int)((uintptr_t)v % 4096), (int)((uintptr_t)pv % 4096));
    memset(m, 'x', 100);
    memset(pv, 'y', 8192);
    printf("%c %c\n", m[99], pv[8191]);
    free(m);
    free(m3);
    free(v);
    free(pv);
    return 0;
}
