/* Variable-length arrays of structs, pointers to whole VLAs, casts to
   pointer-to-VLA types, sizeof of VLA type names, a VLA per iteration. */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
struct pt { int x, y; };
static int count(int n, struct pt ps[n]) { int s = 0; for (int i = 0; i < n; i++) s += ps[i].x * ps[i].y; return s; }
static void show(int r, int c, int (*m)[c]) { for (int i = 0; i < r; i++) { for (int j = 0; j < c; j++) printf("%d ", m[i][j]); printf("\n"); } }
int main(void) {
    int n = 4;
    struct pt ps[n];
    for (int i = 0; i < n; i++) { ps[i].x = i; ps[i].y = i + 1; }
    printf("%d %zu\n", count(n, ps), sizeof ps);
    int a[n][n + 1];
    memset(a, 0, sizeof a);
    a[2][3] = 5;
    int (*pa)[n][n + 1] = &a;
    printf("%d %zu %zu\n", (*pa)[2][3], sizeof *pa, sizeof(*pa)[0]);
    show(n, n + 1, a);
    int *flat = (int *)a;
    printf("%d\n", flat[2 * (n + 1) + 3]);
    void *raw = malloc(sizeof(int[n][2]));
    int (*q)[2] = raw;
    q[3][1] = 9;
    int (*r)[n] = (int (*)[n])raw;
    printf("%d %td\n", ((int *)raw)[7], &r[1][0] - &r[0][0]);
    free(raw);
    char s[n * 3];
    strcpy(s, "hello");
    printf("%s %zu\n", s, strlen(s));
    for (int i = 1; i < 4; i++) {
        int v[i];
        for (int j = 0; j < i; j++) v[j] = j * i;
        int t = 0;
        for (int j = 0; j < i; j++) t += v[j];
        printf("%d:%d ", i, t);
    }
    printf("\n");
    return 0;
}
