/* Modified Gram-Schmidt QR factorization of an N x N matrix; checks that
   Q is orthonormal and that Q*R reproduces A.
   usage: mgs [N]   (default 40) */
#include <stdio.h>
#include <stdlib.h>
#include <math.h>

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 40;
    if (n < 2) n = 2;
    double *a = malloc(n * n * sizeof(double));
    double *q = malloc(n * n * sizeof(double));
    double *r = calloc(n * n, sizeof(double));
    unsigned int s = 7;
    for (int i = 0; i < n * n; i++) {
        s = s * 1664525u + 1013904223u;
        a[i] = (double)(s >> 8) / 16777216.0 - 0.5;
        q[i] = a[i];
    }
    /* Column k of q is q[i * n + k]. */
    for (int k = 0; k < n; k++) {
        double nrm = 0.0;
        for (int i = 0; i < n; i++) nrm += q[i * n + k] * q[i * n + k];
        nrm = sqrt(nrm);
        r[k * n + k] = nrm;
        for (int i = 0; i < n; i++) q[i * n + k] /= nrm;
        for (int j = k + 1; j < n; j++) {
            double dot = 0.0;
            for (int i = 0; i < n; i++) dot += q[i * n + k] * q[i * n + j];
            r[k * n + j] = dot;
            for (int i = 0; i < n; i++) q[i * n + j] -= dot * q[i * n + k];
        }
    }
    double orth = 0.0, resid = 0.0, rsum = 0.0;
    for (int j = 0; j < n; j++)
        for (int k = 0; k < n; k++) {
            double dot = 0.0;
            for (int i = 0; i < n; i++) dot += q[i * n + j] * q[i * n + k];
            double want = j == k ? 1.0 : 0.0;
            orth = fmax(orth, fabs(dot - want));
        }
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            double v = 0.0;
            for (int k = 0; k < n; k++) v += q[i * n + k] * r[k * n + j];
            resid = fmax(resid, fabs(v - a[i * n + j]));
            rsum += r[i * n + j];
        }
    printf("mgs n=%d orthogonal=%s reconstructs=%s rsum=%.6f\n", n, orth < 1e-9 ? "yes" : "no",
           resid < 1e-9 ? "yes" : "no", rsum);
    free(a);
    free(q);
    free(r);
    return 0;
}
