/* Serializes records into a byte buffer through a moving pointer
   (*p++ = ...), then reads them back with a second pointer. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 4000000;
    unsigned *rec = malloc(sizeof(unsigned) * n);
    unsigned char *buf = malloc((size_t)n * 4);
    for (int i = 0; i < n; i++) rec[i] = (unsigned)i * 2654435761u;
    unsigned long h = 0;
    for (int r = 0; r < 10; r++) {
        unsigned char *p = buf;
        for (int i = 0; i < n; i++) {
            unsigned x = rec[i] + (unsigned)r;
            *p++ = (unsigned char)(x >> 24);
            *p++ = (unsigned char)(x >> 16);
            *p++ = (unsigned char)(x >> 8);
            *p++ = (unsigned char)x;
        }
        const unsigned char *q = buf;
        for (int i = 0; i < n; i++) {
            unsigned x = (unsigned)q[0] << 24 | (unsigned)q[1] << 16 | (unsigned)q[2] << 8 | q[3];
            q += 4;
            h = h * 31 + x;
        }
    }
    printf("%lu\n", h);
    free(buf);
    free(rec);
    return 0;
}
