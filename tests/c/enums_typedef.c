/* enums and typedefs. */
#include <stdio.h>

enum color { RED, GREEN = 5, BLUE, ALPHA = BLUE * 2 };
typedef enum color color_t;
typedef unsigned long ulong;
typedef struct node { int v; struct node *next; } node;
typedef int (*binop)(int, int);
typedef int vec3[3];

int plus(int a, int b) { return a + b; }

const char *name(color_t c) {
    switch (c) {
    case RED: return "red";
    case GREEN: return "green";
    case BLUE: return "blue";
    default: return "other";
    }
}

int main(void) {
    printf("%d %d %d %d\n", RED, GREEN, BLUE, ALPHA);
    color_t c = BLUE;
    printf("%s %s\n", name(c), name(ALPHA));
    ulong big = 1UL << 63;
    printf("%lu\n", big);
    node n2 = {2, 0};
    node n1 = {1, &n2};
    printf("%d\n", n1.next->v);
    binop f = plus;
    printf("%d\n", f(2, 3));
    vec3 v = {1, 2, 3};
    printf("%lu %d\n", sizeof(vec3), v[2]);
    enum { LOCAL_A = 10, LOCAL_B } e = LOCAL_B;
    printf("%d %lu\n", e, sizeof e);
    return 0;
}
