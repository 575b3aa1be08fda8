struct s { int a : 3; int x : 0; };
int main(void) { return 0; }
