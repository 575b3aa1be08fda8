/* A range designator reaches past the array. */
int a[10] = {[0 ... 10] = 1};
int main(void) { return a[0]; }
