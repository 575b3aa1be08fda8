/* Copies and fills of every small constant length, which pivm's JIT does
   inline (jit/src/lower/bytes.rs): struct assignment of sizes 1 to 72
   bytes, memcpy/memmove/memset with constant lengths at odd offsets,
   overlapping memmove both ways, and fills with values above 255 (only
   the low byte counts). */
#include <stdio.h>
#include <string.h>

#define S(n) struct s##n { unsigned char b[n]; }
S(1); S(2); S(3); S(5); S(7); S(8); S(9); S(13); S(16); S(17); S(31);
S(33); S(40); S(63); S(64); S(65); S(72);

static unsigned char buf[512];
static unsigned long h = 1469598103934665603UL;

static void mix(const unsigned char *p, int n) {
    for (int i = 0; i < n; i++) h = (h ^ p[i]) * 1099511628211UL;
}

#define COPY(n)                                   \
    do {                                          \
        struct s##n a, b;                         \
        for (int i = 0; i < n; i++) a.b[i] = (unsigned char)(i * 37 + n); \
        b = a;                                    \
        mix(b.b, n);                              \
        struct s##n *p = (struct s##n *)(buf + 3 + n); \
        *p = b;                                   \
        mix(buf, sizeof buf);                     \
    } while (0)

int main(void) {
    for (int i = 0; i < (int)sizeof buf; i++) buf[i] = (unsigned char)(i * 11);
    COPY(1); COPY(2); COPY(3); COPY(5); COPY(7); COPY(8); COPY(9); COPY(13);
    COPY(16); COPY(17); COPY(31); COPY(33); COPY(40); COPY(63); COPY(64);
    COPY(65); COPY(72);
    memcpy(buf + 1, buf + 200, 13);
    memcpy(buf + 100, buf + 7, 64);
    memmove(buf + 11, buf + 10, 40); /* overlapping, forward */
    memmove(buf + 50, buf + 53, 33); /* overlapping, backward */
    memmove(buf + 300, buf + 300, 8);
    mix(buf, sizeof buf);
    memset(buf + 5, 0x1ab, 3);
    memset(buf + 9, -1, 17);
    memset(buf + 77, 0, 64);
    memset(buf + 150, 'x', 1);
    mix(buf, sizeof buf);
    printf("%016lx\n", h);
    printf("%d %d %d %d\n", buf[5], buf[9], buf[77], buf[150]);
    return 0;
}
