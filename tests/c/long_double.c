/* long double: binary64 arithmetic in a 16-byte, 16-aligned object.
   Values are chosen so gcc's 80-bit long double prints the same. */
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <float.h>
#include <stdarg.h>
#include <stddef.h>

struct S { char c; long double x; int i; };
union U { long double x; char b[20]; };
struct T { short s; struct S inner; };

static long double twice(long double v) { return v * 2; }

static long double sum(int n, ...) {
    va_list ap;
    va_start(ap, n);
    long double t = 0;
    for (int i = 0; i < n; i++) t += va_arg(ap, long double);
    va_end(ap);
    return t;
}

static void say(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
}

static long double table[4] = { 1.5L, -2.25L, 1e10L, 0x1p-3L };
static struct S gs = { 'g', 6.5L, 7 };

int main(void) {
    printf("%zu %zu %zu %zu\n", sizeof(long double), _Alignof(long double), sizeof(1.0L), sizeof(table));
    printf("%zu %zu %zu\n", sizeof(struct S), offsetof(struct S, x), offsetof(struct S, i));
    printf("%zu %zu %zu\n", sizeof(union U), sizeof(struct T), offsetof(struct T, inner));
    long double a = 1.5L, b = 0.25L;
    printf("%Lf %Lf %Lf %Lf\n", a + b, a - b, a * b, a / b);
    printf("%Le %Lg %.3Lf\n", a * 1000, b, twice(a));
    printf("%d %d %d\n", a > b, a == 1.5, (int)(a * 4));
    double d = a;
    float f = (float)b;
    long double from_int = 42, from_float = f, from_double = d;
    printf("%Lf %Lf %Lf %ld %u\n", from_int, from_float, from_double, (long)(a * 100), (unsigned)(long double)7.9L);
    printf("%Lf\n", sum(3, 1.0L, 2.5L, 0.25L));
    say("%d %Lf %*.*Lf %s %.1f|%%|%Lg\n", 1, 2.5L, 8, 2, 3.25L, "str", 4.5, 1e20L);
    for (int i = 0; i < 4; i++) printf("%Lg ", table[i]);
    printf("\n%c %Lf %d\n", gs.c, gs.x, gs.i);
    struct S s = { 'x', 0.5L, 3 };
    struct S t = s;
    t.x += 1;
    printf("%Lf %Lf %d\n", s.x, t.x, t.i);
    long double *heap = malloc(3 * sizeof *heap);
    heap[0] = 1; heap[1] = 2; heap[2] = heap[0] + heap[1];
    printf("%Lf\n", heap[2]);
    free(heap);
    printf("%Lf %Lf %Lf %Lf\n", sqrtl(16.0L), fabsl(-3.5L), powl(2.0L, 10.0L), floorl(2.75L));
    printf("%Lf %Lf %Lf\n", fmodl(7.5L, 2.0L), ceill(1.25L), ldexpl(1.0L, 4));
    char *end;
    printf("%Lf %s\n", strtold("12.5rest", &end), end);
    long double scanned = 0;
    sscanf("3.75", "%Lf", &scanned);
    printf("%Lf\n", scanned);
    printf("%d %d\n", LDBL_MAX > 1e300L, -LDBL_MAX < -1e300L);
    long double neg = -0.0L;
    printf("%Lf %d\n", neg, signbit(neg) != 0);
    printf("%.2Lf %d\n", (long double)(1LL << 40), (int)sizeof(long double[3]));
    return 0;
}
