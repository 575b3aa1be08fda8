/* Ternary, comma, short-circuit, ++/--, sizeof, precedence. */
#include <stdio.h>

int calls = 0;
int touch(int v) { calls++; return v; }

int main(void) {
    int a = 0, b = 5;
    if (a && touch(1)) printf("no\n");
    if (b || touch(1)) printf("yes\n");
    printf("calls %d\n", calls);
    printf("%d %d %d %d\n", 1 && 2, 0 || 0, !5, !0);
    int x = (a = 3, b = 4, a + b);
    printf("%d %d %d\n", x, a, b);
    int i = 5;
    int j = i++ + ++i;
    printf("%d %d\n", i, j);
    j = i-- - --i;
    printf("%d %d\n", i, j);
    int arr[3] = {10, 20, 30};
    int *p = arr;
    int v = *p++;
    printf("%d %d\n", v, *p);
    v = ++*p;
    printf("%d %d\n", v, arr[1]);
    v = (*p)++;
    printf("%d %d\n", v, arr[1]);
    printf("%d\n", a > b ? a : b > 3 ? 100 : 200);
    printf("%d\n", 1 + 2 * 3 - 4 / 2 % 3 << 1 | 1 & 3 ^ 2);
    printf("%d\n", (1 < 2) == (3 > 2));
    printf("%d %d\n", 5 & 3 == 3, (5 & 3) == 3);
    printf("%lu %lu %lu\n", sizeof i, sizeof(i + 1L), sizeof arr[0]);
    printf("%d\n", i = 8);
    int k = 0;
    k += k++ == 0 ? 10 : 20;
    double d = 1 ? 1 : 2.5;
    printf("%.1f\n", d);
    char c = 'a';
    c++;
    c += 2;
    printf("%c\n", c);
    unsigned u = 0;
    u--;
    printf("%u\n", u);
    long neg = -(long)5;
    printf("%ld %d\n", neg, -(-3));
    int *q = arr + 2;
    q--;
    printf("%d\n", *q);
    int flag = (a = 0) || (b = 0);
    printf("%d %d %d\n", flag, a, b);
    return 0;
}
