int main(void) { int a = 1; return !(struct { int x; }){1}; }
