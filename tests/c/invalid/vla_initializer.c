int main(int argc, char **argv) {
    (void)argv;
    int a[argc] = { 0 };
    return a[0];
}
