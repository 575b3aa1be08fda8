int h(void) { return 0; }
