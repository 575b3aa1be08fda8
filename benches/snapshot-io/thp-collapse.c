/* Host experiment behind the request-latency discussion in
   benches/RESULTS.md (issues 11 and 13): the cost of first touches of
   anonymous memory with transparent huge pages at fault time
   (MADV_HUGEPAGE, as pivm advises VM memory) against 4 KiB pages collapsed
   afterwards (MADV_COLLAPSE, Linux 6.1+, as a background thread could), and
   fork's time after each, which is the forked snapshot writer's pause.
   usage: gcc -O2 thp-collapse.c -o c && ./c MIB 0   (4 KiB, then collapse)
                                         ./c MIB 1   (huge pages at fault) */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e3 + t.tv_nsec / 1e6; }
static double fork_ms(void) {
    double t = now();
    pid_t p = fork();
    if (p == 0) _exit(0);
    double d = now() - t;
    waitpid(p, NULL, 0);
    return d;
}
int main(int argc, char **argv) {
    size_t len = (size_t)(argc > 1 ? atol(argv[1]) : 1024) << 20;
    int mode = argc > 2 ? atoi(argv[2]) : 0; /* 0: 4K touch then collapse; 1: MADV_HUGEPAGE then touch */
    char *raw = mmap(NULL, len + (2 << 20), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    char *p = (char *)(((unsigned long)raw + (2 << 20) - 1) & ~((2UL << 20) - 1));
    if (mode == 1) madvise(p, len, MADV_HUGEPAGE);
    double t = now(), worst = 0;
    for (size_t i = 0; i < len; i += 4096) {
        double a = (i % (2 << 20) == 0) ? now() : 0;
        p[i] = 1;
        if (a) { double d = now() - a; if (d > worst) worst = d; }
    }
    printf("mode %d: touch %.1f ms (worst first touch of a 2 MiB range %.3f ms); fork %.2f ms\n", mode, now() - t, worst, fork_ms());
    if (mode == 0) {
        t = now();
        double w = 0; int ok = 0, fail = 0;
        for (size_t off = 0; off < len; off += 2 << 20) {
            double a = now();
            if (madvise(p + off, 2 << 20, MADV_COLLAPSE) == 0) ok++; else fail++;
            double d = now() - a; if (d > w) w = d;
        }
        printf("collapse: %.1f ms for %d chunks (%d failed), worst chunk %.3f ms; fork %.2f ms\n", now() - t, ok, fail, w, fork_ms());
    }
    return 0;
}
