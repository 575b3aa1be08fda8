#include "util.h"

int calls;
const char *greeting = "hello";
int table[] = {1, 2, 3, 4, 5, 6};
int (*pick)(int, int) = max2;

int add(int a, int b) {
    calls++;
    return a + b;
}

struct point shift(struct point p, int d) {
    calls++;
    p.x += d;
    p.y += square(d);
    return p;
}

int max2(int a, int b) { return a > b ? a : b; }
