/* A destructor is registered with atexit, which <stdlib.h> brings. */
#include <stdio.h>
__attribute__((destructor)) static void fini(void) { printf("fini\n"); }
int main(void) { return 0; }
