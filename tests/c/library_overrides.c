/* A program's own definition of a function pivm's headers define
   replaces the header's, as a definition in the program replaces the C
   library's under gcc: this program's strndup (which counts its calls)
   and strspn (which counts nothing but a's) are the ones called. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int copies;

char *strndup(const char *s, size_t n) {
    copies++;
    char *d = malloc(n + 1);
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

size_t strspn(const char *s, const char *accept) {
    size_t n = 0;
    (void)accept;
    while (s[n] == 'a') n++;
    return n;
}

int main(int argc, char **argv) {
    char text[] = "aaab, then more";
    text[0] += argc - 1; /* not a constant gcc could fold */
    char *p = strndup(text, 4);
    char *q = strndup(text + 6, 4);
    printf("%s|%s %d %zu %zu\n", p, q, copies, strspn(text, "ab"), strspn(q, "th"));
    free(p);
    free(q);
    return 0;
}
