int main(void) {
    int x;
    int x(void);
    return 0;
}
