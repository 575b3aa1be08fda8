/* The Mandelbrot set as text.
   usage: mandelbrot [WIDTH]   (default 64; height is WIDTH / 2) */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    int w = argc > 1 ? atoi(argv[1]) : 64;
    if (w < 8) w = 8;
    int h = w / 2;
    const char *shades = " .:-=+*#%@";
    int max_iter = 200;
    long total = 0;
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            double cr = -2.2 + 3.2 * x / w;
            double ci = -1.2 + 2.4 * y / h;
            double zr = 0.0, zi = 0.0;
            int it = 0;
            while (it < max_iter && zr * zr + zi * zi <= 4.0) {
                double t = zr * zr - zi * zi + cr;
                zi = 2.0 * zr * zi + ci;
                zr = t;
                it++;
            }
            total += it;
            putchar(it == max_iter ? '@' : shades[it % 9]);
        }
        putchar('\n');
    }
    printf("mandelbrot %dx%d iterations=%ld\n", w, h, total);
    return 0;
}
