int main(void) { int a[2] = {1, 2}; int b[2] = a; return b[0]; }
