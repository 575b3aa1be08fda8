int main(void) { int int x = 0; return x; }
