/* Functions whose head returns at once on some path, called again and
   again from other functions: the optimizer inlines the head at those
   calls and calls the rest (ir/src/partial.rs). A recursive matcher
   whose first compare fails, walks that test a null pointer, a lookup
   that tests its key against a global, a gcd whose self tail call became
   a loop (the head takes its first test), a void function that returns
   early, and a head that reads memory the caller then changes. gcc is
   the oracle. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int matchhere(const char *re, const char *t);
static int matchstar(int c, const char *re, const char *t) {
    do { if (matchhere(re, t)) return 1; } while (*t != '\0' && (*t++ == c || c == '.'));
    return 0;
}
static int matchhere(const char *re, const char *t) {
    if (re[0] == '\0') return 1;
    if (re[1] == '*') return matchstar(re[0], re + 2, t);
    if (re[0] == '$' && re[1] == '\0') return *t == '\0';
    if (*t != '\0' && (re[0] == '.' || re[0] == *t)) return matchhere(re + 1, t + 1);
    return 0;
}
static int match(const char *re, const char *t) {
    if (re[0] == '^') return matchhere(re + 1, t);
    do { if (matchhere(re, t)) return 1; } while (*t++ != '\0');
    return 0;
}

struct node { int v; struct node *l, *r; };
static struct node *build(int d, unsigned *s) {
    if (d == 0) return NULL;
    *s = *s * 1103515245 + 12345;
    if ((*s >> 16) % 5 == 0) return NULL;
    struct node *n = malloc(sizeof *n);
    n->v = (int)(*s >> 20) % 100;
    n->l = build(d - 1, s);
    n->r = build(d - 1, s);
    return n;
}
static long sum(const struct node *t) {
    if (!t) return 0;
    return t->v + sum(t->l) * 3 + sum(t->r);
}

static int table_n = 40;
static int table[64];
static int lookup(int k) {
    if (k < 0 || k >= table_n) return -1;
    int i = 0;
    while (table[i] != k && i < table_n) i++;
    return i;
}

static int gcd(int a, int b) {
    if (b == 0) return a;
    return gcd(b, a % b);
}

static void bump(int *c, int k) {
    if (k <= 0) return;
    for (int i = 0; i < k; i++) c[i % 8] += i;
}

static int first_zero(const int *a) {
    if (a[0] == 0) return 0;
    int i = 1;
    while (a[i] != 0) i++;
    return i;
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 400;
    const char *pats[] = {"ab*c", "^a.*z$", "x.y.z", "q*r*s*t", "b.*a.*b", "mn$", "^$", ".*"};
    char line[81];
    unsigned s = 3;
    long hits[8] = {0};
    for (int i = 0; i < n; i++) {
        int l = i % 70;
        for (int j = 0; j < l; j++) { s = s * 1103515245 + 12345; line[j] = 'a' + (s >> 16) % 26; }
        line[l] = 0;
        for (int p = 0; p < 8; p++) hits[p] += match(pats[p], line);
    }
    for (int p = 0; p < 8; p++) printf("%s %ld\n", pats[p], hits[p]);

    struct node *trees[16];
    unsigned seed = 11;
    for (int i = 0; i < 16; i++) trees[i] = build(i % 9, &seed);
    unsigned long total = 0;
    for (int r = 0; r < 4; r++)
        for (int i = 0; i < 16; i++) total = total * 7 + (unsigned long)sum(trees[i]);
    printf("trees %lu\n", total);

    for (int i = 0; i < 64; i++) table[i] = (i * 37) % 64;
    unsigned long found = 0;
    for (int k = -5; k < 70; k++) {
        found = found * 3 + (unsigned long)lookup(k);
        if (k == 30) table_n = 60;
    }
    printf("lookup %lu\n", found);

    long g = 0;
    for (int a = 0; a < 60; a++)
        for (int b = 0; b < 60; b += 7) g += gcd(a, b) * (a + 1);
    printf("gcd %ld\n", g);

    int c[8] = {0};
    for (int k = -3; k < 30; k++) bump(c, k % 11);
    printf("bump %d %d %d %d %d %d %d %d\n", c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]);

    int zs[32];
    unsigned long z = 0;
    for (int r = 0; r < 20; r++) {
        for (int i = 0; i < 32; i++) zs[i] = (i * 7 + r) % 13;
        z = z * 5 + first_zero(zs) + first_zero(zs + r % 5);
        zs[0] = 0;
        z = z * 5 + first_zero(zs);
    }
    printf("zeros %lu\n", z);
    return 0;
}
