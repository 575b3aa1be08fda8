/* Migration across architectures (scripts/cross-matrix.py) and in
   vm/tests/migrate.rs: fills MB megabytes of heap, says "ready", then
   works ROUNDS rounds over it, printing every tenth, and a checksum of
   everything at the end. */
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
    long mb = atol(argv[1]);
    long rounds = atol(argv[2]);
    long n = mb << 20;
    unsigned char *buf = malloc(n);
    for (long i = 0; i < n; i++) buf[i] = (unsigned char)(i * 31 + 7);
    printf("ready\n");
    fflush(stdout);
    unsigned long h = 1469598103934665603UL;
    for (long r = 0; r < rounds; r++) {
        for (long i = 0; i < 200000; i++) {
            h = (h ^ (unsigned long)i) * 1099511628211UL;
            buf[(h >> 11) % n] += (unsigned char)h;
        }
        if (r % 10 == 0) printf("round %ld %lu\n", r, h);
    }
    unsigned long s = 0;
    for (long i = 0; i < n; i++) s = s * 31 + buf[i];
    printf("done %lu %lu\n", h, s);
    return 0;
}
