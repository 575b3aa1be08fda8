int x = {1, 2};
int main(void) { return x; }
