/* Linear searches for keys known to be present: a scan whose exit
   depends on the data. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 20000;
    int queries = argc > 2 ? atoi(argv[2]) : 40000;
    int *a = malloc(n * sizeof(int));
    for (int i = 0; i < n; i++) a[i] = (int)((i * 2654435761u) >> 8);
    long found = 0;
    for (int q = 0; q < queries; q++) {
        int key = a[(int)(((unsigned)q * 7919u) % (unsigned)n)];
        int i = 0;
        while (a[i] != key) i++;
        found += i;
    }
    printf("%ld\n", found);
    free(a);
    return 0;
}
