#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* LZ77 with a hash of 3-byte prefixes: byte loads, match extension,
   then decompression checked against the input. */
int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 4000000;
    unsigned char *in = malloc(n), *out = malloc(n * 2 + 16), *back = malloc(n);
    unsigned x = 1;
    for (int i = 0; i < n; i++) {
        x = x * 1664525 + 1013904223;
        if (i > 64 && (x >> 28) < 11) in[i] = in[i - 1 - (x >> 20) % 64]; else in[i] = 'a' + (x >> 24) % 20;
    }
    int *head = malloc(sizeof(int) * 65536);
    for (int i = 0; i < 65536; i++) head[i] = -1;
    int o = 0, i = 0;
    while (i < n) {
        int best = 0, dist = 0;
        if (i + 3 <= n) {
            unsigned h = ((in[i] << 16 | in[i + 1] << 8 | in[i + 2]) * 2654435761u) >> 16;
            int c = head[h];
            head[h] = i;
            if (c >= 0 && i - c < 65535) {
                int l = 0;
                while (i + l < n && l < 255 && in[c + l] == in[i + l]) l++;
                if (l >= 3) { best = l; dist = i - c; }
            }
        }
        if (best) { out[o++] = 1; out[o++] = best; out[o++] = dist & 255; out[o++] = dist >> 8; i += best; }
        else { out[o++] = 0; out[o++] = in[i++]; }
    }
    int p = 0, q = 0;
    while (p < o) {
        if (out[p] == 0) { back[q++] = out[p + 1]; p += 2; }
        else { int l = out[p + 1], d = out[p + 2] | out[p + 3] << 8; for (int k = 0; k < l; k++, q++) back[q] = back[q - d]; p += 4; }
    }
    printf("%d -> %d bytes, %s\n", n, o, q == n && memcmp(in, back, n) == 0 ? "ok" : "MISMATCH");
    return 0;
}
