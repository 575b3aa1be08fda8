/* Cross-architecture coverage of wide characters and long double: wide
 * strings (UTF-32 and UTF-16 units, little-endian in VM memory whatever
 * the host), a heap array of wchar_t built in a loop, wcs* functions,
 * swprintf into a wide buffer, and long double sums in a 16-byte-aligned
 * struct -- all live across safepoints, so a snapshot in the middle
 * carries them between hosts. */
#include <stdio.h>
#include <stdlib.h>
#include <wchar.h>
#include <wctype.h>
#include <uchar.h>

struct acc {
    char tag;
    long double sum;
    wchar_t last;
};

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 3000;
    static const wchar_t alphabet[] = L"abcdefghijklmnopqrstuvwxyz\u00e9\U0001F600";
    static const char16_t utf16[] = u"x\U0001F600y";
    size_t len = wcslen(alphabet);
    wchar_t *text = malloc((size_t)(n + 1) * sizeof *text);
    struct acc a = { 'w', 0.0L, 0 };
    unsigned long hash = 5381;
    for (int i = 0; i < n; i++) {
        wchar_t c = alphabet[(i * 7 + i / 13) % len];
        text[i] = iswalpha((wint_t)c) ? (wchar_t)towupper((wint_t)c) : c;
        hash = hash * 33 + (unsigned long)text[i];
        a.sum += (long double)(i % 97) / 4.0L;
        a.last = text[i];
    }
    text[n] = 0;
    wchar_t line[128];
    int k = swprintf(line, 128, L"n=%d hash=%lu sum=%.2Lf last=%lx", n, hash % 1000003,
                     a.sum, (unsigned long)a.last);
    printf("%d %ls\n", k, line);
    printf("%zu %zu %td\n", wcslen(text), wcsspn(text, L"ABCDEFG"), wcschr(text, L'Z') - text);
    printf("%x %x %x %zu\n", (unsigned)utf16[1], (unsigned)utf16[2], (unsigned)utf16[3], sizeof utf16);
    long count = 0;
    for (int r = 0; r < 20; r++)
        for (wchar_t *p = text; (p = wcschr(p, L'Q')) != NULL; p++) count++;
    printf("%ld %c %zu\n", count, a.tag, sizeof(struct acc));
    free(text);
    return 0;
}
