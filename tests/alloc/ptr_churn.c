/* Heap addresses reach the output: after rounds of mixed-size churn
   (scattered frees, reallocs, calloc, strdup), print pointers with %p and a
   hash of every live address. pivm must print the same on both engines and
   after a resume from any safepoint (not compared with gcc). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 512

static unsigned long state = 2463534242UL;

static unsigned long next(void) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

static unsigned long size_for(unsigned long r) {
    unsigned long k = r % 16;
    r >>= 8;
    if (k < 9) return r % 64;
    if (k < 13) return 64 + r % 960;
    if (k < 15) return 1024 + r % 7000;
    return 8192 + r % 100000;
}

int main(void) {
    char *blocks[SLOTS];
    for (int s = 0; s < SLOTS; s++) blocks[s] = NULL;
    for (int round = 0; round < 12; round++) {
        for (int i = 0; i < 1500; i++) {
            unsigned long r = next();
            int s = (int)((r >> 20) % SLOTS);
            if (!blocks[s]) {
                switch (r % 5) {
                case 0: blocks[s] = calloc(1 + r % 40, 8); break;
                case 1: blocks[s] = strdup("churn, churn, churn" + r % 19); break;
                default: blocks[s] = malloc(size_for(next())); break;
                }
            } else if (r % 7 == 0) {
                blocks[s] = realloc(blocks[s], size_for(next()) + 1);
            } else {
                free(blocks[s]);
                blocks[s] = NULL;
            }
        }
        unsigned long h = 0;
        int live = 0;
        for (int s = 0; s < SLOTS; s++) {
            if (blocks[s]) {
                h = h * 1000003 ^ (unsigned long)blocks[s];
                live++;
            }
        }
        printf("round %d: live %d hash %lx first %p last %p fresh", round, live, h,
               (void *)blocks[0], (void *)blocks[SLOTS - 1]);
        for (int k = 0; k < 4; k++) {
            void *p = malloc(size_for(next()));
            printf(" %p", p);
            free(p);
        }
        printf("\n");
    }
    for (int s = 0; s < SLOTS; s++) free(blocks[s]);
    return 0;
}
