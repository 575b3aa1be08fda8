/* More glibc odds and ends as glibc's: strverscmp (every pair of a list
   of version-like strings, and a sort by it), fileno of the standard
   streams (a file fopen opens has no descriptor in pivm: -1 there, 3 and
   up in glibc, so only "not a standard one" is printed), isatty (no
   descriptor is a terminal in pivm; in the test, stdout is a pipe for
   gcc's binary too), ftello and fseeko, and the *_unlocked stdio calls. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>
#include <errno.h>
static int cmp(const void *a, const void *b) { return strverscmp(*(const char **)a, *(const char **)b); }
int main(void) {
    const char *v[] = {"a", "a0", "a01", "a010", "a09", "a1", "a10", "a9", "a2", "000", "00", "01", "010", "09", "0", "1", "9", "10",
                       "1.0", "1.01", "1.1", "1.10", "1.9", "1.009", "foo2bar", "foo10bar", "foo02", "foo002", "", "x", "x9y", "x10y", "a010b", "a01b"};
    int n = sizeof v / sizeof v[0];
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            int r = strverscmp(v[i], v[j]);
            putchar(r < 0 ? '<' : r > 0 ? '>' : '=');
        }
    putchar('\n');
    qsort(v, n, sizeof v[0], cmp);
    for (int i = 0; i < n; i++) printf("%s ", v[i]);
    printf("\n%d %d %d\n", fileno(stdin), fileno(stdout), fileno(stderr));
    errno = 0;
    int t = isatty(1);
    printf("isatty %d %d\n", t, errno == ENOTTY);
    FILE *f = tmpfile();
    fputs_unlocked("hello world\n", f);
    putc_unlocked('!', f);
    fwrite_unlocked("abc", 1, 3, f);
    printf("tell %ld\n", (long)ftello(f));
    fseeko(f, 6, SEEK_SET);
    char buf[32];
    fgets_unlocked(buf, sizeof buf, f);
    printf("[%s] %d %d\n", buf, getc_unlocked(f), fgetc_unlocked(f));
    errno = 0;
    int fd = fileno(f);
    printf("%d\n", fd < 0 || fd > 2);
    fclose(f);
    putchar_unlocked('X');
    fflush_unlocked(stdout);
    putchar('\n');
    return 0;
}
