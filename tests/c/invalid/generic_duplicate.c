int main(void) {
    int x = 1;
    return _Generic(x, int: 0, long: 1, signed int: 2);
}
