/* Small aligned blocks (posix_memalign, aligned_alloc) of every
   alignment from 32 to 8192 bytes among plain mallocs and frees: each is
   aligned, holds what was written to it, and frees and reallocs like any
   other. pivm serves those up to 4 KiB from slabs. Output compared with
   gcc. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 3000

int main(void) {
    static unsigned char *blocks[N];
    static size_t sizes[N];
    unsigned long x = 12345, misaligned = 0, sum = 0;
    for (int i = 0; i < 20000; i++) {
        x = x * 6364136223846793005UL + 1442695040888963407UL;
        int k = (int)((x >> 33) % N);
        if (blocks[k]) {
            for (size_t j = 0; j < sizes[k]; j += 7) sum = sum * 31 + blocks[k][j];
            if ((x >> 20) % 5 == 0) {
                size_t ns = (x >> 40) % 3000 + 1;
                blocks[k] = realloc(blocks[k], ns);
                if (ns > sizes[k]) memset(blocks[k] + sizes[k], (int)(ns & 0xff), ns - sizes[k]);
                sizes[k] = ns;
            } else {
                free(blocks[k]);
                blocks[k] = NULL;
            }
            continue;
        }
        size_t size = (x >> 40) % 5000;
        size_t align = (size_t)32 << ((x >> 12) % 9);
        void *p = NULL;
        if (i % 3 == 0) {
            p = malloc(size + 1);
        } else if (i % 3 == 1) {
            if (posix_memalign(&p, align, size + 1)) return 1;
        } else {
            p = aligned_alloc(align, (size / align + 1) * align);
            size = (size / align + 1) * align - 1;
        }
        if (!p) return 2;
        if (i % 3 != 0 && (uintptr_t)p % align) misaligned++;
        memset(p, (int)(x & 0xff), size + 1);
        blocks[k] = p;
        sizes[k] = size + 1;
    }
    for (int k = 0; k < N; k++) free(blocks[k]);
    printf("misaligned %lu sum %lu\n", misaligned, sum);
    return 0;
}
