/* memcpy, memmove and memset of lengths known only at run time (compiled
   code checks the ranges once and calls the host's routine): every length
   from 0 to 300 at odd offsets, overlapping moves both ways, fills with
   values above 255 (only the low byte counts), copies between globals,
   the stack and the heap, and a copy that ends at the last byte of a
   block. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned char glob[1024];
static unsigned long seed = 12345;

static unsigned long next(void) {
    seed = seed * 6364136223846793005UL + 1442695040888963407UL;
    return seed >> 33;
}

static unsigned long sum(const unsigned char *p, size_t n) {
    unsigned long h = 1469598103934665603UL;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 1099511628211UL;
    return h;
}

int main(int argc, char **argv) {
    size_t scale = (size_t)(argc > 1 ? atoi(argv[1]) : 1);
    unsigned char local[700];
    unsigned char *heap = malloc(2048);
    for (size_t i = 0; i < sizeof glob; i++) glob[i] = (unsigned char)(i * 7);
    for (size_t i = 0; i < sizeof local; i++) local[i] = (unsigned char)(i * 13);
    for (size_t i = 0; i < 2048; i++) heap[i] = (unsigned char)(i * 3);
    unsigned long h = 0;
    for (size_t n = 0; n <= 300 * scale; n++) {
        size_t a = next() % 300, b = next() % 300;
        memset(heap + a + 1, (int)(n + 0x1f00), n);
        memcpy(local + b, heap + a + 1, n);
        memmove(glob + a, glob + b, n);
        memmove(heap + 700 + a, heap + 700 + a + 3, n);
        memmove(heap + 1000 + a + 5, heap + 1000 + a, n);
        void *r = memcpy(glob + 500, local + (n % 7), n / 2);
        h = h * 31 + sum(glob, sizeof glob) + sum(local, sizeof local) +
            sum(heap, 2048) + (r == glob + 500);
    }
    /* Lengths that end exactly at the end of a block. */
    unsigned char *tail = malloc(40);
    for (size_t n = 0; n <= 40; n++) {
        memset(tail + 40 - n, (int)n, n);
        memmove(tail, tail + 40 - n, n);
        h = h * 31 + sum(tail, 40);
    }
    printf("%lu\n", h);
    free(tail);
    free(heap);
    return 0;
}
