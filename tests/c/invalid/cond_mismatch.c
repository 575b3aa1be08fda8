int main(void) { int x = 0; int *p = &x; double d = 1 ? p : 1.0; return 0; }
