/* Variable-length arrays: block scope, multidimensional (with constant
   inner or outer dimensions), parameters, sizeof at run time, pointers
   to VLA types, typedefs, release on every way out of the block. */
/* args: 5 3 */
#include <stdio.h>
#include <stdlib.h>

static double trace(int n, double a[n][n]) {
    double t = 0;
    for (int i = 0; i < n; i++)
        t += a[i][i];
    return t;
}

static void fill(int r, int c, double m[][c]) {
    for (int i = 0; i < r; i++)
        for (int j = 0; j < c; j++)
            m[i][j] = i * 10 + j;
}

static long sum2(int r, int c, int m[r][c]);

static long sum2(int r, int c, int m[*][*]);

static long sum2(int r, int c, int m[r][c]) {
    long s = 0;
    for (int i = 0; i < r; i++)
        for (int j = 0; j < c; j++)
            s += m[i][j];
    return s + (long)sizeof(m[0]);
}

static int first_big(int n, const int v[n], int limit) {
    int tmp[n];
    for (int i = 0; i < n; i++) {
        tmp[i] = v[i] * 2;
        if (tmp[i] > limit)
            return tmp[i];
    }
    return -1;
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 4;
    int k = argc > 2 ? atoi(argv[2]) : 2;
    int a[n];
    for (int i = 0; i < n; i++)
        a[i] = i * i;
    printf("%zu %d %d\n", sizeof a, a[n - 1], (int)(sizeof a / sizeof a[0]));

    double m[n][k];
    fill(n, k, m);
    printf("m %zu %zu %.0f %.0f\n", sizeof m, sizeof m[1], m[2][1], m[n - 1][k - 1]);

    double sq[k][k];
    for (int i = 0; i < k; i++)
        for (int j = 0; j < k; j++)
            sq[i][j] = i == j ? i + 1.5 : 0;
    printf("trace %.1f\n", trace(k, sq));

    int inner[n][3];
    int outer[2][n];
    for (int i = 0; i < n; i++)
        for (int j = 0; j < 3; j++)
            inner[i][j] = i + j;
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < n; j++)
            outer[i][j] = i * j;
    printf("inner %zu %ld outer %zu %ld\n", sizeof inner, sum2(n, 3, inner), sizeof outer,
           sum2(2, n, outer));

    int (*p)[k] = malloc(n * sizeof *p);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < k; j++)
            p[i][j] = i - j;
    printf("ptr %zu %d %ld\n", sizeof *p, p[n - 1][0], (long)(p[3] - p[1]));
    free(p);

    typedef int row[k];
    k = 100; /* the typedef's size was fixed when it was reached */
    row r1;
    printf("typedef %zu %zu\n", sizeof(row), sizeof r1);
    printf("sizeof type %zu\n", sizeof(char[n + 1][n]));

    /* A VLA per iteration, left by break and continue: memory must not
       grow (the allocator reuses the freed block at the same address). */
    void *addr = 0;
    int same = 1;
    for (int it = 0; it < 1000; it++) {
        char buf[n * 100 + it % 7];
        buf[0] = (char)it;
        if (addr && addr != (void *)buf)
            same = 0;
        addr = buf;
        if (it % 3 == 0)
            continue;
        if (it == 998)
            break;
    }
    printf("loop %d\n", same);

    int vals[6] = { 1, 5, 9, 2, 7, 3 };
    printf("first_big %d %d\n", first_big(6, vals, 10), first_big(6, vals, 100));

    /* goto out of (and back before) a VLA's scope. */
    int tries = 0;
again:
    {
        int w[tries + 1];
        w[tries] = tries;
        tries++;
        if (tries < 5)
            goto again;
        printf("goto %d %zu\n", w[tries - 1], sizeof w);
    }
    {
        int z[n];
        for (int i = 0; i < n; i++)
            z[i] = i;
        switch (z[1]) {
        case 1: {
            int y[z[2] + 1];
            y[0] = 7;
            printf("switch %zu %d\n", sizeof y, y[0]);
            break;
        }
        default:
            printf("default\n");
        }
    }
    return 0;
}
