/* A program of two files and a header, for the source file each
   function's lines are in (vm/tests/source_files.rs): `divide` traps in
   lib.c, `spin` loops in lib.c (called from two places, so it stays a
   function), `count_up` loops in util.h (called once, inlined into
   `main`). */
#include <stdio.h>
#include <stdlib.h>
#include "util.h"

int divide(int a, int b);
long spin(long n);

int main(int argc, char **argv) {
    int mode = argc > 1 ? atoi(argv[1]) : 0;
    if (mode == 1) {
        printf("%d\n", divide(7, 0));
        return 0;
    }
    if (mode == 2) {
        printf("%ld\n", count_up(100000));
        return 0;
    }
    if (mode == 3) {
        printf("%ld\n", 1 + spin(1000));
        return 0;
    }
    printf("%ld\n", spin(200000));
    return 0;
}
