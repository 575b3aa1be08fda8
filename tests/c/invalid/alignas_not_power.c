struct s { _Alignas(3) char c; };
int main(void) { return sizeof(struct s); }
