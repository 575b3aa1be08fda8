/* Wide-oriented stdout: wprintf, putwchar, fputws, fwide, and wide
   input from a file. */
#include <stdio.h>
#include <wchar.h>

int main(void) {
    int before = fwide(stdout, 0);
    int n = wprintf(L"hello %ls %d %s|%5.2f|%lc\n", L"wide", 7, "narrow", 3.14159, (wint_t)L'!');
    wprintf(L"count %d, orientation %d then %d\n", n, before, fwide(stdout, 0));
    putwchar(L'x');
    putwc(L'y', stdout);
    fputwc(L'\n', stdout);
    fputws(L"fputws line\n", stdout);
    wint_t q = fputwc(0xe9, stdout);
    wprintf(L" fputwc of a non-ASCII character: %x\n", (unsigned)q);
    wprintf(L"fwide(-1) on a wide stream: %d\n", fwide(stdout, -1));

    FILE *f = tmpfile();
    fputws(L"first line\nsecond\n", f);
    rewind(f);
    wchar_t line[32];
    while (fgetws(line, 32, f)) wprintf(L"read: %ls", line);
    rewind(f);
    wint_t c = fgetwc(f);
    wint_t back = ungetwc(c, f);
    wint_t again = getwc(f);
    wprintf(L"getwc %lc, ungetwc %lc, again %lc\n", (wint_t)c, back, again);
    fclose(f);

    FILE *g = tmpfile();
    int set = fwide(g, -1);
    int now = fwide(g, 1);
    wprintf(L"byte stream: fwide %d %d, fputws %d\n", set, now, fputws(L"no", g));
    fclose(g);
    wprintf(L"non-ASCII: %ls|%lc|\xe9\n", L"\xe9t\xe9", (wint_t)0xe8);
    int n2 = wprintf(L"narrow %s then", "bad\xe9");
    wprintf(L" %d\n", n2);
    return 0;
}
