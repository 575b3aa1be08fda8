#include <stdio.h>
#include <stdlib.h>
/* Shortest paths on a random graph: adjacency arrays, a binary heap of
   structs, relaxations. */
struct edge { int to, w; };
struct item { long d; int v; };
static struct item *heap; static int hn;
static void push(long d, int v) {
    int i = hn++;
    while (i > 0) { int p = (i - 1) / 2; if (heap[p].d <= d) break; heap[i] = heap[p]; i = p; }
    heap[i].d = d; heap[i].v = v;
}
static struct item pop(void) {
    struct item top = heap[0], last = heap[--hn];
    int i = 0;
    for (;;) {
        int c = 2 * i + 1;
        if (c >= hn) break;
        if (c + 1 < hn && heap[c + 1].d < heap[c].d) c++;
        if (heap[c].d >= last.d) break;
        heap[i] = heap[c]; i = c;
    }
    heap[i] = last;
    return top;
}
int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 200000, deg = 8;
    struct edge *e = malloc(sizeof *e * (long)n * deg);
    unsigned x = 7;
    for (long i = 0; i < (long)n * deg; i++) { x = x * 1103515245 + 12345; e[i].to = (x >> 8) % n; e[i].w = 1 + (x >> 4) % 100; }
    long *dist = malloc(sizeof *dist * n);
    heap = malloc(sizeof *heap * (long)n * deg + 16);
    long total = 0;
    for (int src = 0; src < 3; src++) {
        for (int i = 0; i < n; i++) dist[i] = -1;
        hn = 0; push(0, src * 1000);
        long done = 0;
        while (hn) {
            struct item it = pop();
            if (dist[it.v] >= 0) continue;
            dist[it.v] = it.d; done++;
            for (int k = 0; k < deg; k++) { struct edge *g = &e[(long)it.v * deg + k]; if (dist[g->to] < 0) push(it.d + g->w, g->to); }
        }
        for (int i = 0; i < n; i++) total += dist[i];
        printf("src %d reached %ld\n", src * 1000, done);
    }
    printf("total %ld\n", total);
    return 0;
}
