static extern int x;
int main(void) { return 0; }
