int x;
static int x;
int main(void) { return x; }
