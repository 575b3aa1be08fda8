int main(void) {
    _Alignas(8) register int x = 1;
    return x;
}
