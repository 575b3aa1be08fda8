/* if/else, while, do-while, for, break, continue, nested loops. */
#include <stdio.h>

int main(void) {
    int n = 0;
    for (int i = 0; i < 20; i++) {
        if (i % 2 == 0) continue;
        if (i > 15) break;
        n += i;
    }
    printf("%d\n", n);
    int k = 0;
    while (1) {
        k++;
        if (k == 7) break;
    }
    printf("%d\n", k);
    int d = 10;
    do {
        d -= 3;
    } while (d > 0);
    printf("%d\n", d);
    do printf("once\n"); while (0);
    int count = 0;
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 5; j++) {
            if (j > i) break;
            count++;
        }
    printf("%d\n", count);
    int x = 5;
    if (x > 3)
        if (x > 10) printf("big\n");
        else printf("medium\n");
    else
        printf("small\n");
    int i;
    for (i = 0, n = 100; i < n; i += 7, n -= 3)
        ;
    printf("%d %d\n", i, n);
    for (;;) {
        if (++i > 40) break;
    }
    printf("%d\n", i);
    int outer = 0;
    while (outer < 3) {
        int inner = 0;
        do {
            inner++;
            if (inner == 2) continue;
        } while (inner < 4);
        outer++;
    }
    printf("%d\n", outer);
    return 0;
}
