/* Pointer arithmetic, comparison, difference, pointer to pointer. */
#include <stdio.h>

void swap(int *a, int *b) {
    int t = *a;
    *a = *b;
    *b = t;
}

void set(int **pp, int *target) { *pp = target; }

int main(void) {
    int arr[10];
    for (int i = 0; i < 10; i++) arr[i] = i * i;
    int *p = arr;
    int *q = &arr[7];
    printf("%d %d %ld\n", *p, *q, q - p);
    p += 3;
    printf("%d %d %d\n", *p, p[1], *(p + 2));
    printf("%d %d %d\n", p < q, p == q, q > p);
    p++;
    --q;
    printf("%d %d\n", *p, *q);
    int x = 1, y = 2;
    swap(&x, &y);
    printf("%d %d\n", x, y);
    int *r = 0;
    set(&r, &x);
    printf("%d %d\n", *r, r == &x);
    int **rr = &r;
    **rr = 42;
    printf("%d\n", x);
    char s[] = "hello";
    char *c = s + 4;
    while (c >= s) putchar(*c--);
    putchar('\n');
    long *lp = (long *)0 + 3;
    printf("%ld\n", (long)lp);
    void *v = arr;
    int *back = v;
    printf("%d\n", back[9]);
    printf("%d\n", 3[arr]);
    double d[4] = {1.5, 2.5, 3.5, 4.5};
    double *dp = d + 3;
    printf("%.1f %ld\n", *dp, dp - d);
    return 0;
}
