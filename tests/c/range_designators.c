/* GNU C's range designators, against gcc: `[lo ... hi] = v` in arrays
   at file scope and in functions, of scalars, strings, structs and
   nested arrays, overridden after by other designators (`[3] = ...`,
   `[2].y = ...`), followed by positional initializers, nested in a
   member's designation (`.a[1 ... 4] = 4`), completing an array of
   unknown length; a value without side effects, evaluated once. */
#include <stdio.h>
struct P { int x, y; };
static const char *names[8] = { [0 ... 7] = "none", [3] = "three" };
static int table[16] = { [0 ... 3] = 1, [4 ... 7] = 2, 9, [12 ... 15] = -1 };
static struct P ps[5] = { [1 ... 3] = { 7, 8 }, [2].y = 99 };
static int grid[3][4] = { [0 ... 2] = { [1 ... 2] = 5 } };
static int open_ended[] = { [2 ... 5] = 3 };
struct Q { int a[6]; int b; };
static struct Q q = { .a[1 ... 4] = 4, 5, .b = 6 };
int main(void) {
    int local[10] = { [0 ... 9] = 7, [5] = 0 };
    int k = 3;
    int vals[6] = { [0 ... 5] = k * 2 };
    struct P lp[4] = { [0 ... 3].y = k, [1].x = 1 };
    char words[3][6] = { [0 ... 2] = "abc" };
    for (int i = 0; i < 8; i++) printf("%s ", names[i]); printf("\n");
    for (int i = 0; i < 16; i++) printf("%d ", table[i]); printf("\n");
    for (int i = 0; i < 5; i++) printf("(%d,%d)", ps[i].x, ps[i].y); printf("\n");
    for (int i = 0; i < 3; i++) for (int j = 0; j < 4; j++) printf("%d", grid[i][j]); printf("\n");
    printf("%zu: ", sizeof open_ended / sizeof *open_ended); for (int i = 0; i < 6; i++) printf("%d", open_ended[i]); printf("\n");
    for (int i = 0; i < 6; i++) printf("%d", q.a[i]); printf(" %d\n", q.b);
    for (int i = 0; i < 10; i++) printf("%d", local[i]); printf("\n");
    for (int i = 0; i < 6; i++) printf("%d ", vals[i]); printf("\n");
    for (int i = 0; i < 4; i++) printf("(%d,%d)", lp[i].x, lp[i].y); printf("\n");
    for (int i = 0; i < 3; i++) printf("%s ", words[i]); printf("\n");
    return 0;
}
