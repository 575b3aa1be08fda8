/* The preprocessor of C11 as real code uses it: #line, _Pragma, computed
   #include, ## in object-like macros, the examples of C11 6.10.3.5,
   white space in #, line splices anywhere, a lone backslash stringized,
   and the predefined macros. */
#define STDIO <stdio.h>
#include STDIO
#define STR_H(x) #x
#include STR_H(string.h)

_Pragma("once")
#define DIAG _Pragma("GCC diagnostic push") _Pragma("GCC diagnostic pop")
DIAG

/* C11 6.10.3.3p4 */
#define hash_hash # ## #
#define mkstr(a) # a
#define in_between(a) mkstr(a)
#define join(c, d) in_between(c hash_hash d)

/* C11 6.10.3.5 EXAMPLE 4 */
#define str(s) # s
#define xstr(s) str(s)
#define debug(s, t) printf("x" # s "= %d, x" # t "= %s\n", \
 x ## s, x ## t)
#define INCFILE(n) vers ## n
#define glue(a, b) a ## b
#define xglue(a, b) glue(a, b)
#define HIGHLOW "hello"
#define LOW LOW ", world"

#define AB 42
#define CAT A ## B
#define PLUS + ## +
#define S(x) #x
#define XS(x) S(x)

int main(void) {
    int x1 = 7;
    const char *x2 = "two";
    char p[] = join(x, y);
    printf("%s\n", p);
    debug(1, 2);
    fputs(str(strncmp("abc\0d", "abc", '\4') // this goes away
          == 0) str(: @\n), stdout);
    printf("%s\n", xstr(INCFILE(2).h));
    printf("%s\n", glue(HIGH, LOW));
    printf("%s\n", xglue(HIGH, LOW));
    int n = 1;
    n PLUS;
    printf("%d %d\n", CAT, n);
    printf("[%s] [%s] [%s]\n", S(1
2), S(  a   +
      b  ), S(\\));
    /* phase 2: splices inside a keyword, an identifier and a number */
    int long_na\
me = 12\
34;
    printf("%d %d\n", (int)si\
zeof(int), long_name);
    printf("%s\n", "spl\
iced");
#line 500
    printf("%d %s\n", __LINE__, strrchr(__FILE__, '/') ? "dir" : "plain");
#line 42 "renamed.c"
    printf("%d %s\n", __LINE__, __FILE__);
#define LINE_NO 7
#line LINE_NO
    printf("%d %s\n", __LINE__, __FILE__);
# 90 "marker.c"
    printf("%d %s\n", __LINE__, __FILE__);
    printf("%ld\n", __STDC_VERSION__ >= 201112L ? 201112L : 0L);
    printf("%d %d\n", (int)sizeof(__DATE__), (int)sizeof(__TIME__));
    __SIZE_TYPE__ sz = sizeof(long);
    __PTRDIFF_TYPE__ pd = -1;
    __WCHAR_TYPE__ wc = 'w';
    printf("%zu %ld %d %d %ld %d\n", sz, pd, wc, __INT_MAX__, __LONG_MAX__,
           __SCHAR_MAX__ + __SHRT_MAX__);
    printf("%d %d\n", (int)sizeof(__SIZE_TYPE__), __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__);
    return 0;
}
