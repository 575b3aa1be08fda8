int main(void) {
    const int n = 1;
    n++;
    return n;
}
