int g(void);
int main(void) { return g(); }
