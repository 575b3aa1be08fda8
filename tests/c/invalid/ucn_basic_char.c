const char *s = "a\u0041";
int main(void) { return 0; }
