/* An automatic variable is aligned to at most 16: a stricter aligned
   attribute is refused, as _Alignas is. */
int main(void) {
    double a[8] __attribute__((aligned(64)));
    a[0] = 1;
    return (int)a[0];
}
