int f(void);
long f(void);
int main(void) { return 0; }
