/* string.h functions and string literals. */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

int main(void) {
    char buf[64];
    strcpy(buf, "hello");
    strcat(buf, ", world");
    printf("%s %lu\n", buf, strlen(buf));
    printf("%d %d %d\n", strcmp("abc", "abd") < 0, strcmp("b", "a") > 0, strcmp("x", "x"));
    printf("%d\n", strncmp("abcdef", "abcxyz", 3));
    char *p = strchr(buf, 'w');
    printf("%s %ld\n", p, p - buf);
    printf("%s\n", strrchr(buf, 'o'));
    printf("%s\n", strstr(buf, "lo, "));
    printf("%p\n", (void *)strstr(buf, "zzz"));
    char *d = strdup(buf);
    d[0] = 'J';
    printf("%s %s\n", d, buf);
    free(d);
    memset(buf, 'x', 3);
    printf("%s\n", buf);
    char src[] = "0123456789";
    memmove(src + 2, src, 5);
    printf("%s\n", src);
    memcpy(buf, "abc", 4);
    printf("%s %d\n", buf, memcmp("abc", "abd", 3) < 0);
    char n[8];
    strncpy(n, "truncate me", 7);
    n[7] = 0;
    printf("%s\n", n);
    strncat(n, "zzzzzz", 0);
    printf("%s\n", n);
    const char *lit = "concat" "enated" " literal";
    printf("%s %lu\n", lit, sizeof("abc"));
    printf("%c%c\n", "xyz"[1], *("xyz" + 2));
    char esc[] = "tab\there\\ \"q\" \x41\101\n";
    printf("%s", esc);
    printf("%d %d %d %d\n", '\n', '\0', '\'', '\x7f');
    printf("%d\n", (int)sizeof(esc));
    return 0;
}
