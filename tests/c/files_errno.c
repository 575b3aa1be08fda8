/* Files beneath the preopened directory: remove and rename (errno on
   failure), strtol/strtoul/strtod setting ERANGE and EINVAL, strerror,
   perror. */
/* resume: once */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void show(const char *what, int r) {
    int e = errno;
    printf("%s: %d errno %d (%s)\n", what, r, r ? e : 0, r ? strerror(e) : "-");
    errno = 0;
}

int main(void) {
    FILE *f = fopen("pivm_files_errno_a.txt", "w");
    if (!f) {
        printf("cannot create a file here\n");
        return 1;
    }
    fputs("first line\n", f);
    fclose(f);
    show("rename", rename("pivm_files_errno_a.txt", "pivm_files_errno_b.txt"));
    errno = 0;
    f = fopen("pivm_files_errno_a.txt", "r");
    printf("old name opens: %d errno %d\n", f != NULL, errno);
    f = fopen("pivm_files_errno_b.txt", "r");
    char line[32];
    printf("new name: %s", fgets(line, sizeof line, f));
    fclose(f);
    show("remove", remove("pivm_files_errno_b.txt"));
    show("remove again", remove("pivm_files_errno_b.txt"));
    errno = ENOENT;
    perror("perror writes to stderr");
    show("rename missing", rename("pivm_files_errno_missing", "pivm_files_errno_c"));
    errno = 0;
    printf("fopen bad mode: %d errno %d\n", fopen("pivm_files_errno_b.txt", "q") == NULL, errno);

    errno = 0;
    long l = strtol("99999999999999999999", NULL, 10);
    printf("strtol over %ld errno %d\n", l, errno);
    errno = 0;
    l = strtol("-99999999999999999999", NULL, 10);
    printf("strtol under %ld errno %d\n", l, errno);
    errno = 0;
    l = strtol("123", NULL, 10);
    printf("strtol ok %ld errno %d\n", l, errno);
    errno = 0;
    unsigned long u = strtoul("999999999999999999999", NULL, 10);
    printf("strtoul over %lu errno %d\n", u, errno);
    errno = 0;
    char *end = "untouched";
    l = strtol("12", &end, 1);
    printf("strtol base 1 %ld errno %d rest '%s'\n", l, errno, end);
    const char *ds[] = {"1e400", "-1e400", "1e-400", "0.0", "0e-999", "inf", "4.9e-324", "2.5e-308", "1.5",
                        "0x1p-1080", "0x0p-9999", "0x1.8p1", "-0x.8", "0xAbC.dEfp-3z", "0x1p1024", "0x1.fffffffffffff8p1023",
                        "0x1.00000000000008p0", "0x1.000000000000081p0", "0x1.00000000000018p0", "0x0.0000000000001p-1022",
                        "0x1.8p-1074", "0x1p-1075", "0x1.0000001p-1075", "0x", "0xg", "0x1p", "0x1p+", "nan(abc_1)x",
                        "nan(", "-nan", "INFINITYx", "  +.5e-3q", "1e+", "."};
    for (int i = 0; i < 34; i++) {
        errno = 0;
        double d = strtod(ds[i], &end);
        printf("strtod %-24s %.17g errno %d rest '%s'\n", ds[i], d, errno == ERANGE, end);
    }
    printf("%s|%s|%s\n", strerror(ERANGE), strerror(EDOM), strerror(9999));
    return 0;
}
