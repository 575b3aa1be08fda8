/* A recursion whose frames hold a 240-byte local array, with two calls
   of itself: inlined into itself, each activation would hold three
   levels' arrays for two levels, and a recursion that fits the shadow
   stack as plain frames would no longer fit (vm/tests/optimizer.rs runs
   it close to the limit). usage: recursion_frames [DEPTH] */
#include <stdio.h>
#include <stdlib.h>
static int walk(int n, int dir) {
    volatile char buf[240];
    for (int i = 0; i < 240; i += 60) buf[i] = (char)(n + i);
    if (n == 0) return buf[0];
    int r;
    if (dir) r = walk(n - 1, n & 1);
    else r = walk(n - 1, (n >> 1) & 1);
    return r + buf[n % 4 * 60] % 3;
}
int main(int argc, char **argv) {
    int d = argc > 1 ? atoi(argv[1]) : 25000;
    printf("%d\n", walk(d, 1));
    return 0;
}
