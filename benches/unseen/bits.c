#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
static int popc(uint64_t x) { int c = 0; while (x) { x &= x - 1; c++; } return c; }
int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 20000000;
  uint64_t x = 88172645463325252ull; long t = 0;
  for (int i = 0; i < n; i++) { x ^= x << 13; x ^= x >> 7; x ^= x << 17; t += popc(x & 0xFFFF) + (x >> 60); }
  printf("%ld %llu\n", t, (unsigned long long)x); return 0; }
