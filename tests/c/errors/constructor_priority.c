/* A priority must be a number from 0 to 65535. */
__attribute__((constructor(70000))) static void c(void) {}
int main(void) { return 0; }
