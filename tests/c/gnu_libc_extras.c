/* GNU and POSIX odds and ends as glibc's: qsort_r (the same stable
   merge and comparisons as qsort), memccpy, mempcpy, strchrnul,
   rawmemchr, isascii, toascii, reallocarray (ENOMEM on overflow), sincos
   (sin's and cos's results, EDOM at infinity). */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
struct rec { int key; int seq; };
static int calls;
static int by_key_dir(const void *a, const void *b, void *dir) {
    calls++;
    const struct rec *x = a, *y = b;
    return (x->key - y->key) * *(int *)dir;
}
int main(void) {
    struct rec r[40];
    for (int i = 0; i < 40; i++) { r[i].key = (i * 7919) % 11; r[i].seq = i; }
    int dir = -1;
    qsort_r(r, 40, sizeof r[0], by_key_dir, &dir);
    for (int i = 0; i < 40; i++) printf("%d.%d ", r[i].key, r[i].seq);
    printf("| %d calls\n", calls);
    char buf[32];
    char *end = memccpy(buf, "hello, world", ',', sizeof buf);
    printf("%td %.*s\n", end - buf, (int)(end - buf), buf);
    printf("%p\n", memccpy(buf, "abc", 'z', 3));
    char *m = mempcpy(buf, "abc", 3);
    *m = 0;
    printf("%s %td\n", buf, m - buf);
    const char *s = "find:me";
    printf("%td %td\n", strchrnul(s, ':') - s, strchrnul(s, '#') - s);
    printf("%td\n", (char *)rawmemchr(s, 'm') - s);
    printf("%d %d %d %d\n", isascii(65), isascii(200), toascii(200), toascii(-1));
    errno = 0;
    void *p = reallocarray(NULL, SIZE_MAX / 2, 4);
    printf("%p %d\n", p, errno);
    int *q = reallocarray(NULL, 10, sizeof(int));
    q[9] = 5;
    printf("%d\n", q[9]);
    free(q);
    double sv, cv;
    for (double x = -3; x < 3; x += 0.7) {
        sincos(x, &sv, &cv);
        printf("%.6f %.6f %d\n", sv, cv, sv == sin(x) && cv == cos(x));
    }
    errno = 0;
    sincos(INFINITY, &sv, &cv);
    printf("%d %d %d\n", isnan(sv), isnan(cv), errno == EDOM);
    return 0;
}
