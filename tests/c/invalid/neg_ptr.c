int main(void) { int a = 1; int *p = &a; p = -p; return 0; }
