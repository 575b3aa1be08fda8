/* Loads the JIT answers from an earlier load of the same address on the
 * same path (jit/src/lower/ops.rs, `loaded`), across the joins of if
 * chains, each with a way to get it wrong: a store through another pointer
 * to the same bytes on one side of a join, a call that writes memory, a
 * byte of a word stored, the same address read as two types, an inline
 * memset and memcpy, a pointer that changes on one side of a join, and a
 * recursive matcher that reads the same bytes in a chain of ifs. Compared
 * with gcc. */
/* args: 3000 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct node {
    int key, val;
    unsigned char tag[8];
};

static unsigned long h = 1469598103934665603UL;
#define mix(x) (h = (h ^ (unsigned long)(x)) * 1099511628211UL)

static int bump(struct node *n, int by) {
    n->val += by;
    return n->key & 3;
}

/* Reads p->key and q->key in a chain of ifs; q may be p. */
static int chain(struct node *p, struct node *q, int i) {
    int r = 0;
    if (p->key > 10)
        r += p->key;
    if (i & 2)
        q->key = i; /* on one side of the join only */
    if (p->key < 1000)
        r += p->key * 3;
    else
        r -= p->val;
    if ((i & 6) == 2)
        r += bump(q, i); /* a call that writes memory */
    if (p->val == q->val)
        r ^= p->val;
    r += p->key + p->val;
    return r;
}

/* The same bytes as an int, its bytes and its halves (a union, so that
 * gcc reads them as the program says). */
union word {
    int w;
    unsigned short sh[2];
    unsigned char b[4];
};

static int types(union word *u, int i) {
    int r = 0;
    r += u->w & 0xffff;
    if (u->b[1] > 100)
        r += u->b[1];
    if (i % 3 == 0)
        u->b[1] = (unsigned char)(i * 7); /* part of the word just read */
    r += u->w;
    if (i % 3 == 1)
        u->sh[1] = (unsigned short)i; /* the other half */
    r ^= u->w + u->b[1] + u->sh[0];
    if (i % 5 == 0)
        memset(u->b, i & 0xff, 3);
    r += u->b[0] + u->b[2] + u->w;
    return r;
}

/* A pointer stepped on one side of a join. */
static long walk(const int *a, int n) {
    const int *p = a;
    long s = 0;
    for (int i = 0; i < n; i++) {
        s += *p;
        if (*p & 1)
            p++;
        s += *p * 2;
        if (p[1] > p[0])
            s -= p[1];
        s += p[0];
    }
    return s;
}

static int matchhere(const char *re, const char *t);
static int matchstar(int c, const char *re, const char *t) {
    do {
        if (matchhere(re, t))
            return 1;
    } while (*t != '\0' && (*t++ == c || c == '.'));
    return 0;
}
static int matchhere(const char *re, const char *t) {
    if (re[0] == '\0')
        return 1;
    if (re[1] == '*')
        return matchstar(re[0], re + 2, t);
    if (re[0] == '$' && re[1] == '\0')
        return *t == '\0';
    if (*t != '\0' && (re[0] == '.' || re[0] == *t))
        return matchhere(re + 1, t + 1);
    return 0;
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 3000;
    struct node *nodes = malloc(sizeof(struct node) * 8);
    for (int i = 0; i < 8; i++) {
        nodes[i].key = i * 300;
        nodes[i].val = i * 11;
        memset(nodes[i].tag, i * 37, 8);
    }
    union word *words = malloc(sizeof(union word) * 8);
    for (int i = 0; i < 8; i++)
        words[i].w = i * 0x01234567;
    int *a = malloc(sizeof(int) * (n + 2));
    for (int i = 0; i < n + 2; i++)
        a[i] = (i * 2654435761u) >> 20;
    char line[64];
    const char *pats[] = {"ab*c", "^a.*z$", "x.y", "q*r*t", "b.*a", "mn$", ".*", ""};
    unsigned s = 7;
    long hits = 0;
    for (int i = 0; i < n; i++) {
        struct node *p = &nodes[i & 7];
        struct node *q = &nodes[(i * 5) & 7]; /* sometimes p */
        mix(chain(p, q, i));
        mix(types(&words[(i >> 3) & 7], i));
        int l = 1 + i % 40;
        for (int j = 0; j < l; j++) {
            s = s * 1103515245 + 12345;
            line[j] = 'a' + (s >> 16) % 26;
        }
        line[l] = 0;
        for (int k = 0; k < 8; k++) {
            const char *re = pats[k];
            int m = re[0] == '^' ? matchhere(re + 1, line) : 0;
            const char *t = line;
            if (re[0] != '^')
                do {
                    if (matchhere(re, t)) {
                        m = 1;
                        break;
                    }
                } while (*t++ != '\0');
            hits += m;
        }
    }
    mix(walk(a, n));
    for (int i = 0; i < 8; i++) {
        mix(nodes[i].key);
        mix(nodes[i].val);
        for (int j = 0; j < 8; j++)
            mix(nodes[i].tag[j]);
        mix(words[i].w);
    }
    printf("%lu %ld\n", h, hits);
    return 0;
}
