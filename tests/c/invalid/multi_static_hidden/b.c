static int f(void) { return 1; }
int use(void) { return f(); }
