struct S { int a; };
int f(int x) { return x; }
int main(void) { struct S s = {1}; return f(s); }
