/* Old-style (K&R) function definitions, which C99 still accepts: the
   identifier list names the parameters, the declarations before the body
   type them (int when left out), arrays and functions become pointers. */
#include <stdio.h>

static int add(a, b)
int a, b;
{
    return a + b;
}

static double scale(x, k)
    double x;
    float k;
{
    return x * k;
}

static int defaulted(n) { return n * 2; }

static int sum(v, n, f)
    int v[];
    int (*f)(int, int);
    unsigned n;
{
    int s = 0;
    for (unsigned i = 0; i < n; i++) s = f(s, v[i]);
    return s;
}

static char narrow(c) char c; { return c; }

static const char *pick(s, t, first) char *s, *t; int first; { return first ? s : t; }

int main(void) {
    int v[4] = { 1, 2, 3, 4 };
    printf("%d %.2f %d %d\n", add(2, 3), scale(1.5, 2.0f), defaulted(21), sum(v, 4, add));
    printf("%d %s\n", narrow(300), pick("left", "right", 0));
    return 0;
}
