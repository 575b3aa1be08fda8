struct S { int a; };
union S *p;
int main(void) { return 0; }
