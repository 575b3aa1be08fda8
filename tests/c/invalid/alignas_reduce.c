struct s {
    char c;
    _Alignas(1) int x;
};
int main(void) { return sizeof(struct s); }
