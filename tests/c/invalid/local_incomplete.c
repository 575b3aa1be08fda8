int main(void) { struct S s; return 0; }
