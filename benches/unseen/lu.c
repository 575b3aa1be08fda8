#include <stdio.h>
#include <stdlib.h>
#include <math.h>
int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 1000;
  double *a = malloc(sizeof(double) * n * n);
  for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) a[i * n + j] = 1.0 / (i + j + 1) + (i == j ? n : 0);
  for (int k = 0; k < n; k++) {
    for (int i = k + 1; i < n; i++) {
      double f = a[i * n + k] / a[k * n + k];
      for (int j = k; j < n; j++) a[i * n + j] -= f * a[k * n + j];
    }
  }
  double d = 0; for (int i = 0; i < n; i++) d += log(fabs(a[i * n + i]));
  printf("%.6f\n", d); free(a); return 0; }
