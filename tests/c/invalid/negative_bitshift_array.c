int main(void) { int x[2] = {0}; return x[-1 + 1] + x; }
