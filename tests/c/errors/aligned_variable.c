/* A variable is aligned as its type: a stricter aligned attribute is
   refused, as _Alignas is. */
static double a[8] __attribute__((aligned(64)));
int main(void) { return (int)a[0]; }
