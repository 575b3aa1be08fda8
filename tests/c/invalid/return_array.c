int main(void) { int a[2]; int b[2] = {0}; a = b; return 0; }
