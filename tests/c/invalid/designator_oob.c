int a[2] = {[5] = 1};
int main(void) { return a[0]; }
