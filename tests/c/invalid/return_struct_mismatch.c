struct A { int a; };
struct B { int a; };
struct A f(void) { struct B b = {1}; return b; }
int main(void) { return 0; }
