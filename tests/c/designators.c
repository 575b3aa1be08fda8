/* Nested designators: .a.x, [1].y, [1][2], mixed with positional ones. */
#include <stdio.h>
struct pt { int x, y; };
struct line { struct pt a, b; int w[3]; };
struct line g = {.a.x = 1, .b.y = 2, .w[1] = 5};
struct pt arr[3] = {[1].y = 7, [2] = {8, 9}};
int m[2][3] = {[1][2] = 6, [0][0] = 1};
int main(void) {
    struct line l = {.b.x = 3, .w[2] = 4, .a = {9, 9}};
    printf("%d %d %d %d\n", g.a.x, g.b.y, g.w[1], g.w[0]);
    printf("%d %d %d\n", arr[1].y, arr[2].x, arr[0].x);
    printf("%d %d %d\n", m[1][2], m[0][0], m[1][1]);
    printf("%d %d %d %d\n", l.b.x, l.w[2], l.a.x, l.a.y);
    return 0;
}
