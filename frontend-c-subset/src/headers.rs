//! The standard headers pivm provides, embedded as C text. They declare
//! exactly the runtime functions of `pivm_ir::Builtin` with C
//! types (LP64: `size_t` and `long` are 64 bits), plus macros, typedefs and
//! small static functions (ctype, float variants of math functions) that
//! need no runtime support. Values match glibc on x86_64 where a program
//! can observe them (the `ctype` class bits, `RAND_MAX`, `EOF`, `SEEK_*`),
//! so programs print the same under pivm and under gcc.

/// The header names `#include <...>` accepts.
pub const NAMES: &[&str] = &[
    "assert.h",
    "ctype.h",
    "float.h",
    "limits.h",
    "math.h",
    "stdarg.h",
    "stdbool.h",
    "stddef.h",
    "stdint.h",
    "stdio.h",
    "stdlib.h",
    "string.h",
    "time.h",
];

/// The text of an embedded header.
pub fn get(name: &str) -> Option<&'static str> {
    Some(match name {
        "stdio.h" => STDIO,
        "stdlib.h" => STDLIB,
        "string.h" => STRING,
        "math.h" => MATH,
        "stdarg.h" => STDARG,
        "stdint.h" => STDINT,
        "stdbool.h" => STDBOOL,
        "stddef.h" => STDDEF,
        "limits.h" => LIMITS,
        "ctype.h" => CTYPE,
        "assert.h" => ASSERT,
        "float.h" => FLOAT,
        "time.h" => TIME,
        _ => return None,
    })
}

const STDDEF: &str = r#"#ifndef __PIVM_STDDEF_H
#define __PIVM_STDDEF_H
typedef unsigned long size_t;
typedef long ptrdiff_t;
typedef int wchar_t;
#define NULL ((void *)0)
#define offsetof(type, member) ((size_t)&(((type *)0)->member))
#endif
"#;

/// Variadic functions (pivm-cc's convention, see `lower.rs`): a call
/// passes the variadic arguments, promoted, in 8-byte cells of VM memory
/// (a struct in as many as it fills), and the callee's hidden parameter
/// `__va_area` is their address. A `va_list` is a pointer to the next
/// cell, so it is plain VM data: a snapshot between `va_start` and
/// `va_end` resumes on any host.
const STDARG: &str = r#"#ifndef __PIVM_STDARG_H
#define __PIVM_STDARG_H
typedef char *__pivm_va_list;
typedef __pivm_va_list va_list;
#define __pivm_va_cell(type) ((sizeof(type) + 7) / 8 * 8)
#define va_start(ap, last) ((void)((ap) = __va_area))
#define va_arg(ap, type) (*(type *)(((ap) += __pivm_va_cell(type)) - __pivm_va_cell(type)))
#define va_copy(dst, src) ((void)((dst) = (src)))
#define va_end(ap) ((void)(ap))
#endif
"#;

const STDIO: &str = r#"#ifndef __PIVM_STDIO_H
#define __PIVM_STDIO_H
#include <stddef.h>
typedef struct __pivm_FILE FILE;
#define EOF (-1)
#define stdin ((FILE *)1)
#define stdout ((FILE *)2)
#define stderr ((FILE *)3)
#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2
#define BUFSIZ 8192
int printf(const char *fmt, ...);
int fprintf(FILE *stream, const char *fmt, ...);
int sprintf(char *s, const char *fmt, ...);
int snprintf(char *s, size_t n, const char *fmt, ...);
typedef char *__pivm_va_list;
int vprintf(const char *fmt, __pivm_va_list ap);
int vfprintf(FILE *stream, const char *fmt, __pivm_va_list ap);
int vsprintf(char *s, const char *fmt, __pivm_va_list ap);
int vsnprintf(char *s, size_t n, const char *fmt, __pivm_va_list ap);
int putchar(int c);
int puts(const char *s);
int fputc(int c, FILE *stream);
int fputs(const char *s, FILE *stream);
size_t fwrite(const void *p, size_t size, size_t n, FILE *stream);
size_t fread(void *p, size_t size, size_t n, FILE *stream);
int fflush(FILE *stream);
int getchar(void);
int fgetc(FILE *stream);
char *fgets(char *s, int n, FILE *stream);
FILE *fopen(const char *path, const char *mode);
int fclose(FILE *stream);
int fseek(FILE *stream, long offset, int whence);
long ftell(FILE *stream);
int feof(FILE *stream);
#define putc(c, stream) fputc(c, stream)
#define getc(stream) fgetc(stream)
#endif
"#;

const STDLIB: &str = r#"#ifndef __PIVM_STDLIB_H
#define __PIVM_STDLIB_H
#include <stddef.h>
#define EXIT_SUCCESS 0
#define EXIT_FAILURE 1
#define RAND_MAX 2147483647
void *malloc(size_t size);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t size);
void free(void *p);
void exit(int status);
void abort(void);
int abs(int x);
long labs(long x);
long long llabs(long long x);
int atoi(const char *s);
long atol(const char *s);
double atof(const char *s);
long strtol(const char *s, char **end, int base);
unsigned long strtoul(const char *s, char **end, int base);
double strtod(const char *s, char **end);
int rand(void);
void srand(unsigned seed);
void *memcpy(void *dst, const void *src, size_t n);
/* qsort is a stable merge sort, like glibc's (so equal keys end up in the
   same order as under gcc); bsearch is a plain binary search. */
static void __pivm_msort(char *b, size_t n, size_t s, int (*cmp)(const void *, const void *), char *tmp) {
    if (n <= 1) return;
    size_t n1 = n / 2, n2 = n - n1;
    char *b1 = b, *b2 = b + n1 * s, *t = tmp;
    __pivm_msort(b1, n1, s, cmp, tmp);
    __pivm_msort(b2, n2, s, cmp, tmp);
    while (n1 > 0 && n2 > 0) {
        if (cmp(b1, b2) <= 0) { memcpy(t, b1, s); b1 += s; n1--; }
        else { memcpy(t, b2, s); b2 += s; n2--; }
        t += s;
    }
    if (n1 > 0) memcpy(t, b1, n1 * s);
    memcpy(b, tmp, (n - n2) * s);
}
static void qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *)) {
    char *tmp = malloc(n * size + 1);
    __pivm_msort(base, n, size, cmp, tmp);
    free(tmp);
}
static void *bsearch(const void *key, const void *base, size_t n, size_t size, int (*cmp)(const void *, const void *)) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const char *p = (const char *)base + mid * size;
        int c = cmp(key, p);
        if (c < 0) hi = mid;
        else if (c > 0) lo = mid + 1;
        else return (void *)p;
    }
    return NULL;
}
#endif
"#;

const STRING: &str = r#"#ifndef __PIVM_STRING_H
#define __PIVM_STRING_H
#include <stddef.h>
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *p, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strcpy(char *dst, const char *src);
char *strncpy(char *dst, const char *src, size_t n);
char *strcat(char *dst, const char *src);
char *strncat(char *dst, const char *src, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
char *strstr(const char *s, const char *needle);
char *strdup(const char *s);
static size_t strspn(const char *s, const char *accept) {
    size_t n = 0;
    while (s[n] && strchr(accept, s[n])) n++;
    return n;
}
static size_t strcspn(const char *s, const char *reject) {
    size_t n = 0;
    while (s[n] && !strchr(reject, s[n])) n++;
    return n;
}
static char *strpbrk(const char *s, const char *accept) {
    for (; *s; s++)
        if (strchr(accept, *s)) return (char *)s;
    return NULL;
}
static void *memchr(const void *p, int c, size_t n) {
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i] == (unsigned char)c) return (void *)(b + i);
    return NULL;
}
static char *strtok(char *s, const char *delim) {
    static char *next;
    if (!s) s = next;
    if (!s) return NULL;
    s += strspn(s, delim);
    if (!*s) {
        next = NULL;
        return NULL;
    }
    char *end = s + strcspn(s, delim);
    if (*end) {
        *end = 0;
        next = end + 1;
    } else {
        next = NULL;
    }
    return s;
}
#endif
"#;

const MATH: &str = r#"#ifndef __PIVM_MATH_H
#define __PIVM_MATH_H
#define M_PI 3.14159265358979323846
#define M_E 2.7182818284590452354
#define M_SQRT2 1.41421356237309504880
#define M_LN2 0.69314718055994530942
#define HUGE_VAL __pivm_huge_val
#define INFINITY __pivm_inff
#define NAN __pivm_nanf
double sqrt(double x);
double sin(double x);
double cos(double x);
double tan(double x);
double asin(double x);
double acos(double x);
double atan(double x);
double atan2(double y, double x);
double sinh(double x);
double cosh(double x);
double tanh(double x);
double exp(double x);
double log(double x);
double log10(double x);
double log2(double x);
double pow(double x, double y);
double fabs(double x);
double floor(double x);
double ceil(double x);
double round(double x);
double trunc(double x);
double fmod(double x, double y);
double hypot(double x, double y);
double fmin(double x, double y);
double fmax(double x, double y);
static float sqrtf(float x) { return (float)sqrt(x); }
static float fabsf(float x) { return (float)fabs(x); }
static float floorf(float x) { return (float)floor(x); }
static float ceilf(float x) { return (float)ceil(x); }
static float roundf(float x) { return (float)round(x); }
static float truncf(float x) { return (float)trunc(x); }
static float fminf(float x, float y) { return (float)fmin(x, y); }
static float fmaxf(float x, float y) { return (float)fmax(x, y); }
static float sinf(float x) { return (float)sin(x); }
static float cosf(float x) { return (float)cos(x); }
static float expf(float x) { return (float)exp(x); }
static float logf(float x) { return (float)log(x); }
static float powf(float x, float y) { return (float)pow(x, y); }
static int isnan(double x) { return x != x; }
static int isinf(double x) { return x == HUGE_VAL ? 1 : x == -HUGE_VAL ? -1 : 0; }
static int isfinite(double x) { return x == x && x != HUGE_VAL && x != -HUGE_VAL; }
#endif
"#;

const STDINT: &str = r#"#ifndef __PIVM_STDINT_H
#define __PIVM_STDINT_H
typedef signed char int8_t;
typedef short int16_t;
typedef int int32_t;
typedef long int64_t;
typedef unsigned char uint8_t;
typedef unsigned short uint16_t;
typedef unsigned int uint32_t;
typedef unsigned long uint64_t;
typedef long intptr_t;
typedef unsigned long uintptr_t;
typedef long intmax_t;
typedef unsigned long uintmax_t;
typedef signed char int_least8_t;
typedef short int_least16_t;
typedef int int_least32_t;
typedef long int_least64_t;
typedef unsigned char uint_least8_t;
typedef unsigned short uint_least16_t;
typedef unsigned int uint_least32_t;
typedef unsigned long uint_least64_t;
typedef signed char int_fast8_t;
typedef long int_fast16_t;
typedef long int_fast32_t;
typedef long int_fast64_t;
typedef unsigned char uint_fast8_t;
typedef unsigned long uint_fast16_t;
typedef unsigned long uint_fast32_t;
typedef unsigned long uint_fast64_t;
#define INT8_MIN (-128)
#define INT16_MIN (-32767-1)
#define INT32_MIN (-2147483647-1)
#define INT64_MIN (-9223372036854775807L-1)
#define INT8_MAX 127
#define INT16_MAX 32767
#define INT32_MAX 2147483647
#define INT64_MAX 9223372036854775807L
#define UINT8_MAX 255
#define UINT16_MAX 65535
#define UINT32_MAX 4294967295U
#define UINT64_MAX 18446744073709551615UL
#define INTPTR_MIN INT64_MIN
#define INTPTR_MAX INT64_MAX
#define UINTPTR_MAX UINT64_MAX
#define INTMAX_MIN INT64_MIN
#define INTMAX_MAX INT64_MAX
#define UINTMAX_MAX UINT64_MAX
#define SIZE_MAX UINT64_MAX
#define PTRDIFF_MIN INT64_MIN
#define PTRDIFF_MAX INT64_MAX
#define INT8_C(c) c
#define INT16_C(c) c
#define INT32_C(c) c
#define INT64_C(c) c ## L
#define UINT8_C(c) c
#define UINT16_C(c) c
#define UINT32_C(c) c ## U
#define UINT64_C(c) c ## UL
#define INTMAX_C(c) c ## L
#define UINTMAX_C(c) c ## UL
#endif
"#;

const STDBOOL: &str = r#"#ifndef __PIVM_STDBOOL_H
#define __PIVM_STDBOOL_H
#define bool _Bool
#define true 1
#define false 0
#define __bool_true_false_are_defined 1
#endif
"#;

const LIMITS: &str = r#"#ifndef __PIVM_LIMITS_H
#define __PIVM_LIMITS_H
#define CHAR_BIT 8
#define SCHAR_MIN (-128)
#define SCHAR_MAX 127
#define UCHAR_MAX 255
#define CHAR_MIN SCHAR_MIN
#define CHAR_MAX SCHAR_MAX
#define SHRT_MIN (-32768)
#define SHRT_MAX 32767
#define USHRT_MAX 65535
#define INT_MIN (-2147483647-1)
#define INT_MAX 2147483647
#define UINT_MAX 4294967295U
#define LONG_MIN (-9223372036854775807L-1)
#define LONG_MAX 9223372036854775807L
#define ULONG_MAX 18446744073709551615UL
#define LLONG_MIN (-9223372036854775807LL-1)
#define LLONG_MAX 9223372036854775807LL
#define ULLONG_MAX 18446744073709551615ULL
#endif
"#;

const CTYPE: &str = r#"#ifndef __PIVM_CTYPE_H
#define __PIVM_CTYPE_H
static int isupper(int c) { return c >= 'A' && c <= 'Z' ? 256 : 0; }
static int islower(int c) { return c >= 'a' && c <= 'z' ? 512 : 0; }
static int isalpha(int c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ? 1024 : 0; }
static int isdigit(int c) { return c >= '0' && c <= '9' ? 2048 : 0; }
static int isxdigit(int c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ? 4096 : 0; }
static int isspace(int c) { return c == ' ' || (c >= 9 && c <= 13) ? 8192 : 0; }
static int isprint(int c) { return c >= 32 && c < 127 ? 16384 : 0; }
static int isgraph(int c) { return c > 32 && c < 127 ? 32768 : 0; }
static int iscntrl(int c) { return (c >= 0 && c < 32) || c == 127 ? 2 : 0; }
static int isblank(int c) { return c == ' ' || c == '\t' ? 1 : 0; }
static int isalnum(int c) { return isalpha(c) || isdigit(c) ? 8 : 0; }
static int ispunct(int c) { return isgraph(c) && !isalnum(c) ? 4 : 0; }
static int toupper(int c) { return c >= 'a' && c <= 'z' ? c - 32 : c; }
static int tolower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }
#endif
"#;

const ASSERT: &str = r#"#undef assert
#ifdef NDEBUG
#define assert(e) ((void)0)
#else
void __pivm_assert_fail(const char *expr, const char *file, int line);
#define assert(e) ((e) ? (void)0 : __pivm_assert_fail(#e, __FILE__, __LINE__))
#endif
"#;

const FLOAT: &str = r#"#ifndef __PIVM_FLOAT_H
#define __PIVM_FLOAT_H
#define FLT_RADIX 2
#define FLT_MANT_DIG 24
#define DBL_MANT_DIG 53
#define FLT_DIG 6
#define DBL_DIG 15
#define FLT_EPSILON 1.19209290e-7F
#define DBL_EPSILON 2.2204460492503131e-16
#define FLT_MIN 1.17549435e-38F
#define DBL_MIN 2.2250738585072014e-308
#define FLT_MAX 3.40282347e+38F
#define DBL_MAX 1.7976931348623157e+308
#endif
"#;

const TIME: &str = r#"#ifndef __PIVM_TIME_H
#define __PIVM_TIME_H
typedef long clock_t;
#define CLOCKS_PER_SEC 1000000L
clock_t clock(void);
#endif
"#;
