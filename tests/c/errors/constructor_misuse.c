/* What a constructor or destructor attribute may not be on: a function
   with parameters, a variable; a priority must be 0 to 65535. */
#include <stdlib.h>
__attribute__((constructor)) static void takes(int x) { (void)x; }
__attribute__((constructor)) int not_a_function;
int main(void) { return 0; }
