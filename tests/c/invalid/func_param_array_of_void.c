int f(void a[]);
int main(void) { return 0; }
