/* gcc runs a constructor before main and a destructor after it; pivm
   does not run them, so it refuses them rather than run the program
   without them. */
#include <stdio.h>
static int ready;
__attribute__((constructor)) static void init(void) { ready = 42; }
int main(void) {
    printf("%d\n", ready);
    return 0;
}
