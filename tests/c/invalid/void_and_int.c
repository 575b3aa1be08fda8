int f(void, int);
int main(void) { return 0; }
