struct S { int a; };
int main(void) { struct S s = {1}; int x; x = s; return x; }
