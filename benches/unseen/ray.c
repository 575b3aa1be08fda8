#include <stdio.h>
#include <stdlib.h>
#include <math.h>
typedef struct { double x, y, z; } V;
static V v(double x, double y, double z) { V r = { x, y, z }; return r; }
static V add(V a, V b) { return v(a.x + b.x, a.y + b.y, a.z + b.z); }
static V sub(V a, V b) { return v(a.x - b.x, a.y - b.y, a.z - b.z); }
static V mul(V a, double s) { return v(a.x * s, a.y * s, a.z * s); }
static double dot(V a, V b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
static V norm(V a) { return mul(a, 1.0 / sqrt(dot(a, a))); }
typedef struct { V c; double r; V col; } Sphere;
static double hit(const Sphere *s, V o, V d) {
  V oc = sub(o, s->c); double b = dot(oc, d), c = dot(oc, oc) - s->r * s->r, h = b * b - c;
  if (h < 0) return -1; return -b - sqrt(h);
}
int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 400;
  Sphere sc[4] = { { { 0, 0, 5 }, 1, { 1, 0, 0 } }, { { 2, 0, 6 }, 1, { 0, 1, 0 } }, { { -2, 0, 6 }, 1, { 0, 0, 1 } }, { { 0, -101, 5 }, 100, { 1, 1, 1 } } };
  V light = norm(v(1, 1, -1)); double sum = 0;
  for (int y = 0; y < n; y++) for (int x = 0; x < n; x++) {
    V d = norm(v((x - n / 2) / (double)n, (y - n / 2) / (double)n, 1)), o = v(0, 0, 0);
    double best = 1e9; int bi = -1;
    for (int i = 0; i < 4; i++) { double t = hit(&sc[i], o, d); if (t > 0 && t < best) { best = t; bi = i; } }
    if (bi >= 0) { V p = add(o, mul(d, best)); V nn = norm(sub(p, sc[bi].c)); double l = dot(nn, light); if (l < 0) l = 0; V c = mul(sc[bi].col, l); sum += c.x + c.y * 2 + c.z * 3; }
  }
  printf("%.6f\n", sum); return 0; }
