//! The wide-character headers (`<wchar.h>`, `<wctype.h>`, `<uchar.h>`)
//! and the multibyte functions `<stdlib.h>` shares with them, as C text
//! like the rest of `headers.rs`. pivm's locale is the C locale as glibc
//! has it: the multibyte encoding is ASCII, so a byte or wide character
//! from 0x80 up fails to convert (`EILSEQ`), and classification and case
//! mapping cover ASCII only. `wchar_t` is `int`, `wint_t` `unsigned int`,
//! `char16_t` and `char32_t` `unsigned short` and `unsigned int`, and
//! `mbstate_t` has glibc's 8 bytes.
//!
//! A stream's orientation (`fwide`) is kept in VM memory, in two
//! program-wide bit sets (`__pivm_orient_*`, tentative definitions that
//! merge across translation units): the first wide function on a stream
//! makes it wide; `fwide` sets it either way. The byte functions are
//! builtins and neither set nor check it.

/// The limits of `wchar_t` and `wint_t`, which `<stdint.h>` and
/// `<wchar.h>` both define.
pub const WLIMITS: &str = r#"#ifndef __PIVM_WLIMITS_H
#define __PIVM_WLIMITS_H
#define WCHAR_MIN (-2147483647-1)
#define WCHAR_MAX 2147483647
#define WINT_MIN 0u
#define WINT_MAX 4294967295u
#endif
"#;

/// The multibyte conversions of the C locale: `mbtowc` and the others of
/// `<stdlib.h>`, and the restartable ones of `<wchar.h>`.
pub const MB: &str = r#"#ifndef __PIVM_MB_H
#define __PIVM_MB_H
#include <stddef.h>
int errno;
#define MB_CUR_MAX ((size_t)1)
static int mbtowc(wchar_t *pwc, const char *s, size_t n) {
    if (!s) return 0;
    if (n == 0) return -1;
    if ((unsigned char)*s >= 0x80) { errno = 84; return -1; }
    if (pwc) *pwc = (unsigned char)*s;
    return *s ? 1 : 0;
}
static int mblen(const char *s, size_t n) { return mbtowc(0, s, n); }
static int wctomb(char *s, wchar_t wc) {
    if (!s) return 0;
    if ((unsigned int)wc >= 0x80) { errno = 84; return -1; }
    *s = (char)wc;
    return 1;
}
static size_t mbstowcs(wchar_t *dst, const char *src, size_t n) {
    size_t i = 0;
    for (;; i++) {
        unsigned char c = (unsigned char)src[i];
        if (c >= 0x80) { errno = 84; return (size_t)-1; }
        if (dst && i >= n) return i;
        if (dst) dst[i] = c;
        if (!c) return i;
    }
}
static size_t wcstombs(char *dst, const wchar_t *src, size_t n) {
    size_t i = 0;
    for (;; i++) {
        unsigned int c = (unsigned int)src[i];
        if (c >= 0x80) { errno = 84; return (size_t)-1; }
        if (dst && i >= n) return i;
        if (dst) dst[i] = (char)c;
        if (!c) return i;
    }
}
#endif
"#;

/// `mbstate_t` and the restartable conversions of one character that
/// `<wchar.h>` and `<uchar.h>` share (the C locale keeps no state).
pub const MBSTATE: &str = r#"#ifndef __PIVM_MBSTATE_H
#define __PIVM_MBSTATE_H
#include <__pivm_mb.h>
typedef struct { int __count; union { unsigned int __wch; char __wchb[4]; } __value; } mbstate_t;
static size_t __pivm_mbrtoc(unsigned int *pc, const char *s, size_t n) {
    if (!s) return 0;
    if (n == 0) return (size_t)-2;
    if ((unsigned char)*s >= 0x80) { errno = 84; return (size_t)-1; }
    if (pc) *pc = (unsigned char)*s;
    return *s ? 1 : 0;
}
static size_t __pivm_crtomb(char *s, unsigned int c) {
    if (!s) return 1;
    if (c >= 0x80) { errno = 84; return (size_t)-1; }
    *s = (char)c;
    return 1;
}
#endif
"#;

pub const UCHAR: &str = r#"#ifndef __PIVM_UCHAR_H
#define __PIVM_UCHAR_H
#include <__pivm_mb.h>
#include <__pivm_mbstate.h>
typedef unsigned short char16_t;
typedef unsigned int char32_t;
/* The C locale's multibyte characters are ASCII, one byte each. */
static size_t mbrtoc32(char32_t *pc, const char *s, size_t n, mbstate_t *ps) { return __pivm_mbrtoc(pc, s, n); }
static size_t mbrtoc16(char16_t *pc, const char *s, size_t n, mbstate_t *ps) {
    char32_t c = 0;
    size_t r = mbrtoc32(&c, s, n, ps);
    if (pc && r < (size_t)-2) *pc = (char16_t)c;
    return r;
}
static size_t c32rtomb(char *s, char32_t c, mbstate_t *ps) { return __pivm_crtomb(s, c); }
static size_t c16rtomb(char *s, char16_t c, mbstate_t *ps) { return c32rtomb(s, c, ps); }
#endif
"#;

pub const WCTYPE: &str = r#"#ifndef __PIVM_WCTYPE_H
#define __PIVM_WCTYPE_H
#include <ctype.h>
#ifndef __PIVM_WINT_T
#define __PIVM_WINT_T
typedef unsigned int wint_t;
#endif
#ifndef WEOF
#define WEOF ((wint_t)-1)
#endif
typedef unsigned long wctype_t;
typedef const int *wctrans_t;
/* The C locale: ASCII is classified as <ctype.h> does (glibc's values),
   everything above it is in no class. */
static int iswalpha(wint_t c) { return c < 0x80 ? isalpha((int)c) : 0; }
static int iswdigit(wint_t c) { return c >= '0' && c <= '9'; }
static int iswspace(wint_t c) { return c < 0x80 ? isspace((int)c) : 0; }
static int iswupper(wint_t c) { return c < 0x80 ? isupper((int)c) : 0; }
static int iswlower(wint_t c) { return c < 0x80 ? islower((int)c) : 0; }
static int iswalnum(wint_t c) { return c < 0x80 ? isalnum((int)c) : 0; }
static int iswpunct(wint_t c) { return c < 0x80 ? ispunct((int)c) : 0; }
static int iswprint(wint_t c) { return c < 0x80 ? isprint((int)c) : 0; }
static int iswxdigit(wint_t c) { return c < 0x80 ? isxdigit((int)c) : 0; }
static int iswcntrl(wint_t c) { return c < 0x80 ? iscntrl((int)c) : 0; }
static int iswgraph(wint_t c) { return c < 0x80 ? isgraph((int)c) : 0; }
static int iswblank(wint_t c) { return c < 0x80 ? isblank((int)c) : 0; }
static wint_t towupper(wint_t c) { return c < 0x80 ? (wint_t)toupper((int)c) : c; }
static wint_t towlower(wint_t c) { return c < 0x80 ? (wint_t)tolower((int)c) : c; }
static int __pivm_streq(const char *a, const char *b) { while (*a && *a == *b) { a++; b++; } return *a == *b; }
static wctype_t wctype(const char *name) {
    static const char *names[] = { "alnum", "alpha", "blank", "cntrl", "digit", "graph",
                                   "lower", "print", "punct", "space", "upper", "xdigit" };
    for (int i = 0; i < 12; i++) if (__pivm_streq(name, names[i])) return (wctype_t)(i + 1);
    return 0;
}
static int __pivm_iswctype(wint_t c, wctype_t t) {
    switch (t) {
    case 1: return iswalnum(c); case 2: return iswalpha(c); case 3: return iswblank(c);
    case 4: return iswcntrl(c); case 5: return iswdigit(c); case 6: return iswgraph(c);
    case 7: return iswlower(c); case 8: return iswprint(c); case 9: return iswpunct(c);
    case 10: return iswspace(c); case 11: return iswupper(c); case 12: return iswxdigit(c);
    }
    return 0;
}
/* glibc's iswctype says 0 or 1 (the isw* functions return class bits). */
static int iswctype(wint_t c, wctype_t t) { return __pivm_iswctype(c, t) != 0; }
static const int __pivm_wctrans_upper = 1, __pivm_wctrans_lower = 2;
static wctrans_t wctrans(const char *name) {
    if (__pivm_streq(name, "toupper")) return &__pivm_wctrans_upper;
    if (__pivm_streq(name, "tolower")) return &__pivm_wctrans_lower;
    return 0;
}
static wint_t towctrans(wint_t c, wctrans_t t) {
    if (!t) return c;
    return *t == 1 ? towupper(c) : towlower(c);
}
#endif
"#;

pub const WCHAR: &str = r#"#ifndef __PIVM_WCHAR_H
#define __PIVM_WCHAR_H
#include <stdio.h>
#include <__pivm_mb.h>
#include <wctype.h>
#include <__pivm_mbstate.h>
#include <__pivm_wlimits.h>
void *malloc(size_t n);
void free(void *p);
long strtol(const char *s, char **end, int base);
unsigned long strtoul(const char *s, char **end, int base);
double strtod(const char *s, char **end);
struct tm;

static size_t wcslen(const wchar_t *s) { size_t n = 0; while (s[n]) n++; return n; }
static size_t wcsnlen(const wchar_t *s, size_t max) { size_t n = 0; while (n < max && s[n]) n++; return n; }
static wchar_t *wcscpy(wchar_t *d, const wchar_t *s) { size_t i = 0; while ((d[i] = s[i])) i++; return d; }
static wchar_t *wcsncpy(wchar_t *d, const wchar_t *s, size_t n) {
    size_t i = 0;
    for (; i < n && s[i]; i++) d[i] = s[i];
    for (; i < n; i++) d[i] = 0;
    return d;
}
static wchar_t *wcscat(wchar_t *d, const wchar_t *s) { wcscpy(d + wcslen(d), s); return d; }
static wchar_t *wcsncat(wchar_t *d, const wchar_t *s, size_t n) {
    wchar_t *p = d + wcslen(d);
    size_t i = 0;
    for (; i < n && s[i]; i++) p[i] = s[i];
    p[i] = 0;
    return d;
}
/* wchar_t is signed: glibc compares as int. */
static int wcscmp(const wchar_t *a, const wchar_t *b) {
    while (*a && *a == *b) { a++; b++; }
    return *a < *b ? -1 : *a > *b;
}
static int wcsncmp(const wchar_t *a, const wchar_t *b, size_t n) {
    for (; n; n--, a++, b++) {
        if (*a != *b) return *a < *b ? -1 : 1;
        if (!*a) return 0;
    }
    return 0;
}
static int wcscoll(const wchar_t *a, const wchar_t *b) { return wcscmp(a, b); }
static size_t wcsxfrm(wchar_t *d, const wchar_t *s, size_t n) {
    size_t len = wcslen(s);
    if (len < n) wcscpy(d, s);
    return len;
}
static wchar_t *wcschr(const wchar_t *s, wchar_t c) {
    for (;; s++) {
        if (*s == c) return (wchar_t *)s;
        if (!*s) return 0;
    }
}
static wchar_t *wcsrchr(const wchar_t *s, wchar_t c) {
    const wchar_t *r = 0;
    for (;; s++) {
        if (*s == c) r = s;
        if (!*s) return (wchar_t *)r;
    }
}
static size_t wcsspn(const wchar_t *s, const wchar_t *accept) {
    size_t n = 0;
    while (s[n] && wcschr(accept, s[n])) n++;
    return n;
}
static size_t wcscspn(const wchar_t *s, const wchar_t *reject) {
    size_t n = 0;
    while (s[n] && !wcschr(reject, s[n])) n++;
    return n;
}
static wchar_t *wcspbrk(const wchar_t *s, const wchar_t *accept) {
    s += wcscspn(s, accept);
    return *s ? (wchar_t *)s : 0;
}
static wchar_t *wcsstr(const wchar_t *h, const wchar_t *n) {
    size_t k = wcslen(n);
    for (; *h; h++) if (wcsncmp(h, n, k) == 0) return (wchar_t *)h;
    return k ? 0 : (wchar_t *)h;
}
static wchar_t *wcstok(wchar_t *s, const wchar_t *delim, wchar_t **save) {
    if (!s) s = *save;
    s += wcsspn(s, delim);
    if (!*s) { *save = s; return 0; }
    wchar_t *end = s + wcscspn(s, delim);
    if (*end) *end++ = 0;
    *save = end;
    return s;
}
static wchar_t *wcsdup(const wchar_t *s) {
    size_t n = wcslen(s) + 1;
    wchar_t *d = (wchar_t *)malloc(n * sizeof(wchar_t));
    if (d) for (size_t i = 0; i < n; i++) d[i] = s[i];
    return d;
}
static wchar_t *wmemcpy(wchar_t *d, const wchar_t *s, size_t n) { for (size_t i = 0; i < n; i++) d[i] = s[i]; return d; }
static wchar_t *wmemmove(wchar_t *d, const wchar_t *s, size_t n) {
    if (d < s) for (size_t i = 0; i < n; i++) d[i] = s[i];
    else for (size_t i = n; i > 0; i--) d[i - 1] = s[i - 1];
    return d;
}
static wchar_t *wmemset(wchar_t *d, wchar_t c, size_t n) { for (size_t i = 0; i < n; i++) d[i] = c; return d; }
static int wmemcmp(const wchar_t *a, const wchar_t *b, size_t n) {
    for (size_t i = 0; i < n; i++) if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
    return 0;
}
static wchar_t *wmemchr(const wchar_t *s, wchar_t c, size_t n) {
    for (size_t i = 0; i < n; i++) if (s[i] == c) return (wchar_t *)(s + i);
    return 0;
}
static int wcwidth(wchar_t c) { return c == 0 ? 0 : c >= 32 && c < 127 ? 1 : -1; }
static int wcswidth(const wchar_t *s, size_t n) {
    int w = 0;
    for (size_t i = 0; i < n && s[i]; i++) { int k = wcwidth(s[i]); if (k < 0) return -1; w += k; }
    return w;
}

/* Numbers: the ASCII text at the start of `s` (anything else ends a
   number anyway), read by the narrow function. */
static char *__pivm_narrow(const wchar_t *s) {
    size_t n = 0;
    while (s[n] > 0 && s[n] < 0x80) n++;
    char *b = (char *)malloc(n + 1);
    if (!b) return 0;
    for (size_t i = 0; i < n; i++) b[i] = (char)s[i];
    b[n] = 0;
    return b;
}
#define __PIVM_WCSTO(T, name, call)                                         \
    static T name {                                                         \
        char *b = __pivm_narrow(s), *e = 0;                                 \
        if (!b) { if (end) *end = (wchar_t *)s; return 0; }                 \
        T v = (T)(call);                                                    \
        if (end) *end = (wchar_t *)s + (e - b);                             \
        free(b);                                                            \
        return v;                                                           \
    }
__PIVM_WCSTO(long, wcstol(const wchar_t *s, wchar_t **end, int base), strtol(b, &e, base))
__PIVM_WCSTO(unsigned long, wcstoul(const wchar_t *s, wchar_t **end, int base), strtoul(b, &e, base))
__PIVM_WCSTO(long long, wcstoll(const wchar_t *s, wchar_t **end, int base), strtol(b, &e, base))
__PIVM_WCSTO(unsigned long long, wcstoull(const wchar_t *s, wchar_t **end, int base), strtoul(b, &e, base))
__PIVM_WCSTO(double, wcstod(const wchar_t *s, wchar_t **end), strtod(b, &e))
__PIVM_WCSTO(float, wcstof(const wchar_t *s, wchar_t **end), strtod(b, &e))
__PIVM_WCSTO(long double, wcstold(const wchar_t *s, wchar_t **end), strtod(b, &e))

/* Restartable conversions (the C locale keeps no state between bytes). */
static wint_t btowc(int c) { return c >= 0 && c < 0x80 ? (wint_t)c : WEOF; }
static int wctob(wint_t c) { return c < 0x80 ? (int)c : -1; }
static int mbsinit(const mbstate_t *ps) { return !ps || ps->__count == 0; }
static size_t mbrtowc(wchar_t *pwc, const char *s, size_t n, mbstate_t *ps) {
    return __pivm_mbrtoc((unsigned int *)pwc, s, n);
}
static size_t mbrlen(const char *s, size_t n, mbstate_t *ps) { return mbrtowc(0, s, n, ps); }
static size_t wcrtomb(char *s, wchar_t wc, mbstate_t *ps) { return __pivm_crtomb(s, (unsigned int)wc); }
static size_t mbsrtowcs(wchar_t *dst, const char **src, size_t n, mbstate_t *ps) {
    const char *s = *src;
    size_t i = 0;
    for (; !dst || i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80) { errno = 84; if (dst) *src = s + i; return (size_t)-1; }
        if (dst) dst[i] = c;
        if (!c) { if (dst) *src = 0; return i; }
    }
    *src = s + i;
    return i;
}
static size_t wcsrtombs(char *dst, const wchar_t **src, size_t n, mbstate_t *ps) {
    const wchar_t *s = *src;
    size_t i = 0;
    for (; !dst || i < n; i++) {
        unsigned int c = (unsigned int)s[i];
        if (c >= 0x80) { errno = 84; if (dst) *src = s + i; return (size_t)-1; }
        if (dst) dst[i] = (char)c;
        if (!c) { if (dst) *src = 0; return i; }
    }
    *src = s + i;
    return i;
}

/* Orientation: bit h of __pivm_orient_wide (or _byte) for stream handle
   h below 4096; higher handles are not tracked (always usable). */
unsigned long __pivm_orient_wide[64];
unsigned long __pivm_orient_byte[64];
static int fwide(FILE *f, int mode) {
    unsigned long h = (unsigned long)f;
    if (h >= 4096) return mode > 0 ? 1 : mode < 0 ? -1 : 0;
    unsigned long bit = 1ul << (h % 64);
    if (__pivm_orient_wide[h / 64] & bit) return 1;
    if (__pivm_orient_byte[h / 64] & bit) return -1;
    if (mode > 0) __pivm_orient_wide[h / 64] |= bit;
    if (mode < 0) __pivm_orient_byte[h / 64] |= bit;
    return mode > 0 ? 1 : mode < 0 ? -1 : 0;
}
/* A wide operation on `f`: fixes the orientation, false on a byte one. */
static int __pivm_wide_ok(FILE *f) { return fwide(f, 1) > 0; }

static wint_t fputwc(wchar_t wc, FILE *f) {
    if (!__pivm_wide_ok(f)) return WEOF;
    return fputc((unsigned int)wc < 0x80 ? wc : '?', f) == -1 ? WEOF : (wint_t)wc;
}
static wint_t putwc(wchar_t wc, FILE *f) { return fputwc(wc, f); }
static wint_t putwchar(wchar_t wc) { return fputwc(wc, stdout); }
static int fputws(const wchar_t *s, FILE *f) {
    for (; *s; s++) if (fputwc(*s, f) == WEOF) return -1;
    return 1;
}
static wint_t fgetwc(FILE *f) {
    if (!__pivm_wide_ok(f)) return WEOF;
    int c = fgetc(f);
    if (c == -1) return WEOF;
    if (c >= 0x80) { errno = 84; return WEOF; }
    return (wint_t)c;
}
static wint_t getwc(FILE *f) { return fgetwc(f); }
static wint_t getwchar(void) { return fgetwc(stdin); }
static wint_t ungetwc(wint_t c, FILE *f) {
    if (c == WEOF || c >= 0x80) return WEOF;
    return ungetc((int)c, f) == -1 ? WEOF : c;
}
static wchar_t *fgetws(wchar_t *s, int n, FILE *f) {
    int i = 0;
    if (n <= 0) return 0;
    while (i < n - 1) {
        wint_t c = fgetwc(f);
        if (c == WEOF) break;
        s[i++] = (wchar_t)c;
        if (c == '\n') break;
    }
    if (i == 0) return 0;
    s[i] = 0;
    return s;
}

/* Formatted output: a wide printf in C. Plain characters and %lc/%ls
   are copied as wide characters; numbers are formatted by snprintf, one
   conversion at a time; a narrow %c or %s is widened (a byte from 0x80
   up fails the call: EILSEQ, as in glibc). The characters go to a
   growing buffer in VM memory. */
void *realloc(void *p, size_t n);
struct __pivm_wbuf { wchar_t *p; size_t len, cap; int bad; };
static void __pivm_wput(struct __pivm_wbuf *b, wchar_t c) {
    if (b->len == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        wchar_t *q = (wchar_t *)realloc(b->p, cap * sizeof(wchar_t));
        if (!q) { b->bad = 1; return; }
        b->p = q;
        b->cap = cap;
    }
    b->p[b->len++] = c;
}
static void __pivm_wpad(struct __pivm_wbuf *b, int n) { while (n-- > 0) __pivm_wput(b, L' '); }
/* Puts the n characters at s (wide if w, else narrow) padded to width. */
static int __pivm_wfield(struct __pivm_wbuf *b, const void *s, int w, size_t n, int width, int minus) {
    if (!w)
        for (size_t i = 0; i < n; i++)
            if (((const unsigned char *)s)[i] >= 0x80) { errno = 84; return -1; }
    int pad = width > (int)n ? width - (int)n : 0;
    if (!minus) __pivm_wpad(b, pad);
    for (size_t i = 0; i < n; i++)
        __pivm_wput(b, w ? ((const wchar_t *)s)[i] : (wchar_t)((const unsigned char *)s)[i]);
    if (minus) __pivm_wpad(b, pad);
    return 0;
}
#define __PIVM_WNUM(T)                                            \
    do {                                                          \
        T v = va_arg(ap, T);                                      \
        int n = snprintf(0, 0, spec, v);                          \
        char *t = n < 0 ? 0 : (char *)malloc((size_t)n + 1);      \
        if (!t) return -1;                                        \
        snprintf(t, (size_t)n + 1, spec, v);                      \
        for (int i = 0; i < n; i++) __pivm_wput(b, (unsigned char)t[i]); \
        free(t);                                                  \
    } while (0)
static int __pivm_wformat(struct __pivm_wbuf *b, const wchar_t *fmt, __pivm_va_list ap) {
    for (const wchar_t *f = fmt; *f; f++) {
        if (*f != L'%') { __pivm_wput(b, *f); continue; }
        const wchar_t *start = f++;
        char spec[96];
        int k = 1, minus = 0, width = -1, prec = -1, longs = 0, big = 0;
        spec[0] = '%';
        while (*f == L'-' || *f == L'+' || *f == L' ' || *f == L'#' || *f == L'0') {
            if (*f == L'-') minus = 1;
            if (k < 8) spec[k++] = (char)*f;
            f++;
        }
        if (*f == L'*') { width = va_arg(ap, int); f++; if (width < 0) { minus = 1; width = -width; spec[k++] = '-'; } }
        else while (*f >= L'0' && *f <= L'9') { width = (width < 0 ? 0 : width) * 10 + (int)(*f++ - L'0'); if (width > 100000000) width = 100000000; }
        if (*f == L'.') {
            f++;
            prec = 0;
            if (*f == L'*') { prec = va_arg(ap, int); f++; }
            else while (*f >= L'0' && *f <= L'9') { prec = prec * 10 + (int)(*f++ - L'0'); if (prec > 100000000) prec = 100000000; }
        }
        if (width >= 0) k += snprintf(spec + k, 16, "%d", width);
        if (prec >= 0) k += snprintf(spec + k, 16, ".%d", prec);
        for (;; f++) {
            if (*f == L'h') spec[k++] = 'h';
            else if (*f == L'l') { longs++; spec[k++] = 'l'; }
            else if (*f == L'L' || *f == L'q') { big = 1; spec[k++] = 'L'; }
            else if (*f == L'z' || *f == L'j' || *f == L't') { longs = 1; spec[k++] = (char)*f; }
            else break;
            if (k > 80) break;
        }
        wchar_t c = *f;
        spec[k++] = (char)c;
        spec[k] = 0;
        if (c == L'%') { __pivm_wput(b, L'%'); continue; }
        if ((c == L'c' && longs) || c == L'C') {
            wchar_t ch = (wchar_t)va_arg(ap, unsigned int);
            __pivm_wfield(b, &ch, 1, 1, width, minus);
        } else if (c == L'c') {
            unsigned char ch = (unsigned char)va_arg(ap, int);
            if (__pivm_wfield(b, &ch, 0, 1, width, minus)) return -1;
        } else if ((c == L's' && longs) || c == L'S') {
            const wchar_t *s = va_arg(ap, const wchar_t *);
            if (!s) s = prec >= 0 && prec < 6 ? L"" : L"(null)";
            __pivm_wfield(b, s, 1, prec >= 0 ? wcsnlen(s, (size_t)prec) : wcslen(s), width, minus);
        } else if (c == L's') {
            const char *s = va_arg(ap, const char *);
            size_t n = 0;
            if (!s) s = prec >= 0 && prec < 6 ? "" : "(null)";
            while (s[n] && (prec < 0 || n < (size_t)prec)) n++;
            if (__pivm_wfield(b, s, 0, n, width, minus)) return -1;
        } else if (c == L'd' || c == L'i') {
            if (longs) __PIVM_WNUM(long); else __PIVM_WNUM(int);
        } else if (c == L'u' || c == L'o' || c == L'x' || c == L'X') {
            if (longs) __PIVM_WNUM(unsigned long); else __PIVM_WNUM(unsigned int);
        } else if (c == L'p') {
            __PIVM_WNUM(void *);
        } else if (c == L'f' || c == L'F' || c == L'e' || c == L'E' || c == L'g' || c == L'G' || c == L'a' || c == L'A') {
            if (big) __PIVM_WNUM(long double); else __PIVM_WNUM(double);
        } else if (c == L'n') {
            int *p = va_arg(ap, int *);
            *p = (int)b->len;
        } else {
            for (const wchar_t *q = start; q <= f && *q; q++) __pivm_wput(b, *q);
            if (!*f) break;
        }
    }
    return b->bad ? -1 : 0;
}
static int vswprintf(wchar_t *s, size_t n, const wchar_t *fmt, __pivm_va_list ap) {
    struct __pivm_wbuf b = { 0, 0, 0, 0 };
    int r = __pivm_wformat(&b, fmt, ap);
    size_t i = 0;
    for (; r == 0 && n && i < n - 1 && i < b.len; i++) s[i] = b.p[i];
    if (n) s[i] = 0;
    free(b.p);
    return r == 0 && b.len < n ? (int)b.len : -1;
}
/* On a stream, a wide character the C locale has no byte for is written
   as '?' (glibc's wide streams do that). */
static int vfwprintf(FILE *f, const wchar_t *fmt, __pivm_va_list ap) {
    if (!__pivm_wide_ok(f)) return -1;
    struct __pivm_wbuf b = { 0, 0, 0, 0 };
    int r = __pivm_wformat(&b, fmt, ap);
    char *t = (char *)malloc(b.len + 1);
    if (!t) { free(b.p); return -1; }
    for (size_t i = 0; i < b.len; i++) t[i] = (unsigned int)b.p[i] < 0x80 ? (char)b.p[i] : '?';
    size_t w = fwrite(t, 1, b.len, f);
    free(t);
    free(b.p);
    return r == 0 && w == b.len ? (int)b.len : -1;
}
static int vwprintf(const wchar_t *fmt, __pivm_va_list ap) { return vfwprintf(stdout, fmt, ap); }
static int swprintf(wchar_t *s, size_t n, const wchar_t *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int r = vswprintf(s, n, fmt, ap);
    va_end(ap);
    return r;
}
static int fwprintf(FILE *f, const wchar_t *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int r = vfwprintf(f, fmt, ap);
    va_end(ap);
    return r;
}
static int wprintf(const wchar_t *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int r = vfwprintf(stdout, fmt, ap);
    va_end(ap);
    return r;
}
#endif
"#;
