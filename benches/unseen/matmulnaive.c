#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 500;
  double a[n][n], b[n][n], c[n][n];
  for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) { a[i][j] = i + j; b[i][j] = i - j; c[i][j] = 0; }
  for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) for (int k = 0; k < n; k++) c[i][j] += a[i][k] * b[k][j];
  double s = 0; for (int i = 0; i < n; i++) s += c[i][i];
  printf("%f\n", s); return 0; }
