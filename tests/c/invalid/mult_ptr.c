int main(void) { int a = 1; int *p = &a; return (int)(p * 2); }
