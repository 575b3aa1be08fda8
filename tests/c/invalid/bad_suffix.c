int main(void) { return 123abc; }
