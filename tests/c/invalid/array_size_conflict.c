int a[2];
int a[3];
int main(void) { return 0; }
