int main(void) {
    int x = 0;
    typedef int x;
    return 0;
}
