/* The longest Collatz chain below a limit: a small loop whose exit
   depends on the data. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    long lim = argc > 1 ? atol(argv[1]) : 3000000;
    long best = 0, bestn = 0;
    for (long s = 1; s < lim; s++) {
        long n = s, steps = 0;
        while (n != 1) {
            n = (n & 1) ? 3 * n + 1 : n >> 1;
            steps++;
        }
        if (steps > best) {
            best = steps;
            bestn = s;
        }
    }
    printf("%ld %ld\n", bestn, best);
    return 0;
}
