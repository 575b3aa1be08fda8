struct s { int a; };
int main(void) {
    struct s v;
    int *p = v;
    undefined_thing = 3;
    v.b = 1;
    return 0;
}
