#include <stdio.h>
#include <stdlib.h>
/* N-queens by backtracking over arrays (no bit tricks). */
static int n, cols[32];
static int ok(int row, int c) {
    for (int r = 0; r < row; r++) {
        int d = cols[r] - c;
        if (d == 0 || d == row - r || d == r - row) return 0;
    }
    return 1;
}
static long solve(int row) {
    if (row == n) return 1;
    long s = 0;
    for (int c = 0; c < n; c++)
        if (ok(row, c)) { cols[row] = c; s += solve(row + 1); }
    return s;
}
int main(int argc, char **argv) { n = argc > 1 ? atoi(argv[1]) : 10; printf("%d queens: %ld\n", n, solve(0)); return 0; }
