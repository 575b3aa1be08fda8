struct S { int a; };
int main(void) { int x = 0; struct S s = (struct S)x; return s.a; }
