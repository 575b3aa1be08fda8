/* goto and labels: loops, forward jumps, cleanup pattern. */
#include <stdio.h>

int find(int *a, int n, int want) {
    int i = 0;
top:
    if (i >= n) goto notfound;
    if (a[i] == want) goto found;
    i++;
    goto top;
found:
    return i;
notfound:
    return -1;
}

int main(void) {
    int a[] = {4, 8, 15, 16, 23, 42};
    printf("%d %d\n", find(a, 6, 23), find(a, 6, 5));
    int n = 0;
    int i = 0, j;
outer:
    for (j = 0; j < 10; j++) {
        if (j == 3) {
            i++;
            if (i < 4) goto outer;
            goto done;
        }
        n++;
    }
done:
    printf("%d %d %d\n", i, j, n);
    goto skip;
    printf("not printed\n");
skip:
    printf("end\n");
    return 0;
}
