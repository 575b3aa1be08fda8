/* strcmp and strncmp of short and long strings (and memcmp and strlen), at every offset of a
   difference or an end, with bytes above 0x7f, on the stack, in globals
   and at the very end of the heap's top block: compiled code compares the
   first 8 bytes inline and calls the host for the rest, and memcmp and
   strlen by direct host calls (jit/src/lower/strings.rs); every result
   must be glibc's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *words[] = {
    "", "a", "b", "ab", "abc", "abd", "abcdefg", "abcdefgh", "abcdefgi",
    "abcdefghi", "abcdefghij", "abcdefghijklmnop", "abcdefghijklmnoq",
    "abcdefghijklmnopq", "\x80", "\xff", "a\xff", "a\x7f", "zzzzzzzzzzzzzzzzzzzzzzz",
};

static int sign(int x) { return (x > 0) - (x < 0); }

int main(void) {
    int n = sizeof words / sizeof words[0];
    long sum = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            int r = strcmp(words[i], words[j]);
            printf("%d ", r);
            sum += r;
            for (size_t k = 0; k < 20; k += 3)
                sum = sum * 3 + strncmp(words[i], words[j], k);
        }
    printf("\n%ld\n", sum);
    /* Every position of a difference and of an end, within the first
       word and past it. */
    char x[40], y[40];
    for (int len = 0; len < 24; len++)
        for (int at = 0; at <= len; at++) {
            memset(x, 'm', sizeof x);
            memset(y, 'm', sizeof y);
            x[len] = 0;
            y[len] = 0;
            if (at < len) y[at] = (char)(at & 1 ? 'a' : 0xf0);
            printf("%d%d%d", sign(strcmp(x, y)), sign(strcmp(y, x)), strcmp(x, y) == strcmp(x, y));
            sum += strcmp(x, y) + strcmp(y + (at < len ? at : 0), x);
        }
    printf("\n%ld\n", sum);
    /* memcmp of every length over every pair, strlen of every word. */
    for (int i = 0; i < n; i++) {
        printf("%zu ", strlen(words[i]) + strlen(words[i] + (words[i][0] != 0)));
        for (int j = 0; j < n; j++) {
            size_t li = strlen(words[i]) + 1, lj = strlen(words[j]) + 1;
            for (size_t k = 0; k <= (li < lj ? li : lj); k++)
                sum = sum * 3 + sign(memcmp(words[i], words[j], k));
        }
    }
    printf("\n%ld\n", sum);
    /* Strings ending at the last byte of the heap's top block. */
    char *big = malloc(1 << 20);
    char *end = big + (1 << 20);
    memset(big, 'q', 1 << 20);
    end[-1] = 0;
    strcpy(end - 4, "xy");
    printf("%d %d %d %d\n", strcmp(end - 1, ""), strcmp(end - 4, "xy"), strcmp("xyz", end - 4),
           strncmp(end - 4, "xyw", 5));
    memcpy(end - 12, "0123456789a", 12);
    printf("%d %d\n", strcmp(end - 12, "0123456789a"), strcmp(end - 12, "0123456789b"));
    printf("%zu %zu %d %d\n", strlen(end - 1), strlen(end - 12), sign(memcmp(end - 12, "0123456789a", 12)),
           sign(memcmp(end - 8, "456789b", 8)));
    free(big);
    return 0;
}
