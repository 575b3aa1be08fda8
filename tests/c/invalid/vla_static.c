int main(int argc, char **argv) {
    static int a[argc];
    (void)argv;
    return a[0];
}
