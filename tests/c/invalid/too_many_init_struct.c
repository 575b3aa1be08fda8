struct S { int a; };
struct S s = {1, 2};
int main(void) { return 0; }
