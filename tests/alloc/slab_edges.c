/* Mallocs and frees at the edges of a slab, where the JIT's inline fast
   path calls the runtime's hooks or hands over to the runtime: a class's
   first slab, a slab that fills (every slot of classes 16, 48 and 1024),
   one that stops being full (set aside until frees leave an eighth of its
   slots free; then the JIT's inline free lists it, and makes it the
   class's current slab when the class has none), one that empties and is
   given back, blocks of two types and of
   several sizes in one class, malloc(0), free(NULL); then sizes known
   only at run time (every edge of the classes, a slab filled to its last
   slot and the class's next slab, typed arrays of run-time length, sizes
   of slabs of several frames and large ones) and a constant size of a
   slab of several frames. Prints pointers with %p; pivm must print the
   same on both engines and after a resume from any safepoint (not
   compared with gcc). */
#include <stdio.h>
#include <stdlib.h>

struct a { long x, y; };          /* class 16 */
struct b { int p, q, r, s; };     /* class 16, another type */
struct big { char c[1000]; };     /* class 1024 */

#define N 700

static unsigned long hash = 1469598103934665603UL;

static void mix(void *p) {
    hash = (hash ^ (unsigned long)p) * 1099511628211UL;
}

int main(void) {
    static void *p[N];
    static void *q[N];
    for (int round = 0; round < 3; round++) {
        /* Fill: 700 blocks of 16 bytes are two full slabs and part of a
           third. */
        for (int i = 0; i < N; i++) {
            struct a *x = malloc(sizeof(struct a));
            x->x = i;
            x->y = round;
            p[i] = x;
            mix(x);
        }
        /* Every third freed: full slabs stop being full. */
        for (int i = 0; i < N; i += 3) {
            free(p[i]);
            p[i] = NULL;
        }
        /* Refill with the other type of the same class (mixed types), and
           with 40-byte blocks (class 48, new slabs, one size). */
        for (int i = 0; i < N; i += 3) {
            if (i % 2) {
                struct b *y = malloc(sizeof(struct b));
                y->p = i;
                p[i] = y;
            } else {
                p[i] = malloc(16);
            }
            mix(p[i]);
            q[i] = malloc(40);
            mix(q[i]);
        }
        /* Sizes 33 to 48 in class 48: per-slot sizes, known only at run
           time, then constants of three sizes at three calls. */
        for (int i = 1; i < N; i += 3) {
            q[i] = malloc(33 + i % 16);
            mix(q[i]);
        }
        for (int i = 2; i < N; i += 3) {
            if (i % 4 == 0)
                q[i] = malloc(33);
            else if (i % 4 == 1)
                q[i] = malloc(47);
            else
                q[i] = malloc(40);
            mix(q[i]);
        }
        printf("round %d: %p %p %p %p\n", round, p[0], p[N - 1], q[0], q[1]);
        /* Empty everything in a scattered order: slabs are given back. */
        for (int k = 0; k < 7; k++) {
            for (int i = k; i < N; i += 7) {
                free(p[i]);
                free(q[i]);
                p[i] = q[i] = NULL;
            }
        }
        free(NULL);
        /* Four full slabs of class 1024, then half of them freed. */
        struct big *g[16];
        for (int i = 0; i < 16; i++) {
            g[i] = malloc(sizeof(struct big));
            g[i]->c[0] = (char)i;
            mix(g[i]);
        }
        for (int i = 0; i < 16; i += 2) free(g[i]);
        void *z = malloc(0);
        mix(z);
        printf("round %d: %p %p %p\n", round, (void *)g[1], (void *)g[15], z);
        for (int i = 1; i < 16; i += 2) free(g[i]);
        free(z);
        /* Two full slabs of class 64 (64 slots each) and no slab with room:
           two frees in each leave both set aside (a slab is listed again
           once an eighth of its slots, 8, are free), so the next mallocs
           take a new slab, which empties again; then frees in the top slab
           make it current when it has 8 free slots (the class has none)
           and frees in the lower one list it: the mallocs fill the top
           one, then take the lowest slots of the lower one. */
        static void *r[128];
        static char gone[128];
        for (int i = 0; i < 128; i++) {
            r[i] = malloc(64);
            gone[i] = 0;
            mix(r[i]);
        }
        int two[4] = {127 - round, 70 + round, 5 + round, 9 + round};
        for (int k = 0; k < 4; k++) {
            free(r[two[k]]);
            gone[two[k]] = 1;
        }
        void *u = malloc(64), *v = malloc(64);
        mix(u);
        mix(v);
        printf("round %d: %p %p\n", round, u, v);
        free(u);
        free(v);
        for (int k = 0; k < 8; k++) {
            int i = 64 + (round + 1 + 3 * k) % 64;
            if (!gone[i]) {
                free(r[i]);
                gone[i] = 1;
            }
        }
        for (int k = 0; k < 9; k++) {
            int i = (round + 11 + 5 * k) % 64;
            if (!gone[i]) {
                free(r[i]);
                gone[i] = 1;
            }
        }
        void *m[14];
        printf("round %d:", round);
        for (int k = 0; k < 14; k++) {
            m[k] = malloc(64);
            mix(m[k]);
            printf(" %p", m[k]);
        }
        printf("\n");
        for (int k = 0; k < 14; k++) free(m[k]);
        for (int i = 0; i < 128; i++)
            if (!gone[i]) free(r[i]);
    }
    /* Sizes known only at run time, read from an array. */
    static unsigned long sz[] = {0, 1, 15, 16, 17, 32, 255, 256, 257,
                                 1000, 1023, 1024, 1025, 2048, 4096, 4097,
                                 70000};
    enum { NSZ = sizeof sz / sizeof sz[0] };
    for (int round = 0; round < 3; round++) {
        void *e[NSZ];
        for (int i = 0; i < NSZ; i++) {
            e[i] = malloc(sz[i] + (unsigned long)round % 2);
            mix(e[i]);
        }
        /* A constant size of a class whose slabs are several frames. */
        void *k = malloc(3000);
        mix(k);
        printf("sizes %d: %p %p %p %p %p\n", round, e[0], e[11], e[12], e[16],
               k);
        /* 600 blocks of 14 to 16 bytes: two class-16 slabs filled to
           their last slot (all four bitmap words), part of a third. */
        static void *f[600];
        for (int i = 0; i < 600; i++) {
            f[i] = malloc(sz[3] - (unsigned long)(i % 3));
            mix(f[i]);
        }
        /* Holes in the full slabs, refilled at run-time sizes (the slabs
           fill again at the last hole), and typed arrays of run-time
           length in the same class. */
        for (int i = round; i < 600; i += 5) free(f[i]);
        for (int i = round; i < 600; i += 5) {
            if (i % 2)
                f[i] = malloc(sz[1] + (unsigned long)i % 16);
            else
                f[i] = malloc(sz[1] * sizeof(struct a));
            mix(f[i]);
        }
        struct b *arr = malloc(sz[1 + round] * sizeof(struct b));
        arr[0].p = round;
        mix(arr);
        printf("sizes %d: %p %p %p %p\n", round, f[round], f[599], f[300],
               (void *)arr);
        for (int i = 0; i < 600; i++) free(f[(i * 7) % 600]);
        for (int i = 0; i < NSZ; i++) free(e[NSZ - 1 - i]);
        free(k);
        free(arr);
    }
    printf("hash %lu\n", hash);
    return 0;
}
