/* fscanf on a file the program writes: integers in every base and length,
   floats (decimal, hexadecimal, inf, nan), strings, scan sets, characters,
   widths, suppression, %n and %%, literal matching, the lookahead left in
   the stream for the next read, and the counts returned on a mismatch and
   at the end of the file. scanf on stdin (empty here: EOF). */
/* resume: once */
#include <stdio.h>
#include <string.h>

static FILE *with(const char *text) {
    FILE *f = fopen("fscanf.txt", "w");
    fputs(text, f);
    fclose(f);
    return fopen("fscanf.txt", "r");
}

int main(void) {
    int a = 0, b = 0, n = 0, r;
    char w[32] = "", x[32] = "";
    double d = 0;
    float fl = 0;
    FILE *f = with("12 34 word 2.5\nff:rest -0x1F 0777 -5 300 123456789012\n");
    r = fscanf(f, "%d %d %31s %lf", &a, &b, w, &d);
    printf("%d: %d %d %s %g\n", r, a, b, w, d);
    unsigned u = 0;
    r = fscanf(f, "%x:%31s", &u, w);
    printf("%d: %u %s\n", r, u, w);
    long l = 0;
    short sh = 0;
    signed char hh = 0;
    long long ll = 0;
    r = fscanf(f, "%li %lo %hhd %hd %lld", &l, &l, &hh, &sh, &ll);
    printf("%d: %ld %d %d %lld\n", r, l, hh, sh, ll);
    /* The newline after the last number is still there. */
    printf("next %d\n", fgetc(f));
    printf("end %d\n", fscanf(f, "%d", &a));
    fclose(f);

    f = with("abc123def key = value; 12345 %7 x   y\n  xyz");
    r = fscanf(f, "%[a-z]%d%n", w, &a, &n);
    printf("%d: %s %d %d\n", r, w, a, n);
    r = fscanf(f, "%[a-z] %[^ =] = %[^;];", x, w, x);
    printf("%d: [%s] [%s]\n", r, w, x);
    r = fscanf(f, "%2d%*2d%d %% %d", &a, &b, &n, &n);
    printf("%d: %d %d %d\n", r, a, b, n);
    char c1 = 0, c2 = 0;
    r = fscanf(f, " %c %c", &c1, &c2);
    printf("%d: %c %c\n", r, c1, c2);
    char c3[4] = "";
    r = fscanf(f, "%3c", c3);
    printf("%d: [%.3s]\n", r, c3);
    fclose(f);

    f = with("1.5e3 -0x1.8p1 inf -nan 0x10 1e 7 .5 +.25e-1x 3");
    for (int i = 0; i < 4; i++) {
        r = fscanf(f, "%lf", &d);
        printf("%d: %g\n", r, d);
    }
    r = fscanf(f, "%f", &fl);
    printf("%d: %g\n", r, fl);
    /* "1e" reads as 1 (as glibc), its "e" consumed. */
    r = fscanf(f, "%lf", &d);
    printf("%d: %g next %c\n", r, d, fgetc(f));
    r = fscanf(f, "%d %lf %lf", &a, &d, &d);
    printf("%d: %d %g next %c\n", r, a, d, fgetc(f));
    fclose(f);

    f = with("10 20 30 x 40");
    int sum = 0;
    while (fscanf(f, "%d", &a) == 1) sum += a;
    printf("sum %d, then %d %d\n", sum, fscanf(f, "%d", &a), fscanf(f, "%1s", w));
    printf("%s %d\n", w, fscanf(f, "%d", &a));
    printf("%d at eof\n", fscanf(f, "%d", &a));
    fclose(f);

    /* Floating-point text that is no number: "0x", "-0x", "+." and a
       partial "infinity" do not match (what they read is consumed);
       "nan(1)" reads "nan"; an exponent without digits is consumed. */
    const char *bad[] = {"0xg", "-0x", "+.e1", "infin", "inf x", "nan(1)", "1.5e+ 2", "0x1p"};
    for (int i = 0; i < 8; i++) {
        f = with(bad[i]);
        d = -1;
        n = -1;
        r = fscanf(f, "%lf%n", &d, &n);
        printf("[%s] %d: %g %d next %d\n", bad[i], r, d, n, fgetc(f));
        fclose(f);
    }
    /* %3c at the end of the file: a field cut short still counts. */
    f = with("ab");
    memset(c3, 0, sizeof c3);
    r = fscanf(f, "%3c", c3);
    printf("%d: [%s]\n", r, c3);
    fclose(f);

    f = with("0x 0xg 12abc");
    r = fscanf(f, "%x", &u);
    printf("%d: next %c\n", r, fgetc(f));
    r = fscanf(f, "%i%s", &a, w);
    printf("%d: %d %s\n", r, a, w);
    fclose(f);
    remove("fscanf.txt");

    printf("stdin %d\n", scanf("%d", &a));
    return 0;
}
