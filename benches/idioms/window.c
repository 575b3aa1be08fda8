/* Sums over a sliding window that ends at the array's end: loops whose
   test adds the window's start to the counter (`i + k < n`). */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 20000;
    int rounds = argc > 2 ? atoi(argv[2]) : 2000;
    int *a = malloc(n * sizeof(int));
    for (int i = 0; i < n; i++) a[i] = (int)((i * 2654435761u) >> 20);
    long s = 0;
    for (int r = 0; r < rounds; r++) {
        int i = (r * 7919) % (n / 2);
        long w = 0;
        for (int k = 0; i + k < n; k++) w += (long)a[i + k] * (k & 7);
        s += w % 1000003;
    }
    printf("%ld\n", s);
    free(a);
    return 0;
}
