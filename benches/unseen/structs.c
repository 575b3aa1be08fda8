#include <stdio.h>
#include <stdlib.h>
typedef struct { double x, y, z; } vec;
static vec add(vec a, vec b) { vec r = { a.x + b.x, a.y + b.y, a.z + b.z }; return r; }
static vec scale(vec a, double s) { vec r = { a.x * s, a.y * s, a.z * s }; return r; }
static double dot(vec a, vec b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 20000000;
  vec p = { 1, 2, 3 }, v = { 0.1, 0.2, 0.3 }; double e = 0;
  for (int i = 0; i < n; i++) { p = add(p, scale(v, 0.001)); v = add(v, scale(p, -0.001)); e += dot(p, v) * 1e-9; }
  printf("%f %f %f %f\n", p.x, p.y, p.z, e); return 0; }
