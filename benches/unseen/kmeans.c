#include <stdio.h>
#include <stdlib.h>
/* k-means on float points (single precision), arrays of structs. */
struct pt { float x, y, z; int c; };
int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 200000, k = 16, iters = argc > 2 ? atoi(argv[2]) : 20;
    struct pt *p = malloc(sizeof *p * n);
    float cx[16], cy[16], cz[16];
    unsigned s = 99;
    for (int i = 0; i < n; i++) {
        s = s * 1103515245 + 12345; p[i].x = (s >> 8) % 1000 / 10.0f;
        s = s * 1103515245 + 12345; p[i].y = (s >> 8) % 1000 / 10.0f;
        s = s * 1103515245 + 12345; p[i].z = (s >> 8) % 1000 / 10.0f;
        p[i].c = 0;
    }
    for (int j = 0; j < k; j++) { cx[j] = p[j * 7].x; cy[j] = p[j * 7].y; cz[j] = p[j * 7].z; }
    for (int it = 0; it < iters; it++) {
        float sx[16] = {0}, sy[16] = {0}, sz[16] = {0}; int cnt[16] = {0};
        for (int i = 0; i < n; i++) {
            int best = 0; float bd = 1e30f;
            for (int j = 0; j < k; j++) {
                float dx = p[i].x - cx[j], dy = p[i].y - cy[j], dz = p[i].z - cz[j];
                float d = dx * dx + dy * dy + dz * dz;
                if (d < bd) { bd = d; best = j; }
            }
            p[i].c = best; sx[best] += p[i].x; sy[best] += p[i].y; sz[best] += p[i].z; cnt[best]++;
        }
        for (int j = 0; j < k; j++) if (cnt[j]) { cx[j] = sx[j] / cnt[j]; cy[j] = sy[j] / cnt[j]; cz[j] = sz[j] / cnt[j]; }
    }
    for (int j = 0; j < 4; j++) printf("%.3f %.3f %.3f\n", cx[j], cy[j], cz[j]);
    return 0;
}
