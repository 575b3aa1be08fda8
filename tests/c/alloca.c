/* alloca, against gcc: blocks that live until their function returns
   (through a recursion that uses each level's block after the calls
   below it return), in a loop (each iteration's block stays), through
   __builtin_alloca, with <alloca.h>; a function calling alloca in a
   loop many times frees its blocks at every return. */
#include <alloca.h>
#include <stdio.h>
#include <string.h>

static int depth_sum(int n) {
    if (n == 0)
        return 0;
    int *a = alloca(n * sizeof(int));
    for (int i = 0; i < n; i++)
        a[i] = i * n;
    int r = depth_sum(n - 1);
    int s = 0;
    for (int i = 0; i < n; i++)
        s += a[i];
    return s + r;
}

static const char *join(const char *a, const char *b) {
    char *buf = __builtin_alloca(strlen(a) + strlen(b) + 1);
    strcpy(buf, a);
    strcat(buf, b);
    printf("%s\n", buf);
    return "joined";
}

static unsigned long kept(int n) {
    char *p[8];
    for (int i = 0; i < n && i < 8; i++) {
        p[i] = alloca(32);
        memset(p[i], 'a' + i, 31);
        p[i][31] = 0;
    }
    unsigned long h = 0;
    for (int i = 0; i < n && i < 8; i++)
        for (int j = 0; j < 32; j++)
            h = h * 31 + (unsigned char)p[i][j];
    return h;
}

int main(void) {
    long total = 0;
    for (int round = 0; round < 3000; round++)
        total += depth_sum(6) + (long)(kept(round % 9) % 1000);
    printf("%ld %s\n", total, join("foo", "bar"));
    for (int i = 0; i < 3; i++) {
        char *p = alloca(100);
        memset(p, 'a' + i, 99);
        p[99] = 0;
        printf("%c%zu ", p[0], strlen(p));
    }
    printf("\n");
    return 0;
}
