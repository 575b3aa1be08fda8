/* args: one two */
#include <stdio.h>
#include "util.h"

int main(int argc, char **argv) {
    struct point p = {1, 2};
    struct point q = shift(p, 10);
    printf("%s %d %d\n", greeting, q.x, q.y);
    printf("add %d sq %d\n", add(3, 4), square(5));
    printf("sum %ld\n", sum_table(argc + 2)); /* 5, known at run time */
    printf("pick %d\n", pick(7, 9));
    printf("calls %d argc %d last %s\n", calls, argc, argv[argc - 1]);
    return add(calls, 0);
}
