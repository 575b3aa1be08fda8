int a[1.5];
int main(void) { return 0; }
