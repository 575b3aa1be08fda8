int main(void) { int x = 0; (long)x = 1; return x; }
