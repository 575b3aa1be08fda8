typedef int T;
int T;
int main(void) { return 0; }
