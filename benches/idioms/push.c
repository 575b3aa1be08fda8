/* A dynamic array grown by doubling with realloc, pushed to one element
   at a time, then summed with a stride. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 50000000;
    long cap = 16, len = 0;
    int *v = malloc(cap * sizeof(int));
    for (long i = 0; i < n; i++) {
        if (len == cap) {
            cap *= 2;
            v = realloc(v, cap * sizeof(int));
        }
        v[len++] = (int)(i * 2654435761u);
    }
    unsigned long h = 0;
    for (long i = 0; i < len; i += 7) h = h * 31 + (unsigned)v[i];
    printf("%ld %lu\n", len, h);
    free(v);
    return 0;
}
