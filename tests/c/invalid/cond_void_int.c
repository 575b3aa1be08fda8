void f(void) {}
int main(void) { int x = 1 ? f() : 2; return x; }
