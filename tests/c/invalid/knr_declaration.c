int f(a);
int main(void) { return 0; }
