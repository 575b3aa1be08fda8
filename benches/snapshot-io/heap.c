/* The snapshot-I/O benchmark program: allocate MB MiB, write every byte of
   it (one memset per MiB, so the fill reaches few safepoints) unless TOUCH
   is 0, then loop SPIN times reading it.
   usage: heap MB [TOUCH [SPIN]]   (defaults 16 1 1000) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    long mb = argc > 1 ? atol(argv[1]) : 16;
    int touch = argc > 2 ? atoi(argv[2]) : 1;
    long spin = argc > 3 ? atol(argv[3]) : 1000;
    long size = mb * 1024 * 1024;
    unsigned char *buf = malloc(size);
    if (!buf) {
        printf("out of memory\n");
        return 1;
    }
    if (touch)
        for (long i = 0; i < mb; i++) memset(buf + i * 1048576, (int)(i * 7 + 1), 1048576);
    unsigned long sum = 0;
    for (long r = 0; r < spin; r++) sum = sum * 31 + buf[(r * 4099) % size];
    printf("heap mb=%ld touch=%d sum=%lu\n", mb, touch, sum);
    free(buf);
    return 0;
}
