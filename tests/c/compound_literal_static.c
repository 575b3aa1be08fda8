/* Compound literals as the values of file-scope initializers (as gcc
   takes them), and compound literals nested in designated initializers:
   the outer initializer's designations still override after the literal. */
#include <stdio.h>

struct pt { int x, y; };
struct seg { struct pt a, b; const char *name; };

static struct pt origin = (struct pt){ 0, 0 };
static struct pt unit = (struct pt){ .y = 1, .x = 1 };
struct seg diag = (struct seg){ .b = { 3, 4 }, .name = "diag" };
static struct seg segs[2] = { [1] = (struct seg){ .a = { 5 } }, [0].name = "first" };
static int *ints = (int[]){ 10, 20, 30 };

int main(void) {
    struct pt p[3] = { [0] = (struct pt){ .y = 7 }, [0].x = 2, [2] = { 9 }, [1] = (struct pt){ 1, 1 }, [1].y = 8 };
    printf("%d %d %d %d\n", origin.x, origin.y, unit.x, unit.y);
    printf("%d %d %d %d %s\n", diag.a.x, diag.a.y, diag.b.x, diag.b.y, diag.name);
    printf("%s %d %d %s\n", segs[0].name, segs[1].a.x, segs[1].a.y, segs[1].name ? "named" : "null");
    printf("%d %d %d\n", ints[0], ints[1], ints[2]);
    for (int i = 0; i < 3; i++) printf("(%d,%d)", p[i].x, p[i].y);
    printf("\n");
    return 0;
}
