typedef int T;
typedef long T;
int main(void) { return 0; }
