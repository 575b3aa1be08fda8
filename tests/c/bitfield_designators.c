/* Designated initializers of bit-fields: an override of one bit-field
   keeps the others of its storage unit; continuation after a designation
   and braced re-initialization, at file scope and in a function. */
#include <stdio.h>
struct s { int a:4, b:4; unsigned c:3; int d; };
struct s g1 = { .b = 1, .a = 2 };
struct s g2 = { .a = 1, .b = 2, .a = 3, 5 };
struct s arr[2] = { [1].b = 3, 2, [0] = { 1, 2, 3, 4 }, [0].c = 6 };
int main(void) {
    struct s l1 = { .b = 1, .a = 2 };
    struct s l2 = { .a = 1, .b = 2, .a = 3, 5 };
    struct s larr[2] = { [1].b = 3, 2, [0] = { 1, 2, 3, 4 }, [0].c = 6 };
    printf("%d %d %u %d | %d %d %u %d\n", g1.a, g1.b, g1.c, g1.d, g2.a, g2.b, g2.c, g2.d);
    printf("%d %d %u %d | %d %d %u %d\n", l1.a, l1.b, l1.c, l1.d, l2.a, l2.b, l2.c, l2.d);
    for (int i = 0; i < 2; i++) printf("%d %d %u %d | %d %d %u %d\n", arr[i].a, arr[i].b, arr[i].c, arr[i].d, larr[i].a, larr[i].b, larr[i].c, larr[i].d);
    return 0;
}
