struct S { int a; };
struct S { int a; };
int main(void) { return 0; }
