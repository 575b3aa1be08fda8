#include <stdio.h>
int main(int argc, char **argv) {
  unsigned h = argc;
  for (int r = 0; r < 1000000; r++)
    for (int k = 0; k < 8; k++) h = h * 31 + k;
  printf("%u\n", h);
  return 0;
}
