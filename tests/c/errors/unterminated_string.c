#include <stdio.h>
int main(void) {
    printf("oops);
    return 0;
}
