/* tmpfile, tmpnam and freopen: a scratch file written and read back, two
   fresh names, a stream moved to another file and its mode changed under
   the same handle. */
/* resume: once */
#include <stdio.h>
#include <string.h>

int main(void) {
    FILE *t = tmpfile();
    if (!t) { printf("tmpfile failed\n"); return 1; }
    fputs("scratch line\n", t);
    fprintf(t, "%d %s\n", 42, "more");
    rewind(t);
    char line[64];
    while (fgets(line, sizeof line, t)) printf("tmp: %s", line);
    printf("tmp at eof: %d\n", feof(t) != 0);

    char a[L_tmpnam], b[L_tmpnam];
    if (!tmpnam(a) || !tmpnam(b)) { printf("tmpnam failed\n"); return 1; }
    printf("names differ: %d\n", strcmp(a, b) != 0);
    FILE *fa = fopen(a, "r");
    printf("first name is free: %d\n", fa == NULL);

    FILE *f = fopen("one.txt", "w");
    fputs("first file\n", f);
    FILE *g = freopen("two.txt", "w", f);
    printf("same stream: %d\n", g == f);
    fputs("second file\n", g);
    g = freopen(NULL, "r", g);
    printf("mode change keeps it: %d\n", g == f);
    if (g && fgets(line, sizeof line, g)) printf("two.txt: %s", line);
    g = freopen("one.txt", "r", g);
    if (g && fgets(line, sizeof line, g)) printf("one.txt: %s", line);
    g = freopen("missing/nothing.txt", "r", g);
    printf("missing file: %s\n", g ? "opened" : "NULL");
    fclose(t);
    remove("one.txt");
    remove("two.txt");
    return 0;
}
