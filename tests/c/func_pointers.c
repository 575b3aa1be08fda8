/* Pointers to functions: variables, arrays, parameters, returns, struct members. */
#include <stdio.h>

int add(int a, int b) { return a + b; }
int sub(int a, int b) { return a - b; }
int mul(int a, int b) { return a * b; }

int apply(int (*f)(int, int), int a, int b) { return f(a, b); }

int (*pick(int i))(int, int) {
    if (i == 0) return add;
    return i == 1 ? sub : mul;
}

struct op { const char *name; int (*fn)(int, int); };

struct op ops[] = {{"add", add}, {"sub", sub}, {"mul", &mul}};

void sort(int *a, int n, int (*cmp)(const void *, const void *)) {
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && cmp(&a[j - 1], &a[j]) > 0; j--) {
            int t = a[j];
            a[j] = a[j - 1];
            a[j - 1] = t;
        }
}

int desc(const void *a, const void *b) { return *(const int *)b - *(const int *)a; }

int main(void) {
    int (*fp)(int, int) = add;
    printf("%d %d\n", fp(2, 3), (*fp)(4, 5));
    fp = &sub;
    printf("%d\n", fp(10, 4));
    printf("%d %d %d\n", apply(add, 1, 2), apply(sub, 1, 2), apply(mul, 3, 4));
    for (int i = 0; i < 3; i++) printf("%d ", pick(i)(6, 3));
    printf("\n");
    for (int i = 0; i < 3; i++) printf("%s=%d ", ops[i].name, ops[i].fn(7, 2));
    printf("\n");
    int (*table[3])(int, int) = {add, sub, mul};
    printf("%d\n", table[2](table[0](1, 2), table[1](9, 4)));
    int a[] = {3, 1, 4, 1, 5, 9, 2, 6};
    sort(a, 8, desc);
    for (int i = 0; i < 8; i++) printf("%d ", a[i]);
    printf("\n");
    printf("%d %d\n", fp == sub, fp != add);
    return 0;
}
