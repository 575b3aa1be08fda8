/* char is signed; character arithmetic; string scanning; escapes. */
#include <stdio.h>

int count_words(const char *s) {
    int n = 0, in = 0;
    for (; *s; s++) {
        if (*s == ' ' || *s == '\n' || *s == '\t') in = 0;
        else if (!in) {
            in = 1;
            n++;
        }
    }
    return n;
}

void reverse(char *s) {
    char *e = s;
    while (*e) e++;
    e--;
    while (s < e) {
        char t = *s;
        *s++ = *e;
        *e-- = t;
    }
}

void caesar(char *s, int k) {
    for (; *s; s++) {
        if (*s >= 'a' && *s <= 'z') *s = 'a' + (*s - 'a' + k) % 26;
        else if (*s >= 'A' && *s <= 'Z') *s = 'A' + (*s - 'A' + k) % 26;
    }
}

int main(void) {
    char c = 200;
    printf("%d %d\n", c, c < 0);
    char hi = 'z' + 5;
    printf("%d\n", hi);
    printf("%d\n", count_words("  the quick\tbrown\nfox  "));
    char s[] = "Hello, World";
    reverse(s);
    printf("%s\n", s);
    caesar(s, 3);
    printf("%s\n", s);
    char digits[11];
    for (int i = 0; i < 10; i++) digits[i] = '0' + (9 - i);
    digits[10] = '\0';
    printf("%s\n", digits);
    int v = 0;
    for (const char *p = "12345"; *p; p++) v = v * 10 + (*p - '0');
    printf("%d\n", v);
    printf("[\a\b\f\v\r]\n");
    printf("%d %d %d\n", '\101', '\x42', '\0' + 'C');
    unsigned char bytes[] = {0xde, 0xad, 0xbe, 0xef};
    unsigned int w = 0;
    for (int i = 0; i < 4; i++) w = (w << 8) | bytes[i];
    printf("%08x\n", w);
    return 0;
}
