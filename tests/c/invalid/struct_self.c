struct S { struct S s; };
int main(void) { return 0; }
