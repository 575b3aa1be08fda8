int main(void) {
    return _Generic(1, default: 0, int: 1, default: 2);
}
