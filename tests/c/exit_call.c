/* exit() from a nested call ends the program with its status. */
#include <stdio.h>
#include <stdlib.h>

void fail(int code) {
    printf("exiting with %d\n", code);
    fflush(stdout);
    exit(code);
}

int main(void) {
    for (int i = 0; i < 10; i++) {
        if (i == 4) fail(7);
        printf("%d\n", i);
    }
    return 0;
}
