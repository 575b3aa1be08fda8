/* A selection or iteration statement is a block (C99 6.8.4p3, 6.8.5p5):
   tags and enumerators declared in its controlling expression end with
   it. A declaration may follow a label (C23, and gcc's gnu modes). */
#include <stdio.h>

enum { in = 0 };
struct s { int a; };

static int pick(int k) {
    switch (k) {
    case 1:
        int one = 10;
        return one + k;
    case 2:;
        int two = 20;
        return two + k;
    default:
        return -1;
    }
}

int main(void) {
    int r = 0;
    if (sizeof(enum { in = 1 }))
        r += in;            /* 1: the inner enumerator */
    r += in;                /* 0: the outer one again */
    while (sizeof(enum { in = 5 }) && r < 3)
        r += in;            /* 5 */
    r += in * 100;          /* 0 */
    switch (sizeof(struct s { long long b; })) {
    default:
        r += (int)sizeof(struct s) * 1000;  /* the inner struct s: 8 */
    }
    r += (int)sizeof(struct s) * 100000;  /* the outer struct s: 4 */
    do {
        r += 7;
    } while (sizeof(enum { in = 2 }) && 0);
    printf("%d %d %d %d %d\n", r, in, pick(1), pick(2), pick(3));
    goto done;
done:
    int tail = 3;
    return tail - 3;
}
