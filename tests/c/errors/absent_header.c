/* C11 headers pivm does not provide are named in an unsupported: error. */
#include <complex.h>
int main(void) { return 0; }
