#ifndef UTIL_H
#define UTIL_H

struct point {
    int x, y;
};

extern int calls;
extern const char *greeting;
extern int table[];
extern int (*pick)(int, int);

int add(int a, int b);
struct point shift(struct point p, int d);
long sum_table(int n);
int max2(int a, int b);

static inline int square(int v) { return v * v; }

#endif
