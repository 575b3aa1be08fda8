/* Leaf functions with loops, each called from one place (`inline_loop_leaves`
   inlines those whose call sits in a loop making no other call, or in no
   loop): a population count, a digit sum with a `continue` around it, a
   checksum over an array; and, left as calls, a search that returns from
   inside its loop and a maximum, in a loop that also calls a recursive
   function, and a leaf with nested loops. Snapshots land inside the
   inlined loops. */
#include <stdio.h>
#include <stdlib.h>

static int popc(unsigned long x) {
    int c = 0;
    while (x) { x &= x - 1; c++; }
    return c;
}

static int digits(long v) {
    int s = 0;
    if (v < 0) v = -v;
    do { s += (int)(v % 10); v /= 10; } while (v);
    return s;
}

static unsigned checksum(const unsigned char *p, int n) {
    unsigned h = 2166136261u;
    for (int i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
    return h;
}

static int find(const int *a, int n, int key) {
    for (int i = 0; i < n; i++)
        if (a[i] == key) return i;
    return -1;
}

static int shift(int v) { return v * 3 + 1; }
static int shift2(int v) { return shift(v) ^ (v >> 2); }

static int scan(const int *a, int n) {
    int best = 0;
    for (int i = 0; i < n; i++) best = a[i] > best ? a[i] : best;
    return best;
}

static int depth(int v) { return v < 2 ? 0 : 1 + depth(v / 2); }

static long grid(int n) {
    long s = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) s += (long)(i ^ j) * (i + 1);
    return s;
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 2000;
    unsigned long x = 88172645463325252UL;
    long bits = 0, dsum = 0;
    for (int i = 0; i < n; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        bits += popc(x);
        if ((x & 3) == 0) continue;
        dsum += digits((long)(x >> 20) - (long)(x >> 40));
    }
    printf("bits %ld digits %ld\n", bits, dsum);

    unsigned char *buf = malloc(256);
    int *a = malloc(sizeof(int) * 64);
    unsigned sums = 0;
    for (int r = 0; r < n / 4; r++) {
        for (int k = 0; k < 256; k++) buf[k] = (unsigned char)(k * 7 + r);
        sums ^= checksum(buf, 1 + r % 256);
    }
    for (int k = 0; k < 64; k++) a[k] = (k * 37) % 101;
    long found = 0, peaks = 0;
    for (int r = 0; r < n / 2; r++) {
        found += find(a, 64, r % 101);
        a[r % 64] = shift2(a[r % 64]) % 101;
        peaks += scan(a, 1 + r % 64) + depth(r + 1);
    }
    printf("sums %u found %ld peaks %ld grid %ld\n", sums, found, peaks, grid(n / 40));
    free(buf);
    free(a);
    return 0;
}
