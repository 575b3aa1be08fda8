#include <stdio.h>
#include <stdlib.h>
#include <math.h>
/* Iterative radix-2 FFT and its inverse on doubles, bit reversal,
   sin/cos twiddles. */
static void fft(double *re, double *im, int n, int inv) {
    for (int i = 1, j = 0; i < n; i++) {
        int bit = n >> 1;
        for (; j & bit; bit >>= 1) j ^= bit;
        j ^= bit;
        if (i < j) { double t = re[i]; re[i] = re[j]; re[j] = t; t = im[i]; im[i] = im[j]; im[j] = t; }
    }
    for (int len = 2; len <= n; len <<= 1) {
        double ang = 2 * M_PI / len * (inv ? -1 : 1);
        double wr = cos(ang), wi = sin(ang);
        for (int i = 0; i < n; i += len) {
            double cr = 1, ci = 0;
            for (int j = 0; j < len / 2; j++) {
                int a = i + j, b = i + j + len / 2;
                double ur = re[a], ui = im[a];
                double vr = re[b] * cr - im[b] * ci, vi = re[b] * ci + im[b] * cr;
                re[a] = ur + vr; im[a] = ui + vi; re[b] = ur - vr; im[b] = ui - vi;
                double t = cr * wr - ci * wi; ci = cr * wi + ci * wr; cr = t;
            }
        }
    }
    if (inv) for (int i = 0; i < n; i++) { re[i] /= n; im[i] /= n; }
}
int main(int argc, char **argv) {
    int logn = argc > 1 ? atoi(argv[1]) : 16, reps = argc > 2 ? atoi(argv[2]) : 20;
    int n = 1 << logn;
    double *re = malloc(n * sizeof(double)), *im = malloc(n * sizeof(double));
    for (int i = 0; i < n; i++) { re[i] = sin(i * 0.01) + 0.5 * cos(i * 0.037); im[i] = 0; }
    double e = 0;
    for (int r = 0; r < reps; r++) {
        fft(re, im, n, 0);
        e += re[1] * re[1] + im[1] * im[1];
        fft(re, im, n, 1);
    }
    printf("%.6e %.9f %.9f\n", e, re[123], im[456]);
    return 0;
}
