/* Small leaf functions that pivm inlines into their callers
   (ir/src/inline.rs): structs passed and returned by value (their slots
   join the caller's frame), accessors through pointers, helpers with local
   arrays and builtin calls. With no argument it prints what it computes;
   with an argument 1..6 a helper traps (vm/tests/inline.rs checks that the
   trap names the helper and its line on both engines). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct { double x, y, z; } vec;
typedef struct { int w, h; int *cells; } grid;

static vec add(vec a, vec b) { vec r = { a.x + b.x, a.y + b.y, a.z + b.z }; return r; }
static vec scale(vec a, double s) { vec r = { a.x * s, a.y * s, a.z * s }; return r; }
static double dot(vec a, vec b) { return a.x * b.x + a.y * b.y + a.z * b.z; }

static int get(const grid *g, int x, int y) { return g->cells[y * g->w + x]; }
static void put(grid *g, int x, int y, int v) { g->cells[y * g->w + x] = v; }

static int ratio(int a, int b) { return a / b; }

static unsigned digest(const char *s) {
    char buf[32];
    size_t n = strlen(s);
    if (n >= sizeof buf)
        n = sizeof buf - 1;
    memcpy(buf, s, n);
    buf[n] = 0;
    unsigned h = 2166136261u;
    h = (h ^ (unsigned char)buf[0]) * 16777619u;
    h = (h ^ (unsigned)n) * 16777619u;
    return h ^ (unsigned char)buf[n / 2];
}

static int *fresh(int n) {
    int *p = malloc(n * sizeof *p);
    memset(p, 0, n * sizeof *p);
    return p;
}

static void note(int i, double v) { printf("step %d: %.6f\n", i, v); }

int main(int argc, char **argv) {
    int mode = argc > 1 ? atoi(argv[1]) : 0;
    grid g = { 8, 6, fresh(48) };
    if (mode == 1) {
        grid *none = 0;
        printf("%d\n", get(none, 1, 1));
    }
    if (mode == 2)
        put(&g, 0, 1000000, 7);
    if (mode == 3)
        printf("%d\n", ratio(7, mode - 3));
    if (mode == 4)
        printf("%u\n", digest((const char *)16));
    if (mode == 5) {
        g.cells = (int *)8;
        printf("%d\n", get(&g, 0, 0));
    }
    vec p = { 1, 2, 3 }, v = { 0.1, 0.2, 0.3 };
    double e = 0;
    for (int i = 0; i < 2000; i++) {
        p = add(p, scale(v, 0.001));
        v = add(v, scale(p, -0.001));
        e += dot(p, v);
        put(&g, i % 8, i % 6, get(&g, (i + 1) % 8, (i + 5) % 6) + ratio(i, 3));
        if (i % 400 == 0)
            note(i, e);
    }
    printf("%.9f %.9f %.9f %.9f\n", p.x, p.y, p.z, e);
    long t = 0;
    for (int y = 0; y < 6; y++)
        for (int x = 0; x < 8; x++)
            t = t * 31 + get(&g, x, y);
    const char *words[] = { "alpha", "beta", "a somewhat longer word than the buffer" };
    for (int i = 0; i < 3; i++)
        printf("%s %u\n", words[i], digest(words[i]));
    printf("%ld\n", t);
    free(g.cells);
    return 0;
}
