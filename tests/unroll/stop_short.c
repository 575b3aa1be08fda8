#include "stop.h"

/* Passes over an array in short runs: argv[1] passes (default 50), or
   with argument "stop" until the file "stop" exists in the working
   directory (checked every 16 passes). Its inner loops are counted, make
   no call, and run fewer than 8 iterations, or a round of 8 and fewer
   than 8 more: the JIT runs those in a short copy that does not poll
   (jit/src/lower/hoist.rs), so a snapshot asked from outside lands in
   the loop around them (vm/tests/snapshots.rs, short_loops_do_not_poll). */
int main(int argc, char **argv) {
    long limit = pass_limit(argc, argv);
    int n = 1024;
    unsigned *a = malloc(n * sizeof(unsigned));
    for (int i = 0; i < n; i++) a[i] = i;
    printf("looping\n");
    fflush(stdout);
    long pass = 0;
    for (;;) {
        if (limit >= 0 ? pass == limit : pass % 16 == 0 && stop_file()) break;
        for (int s = 0; s + 16 <= n; s += 16) {
            int k = (int)((a[s] + pass) % 7) + 1;
            for (int i = 0; i < k; i++) a[s + i] = a[s + i] * 1103515245u + (unsigned)i;
            for (int i = 0; i < 8 + k; i++) a[s + i] ^= a[s + i] >> 3;
        }
        pass++;
    }
    unsigned long sum = 0;
    for (int i = 0; i < n; i++) sum = sum * 31 + a[i];
    printf("passes=%ld sum=%lu\n", pass, sum);
    return 0;
}
