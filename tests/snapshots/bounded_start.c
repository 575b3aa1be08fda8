#include <math.h>
#include <stdio.h>
/* Its loop over j starts at the outer counter plus one and calls sqrt:
   pivm polled in it until a loop of bounded work could start so; the
   loop over k, from a constant, never polled. */
int main(int argc, char **argv) {
  double s = argc;
  for (int r = 0; r < 100000; r++) {
    for (int k = 0; k < 4; k++) s += k * 0.25;
    for (int i = 0; i < 6; i++)
      for (int j = i + 1; j < 6; j++) s = s * 0.5 + sqrt((double)(i * j + r % 7));
  }
  printf("%.6f\n", s);
  return 0;
}
