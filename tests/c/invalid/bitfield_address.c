struct s { int x : 3; };
int main(void) {
    struct s v = { 1 };
    int *p = &v.x;
    return *p;
}
