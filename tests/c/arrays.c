/* One- and multi-dimensional arrays, sizeof, decay. */
#include <stdio.h>

int sum(int *a, int n) {
    int s = 0;
    for (int i = 0; i < n; i++) s += a[i];
    return s;
}

int trace(int m[3][3]) { return m[0][0] + m[1][1] + m[2][2]; }

int grid[4][5];

int main(void) {
    int a[5] = {1, 2, 3};
    printf("%d %d %d\n", a[2], a[4], sum(a, 5));
    int m[3][3] = {{1, 2, 3}, {4, 5, 6}, {7, 8, 9}};
    printf("%d %d\n", m[1][2], trace(m));
    printf("%lu %lu %lu\n", sizeof a, sizeof m, sizeof m[0]);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 5; j++) grid[i][j] = i * 10 + j;
    printf("%d %d\n", grid[3][4], grid[2][0]);
    int (*row)[5] = grid + 1;
    printf("%d %d\n", (*row)[3], row[1][1]);
    int c[] = {5, 6, 7, 8};
    printf("%lu\n", sizeof c / sizeof c[0]);
    char names[3][8] = {"one", "two", "three"};
    for (int i = 0; i < 3; i++) printf("%s ", names[i]);
    printf("\n");
    int flat[2][3] = {1, 2, 3, 4, 5, 6};
    printf("%d %d\n", flat[1][0], flat[0][2]);
    int cube[2][2][2];
    int n = 0;
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++)
            for (int k = 0; k < 2; k++) cube[i][j][k] = n++;
    printf("%d %d\n", cube[1][0][1], cube[0][1][1]);
    int z[100] = {0};
    printf("%d\n", sum(z, 100));
    return 0;
}
