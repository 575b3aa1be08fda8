/* A loop that turns through longjmp: no loop in the code and no second
   call of main, so only the safepoint after the setjmp (where the
   longjmp lands) is polled at each turn; snapshots and resumes inside
   it must match an uninterrupted run. */
#include <setjmp.h>
#include <stdio.h>

static jmp_buf b;
static long n, s;

static void jump(long k) {
    s += k * 7 % 13;
    longjmp(b, (int)(k % 5) + 1);
}

int main(void) {
    int r = setjmp(b);
    s += r;
    if (++n == 30000) {
        printf("%ld %ld\n", n, s);
        return 0;
    }
    jump(n);
    return 1;
}
