/* _Generic: selection by the controlling expression's type after lvalue
   conversion, exact compatibility, default, and tgmath-style macros. */
#include <stdio.h>
#include <math.h>

#define type_name(x) _Generic((x), \
    _Bool: "_Bool", char: "char", signed char: "signed char", \
    unsigned char: "unsigned char", short: "short", unsigned short: "unsigned short", \
    int: "int", unsigned: "unsigned", long: "long", unsigned long: "unsigned long", \
    long long: "long long", unsigned long long: "unsigned long long", \
    float: "float", double: "double", char *: "char *", const char *: "const char *", \
    int *: "int *", const int *: "const int *", void *: "void *", int (*)[3]: "int (*)[3]", \
    int (*)(int): "int (*)(int)", struct pt: "struct pt", default: "other")

struct pt { int x, y; };

#define my_sqrt(x) _Generic((x), float: sqrtf, default: sqrt)(x)
#define my_abs(x) _Generic((x), int: abs_i, long: labs_l, double: fabs, float: fabsf)(x)
#define cbrt_g(x) _Generic((x), float: cbrtf((float)(x)), default: cbrt((double)(x)))

static int abs_i(int v) { return v < 0 ? -v : v; }
static long labs_l(long v) { return v < 0 ? -v : v; }
static int twice(int v) { return 2 * v; }

int main(void) {
    int i = 3;
    const int ci = 4;
    int arr[3] = { 1, 2, 3 };
    int mat[2][3] = { { 0 } };
    char buf[8] = "hi";
    struct pt p = { 1, 2 };
    short s = 1;
    unsigned char uc = 200;
    printf("%s\n", type_name(i));
    printf("%s\n", type_name(ci));
    printf("%s\n", type_name(arr));
    printf("%s\n", type_name(mat));
    printf("%s\n", type_name(buf));
    printf("%s\n", type_name("lit"));
    printf("%s\n", type_name(p));
    printf("%s\n", type_name(twice));
    printf("%s\n", type_name(s));
    printf("%s\n", type_name(s + s));
    printf("%s\n", type_name(uc));
    printf("%s\n", type_name(+uc));
    printf("%s\n", type_name('a'));
    printf("%s\n", type_name(1.0f));
    printf("%s\n", type_name(1.0));
    printf("%s\n", type_name(1L));
    printf("%s\n", type_name(1LL));
    printf("%s\n", type_name(1UL));
    printf("%s\n", type_name(1ULL));
    printf("%s\n", type_name(sizeof(int)));
    printf("%s\n", type_name((void *)0));
    printf("%s\n", type_name(&p));
    printf("%s\n", type_name((_Bool)1));
    printf("%s\n", type_name(i == 1));
    printf("%s\n", type_name(&arr));
    const char *cs = "x";
    const char cbuf[] = "y";
    char *ms = buf;
    static const int *gp;
    printf("%s %s %s %s\n", type_name(cs), type_name(cbuf), type_name(ms), type_name(gp));
    /* The controlling expression is not evaluated. */
    int n = 0;
    int r = _Generic(n++, int: 10, default: 20);
    printf("%d %d\n", r, n);
    /* The result is the association's expression (an lvalue if it is). */
    _Generic(i, int: i, default: n) = 42;
    printf("%d\n", i);
    printf("%.4f %.4f\n", my_sqrt(2.0f), my_sqrt(2.0));
    printf("%d %ld %.1f %.1f\n", my_abs(-5), my_abs(-7L), my_abs(-2.5), my_abs(-1.5f));
    printf("%.3f %.3f\n", cbrt_g(27), cbrt_g(8.0f));
    printf("%d\n", (int)sizeof(_Generic(1.0f, float: 1.0f, default: 1.0)));
    /* A bit-field narrower than its type matches only default (gcc). */
    struct bits { unsigned a : 1; int b : 3; unsigned c : 32; _Bool e : 1; } bf = { 1, -1, 7, 1 };
    printf("%s %s %s %s %s\n", type_name(bf.a), type_name(bf.b), type_name(bf.c), type_name(bf.e),
           type_name(bf.a + 0));
    return 0;
}
