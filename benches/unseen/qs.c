#include <stdio.h>
#include <stdlib.h>
static int cmp(const void *a, const void *b) { int x = *(const int *)a, y = *(const int *)b; return (x > y) - (x < y); }
int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 1000000;
  int *a = malloc(n * sizeof *a); unsigned s = 1;
  for (int i = 0; i < n; i++) { s = s * 1103515245 + 12345; a[i] = s >> 8; }
  qsort(a, n, sizeof *a, cmp);
  long c = 0; for (int i = 0; i < n; i += 1000) c += a[i];
  printf("%ld\n", c); free(a); return 0; }
