int x;
unsigned x;
int main(void) { return 0; }
