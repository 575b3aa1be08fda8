int main(void) { short char x = 0; return 0; }
