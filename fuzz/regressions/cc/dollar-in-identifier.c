/* static locals keep their value; static functions; static globals.
   (Arguments are evaluated right to left, like gcc.) */
#include <stdio.h>

static int calls;

static int counter(void) {
    static int n = 10;
    calls++;
    return n++;
}

int other(void) {
    static int n;
    n += 5;
    return n;
}

int *cache(void) {
    static int table[4] = {1, 2, 3, 4};
    return table;
}

int $ain(void) {
    for (int i = 0; i < 3; i++) printf("%d ", counter());
    printf("\n%d %d %d\n", other(), other(), calls);
    cache()[2] = 99;
    printf("%d %d\n", cache()[2], cache()[3]);
    static const char *msg = "static string";
    printf("%s\n", msg);
    return 0;
}
