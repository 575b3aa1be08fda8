struct S;
int main(void) { struct S *p = 0; return p->a; }
