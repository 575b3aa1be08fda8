/* Loops whose bodies end in a call of a function the optimizer keeps
   (it recurses), then a little arithmetic, then the loop's safepoint: the
   JIT tests the call's state and the safepoint's poll with one load and
   makes the poll, with that arithmetic again, on a cold path.
   scripts/cross-matrix.py runs it with --probe-latency, so that polls
   land there on every architecture (jit/tests/programs.rs snapshots at
   every poll of such loops on the host). */
#include <stdio.h>
#include <stdlib.h>

static int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

static unsigned depth(unsigned x, int d) { return d == 0 ? x : depth(x * 2654435761u + (unsigned)d, d - 1) ^ x; }

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 2000;
    unsigned s = 7, t = 1;
    for (int i = 0; i < n; i++) {
        s = s * 31 + (unsigned)fib(i % 18);
        s ^= (unsigned)i;
    }
    for (int i = 0; i < n; i++) {
        t = depth(t, i % 40);
        t += (unsigned)i;
    }
    printf("%u %u %d\n", s, t, fib(n % 20 + 5));
    return 0;
}
