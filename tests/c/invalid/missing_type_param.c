int f(a, int b) { return b; }
int main(void) { return 0; }
