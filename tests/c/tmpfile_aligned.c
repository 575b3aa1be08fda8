/* tmpfile: an anonymous file for update, written, read back, sought,
   appended and patched while work loops run (snapshots taken then hold
   its bytes); aligned_alloc and posix_memalign at alignments from 16 to
   8192, typed and not, freed and reused. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rec { int id; double w; char tag[12]; };

static unsigned long mix(unsigned long h, int n) {
    for (int i = 0; i < n; i++) h = h * 1000003u ^ (unsigned long)i;
    return h;
}

static int files(void) {
    FILE *f = tmpfile();
    if (!f) { printf("no tmpfile\n"); return 1; }
    unsigned long h = 5;
    for (int i = 0; i < 20; i++) {
        h = mix(h, 50);
        fprintf(f, "line %d %lu\n", i, h % 10007);
    }
    long end = ftell(f);
    printf("wrote %ld bytes\n", end);
    rewind(f);
    char buf[64];
    int n = 0;
    while (fgets(buf, sizeof buf, f)) {
        if (n % 7 == 0) printf("read: %s", buf);
        n++;
        h = mix(h, 30);
    }
    printf("lines %d eof %d\n", n, feof(f) != 0);
    fseek(f, 5, SEEK_SET);
    int c = fgetc(f);
    ungetc(c, f);
    printf("at 5: %c then %c\n", c, fgetc(f));
    fseek(f, 0, SEEK_END);
    struct rec r[3];
    for (int i = 0; i < 3; i++) {
        r[i].id = i * 11;
        r[i].w = i / 3.0;
        snprintf(r[i].tag, sizeof r[i].tag, "rec-%d", i);
    }
    fwrite(r, sizeof r[0], 3, f);
    fseek(f, 0, SEEK_SET);
    fputs("LINE", f); /* patches the first word */
    fseek(f, end, SEEK_SET);
    struct rec back[3];
    size_t got = fread(back, sizeof back[0], 3, f);
    printf("records %zu: %d %.4f %s / %d %.4f %s\n", got, back[1].id, back[1].w, back[1].tag,
           back[2].id, back[2].w, back[2].tag);
    size_t past = fread(back, 1, 8, f);
    printf("fread past the end: %zu eof %d\n", past, feof(f) != 0);
    rewind(f);
    fgets(buf, sizeof buf, f);
    printf("first: %s", buf);
    FILE *g = tmpfile();
    fputs("second file", g);
    fseek(g, -4, SEEK_END);
    fgets(buf, sizeof buf, g);
    printf("second: %s (at %ld)\n", buf, ftell(g));
    fclose(g);
    fclose(f);
    return 0;
}

static int aligned(void) {
    size_t aligns[] = {16, 32, 64, 256, 4096, 8192};
    size_t sizes[] = {1, 100, 5000};
    int bad = 0;
    void *keep[18];
    int k = 0;
    for (int i = 0; i < 6; i++) {
        for (int j = 0; j < 3; j++) {
            char *p = aligned_alloc(aligns[i], sizes[j]);
            if (!p || (uintptr_t)p % aligns[i] != 0) bad++;
            memset(p, i + j, sizes[j]);
            keep[k++] = p;
        }
    }
    long sum = 0;
    for (int i = 0; i < k; i++) {
        sum += ((unsigned char *)keep[i])[0];
        if (i % 2) free(keep[i]);
    }
    struct rec *recs = aligned_alloc(64, 8 * sizeof *recs);
    if ((uintptr_t)recs % 64) bad++;
    for (int i = 0; i < 8; i++) recs[i].id = i * i;
    sum += recs[7].id;
    free(recs);
    void *pm = 0;
    int rc = posix_memalign(&pm, 128, 300);
    if (rc != 0 || (uintptr_t)pm % 128) bad++;
    free(pm);
    printf("posix_memalign(3): %d\n", posix_memalign(&pm, 3, 10));
    for (int i = 0; i < k; i += 2) free(keep[i]);
    printf("aligned: %d misaligned, sum %ld\n", bad, sum);
    return bad;
}

int main(void) {
    return files() + aligned();
}
