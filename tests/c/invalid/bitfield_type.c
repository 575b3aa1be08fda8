struct s { double d : 3; };
int main(void) { return 0; }
