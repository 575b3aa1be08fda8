/* Compound literals and designated initializers (C99). */
#include <stdio.h>

struct pt { int x, y; };
struct box { struct pt lo, hi; int tags[3]; };

int sum(const int *a, int n) {
    int s = 0;
    for (int i = 0; i < n; i++) s += a[i];
    return s;
}

int dist(struct pt p) { return p.x * p.x + p.y * p.y; }

int main(void) {
    printf("%d\n", sum((int[]){1, 2, 3, 4}, 4));
    printf("%d\n", dist((struct pt){3, 4}));
    struct pt *p = &(struct pt){.y = 9};
    printf("%d %d\n", p->x, p->y);
    struct box b = {.hi = {5, 6}, .tags = {[2] = 7, [0] = 1}};
    printf("%d %d %d %d %d %d\n", b.lo.x, b.hi.x, b.hi.y, b.tags[0], b.tags[1], b.tags[2]);
    int arr[10] = {[3] = 3, [7] = 7, 8};
    for (int i = 0; i < 10; i++) printf("%d", arr[i]);
    printf("\n");
    struct pt q;
    q = (struct pt){10, 20};
    printf("%d %d\n", q.x, q.y);
    for (int i = 0; i < 3; i++) {
        struct pt r = {i};
        r.y += i;
        printf("%d,%d ", r.x, r.y);
    }
    printf("\n");
    char s[] = {'h', 'i', 0};
    printf("%s\n", s);
    struct box nested = {{1, 2}, {3, 4}, {5, 6, 7}};
    struct box elided = {1, 2, 3, 4, 5, 6, 7};
    printf("%d %d\n", nested.tags[2], elided.tags[2]);
    return 0;
}
