struct S { int a; };
int main(void) { struct S s = {1}; struct S *p = &s; return p->b; }
