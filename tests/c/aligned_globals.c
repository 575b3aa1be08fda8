/* Globals and static locals aligned beyond their types (_Alignas, alignas,
   __attribute__((aligned)), struct types that ask it, long double): their
   addresses are multiples of what they ask, as gcc places them, and the
   values stored there are read back. */
#include <stdio.h>
#include <stdint.h>
#include <stdalign.h>
static double a[8] __attribute__((aligned(64)));
_Alignas(128) char buf[10];
alignas(32) int counters[3] = {1, 2, 3};
long double ld = 1.5L;
char pad1;
struct cl { long n; } __attribute__((aligned(64)));
struct cl line = { 5 };
char pad2;
struct cl lines[2];
int main(void) {
    static _Alignas(256) short s[4];
    printf("%d %d %d %d %d %d %d\n", (int)((uintptr_t)a % 64), (int)((uintptr_t)buf % 128),
           (int)((uintptr_t)counters % 32), (int)((uintptr_t)&ld % 16),
           (int)((uintptr_t)&line % 64), (int)((uintptr_t)lines % 64), (int)((uintptr_t)s % 256));
    a[3] = 2.5; buf[9] = 'x'; s[3] = 7;
    /* A loop (safepoints) over the aligned objects. */
    double t = 0;
    for (int i = 0; i < 2000; i++) {
        a[i % 8] += i * 0.5;
        lines[i % 2].n += i;
        t += a[(i + 3) % 8] + (double)lines[(i + 1) % 2].n;
    }
    printf("%g %ld %ld\n", t, lines[0].n, lines[1].n);
    printf("%g %c %d %d %Lg %ld %d %d\n", a[3], buf[9], counters[2], s[3], ld, line.n, pad1, pad2);
    return 0;
}
