#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Passes over two arrays: argv[1] passes (default 50), or with argument
   "stop" until the file "stop" exists in the working directory (checked
   every 16 passes). Its inner loop is counted and makes no call: the JIT
   unrolls its fast copy, and a snapshot asked from outside lands there
   (vm/tests/snapshots.rs, unrolled_loops_snapshot_at_their_polls). */
static int stop_file(void) {
    FILE *f = fopen("stop", "r");
    if (!f) return 0;
    fclose(f);
    return 1;
}

int main(int argc, char **argv) {
    long limit = argc < 2 ? 50 : strcmp(argv[1], "stop") == 0 ? -1 : atol(argv[1]);
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
