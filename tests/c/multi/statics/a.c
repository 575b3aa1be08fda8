#include <stdio.h>

static int count = 100;
static int bump(void) { return ++count; }
int b_value(void);
int b_bump(void);
extern int shared;

int counter(void) {
    static int n;
    return ++n;
}

int main(void) {
    bump();
    bump();
    b_bump();
    printf("a.count %d b %d\n", count, b_value());
    printf("counter %d %d\n", counter(), counter());
    printf("shared %d\n", shared);
    return 0;
}
