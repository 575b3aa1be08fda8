int main(void) { int a = 0; int *p = &(a + 1); return 0; }
