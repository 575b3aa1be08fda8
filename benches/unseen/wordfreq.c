#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* Word frequencies of generated text: tokenizing, a chained hash table of
   strings, strcmp, then qsort of the counts. */
struct entry { char *word; int count; struct entry *next; };
static unsigned long hash(const char *s) { unsigned long h = 5381; while (*s) h = h * 33 + (unsigned char)*s++; return h; }
static int cmp(const void *a, const void *b) {
    const struct entry *x = *(const struct entry *const *)a, *y = *(const struct entry *const *)b;
    if (x->count != y->count) return y->count - x->count;
    return strcmp(x->word, y->word);
}
int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    static const char *syl[] = {"ka", "lo", "mi", "nu", "pe", "ra", "si", "to", "ve", "zu", "an", "or"};
    char *text = malloc(n * 12 + 1);
    long len = 0;
    unsigned long x = 12345;
    for (long w = 0; w < n; w++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        int k = 1 + (int)(x % 3);
        unsigned long y = x >> 8;
        for (int i = 0; i < k; i++) { const char *s = syl[(y % 12) * (y % 7 < 4) + (y % 5) * (y % 7 >= 4)]; y /= 12; text[len++] = s[0]; text[len++] = s[1]; }
        text[len++] = (w % 17 == 16) ? '\n' : ' ';
    }
    text[len] = 0;
    int nb = 4096;
    struct entry **tab = calloc(nb, sizeof *tab);
    int distinct = 0;
    char buf[64];
    for (char *p = text; *p;) {
        while (*p == ' ' || *p == '\n') p++;
        if (!*p) break;
        int l = 0;
        while (*p && *p != ' ' && *p != '\n') buf[l++] = *p++;
        buf[l] = 0;
        unsigned long h = hash(buf) % nb;
        struct entry *e = tab[h];
        while (e && strcmp(e->word, buf) != 0) e = e->next;
        if (!e) { e = malloc(sizeof *e); e->word = strdup(buf); e->count = 0; e->next = tab[h]; tab[h] = e; distinct++; }
        e->count++;
    }
    struct entry **all = malloc(distinct * sizeof *all);
    int m = 0;
    for (int i = 0; i < nb; i++) for (struct entry *e = tab[i]; e; e = e->next) all[m++] = e;
    qsort(all, m, sizeof *all, cmp);
    printf("%d distinct\n", distinct);
    for (int i = 0; i < 5 && i < m; i++) printf("%s %d\n", all[i]->word, all[i]->count);
    return 0;
}
