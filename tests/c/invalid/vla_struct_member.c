int main(int argc, char **argv) {
    struct s { int len; int data[argc]; } v;
    (void)argv;
    v.len = 0;
    return v.len;
}
