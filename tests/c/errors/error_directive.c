#define VERSION 1
#if VERSION < 2
#error "version 2 required"
#endif
int main(void) { return 0; }
