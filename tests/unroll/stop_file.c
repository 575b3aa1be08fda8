#include "stop.h"

/* Passes over two arrays: argv[1] passes (default 50), or with argument
   "stop" until the file "stop" exists in the working directory (checked
   every 16 passes). Its inner loop is counted and makes no call: the JIT
   unrolls its fast copy, and a snapshot asked from outside lands there
   (vm/tests/snapshots.rs, unrolled_loops_snapshot_at_their_polls). */
int main(int argc, char **argv) {
    long limit = pass_limit(argc, argv);
    int n = 1000;
    unsigned *a = malloc(n * sizeof(unsigned));
    double *d = malloc(n * sizeof(double));
    for (int i = 0; i < n; i++) {
        a[i] = i;
        d[i] = i;
    }
    printf("looping\n");
    fflush(stdout);
    long pass = 0;
    for (;;) {
        if (limit >= 0 ? pass == limit : pass % 16 == 0 && stop_file()) break;
        for (int i = 0; i < n; i++) {
            a[i] = a[i] * 1103515245u + (unsigned)i + (unsigned)pass;
            d[i] = d[i] * 0.5 + a[i];
        }
        pass++;
    }
    unsigned long sum = 0;
    double ds = 0;
    for (int i = 0; i < n; i++) {
        sum = sum * 31 + a[i];
        ds += d[i];
    }
    printf("passes=%ld sum=%lu d=%.17g\n", pass, sum, ds);
    return 0;
}
