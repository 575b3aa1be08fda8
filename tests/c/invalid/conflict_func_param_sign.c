int f(int);
int f(unsigned);
int main(void) { return 0; }
