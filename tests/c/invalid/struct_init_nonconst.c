int x = 1;
struct S { int a; } s = { x };
int main(void) { return s.a; }
