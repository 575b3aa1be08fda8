/* Typed blocks of one size class side by side: structs of different types
   and byte buffers of different lengths share slabs (so the allocator keeps
   per-slot types and sizes), with scattered frees and reallocs. Prints
   pointers with %p; pivm must print the same on both engines and after a
   resume from any safepoint, and snapshots taken at the same safepoint by
   either engine must hold the same typed allocation table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pair { long a, b; };
struct mix { double x; int y; };
struct node { struct node *next; int v; };

#define SLOTS 600

static unsigned long state = 1234567UL;

static unsigned long next(void) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

int main(void) {
    void *blocks[SLOTS];
    int kinds[SLOTS];
    unsigned long hash = 0;
    for (int s = 0; s < SLOTS; s++) blocks[s] = NULL;
    for (int round = 0; round < 8; round++) {
        for (int i = 0; i < 2000; i++) {
            unsigned long r = next();
            int s = (int)((r >> 16) % SLOTS);
            if (blocks[s]) {
                if (r % 7 == 0 && kinds[s] == 3) {
                    blocks[s] = realloc(blocks[s], 1 + (r >> 8) % 16);
                } else {
                    free(blocks[s]);
                    blocks[s] = NULL;
                }
                continue;
            }
            int k = (int)(r % 5);
            kinds[s] = k;
            if (k == 0) {
                struct pair *p = malloc(sizeof(struct pair));
                p->a = (long)r;
                p->b = i;
                blocks[s] = p;
            } else if (k == 1) {
                struct mix *m = malloc(sizeof(struct mix));
                m->x = (double)i;
                m->y = round;
                blocks[s] = m;
            } else if (k == 2) {
                struct node *n = malloc(sizeof(struct node));
                n->next = NULL;
                n->v = i;
                blocks[s] = n;
            } else if (k == 3) {
                char *c = malloc(1 + (r >> 8) % 16);
                c[0] = (char)i;
                blocks[s] = c;
            } else {
                long *l = calloc(1 + (r >> 8) % 3, sizeof(long));
                blocks[s] = l;
            }
            hash = hash * 31 + (unsigned long)blocks[s];
        }
        printf("round %d: hash %lu", round, hash);
        for (int s = round, shown = 0; s < SLOTS && shown < 4; s += 37) {
            if (blocks[s]) {
                printf(" %p", blocks[s]);
                shown++;
            }
        }
        printf("\n");
    }
    for (int s = 0; s < SLOTS; s++) free(blocks[s]);
    return 0;
}
