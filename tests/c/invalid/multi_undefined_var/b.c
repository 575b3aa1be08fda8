extern int y;
int h(void) { return 0; }
