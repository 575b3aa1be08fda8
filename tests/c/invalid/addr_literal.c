int main(void) { int *p = &1; return 0; }
