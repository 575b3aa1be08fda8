int f(void) = 0;
int main(void) { return 0; }
