/* Variadic functions with <stdarg.h>: va_start, va_arg of every promoted
   type and of structs, va_copy, va_end, va_list passed on to the v*printf
   family and to functions of the program, function pointers. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct pair {
    int a;
    double b;
};

static long sum(int n, ...) {
    va_list ap;
    long s = 0;
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        s += va_arg(ap, int);
    va_end(ap);
    return s;
}

static double mixed(const char *kinds, ...) {
    va_list ap;
    double total = 0;
    va_start(ap, kinds);
    for (const char *k = kinds; *k; k++) {
        switch (*k) {
        case 'i':
            total += va_arg(ap, int);
            break;
        case 'u':
            total += va_arg(ap, unsigned);
            break;
        case 'l':
            total += (double)va_arg(ap, long);
            break;
        case 'd':
            total += va_arg(ap, double);
            break;
        case 's':
            total += strlen(va_arg(ap, char *));
            break;
        case 'p': {
            struct pair p = va_arg(ap, struct pair);
            total += p.a * p.b;
            break;
        }
        }
    }
    va_end(ap);
    return total;
}

static int logf_(char *buf, size_t cap, const char *fmt, ...) {
    va_list ap, again;
    va_start(ap, fmt);
    va_copy(again, ap);
    int n = vsnprintf(buf, cap, fmt, ap);
    char big[256];
    int m = vsprintf(big, fmt, again);
    va_end(again);
    va_end(ap);
    printf("[%d %d %s]\n", n, m, big);
    return n;
}

static void report(const char *fmt, va_list ap) {
    printf("report: ");
    vprintf(fmt, ap);
    printf("\n");
}

static void say(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    report(fmt, ap);
    va_end(ap);
    va_start(ap, fmt);
    vfprintf(stdout, fmt, ap);
    va_end(ap);
    putchar('\n');
}

static int count_until_zero(int first, ...) {
    va_list ap;
    int n = 0;
    va_start(ap, first);
    for (int v = first; v != 0; v = va_arg(ap, int))
        n++;
    va_end(ap);
    return n;
}

static long depth(int n, ...) {
    va_list ap;
    va_start(ap, n);
    long v = va_arg(ap, long);
    va_end(ap);
    if (n == 0)
        return v;
    return depth(n - 1, v * 2 + n, "unused") + 1;
}

int main(void) {
    char c = 'A';
    short sh = -3;
    float f = 1.5f;
    struct pair p = {3, 2.5};
    char buf[8];
    long (*fp)(int, ...) = sum;
    printf("%ld %ld %ld\n", sum(0), sum(3, 1, 2, 3), fp(4, c, sh, 10, -20));
    printf("%.3f\n", mixed("iuldsp", -7, 4000000000u, 1L << 40, 0.25, "hello", p));
    printf("%.2f\n", mixed("dd", f, (double)c));
    logf_(buf, sizeof buf, "%s-%d-%5.2f-%c", "abcdef", 42, 3.14159, 'z');
    printf("buf=%s\n", buf);
    say("%d items at %s, %x %lu %%", 3, "noon", 255u, 123456789012UL);
    printf("%d\n", count_until_zero(5, 6, 7, 8, 0));
    printf("%ld\n", depth(5, 1L));
    return 0;
}
