#include <stdio.h>
#include <stdlib.h>
typedef struct { double re, im; } C;
static C cadd(C a, C b) { C r = { a.re + b.re, a.im + b.im }; return r; }
static C cmul(C a, C b) { C r = { a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re }; return r; }
static double cabs2(C a) { return a.re * a.re + a.im * a.im; }
int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 600; long total = 0;
  for (int y = 0; y < n; y++) for (int x = 0; x < n; x++) {
    C c = { 2.0 * x / n - 1.5, 2.0 * y / n - 1.0 }, z = { 0, 0 }; int i = 0;
    while (i < 100 && cabs2(z) < 4.0) { z = cadd(cmul(z, z), c); i++; }
    total += i; }
  printf("%ld\n", total); return 0; }
