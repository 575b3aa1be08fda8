/* Dense N x N matrix multiply (C = A * B) with a checksum.
   usage: matmul [N]   (default 60) */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 60;
    if (n < 1) n = 1;
    double *a = malloc(sizeof(double) * n * n);
    double *b = malloc(sizeof(double) * n * n);
    double *c = malloc(sizeof(double) * n * n);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            a[i * n + j] = (double)((i * 7 + j * 3) % 11) / 11.0;
            b[i * n + j] = (double)((i * 5 + j * 13) % 17) / 17.0 - 0.5;
            c[i * n + j] = 0.0;
        }
    for (int i = 0; i < n; i++)
        for (int k = 0; k < n; k++) {
            double aik = a[i * n + k];
            for (int j = 0; j < n; j++) c[i * n + j] += aik * b[k * n + j];
        }
    double sum = 0.0, diag = 0.0;
    for (int i = 0; i < n; i++) {
        diag += c[i * n + i];
        for (int j = 0; j < n; j++) sum += c[i * n + j] * (double)((i + j) % 3 + 1);
    }
    printf("matmul n=%d checksum=%.6f trace=%.6f\n", n, sum, diag);
    free(a);
    free(b);
    free(c);
    return 0;
}
