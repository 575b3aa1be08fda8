int main(void) {
    int c = 1;
    switch (c) {
    default:
        return 1;
    case 3:
        return 3;
    default:
        return 2;
    }
}
