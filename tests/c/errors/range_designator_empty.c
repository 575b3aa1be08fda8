/* A range designator whose last index is below its first is empty. */
int a[10] = {[5 ... 2] = 1};
int main(void) { return a[0]; }
