/* sizeof does not evaluate its operand; const objects; unprototyped
   declarations; void pointers and void functions. */
#include <stdio.h>

int counter = 0;
int bump(void) { return ++counter; }

const int limit = 3;
const char greeting[] = "hey";

int old_style();
int old_style(int x) { return x * 2; }

void nothing(void) { return; }

void fill(void *p, int n, char v) {
    char *c = p;
    for (int i = 0; i < n; i++) c[i] = v;
}

int main(void) {
    int n = sizeof(bump());
    int m = sizeof counter++;
    printf("%d %d %d\n", n, m, counter);
    int arr[sizeof(int) + 1];
    printf("%lu %d %s\n", sizeof arr, limit, greeting);
    printf("%d\n", old_style(21));
    nothing();
    char buf[4];
    fill(buf, 3, 'z');
    buf[3] = 0;
    printf("%s\n", buf);
    const int *cp = &limit;
    printf("%d\n", *cp);
    void *vp = buf;
    printf("%c\n", *(char *)vp);
    printf("%lu %lu %lu\n", sizeof(void *), sizeof(int (*)(int)), sizeof(char[7][3]));
    printf("%lu\n", sizeof(struct { char a; short b; char c; }));
    return 0;
}
