/* The incremental-snapshot benchmark's program: a heap of MB megabytes,
   filled, then ROUNDS rounds that each rewrite one twentieth of it (5%),
   a different slice each round.
   usage: delta MB ROUNDS */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    long mb = argc > 1 ? atol(argv[1]) : 64;
    int rounds = argc > 2 ? atoi(argv[2]) : 10;
    long n = mb * 131072;
    unsigned long *a = malloc(n * sizeof(unsigned long));
    if (!a) {
        printf("out of memory\n");
        return 1;
    }
    for (long i = 0; i < n; i++) a[i] = (unsigned long)i * 2654435761UL;
    unsigned long sum = 0;
    for (int r = 0; r < rounds; r++) {
        long from = (long)(((unsigned long)r * 7919UL) % 20UL) * (n / 20);
        for (long i = from; i < from + n / 20; i++) a[i] ^= (unsigned long)(r + i);
        sum = sum * 31 + a[from];
    }
    printf("delta mb=%ld rounds=%d sum=%lu\n", mb, rounds, sum);
    free(a);
    return 0;
}
