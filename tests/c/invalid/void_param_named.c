int f(void x) { return 0; }
int main(void) { return 0; }
