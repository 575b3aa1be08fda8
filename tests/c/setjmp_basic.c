#include <stdio.h>
#include <setjmp.h>
jmp_buf b;
int depth(int n) { if (n == 0) longjmp(b, 42); return depth(n - 1) + 1; }
int main(void) {
    volatile int x = 1;
    int y = 5;
    int r = setjmp(b);
    printf("r=%d x=%d y=%d\n", r, x, y);
    if (r == 0) { x = 2; y = 6; depth(10); }
    if (r == 42) { x = 3; longjmp(b, 0); }
    printf("done %d\n", r);
    return 0;
}
