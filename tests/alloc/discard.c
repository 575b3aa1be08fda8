/* Large frees: pivm zeroes a freed block's whole frames when it leaves a
   free extent of at least its threshold (128 KiB, then twice the last
   block it zeroed) and gives their pages back to the host; a smaller
   extent keeps its bytes. What a block holds when it is handed out again
   is printed (reading it is undefined in C, so this is not compared with
   gcc): pivm must print the same on both engines and after a resume from
   any safepoint, so the zeroing is the same wherever it runs. Blocks
   freed alone and next to free neighbours, at the top of the heap and
   below it, and shrunk in place with realloc; their sizes grow round
   after round, so the threshold keeps being reached. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A sample of a block's bytes, one per 509. */
static unsigned long sample(const unsigned char *p, unsigned long n) {
    unsigned long s = 0;
    for (unsigned long i = 0; i < n; i += 509) s = s * 31 + p[i];
    return s;
}

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 24;
    static const unsigned long sizes[6] = {300000, 150000, 40000, 70000, 9000, 200000};
    /* Sizes grow by a factor that doubles every three rounds, up to 128. */
    unsigned char *fence = malloc(100);
    unsigned char *keep = NULL;
    unsigned long zero = 0, stale = 0;
    for (int r = 0; r < rounds; r++) {
        unsigned long grow = 1UL << (r / 3 < 7 ? r / 3 : 7);
        unsigned long n = sizes[r % 6] * grow + 16 * (unsigned long)r;
        unsigned char *a = malloc(n);
        unsigned char *b = malloc(n / 2);
        unsigned long was = sample(a, n) * 7 + sample(b, n / 2);
        /* Round 0 reads a fresh heap. */
        if (r > 0) {
            if (was) stale++; else zero++;
        }
        printf("round %d: %p %p held %lu\n", r, (void *)a, (void *)b, was);
        memset(a, r + 1, n);
        memset(b, r + 101, n / 2);
        if (r % 4 == 1) {
            /* Shrunk in place: its tail goes back to the space after it. */
            a = realloc(a, n / 8);
            printf("  shrunk %p\n", (void *)a);
        }
        free(a);
        if (r % 3 == 2) {
            /* b stays a while: a's extent ends at it. */
            free(keep);
            keep = b;
        } else {
            free(b);
        }
    }
    free(keep);
    free(fence);
    printf("zero %lu stale %lu\n", zero, stale);
    return 0;
}
