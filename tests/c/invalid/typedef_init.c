typedef int T = 1;
int main(void) { return 0; }
