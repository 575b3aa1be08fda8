int a[3] = "ab";
int main(void) { return a[0]; }
