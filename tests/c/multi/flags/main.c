/* args: 4 */
#include <stdio.h>
#include <stdlib.h>
#include <config.h>

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 1;
    printf("%s %d %d\n", GREETING, SCALED(n), scaled_sum(n));
#ifdef VERBOSE
    printf("verbose\n");
#endif
    return 0;
}
