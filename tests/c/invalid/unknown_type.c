int main(void) { foo_t x; return 0; }
