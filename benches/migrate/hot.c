/* A long job with a big, mostly settled heap: MB megabytes filled once,
   then ROUNDS rounds that each rewrite a 1 MiB hot region and print a
   line every 100 rounds. What pre-copy migration is for. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    long mb = argc > 1 ? atol(argv[1]) : 64;
    long rounds = argc > 2 ? atol(argv[2]) : 100000;
    long n = mb << 20;
    unsigned char *heap = malloc(n);
    for (long i = 0; i < n; i++) heap[i] = (unsigned char)(i * 131 + 17);
    printf("ready\n");
    fflush(stdout);
    unsigned long h = 1469598103934665603UL;
    long hot = 1 << 20;
    for (long r = 0; r < rounds; r++) {
        long base = (r * 4096) % (n - hot);
        for (long i = 0; i < hot; i += 64) {
            h = (h ^ heap[base + i]) * 1099511628211UL;
            heap[base + i] = (unsigned char)h;
        }
        if (r % 100 == 0) printf("round %ld %lu\n", r, h);
    }
    unsigned long s = 0;
    for (long i = 0; i < n; i += 4096) s = s * 31 + heap[i];
    printf("done %lu %lu\n", h, s);
    return 0;
}
