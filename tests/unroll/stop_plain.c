#include "stop.h"

/* Passes over an array ended by a 0: argv[1] passes (default 50), or
   with argument "stop" until the file "stop" exists in the working
   directory (checked every 16 passes). Its inner loop tests data, so it
   is not counted, and makes no call: the JIT lowers it as a plain loop,
   copies that keep every test and poll in the last only, and a snapshot
   asked from outside lands there (vm/tests/snapshots.rs,
   unrolled_loops_snapshot_at_their_polls). */
int main(int argc, char **argv) {
    long limit = pass_limit(argc, argv);
    int n = 1000;
    unsigned *a = malloc((n + 1) * sizeof(unsigned));
    for (int i = 0; i < n; i++) a[i] = i + 1;
    a[n] = 0;
    printf("looping\n");
    fflush(stdout);
    long pass = 0;
    for (;;) {
        if (limit >= 0 ? pass == limit : pass % 16 == 0 && stop_file()) break;
        unsigned *p = a;
        int i = 0;
        while (*p) {
            *p = (*p * 1103515245u + (unsigned)pass) | 1u;
            p++;
            i++;
        }
        pass++;
    }
    unsigned long sum = 0;
    for (int i = 0; i < n; i++) sum = sum * 31 + a[i];
    printf("passes=%ld sum=%lu\n", pass, sum);
    return 0;
}
