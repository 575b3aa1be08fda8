int a[3](void);
int main(void) { return 0; }
