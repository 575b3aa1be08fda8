/* stdio on files: every fopen mode, fread/fwrite of binary data, fseek and
   ftell from each origin, rewind and clearerr, ungetc of the byte just
   read (a tokenizer's lookahead), feof, setvbuf. */
/* resume: once */
#include <ctype.h>
#include <stdio.h>

/* Reads the numbers and words of `f`, with one byte of lookahead. */
static void tokens(FILE *f) {
    int c;
    while ((c = getc(f)) != EOF) {
        if (isdigit(c)) {
            long v = 0;
            while (c != EOF && isdigit(c)) {
                v = v * 10 + (c - '0');
                c = getc(f);
            }
            if (c != EOF) printf("ungetc %d ", ungetc(c, f) == c);
            printf("num %ld\n", v);
        } else if (isalpha(c)) {
            char w[32];
            int n = 0;
            while (c != EOF && isalpha(c) && n < 31) {
                w[n++] = (char)c;
                c = getc(f);
            }
            w[n] = 0;
            if (c != EOF) ungetc(c, f);
            printf("word %s\n", w);
        }
    }
    printf("eof %d\n", feof(f) != 0);
}

int main(void) {
    FILE *f = fopen("pivm_stdio_files.txt", "w");
    if (!f) {
        printf("cannot create a file here\n");
        return 1;
    }
    printf("setvbuf %d %d\n", setvbuf(f, NULL, _IOFBF, 4096), setvbuf(stdout, NULL, _IOLBF, 0));
    fputs("abc 123 de45 6\n", f);
    fclose(f);
    f = fopen("pivm_stdio_files.txt", "a");
    fprintf(f, "tail%d\n", 7);
    fclose(f);
    f = fopen("pivm_stdio_files.txt", "r");
    tokens(f);
    clearerr(f);
    printf("eof after clearerr %d ferror %d\n", feof(f) != 0, ferror(f));
    rewind(f);
    char line[64];
    printf("after rewind: %s", fgets(line, sizeof line, f));
    fclose(f);

    f = fopen("pivm_stdio_files.txt", "r+");
    fseek(f, 4, SEEK_SET);
    fputs("XYZ", f);
    fseek(f, -6, SEEK_END);
    printf("ftell %ld\n", ftell(f));
    fgets(line, sizeof line, f);
    printf("end: %s", line);
    fseek(f, 0, SEEK_SET);
    fgets(line, sizeof line, f);
    printf("patched: %s", line);
    fclose(f);

    f = fopen("pivm_stdio_files.bin", "w+b");
    double d[4] = {1.5, -2.25, 1e300, 0.1};
    printf("fwrite %zu\n", fwrite(d, sizeof d[0], 4, f));
    fseek(f, sizeof d[0], SEEK_SET);
    double back[3];
    printf("fread %zu:", fread(back, sizeof back[0], 3, f));
    for (int i = 0; i < 3; i++) printf(" %g", back[i]);
    printf("\nfread past end %zu eof %d\n", fread(back, sizeof back[0], 1, f), feof(f) != 0);
    fseek(f, -8, SEEK_CUR);
    printf("ftell %ld\n", ftell(f));
    fclose(f);
    printf("remove %d %d\n", remove("pivm_stdio_files.txt"), remove("pivm_stdio_files.bin"));

    return 0;
}
