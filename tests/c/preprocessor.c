/* The preprocessor: object and function-like macros, # and ##, conditionals,
   local includes, predefined macros. */
#include <stdio.h>
#include "include/helper.h"
#include "include/helper.h"

#define N 10
#define SQUARE(x) ((x) * (x))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define STR(x) #x
#define XSTR(x) STR(x)
#define CAT(a, b) a##b
#define EMPTY
#define VARIADIC(fmt, ...) printf(fmt, __VA_ARGS__)
int rec = 21;
#define rec (rec * 2)

#if N > 5 && defined(SQUARE)
#define BIG 1
#elif N > 2
#define BIG 2
#else
#define BIG 3
#endif

#ifdef UNDEFINED_THING
#error "should not happen"
#endif

#ifndef HELPER_VALUE
#error "helper.h not included"
#endif

#if 0
this is skipped, even 'unbalanced quotes
#if 1
nested
#endif
#endif

#undef N
#define N 20

int main(void) {
    printf("%d %d %d\n", N, SQUARE(3 + 1), MAX(4, 9));
    printf("%s %s\n", STR(hello world), XSTR(N));
    int CAT(var, 1) = 5;
    printf("%d\n", var1);
    VARIADIC("%d %s\n", 3, "args");
    printf("%d %d\n", BIG, HELPER_VALUE);
    printf("%d\n", helper_twice(21));
    printf("%d\n", rec);
    printf("%d %d\n", __LINE__, __STDC__);
    printf("%s\n", __func__);
    EMPTY printf("empty\n");
#if defined N && N == 20
    printf("redefined\n");
#endif
#if (2 + 3) * 4 == 20 && !0 && (1 ? 1 : 0) && 'A' == 65
    printf("arith ok\n");
#endif
    return 0;
}
