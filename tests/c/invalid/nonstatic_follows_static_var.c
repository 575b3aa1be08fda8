static int x;
int x;
int main(void) { return x; }
