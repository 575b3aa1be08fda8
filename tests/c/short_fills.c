/* memset of lengths known only at run time, in loops, which pivm's JIT
   fills inline from 8 to 64 bytes (jit/src/lower/bytes.rs,
   `short_fill`): every length from 0 to 80 at every alignment from 0 to
   7, the bytes around each range left as they were, fill values above
   255 (only the low byte counts), and memset's result. */
#include <stdio.h>
#include <string.h>

static unsigned char buf[200];

int main(void) {
    unsigned long h = 1469598103934665603UL;
    int wrong = 0;
    for (int n = 0; n <= 80; n++) {
        for (int off = 0; off < 8; off++) {
            for (int i = 0; i < 200; i++) buf[i] = (unsigned char)(i * 7 + 1);
            int c = 0x100 * n + 0x5a + off;
            unsigned char *r = memset(buf + 16 + off, c, (size_t)n);
            wrong += r != buf + 16 + off;
            for (int i = 0; i < 200; i++) h = (h ^ buf[i]) * 1099511628211UL;
            if (n % 8 == 0 && off == 3)
                printf("%2d: %02x %02x %02x %02x\n", n, buf[15 + off],
                       buf[16 + off], buf[15 + off + n], buf[16 + off + n]);
        }
    }
    printf("hash %lu, wrong results %d\n", h, wrong);
    return 0;
}
