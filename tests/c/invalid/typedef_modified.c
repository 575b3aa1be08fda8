typedef int T;
int main(void) { unsigned T x = 0; return x; }
