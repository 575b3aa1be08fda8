int main(void) {
    int *p = 42;
    return *p;
}
