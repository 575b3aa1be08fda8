int main(void) {
    int a[2];
    char a[3];
    return 0;
}
