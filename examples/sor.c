/* Successive over-relaxation on an N x N grid (SciMark-style).
   usage: sor [N]   (default 50; 40 iterations) */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 50;
    if (n < 3) n = 3;
    int iters = 40;
    double omega = 1.25;
    double **g = malloc(n * sizeof(double *));
    for (int i = 0; i < n; i++) {
        g[i] = malloc(n * sizeof(double));
        for (int j = 0; j < n; j++) g[i][j] = (double)((i * 31 + j * 17) % 100) / 100.0;
    }
    double omega_4 = omega * 0.25, one_minus = 1.0 - omega;
    for (int p = 0; p < iters; p++)
        for (int i = 1; i < n - 1; i++) {
            double *gim1 = g[i - 1], *gi = g[i], *gip1 = g[i + 1];
            for (int j = 1; j < n - 1; j++)
                gi[j] = omega_4 * (gim1[j] + gip1[j] + gi[j - 1] + gi[j + 1]) + one_minus * gi[j];
        }
    double sum = 0.0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) sum += g[i][j];
    printf("sor n=%d iterations=%d sum=%.6f center=%.6f\n", n, iters, sum, g[n / 2][n / 2]);
    for (int i = 0; i < n; i++) free(g[i]);
    free(g);
    return 0;
}
