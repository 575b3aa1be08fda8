int main(void) {
    long double x = 1.0;
    return 0;
}
