int g(void) { return 0; }

int f(void) { return 2; }
