int f(void);
int main(void) { return sizeof(f); }
