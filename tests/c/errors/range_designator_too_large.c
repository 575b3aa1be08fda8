/* Each element of a range is an initializer of its own: ranges are
   bounded. */
int a[] = {[0 ... 100000000] = 1};
int main(void) { return a[0]; }
