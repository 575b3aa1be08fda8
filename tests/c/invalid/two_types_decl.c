int main(void) { int char x; return 0; }
