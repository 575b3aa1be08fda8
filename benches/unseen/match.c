#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* A small regular-expression matcher (c . * ^ $), recursive, over lines. */
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
int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 300000;
    const char *pats[] = {"ab*c", "^a.*z$", "x.y.z", "q*r*s*t", "b.*a.*b", "mn$"};
    char line[81];
    unsigned s = 3; long hits[6] = {0};
    for (int i = 0; i < n; i++) {
        int l = 20 + i % 60;
        for (int j = 0; j < l; j++) { s = s * 1103515245 + 12345; line[j] = 'a' + (s >> 16) % 26; }
        line[l] = 0;
        for (int p = 0; p < 6; p++) hits[p] += match(pats[p], line);
    }
    for (int p = 0; p < 6; p++) printf("%s %ld\n", pats[p], hits[p]);
    return 0;
}
