struct S { struct S { int a; } x; };
int main(void) { return 0; }
