/* atexit: handlers run last registered first, once, when exit is called
   from deep in the program (the exit status is exit's), and a handler may
   register another. */
#include <stdio.h>
#include <stdlib.h>

static int order;
static void third(void) { printf("third %d\n", ++order); }
static void first(void) { printf("first %d\n", ++order); }
static void second(void) {
    printf("second %d, registering third\n", ++order);
    atexit(third);
}

static void deep(int n) {
    if (n == 0) {
        printf("exit from depth\n");
        fflush(stdout);
        exit(7);
    }
    deep(n - 1);
}

int main(void) {
    printf("%d %d\n", atexit(first), atexit(second));
    deep(5);
    printf("not reached\n");
    return 0;
}
