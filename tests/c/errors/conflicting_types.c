int f(int x);
double f(int x) { return x; }
int main(void) { return 0; }
