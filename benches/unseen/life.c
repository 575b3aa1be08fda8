#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* Conway's life on a torus of chars, two buffers swapped. */
int main(int argc, char **argv) {
    int w = argc > 1 ? atoi(argv[1]) : 512, gens = argc > 2 ? atoi(argv[2]) : 200, h = w;
    char *a = malloc(w * h), *b = malloc(w * h);
    unsigned s = 5;
    for (int i = 0; i < w * h; i++) { s = s * 69069 + 1; a[i] = (s >> 29) < 3; }
    for (int g = 0; g < gens; g++) {
        for (int y = 0; y < h; y++) {
            int ym = (y + h - 1) % h * w, y0 = y * w, yp = (y + 1) % h * w;
            for (int x = 0; x < w; x++) {
                int xm = (x + w - 1) % w, xp = (x + 1) % w;
                int c = a[ym + xm] + a[ym + x] + a[ym + xp] + a[y0 + xm] + a[y0 + xp] + a[yp + xm] + a[yp + x] + a[yp + xp];
                b[y0 + x] = c == 3 || (c == 2 && a[y0 + x]);
            }
        }
        char *t = a; a = b; b = t;
    }
    long alive = 0;
    for (int i = 0; i < w * h; i++) alive += a[i];
    printf("%ld alive\n", alive);
    return 0;
}
