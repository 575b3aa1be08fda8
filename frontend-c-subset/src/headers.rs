//! The standard headers pivm provides, embedded as C text. They declare
//! exactly the runtime functions of `pivm_ir::Builtin` with C
//! types (LP64: `size_t` and `long` are 64 bits), plus macros, typedefs and
//! small static functions (ctype, float variants of math functions) that
//! need no runtime support. Values match glibc on x86_64 where a program
//! can observe them (the `ctype` class bits, `RAND_MAX`, `EOF`, `SEEK_*`),
//! so programs print the same under pivm and under gcc.

use crate::{headers_bsd, headers_getopt, headers_wide};

/// The header names `#include <...>` accepts.
pub const NAMES: &[&str] = &[
    "alloca.h",
    "assert.h",
    "byteswap.h",
    "ctype.h",
    "endian.h",
    "err.h",
    "errno.h",
    "float.h",
    "getopt.h",
    "inttypes.h",
    "iso646.h",
    "libgen.h",
    "limits.h",
    "locale.h",
    "malloc.h",
    "math.h",
    "memory.h",
    "pthread.h",
    "sched.h",
    "semaphore.h",
    "setjmp.h",
    "signal.h",
    "stdalign.h",
    "stdarg.h",
    "stdatomic.h",
    "stdbool.h",
    "stddef.h",
    "stdint.h",
    "stdio.h",
    "stdlib.h",
    "stdnoreturn.h",
    "string.h",
    "strings.h",
    "sys/param.h",
    "sys/time.h",
    "sys/types.h",
    "sys/wait.h",
    "threads.h",
    "time.h",
    "uchar.h",
    "unistd.h",
    "wchar.h",
    "wctype.h",
];

/// The C11 headers pivm does not provide, with what they would need: an
/// `#include` of one is an `unsupported:` error naming it.
pub const ABSENT: &[(&str, &str)] = &[
    ("complex.h", "complex types (__STDC_NO_COMPLEX__)"),
    ("fenv.h", "the floating-point environment"),
    ("tgmath.h", "type-generic math"),
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
        "errno.h" => ERRNO,
        "inttypes.h" => INTTYPES,
        "locale.h" => LOCALE,
        "signal.h" => SIGNAL,
        "pthread.h" => PTHREAD,
        "unistd.h" => UNISTD,
        "sys/types.h" => SYS_TYPES,
        "sys/wait.h" => SYS_WAIT,
        "sched.h" => SCHED,
        "stdatomic.h" => STDATOMIC,
        "threads.h" => THREADS,
        "semaphore.h" => SEMAPHORE,
        "setjmp.h" => SETJMP,
        "stdalign.h" => STDALIGN,
        "stdnoreturn.h" => STDNORETURN,
        "alloca.h" => ALLOCA,
        "getopt.h" => headers_getopt::GETOPT,
        "err.h" => headers_getopt::ERR,
        "__pivm_getopt.h" => headers_getopt::GETOPT_CORE,
        "iso646.h" => ISO646,
        "strings.h" => STRINGS,
        "__pivm_strerror.h" => STRERROR,
        "__pivm_strsignal.h" => STRSIGNAL,
        "sys/time.h" => SYS_TIME,
        "__pivm_time.h" => TIME_BASE,
        "wchar.h" => headers_wide::WCHAR,
        "wctype.h" => headers_wide::WCTYPE,
        "uchar.h" => headers_wide::UCHAR,
        "__pivm_mb.h" => headers_wide::MB,
        "__pivm_wlimits.h" => headers_wide::WLIMITS,
        "__pivm_mbstate.h" => headers_wide::MBSTATE,
        "memory.h" => headers_bsd::MEMORY,
        "malloc.h" => headers_bsd::MALLOC,
        "sys/param.h" => headers_bsd::SYS_PARAM,
        "endian.h" => headers_bsd::ENDIAN,
        "byteswap.h" => headers_bsd::BYTESWAP,
        "libgen.h" => headers_bsd::LIBGEN,
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
#include <stdarg.h>
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
int remove(const char *path);
/* An anonymous file for update, kept by pivm (a snapshot holds its bytes);
   gone when closed or at exit. */
FILE *tmpfile(void);
int rename(const char *from, const char *to);
/* freopen keeps the stream's handle; stdin, stdout and stderr are the
   host's streams and cannot be reopened (NULL, errno EBADF). */
FILE *freopen(const char *path, const char *mode, FILE *stream);
/* ungetc pushes back only the byte just read from a file (the common
   case), or up to four bytes onto stdin; otherwise it fails with EOF. */
int ungetc(int c, FILE *stream);
void clearerr(FILE *stream);
/* Streams have no error indicator of their own: a failing call says so. */
static int ferror(FILE *stream) { return 0; }
#define _IOFBF 0
#define _IOLBF 1
#define _IONBF 2
/* pivm buffers stdout itself (flushed at exit and on fflush); setvbuf
   accepts every mode and changes nothing. */
static int setvbuf(FILE *stream, char *buf, int mode, size_t size) { return mode < 0 || mode > 2 ? -1 : 0; }
static void setbuf(FILE *stream, char *buf) {}
/* errno's tentative definition, as errno.h has it (they merge). */
int errno;
#include <__pivm_strerror.h>
static void perror(const char *s) {
    if (s && *s) fprintf(stderr, "%s: %s\n", s, strerror(errno));
    else fprintf(stderr, "%s\n", strerror(errno));
}
void *malloc(size_t size);
void *realloc(void *p, size_t size);
/* getline and getdelim as glibc's: the buffer grows from 120 bytes,
   doubling; -1 at the end of the stream with nothing read. */
static long getdelim(char **line, size_t *cap, int delim, FILE *stream) {
    if (!line || !cap) {
        errno = 22;
        return -1;
    }
    if (!*line || !*cap) {
        char *p = realloc(*line, 120);
        if (!p) {
            errno = 12;
            return -1;
        }
        *line = p;
        *cap = 120;
    }
    size_t len = 0;
    for (;;) {
        int c = fgetc(stream);
        if (c == EOF) break;
        if (len + 2 > *cap) {
            char *p = realloc(*line, *cap * 2);
            if (!p) {
                errno = 12;
                return -1;
            }
            *line = p;
            *cap *= 2;
        }
        (*line)[len++] = (char)c;
        if (c == delim) break;
    }
    (*line)[len] = 0;
    return len ? (long)len : -1;
}
static long getline(char **line, size_t *cap, FILE *stream) { return getdelim(line, cap, '\n', stream); }
static int vasprintf(char **out, const char *fmt, __pivm_va_list ap) {
    int n = vsnprintf(NULL, 0, fmt, ap);
    if (n < 0) return -1;
    char *p = malloc((size_t)n + 1);
    if (!p) return -1;
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    *out = p;
    return n;
}
static int asprintf(char **out, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(out, fmt, ap);
    va_end(ap);
    return n;
}
/* sscanf over the string functions: conversions d i u o x X c s [ e f g
   a p n %, widths, `*`, and the hh h l ll j z t L length modifiers. */
long strtol(const char *s, char **end, int base);
unsigned long strtoul(const char *s, char **end, int base);
double strtod(const char *s, char **end);
void *memcpy(void *dst, const void *src, size_t n);
static int __pivm_isspace(int c) { return c == ' ' || (c >= 9 && c <= 13); }
/* The bytes a %s or %[ conversion takes: *fmt is at its letter, and is
   left at its last character (the `]` of a scan set). */
static void __pivm_scan_set(const char **fmt, unsigned char *set) {
    const char *f = *fmt;
    int invert = 0;
    for (int i = 0; i < 256; i++) set[i] = *f == 's' ? !__pivm_isspace(i) : 0;
    if (*f == '[') {
        f++;
        if (*f == '^') { invert = 1; f++; }
        if (*f == ']') { set[']'] = 1; f++; }
        for (; *f && *f != ']'; f++) {
            if (f[1] == '-' && f[2] && f[2] != ']') {
                for (int ch = (unsigned char)f[0]; ch <= (unsigned char)f[2]; ch++) set[ch] = 1;
                f += 2;
            } else set[(unsigned char)*f] = 1;
        }
        if (invert) for (int i = 0; i < 256; i++) set[i] = !set[i];
    }
    *fmt = f;
}
/* A conversion specification after its `%`: `*`, the width and the
   length modifier (hh -2, h -1, l 1, ll j z t 2, L 3); returns where its
   conversion letter is. */
static const char *__pivm_scan_spec(const char *fmt, int *skip, int *width, int *len) {
    *skip = *width = *len = 0;
    if (*fmt == '*') { *skip = 1; fmt++; }
    while (*fmt >= '0' && *fmt <= '9') *width = *width * 10 + (*fmt++ - '0');
    for (;; fmt++) {
        if (*fmt == 'h') *len = *len == -1 ? -2 : -1;
        else if (*fmt == 'l') *len = *len == 1 ? 2 : 1;
        else if (*fmt == 'j' || *fmt == 'z' || *fmt == 't') *len = 2;
        else if (*fmt == 'L') *len = 3;
        else return fmt;
    }
}
/* Stores a converted number in the next argument, as its length says. */
static void __pivm_scan_store_float(__pivm_va_list *ap, int len, double d) {
    if (len == 3) *va_arg(*ap, long double *) = d;
    else if (len >= 1) *va_arg(*ap, double *) = d;
    else *va_arg(*ap, float *) = (float)d;
}
static void __pivm_scan_store_int(__pivm_va_list *ap, int conv, int len, unsigned long v) {
    if (conv == 'p') *va_arg(*ap, void **) = (void *)v;
    else if (len == -2) *va_arg(*ap, char *) = (char)v;
    else if (len == -1) *va_arg(*ap, short *) = (short)v;
    else if (len >= 1) *va_arg(*ap, long *) = (long)v;
    else *va_arg(*ap, int *) = (int)v;
}
static int vsscanf(const char *str, const char *fmt, __pivm_va_list ap) {
    const char *s = str;
    int n = 0;
    for (; *fmt; fmt++) {
        if (__pivm_isspace((unsigned char)*fmt)) {
            while (__pivm_isspace((unsigned char)*s)) s++;
            continue;
        }
        if (*fmt != '%' || fmt[1] == '%') {
            if (*fmt == '%') fmt++;
            if (*s == 0) return n ? n : EOF;
            if (*s != *fmt) return n;
            s++;
            continue;
        }
        int skip, width, len;
        fmt = __pivm_scan_spec(fmt + 1, &skip, &width, &len);
        char c = *fmt;
        if (c == 'n') {
            if (!skip) *va_arg(ap, int *) = (int)(s - str);
            continue;
        }
        if (c != 'c' && c != '[')
            while (__pivm_isspace((unsigned char)*s)) s++;
        if (*s == 0) return n ? n : EOF;
        char tmp[512];
        int max = width ? (width < 511 ? width : 511) : 511;
        if (c == 'c') {
            int w = width ? width : 1, k = 0;
            char *out = skip ? 0 : va_arg(ap, char *);
            while (k < w && s[k]) { if (out) out[k] = s[k]; k++; }
            /* A field cut short by the end of the string still counts. */
            s += k;
            if (!skip) n++;
            if (k < w) return n;
            continue;
        }
        if (c == 's' || c == '[') {
            unsigned char set[256];
            __pivm_scan_set(&fmt, set);
            int w = width ? width : 2147483647, k = 0;
            char *out = skip ? 0 : va_arg(ap, char *);
            while (k < w && s[k] && set[(unsigned char)s[k]]) { if (out) out[k] = s[k]; k++; }
            if (k == 0) return n;
            if (out) out[k] = 0;
            s += k;
            if (!skip) n++;
            continue;
        }
        int k = 0;
        while (k < max && s[k]) { tmp[k] = s[k]; k++; }
        tmp[k] = 0;
        char *end;
        if (c == 'e' || c == 'f' || c == 'g' || c == 'a' || c == 'E' || c == 'F' || c == 'G' || c == 'A') {
            double d = strtod(tmp, &end);
            if (end == tmp) return n;
            s += end - tmp;
            if (!skip) {
                __pivm_scan_store_float(&ap, len, d);
                n++;
            }
            continue;
        }
        int base = c == 'd' || c == 'u' ? 10 : c == 'o' ? 8 : c == 'x' || c == 'X' || c == 'p' ? 16 : c == 'i' ? 0 : -1;
        if (base < 0) return n;
        unsigned long v = c == 'd' || c == 'i' ? (unsigned long)strtol(tmp, &end, base) : strtoul(tmp, &end, base);
        if (end == tmp) return n;
        s += end - tmp;
        if (skip) continue;
        __pivm_scan_store_int(&ap, c, len, v);
        n++;
    }
    return n;
}
static int sscanf(const char *str, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int r = vsscanf(str, fmt, ap);
    va_end(ap);
    return r;
}
/* fscanf and scanf: sscanf's conversions on a stream, read a byte at a
   time with one byte of lookahead, read only when a directive needs it
   and given back with ungetc when the call ends. Numbers are read as
   glibc reads them: the longest prefix of one, all consumed; an integer
   converts as far as it goes ("0x" then "g" reads 0), a floating-point
   number needs a digit ("1e" then "x" reads 1; "0x", ".", "infin" do not
   match; "nan(...)" reads "nan"). A field reads at most 511 bytes. */
static int __pivm_digit(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'z') return c - 'a' + 10;
    if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
    return 99;
}
/* The lookahead *c (-2: not read yet), and taking it into tmp. */
#define __PIVM_PEEK() (*c == -2 ? (*c = fgetc(f)) : *c)
#define __PIVM_TAKE() (tmp[k++] = (char)*c, (*count)++, *c = -2)
/* An integer's text in base `base` (0: as strtol's) into tmp. */
static int __pivm_scan_int(FILE *f, int *c, int *count, char *tmp, int max, int base) {
    int k = 0;
    if (k < max && (__PIVM_PEEK() == '+' || *c == '-')) __PIVM_TAKE();
    if ((base == 0 || base == 16) && k < max && __PIVM_PEEK() == '0') {
        __PIVM_TAKE();
        if (k < max && (__PIVM_PEEK() | 32) == 'x') { __PIVM_TAKE(); base = 16; }
        else if (base == 0) base = 8;
    }
    if (base == 0) base = 10;
    while (k < max && __pivm_digit(__PIVM_PEEK()) < base) __PIVM_TAKE();
    tmp[k] = 0;
    return k;
}
/* A floating-point number's text (decimal, hexadecimal, inf, infinity,
   nan) into tmp; -1 if what was read cannot be one. */
static int __pivm_scan_float(FILE *f, int *c, int *count, char *tmp, int max) {
    int k = 0;
    if (k < max && (__PIVM_PEEK() == '+' || *c == '-')) __PIVM_TAKE();
    if (k < max && ((__PIVM_PEEK() | 32) == 'i' || (*c | 32) == 'n')) {
        const char *word = (*c | 32) == 'i' ? "infinity" : "nan";
        int j = 0;
        while (word[j] && k < max && (__PIVM_PEEK() | 32) == word[j]) {
            __PIVM_TAKE();
            j++;
            if (j == 3 && (word[0] == 'n' || k == max || (__PIVM_PEEK() | 32) != 'i')) break;
        }
        tmp[k] = 0;
        return j == 3 || j == 8 ? k : -1;
    }
    int base = 10, digits = 0;
    if (k < max && __PIVM_PEEK() == '0') {
        __PIVM_TAKE();
        digits = 1;
        if (k < max && (__PIVM_PEEK() | 32) == 'x') { __PIVM_TAKE(); base = 16; digits = 0; }
    }
    while (k < max && __pivm_digit(__PIVM_PEEK()) < base) { __PIVM_TAKE(); digits = 1; }
    if (k < max && __PIVM_PEEK() == '.') {
        __PIVM_TAKE();
        while (k < max && __pivm_digit(__PIVM_PEEK()) < base) { __PIVM_TAKE(); digits = 1; }
    }
    tmp[k] = 0;
    if (!digits) return -1;
    if (k < max && (__PIVM_PEEK() | 32) == (base == 16 ? 'p' : 'e')) {
        __PIVM_TAKE();
        if (k < max && (__PIVM_PEEK() == '+' || *c == '-')) __PIVM_TAKE();
        while (k < max && __pivm_digit(__PIVM_PEEK()) < 10) __PIVM_TAKE();
    }
    tmp[k] = 0;
    return k;
}
/* Up to `w` bytes of `set` into out (unless null): how many. */
static int __pivm_scan_bytes(FILE *f, int *c, int *count, char *out, int w, const unsigned char *set) {
    int k = 0;
    while (k < w && __PIVM_PEEK() != EOF && (!set || set[*c])) {
        if (out) out[k] = (char)*c;
        k++;
        (*count)++;
        *c = -2;
    }
    return k;
}
static int vfscanf(FILE *f, const char *fmt, __pivm_va_list ap) {
    /* The lookahead byte (-2: none read), and the bytes consumed, for
       %n. */
    int n = 0, la = -2, count = 0;
    int *c = &la;
    for (; *fmt; fmt++) {
        if (__pivm_isspace((unsigned char)*fmt)) {
            while (__pivm_isspace(__PIVM_PEEK())) { count++; la = -2; }
            continue;
        }
        if (*fmt != '%' || fmt[1] == '%') {
            if (*fmt == '%') {
                fmt++;
                while (__pivm_isspace(__PIVM_PEEK())) { count++; la = -2; }
            }
            if (__PIVM_PEEK() == EOF) { if (!n) n = EOF; break; }
            if (la != (unsigned char)*fmt) break;
            count++;
            la = -2;
            continue;
        }
        int skip, width, len;
        fmt = __pivm_scan_spec(fmt + 1, &skip, &width, &len);
        char cv = *fmt;
        if (cv == 'n') {
            if (!skip) *va_arg(ap, int *) = count;
            continue;
        }
        if (cv != 'c' && cv != '[')
            while (__pivm_isspace(__PIVM_PEEK())) { count++; la = -2; }
        if (__PIVM_PEEK() == EOF) { if (!n) n = EOF; break; }
        if (cv == 'c') {
            /* A field cut short by the end of the input still counts. */
            __pivm_scan_bytes(f, c, &count, skip ? 0 : va_arg(ap, char *), width ? width : 1, 0);
            if (!skip) n++;
            continue;
        }
        if (cv == 's' || cv == '[') {
            unsigned char set[256];
            __pivm_scan_set(&fmt, set);
            char *out = skip ? 0 : va_arg(ap, char *);
            int k = __pivm_scan_bytes(f, c, &count, out, width ? width : 2147483647, set);
            if (k == 0) break;
            if (out) out[k] = 0;
            if (!skip) n++;
            continue;
        }
        char tmp[512];
        int max = width ? (width < 511 ? width : 511) : 511;
        char *end;
        if (cv == 'e' || cv == 'f' || cv == 'g' || cv == 'a' || cv == 'E' || cv == 'F' || cv == 'G' || cv == 'A') {
            if (__pivm_scan_float(f, c, &count, tmp, max) < 0) break;
            double d = strtod(tmp, &end);
            if (end == tmp) break;
            if (!skip) {
                __pivm_scan_store_float(&ap, len, d);
                n++;
            }
            continue;
        }
        int base = cv == 'd' || cv == 'u' ? 10 : cv == 'o' ? 8 : cv == 'x' || cv == 'X' || cv == 'p' ? 16 : cv == 'i' ? 0 : -1;
        if (base < 0) break;
        __pivm_scan_int(f, c, &count, tmp, max, base);
        unsigned long v = cv == 'd' || cv == 'i' ? (unsigned long)strtol(tmp, &end, base) : strtoul(tmp, &end, base);
        if (end == tmp) break;
        if (skip) continue;
        __pivm_scan_store_int(&ap, cv, len, v);
        n++;
    }
    if (la >= 0) ungetc(la, f);
    return n;
}
#undef __PIVM_PEEK
#undef __PIVM_TAKE
static int fscanf(FILE *f, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int r = vfscanf(f, fmt, ap);
    va_end(ap);
    return r;
}
static int vscanf(const char *fmt, __pivm_va_list ap) { return vfscanf(stdin, fmt, ap); }
static int scanf(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int r = vfscanf(stdin, fmt, ap);
    va_end(ap);
    return r;
}
static void rewind(FILE *stream) { fseek(stream, 0, SEEK_SET); clearerr(stream); }
/* tmpnam names files "pivmtmp.N" in the current directory (the program's
   own, beneath its preopens), N counting up program-wide past the names
   taken. */
#define L_tmpnam 20
#define TMP_MAX 238328
unsigned __pivm_tmpnam_next;
static char *tmpnam(char *s) {
    static char buf[L_tmpnam];
    int saved = errno;
    if (!s) s = buf;
    for (int tries = 0; tries < TMP_MAX; tries++) {
        snprintf(s, L_tmpnam, "pivmtmp.%u", __pivm_tmpnam_next++);
        FILE *f = fopen(s, "r");
        if (!f) { errno = saved; return s; }
        fclose(f);
    }
    return NULL;
}
#define putc(c, stream) fputc(c, stream)
#define getc(stream) fgetc(stream)
/* The descriptors of the standard streams (those `read` and `write`
   take); a file opened by fopen has none (-1, errno EBADF). */
static int fileno(FILE *stream) {
    if (stream == stdin) return 0;
    if (stream == stdout) return 1;
    if (stream == stderr) return 2;
    errno = 9;
    return -1;
}
typedef long off_t;
static int fseeko(FILE *stream, off_t offset, int whence) { return fseek(stream, offset, whence); }
static off_t ftello(FILE *stream) { return ftell(stream); }
/* Each call is whole (a thread switches only at a safepoint between
   calls), so the unlocked forms are the same calls. */
static int getc_unlocked(FILE *stream) { return fgetc(stream); }
static int fgetc_unlocked(FILE *stream) { return fgetc(stream); }
static int getchar_unlocked(void) { return getchar(); }
static int putc_unlocked(int c, FILE *stream) { return fputc(c, stream); }
static int fputc_unlocked(int c, FILE *stream) { return fputc(c, stream); }
static int putchar_unlocked(int c) { return putchar(c); }
static int fputs_unlocked(const char *s, FILE *stream) { return fputs(s, stream); }
static char *fgets_unlocked(char *s, int n, FILE *stream) { return fgets(s, n, stream); }
static size_t fwrite_unlocked(const void *p, size_t size, size_t n, FILE *stream) {
    return fwrite(p, size, n, stream);
}
static size_t fread_unlocked(void *p, size_t size, size_t n, FILE *stream) {
    return fread(p, size, n, stream);
}
static int fflush_unlocked(FILE *stream) { return fflush(stream); }
static int feof_unlocked(FILE *stream) { return feof(stream); }
static int ferror_unlocked(FILE *stream) { return ferror(stream); }
static void clearerr_unlocked(FILE *stream) { clearerr(stream); }
/* There is no command processor (as for system): popen fails with
   ENOSYS, and pclose has no child to wait for (ECHILD). */
static FILE *popen(const char *command, const char *mode) {
    errno = 38;
    return NULL;
}
static int pclose(FILE *stream) {
    errno = 10;
    return -1;
}
/* The standard streams' descriptors give their streams (a pipe's
   descriptors have no stream: NULL, errno EBADF). */
static FILE *fdopen(int fd, const char *mode) {
    if (fd == 0) return stdin;
    if (fd == 1) return stdout;
    if (fd == 2) return stderr;
    errno = 9;
    return NULL;
}
#endif
"#;

const STDLIB: &str = r#"#ifndef __PIVM_STDLIB_H
#define __PIVM_STDLIB_H
#include <__pivm_mb.h>
#include <stddef.h>
#define EXIT_SUCCESS 0
#define EXIT_FAILURE 1
#define RAND_MAX 2147483647
void *malloc(size_t size);
void *alloca(size_t size);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t size);
void free(void *p);
/* A power-of-two alignment, else NULL and errno EINVAL. */
void *aligned_alloc(size_t alignment, size_t size);
static int posix_memalign(void **memptr, size_t alignment, size_t size) {
    if (alignment % sizeof(void *) != 0 || (alignment & (alignment - 1)) != 0) return 22;
    void *p = aligned_alloc(alignment, size);
    if (!p) return 12;
    *memptr = p;
    return 0;
}
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
/* random and srandom are rand's generator and state, as in glibc. */
static long random(void) { return rand(); }
static void srandom(unsigned seed) { srand(seed); }
/* rand_r as glibc's: three steps of its LCG, 11 + 10 + 10 bits. */
static int rand_r(unsigned *seed) {
    unsigned next = *seed;
    int result;
    next *= 1103515245;
    next += 12345;
    result = (unsigned)(next / 65536) % 2048;
    next *= 1103515245;
    next += 12345;
    result <<= 10;
    result ^= (unsigned)(next / 65536) % 1024;
    next *= 1103515245;
    next += 12345;
    result <<= 10;
    result ^= (unsigned)(next / 65536) % 1024;
    *seed = next;
    return result;
}
/* The 48-bit generators as glibc's: X = (a X + c) mod 2^48 on three
   16-bit words, low first; the state (unseeded: 0), a and c are one
   object each program-wide. */
unsigned short __pivm_rand48_x[3];
unsigned short __pivm_rand48_a[3] = {0xe66d, 0xdeec, 0x5};
unsigned short __pivm_rand48_c = 0xb;
static unsigned long long __pivm_rand48_step(unsigned short x[3]) {
    unsigned long long v = (unsigned long long)x[2] << 32 | (unsigned long long)x[1] << 16 | x[0];
    unsigned long long a = (unsigned long long)__pivm_rand48_a[2] << 32
        | (unsigned long long)__pivm_rand48_a[1] << 16 | __pivm_rand48_a[0];
    v = (v * a + __pivm_rand48_c) & 0xffffffffffffull;
    x[0] = (unsigned short)v;
    x[1] = (unsigned short)(v >> 16);
    x[2] = (unsigned short)(v >> 32);
    return v;
}
static double erand48(unsigned short x[3]) { return __pivm_rand48_step(x) / 281474976710656.0; }
static long nrand48(unsigned short x[3]) { return (long)(__pivm_rand48_step(x) >> 17); }
static long jrand48(unsigned short x[3]) { return (int)(unsigned)(__pivm_rand48_step(x) >> 16); }
static double drand48(void) { return erand48(__pivm_rand48_x); }
static long lrand48(void) { return nrand48(__pivm_rand48_x); }
static long mrand48(void) { return jrand48(__pivm_rand48_x); }
static void __pivm_rand48_defaults(void) {
    __pivm_rand48_a[0] = 0xe66d;
    __pivm_rand48_a[1] = 0xdeec;
    __pivm_rand48_a[2] = 0x5;
    __pivm_rand48_c = 0xb;
}
static void srand48(long seed) {
    __pivm_rand48_x[0] = 0x330e;
    __pivm_rand48_x[1] = (unsigned short)seed;
    __pivm_rand48_x[2] = (unsigned short)((unsigned long)seed >> 16);
    __pivm_rand48_defaults();
}
unsigned short __pivm_rand48_old[3];
static unsigned short *seed48(unsigned short seed[3]) {
    for (int i = 0; i < 3; i++) __pivm_rand48_old[i] = __pivm_rand48_x[i];
    for (int i = 0; i < 3; i++) __pivm_rand48_x[i] = seed[i];
    __pivm_rand48_defaults();
    return __pivm_rand48_old;
}
static void lcong48(unsigned short p[7]) {
    for (int i = 0; i < 3; i++) __pivm_rand48_x[i] = p[i];
    for (int i = 0; i < 3; i++) __pivm_rand48_a[i] = p[3 + i];
    __pivm_rand48_c = p[6];
}
void *memcpy(void *dst, const void *src, size_t n);
typedef struct { int quot; int rem; } div_t;
typedef struct { long quot; long rem; } ldiv_t;
typedef struct { long long quot; long long rem; } lldiv_t;
static div_t div(int n, int d) { div_t r; r.quot = n / d; r.rem = n % d; return r; }
static ldiv_t ldiv(long n, long d) { ldiv_t r; r.quot = n / d; r.rem = n % d; return r; }
static lldiv_t lldiv(long long n, long long d) { lldiv_t r; r.quot = n / d; r.rem = n % d; return r; }
static long long atoll(const char *s) { return atol(s); }
static long long strtoll(const char *s, char **end, int base) { return strtol(s, end, base); }
static unsigned long long strtoull(const char *s, char **end, int base) { return strtoul(s, end, base); }
static float strtof(const char *s, char **end) { return (float)strtod(s, end); }
static long double strtold(const char *s, char **end) { return strtod(s, end); }
/* atexit: the handlers are a program-wide table in VM memory; exit (a
   macro over the runtime's exit) and a return from main (the compiler
   calls __pivm_atexit_run there) run them, last registered first. */
void (*__pivm_atexit_fns[64])(void);
int __pivm_atexit_n;
static int atexit(void (*f)(void)) {
    if (__pivm_atexit_n >= 64) return -1;
    __pivm_atexit_fns[__pivm_atexit_n++] = f;
    return 0;
}
inline void __pivm_atexit_run(void) {
    while (__pivm_atexit_n > 0) __pivm_atexit_fns[--__pivm_atexit_n]();
}
static void __pivm_exit(int status) {
    __pivm_atexit_run();
    (exit)(status);
}
#define exit(status) __pivm_exit(status)
static void _Exit(int status) { (exit)(status); }
/* There is no command processor: system(NULL) says so, and every
   command fails. */
static int system(const char *command) { return command ? -1 : 0; }
/* A program starts with an empty environment; setenv, putenv and
   unsetenv change it for the program ("name=value" strings, one table
   program-wide in VM memory, as glibc's environ). */
size_t strlen(const char *s);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
int errno;
char **__pivm_environ;
int __pivm_environ_n, __pivm_environ_cap;
static int __pivm_env_find(const char *name, size_t len) {
    for (int i = 0; i < __pivm_environ_n; i++)
        if (!strncmp(__pivm_environ[i], name, len) && __pivm_environ[i][len] == '=') return i;
    return -1;
}
static char *getenv(const char *name) {
    size_t len = strlen(name);
    int i = __pivm_env_find(name, len);
    return i < 0 ? NULL : __pivm_environ[i] + len + 1;
}
/* Puts "name=value" (name `len` bytes) in the table, replacing name's. */
static int __pivm_env_put(char *entry, size_t len) {
    int i = __pivm_env_find(entry, len);
    if (i >= 0) {
        __pivm_environ[i] = entry;
        return 0;
    }
    if (__pivm_environ_n + 1 >= __pivm_environ_cap) {
        int cap = __pivm_environ_cap ? 2 * __pivm_environ_cap : 8;
        char **t = realloc(__pivm_environ, cap * sizeof(char *));
        if (!t) {
            errno = 12;
            return -1;
        }
        __pivm_environ = t;
        __pivm_environ_cap = cap;
    }
    __pivm_environ[__pivm_environ_n++] = entry;
    __pivm_environ[__pivm_environ_n] = NULL;
    return 0;
}
static int setenv(const char *name, const char *value, int overwrite) {
    size_t len = name ? strlen(name) : 0;
    if (!len || strchr(name, '=')) {
        errno = 22;
        return -1;
    }
    if (!overwrite && __pivm_env_find(name, len) >= 0) return 0;
    size_t vlen = strlen(value);
    char *e = malloc(len + vlen + 2);
    if (!e) {
        errno = 12;
        return -1;
    }
    memcpy(e, name, len);
    e[len] = '=';
    memcpy(e + len + 1, value, vlen + 1);
    return __pivm_env_put(e, len);
}
static int unsetenv(const char *name) {
    size_t len = name ? strlen(name) : 0;
    if (!len || strchr(name, '=')) {
        errno = 22;
        return -1;
    }
    int i;
    while ((i = __pivm_env_find(name, len)) >= 0) {
        for (int k = i; k < __pivm_environ_n; k++) __pivm_environ[k] = __pivm_environ[k + 1];
        __pivm_environ_n--;
    }
    return 0;
}
/* The string itself goes in the table; without '=' it unsets. */
static int putenv(char *string) {
    char *eq = strchr(string, '=');
    if (!eq) return unsetenv(string);
    return __pivm_env_put(string, (size_t)(eq - string));
}
static int clearenv(void) {
    __pivm_environ_n = 0;
    if (__pivm_environ) __pivm_environ[0] = NULL;
    return 0;
}
/* qsort is a stable merge sort, like glibc's (so equal keys end up in the
   same order as under gcc); bsearch is a plain binary search. An element
   of 4 or 8 bytes is moved as one integer, like glibc's, not by a memcpy
   call. */
static void __pivm_mcopy(char *t, const char *b, size_t s) {
    if (s == 8) *(unsigned long long *)t = *(const unsigned long long *)b;
    else if (s == 4) *(unsigned *)t = *(const unsigned *)b;
    else memcpy(t, b, s);
}
/* One body for qsort and GNU qsort_r (whose comparison takes a third
   argument), so both compare in glibc's order. */
#define __PIVM_COMMA ,
#define __PIVM_MSORT(NAME, CMP_T, CALL, ARG_DECL, ARG)                          \
static void NAME(char *b, size_t n, size_t s, CMP_T cmp ARG_DECL, char *tmp) { \
    if (n <= 1) return;                                                         \
    size_t n1 = n / 2, n2 = n - n1;                                             \
    char *b1 = b, *b2 = b + n1 * s, *t = tmp;                                   \
    NAME(b1, n1, s, cmp ARG, tmp);                                              \
    NAME(b2, n2, s, cmp ARG, tmp);                                              \
    while (n1 > 0 && n2 > 0) {                                                  \
        if (CALL <= 0) { __pivm_mcopy(t, b1, s); b1 += s; n1--; }               \
        else { __pivm_mcopy(t, b2, s); b2 += s; n2--; }                         \
        t += s;                                                                 \
    }                                                                           \
    if (n1 > 0) memcpy(t, b1, n1 * s);                                          \
    memcpy(b, tmp, (n - n2) * s);                                               \
}
typedef int (*__pivm_cmp_t)(const void *, const void *);
typedef int (*__pivm_cmp_r_t)(const void *, const void *, void *);
__PIVM_MSORT(__pivm_msort, __pivm_cmp_t, cmp(b1, b2), , )
__PIVM_MSORT(__pivm_msort_r, __pivm_cmp_r_t, cmp(b1, b2, arg), __PIVM_COMMA void *arg,
             __PIVM_COMMA arg)
static void qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *)) {
    char *tmp = malloc(n * size + 1);
    __pivm_msort(base, n, size, cmp, tmp);
    free(tmp);
}
static void qsort_r(void *base, size_t n, size_t size,
                    int (*cmp)(const void *, const void *, void *), void *arg) {
    char *tmp = malloc(n * size + 1);
    __pivm_msort_r(base, n, size, cmp, arg, tmp);
    free(tmp);
}
/* n * size bytes, or NULL and ENOMEM if that overflows. */
static void *reallocarray(void *p, size_t n, size_t size) {
    if (size && n > (size_t)-1 / size) {
        errno = 12;
        return NULL;
    }
    return realloc(p, n * size);
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
char *strtok_r(char *s, const char *delim, char **save);
char *strsep(char **sp, const char *delim);
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
/* The C locale: collation is byte order. */
static int strcoll(const char *a, const char *b) { return strcmp(a, b); }
static size_t strxfrm(char *dst, const char *src, size_t n) {
    size_t len = strlen(src);
    if (len < n) strcpy(dst, src);
    return len;
}
void *malloc(size_t size);
static size_t strnlen(const char *s, size_t n) {
    size_t i = 0;
    while (i < n && s[i]) i++;
    return i;
}
static char *strndup(const char *s, size_t n) {
    size_t len = strnlen(s, n);
    char *d = malloc(len + 1);
    if (!d) return NULL;
    memcpy(d, s, len);
    d[len] = 0;
    return d;
}
static char *stpcpy(char *dst, const char *src) {
    size_t n = strlen(src);
    memcpy(dst, src, n + 1);
    return dst + n;
}
static char *stpncpy(char *dst, const char *src, size_t n) {
    size_t len = strnlen(src, n);
    memcpy(dst, src, len);
    memset(dst + len, 0, n - len);
    return dst + len;
}
static void *memccpy(void *dst, const void *src, int c, size_t n) {
    unsigned char *d = dst;
    const unsigned char *s = src;
    for (size_t i = 0; i < n; i++) {
        d[i] = s[i];
        if (s[i] == (unsigned char)c) return d + i + 1;
    }
    return NULL;
}
static void *mempcpy(void *dst, const void *src, size_t n) {
    return (char *)memcpy(dst, src, n) + n;
}
static char *strchrnul(const char *s, int c) {
    while (*s && *s != (char)c) s++;
    return (char *)s;
}
static void *rawmemchr(const void *p, int c) {
    const unsigned char *s = p;
    while (*s != (unsigned char)c) s++;
    return (void *)s;
}
static void *memrchr(const void *p, int c, size_t n) {
    const unsigned char *b = p;
    while (n--)
        if (b[n] == (unsigned char)c) return (void *)(b + n);
    return NULL;
}
static void *memmem(const void *hay, size_t hn, const void *needle, size_t nn) {
    const unsigned char *h = hay;
    if (nn == 0) return (void *)h;
    for (size_t i = 0; i + nn <= hn; i++)
        if (h[i] == *(const unsigned char *)needle && !memcmp(h + i, needle, nn)) return (void *)(h + i);
    return NULL;
}
/* glibc's: digit runs compare as numbers, a run with leading zeroes as a
   fraction (below one without). */
static int strverscmp(const char *s1, const char *s2) {
    static const unsigned char next[] = {0, 3, 9, 0, 3, 3, 0, 6, 6, 0, 6, 9};
    /* 2: the byte difference; 3: the longer digit run; else the result. */
    static const signed char result[] = {
        2, 2, 2, 2, 3, 2, 2, 2, 2,
        2, -1, -1, 1, 3, 3, 1, 3, 3,
        2, 2, 2, 2, 2, 2, 2, 2, 2,
        2, 1, 1, -1, 2, 2, -1, 2, 2};
    const unsigned char *p1 = (const unsigned char *)s1, *p2 = (const unsigned char *)s2;
    if (p1 == p2) return 0;
    unsigned char c1 = *p1++, c2 = *p2++;
    int state = (c1 == '0') + (c1 - '0' < 10u);
    int diff;
    while ((diff = c1 - c2) == 0) {
        if (c1 == 0) return diff;
        state = next[state];
        c1 = *p1++;
        c2 = *p2++;
        state += (c1 == '0') + (c1 - '0' < 10u);
    }
    state = result[state * 3 + (c2 == '0') + (c2 - '0' < 10u)];
    if (state == 2) return diff;
    if (state == 3) {
        while (*p1++ - '0' < 10u)
            if (!(*p2++ - '0' < 10u)) return 1;
        return *p2 - '0' < 10u ? -1 : diff;
    }
    return state;
}
#include <__pivm_strerror.h>
#include <__pivm_strsignal.h>
/* As glibc's: with _GNU_SOURCE the message (in `buf` only when the error
   is unknown), else POSIX's, which copies it into `buf` (ERANGE when cut,
   EINVAL for an unknown error). */
#ifdef _GNU_SOURCE
static char *strerror_r(int e, char *buf, size_t n) {
    char *m = __pivm_errmsg(e);
    if (m) return m;
    if (n) snprintf(buf, n, "Unknown error %d", e);
    return buf;
}
#else
static int strerror_r(int e, char *buf, size_t n) {
    char *m = __pivm_errmsg(e);
    if (!m) {
        if (n) snprintf(buf, n, "Unknown error %d", e);
        return 22;
    }
    size_t len = strlen(m);
    if (n) {
        size_t k = len < n - 1 ? len : n - 1;
        memcpy(buf, m, k);
        buf[k] = 0;
    }
    return n <= len ? 34 : 0;
}
#endif
/* glibc's: the first place where `needle` matches ignoring case (ASCII
   letters, as the C locale). */
static char *strcasestr(const char *hay, const char *needle) {
    size_t n = strlen(needle);
    for (; *hay; hay++) {
        size_t i = 0;
        while (i < n && hay[i] && (hay[i] | (hay[i] - 'A' < 26u ? 32 : 0)) ==
                                      (needle[i] | (needle[i] - 'A' < 26u ? 32 : 0)))
            i++;
        if (i == n) return (char *)hay;
    }
    return n ? NULL : (char *)hay;
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
/* glibc's sincos gives sin's and cos's results. */
static void sincos(double x, double *s, double *c) { *s = sin(x); *c = cos(x); }
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
double cbrt(double x);
double expm1(double x);
double log1p(double x);
double exp2(double x);
double asinh(double x);
double acosh(double x);
double atanh(double x);
double erf(double x);
double erfc(double x);
double tgamma(double x);
double lgamma(double x);
double rint(double x);
double copysign(double x, double y);
double nextafter(double x, double y);
double remainder(double x, double y);
double fma(double x, double y, double z);
double ldexp(double x, int n);
#define M_LOG2E 1.4426950408889634074
#define M_LOG10E 0.43429448190325182765
#define M_LN10 2.30258509299404568402
#define M_PI_2 1.57079632679489661923
#define M_PI_4 0.78539816339744830962
#define M_1_PI 0.31830988618379067154
#define M_2_PI 0.63661977236758134308
#define M_2_SQRTPI 1.12837916709551257390
#define M_SQRT1_2 0.70710678118654752440
#define HUGE_VALF ((float)HUGE_VAL)
#define FP_NAN 0
#define FP_INFINITE 1
#define FP_ZERO 2
#define FP_SUBNORMAL 3
#define FP_NORMAL 4
#define FP_ILOGB0 (-2147483647 - 1)
#define FP_ILOGBNAN (-2147483647 - 1)
#define MATH_ERRNO 1
#define MATH_ERREXCEPT 2
#define math_errhandling (MATH_ERRNO | MATH_ERREXCEPT)
typedef float float_t;
typedef double double_t;
/* Classification and the rest of math.h in C over the bits of a double:
   the same on every host and engine. */
static unsigned long __pivm_dbits(double x) { union { double d; unsigned long u; } v; v.d = x; return v.u; }
static double __pivm_dfrom(unsigned long u) { union { double d; unsigned long u; } v; v.u = u; return v.d; }
static int __pivm_fpclassify(double x) {
    unsigned long b = __pivm_dbits(x), e = (b >> 52) & 0x7ff, m = b & 0xfffffffffffffUL;
    if (e == 0x7ff) return m ? FP_NAN : FP_INFINITE;
    if (e == 0) return m ? FP_SUBNORMAL : FP_ZERO;
    return FP_NORMAL;
}
#define fpclassify(x) __pivm_fpclassify(x)
#define isnormal(x) (__pivm_fpclassify(x) == FP_NORMAL)
#define signbit(x) ((int)(__pivm_dbits(x) >> 63))
#define isgreater(x, y) ((x) > (y))
#define isgreaterequal(x, y) ((x) >= (y))
#define isless(x, y) ((x) < (y))
#define islessequal(x, y) ((x) <= (y))
#define islessgreater(x, y) ((x) < (y) || (x) > (y))
#define isunordered(x, y) (isnan(x) || isnan(y))
static double frexp(double x, int *e) {
    unsigned long b = __pivm_dbits(x);
    int ex = (int)((b >> 52) & 0x7ff);
    if (ex == 0) {
        if (x == 0) { *e = 0; return x; }
        double r = frexp(x * 18446744073709551616.0, e);
        *e -= 64;
        return r;
    }
    if (ex == 0x7ff) { *e = 0; return x; }
    *e = ex - 1022;
    return __pivm_dfrom((b & 0x800fffffffffffffUL) | 0x3fe0000000000000UL);
}
static double modf(double x, double *ip) {
    double t = trunc(x);
    *ip = t;
    if (x == HUGE_VAL || x == -HUGE_VAL) return copysign(0.0, x);
    return copysign(x - t, x);
}
static int ilogb(double x) {
    int e;
    if (x == 0 || x != x) return FP_ILOGB0;
    if (x == HUGE_VAL || x == -HUGE_VAL) return 2147483647;
    frexp(x, &e);
    return e - 1;
}
static double logb(double x) {
    if (x == 0) return -HUGE_VAL;
    if (x != x) return x;
    if (x == HUGE_VAL || x == -HUGE_VAL) return HUGE_VAL;
    return (double)ilogb(x);
}
static double scalbn(double x, int n) { return ldexp(x, n); }
static double scalbln(double x, long n) { return ldexp(x, n > 100000 ? 100000 : n < -100000 ? -100000 : (int)n); }
static double nearbyint(double x) { return rint(x); }
static long lrint(double x) { return (long)rint(x); }
static long long llrint(double x) { return (long long)rint(x); }
static long lround(double x) { return (long)round(x); }
static long long llround(double x) { return (long long)round(x); }
static double fdim(double x, double y) { return x > y ? x - y : (x != x || y != y) ? x + y : 0.0; }
static double nan(const char *tag) { return NAN; }
static double nexttoward(double x, double y) { return nextafter(x, y); }
static double remquo(double x, double y, int *q) {
    double r = remainder(x, y);
    *q = (int)(fmod(fabs(rint((x - r) / y)), 2147483648.0)) * ((x < 0) != (y < 0) ? -1 : 1);
    return r;
}
/* The float functions: the double one, rounded (exact for sqrt and the
   rounding functions; for the others, the double result rounded), with
   glibc's range errors of the float result: an overflow to infinity or
   an underflow to zero of a finite double result. */
int errno; /* errno's tentative definition, as errno.h has it (they merge). */
static float __pivm_float_result(double d) {
    float r = (float)d;
    if ((r - r != r - r && d - d == d - d) || (r == 0.0f && d != 0.0))
        errno = 34;
    return r;
}
#define __PIVM_F1(n) static float n##f(float x) { return __pivm_float_result(n(x)); }
#define __PIVM_F2(n) static float n##f(float x, float y) { return __pivm_float_result(n(x, y)); }
__PIVM_F1(sqrt)
__PIVM_F1(tan)
__PIVM_F1(asin)
__PIVM_F1(acos)
__PIVM_F1(atan)
__PIVM_F1(sinh)
__PIVM_F1(cosh)
__PIVM_F1(tanh)
__PIVM_F1(asinh)
__PIVM_F1(acosh)
__PIVM_F1(atanh)
__PIVM_F1(exp2)
__PIVM_F1(expm1)
__PIVM_F1(log10)
__PIVM_F1(log2)
__PIVM_F1(log1p)
__PIVM_F1(cbrt)
__PIVM_F1(erf)
__PIVM_F1(erfc)
__PIVM_F1(tgamma)
__PIVM_F1(lgamma)
__PIVM_F1(rint)
__PIVM_F1(fabs)
__PIVM_F1(floor)
__PIVM_F1(ceil)
__PIVM_F1(round)
__PIVM_F1(trunc)
__PIVM_F1(sin)
__PIVM_F1(cos)
__PIVM_F1(exp)
__PIVM_F1(log)
__PIVM_F2(hypot)
__PIVM_F2(fmod)
__PIVM_F2(copysign)
__PIVM_F2(fdim)
__PIVM_F2(remainder)
__PIVM_F2(fmin)
__PIVM_F2(fmax)
__PIVM_F2(pow)
static float atan2f(float y, float x) { return (float)atan2(y, x); }
static float ldexpf(float x, int n) { return __pivm_float_result(ldexp(x, n)); }
static float frexpf(float x, int *e) { return (float)frexp(x, e); }
static float modff(float x, float *ip) { double d; float r = (float)modf(x, &d); *ip = (float)d; return r; }
static float fmaf(float x, float y, float z) { return (float)fma(x, y, z); }
static float nextafterf(float x, float y) {
    union { float f; unsigned u; } v;
    if (x != x || y != y) return x + y;
    if (x == y) return y;
    v.f = x;
    if (x == 0) v.u = 1 | (y < 0 ? 0x80000000u : 0);
    else if ((x < y) == (x > 0)) v.u++;
    else v.u--;
    return v.f;
}
/* The long double functions: long double is binary64 in pivm
   (docs/DESIGN.md), so each is the double one. */
#define __PIVM_L1(n) static long double n##l(long double x) { return n(x); }
#define __PIVM_L2(n) static long double n##l(long double x, long double y) { return n(x, y); }
__PIVM_L1(sqrt)
__PIVM_L1(sin)
__PIVM_L1(cos)
__PIVM_L1(tan)
__PIVM_L1(asin)
__PIVM_L1(acos)
__PIVM_L1(atan)
__PIVM_L1(sinh)
__PIVM_L1(cosh)
__PIVM_L1(tanh)
__PIVM_L1(asinh)
__PIVM_L1(acosh)
__PIVM_L1(atanh)
__PIVM_L1(exp)
__PIVM_L1(exp2)
__PIVM_L1(expm1)
__PIVM_L1(log)
__PIVM_L1(log10)
__PIVM_L1(log2)
__PIVM_L1(log1p)
__PIVM_L1(cbrt)
__PIVM_L1(erf)
__PIVM_L1(erfc)
__PIVM_L1(tgamma)
__PIVM_L1(lgamma)
__PIVM_L1(rint)
__PIVM_L1(nearbyint)
__PIVM_L1(fabs)
__PIVM_L1(floor)
__PIVM_L1(ceil)
__PIVM_L1(round)
__PIVM_L1(trunc)
__PIVM_L1(logb)
__PIVM_L2(atan2)
__PIVM_L2(pow)
__PIVM_L2(hypot)
__PIVM_L2(fmod)
__PIVM_L2(copysign)
__PIVM_L2(fdim)
__PIVM_L2(remainder)
__PIVM_L2(fmin)
__PIVM_L2(fmax)
__PIVM_L2(nextafter)
static long double fmal(long double x, long double y, long double z) { return fma(x, y, z); }
static long double ldexpl(long double x, int n) { return ldexp(x, n); }
static long double scalbnl(long double x, int n) { return ldexp(x, n); }
static long double scalblnl(long double x, long n) { return scalbln(x, n); }
static long double frexpl(long double x, int *e) { return frexp(x, e); }
static long double modfl(long double x, long double *ip) { double d; long double r = modf(x, &d); *ip = d; return r; }
static long double remquol(long double x, long double y, int *q) { return remquo(x, y, q); }
static long double nexttowardl(long double x, long double y) { return nextafter(x, y); }
static long double nanl(const char *tag) { return NAN; }
static int ilogbl(long double x) { return ilogb(x); }
static long lrintl(long double x) { return lrint(x); }
static long long llrintl(long double x) { return llrint(x); }
static long lroundl(long double x) { return lround(x); }
static long long llroundl(long double x) { return llround(x); }
#define HUGE_VALL ((long double)HUGE_VAL)
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
#include <__pivm_wlimits.h>
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

const STDALIGN: &str = r#"#ifndef __PIVM_STDALIGN_H
#define __PIVM_STDALIGN_H
#define alignas _Alignas
#define alignof _Alignof
#define __alignas_is_defined 1
#define __alignof_is_defined 1
#endif
"#;

/// `alloca`: a block of the heap that the calling function frees when it
/// returns (the lowering chains them, `lower::alloca`).
const ALLOCA: &str = r#"#ifndef __PIVM_ALLOCA_H
#define __PIVM_ALLOCA_H
void *alloca(unsigned long size);
#endif
"#;

const STDNORETURN: &str = r#"#ifndef __PIVM_STDNORETURN_H
#define __PIVM_STDNORETURN_H
#define noreturn _Noreturn
#endif
"#;

const ISO646: &str = r#"#ifndef __PIVM_ISO646_H
#define __PIVM_ISO646_H
#define and &&
#define and_eq &=
#define bitand &
#define bitor |
#define compl ~
#define not !
#define not_eq !=
#define or ||
#define or_eq |=
#define xor ^
#define xor_eq ^=
#endif
"#;

/// POSIX <strings.h>, as C (case folding is the C locale's).
const STRINGS: &str = r#"#ifndef __PIVM_STRINGS_H
#define __PIVM_STRINGS_H
#include <stddef.h>
static int __pivm_lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }
static int strncasecmp(const char *a, const char *b, size_t n) {
    for (; n; n--, a++, b++) {
        int d = __pivm_lower((unsigned char)*a) - __pivm_lower((unsigned char)*b);
        if (d || !*a) return d;
    }
    return 0;
}
static int strcasecmp(const char *a, const char *b) { return strncasecmp(a, b, (size_t)-1); }
static void bzero(void *p, size_t n) { char *c = p; while (n--) *c++ = 0; }
static void bcopy(const void *src, void *dst, size_t n) {
    const char *s = src;
    char *d = dst;
    if (d < s) { while (n--) *d++ = *s++; }
    else { while (n--) d[n] = s[n]; }
}
static int bcmp(const void *a, const void *b, size_t n) {
    const unsigned char *x = a, *y = b;
    for (; n; n--) if (*x++ != *y++) return 1;
    return 0;
}
static char *index(const char *s, int c) {
    for (;; s++) {
        if (*s == (char)c) return (char *)s;
        if (!*s) return NULL;
    }
}
static char *rindex(const char *s, int c) {
    const char *r = NULL;
    for (;; s++) {
        if (*s == (char)c) r = s;
        if (!*s) return (char *)r;
    }
}
static int ffs(int i) {
    unsigned u = i;
    int n = 1;
    if (!u) return 0;
    while (!(u & 1)) { u >>= 1; n++; }
    return n;
}
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
#define MB_LEN_MAX 16
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
static int isascii(int c) { return (c & ~0x7f) == 0; }
static int toascii(int c) { return c & 0x7f; }
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
#define FLT_TRUE_MIN 1.40129846e-45F
#define DBL_TRUE_MIN 4.9406564584124654e-324
#define FLT_MIN_EXP (-125)
#define DBL_MIN_EXP (-1021)
#define FLT_MAX_EXP 128
#define DBL_MAX_EXP 1024
#define FLT_MIN_10_EXP (-37)
#define DBL_MIN_10_EXP (-307)
#define FLT_MAX_10_EXP 38
#define DBL_MAX_10_EXP 308
#define FLT_DECIMAL_DIG 9
#define DBL_DECIMAL_DIG 17
/* long double is IEEE binary64 in pivm (docs/DESIGN.md): LDBL_* are
   DBL_*, and DECIMAL_DIG is binary64's (gcc on x86_64 says 21, for its
   80-bit long double). */
#define LDBL_MANT_DIG 53
#define LDBL_DIG 15
#define LDBL_EPSILON 2.2204460492503131e-16L
#define LDBL_MIN 2.2250738585072014e-308L
#define LDBL_MAX 1.7976931348623157e+308L
#define LDBL_TRUE_MIN 4.9406564584124654e-324L
#define LDBL_MIN_EXP (-1021)
#define LDBL_MAX_EXP 1024
#define LDBL_MIN_10_EXP (-307)
#define LDBL_MAX_10_EXP 308
#define LDBL_DECIMAL_DIG 17
#define DECIMAL_DIG 17
#define FLT_ROUNDS 1
#define FLT_EVAL_METHOD 0
#endif
"#;

/// time.h in C over the `time`, `clock` and time builtins
/// (`__pivm_time.h`). There is no time zone: local time is UTC
/// (`localtime` is `gmtime`, `mktime` is `timegm`), and `strftime`
/// formats as the C locale does. CLOCK_MONOTONIC (and its variants) is
/// the VM's monotonic clock, which stops while the program is a snapshot;
/// CLOCK_REALTIME is the host's.
const TIME: &str = r#"#ifndef __PIVM_TIME_H
#define __PIVM_TIME_H
#include <stddef.h>
#include <errno.h>
#include <__pivm_time.h>
typedef long clock_t;
typedef int clockid_t;
#define CLOCKS_PER_SEC 1000000L
#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID 3
#define CLOCK_MONOTONIC_RAW 4
#define CLOCK_REALTIME_COARSE 5
#define CLOCK_MONOTONIC_COARSE 6
#define CLOCK_BOOTTIME 7
#define TIMER_ABSTIME 1
#define TIME_UTC 1
struct tm {
    int tm_sec, tm_min, tm_hour, tm_mday, tm_mon, tm_year, tm_wday, tm_yday, tm_isdst;
    long tm_gmtoff;
    const char *tm_zone;
};
clock_t clock(void);
time_t time(time_t *t);
/* The builtin clock that serves `c` (0 real time, 1 monotonic, 2
   processor time), or -1. */
static int __pivm_clock_of(clockid_t c) {
    if (c == CLOCK_REALTIME || c == CLOCK_REALTIME_COARSE) return 0;
    if (c == CLOCK_MONOTONIC || c == CLOCK_MONOTONIC_RAW || c == CLOCK_MONOTONIC_COARSE
        || c == CLOCK_BOOTTIME) return 1;
    if (c == CLOCK_PROCESS_CPUTIME_ID || c == CLOCK_THREAD_CPUTIME_ID) return 2;
    return -1;
}
static int clock_gettime(clockid_t c, struct timespec *ts) {
    int k = __pivm_clock_of(c);
    if (k < 0) {
        errno = EINVAL;
        return -1;
    }
    long long ns = __pivm_clock_ns(k);
    ts->tv_sec = (time_t)(ns / 1000000000LL);
    ts->tv_nsec = (long)(ns % 1000000000LL);
    return 0;
}
static int clock_getres(clockid_t c, struct timespec *res) {
    if (__pivm_clock_of(c) < 0) {
        errno = EINVAL;
        return -1;
    }
    if (res) {
        res->tv_sec = 0;
        res->tv_nsec = 1;
    }
    return 0;
}
static int timespec_get(struct timespec *ts, int base) {
    if (base != TIME_UTC) return 0;
    clock_gettime(CLOCK_REALTIME, ts);
    return base;
}
/* Returns an error number, as POSIX says. */
static int clock_nanosleep(clockid_t c, int flags, const struct timespec *req, struct timespec *rem) {
    /* The clocks Linux sleeps on (not its CPU-time ones). */
    int k = c == CLOCK_REALTIME ? 0 : c == CLOCK_MONOTONIC || c == CLOCK_BOOTTIME ? 1 : -1;
    if (k < 0 || req->tv_sec < 0 || !__pivm_ts_valid(req)) return EINVAL;
    long long end = flags & TIMER_ABSTIME ? __pivm_deadline(k, req) : __pivm_after(__pivm_ts_ns(req));
    if (!__pivm_sleep_to(end)) return 0;
    if (rem && !(flags & TIMER_ABSTIME)) __pivm_left(end, rem);
    return EINTR;
}
static int nanosleep(const struct timespec *req, struct timespec *rem) {
    int r = req->tv_sec < 0 ? EINVAL : clock_nanosleep(CLOCK_MONOTONIC, 0, req, rem);
    if (r) {
        errno = r;
        return -1;
    }
    return 0;
}
int snprintf(char *s, size_t n, const char *fmt, ...);
static double difftime(time_t a, time_t b) { return (double)(a - b); }
static const char __pivm_wday[7][10] = {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};
static const char __pivm_mon[12][10] = {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"};
static long __pivm_days_from_civil(long y, long m, long d) {
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}
static int __pivm_leap(long y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
static struct tm *gmtime_r(const time_t *t, struct tm *r) {
    long s = *t, days = s / 86400, rem = s % 86400;
    if (rem < 0) { rem += 86400; days--; }
    r->tm_hour = (int)(rem / 3600);
    r->tm_min = (int)(rem / 60 % 60);
    r->tm_sec = (int)(rem % 60);
    r->tm_wday = (int)(((days + 4) % 7 + 7) % 7);
    long z = days + 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long y = yoe + era * 400;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    long d = doy - (153 * mp + 2) / 5 + 1;
    long m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    r->tm_year = (int)(y - 1900);
    r->tm_mon = (int)(m - 1);
    r->tm_mday = (int)d;
    r->tm_yday = (int)(days - __pivm_days_from_civil(y, 1, 1));
    r->tm_isdst = 0;
    r->tm_gmtoff = 0;
    r->tm_zone = "GMT";
    return r;
}
static struct tm *gmtime(const time_t *t) {
    static struct tm r;
    return gmtime_r(t, &r);
}
static struct tm *localtime_r(const time_t *t, struct tm *r) { return gmtime_r(t, r); }
static struct tm *localtime(const time_t *t) { return gmtime(t); }
static time_t timegm(struct tm *tm) {
    long mon = tm->tm_mon, y = tm->tm_year + 1900L + mon / 12;
    mon %= 12;
    if (mon < 0) { mon += 12; y--; }
    time_t t = (__pivm_days_from_civil(y, mon + 1, 1) + tm->tm_mday - 1) * 86400L
        + tm->tm_hour * 3600L + tm->tm_min * 60L + tm->tm_sec;
    gmtime_r(&t, tm);
    return t;
}
static time_t mktime(struct tm *tm) { return timegm(tm); }
static size_t strftime(char *s, size_t max, const char *f, const struct tm *tm) {
    size_t n = 0;
    char b[64];
    for (; *f; f++) {
        const char *p = b;
        if (*f != '%') { b[0] = *f; b[1] = 0; }
        else {
            f++;
            if (*f == 'E' || *f == 'O') f++;
            int h12 = tm->tm_hour % 12 == 0 ? 12 : tm->tm_hour % 12;
            long year = tm->tm_year + 1900L;
            switch (*f) {
            case 'a': snprintf(b, sizeof b, "%.3s", __pivm_wday[tm->tm_wday]); break;
            case 'A': p = __pivm_wday[tm->tm_wday]; break;
            case 'b': case 'h': snprintf(b, sizeof b, "%.3s", __pivm_mon[tm->tm_mon]); break;
            case 'B': p = __pivm_mon[tm->tm_mon]; break;
            case 'c': snprintf(b, sizeof b, "%.3s %.3s %2d %02d:%02d:%02d %ld", __pivm_wday[tm->tm_wday], __pivm_mon[tm->tm_mon], tm->tm_mday, tm->tm_hour, tm->tm_min, tm->tm_sec, year); break;
            case 'C': snprintf(b, sizeof b, "%02ld", year / 100); break;
            case 'd': snprintf(b, sizeof b, "%02d", tm->tm_mday); break;
            case 'D': case 'x': snprintf(b, sizeof b, "%02d/%02d/%02ld", tm->tm_mon + 1, tm->tm_mday, year % 100); break;
            case 'e': snprintf(b, sizeof b, "%2d", tm->tm_mday); break;
            case 'F': snprintf(b, sizeof b, "%ld-%02d-%02d", year, tm->tm_mon + 1, tm->tm_mday); break;
            case 'H': snprintf(b, sizeof b, "%02d", tm->tm_hour); break;
            case 'I': snprintf(b, sizeof b, "%02d", h12); break;
            case 'j': snprintf(b, sizeof b, "%03d", tm->tm_yday + 1); break;
            case 'm': snprintf(b, sizeof b, "%02d", tm->tm_mon + 1); break;
            case 'M': snprintf(b, sizeof b, "%02d", tm->tm_min); break;
            case 'n': p = "\n"; break;
            case 't': p = "\t"; break;
            case 'p': p = tm->tm_hour < 12 ? "AM" : "PM"; break;
            case 'r': snprintf(b, sizeof b, "%02d:%02d:%02d %s", h12, tm->tm_min, tm->tm_sec, tm->tm_hour < 12 ? "AM" : "PM"); break;
            case 'R': snprintf(b, sizeof b, "%02d:%02d", tm->tm_hour, tm->tm_min); break;
            case 's': snprintf(b, sizeof b, "%ld", timegm((struct tm *)tm)); break;
            case 'S': snprintf(b, sizeof b, "%02d", tm->tm_sec); break;
            case 'T': case 'X': snprintf(b, sizeof b, "%02d:%02d:%02d", tm->tm_hour, tm->tm_min, tm->tm_sec); break;
            case 'u': snprintf(b, sizeof b, "%d", tm->tm_wday == 0 ? 7 : tm->tm_wday); break;
            case 'U': snprintf(b, sizeof b, "%02d", (tm->tm_yday + 7 - tm->tm_wday) / 7); break;
            case 'W': snprintf(b, sizeof b, "%02d", (tm->tm_yday + 7 - (tm->tm_wday + 6) % 7) / 7); break;
            case 'w': snprintf(b, sizeof b, "%d", tm->tm_wday); break;
            case 'y': snprintf(b, sizeof b, "%02ld", year % 100); break;
            case 'Y': snprintf(b, sizeof b, "%ld", year); break;
            case 'z': p = "+0000"; break;
            case 'Z': p = "GMT"; break;
            case '%': p = "%"; break;
            case 0: f--; p = ""; break;
            default: snprintf(b, sizeof b, "%%%c", *f); break;
            }
        }
        for (; *p; p++) {
            if (n + 1 >= max) return 0;
            s[n++] = *p;
        }
    }
    if (n >= max) return 0;
    s[n] = 0;
    return n;
}
static char *asctime(const struct tm *tm) {
    static char b[64];
    snprintf(b, sizeof b, "%.3s %.3s%3d %02d:%02d:%02d %d\n", __pivm_wday[tm->tm_wday], __pivm_mon[tm->tm_mon], tm->tm_mday, tm->tm_hour, tm->tm_min, tm->tm_sec, 1900 + tm->tm_year);
    return b;
}
static char *ctime(const time_t *t) { return asctime(localtime(t)); }
#endif
"#;

/// errno is one program-wide int: the header's tentative definition is
/// the same declaration in every unit, so units share it. The VM finds it
/// by name (`Program::errno`) for the builtins that set it.
const ERRNO: &str = r#"#ifndef __PIVM_ERRNO_H
#define __PIVM_ERRNO_H
int errno;
#define EPERM 1
#define ENOENT 2
#define ESRCH 3
#define EINTR 4
#define EIO 5
#define ENXIO 6
#define E2BIG 7
#define ENOEXEC 8
#define EBADF 9
#define ECHILD 10
#define EAGAIN 11
#define EWOULDBLOCK EAGAIN
#define ENOMEM 12
#define EACCES 13
#define EFAULT 14
#define EBUSY 16
#define EEXIST 17
#define EXDEV 18
#define ENODEV 19
#define ENOTDIR 20
#define EISDIR 21
#define EINVAL 22
#define ENFILE 23
#define EMFILE 24
#define ENOTTY 25
#define EFBIG 27
#define ENOSPC 28
#define ESPIPE 29
#define EROFS 30
#define EMLINK 31
#define EPIPE 32
#define EDOM 33
#define ERANGE 34
#define EDEADLK 35
#define ENAMETOOLONG 36
#define ENOLCK 37
#define ENOSYS 38
#define ENOTEMPTY 39
#define ELOOP 40
#define EOVERFLOW 75
#define ETIMEDOUT 110
#define EILSEQ 84
#endif
"#;

const INTTYPES: &str = r#"#ifndef __PIVM_INTTYPES_H
#define __PIVM_INTTYPES_H
#include <stdint.h>
#define PRId8 "d"
#define PRId16 "d"
#define PRId32 "d"
#define PRId64 "ld"
#define PRIi8 "i"
#define PRIi16 "i"
#define PRIi32 "i"
#define PRIi64 "li"
#define PRIo8 "o"
#define PRIo16 "o"
#define PRIo32 "o"
#define PRIo64 "lo"
#define PRIu8 "u"
#define PRIu16 "u"
#define PRIu32 "u"
#define PRIu64 "lu"
#define PRIx8 "x"
#define PRIx16 "x"
#define PRIx32 "x"
#define PRIx64 "lx"
#define PRIX8 "X"
#define PRIX16 "X"
#define PRIX32 "X"
#define PRIX64 "lX"
#define PRIdLEAST8 "d"
#define PRIdLEAST16 "d"
#define PRIdLEAST32 "d"
#define PRIdLEAST64 "ld"
#define PRIuLEAST8 "u"
#define PRIuLEAST16 "u"
#define PRIuLEAST32 "u"
#define PRIuLEAST64 "lu"
#define PRIdFAST8 "d"
#define PRIdFAST16 "ld"
#define PRIdFAST32 "ld"
#define PRIdFAST64 "ld"
#define PRIuFAST8 "u"
#define PRIuFAST16 "lu"
#define PRIuFAST32 "lu"
#define PRIuFAST64 "lu"
#define PRIdMAX "ld"
#define PRIiMAX "li"
#define PRIoMAX "lo"
#define PRIuMAX "lu"
#define PRIxMAX "lx"
#define PRIXMAX "lX"
#define PRIdPTR "ld"
#define PRIiPTR "li"
#define PRIoPTR "lo"
#define PRIuPTR "lu"
#define PRIxPTR "lx"
#define PRIXPTR "lX"
#define SCNd8 "hhd"
#define SCNd16 "hd"
#define SCNd32 "d"
#define SCNd64 "ld"
#define SCNu8 "hhu"
#define SCNu16 "hu"
#define SCNu32 "u"
#define SCNu64 "lu"
#define SCNx32 "x"
#define SCNx64 "lx"
#define SCNdMAX "ld"
#define SCNuMAX "lu"
typedef struct { long quot; long rem; } imaxdiv_t;
long strtol(const char *s, char **end, int base);
unsigned long strtoul(const char *s, char **end, int base);
static intmax_t strtoimax(const char *s, char **end, int base) { return strtol(s, end, base); }
static uintmax_t strtoumax(const char *s, char **end, int base) { return strtoul(s, end, base); }
static intmax_t imaxabs(intmax_t x) { return x < 0 ? -x : x; }
static imaxdiv_t imaxdiv(intmax_t n, intmax_t d) { imaxdiv_t r; r.quot = n / d; r.rem = n % d; return r; }
#endif
"#;

/// Only the C locale: `setlocale` accepts "C", "POSIX" and "" (which,
/// with no environment, is "C") and refuses every other name.
const LOCALE: &str = r#"#ifndef __PIVM_LOCALE_H
#define __PIVM_LOCALE_H
#include <stddef.h>
#define LC_CTYPE 0
#define LC_NUMERIC 1
#define LC_TIME 2
#define LC_COLLATE 3
#define LC_MONETARY 4
#define LC_MESSAGES 5
#define LC_ALL 6
struct lconv {
    char *decimal_point, *thousands_sep, *grouping, *int_curr_symbol, *currency_symbol;
    char *mon_decimal_point, *mon_thousands_sep, *mon_grouping, *positive_sign, *negative_sign;
    char int_frac_digits, frac_digits, p_cs_precedes, p_sep_by_space, n_cs_precedes, n_sep_by_space, p_sign_posn, n_sign_posn;
    char int_p_cs_precedes, int_p_sep_by_space, int_n_cs_precedes, int_n_sep_by_space, int_p_sign_posn, int_n_sign_posn;
};
int strcmp(const char *a, const char *b);
static char *setlocale(int category, const char *locale) {
    if (category < 0 || category > LC_ALL) return NULL;
    if (!locale || !*locale || !strcmp(locale, "C") || !strcmp(locale, "POSIX")) return "C";
    return NULL;
}
static struct lconv *localeconv(void) {
    static struct lconv c = {".", "", "", "", "", "", "", "", "", "", 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127};
    return &c;
}
#endif
"#;

/// signal and raise for one program: handlers live in a program-wide table
/// in VM memory and `raise` calls them at once (there are no asynchronous
/// signals). A signal whose action is the default ends the program like
/// `abort` for SIGABRT and with exit status 128 + the signal otherwise.
/// setjmp and longjmp are runtime functions (`pivm_ir::jmp`): a `jmp_buf`
/// is VM memory that holds no host address (the target frame's depth,
/// function, serial and stack base, and which setjmp call set it), so a
/// snapshot between setjmp and longjmp resumes anywhere. The POSIX
/// variants are the same (no signal mask to save: `signal.h` handlers run
/// only when raised).
const SETJMP: &str = r#"#ifndef __PIVM_SETJMP_H
#define __PIVM_SETJMP_H
typedef struct __pivm_jmp_buf_tag { long long __pivm_words[4]; } jmp_buf[1];
typedef jmp_buf sigjmp_buf;
int setjmp(jmp_buf env);
void longjmp(jmp_buf env, int val);
#define _setjmp(env) setjmp(env)
#define _longjmp(env, val) longjmp(env, val)
#define sigsetjmp(env, savemask) setjmp(env)
#define siglongjmp(env, val) longjmp(env, val)
#endif
"#;

/// signal.h: POSIX signals within a process, as C over program-wide state
/// in VM memory (dispositions, the blocked mask, the pending set), so both
/// engines run the same code and a snapshot holds it all. Delivery follows
/// Linux (`__pivm_sig_run_pending`), which the VM also calls at a
/// safepoint when another process has set a bit of `__pivm_sig_pending`
/// (`vm::proc::post_signal`; both names are what the VM looks for).
const SIGNAL: &str = r#"#ifndef __PIVM_SIGNAL_H
#define __PIVM_SIGNAL_H
#include <stddef.h>
#include <errno.h>
#include <sys/types.h>
typedef int sig_atomic_t;
typedef void (*__pivm_sighandler_t)(int);
typedef __pivm_sighandler_t sighandler_t;
typedef __pivm_sighandler_t sig_t;
#define SIG_DFL ((__pivm_sighandler_t)0)
#define SIG_IGN ((__pivm_sighandler_t)1)
#define SIG_ERR ((__pivm_sighandler_t)-1)
#define SIGHUP 1
#define SIGINT 2
#define SIGQUIT 3
#define SIGILL 4
#define SIGTRAP 5
#define SIGABRT 6
#define SIGIOT 6
#define SIGBUS 7
#define SIGFPE 8
#define SIGKILL 9
#define SIGUSR1 10
#define SIGSEGV 11
#define SIGUSR2 12
#define SIGPIPE 13
#define SIGALRM 14
#define SIGTERM 15
#define SIGSTKFLT 16
#define SIGCHLD 17
#define SIGCONT 18
#define SIGSTOP 19
#define SIGTSTP 20
#define SIGTTIN 21
#define SIGTTOU 22
#define SIGURG 23
#define SIGXCPU 24
#define SIGXFSZ 25
#define SIGVTALRM 26
#define SIGPROF 27
#define SIGWINCH 28
#define SIGIO 29
#define SIGPOLL 29
#define SIGPWR 30
#define SIGSYS 31
#define SIGRTMIN 34
#define SIGRTMAX 64
#define NSIG 65
#define _NSIG 65
#define SA_NOCLDSTOP 1
#define SA_NOCLDWAIT 2
#define SA_SIGINFO 4
#define SA_ONSTACK 0x08000000
#define SA_RESTART 0x10000000
#define SA_NODEFER 0x40000000
#define SA_RESETHAND ((int)0x80000000u)
#define SA_NOMASK SA_NODEFER
#define SA_ONESHOT SA_RESETHAND
#define SIG_BLOCK 0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2
/* glibc's layouts: 1024 signals in a set (pivm keeps 1..64 in the first
   word), a 128-byte siginfo_t. */
typedef struct { unsigned long __val[16]; } sigset_t;
typedef struct {
    int si_signo, si_errno, si_code, __pad0;
    int si_pid;
    unsigned si_uid;
    int si_status, __pad[25];
} siginfo_t;
struct sigaction {
    union {
        __pivm_sighandler_t sa_handler;
        void (*sa_sigaction)(int, siginfo_t *, void *);
    } __sigaction_handler;
    sigset_t sa_mask;
    int sa_flags;
    void (*sa_restorer)(void);
};
#define sa_handler __sigaction_handler.sa_handler
#define sa_sigaction __sigaction_handler.sa_sigaction
/* Program-wide, in VM memory: the disposition of each signal (handler,
   sa_mask, sa_flags), the blocked mask and the pending set (bit sig-1).
   The VM sets bits of __pivm_sig_pending when another process sends a
   signal and then runs __pivm_sig_run_pending at a safepoint. As in
   Linux, what raise sends is pending apart (__pivm_sig_raised, the
   thread's own; pivm keeps one for all its threads) from what kill sends
   (the process's), one bit each: a signal can be pending in both. */
__pivm_sighandler_t __pivm_sig_handlers[65];
unsigned long long __pivm_sig_masks[65];
int __pivm_sig_flags[65];
unsigned long long __pivm_sig_mask;
unsigned long long __pivm_sig_pending;
unsigned long long __pivm_sig_raised;
/* Counts deliveries to handlers: what sigsuspend waits on (its threads
   counted in __pivm_sig_waiters). */
int __pivm_sig_delivered;
int __pivm_sig_waiters;
void (exit)(int status);
void abort(void);
pid_t getpid(void);
int __pivm_kill(int pid, int sig);
void __pivm_die(int sig);
int __pivm_futex_wait(int *addr, int expected);
int __pivm_futex_wake(int *addr, int count);
void __pivm_sig_interrupt(void);
#define __PIVM_SIG_BIT(sig) (1ULL << ((sig) - 1))
/* SIGKILL and SIGSTOP, which no mask blocks. */
#define __PIVM_SIG_UNBLOCKABLE (__PIVM_SIG_BIT(9) | __PIVM_SIG_BIT(19))
/* glibc's own signals (SIGCANCEL, SIGSETXID), which a program cannot add
   to a set, block or handle. */
#define __PIVM_SIG_INTERNAL (__PIVM_SIG_BIT(32) | __PIVM_SIG_BIT(33))
/* Dequeued before the others (Linux's SYNCHRONOUS_MASK). */
#define __PIVM_SIG_SYNCHRONOUS (__PIVM_SIG_BIT(4) | __PIVM_SIG_BIT(5) | __PIVM_SIG_BIT(7) \
    | __PIVM_SIG_BIT(8) | __PIVM_SIG_BIT(11) | __PIVM_SIG_BIT(31))
static int __pivm_sig_einval(void) {
    errno = EINVAL;
    return -1;
}
/* A signal's default action: ignore (SIGCHLD, SIGCONT, SIGURG, SIGWINCH,
   and the stop signals, which pivm does not stop on), abort for SIGABRT,
   else end the process as that signal would (exit status 128 + sig). */
static void __pivm_sig_default(int sig) {
    if (sig == SIGCHLD || sig == SIGCONT || sig == SIGURG || sig == SIGWINCH) return;
    if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU) return;
    if (sig == SIGABRT) abort();
    __pivm_die(sig);
}
/* Delivers every pending signal that is not blocked, as Linux does on its
   way back to user mode: the thread's own (raise) before the process's
   (kill, other processes), the synchronous ones (SIGILL, SIGTRAP, SIGBUS,
   SIGFPE, SIGSEGV, SIGSYS) first, then the lowest. Each taken signal's
   handler frame is set up (its mask blocked, SA_RESETHAND applied) and the
   next ones are delivered on top of it before it runs, so the last taken
   runs first. A handler's return restores the mask it was entered with
   and delivers what that unblocks. Safe to call at any point, also from
   the VM's handler thread: a signal is claimed by one straight-line read
   and write of its pending set (no call and no loop, hence no safepoint,
   between them), and a frame's mask saved and set likewise. */
static void __pivm_sig_run_pending(void) {
    for (;;) {
        unsigned long long *from = &__pivm_sig_raised;
        unsigned long long avail = __pivm_sig_raised & ~__pivm_sig_mask;
        if (!avail) {
            from = &__pivm_sig_pending;
            avail = __pivm_sig_pending & ~__pivm_sig_mask;
        }
        if (avail & __PIVM_SIG_SYNCHRONOUS) avail &= __PIVM_SIG_SYNCHRONOUS;
        unsigned long long bit = avail & (0 - avail);
        *from &= ~bit;
        if (!bit) return;
        int sig = 1;
        if (!(bit & 0xffffffffULL)) { sig += 32; bit >>= 32; }
        if (!(bit & 0xffffULL)) { sig += 16; bit >>= 16; }
        if (!(bit & 0xffULL)) { sig += 8; bit >>= 8; }
        if (!(bit & 0xfULL)) { sig += 4; bit >>= 4; }
        if (!(bit & 0x3ULL)) { sig += 2; bit >>= 2; }
        if (!(bit & 0x1ULL)) sig += 1;
        __pivm_sighandler_t h = __pivm_sig_handlers[sig];
        int flags = __pivm_sig_flags[sig];
        unsigned long long saved = __pivm_sig_mask;
        if (sig == SIGKILL || h == SIG_DFL) {
            __pivm_sig_default(sig);
            continue;
        }
        if (h == SIG_IGN) continue;
        __pivm_sig_mask = (saved | __pivm_sig_masks[sig]
            | (flags & SA_NODEFER ? 0 : __PIVM_SIG_BIT(sig))) & ~__PIVM_SIG_UNBLOCKABLE;
        if (flags & SA_RESETHAND) {
            __pivm_sig_handlers[sig] = SIG_DFL;
            __pivm_sig_flags[sig] &= ~SA_SIGINFO;
        }
        __pivm_sig_delivered++;
        /* A signal sent to the process interrupts the sleep of the thread
           that takes it (raise's is the caller's, which runs). */
        if (from == &__pivm_sig_pending) __pivm_sig_interrupt();
        __pivm_sig_run_pending();
        if (flags & SA_SIGINFO) {
            /* What pivm knows of the sender: raise (SI_TKILL) is the
               process itself; kill (SI_USER) does not say who sent it. */
            siginfo_t info = {0};
            info.si_signo = sig;
            info.si_code = from == &__pivm_sig_raised ? -6 : 0;
            info.si_pid = from == &__pivm_sig_raised ? getpid() : 0;
            ((void (*)(int, siginfo_t *, void *))h)(sig, &info, NULL);
        } else {
            h(sig);
        }
        __pivm_sig_mask = saved;
        if (__pivm_sig_waiters) __pivm_futex_wake(&__pivm_sig_delivered, 0x7fffffff);
    }
}
static int __pivm_sig_valid(int sig) {
    return sig >= 1 && sig < NSIG && !(__PIVM_SIG_INTERNAL & __PIVM_SIG_BIT(sig));
}
static int sigemptyset(sigset_t *s) {
    for (int i = 0; i < 16; i++) s->__val[i] = 0;
    return 0;
}
static int sigfillset(sigset_t *s) {
    for (int i = 0; i < 16; i++) s->__val[i] = ~0UL;
    s->__val[0] &= ~__PIVM_SIG_INTERNAL;
    return 0;
}
static int sigaddset(sigset_t *s, int sig) {
    if (!s || !__pivm_sig_valid(sig)) return __pivm_sig_einval();
    s->__val[0] |= __PIVM_SIG_BIT(sig);
    return 0;
}
static int sigdelset(sigset_t *s, int sig) {
    if (!s || !__pivm_sig_valid(sig)) return __pivm_sig_einval();
    s->__val[0] &= ~__PIVM_SIG_BIT(sig);
    return 0;
}
static int sigismember(const sigset_t *s, int sig) {
    if (!s || sig < 1 || sig >= NSIG) return __pivm_sig_einval();
    return (s->__val[0] & __PIVM_SIG_BIT(sig)) != 0;
}
static int sigisemptyset(const sigset_t *s) { return (s->__val[0] & ~__PIVM_SIG_INTERNAL) == 0; }
/* Makes sig pending in `set` and delivers what is not blocked (raise,
   kill to the calling process). */
static int __pivm_sig_post(unsigned long long *set, int sig) {
    if (sig < 0 || sig >= NSIG) return __pivm_sig_einval();
    if (sig == 0) return 0;
    /* A stop signal discards a pending SIGCONT, SIGCONT pending stops. */
    unsigned long long stops = __PIVM_SIG_BIT(19) | __PIVM_SIG_BIT(20) | __PIVM_SIG_BIT(21)
        | __PIVM_SIG_BIT(22);
    unsigned long long drop = sig == SIGCONT ? stops
        : __PIVM_SIG_BIT(sig) & stops ? __PIVM_SIG_BIT(SIGCONT) : 0;
    __pivm_sig_pending &= ~drop;
    __pivm_sig_raised &= ~drop;
    *set |= __PIVM_SIG_BIT(sig);
    __pivm_sig_run_pending();
    return 0;
}
static int raise(int sig) { return __pivm_sig_post(&__pivm_sig_raised, sig); }
/* kill(0) and kill(-1) reach the calling process only (not the others of
   its group, as Linux's would). */
static int kill(pid_t pid, int sig) {
    if (pid == 0 || pid == -1 || pid == getpid()) return __pivm_sig_post(&__pivm_sig_pending, sig);
    int r = __pivm_kill(pid, sig);
    if (r < 0) {
        errno = -r;
        return -1;
    }
    return 0;
}
static int sigaction(int sig, const struct sigaction *act, struct sigaction *old) {
    if (!__pivm_sig_valid(sig) || (act && (sig == SIGKILL || sig == SIGSTOP)))
        return __pivm_sig_einval();
    __pivm_sighandler_t h = __pivm_sig_handlers[sig];
    unsigned long long m = __pivm_sig_masks[sig];
    int f = __pivm_sig_flags[sig];
    if (act) {
        __pivm_sig_handlers[sig] = act->sa_handler;
        __pivm_sig_masks[sig] = act->sa_mask.__val[0] & ~__PIVM_SIG_UNBLOCKABLE;
        /* glibc passes its restorer to the kernel: a later query sees it. */
        __pivm_sig_flags[sig] = act->sa_flags | 0x04000000;
        /* A pending signal now ignored is discarded (POSIX). */
        if (act->sa_handler == SIG_IGN || (act->sa_handler == SIG_DFL
                && (sig == SIGCHLD || sig == SIGCONT || sig == SIGURG || sig == SIGWINCH)))
        {
            __pivm_sig_pending &= ~__PIVM_SIG_BIT(sig);
            __pivm_sig_raised &= ~__PIVM_SIG_BIT(sig);
        }
    }
    if (old) {
        old->sa_handler = h;
        sigemptyset(&old->sa_mask);
        old->sa_mask.__val[0] = m;
        old->sa_flags = f;
        old->sa_restorer = NULL;
    }
    __pivm_sig_run_pending();
    return 0;
}
/* glibc's signal: BSD semantics, the handler stays installed and its
   signal is blocked while it runs. */
static __pivm_sighandler_t signal(int sig, __pivm_sighandler_t h) {
    struct sigaction act, old;
    act.sa_handler = h;
    sigemptyset(&act.sa_mask);
    if (__pivm_sig_valid(sig)) act.sa_mask.__val[0] = __PIVM_SIG_BIT(sig);
    act.sa_flags = SA_RESTART;
    if (sigaction(sig, &act, &old) < 0) return SIG_ERR;
    return old.sa_handler;
}
static int sigprocmask(int how, const sigset_t *set, sigset_t *old) {
    unsigned long long m = __pivm_sig_mask;
    if (set) {
        unsigned long long s = set->__val[0] & ~(__PIVM_SIG_UNBLOCKABLE | __PIVM_SIG_INTERNAL);
        if (how == SIG_BLOCK) __pivm_sig_mask |= s;
        else if (how == SIG_UNBLOCK) __pivm_sig_mask &= ~s;
        else if (how == SIG_SETMASK) __pivm_sig_mask = s;
        else return __pivm_sig_einval();
    }
    if (old) {
        sigemptyset(old);
        old->__val[0] = m;
    }
    __pivm_sig_run_pending();
    return 0;
}
/* pivm's threads share one mask (they run one at a time). */
static int pthread_sigmask(int how, const sigset_t *set, sigset_t *old) {
    int e = errno;
    if (sigprocmask(how, set, old) < 0) {
        int r = errno;
        errno = e;
        return r;
    }
    return 0;
}
static int sigpending(sigset_t *s) {
    sigemptyset(s);
    s->__val[0] = __pivm_sig_pending | __pivm_sig_raised;
    return 0;
}
/* Waits, with `mask` blocked, until a signal is delivered: one already
   pending at once, else one another process sends (with nothing that can
   send one, pivm traps on the deadlock where a native program hangs). */
static int sigsuspend(const sigset_t *mask) {
    unsigned long long saved = __pivm_sig_mask;
    int seen = __pivm_sig_delivered;
    __pivm_sig_mask = mask->__val[0] & ~(__PIVM_SIG_UNBLOCKABLE | __PIVM_SIG_INTERNAL);
    __pivm_sig_run_pending();
    __pivm_sig_waiters++;
    while (__pivm_sig_delivered == seen) __pivm_futex_wait(&__pivm_sig_delivered, seen);
    __pivm_sig_waiters--;
    __pivm_sig_mask = saved;
    __pivm_sig_run_pending();
    errno = EINTR;
    return -1;
}
#include <__pivm_strsignal.h>
struct __pivm_FILE;
int fputs(const char *s, struct __pivm_FILE *stream);
/* "S: description" on stderr, as glibc words it. */
static void psignal(int sig, const char *s) {
    struct __pivm_FILE *err = (struct __pivm_FILE *)3;
    if (s && *s) {
        fputs(s, err);
        fputs(": ", err);
    }
    fputs(strsignal(sig), err);
    fputs("\n", err);
}
#endif
"#;

/// strsignal (glibc's texts), shared by string.h and signal.h; not in
/// `NAMES`.
const STRSIGNAL: &str = r#"#ifndef __PIVM_STRSIGNAL_H
#define __PIVM_STRSIGNAL_H
#include <stddef.h>
int snprintf(char *s, size_t n, const char *fmt, ...);
static char *strsignal(int sig) {
    static const char *const names[32] = {
        "Unknown signal 0", "Hangup", "Interrupt", "Quit", "Illegal instruction",
        "Trace/breakpoint trap", "Aborted", "Bus error", "Floating point exception",
        "Killed", "User defined signal 1", "Segmentation fault", "User defined signal 2",
        "Broken pipe", "Alarm clock", "Terminated", "Stack fault", "Child exited",
        "Continued", "Stopped (signal)", "Stopped", "Stopped (tty input)",
        "Stopped (tty output)", "Urgent I/O condition", "CPU time limit exceeded",
        "File size limit exceeded", "Virtual timer expired", "Profiling timer expired",
        "Window changed", "I/O possible", "Power failure", "Bad system call"};
    static char buf[32];
    if (sig >= 1 && sig < 32) return (char *)names[sig];
    if (sig >= 34 && sig <= 64) snprintf(buf, sizeof buf, "Real-time signal %d", sig - 34);
    else snprintf(buf, sizeof buf, "Unknown signal %d", sig);
    return buf;
}
#endif
"#;

/// sys/types.h: the POSIX types pivm's headers use.
/// What time.h, unistd.h, sys/time.h and the timed waits share (not in
/// `NAMES`): `struct timespec` and the time builtins (`vm::timer`). Every
/// deadline is on the monotonic clock, in nanoseconds.
const TIME_BASE: &str = r#"#ifndef __PIVM_TIME_BASE_H
#define __PIVM_TIME_BASE_H
typedef long time_t;
struct timespec { time_t tv_sec; long tv_nsec; };
long long __pivm_clock_ns(int clock);
int __pivm_sleep_until(long long deadline);
int __pivm_futex_wait_until(int *addr, int expected, long long deadline);
int __pivm_alarm(long long value, long long interval, long long *old);
#define __PIVM_NS_MAX 0x7fffffffffffffffLL
static int __pivm_ts_valid(const struct timespec *t) {
    return t->tv_nsec >= 0 && t->tv_nsec < 1000000000L;
}
/* A time as nanoseconds: 0 if negative, the longest if too long. */
static long long __pivm_ts_ns(const struct timespec *t) {
    if (t->tv_sec < 0) return 0;
    if (t->tv_sec >= 9223372035L) return __PIVM_NS_MAX;
    return t->tv_sec * 1000000000LL + t->tv_nsec;
}
/* The deadline `ns` from now. */
static long long __pivm_after(long long ns) {
    long long now = __pivm_clock_ns(1);
    if (ns < 0) ns = 0;
    return ns > __PIVM_NS_MAX - now ? __PIVM_NS_MAX : now + ns;
}
/* The deadline of absolute time `t` on clock `clock` (0 real time, 1
   monotonic). */
static long long __pivm_deadline(int clock, const struct timespec *t) {
    long long at = __pivm_ts_ns(t);
    if (clock == 1) return at;
    return __pivm_after(at - __pivm_clock_ns(0));
}
/* Sleeps until `end`: 0 once it has passed, 1 if a signal handler
   interrupted the sleep. */
static int __pivm_sleep_to(long long end) {
    int r = __pivm_sleep_until(end);
    while (r == -4096) r = __pivm_sleep_until(end);
    return r;
}
/* The time left until `end`. */
static void __pivm_left(long long end, struct timespec *rem) {
    long long l = end - __pivm_clock_ns(1);
    if (l < 0) l = 0;
    rem->tv_sec = (time_t)(l / 1000000000LL);
    rem->tv_nsec = (long)(l % 1000000000LL);
}
#endif
"#;

/// sys/time.h: `struct timeval`, gettimeofday, and the real-time interval
/// timer (setitimer, getitimer: ITIMER_REAL only, the process's SIGALRM
/// timer that `alarm` also sets).
const SYS_TIME: &str = r#"#ifndef __PIVM_SYS_TIME_H
#define __PIVM_SYS_TIME_H
#include <errno.h>
#include <sys/types.h>
#include <__pivm_time.h>
struct timeval { time_t tv_sec; suseconds_t tv_usec; };
struct timezone { int tz_minuteswest, tz_dsttime; };
struct itimerval { struct timeval it_interval, it_value; };
#define ITIMER_REAL 0
#define ITIMER_VIRTUAL 1
#define ITIMER_PROF 2
#define timerisset(t) ((t)->tv_sec || (t)->tv_usec)
#define timerclear(t) ((t)->tv_sec = (t)->tv_usec = 0)
#define timercmp(a, b, CMP) (((a)->tv_sec == (b)->tv_sec) \
    ? ((a)->tv_usec CMP (b)->tv_usec) : ((a)->tv_sec CMP (b)->tv_sec))
#define timeradd(a, b, r) do { (r)->tv_sec = (a)->tv_sec + (b)->tv_sec; \
    (r)->tv_usec = (a)->tv_usec + (b)->tv_usec; \
    if ((r)->tv_usec >= 1000000) { (r)->tv_sec++; (r)->tv_usec -= 1000000; } } while (0)
#define timersub(a, b, r) do { (r)->tv_sec = (a)->tv_sec - (b)->tv_sec; \
    (r)->tv_usec = (a)->tv_usec - (b)->tv_usec; \
    if ((r)->tv_usec < 0) { (r)->tv_sec--; (r)->tv_usec += 1000000; } } while (0)
static int gettimeofday(struct timeval *tv, void *tz) {
    long long ns = __pivm_clock_ns(0);
    if (tv) {
        tv->tv_sec = (time_t)(ns / 1000000000LL);
        tv->tv_usec = (suseconds_t)(ns % 1000000000LL / 1000);
    }
    if (tz) {
        ((struct timezone *)tz)->tz_minuteswest = 0;
        ((struct timezone *)tz)->tz_dsttime = 0;
    }
    return 0;
}
static long long __pivm_tv_ns(const struct timeval *t) {
    if (t->tv_sec >= 9223372035L) return __PIVM_NS_MAX;
    return t->tv_sec * 1000000000LL + t->tv_usec * 1000LL;
}
static void __pivm_ns_tv(long long ns, struct timeval *t) {
    /* As Linux reports a timer: rounded up to the microsecond. */
    ns = ns + 999;
    t->tv_sec = (time_t)(ns / 1000000000LL);
    t->tv_usec = (suseconds_t)(ns % 1000000000LL / 1000);
}
static int setitimer(int which, const struct itimerval *v, struct itimerval *old) {
    if (which != ITIMER_REAL) {
        errno = EINVAL;
        return -1;
    }
    long long was[2];
    if (v) {
        const struct timeval *a = &v->it_value, *b = &v->it_interval;
        if (a->tv_sec < 0 || a->tv_usec < 0 || a->tv_usec >= 1000000 || b->tv_sec < 0
            || b->tv_usec < 0 || b->tv_usec >= 1000000) {
            errno = EINVAL;
            return -1;
        }
        __pivm_alarm(__pivm_tv_ns(a), __pivm_tv_ns(b), was);
    } else {
        __pivm_alarm(-1, 0, was);
    }
    if (old) {
        __pivm_ns_tv(was[0], &old->it_value);
        __pivm_ns_tv(was[1], &old->it_interval);
    }
    return 0;
}
static int getitimer(int which, struct itimerval *cur) { return setitimer(which, 0, cur); }
#endif
"#;

const SYS_TYPES: &str = r#"#ifndef __PIVM_SYS_TYPES_H
#define __PIVM_SYS_TYPES_H
#include <stddef.h>
typedef int pid_t;
typedef long ssize_t;
typedef long off_t;
typedef unsigned int uid_t;
typedef unsigned int gid_t;
typedef unsigned int mode_t;
typedef unsigned int useconds_t;
typedef long suseconds_t;
#endif
"#;

/// unistd.h: processes and descriptors over the VM's process builtins
/// (`vm::proc`): fork, getpid, getppid, pipe, read, write, close, _exit,
/// the sleeps (sleep, usleep, pause: a signal handler interrupts them)
/// and alarm (`__pivm_time.h`). A call that would block returns -4096 with the
/// caller blocked: it is called again in a loop whose back edge is the
/// safepoint where the caller switches out.
const UNISTD: &str = r#"#ifndef __PIVM_UNISTD_H
#define __PIVM_UNISTD_H
#include <stddef.h>
#include <errno.h>
#include <sys/types.h>
#include <sched.h>
#include <__pivm_time.h>
#include <__pivm_getopt.h>
#define STDIN_FILENO 0
#define STDOUT_FILENO 1
#define STDERR_FILENO 2
#define __PIVM_BLOCKED (-4096)
pid_t getpid(void);
pid_t getppid(void);
int __pivm_fork(void);
int __pivm_fork_result(void);
int __pivm_pipe(int *fds);
long __pivm_read(int fd, void *buf, size_t n);
long __pivm_write(int fd, const void *buf, size_t n);
int __pivm_close(int fd);
void (exit)(int status);
static pid_t fork(void) {
    int r = __pivm_fork();
    if (r < 0) {
        errno = -r;
        return -1;
    }
    r = __pivm_fork_result();
    while (r == __PIVM_BLOCKED) r = __pivm_fork_result();
    if (r < 0) {
        errno = -r;
        return -1;
    }
    return r;
}
static int pipe(int fds[2]) {
    int r = __pivm_pipe(fds);
    if (r < 0) {
        errno = -r;
        return -1;
    }
    return 0;
}
static ssize_t read(int fd, void *buf, size_t n) {
    long r = __pivm_read(fd, buf, n);
    while (r == __PIVM_BLOCKED) r = __pivm_read(fd, buf, n);
    if (r < 0) {
        errno = (int)-r;
        return -1;
    }
    return r;
}
static ssize_t write(int fd, const void *buf, size_t n) {
    long r = __pivm_write(fd, buf, n);
    while (r == __PIVM_BLOCKED) r = __pivm_write(fd, buf, n);
    if (r < 0) {
        errno = (int)-r;
        return -1;
    }
    return r;
}
static int close(int fd) {
    int r = __pivm_close(fd);
    if (r < 0) {
        errno = -r;
        return -1;
    }
    return 0;
}
static void _exit(int status) { (exit)(status); }
/* No descriptor is a terminal: a program's output does not depend on
   where the host sends it (ENOTTY, or EBADF for one not open). */
static int isatty(int fd) {
    errno = fd >= 0 && fd <= 2 ? 25 : 9;
    return 0;
}
/* The whole seconds left, as glibc's. */
static unsigned sleep(unsigned s) {
    long long end = __pivm_after(s * 1000000000LL);
    if (!__pivm_sleep_to(end)) return 0;
    struct timespec left;
    __pivm_left(end, &left);
    return (unsigned)left.tv_sec;
}
static int usleep(useconds_t us) {
    if (__pivm_sleep_to(__pivm_after(us * 1000LL))) {
        errno = EINTR;
        return -1;
    }
    return 0;
}
/* Waits for a signal handler to run (with nothing that can send one,
   pivm traps on the deadlock where a native program hangs). */
static int pause(void) {
    __pivm_sleep_to(__PIVM_NS_MAX);
    errno = EINTR;
    return -1;
}
/* The seconds the previous alarm had left, rounded as glibc does. */
static unsigned alarm(unsigned s) {
    long long old[2];
    __pivm_alarm(s * 1000000000LL, 0, old);
    long long sec = old[0] / 1000000000LL, ns = old[0] % 1000000000LL;
    if (ns >= 500000000LL || (sec == 0 && ns > 0)) sec++;
    return (unsigned)sec;
}
static useconds_t ualarm(useconds_t value, useconds_t interval) {
    long long old[2];
    __pivm_alarm(value * 1000LL, interval * 1000LL, old);
    return (useconds_t)((old[0] + 999) / 1000);
}
/* sysconf: the same answers on every host, so that a program that sizes
   itself by them runs alike wherever it resumes. pivm runs a program's
   threads one at a time: one processor. glibc's names and numbers. */
#define _SC_ARG_MAX 0
#define _SC_CHILD_MAX 1
#define _SC_CLK_TCK 2
#define _SC_OPEN_MAX 4
#define _SC_PAGESIZE 30
#define _SC_PAGE_SIZE _SC_PAGESIZE
#define _SC_LINE_MAX 43
#define _SC_NPROCESSORS_CONF 83
#define _SC_NPROCESSORS_ONLN 84
static long sysconf(int name) {
    switch (name) {
    case _SC_ARG_MAX: return 2097152;
    case _SC_CHILD_MAX: return 256;
    case _SC_CLK_TCK: return 100;
    case _SC_OPEN_MAX: return 1024;
    case _SC_PAGESIZE: return 4096;
    case _SC_LINE_MAX: return 2048;
    case _SC_NPROCESSORS_CONF:
    case _SC_NPROCESSORS_ONLN: return 1;
    }
    errno = EINVAL;
    return -1;
}
static int getpagesize(void) { return 4096; }
/* The exec family fails with ENOSYS: a VM process cannot become a host
   program (pivm reaches no host file it was not given), and running
   another pivm program in its place is not built. The usual
   `execvp(...); perror(...); _exit(127);` then does what it says. */
static int execv(const char *path, char *const argv[]) {
    errno = ENOSYS;
    return -1;
}
static int execvp(const char *file, char *const argv[]) { return execv(file, argv); }
static int execve(const char *path, char *const argv[], char *const envp[]) {
    return execv(path, argv);
}
static int execvpe(const char *file, char *const argv[], char *const envp[]) {
    return execv(file, argv);
}
static int execl(const char *path, const char *arg, ...) { return execv(path, 0); }
static int execlp(const char *file, const char *arg, ...) { return execv(file, 0); }
static int execle(const char *path, const char *arg, ...) { return execv(path, 0); }
#endif
"#;

/// sys/wait.h: wait and waitpid over `__pivm_waitpid`, glibc's status
/// macros.
const SYS_WAIT: &str = r#"#ifndef __PIVM_SYS_WAIT_H
#define __PIVM_SYS_WAIT_H
#include <errno.h>
#include <sys/types.h>
#define WNOHANG 1
#define WUNTRACED 2
#define WEXITSTATUS(s) (((s) & 0xff00) >> 8)
#define WTERMSIG(s) ((s) & 0x7f)
#define WIFEXITED(s) (WTERMSIG(s) == 0)
#define WIFSIGNALED(s) (((signed char)(((s) & 0x7f) + 1) >> 1) > 0)
#define WIFSTOPPED(s) (((s) & 0xff) == 0x7f)
#define WCOREDUMP(s) ((s) & 0x80)
int __pivm_waitpid(pid_t pid, int *status, int options);
static pid_t waitpid(pid_t pid, int *status, int options) {
    int r = __pivm_waitpid(pid, status, options);
    while (r == -4096) r = __pivm_waitpid(pid, status, options);
    if (r < 0) {
        errno = -r;
        return -1;
    }
    return r;
}
static pid_t wait(int *status) { return waitpid(-1, status, 0); }
#endif
"#;

/// sched.h: `sched_yield` (a builtin: the other threads run from the
/// caller's next safepoint).
const SCHED: &str = r#"#ifndef __PIVM_SCHED_H
#define __PIVM_SCHED_H
int sched_yield(void);
#endif
"#;

/// pthread.h: POSIX threads over the VM's thread builtins (`vm::sched`:
/// threads run one at a time and switch only at safepoints, so code with
/// no loop and no call between a test and a store is atomic). Every wait
/// is a loop around `__pivm_futex_wait`, whose back edge is the safepoint
/// where the waiting thread switches out.
const PTHREAD: &str = r#"#ifndef __PIVM_PTHREAD_H
#define __PIVM_PTHREAD_H
#include <stddef.h>
#include <sched.h>
#include <__pivm_time.h>
typedef unsigned long pthread_t;
typedef struct { int __detach; size_t __stacksize; } pthread_attr_t;
typedef struct { int __lock; int __kind; unsigned long __owner; int __count; } pthread_mutex_t;
typedef struct { int __kind; } pthread_mutexattr_t;
typedef struct { int __seq; } pthread_cond_t;
typedef struct { int __unused; } pthread_condattr_t;
typedef int pthread_once_t;
typedef unsigned int pthread_key_t;
#define PTHREAD_MUTEX_INITIALIZER { 0, 0, 0, 0 }
#define PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP { 0, 1, 0, 0 }
#define PTHREAD_COND_INITIALIZER { 0 }
#define PTHREAD_ONCE_INIT 0
#define PTHREAD_CREATE_JOINABLE 0
#define PTHREAD_CREATE_DETACHED 1
#define PTHREAD_MUTEX_NORMAL 0
#define PTHREAD_MUTEX_RECURSIVE 1
#define PTHREAD_MUTEX_ERRORCHECK 2
#define PTHREAD_MUTEX_DEFAULT 0
#define PTHREAD_KEYS_MAX 128
#define PTHREAD_STACK_MIN 16384
#define PTHREAD_DESTRUCTOR_ITERATIONS 4
long __pivm_thread_create(void (*tramp)(void *, void *), void *start, void *arg, long stack);
void __pivm_thread_exit(void *value);
long __pivm_thread_self(void);
int __pivm_thread_join(long t, void **value);
int __pivm_thread_detach(long t);
void *__pivm_thread_tls(void);
int __pivm_futex_wait(int *addr, int expected);
int __pivm_futex_wake(int *addr, int count);
/* Program-wide: the keys in use and their destructors. */
int __pivm_tsd_used[128];
void (*__pivm_tsd_dtor[128])(void *);
int __pivm_tsd_keys;
static pthread_t pthread_self(void) { return (pthread_t)__pivm_thread_self(); }
static int pthread_equal(pthread_t a, pthread_t b) { return a == b; }
static void pthread_exit(void *value) {
    if (__pivm_tsd_keys) {
        void **tls = (void **)__pivm_thread_tls();
        int round = 0;
        while (round < PTHREAD_DESTRUCTOR_ITERATIONS) {
            int any = 0;
            int i = 0;
            while (i < PTHREAD_KEYS_MAX) {
                if (__pivm_tsd_used[i] && tls[i] && __pivm_tsd_dtor[i]) {
                    void *v = tls[i];
                    tls[i] = 0;
                    __pivm_tsd_dtor[i](v);
                    any = 1;
                }
                i++;
            }
            if (!any) break;
            round++;
        }
    }
    __pivm_thread_exit(value);
}
static void __pivm_thread_start(void *start, void *arg) {
    void *(*f)(void *) = (void *(*)(void *))start;
    pthread_exit(f(arg));
}
static int pthread_attr_init(pthread_attr_t *a) { a->__detach = 0; a->__stacksize = 0; return 0; }
static int pthread_attr_destroy(pthread_attr_t *a) { (void)a; return 0; }
static int pthread_attr_setdetachstate(pthread_attr_t *a, int s) {
    if (s != PTHREAD_CREATE_JOINABLE && s != PTHREAD_CREATE_DETACHED) return 22;
    a->__detach = s;
    return 0;
}
static int pthread_attr_getdetachstate(const pthread_attr_t *a, int *s) { *s = a->__detach; return 0; }
static int pthread_attr_setstacksize(pthread_attr_t *a, size_t n) {
    if (n < PTHREAD_STACK_MIN) return 22;
    a->__stacksize = n;
    return 0;
}
static int pthread_attr_getstacksize(const pthread_attr_t *a, size_t *n) {
    *n = a->__stacksize ? a->__stacksize : (size_t)1 << 20;
    return 0;
}
static int pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*start)(void *), void *arg) {
    long id = __pivm_thread_create(__pivm_thread_start, (void *)start, arg,
                                   attr ? (long)attr->__stacksize : 0);
    if (id < 0) return (int)-id;
    *t = (pthread_t)id;
    if (attr && attr->__detach) __pivm_thread_detach(id);
    return 0;
}
static int pthread_join(pthread_t t, void **value) {
    int r = __pivm_thread_join((long)t, value);
    while (r == 11) r = __pivm_thread_join((long)t, value);
    return r;
}
static int pthread_detach(pthread_t t) { return __pivm_thread_detach((long)t); }
static int pthread_mutexattr_init(pthread_mutexattr_t *a) { a->__kind = 0; return 0; }
static int pthread_mutexattr_destroy(pthread_mutexattr_t *a) { (void)a; return 0; }
static int pthread_mutexattr_settype(pthread_mutexattr_t *a, int k) {
    if (k < 0 || k > 2) return 22;
    a->__kind = k;
    return 0;
}
static int pthread_mutexattr_gettype(const pthread_mutexattr_t *a, int *k) { *k = a->__kind; return 0; }
static int pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *a) {
    m->__lock = 0;
    m->__kind = a ? a->__kind : 0;
    m->__owner = 0;
    m->__count = 0;
    return 0;
}
static int pthread_mutex_destroy(pthread_mutex_t *m) { return m->__lock ? 16 : 0; }
static int pthread_mutex_trylock(pthread_mutex_t *m) {
    unsigned long self = pthread_self();
    if (m->__lock) {
        if (m->__kind == PTHREAD_MUTEX_RECURSIVE && m->__owner == self) {
            m->__count++;
            return 0;
        }
        return 16;
    }
    m->__lock = 1;
    m->__owner = self;
    m->__count = 1;
    return 0;
}
static int pthread_mutex_lock(pthread_mutex_t *m) {
    unsigned long self = pthread_self();
    if (m->__lock && m->__owner == self) {
        if (m->__kind == PTHREAD_MUTEX_RECURSIVE) {
            m->__count++;
            return 0;
        }
        if (m->__kind == PTHREAD_MUTEX_ERRORCHECK) return 35;
    }
    /* No safepoint between the test that finds it free and taking it. */
    while (m->__lock) __pivm_futex_wait(&m->__lock, 1);
    m->__lock = 1;
    m->__owner = self;
    m->__count = 1;
    return 0;
}
static int pthread_mutex_unlock(pthread_mutex_t *m) {
    if (m->__kind != PTHREAD_MUTEX_NORMAL && (!m->__lock || m->__owner != pthread_self()))
        return 1;
    if (m->__kind == PTHREAD_MUTEX_RECURSIVE && --m->__count > 0) return 0;
    m->__lock = 0;
    m->__owner = 0;
    m->__count = 0;
    __pivm_futex_wake(&m->__lock, 1);
    return 0;
}
static int pthread_condattr_init(pthread_condattr_t *a) { (void)a; return 0; }
static int pthread_condattr_destroy(pthread_condattr_t *a) { (void)a; return 0; }
static int pthread_cond_init(pthread_cond_t *c, const pthread_condattr_t *a) {
    (void)a;
    c->__seq = 0;
    return 0;
}
static int pthread_cond_destroy(pthread_cond_t *c) { (void)c; return 0; }
static int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m) {
    int seq = c->__seq;
    int r = pthread_mutex_unlock(m);
    if (r) return r;
    while (c->__seq == seq) __pivm_futex_wait(&c->__seq, seq);
    return pthread_mutex_lock(m);
}
static int pthread_cond_signal(pthread_cond_t *c) {
    c->__seq++;
    __pivm_futex_wake(&c->__seq, 1);
    return 0;
}
static int pthread_cond_broadcast(pthread_cond_t *c) {
    c->__seq++;
    __pivm_futex_wake(&c->__seq, 0x7fffffff);
    return 0;
}
static int pthread_once(pthread_once_t *o, void (*init)(void)) {
    if (*o == 0) {
        *o = 1;
        init();
        *o = 2;
        __pivm_futex_wake(o, 0x7fffffff);
        return 0;
    }
    while (*o == 1) __pivm_futex_wait(o, 1);
    return 0;
}
pthread_mutex_t __pivm_tsd_lock;
static int pthread_key_create(pthread_key_t *k, void (*dtor)(void *)) {
    int i = 0;
    pthread_mutex_lock(&__pivm_tsd_lock);
    while (i < PTHREAD_KEYS_MAX && __pivm_tsd_used[i]) i++;
    if (i == PTHREAD_KEYS_MAX) {
        pthread_mutex_unlock(&__pivm_tsd_lock);
        return 11;
    }
    __pivm_tsd_used[i] = 1;
    __pivm_tsd_dtor[i] = dtor;
    __pivm_tsd_keys++;
    pthread_mutex_unlock(&__pivm_tsd_lock);
    *k = (pthread_key_t)i;
    return 0;
}
static int pthread_key_delete(pthread_key_t k) {
    if (k >= PTHREAD_KEYS_MAX || !__pivm_tsd_used[k]) return 22;
    __pivm_tsd_used[k] = 0;
    __pivm_tsd_dtor[k] = 0;
    __pivm_tsd_keys--;
    return 0;
}
static void *pthread_getspecific(pthread_key_t k) {
    if (k >= PTHREAD_KEYS_MAX) return 0;
    return ((void **)__pivm_thread_tls())[k];
}
static int pthread_setspecific(pthread_key_t k, const void *v) {
    if (k >= PTHREAD_KEYS_MAX || !__pivm_tsd_used[k]) return 22;
    ((void **)__pivm_thread_tls())[k] = (void *)v;
    return 0;
}
/* Read-write locks, barriers, spin locks: every wait is a loop around
   __pivm_futex_wait on a word that changes when the lock is released, the
   test that ends it and the taking of the lock with no safepoint between. */
#include <time.h>
#define PTHREAD_PROCESS_PRIVATE 0
#define PTHREAD_PROCESS_SHARED 1
typedef struct { int __readers; int __writer; int __seq; } pthread_rwlock_t;
typedef struct { int __unused; } pthread_rwlockattr_t;
#define PTHREAD_RWLOCK_INITIALIZER { 0, 0, 0 }
static int pthread_rwlockattr_init(pthread_rwlockattr_t *a) { (void)a; return 0; }
static int pthread_rwlockattr_destroy(pthread_rwlockattr_t *a) { (void)a; return 0; }
static int pthread_rwlock_init(pthread_rwlock_t *l, const pthread_rwlockattr_t *a) {
    (void)a;
    l->__readers = 0;
    l->__writer = 0;
    l->__seq = 0;
    return 0;
}
static int pthread_rwlock_destroy(pthread_rwlock_t *l) { return l->__readers || l->__writer ? 16 : 0; }
static int pthread_rwlock_rdlock(pthread_rwlock_t *l) {
    while (l->__writer) __pivm_futex_wait(&l->__seq, l->__seq);
    l->__readers++;
    return 0;
}
static int pthread_rwlock_tryrdlock(pthread_rwlock_t *l) {
    if (l->__writer) return 16;
    l->__readers++;
    return 0;
}
static int pthread_rwlock_wrlock(pthread_rwlock_t *l) {
    while (l->__writer || l->__readers) __pivm_futex_wait(&l->__seq, l->__seq);
    l->__writer = 1;
    return 0;
}
static int pthread_rwlock_trywrlock(pthread_rwlock_t *l) {
    if (l->__writer || l->__readers) return 16;
    l->__writer = 1;
    return 0;
}
static int pthread_rwlock_unlock(pthread_rwlock_t *l) {
    if (l->__writer) l->__writer = 0;
    else if (l->__readers) l->__readers--;
    else return 1;
    l->__seq++;
    __pivm_futex_wake(&l->__seq, 0x7fffffff);
    return 0;
}
typedef struct { unsigned __count; unsigned __waiting; int __phase; } pthread_barrier_t;
typedef struct { int __unused; } pthread_barrierattr_t;
#define PTHREAD_BARRIER_SERIAL_THREAD (-1)
static int pthread_barrierattr_init(pthread_barrierattr_t *a) { (void)a; return 0; }
static int pthread_barrierattr_destroy(pthread_barrierattr_t *a) { (void)a; return 0; }
static int pthread_barrier_init(pthread_barrier_t *b, const pthread_barrierattr_t *a, unsigned count) {
    (void)a;
    if (count == 0) return 22;
    b->__count = count;
    b->__waiting = 0;
    b->__phase = 0;
    return 0;
}
static int pthread_barrier_destroy(pthread_barrier_t *b) { return b->__waiting ? 16 : 0; }
/* The last thread to arrive opens the barrier and is the serial thread. */
static int pthread_barrier_wait(pthread_barrier_t *b) {
    int phase = b->__phase;
    if (++b->__waiting == b->__count) {
        b->__waiting = 0;
        b->__phase++;
        __pivm_futex_wake(&b->__phase, 0x7fffffff);
        return PTHREAD_BARRIER_SERIAL_THREAD;
    }
    while (b->__phase == phase) __pivm_futex_wait(&b->__phase, phase);
    return 0;
}
typedef int pthread_spinlock_t;
static int pthread_spin_init(pthread_spinlock_t *l, int pshared) { (void)pshared; *l = 0; return 0; }
static int pthread_spin_destroy(pthread_spinlock_t *l) { (void)l; return 0; }
static int pthread_spin_lock(pthread_spinlock_t *l) {
    while (*l) __pivm_futex_wait(l, 1);
    *l = 1;
    return 0;
}
static int pthread_spin_trylock(pthread_spinlock_t *l) {
    if (*l) return 16;
    *l = 1;
    return 0;
}
static int pthread_spin_unlock(pthread_spinlock_t *l) {
    *l = 0;
    __pivm_futex_wake(l, 1);
    return 0;
}
/* Timed waits: `t` is an absolute time on CLOCK_REALTIME (the default
   clock of a condition variable, and the only one of the others), turned
   into a deadline on the monotonic clock when the wait starts. Each
   returns ETIMEDOUT (110) once the deadline has passed. */
static int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *t) {
    if (!__pivm_ts_valid(t)) return 22;
    long long end = __pivm_deadline(0, t);
    int seq = c->__seq, timed = 0;
    int r = pthread_mutex_unlock(m);
    if (r) return r;
    while (c->__seq == seq && !timed) timed = __pivm_futex_wait_until(&c->__seq, seq, end) == 110;
    r = pthread_mutex_lock(m);
    return r ? r : timed ? 110 : 0;
}
static int pthread_mutex_timedlock(pthread_mutex_t *m, const struct timespec *t) {
    unsigned long self = pthread_self();
    if (m->__lock && m->__owner == self) {
        if (m->__kind == PTHREAD_MUTEX_RECURSIVE) {
            m->__count++;
            return 0;
        }
        if (m->__kind == PTHREAD_MUTEX_ERRORCHECK) return 35;
    }
    /* As glibc: the time is looked at only if the mutex is taken. */
    if (m->__lock && !__pivm_ts_valid(t)) return 22;
    long long end = m->__lock ? __pivm_deadline(0, t) : 0;
    while (m->__lock)
        if (__pivm_futex_wait_until(&m->__lock, 1, end) == 110) return 110;
    m->__lock = 1;
    m->__owner = self;
    m->__count = 1;
    return 0;
}
static int pthread_rwlock_timedrdlock(pthread_rwlock_t *l, const struct timespec *t) {
    if (l->__writer && !__pivm_ts_valid(t)) return 22;
    long long end = l->__writer ? __pivm_deadline(0, t) : 0;
    while (l->__writer)
        if (__pivm_futex_wait_until(&l->__seq, l->__seq, end) == 110) return 110;
    l->__readers++;
    return 0;
}
static int pthread_rwlock_timedwrlock(pthread_rwlock_t *l, const struct timespec *t) {
    int busy = l->__writer || l->__readers;
    if (busy && !__pivm_ts_valid(t)) return 22;
    long long end = busy ? __pivm_deadline(0, t) : 0;
    while (l->__writer || l->__readers)
        if (__pivm_futex_wait_until(&l->__seq, l->__seq, end) == 110) return 110;
    l->__writer = 1;
    return 0;
}
/* Guard pages: there are none to size (each thread's stack is VM memory). */
static int pthread_attr_setguardsize(pthread_attr_t *a, size_t n) { (void)a; (void)n; return 0; }
#endif
"#;

/// stdatomic.h: C11 atomics as macros over gcc's `__atomic_` builtins,
/// which pivm-cc lowers to plain loads and stores with no safepoint
/// between them (`parse/atomic.rs`); `_Atomic(T)` is T.
const STDATOMIC: &str = r#"#ifndef __PIVM_STDATOMIC_H
#define __PIVM_STDATOMIC_H
#include <stddef.h>
#include <stdint.h>
typedef enum {
    memory_order_relaxed = __ATOMIC_RELAXED,
    memory_order_consume = __ATOMIC_CONSUME,
    memory_order_acquire = __ATOMIC_ACQUIRE,
    memory_order_release = __ATOMIC_RELEASE,
    memory_order_acq_rel = __ATOMIC_ACQ_REL,
    memory_order_seq_cst = __ATOMIC_SEQ_CST
} memory_order;
typedef _Atomic(_Bool) atomic_bool;
typedef _Atomic(char) atomic_char;
typedef _Atomic(signed char) atomic_schar;
typedef _Atomic(unsigned char) atomic_uchar;
typedef _Atomic(short) atomic_short;
typedef _Atomic(unsigned short) atomic_ushort;
typedef _Atomic(int) atomic_int;
typedef _Atomic(unsigned int) atomic_uint;
typedef _Atomic(long) atomic_long;
typedef _Atomic(unsigned long) atomic_ulong;
typedef _Atomic(long long) atomic_llong;
typedef _Atomic(unsigned long long) atomic_ullong;
typedef _Atomic(unsigned short) atomic_char16_t;
typedef _Atomic(unsigned int) atomic_char32_t;
typedef _Atomic(int) atomic_wchar_t;
typedef _Atomic(int_least8_t) atomic_int_least8_t;
typedef _Atomic(uint_least8_t) atomic_uint_least8_t;
typedef _Atomic(int_least16_t) atomic_int_least16_t;
typedef _Atomic(uint_least16_t) atomic_uint_least16_t;
typedef _Atomic(int_least32_t) atomic_int_least32_t;
typedef _Atomic(uint_least32_t) atomic_uint_least32_t;
typedef _Atomic(int_least64_t) atomic_int_least64_t;
typedef _Atomic(uint_least64_t) atomic_uint_least64_t;
typedef _Atomic(int_fast8_t) atomic_int_fast8_t;
typedef _Atomic(uint_fast8_t) atomic_uint_fast8_t;
typedef _Atomic(int_fast16_t) atomic_int_fast16_t;
typedef _Atomic(uint_fast16_t) atomic_uint_fast16_t;
typedef _Atomic(int_fast32_t) atomic_int_fast32_t;
typedef _Atomic(uint_fast32_t) atomic_uint_fast32_t;
typedef _Atomic(int_fast64_t) atomic_int_fast64_t;
typedef _Atomic(uint_fast64_t) atomic_uint_fast64_t;
typedef _Atomic(intptr_t) atomic_intptr_t;
typedef _Atomic(uintptr_t) atomic_uintptr_t;
typedef _Atomic(size_t) atomic_size_t;
typedef _Atomic(ptrdiff_t) atomic_ptrdiff_t;
typedef _Atomic(intmax_t) atomic_intmax_t;
typedef _Atomic(uintmax_t) atomic_uintmax_t;
typedef struct { unsigned char __set; } atomic_flag;
#define ATOMIC_FLAG_INIT { 0 }
#define ATOMIC_VAR_INIT(v) (v)
#define ATOMIC_BOOL_LOCK_FREE 2
#define ATOMIC_CHAR_LOCK_FREE 2
#define ATOMIC_CHAR16_T_LOCK_FREE 2
#define ATOMIC_CHAR32_T_LOCK_FREE 2
#define ATOMIC_WCHAR_T_LOCK_FREE 2
#define ATOMIC_SHORT_LOCK_FREE 2
#define ATOMIC_INT_LOCK_FREE 2
#define ATOMIC_LONG_LOCK_FREE 2
#define ATOMIC_LLONG_LOCK_FREE 2
#define ATOMIC_POINTER_LOCK_FREE 2
#define kill_dependency(y) (y)
#define atomic_init(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define atomic_thread_fence(mo) __atomic_thread_fence(mo)
#define atomic_signal_fence(mo) __atomic_signal_fence(mo)
#define atomic_is_lock_free(p) __atomic_is_lock_free(sizeof *(p), (p))
#define atomic_store(p, v) __atomic_store_n((p), (v), __ATOMIC_SEQ_CST)
#define atomic_store_explicit(p, v, mo) __atomic_store_n((p), (v), (mo))
#define atomic_load(p) __atomic_load_n((p), __ATOMIC_SEQ_CST)
#define atomic_load_explicit(p, mo) __atomic_load_n((p), (mo))
#define atomic_exchange(p, v) __atomic_exchange_n((p), (v), __ATOMIC_SEQ_CST)
#define atomic_exchange_explicit(p, v, mo) __atomic_exchange_n((p), (v), (mo))
#define atomic_compare_exchange_strong(p, e, d) \
    __atomic_compare_exchange_n((p), (e), (d), 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)
#define atomic_compare_exchange_strong_explicit(p, e, d, s, f) \
    __atomic_compare_exchange_n((p), (e), (d), 0, (s), (f))
#define atomic_compare_exchange_weak(p, e, d) \
    __atomic_compare_exchange_n((p), (e), (d), 1, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)
#define atomic_compare_exchange_weak_explicit(p, e, d, s, f) \
    __atomic_compare_exchange_n((p), (e), (d), 1, (s), (f))
#define atomic_fetch_add(p, v) __atomic_fetch_add((p), (v), __ATOMIC_SEQ_CST)
#define atomic_fetch_add_explicit(p, v, mo) __atomic_fetch_add((p), (v), (mo))
#define atomic_fetch_sub(p, v) __atomic_fetch_sub((p), (v), __ATOMIC_SEQ_CST)
#define atomic_fetch_sub_explicit(p, v, mo) __atomic_fetch_sub((p), (v), (mo))
#define atomic_fetch_or(p, v) __atomic_fetch_or((p), (v), __ATOMIC_SEQ_CST)
#define atomic_fetch_or_explicit(p, v, mo) __atomic_fetch_or((p), (v), (mo))
#define atomic_fetch_xor(p, v) __atomic_fetch_xor((p), (v), __ATOMIC_SEQ_CST)
#define atomic_fetch_xor_explicit(p, v, mo) __atomic_fetch_xor((p), (v), (mo))
#define atomic_fetch_and(p, v) __atomic_fetch_and((p), (v), __ATOMIC_SEQ_CST)
#define atomic_fetch_and_explicit(p, v, mo) __atomic_fetch_and((p), (v), (mo))
#define atomic_flag_test_and_set(f) __atomic_test_and_set(&(f)->__set, __ATOMIC_SEQ_CST)
#define atomic_flag_test_and_set_explicit(f, mo) __atomic_test_and_set(&(f)->__set, (mo))
#define atomic_flag_clear(f) __atomic_clear(&(f)->__set, __ATOMIC_SEQ_CST)
#define atomic_flag_clear_explicit(f, mo) __atomic_clear(&(f)->__set, (mo))
#endif
"#;

/// threads.h: C11 threads over pthread.h, with glibc's values; timed
/// waits take TIME_UTC times (CLOCK_REALTIME).
const THREADS: &str = r#"#ifndef __PIVM_THREADS_H
#define __PIVM_THREADS_H
#include <pthread.h>
#include <time.h>
#define thread_local _Thread_local
#define ONCE_FLAG_INIT PTHREAD_ONCE_INIT
#define TSS_DTOR_ITERATIONS PTHREAD_DESTRUCTOR_ITERATIONS
typedef pthread_t thrd_t;
typedef int (*thrd_start_t)(void *);
typedef pthread_mutex_t mtx_t;
typedef pthread_cond_t cnd_t;
typedef pthread_once_t once_flag;
typedef pthread_key_t tss_t;
typedef void (*tss_dtor_t)(void *);
enum { thrd_success = 0, thrd_busy = 1, thrd_error = 2, thrd_nomem = 3, thrd_timedout = 4 };
enum { mtx_plain = 0, mtx_recursive = 1, mtx_timed = 2 };
static void __pivm_thrd_start(void *start, void *arg) {
    int (*f)(void *) = (int (*)(void *))start;
    pthread_exit((void *)(long)f(arg));
}
static int thrd_create(thrd_t *t, thrd_start_t f, void *arg) {
    long id = __pivm_thread_create(__pivm_thrd_start, (void *)f, arg, 0);
    if (id < 0) return id == -12 ? thrd_nomem : thrd_error;
    *t = (thrd_t)id;
    return thrd_success;
}
static int thrd_join(thrd_t t, int *res) {
    void *v;
    if (pthread_join(t, &v)) return thrd_error;
    if (res) *res = (int)(long)v;
    return thrd_success;
}
static int thrd_detach(thrd_t t) { return pthread_detach(t) ? thrd_error : thrd_success; }
static void thrd_exit(int res) { pthread_exit((void *)(long)res); }
static thrd_t thrd_current(void) { return pthread_self(); }
static int thrd_equal(thrd_t a, thrd_t b) { return a == b; }
static void thrd_yield(void) { sched_yield(); }
/* 0, -1 if a signal handler interrupted it, -2 for a bad duration. */
static int thrd_sleep(const struct timespec *d, struct timespec *rem) {
    if (d->tv_sec < 0 || !__pivm_ts_valid(d)) return -2;
    long long end = __pivm_after(__pivm_ts_ns(d));
    if (!__pivm_sleep_to(end)) return 0;
    if (rem) __pivm_left(end, rem);
    return -1;
}
static int mtx_init(mtx_t *m, int type) {
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    if (type & mtx_recursive) pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(m, &a);
    return thrd_success;
}
static int mtx_lock(mtx_t *m) { return pthread_mutex_lock(m) ? thrd_error : thrd_success; }
static int mtx_timedlock(mtx_t *m, const struct timespec *t) {
    int r = pthread_mutex_timedlock(m, t);
    return r == 0 ? thrd_success : r == 110 ? thrd_timedout : thrd_error;
}
static int mtx_trylock(mtx_t *m) {
    int r = pthread_mutex_trylock(m);
    return r == 0 ? thrd_success : r == 16 ? thrd_busy : thrd_error;
}
static int mtx_unlock(mtx_t *m) { return pthread_mutex_unlock(m) ? thrd_error : thrd_success; }
static void mtx_destroy(mtx_t *m) { pthread_mutex_destroy(m); }
static int cnd_init(cnd_t *c) { pthread_cond_init(c, 0); return thrd_success; }
static int cnd_signal(cnd_t *c) { pthread_cond_signal(c); return thrd_success; }
static int cnd_broadcast(cnd_t *c) { pthread_cond_broadcast(c); return thrd_success; }
static int cnd_wait(cnd_t *c, mtx_t *m) { return pthread_cond_wait(c, m) ? thrd_error : thrd_success; }
static int cnd_timedwait(cnd_t *c, mtx_t *m, const struct timespec *t) {
    int r = pthread_cond_timedwait(c, m, t);
    return r == 0 ? thrd_success : r == 110 ? thrd_timedout : thrd_error;
}
static void cnd_destroy(cnd_t *c) { pthread_cond_destroy(c); }
static void call_once(once_flag *f, void (*init)(void)) { pthread_once(f, init); }
static int tss_create(tss_t *k, tss_dtor_t d) { return pthread_key_create(k, d) ? thrd_error : thrd_success; }
static void *tss_get(tss_t k) { return pthread_getspecific(k); }
static int tss_set(tss_t k, void *v) { return pthread_setspecific(k, v) ? thrd_error : thrd_success; }
static void tss_delete(tss_t k) { pthread_key_delete(k); }
#endif
"#;

/// semaphore.h: unnamed semaphores, a count and a wait loop around
/// `__pivm_futex_wait` like pthread.h's. `pshared` 1 is accepted but
/// shares only between threads: VM processes have their memory apart.
/// `sem_timedwait` takes a CLOCK_REALTIME time.
const SEMAPHORE: &str = r#"#ifndef __PIVM_SEMAPHORE_H
#define __PIVM_SEMAPHORE_H
#include <pthread.h>
#include <errno.h>
typedef struct { int __value; } sem_t;
#define SEM_VALUE_MAX 0x7fffffff
static int sem_init(sem_t *s, int pshared, unsigned value) {
    (void)pshared;
    if (value > SEM_VALUE_MAX) {
        errno = EINVAL;
        return -1;
    }
    s->__value = (int)value;
    return 0;
}
static int sem_destroy(sem_t *s) { (void)s; return 0; }
static int sem_wait(sem_t *s) {
    while (s->__value == 0) __pivm_futex_wait(&s->__value, 0);
    s->__value--;
    return 0;
}
static int sem_timedwait(sem_t *s, const struct timespec *t) {
    if (s->__value == 0 && !__pivm_ts_valid(t)) {
        errno = EINVAL;
        return -1;
    }
    long long end = __pivm_deadline(0, t);
    while (s->__value == 0) {
        if (__pivm_futex_wait_until(&s->__value, 0, end) == 110) {
            errno = ETIMEDOUT;
            return -1;
        }
    }
    s->__value--;
    return 0;
}
static int sem_trywait(sem_t *s) {
    if (s->__value == 0) {
        errno = EAGAIN;
        return -1;
    }
    s->__value--;
    return 0;
}
static int sem_post(sem_t *s) {
    if (s->__value == SEM_VALUE_MAX) {
        errno = EOVERFLOW;
        return -1;
    }
    s->__value++;
    __pivm_futex_wake(&s->__value, 1);
    return 0;
}
static int sem_getvalue(sem_t *s, int *v) {
    *v = s->__value;
    return 0;
}
#endif
"#;

/// strerror, shared by string.h and stdio.h (`perror`); not in `NAMES`.
const STRERROR: &str = r#"#ifndef __PIVM_STRERROR_H
#define __PIVM_STRERROR_H
#include <stddef.h>
int snprintf(char *s, size_t n, const char *fmt, ...);
/* glibc's messages, for the errno values errno.h names; NULL for
   another. */
static char *__pivm_errmsg(int e) {
    switch (e) {
    case 0: return "Success";
    case 1: return "Operation not permitted";
    case 2: return "No such file or directory";
    case 3: return "No such process";
    case 4: return "Interrupted system call";
    case 5: return "Input/output error";
    case 6: return "No such device or address";
    case 7: return "Argument list too long";
    case 8: return "Exec format error";
    case 9: return "Bad file descriptor";
    case 10: return "No child processes";
    case 11: return "Resource temporarily unavailable";
    case 12: return "Cannot allocate memory";
    case 13: return "Permission denied";
    case 14: return "Bad address";
    case 16: return "Device or resource busy";
    case 17: return "File exists";
    case 18: return "Invalid cross-device link";
    case 19: return "No such device";
    case 20: return "Not a directory";
    case 21: return "Is a directory";
    case 22: return "Invalid argument";
    case 23: return "Too many open files in system";
    case 24: return "Too many open files";
    case 25: return "Inappropriate ioctl for device";
    case 27: return "File too large";
    case 28: return "No space left on device";
    case 29: return "Illegal seek";
    case 30: return "Read-only file system";
    case 31: return "Too many links";
    case 32: return "Broken pipe";
    case 33: return "Numerical argument out of domain";
    case 34: return "Numerical result out of range";
    case 35: return "Resource deadlock avoided";
    case 36: return "File name too long";
    case 37: return "No locks available";
    case 38: return "Function not implemented";
    case 39: return "Directory not empty";
    case 40: return "Too many levels of symbolic links";
    case 75: return "Value too large for defined data type";
    case 84: return "Invalid or incomplete multibyte or wide character";
    case 110: return "Connection timed out";
    }
    return NULL;
}
static char *strerror(int e) {
    static char unknown[32];
    char *m = __pivm_errmsg(e);
    if (m) return m;
    snprintf(unknown, sizeof unknown, "Unknown error %d", e);
    return unknown;
}
#endif
"#;
