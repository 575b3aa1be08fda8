/* calloc of large blocks returns zeroed memory whatever was there: fresh
   memory, memory a freed block had written (every byte, some pages, the
   first and last byte only), and a block that straddles both. pivm zeroes
   only the pages the host holds data for (builtins/stdlib.rs `zero`). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The nonzero bytes of p[0..n) (n a multiple of 8), a word at a time:
   the bytes of a word are counted only where the word is nonzero. */
static unsigned long check(const unsigned char *p, size_t n) {
    unsigned long nonzero = 0;
    for (size_t i = 0; i < n; i += 8) {
        unsigned long long w;
        memcpy(&w, p + i, 8);
        if (w)
            for (int b = 0; b < 8; b++) nonzero += p[i + b] != 0;
    }
    return nonzero;
}

int main(void) {
    size_t sizes[] = {300 << 10, 1 << 20, (3 << 20) + 4200, 8 << 20};
    for (int k = 0; k < 4; k++) {
        size_t n = sizes[k];
        unsigned char *fresh = calloc(n, 1);
        printf("fresh %zu: %lu nonzero\n", n, check(fresh, n));
        /* Dirty it three ways, free it, and calloc the same size again
           (pivm's allocator gives the same place back). */
        for (int way = 0; way < 3; way++) {
            if (way == 0) memset(fresh, 0xa5, n);
            if (way == 1)
                for (size_t i = 17; i < n; i += 3 * 4096) fresh[i] = 1;
            if (way == 2) fresh[0] = fresh[n - 1] = 7;
            free(fresh);
            unsigned char *again = calloc(n / 8, 8);
            printf("reused %zu way %d: %lu nonzero\n", n, way, check(again, n / 8 * 8));
            fresh = again;
        }
        /* Twice the size: the old place and fresh memory after it. */
        memset(fresh, 0x5a, n / 8 * 8);
        free(fresh);
        unsigned char *big = calloc(2, n);
        printf("straddling %zu: %lu nonzero\n", 2 * n, check(big, 2 * n));
        free(big);
    }
    return 0;
}
