/* Quicksort of 2^N keys from a linear congruential generator.
   usage: quicksort [N]   (default 14) */
#include <stdio.h>
#include <stdlib.h>

static unsigned int seed = 12345;

static unsigned int lcg(void) {
    seed = seed * 1103515245u + 12345u;
    return seed >> 1;
}

static void quicksort(unsigned int *a, long lo, long hi) {
    while (lo < hi) {
        unsigned int pivot = a[lo + (hi - lo) / 2];
        long i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot) i++;
            while (a[j] > pivot) j--;
            if (i <= j) {
                unsigned int t = a[i];
                a[i] = a[j];
                a[j] = t;
                i++;
                j--;
            }
        }
        /* Recurse into the smaller half, loop on the larger one. */
        if (j - lo < hi - i) {
            quicksort(a, lo, j);
            lo = i;
        } else {
            quicksort(a, i, hi);
            hi = j;
        }
    }
}

int main(int argc, char **argv) {
    int bits = argc > 1 ? atoi(argv[1]) : 14;
    if (bits < 1 || bits > 28) bits = 14;
    long n = 1L << bits;
    unsigned int *a = malloc(n * sizeof(unsigned int));
    for (long i = 0; i < n; i++) a[i] = lcg();
    quicksort(a, 0, n - 1);
    int sorted = 1;
    unsigned long check = 0;
    for (long i = 0; i < n; i++) {
        if (i > 0 && a[i - 1] > a[i]) sorted = 0;
        check = check * 31 + a[i];
    }
    printf("quicksort n=%ld sorted=%d min=%u max=%u checksum=%lu\n", n, sorted, a[0], a[n - 1], check);
    free(a);
    return sorted ? 0 : 1;
}
