/* POSIX and GNU library functions and gcc builtins programs use, against
   glibc: getline and getdelim (a growing buffer, the last line without
   its newline, -1 at the end), strndup, strnlen, stpcpy, stpncpy,
   memrchr, memmem, asprintf and vasprintf; __builtin_constant_p,
   __builtin_types_compatible_p and __builtin_choose_expr. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int say(char **out, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(out, fmt, ap);
    va_end(ap);
    return n;
}

#define IS_INT(x) __builtin_types_compatible_p(typeof(x), int)

int main(void) {
    FILE *f = tmpfile();
    fputs("first line\n\nthird, with a longer text than the first buffer holds: ", f);
    for (int i = 0; i < 40; i++) fputs("0123456789", f);
    fputs("\nlast;part;no newline", f);
    fseek(f, 0, SEEK_SET);
    char *line = NULL;
    size_t cap = 0;
    long n;
    while ((n = getline(&line, &cap, f)) != -1)
        printf("%ld [%.20s] %d\n", n, line, line[n - 1] == '\n');
    fseek(f, 0, SEEK_SET);
    while ((n = getdelim(&line, &cap, ';', f)) != -1)
        printf("delim %ld %c\n", n, line[n - 1]);
    free(line);
    fclose(f);

    char *d = strndup("hello world", 5);
    printf("%s %zu %zu %zu\n", d, strnlen(d, 3), strnlen(d, 10), strnlen("", 4));
    free(d);
    char buf[32];
    char *e = stpcpy(stpcpy(buf, "ab"), "cd");
    printf("%s %td\n", buf, e - buf);
    memset(buf, 'x', sizeof buf);
    e = stpncpy(buf, "hi", 5);
    printf("%td %d %d %d\n", e - buf, buf[2], buf[4], buf[5]);
    const char *s = "a/b/c/d";
    printf("%s\n", (char *)memrchr(s, '/', strlen(s)));
    printf("%s %p\n", (char *)memmem(s, 7, "c/", 2), memmem(s, 7, "zz", 2));
    char *out;
    int m = asprintf(&out, "%d-%s-%.2f", 42, "x", 2.5);
    printf("%d %s\n", m, out);
    free(out);
    m = say(&out, "<%5s|%-3d>", "ab", 7);
    printf("%d %s\n", m, out);
    free(out);

    int k = 3;
    printf("%d %d %d\n", __builtin_constant_p(7), __builtin_constant_p(k), __builtin_constant_p(2.5));
    printf("%d %d %d\n", IS_INT(k), IS_INT(2.0), __builtin_types_compatible_p(const int, int));
    printf("%d %d\n", __builtin_types_compatible_p(int[4], int[]), __builtin_types_compatible_p(int *, long *));
    printf("%d %zu\n", __builtin_choose_expr(1, k, 2.5), sizeof(__builtin_choose_expr(0, k, 2.5)));
    return 0;
}
