int main(int argc, char **argv) {
    (void)argv;
    switch (argc) {
        int a[argc];
    case 1:
        a[0] = 1;
        return a[0];
    }
    return 0;
}
