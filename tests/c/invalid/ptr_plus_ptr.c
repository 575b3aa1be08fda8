int main(void) { int a[2] = {0}; int *p = a, *q = a; return (int)(p + q); }
