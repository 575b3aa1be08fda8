int main(void) { int a = 1; double d; int *p = &a; double *q = &d; return p == q; }
