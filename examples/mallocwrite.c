/* Allocate N MB, fill it, then rewrite pseudo-random blocks in a loop.
   usage: mallocwrite [N]   (default 4) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    long mb = argc > 1 ? atol(argv[1]) : 4;
    if (mb < 1) mb = 1;
    long size = mb * 1024 * 1024;
    unsigned char *buf = malloc(size);
    if (!buf) {
        printf("out of memory\n");
        return 1;
    }
    for (long i = 0; i < size; i++) buf[i] = (unsigned char)(i * 7);
    unsigned long x = 42;
    int rounds = 200;
    for (int r = 0; r < rounds; r++) {
        x = x * 6364136223846793005UL + 1442695040888963407UL;
        long off = (long)((x >> 16) % (unsigned long)(size - 4096));
        memset(buf + off, r & 0xff, 1024);
        for (long i = 0; i < 1024; i++) buf[off + 1024 + i] ^= (unsigned char)(i + r);
    }
    unsigned long sum = 0;
    for (long i = 0; i < size; i += 8) sum = sum * 1099511628211UL + buf[i] + buf[i + 3];
    printf("mallocwrite mb=%ld rounds=%d checksum=%lu\n", mb, rounds, sum);
    free(buf);
    return 0;
}
