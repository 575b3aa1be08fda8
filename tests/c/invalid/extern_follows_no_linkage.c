int main(void) {
    static int x;
    extern int x;
    return x;
}
