/* Mutual recursions the optimizer collapses into one self-recursive
 * function (ir/src/inline.rs, inline_cycles): a regular-expression
 * matcher (matchstar, called once, calls matchhere back from a loop), a
 * recursive-descent expression parser (factor -> expr, term -> factor:
 * a cycle of three functions each called from one place), and even/odd
 * -- against gcc, and snapshotted inside them. */
#include <stdio.h>
#include <stdlib.h>

static int matchhere(const char *re, const char *t);

static int matchstar(int c, const char *re, const char *t) {
    do {
        if (matchhere(re, t)) return 1;
    } while (*t != '\0' && (*t++ == c || c == '.'));
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
    do {
        if (matchhere(re, t)) return 1;
    } while (*t++ != '\0');
    return 0;
}

/* expr := term (('+'|'-') term)*, term := factor (('*'|'/') factor)*,
 * factor := '-'* (digit | '(' expr ')'), each called from one place:
 * factor is inlined into term, then term into expr. */
static const char *pos;
static unsigned long expr(void);

static unsigned long factor(void) {
    unsigned long sign = 1;
    char c = *pos++;
    while (c == '-') {
        sign = -sign;
        c = *pos++;
    }
    if (c == '(') {
        unsigned long v = expr();
        pos++; /* ')' */
        return sign * v;
    }
    return sign * (unsigned long)(c - '0');
}

static unsigned long term(void) {
    unsigned long v = 1;
    char op = '*';
    for (;;) {
        unsigned long w = factor();
        if (op == '*') v *= w;
        else v = w ? v / w : v;
        if (*pos != '*' && *pos != '/') return v;
        op = *pos++;
    }
}

static unsigned long expr(void) {
    unsigned long v = 0;
    char op = '+';
    for (;;) {
        unsigned long w = term();
        v = op == '+' ? v + w : v - w;
        if (*pos != '+' && *pos != '-') return v;
        op = *pos++;
    }
}

static unsigned seed = 7;
static unsigned next(void) {
    seed = seed * 1103515245u + 12345u;
    return seed >> 8;
}

/* A random expression of depth at most d into buf; returns the end. */
static char *gen(char *buf, int d) {
    unsigned r = next() % 8;
    if (d == 0 || r < 2) {
        *buf++ = (char)('0' + next() % 10);
        return buf;
    }
    if (r == 2) {
        *buf++ = '-';
        return gen(buf, d - 1);
    }
    if (r == 3) {
        *buf++ = '(';
        buf = gen(buf, d - 1);
        *buf++ = ')';
        return buf;
    }
    buf = gen(buf, d - 1);
    *buf++ = "+-*/"[r - 4];
    return gen(buf, d - 1);
}

static int is_odd(unsigned n);
static int is_even(unsigned n) { return n == 0 ? 1 : is_odd(n - 1); }
static int is_odd(unsigned n) { return n == 0 ? 0 : is_even(n - 1); }

int main(void) {
    const char *pats[] = {"ab*c", "^a.*z$", "x.y.z", "q*r*s*t", "b.*a.*b", "mn$", "^.*.*.*x"};
    char line[81];
    long hits[7] = {0};
    for (int i = 0; i < 300; i++) {
        int l = 10 + i % 60;
        for (int j = 0; j < l; j++) line[j] = (char)('a' + next() % 26);
        line[l] = 0;
        /* Matches planted now and then: every pattern hits and misses. */
        if (i % 25 == 0) line[l / 3] = 'x', line[l / 3 + 2] = 'y', line[l / 3 + 4] = 'z';
        if (i % 30 == 0) line[l - 2] = 'm', line[l - 1] = 'n';
        for (int p = 0; p < 7; p++) hits[p] += match(pats[p], line);
    }
    for (int p = 0; p < 7; p++) printf("%s %ld\n", pats[p], hits[p]);
    static char buf[1 << 16];
    unsigned long sum = 0;
    for (int i = 0; i < 1000; i++) {
        char *end = gen(buf, 1 + i % 9);
        *end = 0;
        pos = buf;
        unsigned long v = expr();
        sum = sum * 31 + v;
        if (i % 250 == 0) printf("%s = %lu\n", buf, v);
    }
    printf("expressions %lu\n", sum);
    int parity = 0;
    for (unsigned n = 0; n < 3000; n += 7) parity += is_even(n) * 2 + is_even(n + 1);
    printf("parity %d\n", parity);
    return 0;
}
