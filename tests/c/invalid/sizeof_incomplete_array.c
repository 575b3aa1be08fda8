extern int a[];
int main(void) { return sizeof(a); }
