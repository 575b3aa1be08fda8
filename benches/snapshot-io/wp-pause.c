/* Host experiment behind issue 13's forked-pause discussion in
   benches/RESULTS.md: what it costs to freeze a populated heap for a
   snapshot, by fork (the forked writer's pause: page tables copied) and by
   write-protecting it with userfaultfd (what a copy-before-write writer
   would pause for, UFFDIO_WRITEPROTECT over the range), and mprotect for
   comparison; then what the first write to each protected page costs (an
   asynchronous write-protect fault, resolved in the kernel). Each with 4
   KiB pages and with transparent huge pages (MADV_HUGEPAGE).
   usage: gcc -O2 wp-pause.c -o w && ./w MIB       (4 KiB pages)
                                     ./w MIB h     (huge pages) */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifndef UFFD_FEATURE_WP_UNPOPULATED
#define UFFD_FEATURE_WP_UNPOPULATED (1 << 13)
#endif
#ifndef UFFD_FEATURE_WP_ASYNC
#define UFFD_FEATURE_WP_ASYNC (1 << 15)
#endif
#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

int main(int argc, char **argv) {
    size_t mib = argc > 1 ? strtoul(argv[1], 0, 10) : 1024;
    size_t len = mib << 20;
    int huge = argc > 2 && argv[2][0] == 'h';
    char *p = mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    if (huge) madvise(p, len, MADV_HUGEPAGE);
    memset(p, 1, len);

    double t = now();
    pid_t c = fork();
    if (c == 0) _exit(0);
    double fork_ms = now() - t;
    waitpid(c, 0, 0);

    int uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
    if (uffd < 0) {
        perror("userfaultfd");
        return 1;
    }
    struct uffdio_api api = {.api = UFFD_API,
                             .features = UFFD_FEATURE_WP_ASYNC | UFFD_FEATURE_WP_UNPOPULATED};
    struct uffdio_register reg = {.range = {(unsigned long)p, len},
                                  .mode = UFFDIO_REGISTER_MODE_WP};
    if (ioctl(uffd, UFFDIO_API, &api) || ioctl(uffd, UFFDIO_REGISTER, &reg)) {
        perror("userfaultfd setup");
        return 1;
    }
    struct uffdio_writeprotect wp = {.range = {(unsigned long)p, len},
                                     .mode = UFFDIO_WRITEPROTECT_MODE_WP};
    t = now();
    if (ioctl(uffd, UFFDIO_WRITEPROTECT, &wp)) {
        perror("UFFDIO_WRITEPROTECT");
        return 1;
    }
    double wp_ms = now() - t;
    t = now();
    for (size_t i = 0; i < len; i += 4096) p[i] = 2;
    double writes_ms = now() - t;
    t = now();
    mprotect(p, len, PROT_READ);
    double mprotect_ms = now() - t;
    printf("%zu MiB %s pages: fork %.2f ms, UFFDIO_WRITEPROTECT %.2f ms, first write to "
           "each 4 KiB after it %.0f ms in all, mprotect %.2f ms\n",
           mib, huge ? "huge" : "4 KiB", fork_ms, wp_ms, writes_ms, mprotect_ms);
    return 0;
}
