struct S { int a; };
int main(void) { struct S x = {1}, y = {1}; return x == y; }
