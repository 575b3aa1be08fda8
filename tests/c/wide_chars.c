/* Wide and Unicode character constants and string literals, and the
   <wchar.h>, <wctype.h> and <uchar.h> library in the C locale. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>
#include <uchar.h>
#include <stdint.h>
#include <errno.h>

static void dump_units(const char *what, const void *p, size_t n, size_t size) {
    const unsigned char *b = p;
    printf("%s:", what);
    for (size_t i = 0; i < n; i++) {
        unsigned long v = 0;
        for (size_t k = 0; k < size; k++) v |= (unsigned long)b[i * size + k] << (8 * k);
        printf(" %lx", v);
    }
    printf("\n");
}

static wchar_t global_w[] = L"global";
static char16_t global_u[8] = u"sixteen";
static const wchar_t *global_p = L"pointer";

int main(void) {
    /* Constants: types, values, escapes. */
    printf("%zu %zu %zu %zu %zu\n", sizeof(L'a'), sizeof(u'a'), sizeof(U'a'), sizeof('a'), sizeof(wchar_t));
    printf("%d %d %u %u\n", L'a', L'\xff', (unsigned)u'\x1234', (unsigned)U'\U0001F600');
    printf("%d %d %d\n", L'\u00e9', L'é', L'\377');
    printf("%d %d\n", (int)L'\xffffffff', u'\xffff' > 0);
    printf("%x %x %x\n", (unsigned)u'\U0001F600', (unsigned)L'ab', (unsigned)U'xyz');
    printf("%d %d\n", 'é' == (int)0xffffc3a9 || 'é' == 0xc3a9, '\u00e9');

    /* Strings: sizes, contents, concatenation. */
    printf("%zu %zu %zu %zu %zu\n", sizeof(L"abc"), sizeof(u"abc"), sizeof(U"abc"), sizeof(u8"abc"), sizeof("abc"));
    printf("%zu %zu %zu\n", sizeof(u8"é"), sizeof(L"é"), sizeof(u"\U0001F600"));
    dump_units("L", L"a\u00e9\x80\0z", 6, 4);
    dump_units("u", u"a\U0001F600\u20ac", 5, 2);
    dump_units("U", U"x\U0001F600é", 4, 4);
    dump_units("u8", u8"\u20acé", 6, 1);
    dump_units("cat", L"ab" "cd" L"e", 6, 4);
    dump_units("cat2", "\x41" u"B" "\u00e9", 4, 2);
    dump_units("global", global_w, 7, 4);
    dump_units("global16", global_u, 8, 2);

    wchar_t arr[] = L"array";
    wchar_t sized[10] = L"abc";
    char32_t c32[] = U"c32";
    printf("%zu %zu %zu\n", sizeof(arr), sizeof(sized), sizeof(c32));
    dump_units("sized", sized, 10, 4);
    wchar_t exact[3] = L"abc";
    dump_units("exact", exact, 3, 4);

    /* String functions. */
    wchar_t buf[64];
    wcscpy(buf, L"hello");
    wcscat(buf, L", world");
    printf("%zu %ls\n", wcslen(buf), buf);
    wcsncat(buf, L"!!!", 2);
    printf("%ls %d %d %d\n", buf, wcscmp(L"abc", L"abd"), wcscmp(L"b", L"a"), wcsncmp(L"abcx", L"abcy", 3));
    printf("%d\n", wcscmp(L"\xffffffff", L"a") < 0);
    wchar_t *p = wcschr(buf, L'o');
    printf("%td %td %d\n", p - buf, wcsrchr(buf, L'o') - buf, wcschr(buf, L'z') == NULL);
    printf("%td %zu %zu\n", wcsstr(buf, L"world") - buf, wcsspn(L"aabbc", L"ab"), wcscspn(L"xyzab", L"ba"));
    printf("%ls\n", wcspbrk(L"find the vowel", L"aeiou"));
    wcsncpy(buf, L"xy", 5);
    printf("%ls %d %d\n", buf, buf[3], buf[4]);
    wchar_t tok[] = L"one, two,,three";
    wchar_t *save;
    for (wchar_t *t = wcstok(tok, L", ", &save); t; t = wcstok(NULL, L", ", &save)) printf("[%ls]", t);
    printf("\n");
    wmemset(buf, L'q', 4);
    buf[4] = 0;
    wmemcpy(buf + 4, L"rst", 4);
    wmemmove(buf + 1, buf, 5);
    printf("%ls %d %td\n", buf, wmemcmp(L"abc", L"abd", 3), wmemchr(buf, L'r', 8) - buf);

    /* Numbers. */
    wchar_t *end;
    printf("%ld ", wcstol(L"  -1234xyz", &end, 10));
    printf("%ls %lu %lld %llu\n", end, wcstoul(L"ff", NULL, 16), wcstoll(L"-077", NULL, 0), wcstoull(L"0x10", NULL, 0));
    double dv = wcstod(L" 2.5e3rest", &end);
    printf("%.3f %.2f %d\n", dv, (double)wcstof(L"1.25", NULL), (int)(end[0] == L'r'));
    end = NULL;
    wcstol(L"nothing", &end, 10);
    printf("%d\n", end != NULL && *end == L'n');

    /* Classification (the C locale: ASCII only). */
    const wint_t cs[] = { L'a', L'Z', L'5', L' ', L'\t', L'!', 0x7f, 0xe9, 0x3b1, WEOF };
    for (int i = 0; i < 10; i++) {
        wint_t c = cs[i];
        printf("%d%d%d%d%d%d%d%d%d%d%d%d %x %x\n", !!iswalpha(c), !!iswdigit(c), !!iswspace(c), !!iswupper(c),
               !!iswlower(c), !!iswalnum(c), !!iswpunct(c), !!iswprint(c), !!iswxdigit(c), !!iswcntrl(c),
               !!iswgraph(c), !!iswblank(c), (unsigned)towupper(c), (unsigned)towlower(c));
    }
    printf("%d %d\n", iswalpha(L'q'), iswdigit(L'7'));
    printf("%d %d\n", iswctype(L'x', wctype("alpha")), (int)towctrans(L'a', wctrans("toupper")));

    /* Conversions. */
    mbstate_t st;
    memset(&st, 0, sizeof st);
    wchar_t w = 0;
    printf("%zu %d %d\n", sizeof(mbstate_t), mbsinit(&st), (int)MB_CUR_MAX);
    size_t r = mbrtowc(&w, "A", 1, &st);
    printf("%ld %d ", (long)r, w);
    errno = 0;
    printf("%ld %d ", (long)mbrtowc(&w, "\xe9", 1, &st), errno == EILSEQ);
    printf("%ld %ld %ld\n", (long)mbrtowc(&w, "", 1, &st), (long)mbrtowc(&w, "x", 0, &st), (long)mbrlen("b", 1, &st));
    char mb[8];
    r = wcrtomb(mb, L'z', &st);
    printf("%ld %c ", (long)r, mb[0]);
    errno = 0;
    printf("%ld %d\n", (long)wcrtomb(mb, 0xe9, &st), errno == EILSEQ);
    printf("%x %x %d %d\n", (unsigned)btowc('A'), (unsigned)btowc(0xe9), wctob(L'B'), wctob(0x20ac));
    int mr = mbtowc(&w, "Q", 1);
    printf("%d %d %d %d\n", mr, w, mblen("\xe9", 1), wctomb(mb, L'k'));
    wchar_t wide[16];
    printf("%zu %ls ", mbstowcs(wide, "to wide", 16), wide);
    printf("%ld\n", (long)mbstowcs(wide, "bad\xe9", 16));
    char narrow[16];
    printf("%zu %s %zu ", wcstombs(narrow, L"to narrow", 16), narrow, wcstombs(NULL, L"count", 0));
    printf("%ld\n", (long)wcstombs(narrow, L"\x20ac", 16));
    const char *src = "restart";
    r = mbsrtowcs(wide, &src, 16, &st);
    printf("%zu %ls %d ", r, wide, src == NULL);
    src = "abcdef";
    r = mbsrtowcs(wide, &src, 3, &st);
    printf("%zu %s ", r, src);
    const wchar_t *wsrc = L"back";
    r = wcsrtombs(narrow, &wsrc, 16, &st);
    printf("%zu %s %d\n", r, narrow, wsrc == NULL);
    char16_t c16;
    char32_t c32v;
    r = mbrtoc16(&c16, "h", 1, &st);
    size_t r2 = mbrtoc32(&c32v, "i", 1, &st);
    printf("%zu %u %zu %u ", r, (unsigned)c16, r2, (unsigned)c32v);
    r = c32rtomb(mb, U'j', &st);
    printf("%zu %c\n", r, mb[0]);

    /* printf's %lc and %ls, swprintf. */
    printf("[%ls|%5ls|%-5ls|%.2ls|%lc|%3lc]\n", L"abc", L"ab", L"ab", L"abcdef", (wint_t)L'x', (wint_t)L'y');
    printf("[%S %C]\n", L"caps", (wint_t)L'c');
    int n = printf("[%ls]", L"a\xe9z");
    printf(" %d\n", n);
    wchar_t out[64];
    n = swprintf(out, 32, L"%d-%ls-%s-%lc-%5.1f", 42, L"wide", "narrow", (wint_t)L'c', 2.25);
    printf("%d %ls\n", n, out);
    n = swprintf(out, 4, L"%s", "toolong");
    printf("%d %ls\n", n, out[0] == L't' ? L"kept" : L"lost");
    n = swprintf(out, 32, L"\xe9%ls%c", L"\x20ac", 'k');
    printf("%d %x %x %x\n", n, (unsigned)out[0], (unsigned)out[1], (unsigned)out[2]);
    n = swprintf(out, 32, L"%s", "bad\xe9");
    printf("%d\n", n);
    n = swprintf(out, 64, L"%5d|%-4x|%+.2e|%05.1f|%lu|%hhd|%%|%p", 42, 255u, 1234.5, 2.25, 123456789012ul, 300, (void *)0);
    printf("%d %ls\n", n, out);
    n = swprintf(out, 32, L"%*d|%.*f|%n", 4, 7, 1, 2.5, &mr);
    printf("%d %ls %d\n", n, out, mr);
    printf("%zu %ls\n", wcslen(global_p), global_p);
    printf("%d %d %u\n", WCHAR_MIN, WCHAR_MAX, (unsigned)WEOF);
    return 0;
}
