/* Allocation churn: a pool of live blocks of mixed sizes (mostly small,
   some up to 64 KiB), replaced at scattered positions; one in eight
   replacements grows or shrinks a block with realloc instead.
   usage: allocchurn [N]   (default 200000 operations) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 32768

static unsigned long state = 88172645463325252UL;

static unsigned long next(void) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

/* 60% 8..63 bytes, 30% 64..511, 9% 512..4095, 1% 4 KiB..64 KiB. */
static unsigned long size_for(unsigned long r) {
    unsigned long k = r % 100;
    r >>= 8;
    if (k < 60) return 8 + r % 56;
    if (k < 90) return 64 + r % 448;
    if (k < 99) return 512 + r % 3584;
    return 4096 + r % 61440;
}

/* Writes a block's header, a few more bytes, and its last byte. */
static void fill(unsigned char *b, unsigned long size, unsigned long tag) {
    unsigned long n = size < 48 ? size : 48;
    memset(b, (int)(tag & 0xff), n);
    b[0] = (unsigned char)(tag >> 8);
    b[size - 1] = (unsigned char)(tag >> 16);
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 200000;
    unsigned char **blocks = calloc(SLOTS, sizeof(unsigned char *));
    unsigned long *sizes = calloc(SLOTS, sizeof(unsigned long));
    unsigned long sum = 0, allocs = 0, reallocs = 0, frees = 0;
    for (long i = 0; i < n; i++) {
        unsigned long r = next();
        unsigned long s = (r >> 24) % SLOTS;
        unsigned char *b = blocks[s];
        if (b) {
            unsigned long size = sizes[s];
            sum = sum * 31 + b[0] + b[(size < 48 ? size : 48) - 1] + b[size - 1];
            if ((r & 7) == 0) {
                unsigned long ns = size_for(next());
                b = realloc(b, ns);
                if (ns > size) memset(b + size, (int)(i & 0xff), ns - size < 64 ? ns - size : 64);
                b[ns - 1] = (unsigned char)i;
                blocks[s] = b;
                sizes[s] = ns;
                reallocs++;
            } else {
                free(b);
                blocks[s] = NULL;
                frees++;
            }
        } else {
            unsigned long size = size_for(r);
            b = malloc(size);
            if (!b) {
                printf("out of memory\n");
                return 1;
            }
            fill(b, size, r >> 32);
            blocks[s] = b;
            sizes[s] = size;
            allocs++;
        }
    }
    unsigned long live = 0, bytes = 0;
    for (long s = 0; s < SLOTS; s++) {
        if (blocks[s]) {
            live++;
            bytes += sizes[s];
            sum = sum * 31 + blocks[s][0] + blocks[s][sizes[s] - 1];
            free(blocks[s]);
        }
    }
    free(blocks);
    free(sizes);
    printf("allocchurn n=%ld allocs=%lu reallocs=%lu frees=%lu live=%lu bytes=%lu checksum=%lu\n", n,
           allocs, reallocs, frees, live, bytes, sum);
    return 0;
}
