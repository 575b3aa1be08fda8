struct s { unsigned x : 3; };
int main(void) {
    struct s v = { 1 };
    return (int)sizeof(v.x);
}
