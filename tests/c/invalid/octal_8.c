int main(void) { return 08; }
