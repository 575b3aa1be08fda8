struct S { void v; };
int main(void) { return 0; }
